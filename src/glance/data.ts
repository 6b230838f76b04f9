import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { type Digests, HashingStream } from '../data/hash.js';
import { InputError } from '../errors.js';
import { discardSink } from '../http/client.js';
import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId } from './base.js';

/** A local file path or a stream of image bytes (with its size when known). */
export type ImageSource = string | { stream: Readable; size?: number };

export interface UploadOptions extends CallOptions {
  /** Glance v2 accepts only application/octet-stream for data; other values test the 415 path. */
  contentType?: string;
  onProgress?: (sentBytes: number, totalBytes: number | undefined) => void;
  /**
   * Hash the bytes sent (default). A caller that knows the digests already (the load engine's
   * generated file) turns it off: hashing costs a core at the speeds large uploads reach.
   */
  digest?: boolean;
}

export interface UploadResponse extends ApiResponse {
  /** Digests of exactly the bytes that were sent. */
  sent: Digests;
}

export interface DownloadOptions extends CallOptions {
  /** Where bytes go; discarded when omitted (they are still hashed). */
  sink?: Writable;
  /** e.g. 'bytes=0-99' */
  range?: string;
  method?: 'GET' | 'HEAD';
  /**
   * The image's `size`: a body longer than this (or than its own Content-Length) fails with
   * BODY_TOO_LONG and the connection is closed. Unknown: only the idle and total timeouts bound it.
   */
  expectedBytes?: number;
}

export interface DownloadResponse extends ApiResponse {
  /** Digests of the body received (empty digests for 204 or errors). */
  received: Digests;
}

async function open(source: ImageSource): Promise<{ stream: Readable; size?: number }> {
  if (typeof source !== 'string') return source;
  try {
    const st = await stat(source);
    if (!st.isFile()) throw new InputError(`Image file ${source} is not a regular file`);
    return { stream: createReadStream(source, { highWaterMark: 1024 * 1024 }), size: st.size };
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`Cannot read image file ${source}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Image data (api-ref: image/v2 "Image data" and interoperable import staging). */
export class DataClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Upload binary image data: PUT /v2/images/{image_id}/file, streamed and hashed in one pass. */
  async upload(id: string, source: ImageSource, opts: UploadOptions = {}): Promise<UploadResponse> {
    return this.put(`/v2/images/${imageId(id, 'PUT /v2/images/{image_id}/file', opts)}/file`, source, opts);
  }

  /** Stage binary image data: PUT /v2/images/{image_id}/stage (glance-direct import). */
  async stage(id: string, source: ImageSource, opts: UploadOptions = {}): Promise<UploadResponse> {
    return this.put(`/v2/images/${imageId(id, 'PUT /v2/images/{image_id}/stage', opts)}/stage`, source, opts);
  }

  /** Download binary image data: GET /v2/images/{image_id}/file, streamed to a sink while hashing, never held. */
  async download(id: string, opts: DownloadOptions = {}): Promise<DownloadResponse> {
    const path = `/v2/images/${imageId(id, `${opts.method ?? 'GET'} /v2/images/{image_id}/file`, opts)}/file`;
    const hasher = new HashingStream();
    const sink = opts.sink ?? discardSink();
    hasher.pipe(sink);
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.range) headers.range = opts.range;
    const res = await this.t.call({
      ...opts,
      method: opts.method ?? 'GET',
      path,
      headers,
      accept: opts.accept ?? '*/*',
      sink: hasher,
    });
    if (!hasher.writableFinished) hasher.end();
    await new Promise<void>((resolve) => (hasher.readableEnded ? resolve() : hasher.once('end', resolve)));
    return { ...res, received: hasher.digests() };
  }

  private async put(path: string, source: ImageSource, opts: UploadOptions): Promise<UploadResponse> {
    const { stream, size } = await open(source);
    const hasher = opts.digest === false ? undefined : new HashingStream();
    const body = hasher ? stream.pipe(hasher) : stream;
    if (hasher) stream.once('error', (err) => hasher.destroy(err));
    const headers: Record<string, string> = {
      'content-type': opts.contentType ?? 'application/octet-stream',
      ...opts.headers,
    };
    if (size !== undefined) headers['content-length'] = String(size);
    try {
      const res = await this.t.call({
        ...opts,
        method: 'PUT',
        path,
        headers,
        body,
        ...(opts.onProgress ? { onSent: (n: number) => opts.onProgress?.(n, size) } : {}),
      });
      if (!hasher) return { ...res, sent: { size: res.exchange.bytesSent, md5: '', sha512: '' } };
      return { ...res, sent: hasher.writableFinished ? hasher.digests() : partial(hasher) };
    } finally {
      stream.destroy();
    }
  }
}

/** Digests are only meaningful for a complete body; an early answer leaves the count alone. */
function partial(hasher: HashingStream): Digests {
  return { size: hasher.size, md5: '', sha512: '' };
}
