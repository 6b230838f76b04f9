/** Image data: upload, download, stage, import and delete from a store — with the store faults. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { type UploadInspector, ZedUploadRefused, zedUploadInspector } from '../data/formats/zed-inspector.js';
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
import { IMPORT_METHODS } from './glance-images.js';
import { mediaType, sendBody, sleep } from './http-util.js';
import { pyRepr } from './py-json.js';
import { dbNow, type ImageRecord, owns, type TaskRecord } from './registry.js';
import { acceptsData, availableIds, findStore, mergeStoreList, type StoreDef } from './stores.js';
import { HttpError } from './webob.js';

const MIB = 1024 * 1024;

function requireOctetStream(call: Call): void {
  const type = mediaType(call.req.headers['content-type']);
  if (type !== 'application/octet-stream') {
    throw new HttpError(415, undefined, {
      template: { kind: 'media-type', contentType: call.req.headers['content-type'] ?? 'None' },
    });
  }
}

/**
 * An ingest and the virtual_size Zed computes on upload (location.py set_data): its format inspector
 * reads a bare container's body as the store does; a format without one, or bytes it does not match,
 * leave null (Zed only logs a warning). Each format's rule, checked on a Zed lab: src/data/formats.
 */
type Ingested = IngestResult & { virtualSize: number | null; refused?: string };

/**
 * What the inspector found once the body ended. A refusal is Zed's ValueError out of set_data: an
 * upload answers 400; staged data Zed inspects only at import, so staging ignores it (not imitated).
 */
function inspection(inspector: UploadInspector | undefined): {
  virtualSize: number | null;
  refused?: string;
} {
  try {
    return { virtualSize: inspector?.virtualSize() ?? null };
  } catch (err) {
    if (!(err instanceof ZedUploadRefused)) throw err;
    return { virtualSize: null, refused: err.message };
  }
}

/** Shows the body to the inspector as the store reads it (Zed's InfoWrapper); returns it unchanged. */
function inspected(body: Readable, inspector: UploadInspector | undefined): Readable {
  if (inspector) body.on('data', (chunk: Buffer) => inspector.write(chunk));
  return body;
}

function markActive(
  deps: GlanceDeps,
  img: ImageRecord,
  result: Ingested,
  data: 'stored' | 'lost',
  store: StoreDef | null,
): void {
  img.size = result.size;
  img.virtualSize = result.virtualSize;
  img.checksum = result.md5;
  img.osHashAlgo = 'sha512';
  img.osHashValue = result.sha512;
  img.status = 'active';
  img.data = data;
  img.storedIn = deps.faultSpan();
  img.stores = store ? [store.id] : [];
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
  img: ImageRecord,
  area: 'images' | 'staging' | null,
): Promise<Ingested> {
  const inspector = zedUploadInspector(img.diskFormat, img.containerFormat);
  const limit = area === null ? undefined : writeLimit(deps, area);
  const body = limit ? limitedBody(call, limit.bytes) : call.req;
  try {
    const result = await deps.store.ingest(inspected(body, inspector), img.id, area, contentLength(call));
    return { ...result, ...inspection(inspector) };
  } catch (err) {
    if (!limit || !(err instanceof LimitExceeded)) throw err;
    call.req.unpipe();
    call.req.resume();
    throw limit.refuse();
  }
}

/**
 * The store an upload writes to: X-Image-Meta-Store, else the default backend (image_data.py;
 * multi-store only, legacy mode ignores the header). Any enabled store is accepted, reserved ones too.
 */
function uploadTarget(deps: GlanceDeps, call: Call): StoreDef | null {
  if (!deps.stores.multi) return null;
  const id = header(call, 'x-image-meta-store') ?? deps.stores.defaultId ?? '';
  const store = findStore(deps.stores, id);
  if (!store) throw new HttpError(400, `Store for identifier ${id} not found`);
  return store;
}

