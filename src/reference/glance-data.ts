/** Image data: upload (PUT file), download (GET file), stage and import — with the store faults. */
import { randomUUID } from 'node:crypto';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { qcow2VirtualSize } from '../data/qcow2-header.js';
import type { IngestResult } from './data-store.js';
import { IMAGE_SIZE_CAP_BYTES, SMALL_STORE_FREE_BYTES } from './faults.js';
import {
  beginBody,
  type Call,
  findImage,
  type GlanceDeps,
  notAuthorized,
  readJson,
  sendEmpty,
} from './glance-core.js';
import { mediaType, sendBody, sleep } from './http-util.js';
import { dbNow, type ImageRecord, owns, type TaskRecord } from './registry.js';
import { HttpError } from './webob.js';

const MIB = 1024 * 1024;
/** The store this deployment writes to (enabled_backends = fs:file,http:http; default fs). */
export const DEFAULT_STORE = 'fs';

function requireOctetStream(call: Call): void {
  const type = mediaType(call.req.headers['content-type']);
  if (type !== 'application/octet-stream') {
    throw new HttpError(415, undefined, {
      template: { kind: 'media-type', contentType: call.req.headers['content-type'] ?? 'None' },
    });
  }
}

/**
 * Virtual size as Zed computes it on upload: from the header for qcow2, the byte count for raw,
 * nothing for formats it cannot read (a qcow2 upload that is not qcow2 only logs a warning).
 */
function virtualSize(diskFormat: string | null, result: IngestResult): number | null {
  if (diskFormat === 'raw') return result.size;
  if (diskFormat === 'qcow2') return qcow2VirtualSize(result.head) ?? null;
  return null;
}

function markActive(deps: GlanceDeps, img: ImageRecord, result: IngestResult, data: 'stored' | 'lost'): void {
  img.size = result.size;
  img.virtualSize = virtualSize(img.diskFormat, result);
  img.checksum = result.md5;
  img.osHashAlgo = 'sha512';
  img.osHashValue = result.sha512;
  img.status = 'active';
  img.data = data;
  img.storedIn = deps.faultSpan();
  img.stores = [DEFAULT_STORE];
  img.updatedAt = dbNow();
}

/** The declared body size, when the client sent one. */
function contentLength(call: Call): number | undefined {
  const raw = call.req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Waits for the request body to end, discarding it. */
function drain(call: Call): Promise<void> {
  return new Promise((resolve, reject) => {
    call.req.on('end', resolve);
    call.req.on('error', reject);
    call.req.on('aborted', () => reject(new Error('client aborted the request')));
    call.req.resume();
  });
}

/** Resolves with the first body chunk (or end), to fail a write the way a full disk does. */
function firstChunk(call: Call): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      call.req.off('data', done);
      call.req.off('end', done);
      call.req.pause();
      resolve();
    };
    call.req.on('data', done);
    call.req.on('end', done);
    call.req.once('aborted', () => reject(new Error('client aborted the request')));
  });
}

/** Glance's 413 when the store's filesystem runs out of space mid-write. */
function storageFull(): HttpError {
  return new HttpError(
    413,
    'Image storage media is full: There is not enough disk space on the image storage media.',
  );
}

/** Glance's 413 when the data read passes [DEFAULT] image_size_cap (glance's LimitingReader). */
function sizeCapExceeded(): HttpError {
  return new HttpError(413, 'The incoming image is too large: The provided image is too large.');
}

/** Bytes the store-small filesystem has left: what was stored while the fault is on takes from it. */
function smallStoreFree(deps: GlanceDeps): number {
  const span = deps.faultSpan();
  const used = deps.registry
    .all()
    .filter((i) => i.data === 'stored' && i.storedIn === span)
    .reduce((n, i) => n + (i.size ?? 0), 0);
  return Math.max(0, SMALL_STORE_FREE_BYTES - used);
}

/** How much a write may take before Glance refuses it under the current fault, and how it refuses. */
function writeLimit(
  deps: GlanceDeps,
  area: 'images' | 'staging',
): { bytes: number; refuse: () => HttpError } | undefined {
  const fault = deps.fault();
  if (fault === 'image-size-cap') return { bytes: IMAGE_SIZE_CAP_BYTES, refuse: sizeCapExceeded };
  // The staging area (os_glance_staging_store) is another filesystem: only the store is small.
  if (fault === 'store-small' && area === 'images')
    return { bytes: smallStoreFree(deps), refuse: storageFull };
  return undefined;
}

