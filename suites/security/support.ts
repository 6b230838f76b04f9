// Helpers for the security suite: upload/import of in-memory bytes and the release-default rule.
import type { ApiResponse, GlanceClient, Image } from '../../src/glance/index.js';
import type { RunContext } from '../../src/run/context.js';
import { expect, test } from '../fixtures.js';

/** "PUT /v2/images/…/file → 204 (req-…)". */
export function said(res: ApiResponse): string {
  return `${res.exchange.method} ${res.exchange.path} → ${res.status} (${res.requestId ?? 'no request id'})`;
}

/** What an image looks like after a write: the fields that show whether the bytes were kept. */
export function imageEvidence(image: Image | undefined): string {
  if (!image) return 'image not shown';
  const keep = ['id', 'status', 'disk_format', 'size', 'checksum', 'os_hash_algo', 'os_hash_value'] as const;
  const rec = image as unknown as Record<string, unknown>;
  const failed = rec.os_glance_failed_import
    ? ` os_glance_failed_import=${String(rec.os_glance_failed_import)}`
    : '';
  return keep.map((k) => `${k}=${JSON.stringify(rec[k] ?? null)}`).join(' ') + failed;
}

/** The release family decides what a release's documented default is (zed: Yoga to 2024.1). */
export function isLegacyFamily(ctx: Readonly<RunContext>): boolean {
  return ctx.liveSchemas.family === 'zed';
}

/**
 * The target accepted what a newer release refuses by default: on a legacy-family target this is
 * the release's documented default, recorded as a finding (then passed or skipped); elsewhere it fails.
 */
export function acceptedByTarget(
  ctx: Readonly<RunContext>,
  what: string,
  legacyDefault: string,
  onLegacy: 'pass' | 'skip' = 'skip',
): void {
  if (isLegacyFamily(ctx)) {
    test.info().annotations.push({ type: 'finding', description: `${what}: ${legacyDefault}` });
    if (onLegacy === 'pass') return;
    test.skip(true, `release default, not a defect: ${legacyDefault} (${what})`);
  }
  expect(false, `${what}. Expected a refusal (4xx, or the image not going active).`).toBe(true);
}

/** Methods GET /v2/info/import advertises ([] when the endpoint is absent). */
export async function importMethods(glance: GlanceClient): Promise<string[]> {
  const res = await glance.info.import();
  if (res.status === 404) return [];
  expect(res).toHaveStatus(200);
  return res.body?.['import-methods']?.value ?? [];
}
