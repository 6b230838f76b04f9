// What the scenarios share: images named and tagged with the run (cleanup finds whatever a run
// leaves), and waiting for an image to become active. Calls go through the VU's own client.
import type { Image } from '../../src/glance/index.js';
import type { VuContext } from '../../src/load/engine/scenario.js';
import { runTags } from '../../src/run/naming.js';

/** POST /v2/images for a raw/bare image with the run's name and tags; its id, or undefined. */
export async function createImage(vu: VuContext, purpose: string): Promise<string | undefined> {
  const res = await vu.op('create', () =>
    vu.glance.images.create(
      {
        name: `${vu.run.names}${purpose}`,
        disk_format: 'raw',
        container_format: 'bare',
        tags: runTags(vu.run.id),
      },
      { signal: vu.signal },
    ),
  );
  if (res.status === 201 && res.body?.id) return res.body.id;
  vu.warn(`POST /v2/images answered ${res.status}`);
  return undefined;
}

/** DELETE /v2/images/{id}; true when Glance answered 204. */
export async function deleteImage(vu: VuContext, id: string): Promise<boolean> {
  const res = await vu.op('delete', () => vu.glance.images.delete(id, { signal: vu.signal }));
  return res.status === 204;
}

export type Waited = { image: Image } | { error: string };

/**
 * Polls an image until it is active. Fails fast: killed, deleted, or still queued after a failed
 * upload are final. Backs off from 50 ms to 1 s between polls.
 */
export async function waitActive(
  vu: VuContext,
  id: string,
  opts: { uploadFailed?: boolean; timeoutMs?: number } = {},
): Promise<Waited> {
  const start = Date.now();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const res = await vu.op('show', () => vu.glance.images.show(id, { signal: vu.signal }));
    const image = res.body;
    if (res.status !== 200 || !image) return { error: `GET /v2/images/${id} answered ${res.status}` };
    if (image.status === 'active') return { image };
    if (image.status === 'killed' || image.status === 'deleted' || image.status === 'pending_delete')
      return { error: `image ${id} went ${image.status}` };
    if (image.status === 'queued' && opts.uploadFailed)
      return { error: `image ${id} stayed queued after a failed upload` };
    if (Date.now() - start > timeoutMs)
      return { error: `image ${id} not active after ${timeoutMs} ms (status ${image.status})` };
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** MB/s (10^6 B/s) of `bytes` moved in `ms`. */
export function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (Math.max(ms, 0.001) / 1000);
}
