// A loopback Keystone (/v3) and Glance on one 127.0.0.1 port, each misbehaving by name: the token,
// the catalog, the versions document, the image list or the socket itself. Every request is recorded.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

/** The token the fake Keystone issues; it must never appear in any output. */
export const TOKEN = 'gAAAAABhostile-token-5e1f0c9a7b3d';
export const IMAGE_ID = '6a1e8f3c-2b4d-4e5f-8a9b-0c1d2e3f4a5b';

export interface Recorded {
  method: string;
  /** The request target exactly as received. */
  path: string;
}

/** What a handler knows: the request, its body, where this server and the bystander live. */
export interface Ctx {
  method: string;
  path: string;
  body: string;
  req: IncomingMessage;
  origin: string;
  elsewhere: string;
}

type Handler = (c: Ctx, res: ServerResponse) => void;

/** A behaviour overrides the fake Keystone, the fake Glance, or both. */
export interface Behaviour {
  keystone?: Handler;
  glance?: Handler;
}

const VERSIONS_FIXTURE = JSON.parse(
  readFileSync(new URL('../../schemas/glance/zed/fixtures/versions.json', import.meta.url), 'utf8'),
) as { versions: Array<{ id: string; status: string; links: Array<{ rel: string; href: string }> }> };

/** The Zed versions document, its self links on `origin`. */
export function versionsDoc(origin: string): unknown {
  return {
    versions: VERSIONS_FIXTURE.versions.map((v) => ({
      ...v,
      links: v.links.map((l) => ({ ...l, href: `${origin}/v2/` })),
    })),
  };
}

/** A token body whose catalog lists `glanceUrl` as the image service (public, RegionOne). */
export function tokenBody(glanceUrl: unknown, ttlMs = 3600_000, catalog?: unknown): unknown {
  const now = Date.now();
  return {
    token: {
      methods: ['password'],
      expires_at: new Date(now + ttlMs).toISOString(),
      issued_at: new Date(now).toISOString(),
      user: { id: 'u1', name: 'hostile', domain: { id: 'default', name: 'Default' } },
      project: { id: 'p1', name: 'hostile', domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r1', name: 'admin' }],
      catalog: catalog ?? [
        {
          type: 'image',
          name: 'glance',
          id: 's1',
          endpoints: [
            { id: 'e1', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: glanceUrl },
          ],
        },
      ],
    },
  };
}

/** Writes `body` (an object as JSON, a string as is) with a status and headers. */
export function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'x-openstack-request-id': `req-${randomUUID()}`,
    ...(typeof body === 'object' ? { 'content-type': 'application/json' } : {}),
    ...headers,
  });
  res.end(text);
}

/** The well-behaved Keystone: 201, X-Subject-Token, a catalog naming this server as Glance. */
export const goodKeystone: Handler = (c, res) => {
  if (c.method === 'POST' && c.path === '/v3/auth/tokens')
    send(res, 201, tokenBody(c.origin), { 'x-subject-token': TOKEN });
  else send(res, 404, { error: { code: 404, message: 'not found' } });
};

/** An image a cleanup would pick: the harness prefix and tags. */
export function harnessImage(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: IMAGE_ID,
    name: 'gh-20261203-120000-abcd-hostile',
    status: 'active',
    tags: ['glance-harness', 'gh-run-20261203-120000-abcd'],
    protected: false,
    ...extra,
  };
}

/** The well-behaved Glance: versions at / and /versions, an empty image list, 404 elsewhere. */
export const goodGlance: Handler = (c, res) => {
  if (c.method === 'GET' && c.path === '/') return send(res, 300, versionsDoc(c.origin));
  if (c.method === 'GET' && c.path === '/versions') return send(res, 200, versionsDoc(c.origin));
  if (c.req.headers['x-auth-token'] !== TOKEN && c.path.startsWith('/v2/'))
    return send(
      res,
      401,
      { error: { code: 401, message: 'auth required' } },
      {
        'www-authenticate': `Keystone uri="${c.origin}/v3"`,
      },
    );
  if (c.method === 'GET' && c.path.startsWith('/v2/images?'))
    return send(res, 200, { images: [], first: '/v2/images', schema: '/v2/schemas/images' });
  send(res, 404, { code: '404 Not Found', title: 'Not Found', message: 'The resource could not be found.' });
};

/** Image-list pages for a Glance behaviour; every other request goes to the good Glance. */
export function listing(images: unknown): Handler {
  return (c, res) =>
    c.method === 'GET' && c.path.startsWith('/v2/images?')
      ? send(res, 200, { images, first: '/v2/images', schema: '/v2/schemas/images' })
      : goodGlance(c, res);
}

/** GET / answered by `h`; the rest by the good Glance. */
export function root(h: Handler): Handler {
  return (c, res) => (c.method === 'GET' && c.path === '/' ? h(c, res) : goodGlance(c, res));
}

export interface FakeCloud {
  /** http(s)://127.0.0.1:PORT */
  origin: string;
  /** The fake Keystone's auth URL: <origin>/v3. */
  authUrl: string;
  /** A second server that must never be asked (redirect targets). */
  elsewhere: string;
  requests: Recorded[];
  /** Requests that reached the bystander. */
  strayRequests: Recorded[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: Buffer; cert: Buffer };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts the fake Keystone + Glance playing `behaviour`, and a bystander that records strays. */
export async function startFakeCloud(behaviour: Behaviour, opts: StartOptions = {}): Promise<FakeCloud> {
  const requests: Recorded[] = [];
  const strayRequests: Recorded[] = [];
  const bystander = createHttp((req, res) => {
    strayRequests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    send(res, 404);
  });
  const elsewhere = `http://127.0.0.1:${await listen(bystander)}`;
  const state = { origin: '' };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? '';
    const path = req.url ?? '';
    requests.push({ method, path });
    res.on('error', () => {});
    req.socket.on('error', () => {});
    let body = '';
    req.on('data', (d: Buffer) => {
      if (body.length < 64 * 1024) body += d.toString('utf8');
    });
    req.on('end', () => {
      const c: Ctx = { method, path, body, req, origin: state.origin, elsewhere };
      const h = path.startsWith('/v3')
        ? (behaviour.keystone ?? goodKeystone)
        : (behaviour.glance ?? goodGlance);
      h(c, res);
    });
  };
  const server: Server = opts.tls
    ? (createHttps({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) as unknown as Server)
    : createHttp(onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  const port = await listen(server);
  state.origin = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin: state.origin,
    authUrl: `${state.origin}/v3`,
    elsewhere,
    requests,
    strayRequests,
    close: async () => {
      await Promise.all([closeServer(server), closeServer(bystander)]);
    },
  };
}
