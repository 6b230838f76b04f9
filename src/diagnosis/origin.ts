import type { Exchange } from '../http/evidence.js';
import { needsLink, routeOf } from './links.js';
import type { Evidence, Facts, Origin } from './types.js';

const PROXY_SERVER = /^(nginx|apache|haproxy|envoy|traefik|caddy)/i;
const PROXY_PAGES = new Set(['nginx-error-page', 'apache-error-page', 'haproxy-error-page']);
/** Glance's (webob's) generic error page and text bodies. */
const GLANCE_PAGE = /<title>\d{3} [^<]+<\/title>\s*<\/head>\s*<body>\s*<h1>\d{3} /i;

/** Keystone or Glance, from the URL (Keystone's base when known, else the /v3 identity path). */
export function serviceOf(x: Exchange, facts: Facts = {}): 'glance' | 'keystone' {
  if (facts.keystoneUrl) {
    const base = facts.keystoneUrl.replace(/\/v3\/?$/, '').replace(/\/+$/, '');
    if (x.url.startsWith(base)) return 'keystone';
  }
  return /^\/(v3|identity)(\/|$)/.test(x.path) ? 'keystone' : 'glance';
}

/**
 * Who made the response. A proxy's own page (nginx/Apache/HAProxy signature, or a proxy Server
 * header with no request id) is the proxy's; a request id or a Glance-shaped body is Glance's,
 * even when it passed through a proxy that rewrote the Server header.
 */
export function originOf(x: Exchange, facts: Facts = {}): Origin {
  if (x.status === null) return 'none';
  const service = serviceOf(x, facts);
  if (PROXY_PAGES.has(x.bodyShape) && !x.requestId) return 'proxy';
  if (service === 'keystone') return 'keystone';
  if (x.requestId) return 'glance';
  if (x.wwwAuthenticate?.startsWith('Keystone')) return 'glance';
  if (x.bodyShape === 'glance-json-error') return 'glance';
  if (x.bodyExcerpt && GLANCE_PAGE.test(x.bodyExcerpt)) return 'glance';
  if (x.status >= 500 && PROXY_SERVER.test(x.server ?? '')) return 'proxy';
  if (x.status === 413 && PROXY_SERVER.test(x.server ?? '')) return 'proxy';
  if (x.status < 400) return 'glance';
  return 'unknown';
}

/** Builds the evidence for one exchange. */
export function evidenceOf(x: Exchange, history: readonly Exchange[] = [], facts: Facts = {}): Evidence {
  return { exchange: x, origin: originOf(x, facts), service: serviceOf(x, facts), history, facts };
}

/** Names the hop that failed, for people. */
export function describeHop(e: Evidence): string {
  const x = e.exchange;
  const host = hostOf(x.url);
  switch (e.origin) {
    case 'none':
      return `${e.service === 'keystone' ? 'Keystone' : 'Glance endpoint'} at ${host}: no HTTP answer (${x.error?.code ?? 'no response'})`;
    case 'proxy':
      return `proxy in front of Glance at ${host}${x.server ? ` (${x.server})` : ''}: it answered itself, Glance's answer never came through`;
    case 'keystone':
      return `Keystone at ${host}`;
    case 'glance':
      return `glance-api behind ${host}${x.requestId ? ` (${x.requestId})` : ''}`;
    default:
      return `${host}: answer of unknown origin${x.server ? ` (Server: ${x.server})` : ''}`;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Metadata calls whose answer needs Glance's database (image data calls are left to the store rules). */
export function isDbPath(path: string): boolean {
  return needsLink('db', 'GET', path) && !isDataPath(path);
}

/** Image data upload or staging. */
export function isUploadPath(method: string, path: string): boolean {
  return method === 'PUT' && isDataPath(path);
}

/** Image data paths (upload, stage, download). */
export function isDataPath(path: string): boolean {
  return /^\/v2\/images\/[^/]+\/(file|stage)\/?$/.test(routeOf(path));
}

/**
 * An earlier exchange of the same check shows Glance's database answering (a 2xx on a call that
 * needs it, such as the create of the image now being uploaded): the tables are there and reachable.
 */
export function databaseAnswered(e: Evidence): boolean {
  return e.history.some(
    (h) =>
      h.status !== null &&
      h.status >= 200 &&
      h.status < 300 &&
      needsLink('db', h.method, h.path) &&
      serviceOf(h, e.facts) === 'glance' &&
      originOf(h, e.facts) === 'glance',
  );
}

/** The request carried a token. */
export function sentToken(x: Exchange): boolean {
  return x.requestHeaders['x-auth-token'] !== undefined;
}

/** Lower-cased body excerpt ('' when none). */
export function body(x: Exchange): string {
  return (x.bodyExcerpt ?? '').toLowerCase();
}

/** The connection was made but closed, or timed out, before any answer. */
export const NO_REPLY_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
export const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'TOTAL_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
export const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A store backend that takes this long to fail is timing out (swift's node timeouts), not refusing. */
export const SLOW_STORE_MS = 10_000;
/** Glance waits on an unreachable Keystone before its 401 (captured ~3.5 s); a refusal takes ~0.5 s. */
export const KEYSTONE_WAIT_MS = 2_500;
