// Data already lost under existing images (a store mount gone) fails nothing new: read a little of each.
import { type GlanceClient, type Image, isImageId } from '../glance/index.js';
import { TransportError } from '../http/client.js';
import { describeExchange, failed, type Outcome } from './outcome.js';

/**
 * Reads the first `bytes` (Range) of up to `count` of the newest active images with data: an empty
 * answer (204, or no bytes) fails with its exchange, which the diagnosis names store.data-lost.
 */
export async function readStoredData(g: GlanceClient, count: number, bytes: number): Promise<Outcome> {
  const list = await g.images.list({
    status: 'active',
    limit: count * 2,
    sort_key: 'created_at',
    sort_dir: 'desc',
  });
  if (list.status !== 200) return failed(list, 'list active images: expected 200');
  const entries: unknown[] = Array.isArray(list.body?.images) ? list.body.images : [];
  // Only well-formed entries with data: an id that is not a UUID never goes into a path.
  const images = entries
    .filter((i): i is Image => typeof i === 'object' && i !== null && isImageId((i as Image).id))
    .filter((i) => typeof i.size === 'number' && i.size > 0)
    .slice(0, count);
  if (images.length === 0) return { ok: true, evidence: 'no active image with data to read' };
  const read: string[] = [];
  for (const image of images) {
    const got = await readStart(g, image, bytes);
    if (typeof got !== 'string') return got;
    read.push(got);
  }
  return { ok: true, evidence: read.join('; ') };
}

/** "id: 206, 1024 bytes", or the failed outcome of an active image whose data does not come back. */
async function readStart(g: GlanceClient, image: Image, bytes: number): Promise<string | Outcome> {
  const what = `image ${image.id} (active, ${image.size} bytes)`;
  try {
    const res = await g.data.download(image.id, { range: `bytes=0-${bytes - 1}`, expectedBytes: bytes });
    if (res.status === 204 || ((res.status === 200 || res.status === 206) && res.received.size === 0))
      return { ok: false, evidence: `${what}: ${describeExchange(res.exchange)}`, exchange: res.exchange };
    if (res.status !== 200 && res.status !== 206) return failed(res, `${what}: expected 206 or 200`);
    return `${image.id}: ${res.status}, ${res.received.size} bytes`;
  } catch (err) {
    // Range ignored: the whole image came, cut off after the bytes asked for. Its data is there.
    const x = err instanceof TransportError ? err.exchange : undefined;
    if (x?.error?.code === 'BODY_TOO_LONG' && x.status === 200)
      return `${image.id}: 200 (Range ignored), data present`;
    throw err;
  }
}