class LimitExceeded extends Error {}

/**
 * The request body, cut with LimitExceeded once it passes `limit` bytes. The request is piped, not
 * consumed by the ingest pipeline, so a failed write leaves it open for Glance's answer.
 */
function limitedBody(call: Call, limit: number): Readable {
  let seen = 0;
  const body = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) done(new LimitExceeded(`more than ${limit} bytes`));
      else done(null, chunk);
    },
  });
  const gone = () => body.destroy(call.signal.reason instanceof Error ? call.signal.reason : undefined);
  call.signal.addEventListener('abort', gone, { once: true });
  body.once('close', () => call.signal.removeEventListener('abort', gone));
  call.req.pipe(body);
  return body;
}

/**
 * Streams the request body into the store, within the current fault's write limit: past it, the
 * partial data is removed, the rest of the body is read and discarded, and Glance's 413 thrown.
 */
async function ingestBody(
  deps: GlanceDeps,
  call: Call,
  id: string,
  area: 'images' | 'staging' | null,
): Promise<IngestResult> {
  const limit = area === null ? undefined : writeLimit(deps, area);
  if (!limit) return deps.store.ingest(call.req, id, area, contentLength(call));
  try {
    return await deps.store.ingest(limitedBody(call, limit.bytes), id, area, contentLength(call));
  } catch (err) {
    if (!(err instanceof LimitExceeded)) throw err;
    call.req.unpipe();
    call.req.resume();
    throw limit.refuse();
  }
}

/** PUT /v2/images/{id}/file — Upload binary image data. */
export async function uploadImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  requireOctetStream(call);
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('upload_image');
  if (img.status !== 'queued') {
    throw new HttpError(409, `Image status transition from ${img.status} to saving is not allowed`);
  }
  if (img.diskFormat === null || img.containerFormat === null) {
    throw new HttpError(400, 'Properties disk_format, container_format must be set prior to saving data.');
  }

  const fault = deps.fault();
  // Early failures: Glance cannot open the destination, so it answers before reading the body.
  if (fault === 'store-unwritable') {
    throw new HttpError(
      503,
      'Insufficient permissions on image storage media: Permission to write image storage media denied.',
    );
  }
  if (fault === 'store-removed') throw new HttpError(500);

  img.status = 'saving';
  img.updatedAt = dbNow();
  const restore = () => {
    if (img.status === 'saving') {
      img.status = 'queued';
      img.updatedAt = dbNow();
    }
  };
  beginBody(call);
  try {
    if (fault === 'store-full') {
      await firstChunk(call);
      restore();
      call.req.resume();
      throw storageFull();
    }
    if (fault === 'swift-unmounted') {
      await drain(call);
      const left = deps.delays.swiftMs - (Date.now() - call.startedAt);
      if (left > 0) await sleep(left, call.signal);
      restore();
      throw new HttpError(500);
    }
    let lost = fault === 'store-mount-lost';
    const result = await ingestBody(deps, call, id, lost ? null : 'images');
    if (!lost && deps.fault() === 'store-mount-lost') {
      // The mount went away while the data streamed: the write "succeeded" into nothing.
      lost = true;
      await deps.store.remove(id);
    }
    if (img.deleted) {
      await deps.store.remove(id);
      throw new HttpError(
        410,
        `Image ${id} could not be found after upload. The image may have been deleted during the upload.`,
      );
    }
    markActive(deps, img, result, lost ? 'lost' : 'stored');
    sendEmpty(call, 204);
  } catch (err) {
    restore();
    throw err;
  }
}

/** Parses a single `bytes=` range; undefined means "send it all". */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** The 204 a download gets when the store has no data for the image. */
function noContent(call: Call): void {
  const headers: Record<string, string> = {};
  if (call.requestId) headers['X-Openstack-Request-Id'] = call.requestId;
  headers['Content-Length'] = '0';
  sendBody(call.res, 204, headers);
}

