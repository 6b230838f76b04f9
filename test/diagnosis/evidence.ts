/**
 * Exchanges built from real captures: the curl transcripts of Glance 25.1 (shared reference) and the
 * bodies of test/reference/captured.ts, so every rule is tested on what real services sent.
 */
import { readFileSync } from 'node:fs';
import { classifyBody, type Exchange, excerpt } from '../../src/http/evidence.js';

export const TRANSCRIPTS = '/work/shared/reference/glance-zed/transcripts';

/** Fields that vary per case; the rest defaults to a plain direct exchange. */
export interface ExchangeSpec {
  method?: string;
  url?: string;
  status: number | null;
  headers?: Record<string, string>;
  body?: string;
  error?: { code: string; message?: string };
  totalMs?: number;
  bytesSent?: number;
  requestBytes?: number;
  token?: boolean;
  startedAt?: string;
}

/** An Exchange as the HTTP client would have recorded it. */
export function exchange(spec: ExchangeSpec): Exchange {
  const url = new URL(spec.url ?? 'http://127.0.0.1:9292/v2/images');
  const headers = Object.fromEntries(
    Object.entries(spec.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const text = spec.body ?? '';
  const x: Exchange = {
    seq: 1,
    method: spec.method ?? 'GET',
    url: url.toString(),
    path: `${url.pathname}${url.search}`,
    status: spec.status,
    requestHeaders: spec.token === false ? {} : { 'x-auth-token': '***' },
    responseHeaders: headers,
    bodyShape: spec.status === null ? 'empty' : classifyBody(headers['content-type'], text, headers.server),
    bytesSent: spec.bytesSent ?? 0,
    responseBytes: Buffer.byteLength(text),
    startedAt: spec.startedAt ?? '2026-11-22T02:14:09.000Z',
    timings: {
      totalMs: spec.totalMs ?? 15,
      ...(spec.status !== null ? { headersMs: spec.totalMs ?? 15 } : {}),
    },
  };
  if (spec.error) x.error = { code: spec.error.code, message: spec.error.message ?? spec.error.code };
  if (spec.requestBytes !== undefined) x.requestBytes = spec.requestBytes;
  if (headers.server) x.server = headers.server;
  if (headers['x-openstack-request-id']) x.requestId = headers['x-openstack-request-id'];
  if (headers['content-type']) x.contentType = headers['content-type'];
  if (headers['www-authenticate']) x.wwwAuthenticate = headers['www-authenticate'];
  if (text && x.bodyShape !== 'binary') x.bodyExcerpt = excerpt(text);
  return x;
}

/** Parses a `curl -v` transcript (`> ` request lines, `< ` response lines, then the body). */
export function fromTranscript(name: string, overrides: Partial<ExchangeSpec> = {}): Exchange {
  // curl prints header lines with CRLF; the body keeps its own line ends.
  const lines = readFileSync(`${TRANSCRIPTS}/${name}`, 'utf8')
    .split('\n')
    .map((l) => (/^[<>] /.test(l) ? l.replace(/\r$/, '') : l));
  const request = lines
    .find((l) => l.startsWith('> ') && /^> [A-Z]+ /.test(l))!
    .slice(2)
    .split(' ');
  const host = lines
    .find((l) => l.toLowerCase().startsWith('> host:'))!
    .slice(8)
    .trim();
  const statusLine = lines.find((l) => l.startsWith('< HTTP/'))!;
  const headers: Record<string, string> = {};
  let bodyStart = 0;
  lines.forEach((l, i) => {
    const m = /^< ([^:]+): (.*)$/.exec(l);
    if (m) headers[m[1]!] = m[2]!;
    if (l === '< ' || l === '<') bodyStart = i + 1;
  });
  const body = lines.slice(bodyStart).join('\n').replace(/\n+$/, '');
  return exchange({
    method: request[0]!,
    url: `http://${host}${request[1]!}`,
    status: Number(statusLine.split(' ')[2]),
    headers,
    body,
    ...overrides,
  });
}
