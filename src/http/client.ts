import { readFileSync } from 'node:fs';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, type Dispatcher } from 'undici';
import { InputError } from '../errors.js';
import { maskHeaders, maskText } from '../util/mask.js';
import { classifyBody, EvidenceRecorder, type Exchange, excerpt } from './evidence.js';

/** Timeouts for one HTTP call, in milliseconds; 0 disables one. */
export interface Timeouts {
  connectMs: number;
  /** Wait for the status line after the request body was sent (Glance answers an upload once stored). */
  headersMs: number;
  /** Longest silence while a response body streams. */
  bodyIdleMs: number;
  /** Whole call, 0 = no limit beyond the three above. */
  totalMs: number;
}

/** Sane for GB uploads: a stalled peer is noticed within two minutes, a slow but steady one is never cut. */
export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 10_000,
  headersMs: 120_000,
  bodyIdleMs: 120_000,
  totalMs: 0,
};

export interface TlsOptions {
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
}

export interface HttpClientOptions {
  timeouts?: Partial<Timeouts>;
  tls?: TlsOptions;
  recorder?: EvidenceRecorder;
  /** Values that must never reach evidence (passwords, tokens). */
  secrets?: () => readonly string[];
  userAgent?: string;
  /** A dispatcher to use instead of building an Agent (tests inject a MockAgent). */
  dispatcher?: Dispatcher;
}

export type RequestBody = string | Uint8Array | Readable;

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Where a response body goes instead of memory (downloads). The body is then not parsed. */
  sink?: Writable;
  /** Called as request body bytes are handed over. */
  onSent?: (bytes: number) => void;
  timeouts?: Partial<Timeouts>;
  /** A lower cap than MAX_TEXT_BODY for a body read into memory (small documents: MAX_DOCUMENT_BODY). */
  maxBodyBytes?: number;
  /** Most bytes a sunk body may carry (a download: the image's size); more fails with BODY_TOO_LONG. */
  expectedBytes?: number;
  /** Stops the call at once, body included (combined with the total timeout). */
  signal?: AbortSignal;
}

/** What every call returns, whatever the status. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw body text when it was read into memory ('' for sunk bodies). */
  text: string;
  requestId?: string;
  elapsedMs: number;
  exchange: Exchange;
}

/** The request got no HTTP answer (refused, reset, DNS, TLS, timeout). Carries the exchange for diagnosis. */
export class TransportError extends Error {
  readonly code: string;
  readonly exchange: Exchange;

  constructor(code: string, message: string, exchange: Exchange, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportError';
    this.code = code;
    this.exchange = exchange;
  }
}

const MiB = 1024 * 1024;

/**
 * Most bytes of a JSON or text answer held in memory. Glance's largest legitimate answer is a list
 * page: at most api_limit_max (1000) images of 1-2 KiB each, or about 16 KiB with a hundred
 * properties and tags, so a page stays under 16 MiB. Image data never counts: it goes to a sink.
 */
export const MAX_TEXT_BODY = 16 * MiB;

/** Cap for small documents: the versions document (GET /, ~2 KiB) and /v2/schemas/* (tens of KiB). */
export const MAX_DOCUMENT_BODY = MiB;

/** A body over its cap; the message continues "<METHOD> <url> answered <status> …". */
class BodyLimitError extends Error {
  constructor(
    readonly code: 'BODY_TOO_LARGE' | 'BODY_TOO_LONG',
    message: string,
  ) {
    super(message);
  }
}

/** "1 MiB", "512 KiB" or "1000 bytes". */
function bytesLabel(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** Counts bytes flowing through, reporting progress; fails once more than `limit` arrive. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(
    private readonly onBytes?: (total: number) => void,
    private readonly limit?: { bytes: number; error: () => Error },
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.limit && this.bytes > this.limit.bytes) {
      done(this.limit.error());
      return;
    }
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }
}

