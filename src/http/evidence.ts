/** Who produced a response body, as far as its shape tells. Diagnosis refines this. */
export type BodyShape =
  | 'empty'
  | 'json'
  | 'glance-json-error'
  | 'keystone-json-error'
  | 'html'
  | 'nginx-error-page'
  | 'apache-error-page'
  | 'haproxy-error-page'
  | 'text'
  | 'binary';

/** One HTTP exchange as the harness saw it: the unit of evidence for checks and diagnosis. */
export interface Exchange {
  /** Sequence number within the process. */
  seq: number;
  method: string;
  url: string;
  /** Path and query, for rules that match on the API route. */
  path: string;
  /** HTTP status, or null when no response came (refused, reset, timeout). */
  status: number | null;
  /** Transport failure when status is null (or the body broke off). */
  error?: { code: string; message: string };
  /** Request headers as sent, credentials masked. */
  requestHeaders: Record<string, string>;
  /** Response headers, credentials masked. */
  responseHeaders: Record<string, string>;
  server?: string;
  via?: string;
  requestId?: string;
  contentType?: string;
  wwwAuthenticate?: string;
  /** First 4 KiB of a textual body, secrets masked; absent for binary bodies. */
  bodyExcerpt?: string;
  bodyShape: BodyShape;
  /** Declared request body size (Content-Length), when known. */
  requestBytes?: number;
  /** Request body bytes actually handed to the socket. */
  bytesSent: number;
  /** Response body bytes received. */
  responseBytes: number;
  startedAt: string;
  timings: {
    /** Until a streamed request body was handed over whole (uploads). */
    sentMs?: number;
    /** Until the status line and headers arrived. */
    headersMs?: number;
    /** Until the body ended (or the exchange failed). */
    totalMs: number;
  };
}

export type ExchangeListener = (exchange: Exchange) => void;

/** Where exchanges go: listeners (test attachments, evidence files) subscribe here. */
export class EvidenceRecorder {
  private readonly listeners = new Set<ExchangeListener>();
  private readonly kept: Exchange[] = [];
  private seq = 0;

  constructor(private readonly keep = 200) {}

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ExchangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(exchange: Exchange): void {
    this.kept.push(exchange);
    if (this.kept.length > this.keep) this.kept.shift();
    for (const listener of this.listeners) listener(exchange);
  }

  /** The most recent exchanges, oldest first. */
  recent(): readonly Exchange[] {
    return this.kept;
  }
}

const BODY_EXCERPT_LIMIT = 4096;

/** Cuts a textual body to the excerpt size, marking the cut. */
export function excerpt(text: string): string {
  if (text.length <= BODY_EXCERPT_LIMIT) return text;
  return `${text.slice(0, BODY_EXCERPT_LIMIT)}… [${text.length - BODY_EXCERPT_LIMIT} more characters]`;
}

/** Classifies a body from its content type, text and the Server header. */
export function classifyBody(
  contentType: string | undefined,
  text: string,
  server: string | undefined,
): BodyShape {
  const ct = (contentType ?? '').toLowerCase();
  if (text.length === 0) return 'empty';
  if (ct.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') {
        const obj = parsed as Record<string, unknown>;
        if ('message' in obj && 'code' in obj && 'title' in obj) return 'glance-json-error';
        if (obj.error && typeof obj.error === 'object') return 'keystone-json-error';
      }
      return 'json';
    } catch {
      return 'text';
    }
  }
  if (ct.includes('html') || /^\s*<(!doctype|html)/i.test(text)) {
    if (/<center>nginx[^<]*<\/center>/i.test(text) || /^nginx/i.test(server ?? '')) return 'nginx-error-page';
    if (/<address>Apache/i.test(text) || /^apache/i.test(server ?? '')) return 'apache-error-page';
    if (/haproxy/i.test(text)) return 'haproxy-error-page';
    return 'html';
  }
  if (ct.startsWith('text/') || ct === '') return 'text';
  return 'binary';
}
