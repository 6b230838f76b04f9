/** Small HTTP helpers shared by the reference servers. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An OpenStack request id: `req-<uuid>`. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

/** Writes a complete response with an exact Content-Length. */
export function sendBody(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer = '',
  statusMessage?: string,
): void {
  if (res.headersSent || res.destroyed) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all = { ...headers };
  if (!Object.keys(all).some((k) => k.toLowerCase() === 'content-length')) {
    all['Content-Length'] = String(buf.length);
  }
  if (statusMessage) res.writeHead(status, statusMessage, all);
  else res.writeHead(status, all);
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

/** Thrown when a request body is larger than the reader accepts. */
export class BodyTooLargeError extends Error {}

/** Reads a whole (small) request body, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new BodyTooLargeError(`request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new Error('client aborted the request')));
  });
}

/** A timer that can be cancelled by the request going away or the server closing. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The media type of a Content-Type header, without parameters, lower-cased; undefined when absent. */
export function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';')[0]?.trim().toLowerCase();
}

/** Seconds-precision ISO time, as Glance prints image timestamps: 2026-11-22T02:14:47Z. */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Task timestamps: the database keeps whole seconds, printed with microseconds and no zone (2026-11-22T02:24:48.000000). */
export function isoMicros(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.000000`;
}

/** Python's urllib.parse.urlencode for a list of pairs (quote_plus on keys and values). */
export function urlencode(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
}

function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
