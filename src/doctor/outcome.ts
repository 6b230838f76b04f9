// A step's outcome and the one-line texts doctor's evidence is made of.
import type { Cause } from '../diagnosis/index.js';
import type { ApiResponse } from '../glance/index.js';
import type { Exchange } from '../http/evidence.js';

/** What one step found: passed with its evidence, or failed with the exchange (or cause) behind it. */
export type Outcome =
  | { ok: true; evidence: string }
  | { ok: false; evidence: string; exchange?: Exchange; cause?: Cause };

export function failed(res: ApiResponse, expected: string): Outcome {
  return { ok: false, evidence: `${expected}: ${describeExchange(res.exchange)}`, exchange: res.exchange };
}

/** "401 in 4 ms, req-…" */
export function answered(res: ApiResponse): string {
  return `${res.status} in ${res.elapsedMs} ms, ${res.requestId ?? 'no request id'}`;
}

/** "500 from glance-api in 12 ms (req-…), Glance JSON error: The server has…" */
export function describeExchange(x: Exchange): string {
  const what =
    x.status === null ? `no answer (${x.error?.message ?? x.error?.code ?? 'unknown'})` : `${x.status}`;
  const rid = x.requestId ? `, ${x.requestId}` : x.status !== null ? ', no request id' : '';
  const server = x.server ? `, Server ${x.server}` : '';
  const text = x.bodyExcerpt
    ? `: ${x.bodyExcerpt
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 120)}`
    : '';
  const shape = x.status !== null ? `, ${x.bodyShape}` : '';
  return `${x.method} ${x.path} → ${what} in ${x.timings.totalMs} ms${rid}${server}${shape}${text}`;
}

/** What GET / on an endpoint answered instead of 300: "502, no request id, Server nginx/1.22.1, nginx-error-page". */
export function answerOf(x: Exchange): string {
  if (x.status === null) return `no answer: ${x.error?.code ?? 'unknown'}`;
  return `${x.status}${x.requestId ? `, ${x.requestId}` : ', no request id'}${x.server ? `, Server ${x.server}` : ''}, ${x.bodyShape}`;
}

/** An exchange for a failure below HTTP (TCP, TLS), so the same rules judge it. */
export function synthetic(url: string, code: string, message: string, ms: number): Exchange {
  const u = new URL(url);
  return {
    seq: 0,
    method: 'CONNECT',
    url: u.toString(),
    path: `${u.pathname}${u.search}`,
    status: null,
    error: { code, message },
    requestHeaders: {},
    responseHeaders: {},
    bodyShape: 'empty',
    bytesSent: 0,
    responseBytes: 0,
    startedAt: new Date().toISOString(),
    timings: { totalMs: ms },
  };
}
