/** State and response helpers shared by the reference Glance's handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataStore } from './data-store.js';
import type { FaultDelays, FaultName } from './faults.js';
import { BodyTooLargeError, readBody, sendBody } from './http-util.js';
import type { MetadefStore } from './metadefs-store.js';
import { pyJson } from './py-json.js';
import { canSee, type ImageRecord, type Registry, type RequestContext } from './registry.js';
import type { SchemaCatalog } from './schemas.js';
import type { StoreConfig } from './stores.js';
import {
  type ErrorFormat,
  errorFormat,
  type HttpError,
  HttpError as HttpErrorClass,
  renderError,
} from './webob.js';

/** One request in flight. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Host header as sent (hrefs and Location are built from it). */
  host: string;
  requestId: string | undefined;
  ctx: RequestContext;
  /** Client sent `Expect: 100-continue` and is waiting for permission to send the body. */
  expect: boolean;
  continued: boolean;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
  startedAt: number;
}

/** Which tables a call reads: every image call reads image rows with their properties. */
export type DbArea = 'images' | 'metadefs' | 'tasks';

export interface GlanceDeps {
  registry: Registry;
  store: DataStore;
  schemas: SchemaCatalog;
  metadefs: MetadefStore;
  /** enabled_backends (or the legacy single store) this deployment runs with. */
  stores: StoreConfig;
  fault: () => FaultName | null;
  delays: FaultDelays;
  log: (line: string) => void;
  /**
   * Passes when the database answers for `area` (default images); throws Glance's 500 or holds the
   * call, as the current fault dictates.
   */
  db: (call: Call, area?: DbArea) => Promise<void>;
  /**
   * Counts fault switches: data stored while the current fault is on carries the current value
   * (ImageRecord.storedIn), so a fault can tell it from data stored before.
   */
  faultSpan: () => number;
}

/** Largest JSON body accepted (Glance's max_request_body_size default). */
const MAX_JSON_BODY = 114_688;

/** Lets the client send its body (answers `100 Continue` when it is waiting for one). */
export function beginBody(call: Call): void {
  if (call.expect && !call.continued && !call.res.headersSent) {
    call.continued = true;
    call.res.writeContinue();
  }
}

function baseHeaders(call: Call, extra: Record<string, string>): Record<string, string> {
  const headers = { ...extra };
  if (call.requestId) headers['X-Openstack-Request-Id'] = call.requestId;
  // The client never sent its body: the connection cannot be reused.
  if (call.expect && !call.continued) headers.Connection = 'close';
  return headers;
}

/** 2xx/3xx JSON answer in Glance's header order. */
export function sendJson(
  call: Call,
  status: number,
  body: unknown,
  extra: Record<string, string> = {},
): void {
  const text = pyJson(body);
  sendBody(
    call.res,
    status,
    baseHeaders(call, {
      'Content-Length': String(Buffer.byteLength(text)),
      'Content-Type': 'application/json',
      ...extra,
    }),
    text,
  );
}

/** An empty answer (204, 202) as Glance sends it: text/html content type, zero length. */
export function sendEmpty(call: Call, status: number, extra: Record<string, string> = {}): void {
  sendBody(
    call.res,
    status,
    baseHeaders(call, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': '0', ...extra }),
  );
}

/** Renders an error for the client's Accept header. */
export function sendError(call: Call, err: HttpError, opts: { requestId?: boolean } = {}): void {
  const format: ErrorFormat = errorFormat(call.req.headers.accept);
  const head = call.method === 'HEAD';
  const { contentType, body } = renderError(err, format, head);
  const headers: Record<string, string> = {};
  if (head) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = '0';
    Object.assign(headers, err.headers);
  } else {
    Object.assign(headers, err.headers);
    headers['Content-Length'] = String(Buffer.byteLength(body));
    headers['Content-Type'] = contentType;
  }
  const withId = opts.requestId ?? true;
  const all = withId ? baseHeaders(call, headers) : baseHeaders({ ...call, requestId: undefined }, headers);
  sendBody(call.res, err.status, all, body);
}

/** Reads and parses a JSON request body, answering Glance's 400s for empty or malformed ones. */
export async function readJson(call: Call): Promise<unknown> {
  beginBody(call);
  let raw: Buffer;
  try {
    raw = await readBody(call.req, MAX_JSON_BODY);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new HttpErrorClass(413, 'Request is too large.');
    throw err;
  }
  if (raw.length === 0) throw new HttpErrorClass(400, 'Body expected in request.');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HttpErrorClass(400, 'Malformed JSON in request body.');
  }
}

/** The image when it exists and the caller may see it; otherwise Glance's 404 with `message`. */
export function findImage(deps: GlanceDeps, call: Call, id: string, message?: string): ImageRecord {
  const img = deps.registry.get(id);
  if (!img || !canSee(call.ctx, img))
    throw new HttpErrorClass(404, message ?? `No image found with ID ${id}`);
  return img;
}

/** The policy failure wording: "You are not authorized to complete <action> action." */
export function notAuthorized(action: string): HttpError {
  return new HttpErrorClass(403, `You are not authorized to complete ${action} action.`);
}
