import type { GlanceClient, Image, ImageList } from '../glance/index.js';
import { HARNESS_TAG, isHarnessImage } from './naming.js';

export interface CleanupResult {
  found: Array<{ id: string; name: string | null }>;
  deleted: number;
  failed: string[];
}

/** Walks every page of images carrying the harness tag. */
export async function listHarnessImages(
  glance: GlanceClient,
  prefix: string,
  runId?: string,
): Promise<Image[]> {
  const out: Image[] = [];
  let res = await glance.images.list({ tag: HARNESS_TAG, limit: 100 });
  for (let page = 0; page < 1000; page += 1) {
    if (res.status !== 200 || !res.body) {
      throw new Error(`Cannot list images for cleanup: GET ${res.exchange.path} answered ${res.status}`);
    }
    const body: ImageList = res.body;
    out.push(...body.images.filter((i) => isHarnessImage(i, prefix, runId)));
    if (!body.next) break;
    res = await glance.images.listNext(body.next);
  }
  return out;
}

/**
 * Deletes images this harness created (name prefix and the harness and run tags), nothing else.
 * Protected ones are unprotected first, deactivated ones deleted as they are.
 */
export async function cleanupImages(
  glance: GlanceClient,
  opts: { prefix: string; runId?: string; dryRun?: boolean },
): Promise<CleanupResult> {
  const found = await listHarnessImages(glance, opts.prefix, opts.runId);
  const result: CleanupResult = {
    found: found.map((i) => ({ id: i.id, name: i.name })),
    deleted: 0,
    failed: [],
  };
  if (opts.dryRun) return result;
  for (const image of found) {
    if (image.protected)
      await glance.images.update(image.id, [{ op: 'replace', path: '/protected', value: false }]);
    const res = await glance.images.delete(image.id);
    if (res.status === 204 || res.status === 404) result.deleted += 1;
    else result.failed.push(image.id);
  }
  return result;
}
