import { quoteValue, UnexpectedResponseError } from '../errors.js';
import { nextLink } from '../glance/images.js';
import { type ApiResponse, type GlanceClient, type Image, isImageId } from '../glance/index.js';
import { HARNESS_TAG, isHarnessImage, runImageName } from './naming.js';

export interface CleanupResult {
  found: Array<{ id: string; name: string | null }>;
  deleted: number;
  /** Ids not removed, and one line per skipped entry (so every existing reader reports them). */
  failed: string[];
  /** List entries left alone because they cannot be trusted: `id` is the value quoted for display. */
  skipped: Array<{ id: string; reason: string }>;
}

interface HarnessListing {
  images: Image[];
  skipped: CleanupResult['skipped'];
}

/** Walks every page of images carrying the harness tag; entries that cannot be trusted are skipped, not listed. */
export async function listHarnessImages(
  glance: GlanceClient,
  prefix: string,
  runId?: string,
): Promise<HarnessListing> {
  const out: HarnessListing = { images: [], skipped: [] };
  await walkImages(glance, { tag: HARNESS_TAG, limit: 100 }, (entry) => {
    const verdict = classify(entry, prefix, runId);
    if (verdict === 'mine') out.images.push(entry as Image);
    else if (verdict !== 'foreign') out.skipped.push(verdict);
  });
  return out;
}

/**
 * Images named for this run that lack its tags: a create that answered 5xx after Glance saved the
 * row. Only images created since the run started are listed, so the walk stays short.
 */
async function untaggedRunImages(
  glance: GlanceClient,
  prefix: string,
  runId: string,
  since: Date,
): Promise<Image[]> {
  const found: Image[] = [];
  const name = runImageName(prefix, runId, '');
  // Whole seconds, a second early: Glance parses the filter as ISO 8601 and stores seconds.
  const from = new Date(Math.floor(since.getTime() / 1000) * 1000 - 1000).toISOString().replace('.000Z', 'Z');
  await walkImages(glance, { created_at: `gte:${from}`, limit: 100 }, (entry) => {
    if (typeof entry !== 'object' || entry === null) return;
    const image = entry as Record<string, unknown>;
    const tagged = Array.isArray(image.tags) && image.tags.includes(HARNESS_TAG);
    if (typeof image.name === 'string' && image.name.startsWith(name) && !tagged && isImageId(image.id))
      found.push(image as unknown as Image);
  });
  return found;
}

/** Follows every page of a listing, refusing loops, handing each entry to `visit`. */
async function walkImages(
  glance: GlanceClient,
  query: Record<string, string | number>,
  visit: (entry: unknown) => void,
): Promise<void> {
  let res: ApiResponse = await glance.images.list(query);
  const seen = new Set<string>([`link ${new URL(res.exchange.url).search}`]);
  for (let page = 0; page < 1000; page += 1) {
    const { images, next } = listPage(res);
    for (const entry of images) visit(entry);
    if (next === undefined) return;
    const u = nextLink(next, glance.endpoint);
    const marker = u.searchParams.get('marker');
    const keys = [`link ${u.search}`, ...(marker !== null ? [`marker ${marker}`] : [])];
    if (keys.some((k) => seen.has(k)))
      throw new UnexpectedResponseError(
        `GET /v2/images answered a next link already followed (${quoteValue(next)}): the server loops; cleanup stopped`,
      );
    for (const k of keys) seen.add(k);
    res = await glance.images.listNext(next);
  }
  throw new UnexpectedResponseError('GET /v2/images gave 1000 pages of harness images: cleanup stopped');
}

/** The images and next link of one list answer, checked before use. */
function listPage(res: ApiResponse): { images: unknown[]; next: string | undefined } {
  const where = `GET ${res.exchange.path}`;
  if (res.status !== 200 || res.body === undefined)
    throw new UnexpectedResponseError(
      `Cannot list images for cleanup: ${where} answered ${res.status}${res.status === 200 ? ' without a JSON body' : ''}`,
    );
  const body = res.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.images))
    throw new UnexpectedResponseError(`${where} answered 200 but "images" is not an array`);
  if (body.next !== undefined && body.next !== null && typeof body.next !== 'string')
    throw new UnexpectedResponseError(`${where} answered 200 but "next" is not a string`);
  return {
    images: body.images,
    next: typeof body.next === 'string' && body.next !== '' ? body.next : undefined,
  };
}

/** 'mine' for a harness image with a usable id, 'foreign' for another's, a skip for an entry not to be trusted. */
function classify(
  entry: unknown,
  prefix: string,
  runId: string | undefined,
): 'mine' | 'foreign' | { id: string; reason: string } {
  if (typeof entry !== 'object' || entry === null)
    return { id: quoteValue(entry), reason: 'list entry is not an object' };
  const image = entry as Record<string, unknown>;
  // Listed under tag=glance-harness, so an entry without a tags array is a malformed answer, not someone else's image.
  if (!Array.isArray(image.tags))
    return { id: quoteValue(image.id), reason: 'no "tags" array in the list entry' };
  if (!isHarnessImage(image, prefix, runId)) return 'foreign';
  if (!isImageId(image.id)) return { id: quoteValue(image.id), reason: 'id is not a UUID: not deleted' };
  return 'mine';
}

/**
 * Deletes images this harness created (name prefix and the harness and run tags), nothing else.
 * Protected ones are unprotected first, deactivated ones deleted as they are. List entries with an
 * id that is not a UUID are never put into a path: they are reported in `skipped` and `failed`.
 */
export async function cleanupImages(
  glance: GlanceClient,
  opts: {
    prefix: string;
    runId?: string;
    dryRun?: boolean;
    names?: string;
    /** When the run started: its images created since then without its tags are found by name too. */
    since?: Date;
  },
): Promise<CleanupResult> {
  const listed = await listHarnessImages(glance, opts.prefix, opts.runId);
  const { skipped } = listed;
  const untagged =
    opts.runId && opts.since ? await untaggedRunImages(glance, opts.prefix, opts.runId, opts.since) : [];
  const all = [...listed.images, ...untagged.filter((u) => !listed.images.some((i) => i.id === u.id))];
  const images = opts.names
    ? all.filter((i) => typeof i.name === 'string' && i.name.startsWith(opts.names!))
    : all;
  const result: CleanupResult = {
    found: images.map((i) => ({ id: i.id, name: typeof i.name === 'string' ? i.name : null })),
    deleted: 0,
    failed: skipped.map((s) => `skipped ${s.id}: ${s.reason}`),
    skipped,
  };
  if (opts.dryRun) return result;
  for (const image of images) {
    if (image.protected === true)
      await glance.images.update(image.id, [{ op: 'replace', path: '/protected', value: false }]);
    const res = await glance.images.delete(image.id);
    if (res.status === 204 || res.status === 404) result.deleted += 1;
    else result.failed.push(image.id);
  }
  return result;
}
