import { randomBytes } from 'node:crypto';

/** Tag every harness-created image carries; cleanup never touches an image without it. */
export const HARNESS_TAG = 'glance-harness';

/** A run id: sortable time plus a random suffix, e.g. 20261122-101502-a1b2. */
export function newRunId(now: Date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The tag naming one run. */
export function runTag(runId: string): string {
  return `gh-run-${runId}`;
}

/** Tags for an image created by a run. */
export function runTags(runId: string): string[] {
  return [HARNESS_TAG, runTag(runId)];
}

/** `<prefix>-<runId>-<purpose>`. */
export function runImageName(prefix: string, runId: string, purpose: string): string {
  return `${prefix}-${runId}-${purpose}`;
}

/**
 * True when an image is one this harness created: its name has the prefix and it carries the harness and
 * a run tag. A list entry from a server may lack either, or hold other types: that is simply not ours.
 */
export function isHarnessImage(
  image: { name?: unknown; tags?: unknown },
  prefix: string,
  runId?: string,
): boolean {
  if (typeof image.name !== 'string' || !image.name.startsWith(`${prefix}-`)) return false;
  if (!Array.isArray(image.tags)) return false;
  const tags = image.tags.filter((t): t is string => typeof t === 'string');
  if (!tags.includes(HARNESS_TAG)) return false;
  return runId ? tags.includes(runTag(runId)) : tags.some((t) => t.startsWith('gh-run-'));
}

/** A run id given on the command line: it names a directory and a tag, so only a safe alphabet. */
export function isRunId(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(text);
}