/** PUT /v2/images/{id}/file — Upload binary image data. */
export async function uploadImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  requireOctetStream(call);
  const target = uploadTarget(deps, call);
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('upload_image');
  if (img.status !== 'queued') {
    throw new HttpError(409, `Image status transition from ${img.status} to saving is not allowed`);
  }
  if (img.diskFormat === null || img.containerFormat === null) {
    throw new HttpError(400, 'Properties disk_format, container_format must be set prior to saving data.');
  }
  if (target && !acceptsData(target, 'upload')) {
    // The store refuses before reading a byte (StoreAddDisabled); the image goes saving and back to queued.
    img.updatedAt = dbNow();
    throw new HttpError(410, 'Error in store configuration. Adding images to store is disabled.');
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
    const result = await ingestBody(deps, call, img, lost ? null : 'images');
    if (result.refused !== undefined) throw new HttpError(400, result.refused);
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
    markActive(deps, img, result, lost ? 'lost' : 'stored', target);
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
    const result = await ingestBody(deps, call, img, 'staging');
    img.staged = {
      size: result.size,
      md5: result.md5,
      sha512: result.sha512,
      virtualSize: result.virtualSize,
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
  if (loopbackOrPrivate(url.hostname)) return false;
  // Glance (the Debian 25.1 security update) refuses a host name that does not resolve. The
  // reference sends no DNS query: a name resolves when /etc/hosts lists it.
  return isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 || hostsFileNames().has(url.hostname.toLowerCase());
}

let hostsNames: Set<string> | undefined;

/** The names /etc/hosts gives an address to (read once). */
function hostsFileNames(): Set<string> {
  if (hostsNames) return hostsNames;
  hostsNames = new Set();
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return hostsNames;
  }
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    for (const name of fields.slice(1)) hostsNames.add(name.toLowerCase().replace(/\.$/, ''));
  }
  return hostsNames;
}

/** Python's `%s` of a JSON value, as Glance's messages format it. */
function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** An import request once Zed's deserializer has checked it (images.py _validate_import_body). */
interface ImportRequest {
  raw: Record<string, unknown>;
  method: ImportMethod;
  uri: unknown;
  allStores: boolean;
  mustSucceed: boolean;
}

type ImportMethod = (typeof IMPORT_METHODS)[number];

function importRequest(body: unknown): ImportRequest {
  if (typeof body !== 'object' || body === null) {
    throw new HttpError(400, 'Unexpected body type. Expected list/dict.');
  }
  // A list, or a method that is not an object, passes the type check and then fails to index: 500.
  if (Array.isArray(body)) throw new HttpError(500);
  const raw = body as Record<string, unknown>;
  if (!('method' in raw)) throw new HttpError(400, "Import request requires a 'method' field.");
  const method = raw.method;
  if (typeof method !== 'object' || method === null || Array.isArray(method)) throw new HttpError(500);
  const m = method as Record<string, unknown>;
  if (!('name' in m)) throw new HttpError(400, "Import request requires a 'name' field.");
  const name = m.name;
  if (typeof name !== 'string' || !(IMPORT_METHODS as readonly string[]).includes(name)) {
    throw new HttpError(400, `Unknown import method name '${pyStr(name)}'.`);
  }
  const mustSucceed = 'all_stores_must_succeed' in raw ? raw.all_stores_must_succeed : true;
  if (typeof mustSucceed !== 'boolean')
    throw new HttpError(400, "'all_stores_must_succeed' must be boolean value only");
  const allStores = 'all_stores' in raw ? raw.all_stores : false;
  if (typeof allStores !== 'boolean') throw new HttpError(400, "'all_stores' must be boolean value only");
  return { raw, method: name as ImportMethod, uri: m.uri ?? null, allStores, mustSucceed };
}

