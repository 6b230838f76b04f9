import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { UnsafeIdError } from '../errors.js';
import type { HttpClient, HttpResponse, Timeouts } from '../http/client.js';

/** Supplies the X-Auth-Token for a call; undefined for noauth deployments. */
export interface TokenProvider {
  token(): Promise<string | undefined>;
}

/** A response with its JSON body parsed when there was one. */
export interface ApiResponse<T = unknown> extends HttpResponse {
  body: T | undefined;
}

export interface CallOptions {
  /** Extra headers (e.g. Content-Type for PATCH). */
  headers?: Record<string, string>;
  /** Omit the token even when one is configured (negative auth checks). */
  noAuth?: boolean;
  /** Send this token instead of the session's. */
  token?: string;
  /** Accept header; Glance renders HTML errors unless JSON is asked for. */
  accept?: string;
  timeouts?: Partial<Timeouts>;
  /**
   * Send a path id as given, even when it is not a UUID: only for checks that probe Glance with a
   * deliberately malformed literal ('', 'not-a-uuid'), never for a value read from a response.
   */
  rawId?: boolean;
  /** A lower cap on the JSON/text body held in memory (see MAX_TEXT_BODY). */
  maxBodyBytes?: number;
  /** Aborts the call, body included; without it the transport's default signal applies. */
  signal?: AbortSignal;
}

export interface RawCall extends CallOptions {
  method: string;
  /** Path relative to the endpoint, starting with '/'. */
  path: string;
  query?: Record<string, string | number | boolean | undefined | readonly string[]>;
  json?: unknown;
  body?: string | Uint8Array | Readable;
  sink?: Writable;
  onSent?: (bytes: number) => void;
  /** Most bytes the sunk body may carry (a download: the image's size). */
  expectedBytes?: number;
}

/**
 * Called before each call with its method and path (relative to the endpoint); it may throw to stop
 * the call unsent (a run whose link the call needs is known to be broken).
 */
export type RequestGate = (method: string, path: string) => void;

export interface TransportOptions {
  gate?: RequestGate;
  /**
   * How long a metadata call (not image data) waits for its status line; data calls
   * keep the HTTP layer's longer wait, since Glance answers an upload only once it is stored.
   */
  metadataHeadersMs?: number;
  /**
   * The signal for a call that brings none, asked per call: a suite worker hands the current check's,
   * so a check that ends unpassed stops its transfers instead of leaving them running.
   */
  signal?: () => AbortSignal | undefined;
}

/** What every resource file shares: endpoint, HTTP layer, tokens. */
export class GlanceTransport {
  readonly endpoint: string;

  constructor(
    endpoint: string,
    readonly http: HttpClient,
    private readonly tokens: TokenProvider,
    private readonly options: TransportOptions = {},
  ) {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** Absolute URL of a path below the endpoint. */
  url(path: string, query?: RawCall['query']): string {
    const u = new URL(`${this.endpoint}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) u.searchParams.append(k, String(item));
      else u.searchParams.set(k, String(v));
    }
    return u.toString();
  }

  /** One API call; returns whatever Glance answered. */
  async call<T = unknown>(c: RawCall): Promise<ApiResponse<T>> {
    this.options.gate?.(c.method, c.path);
    const wait = this.options.metadataHeadersMs;
    const timeouts = c.timeouts ?? (!isDataPath(c.path) && wait ? { headersMs: wait } : undefined);
    const headers: Record<string, string> = {
      accept: c.accept ?? 'application/json',
      'x-openstack-request-id': `req-${randomUUID()}`,
      ...c.headers,
    };
    if (!c.noAuth) {
      const token = c.token ?? (await this.tokens.token());
      if (token) headers['x-auth-token'] = token;
    }
    let body = c.body;
    if (c.json !== undefined) {
      body = JSON.stringify(c.json);
      headers['content-type'] ??= 'application/json';
    }
    const signal = c.signal ?? this.options.signal?.();
    const res = await this.http.request({
      method: c.method,
      url: this.url(c.path, c.query),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(c.sink ? { sink: c.sink } : {}),
      ...(c.onSent ? { onSent: c.onSent } : {}),
      ...(timeouts ? { timeouts } : {}),
      ...(c.maxBodyBytes !== undefined ? { maxBodyBytes: c.maxBodyBytes } : {}),
      ...(c.expectedBytes !== undefined ? { expectedBytes: c.expectedBytes } : {}),
      ...(signal ? { signal } : {}),
    });
    return { ...res, body: parseJson<T>(res) };
  }
}

/** Image data calls: GET/PUT /v2/images/{id}/file and PUT /v2/images/{id}/stage. */
export function isDataPath(path: string): boolean {
  return /\/v2\/images\/[^/?]+\/(?:file|stage)(?:\?|$)/.test(path);
}

function parseJson<T>(res: HttpResponse): T | undefined {
  if (!res.text || !/json/i.test(res.headers['content-type'] ?? '')) return undefined;
  try {
    return JSON.parse(res.text) as T;
  } catch {
    return undefined;
  }
}

/** Escapes an id for a URL path segment. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when a value is a UUID (8-4-4-4-12 hex, any case), the only shape of a Glance image id. */
export function isImageId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** An image id as a path segment; throws UnsafeIdError unless it is a UUID. `where` names the operation. */
export function imageId(id: unknown, where: string, opts: Pick<CallOptions, 'rawId'> = {}): string {
  if (opts.rawId && typeof id === 'string') return seg(id);
  if (!isImageId(id)) throw new UnsafeIdError(id, 'image id', where, 'a UUID');
  return id;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const PATH_BREAKERS = /[/?#%\u0000-\u001f\u007f-\u009f]|\.\./;

/**
 * A member id (a project id: 32 hex or a UUID, but deployments vary) as a path segment; throws
 * UnsafeIdError when it is empty, "." or holds '/', '..', '?', '#', '%' or control characters.
 */
export function memberId(id: unknown, where: string, opts: Pick<CallOptions, 'rawId'> = {}): string {
  if (opts.rawId && typeof id === 'string') return seg(id);
  if (typeof id !== 'string' || id === '' || id === '.' || PATH_BREAKERS.test(id))
    throw new UnsafeIdError(
      id,
      'member id',
      where,
      "a project id without '/', '..', '?', '#', '%' or control characters",
    );
  return seg(id);
}