/** Reads a PEM file named by configuration, with a one-line error naming it. */
function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError(`Cannot read ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Builds the undici Agent for the given TLS settings and timeouts. */
export function buildAgent(tls: TlsOptions = {}, timeouts: Timeouts = DEFAULT_TIMEOUTS): Agent {
  const connect: Record<string, unknown> = { timeout: timeouts.connectMs || undefined };
  if (tls.insecure) connect.rejectUnauthorized = false;
  else if (tls.cacert) connect.ca = readPem(tls.cacert, 'CA bundle (OS_CACERT)');
  if (tls.cert) connect.cert = readPem(tls.cert, 'client certificate (OS_CERT)');
  if (tls.key) connect.key = readPem(tls.key, 'client key (OS_KEY)');
  return new Agent({
    connect,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyIdleMs,
    keepAliveTimeout: 4_000,
  });
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Maps undici/Node error codes to stable short codes for messages and rules. */
export function transportCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'TOTAL_TIMEOUT';
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return 'UNKNOWN';
}

function transportReason(code: string, err: unknown): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset by peer';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'no response headers before the headers timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'response body stalled past the idle timeout';
    case 'TOTAL_TIMEOUT':
      return 'call exceeded its total timeout';
    case 'ABORTED':
      return 'call aborted by its caller';
    default:
      if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) return `TLS error ${code}`;
      return (err as Error)?.message ?? String(err);
  }
}

/**
 * The one HTTP layer: undici underneath, every exchange recorded as evidence, no retries.
 * Returns every response, 4xx/5xx included; throws TransportError only when no answer came.
 */
export class HttpClient {
  readonly recorder: EvidenceRecorder;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeouts: Timeouts;
  private readonly secrets: () => readonly string[];
  private readonly userAgent: string;

  constructor(options: HttpClientOptions = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.recorder = options.recorder ?? new EvidenceRecorder();
    this.secrets = options.secrets ?? (() => []);
    this.userAgent = options.userAgent ?? 'glance-harness';
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? buildAgent(options.tls, this.timeouts);
  }

  /** Sends one request. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const timeouts = { ...this.timeouts, ...req.timeouts };
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...lowerKeys(req.headers ?? {}) };
    const requestBytes = declaredLength(req.body, headers);
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const exchange: Exchange = {
      seq: this.recorder.nextSeq(),
      method: req.method,
      url: url.toString(),
      path: `${url.pathname}${url.search}`,
      status: null,
      requestHeaders: maskHeaders(headers),
      responseHeaders: {},
      bodyShape: 'empty',
      ...(requestBytes !== undefined ? { requestBytes } : {}),
      bytesSent: 0,
      responseBytes: 0,
      startedAt,
      timings: { totalMs: 0 },
    };

    let body: string | Uint8Array | Readable | undefined = req.body;
    let counter: ByteCounter | undefined;
    if (req.body instanceof Readable) {
      counter = new ByteCounter(req.onSent);
      counter.once('end', () => {
        exchange.timings.sentMs = Math.round(performance.now() - started);
      });
      body = req.body.pipe(counter);
      req.body.once('error', (err) => counter?.destroy(err));
    } else if (req.body !== undefined) {
      exchange.bytesSent = typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
    }

    const timeout = timeouts.totalMs > 0 ? AbortSignal.timeout(timeouts.totalMs) : undefined;
    const signal = timeout && req.signal ? AbortSignal.any([timeout, req.signal]) : (timeout ?? req.signal);
    // undici rejects with the signal's reason; which signal fired says what happened.
    const codeOf = (err: unknown): string =>
      err instanceof BodyLimitError
        ? err.code
        : timeout?.aborted
          ? 'TOTAL_TIMEOUT'
          : req.signal?.aborted
            ? 'ABORTED'
            : transportCode(err);
    const finish = (): void => {
      exchange.timings.totalMs = Math.round(performance.now() - started);
      if (counter) exchange.bytesSent = counter.bytes;
      this.recorder.record(exchange);
    };

    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: url.origin,
        path: exchange.path,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: body ?? null,
        signal: signal ?? null,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyIdleMs,
      });
    } catch (err) {
      const code = codeOf(err);
      exchange.error = { code, message: transportReason(code, err) };
      finish();
      throw new TransportError(
        code,
        `${req.method} ${url.toString()} failed: ${exchange.error.message} (${code})`,
        exchange,
        { cause: err },
      );
    }

    exchange.timings.headersMs = Math.round(performance.now() - started);
    exchange.status = res.statusCode;
    const resHeaders = flattenHeaders(res.headers as Record<string, string | string[] | undefined>);
    exchange.responseHeaders = maskHeaders(resHeaders);
    exchange.server = resHeaders.server;
    exchange.via = resHeaders.via;
    exchange.requestId = resHeaders['x-openstack-request-id'];
    exchange.contentType = resHeaders['content-type'];
    exchange.wwwAuthenticate = resHeaders['www-authenticate'];

    // HEAD announces the length of a body it does not send.
    const declared = req.method === 'HEAD' ? undefined : contentLength(resHeaders);
    let text = '';
    let bodyCounter: ByteCounter | undefined;
    try {
      if (req.sink && res.statusCode < 300) {
        bodyCounter = new ByteCounter(undefined, sinkLimit(req.expectedBytes, declared));
        await pipeline(res.body, bodyCounter, req.sink);
        exchange.responseBytes = bodyCounter.bytes;
        exchange.bodyShape = bodyCounter.bytes === 0 ? 'empty' : 'binary';
      } else {
        const cap = Math.min(req.maxBodyBytes ?? MAX_TEXT_BODY, MAX_TEXT_BODY);
        if (declared !== undefined && declared > cap) {
          res.body.destroy();
          throw new BodyLimitError(
            'BODY_TOO_LARGE',
            `with a body over the ${bytesLabel(cap)} cap for this call (Content-Length ${declared}); refused before reading`,
          );
        }
        const buf = await readLimited(res.body, cap);
        exchange.responseBytes = buf.length;
        text = buf.toString('utf8');
        exchange.bodyShape = classifyBody(exchange.contentType, text, exchange.server);
        if (exchange.bodyShape !== 'binary' && text.length > 0) {
          exchange.bodyExcerpt = excerpt(maskText(text, this.secrets()));
        }
      }
    } catch (err) {
      const code = codeOf(err);
      res.body.destroy(); // closes the connection: nothing more of this body is read
      if (bodyCounter) exchange.responseBytes = bodyCounter.bytes;
      const what =
        err instanceof BodyLimitError
          ? err.message
          : `but response body broke off: ${transportReason(code, err)}`;
      exchange.error = { code, message: what.replace(/^(with|but) /, '') };
      finish();
      throw new TransportError(
        code,
        `${req.method} ${url.toString()} answered ${res.statusCode} ${what} (${code})`,
        exchange,
        { cause: err },
      );
    }
    finish();
    return {
      status: res.statusCode,
      headers: resHeaders,
      text,
      ...(exchange.requestId ? { requestId: exchange.requestId } : {}),
      elapsedMs: exchange.timings.totalMs,
      exchange,
    };
  }

  /** Releases sockets; the client is unusable afterwards. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function declaredLength(body: RequestBody | undefined, headers: Record<string, string>): number | undefined {
  if (headers['content-length'] !== undefined) return Number(headers['content-length']);
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.length;
  return undefined;
}

/** The response's Content-Length when it is a plain non-negative integer. */
function contentLength(headers: Record<string, string>): number | undefined {
  const v = headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * A sunk body may not exceed the expected size nor its own Content-Length (undici already frames by
 * the latter; the check costs nothing). Neither known: only the idle and total timeouts bound it.
 */
function sinkLimit(
  expected: number | undefined,
  declared: number | undefined,
): { bytes: number; error: () => Error } | undefined {
  if (expected !== undefined && declared !== undefined && declared > expected) {
    throw new BodyLimitError(
      'BODY_TOO_LONG',
      `with Content-Length ${declared}, more than the ${bytesLabel(expected)} expected; refused before reading`,
    );
  }
  const bytes = expected ?? declared;
  if (bytes === undefined) return undefined;
  const source = expected !== undefined ? 'the expected size' : 'its Content-Length';
  return {
    bytes,
    error: () =>
      new BodyLimitError(
        'BODY_TOO_LONG',
        `with more than ${bytesLabel(bytes)} (${source}); stopped reading and closed the connection`,
      ),
  };
}

/** Reads a body into memory, destroying it as soon as it passes `limit` (a download must use a sink). */
async function readLimited(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) {
      body.destroy();
      throw new BodyLimitError(
        'BODY_TOO_LARGE',
        `with a body over the ${bytesLabel(limit)} cap for this call; stopped reading and closed the connection`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** A sink that discards bytes (downloads measured and hashed only). */
export function discardSink(): Writable {
  return new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
}