/** One request header as webob reads it (repeats joined). */
function header(call: Call, name: string): string | undefined {
  const v = call.req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The stores an import targets (utils.get_stores_from_request); multi-store only. */
function requestedStores(deps: GlanceDeps, call: Call, req: ImportRequest): string[] {
  const named = header(call, 'x-image-meta-store');
  let stores: unknown[];
  if (req.allStores) {
    if ('stores' in req.raw || named !== undefined) {
      throw new HttpError(
        400,
        "All_stores parameter can't be used with x-image-meta-store header or stores parameter",
      );
    }
    stores = availableIds(deps.stores);
  } else if ('stores' in req.raw) {
    if (named !== undefined)
      throw new HttpError(400, "Stores parameter and x-image-meta-store header can't be both specified");
    const given = req.raw.stores;
    // Python iterates whatever it gets: a string by characters, an object by keys, a number not at all.
    if (typeof given === 'string') stores = [...given];
    else if (Array.isArray(given)) stores = given;
    else if (typeof given === 'object' && given !== null) stores = Object.keys(given);
    else throw new HttpError(500);
  } else {
    stores = [named ?? deps.stores.defaultId];
  }
  for (const s of stores) {
    // A list or an object cannot be a dict key: TypeError, 500.
    if (typeof s === 'object' && s !== null) throw new HttpError(500);
    // images.py turns glance_store's UnknownScheme into a Conflict here (an upload says 400).
    if (typeof s !== 'string' || !findStore(deps.stores, s))
      throw new HttpError(409, `Store for identifier ${pyStr(s)} not found`);
  }
  return stores as string[];
}

/** Zed's import lock (images.py _enforce_import_lock): a live task's lock refuses a second import. */
const LOCK_EXPIRY_MS = 60 * 60 * 1000;

function enforceImportLock(img: ImageRecord): void {
  const holder = img.extra.get('os_glance_import_task');
  if (holder === undefined) return;
  const task = img.tasks.find((t) => t.id === holder);
  const expiry = task?.status === 'pending' ? 2 * LOCK_EXPIRY_MS : LOCK_EXPIRY_MS;
  if (task && Date.now() - task.updatedAt.getTime() < expiry)
    throw new HttpError(409, 'Image has active task');
  if (task && (task.status === 'pending' || task.status === 'processing'))
    finishTask(task, 'failure', 'Expired lock preempted');
  img.extra.delete('os_glance_import_task');
}

function newTask(
  call: Call,
  img: ImageRecord,
  importReq: Record<string, unknown>,
  stores: ReadonlyArray<string | null>,
): TaskRecord {
  const now = dbNow();
  const task: TaskRecord = {
    id: randomUUID(),
    type: 'api_image_import',
    status: 'processing',
    owner: call.ctx.projectId,
    userId: call.ctx.userId,
    requestId: call.requestId ?? '',
    imageId: img.id,
    input: { image_id: img.id, import_req: importReq, backend: [...stores] },
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

/** The message of a task whose flow raised something other than an UploadException (taskflow_executor.py). */
const TASK_INTERNAL_ERROR = 'Task failed due to Internal Error';

/** Store faults that make a write to the file store fail outright. */
function storeWriteFails(deps: GlanceDeps, bytes: number): boolean {
  const fault = deps.fault();
  return (
    fault === 'store-unwritable' ||
    fault === 'store-removed' ||
    fault === 'store-full' ||
    fault === 'swift-unmounted' ||
    (fault === 'store-small' && bytes > smallStoreFree(deps))
  );
}

/**
 * Why writing the image into one target store fails, or null when it succeeds. `null` is legacy
 * mode's single unnamed store.
 */
function storeError(
  deps: GlanceDeps,
  id: string | null,
  bytes: number,
  written: ReadonlyArray<string | null>,
): string | null {
  const store = id === null ? undefined : findStore(deps.stores, id);
  // http refuses (StoreAddDisabled); a second write of the same image to one store is a Duplicate.
  if (id !== null && (!store || !acceptsData(store, 'import') || written.includes(id)))
    return TASK_INTERNAL_ERROR;
  if (storeWriteFails(deps, bytes)) return `Failed to import image to store ${id ?? 'file'}`;
  return null;
}

/**
 * Runs an import flow to its end the way api_image_import.py leaves the image: each target store in
 * turn; a failing store with all_stores_must_succeed reverts the stores written so far (the ones not
 * reached stay in os_glance_importing_to_stores), without it the store is only listed as failed.
 */
async function runImport(
  deps: GlanceDeps,
  img: ImageRecord,
  task: TaskRecord,
  req: ImportRequest,
  stores: ReadonlyArray<string | null>,
): Promise<void> {
  const copy = req.method === 'copy-image';
  const importing = (list: ReadonlyArray<string | null>, subtract: boolean) =>
    img.extra.set(
      'os_glance_importing_to_stores',
      mergeStoreList(img.extra.get('os_glance_importing_to_stores'), list, subtract),
    );
  const failed = (list: ReadonlyArray<string | null>) =>
    img.extra.set('os_glance_failed_import', mergeStoreList(img.extra.get('os_glance_failed_import'), list));
  const end = (status: 'success' | 'failure', message: string) => {
    img.extra.delete('os_glance_import_task');
    img.updatedAt = dbNow();
    finishTask(task, status, message);
  };
  if (!copy && (req.method !== 'glance-direct' || !img.staged)) {
    img.status = 'queued';
    importing(stores, true);
    failed(stores);
    end('failure', 'Image could not be downloaded: outbound connections are disabled on this deployment.');
    return;
  }
  const bytes = copy ? (img.size ?? 0) : (img.staged?.size ?? 0);
  const written: Array<string | null> = [];
  let aborted: string | undefined;
  for (const id of stores) {
    const error = storeError(deps, id, bytes, written);
    importing([id], true);
    if (error === null) {
      written.push(id);
      continue;
    }
    failed([id]);
    if (req.mustSucceed) {
      aborted = error;
      break;
    }
  }
  if (aborted !== undefined || (!copy && written.length === 0)) {
    // Reverted: nothing this task wrote stays; an image that was being imported goes back to queued.
    if (!copy) img.status = 'queued';
    end('failure', aborted ?? TASK_INTERNAL_ERROR);
    return;
  }
  const named = written.filter((s): s is string => s !== null);
  if (copy) {
    img.stores.push(...named);
    end('success', written.length > 0 ? `Copied ${Math.floor(bytes / MIB)} MiB` : '');
    return;
  }
  const staged = img.staged;
  if (!staged) return;
  const fault = deps.fault();
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
  img.stores = named;
  img.staged = undefined;
  end('success', `Copied ${Math.floor(staged.size / MIB)} MiB`);
}

/** POST /v2/images/{id}/import — Import an image (glance-direct, web-download, copy-image). */
export async function importImage(
  deps: GlanceDeps,
  call: Call,
  id: string,
  track: (p: Promise<void>) => void,
): Promise<void> {
  const req = importRequest(await readJson(call));
  await deps.db(call);
  const img = findImage(deps, call, id);
  const copy = req.method === 'copy-image';
  // images.py import_image, in its order.
  if (img.status === 'active' && !copy)
    throw new HttpError(409, 'Image with status active cannot be target for import');
  if (img.status !== 'active' && copy)
    throw new HttpError(409, 'Only images with status active can be targeted for copying');
  if (img.status !== 'queued' && req.method === 'web-download')
    throw new HttpError(409, "Image needs to be in 'queued' state to use 'web-download' method");
  if (img.status !== 'uploading' && req.method === 'glance-direct')
    throw new HttpError(409, "Image needs to be staged before 'glance-direct' method can be used");
  if (!img.containerFormat) throw new HttpError(409, "'container_format' needs to be set before import");
  if (!img.diskFormat) throw new HttpError(409, "'disk_format' needs to be set before import");
  // copy_image is "role:admin" with no legacy fallback: owners are refused, and so is noauth (no roles).
  if (copy && !call.ctx.roles.includes('admin')) throw notAuthorized('copy_image');
  if (!copy && !owns(call.ctx, img)) throw notAuthorized('modify_image');
  enforceImportLock(img);
  let stores: Array<string | null> = deps.stores.multi ? requestedStores(deps, call, req) : [null];
  if (copy) {
    // Without enabled_backends locations carry no 'store' key and images.py's lookup raises KeyError.
    if (!deps.stores.multi) throw new HttpError(500);
    if (req.allStores) {
      stores = stores.filter((s) => s === null || !img.stores.includes(s));
      if (stores.length === 0) {
        // Already everywhere: Glance answers 202 and starts nothing.
        sendEmpty(call, 202);
        return;
      }
    } else {
      const present = img.stores.find((s) => stores.includes(s));
      if (present !== undefined) throw new HttpError(400, `Image is already present at store '${present}'`);
    }
  }
  if (!req.mustSucceed && !deps.stores.multi) {
    throw new HttpError(
      400,
      `All_stores_must_succeed can only be set with enabled_backends ${pyStr(req.uri)}`,
    );
  }
  if (req.method === 'web-download' && !webDownloadAllowed(req.uri)) {
    throw new HttpError(400, `URI for web-download does not pass filtering: ${pyStr(req.uri)}`);
  }
  const task = newTask(call, img, req.raw, stores);
  img.extra.set('os_glance_import_task', task.id);
  if (!copy) img.status = 'importing';
  img.extra.set(
    'os_glance_importing_to_stores',
    mergeStoreList(img.extra.get('os_glance_importing_to_stores'), stores),
  );
  img.extra.set(
    'os_glance_failed_import',
    mergeStoreList(img.extra.get('os_glance_failed_import'), stores, true),
  );
  img.updatedAt = dbNow();
  sendEmpty(call, 202);
  track(
    runImport(deps, img, task, req, stores).catch((err: unknown) => {
      deps.log(`glance import ${id} failed: ${String(err)}`);
      if (!copy) img.status = 'queued';
      img.extra.delete('os_glance_import_task');
      finishTask(task, 'failure', String(err));
    }),
  );
}

/** DELETE /v2/stores/{store_id}/{image_id} — Delete image from store (images.py delete_from_store). */
export async function deleteFromStore(
  deps: GlanceDeps,
  call: Call,
  storeId: string,
  id: string,
): Promise<void> {
  if (!deps.stores.multi) throw new HttpError(404);
  if (!findStore(deps.stores, storeId))
    throw new HttpError(409, `The selected store ${storeId} is not available on this node.`);
  await deps.db(call);
  const img = findImage(deps, call, id, `Failed to find image ${id}`);
  // delete_image_location passes by its legacy rule; the legacy owner check remains.
  if (!owns(call.ctx, img)) throw new HttpError(403, 'You do not own this image');
  if (img.status !== 'active') {
    throw new HttpError(
      409,
      "It's not allowed to remove image data from store if image status is not 'active'",
    );
  }
  if (img.stores.length === 1) {
    throw new HttpError(
      403,
      'Cannot delete image data from the only store containing it. Consider deleting the image instead.',
    );
  }
  const at = img.stores.indexOf(storeId);
  if (at < 0) throw new HttpError(404, `Image ${id} is not stored in store ${storeId}.`);
  img.stores.splice(at, 1);
  img.updatedAt = dbNow();
  sendEmpty(call, 204);
}
