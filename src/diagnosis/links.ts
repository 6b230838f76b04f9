/**
 * The links a Glance request needs (glance-api, Keystone's token check, the database, the store),
 * and the cheap read-only request that re-checks each. Paths are relative to the endpoint and may
 * carry its own prefix (devstack's `/image`) and a query string: only the `/v2/…` part counts.
 */
import type { Link } from './types.js';

/**
 * The route of a request path: `/v2/…` without prefix, query or minor version (`/v2.15/x` is
 * `/v2/x`); outside /v2, `/versions`, `/healthcheck`, or `/` for whatever version negotiation answers.
 */
export function routeOf(path: string): string {
  const bare = path.split(/[?#]/, 1)[0] ?? '';
  const v2 = /(?:^|\/)v2(?:\.\d+)?(?=\/|$)(.*)$/.exec(bare);
  if (v2) return `/v2${v2[1] ?? ''}`;
  const last = bare.split('/').filter(Boolean).at(-1);
  return last === 'versions' || last === 'healthcheck' ? `/${last}` : '/';
}

// Glance answers these before its authtoken middleware (versionnegotiation, healthcheck); every /v2
// call, /v2/schemas included, needs a token Keystone validates (captures 7-10, 7-11; the reference).
const WITHOUT_TOKEN = new Set(['/', '/versions', '/healthcheck']);
// Every call naming an image, task or metadef reads its rows first (the data paths too: Glance
// looks the image up before it opens the store); usage counts the project's images when
// use_keystone_limits is on. Schemas, /v2/info/import and /v2/info/stores come from configuration.
const DATABASE = /^\/v2\/(?:(?:images|tasks|metadefs)(?:\/|$)|info\/usage\/?$)/;
const STORE_WRITES: ReadonlyArray<readonly [method: string, route: RegExp]> = [
  ['PUT', /^\/v2\/images\/[^/]+\/(?:file|stage)\/?$/],
  ['POST', /^\/v2\/images\/[^/]+\/import\/?$/],
];

/** Whether a Glance request (method, path relative to the endpoint) needs this link to succeed. */
export function needsLink(link: Link, method: string, path: string): boolean {
  const m = method.toUpperCase();
  const route = routeOf(path);
  switch (link) {
    case 'glance':
      return true;
    case 'keystone':
      return !((m === 'GET' || m === 'HEAD') && WITHOUT_TOKEN.has(route));
    case 'db':
      return DATABASE.test(route);
    case 'store':
      return STORE_WRITES.some(([verb, re]) => verb === m && re.test(route));
  }
}

/** A read-only request that needs the link and little else. */
export interface LinkProbe {
  method: 'GET';
  path: string;
}

const PROBES: Readonly<Record<Link, LinkProbe | undefined>> = Object.freeze({
  glance: Object.freeze({ method: 'GET', path: '/' }),
  keystone: Object.freeze({ method: 'GET', path: '/v2/images?limit=1' }),
  db: Object.freeze({ method: 'GET', path: '/v2/images?limit=1' }),
  // Only an upload shows the store, and a probe must not write.
  store: undefined,
});

/** The cheap read-only request that re-checks a link (path relative to the endpoint), if there is one. */
export function linkProbe(link: Link): { method: 'GET'; path: string } | undefined {
  return PROBES[link];
}
