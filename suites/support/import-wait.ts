// Waiting for an image import to end, the same for every suite that imports.
import type { GlanceClient, Image } from '../../src/glance/index.js';
import { expect } from '../fixtures.js';

export const IMPORT_TIMEOUT_MS = 60_000;

/** Polls show until an import ends: active, killed, or a failure recorded in os_glance_failed_import. */
export async function waitForImport(glance: GlanceClient, imageId: string): Promise<Image> {
  const deadline = Date.now() + IMPORT_TIMEOUT_MS;
  let last: Image | undefined;
  while (Date.now() < deadline) {
    const res = await glance.images.show(imageId);
    expect(res).toHaveStatus(200);
    last = res.body!;
    const failed = (last as unknown as Record<string, unknown>).os_glance_failed_import;
    if (last.status === 'active' || last.status === 'killed') return last;
    // 2024.2+ leaves a failed glance-direct import 'importing' with the store in os_glance_failed_import.
    if (failed) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `image ${imageId} still ${last?.status ?? 'unknown'} ${IMPORT_TIMEOUT_MS / 1000} s after import`,
  );
}