/** GET /v2/images/{id}/file — Download binary image data. */
export async function downloadImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (img.status === 'deactivated' && !call.ctx.isAdmin) {
    throw new HttpError(403, 'The requested image has been deactivated. Image data download is forbidden.');
  }
  if (img.data === 'none' || img.data === 'lost') {
    noContent(call);
    return;
  }
  const fault = deps.fault();
  if (fault === 'store-removed' || fault === 'store-mount-lost') {
    noContent(call);
    return;
  }
  // The mount that held everything stored before the fault is gone; what was stored since reads back.
  if (fault === 'store-data-lost' && img.storedIn !== deps.faultSpan()) {
    noContent(call);
    return;
  }
  if (fault === 'swift-unmounted') {
    await sleep(deps.delays.swiftMs, call.signal);
    sendBody(call.res, 500, { 'Content-Type': 'text/plain', 'Content-Length': '0', Connection: 'close' });
    return;
  }
  const size = (await deps.store.size(id)) ?? 0;
  const range = parseRange(call.req.headers.range, size);
  if (range === 'unsatisfiable') {
    throw new HttpError(416, undefined, { headers: { 'Content-Range': `bytes */${size}` } });
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${size}`;
  if (img.checksum) headers['Content-Md5'] = img.checksum;
  headers['Content-Length'] = String(range ? range.end - range.start + 1 : size);
  if (call.requestId) headers['X-Openstack-Request-Id'] = call.requestId;
  const reader = range ? deps.store.reader(id, range.start, range.end) : deps.store.reader(id);
  await new Promise<void>((resolve) => {
    reader.once('open', () => {
      call.res.writeHead(range ? 206 : 200, headers);
      reader.pipe(call.res);
    });
    reader.once('error', () => {
      if (!call.res.headersSent) noContent(call);
      else call.res.destroy();
      resolve();
    });
    call.res.once('close', () => {
      reader.destroy();
      resolve();
    });
  });
}

/** PUT /v2/images/{id}/stage — Stage binary image data (glance-direct, step one). */
export async function stageImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  requireOctetStream(call);
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('modify_image');
  if (img.status !== 'queued') {
    throw new HttpError(409, `Image status transition from ${img.status} to uploading is not allowed`);
  }
  img.status = 'uploading';
  img.updatedAt = dbNow();
  beginBody(call);
  try {
    const result = await ingestBody(deps, call, id, 'staging');
    img.staged = {
      size: result.size,
      md5: result.md5,
      sha512: result.sha512,
      virtualSize: virtualSize(img.diskFormat, result),
    };
  } catch (err) {
    if (img.status === 'uploading') img.status = 'queued';
    throw err;
  }
  sendEmpty(call, 204);
}

function loopbackOrPrivate(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127\./.test(h) ||
    /^10\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^169\.254\./.test(h) ||
    h === '0.0.0.0'
  );
}

function webDownloadAllowed(uri: unknown): boolean {
  if (typeof uri !== 'string') return false;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port === '' ? (url.protocol === 'http:' ? '80' : '443') : url.port;
  if (port !== '80' && port !== '443') return false;
  return !loopbackOrPrivate(url.hostname);
}

function newTask(call: Call, img: ImageRecord, importReq: Record<string, unknown>): TaskRecord {
  const now = dbNow();
  const task: TaskRecord = {
    id: randomUUID(),
    type: 'api_image_import',
    status: 'processing',
    owner: call.ctx.projectId,
    userId: call.ctx.userId,
    requestId: call.requestId ?? '',
    imageId: img.id,
    input: { image_id: img.id, import_req: importReq, backend: [DEFAULT_STORE] },
    result: null,
    message: '',
    createdAt: now,
    updatedAt: now,
  };
  img.tasks.push(task);
  return task;
}

function finishTask(task: TaskRecord, status: 'success' | 'failure', message: string): void {
  task.status = status;
  task.message = message;
  task.result = status === 'success' ? { image_id: task.imageId } : null;
  task.updatedAt = dbNow();
}

async function runImport(
  deps: GlanceDeps,
  img: ImageRecord,
  task: TaskRecord,
  method: string,
): Promise<void> {
  const fail = (message: string) => {
    img.status = 'queued';
    img.extra.set('os_glance_importing_to_stores', '');
    img.extra.set('os_glance_failed_import', DEFAULT_STORE);
    img.extra.delete('os_glance_import_task');
    img.updatedAt = dbNow();
    finishTask(task, 'failure', message);
  };
  if (method !== 'glance-direct' || !img.staged) {
    fail('Image could not be downloaded: outbound connections are disabled on this deployment.');
    return;
  }
  const fault = deps.fault();
  if (
    fault === 'store-unwritable' ||
    fault === 'store-removed' ||
    fault === 'store-full' ||
    fault === 'swift-unmounted' ||
    (fault === 'store-small' && img.staged.size > smallStoreFree(deps))
  ) {
    fail(`Failed to import image to store ${DEFAULT_STORE}`);
    return;
  }
  const staged = img.staged;
  if (fault === 'store-mount-lost') await deps.store.remove(img.id);
  else await deps.store.promote(img.id);
  if (img.deleted) {
    await deps.store.remove(img.id);
    finishTask(task, 'failure', 'Image was deleted during import.');
    return;
  }
  img.size = staged.size;
  img.virtualSize = staged.virtualSize;
  img.checksum = staged.md5;
  img.osHashAlgo = 'sha512';
  img.osHashValue = staged.sha512;
  img.status = 'active';
  img.data = fault === 'store-mount-lost' ? 'lost' : 'stored';
  img.storedIn = deps.faultSpan();
  img.stores = [DEFAULT_STORE];
  img.staged = undefined;
  img.extra.set('os_glance_importing_to_stores', '');
  img.extra.set('os_glance_failed_import', '');
  img.extra.delete('os_glance_import_task');
  img.updatedAt = dbNow();
  finishTask(task, 'success', `Copied ${Math.floor(staged.size / MIB)} MiB`);
}

/** POST /v2/images/{id}/import — Import an image (glance-direct, web-download, copy-image). */
export async function importImage(
  deps: GlanceDeps,
  call: Call,
  id: string,
  track: (p: Promise<void>) => void,
): Promise<void> {
  const body = await readJson(call);
  const req =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  const method = req?.method;
  const name =
    typeof method === 'object' && method !== null ? (method as Record<string, unknown>).name : undefined;
  if (!req || typeof name !== 'string') throw new HttpError(400, "Import request requires a 'method' field.");
  if (!['glance-direct', 'web-download', 'copy-image'].includes(name)) {
    throw new HttpError(
      400,
      `Import method ${name} is not valid. Supported methods: glance-direct, web-download, copy-image`,
    );
  }
  const stores = req.stores;
  if (stores !== undefined) {
    if (!Array.isArray(stores)) throw new HttpError(400, 'Stores parameter must be a list.');
    for (const s of stores) {
      if (s === 'http') throw new HttpError(403, 'Store http is read-only store');
      if (s !== DEFAULT_STORE) throw new HttpError(400, `Store for identifier ${String(s)} not found`);
    }
  }
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('modify_image');
  if (name === 'glance-direct') {
    if (img.status === 'queued') {
      throw new HttpError(409, "Image needs to be staged before 'glance-direct' method can be used");
    }
    if (img.status !== 'uploading')
      throw new HttpError(409, `Image with status ${img.status} cannot be target for import`);
  } else if (name === 'web-download') {
    if (img.status !== 'queued')
      throw new HttpError(409, `Image with status ${img.status} cannot be target for import`);
    const uri = (method as Record<string, unknown>).uri;
    if (!webDownloadAllowed(uri)) {
      throw new HttpError(400, `URI for web-download does not pass filtering: ${String(uri)}`);
    }
  } else {
    if (img.status !== 'active')
      throw new HttpError(409, `Image with status ${img.status} cannot be target for import`);
    throw new HttpError(409, `Image is already present at store '${DEFAULT_STORE}'`);
  }
  const task = newTask(call, img, req);
  img.status = 'importing';
  img.extra.set('os_glance_import_task', task.id);
  img.extra.set('os_glance_importing_to_stores', DEFAULT_STORE);
  img.extra.set('os_glance_failed_import', '');
  img.updatedAt = dbNow();
  sendEmpty(call, 202);
  track(
    runImport(deps, img, task, name).catch((err: unknown) => {
      deps.log(`glance import ${id} failed: ${String(err)}`);
      img.status = 'queued';
      finishTask(task, 'failure', String(err));
    }),
  );
}
