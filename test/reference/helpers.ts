/** Shared set-up for the reference server tests: start/stop, tokens, requests, generated images. */
import { request as httpRequest } from 'node:http';
import { type ReferenceOptions, type ReferenceServer, startReference } from '../../src/reference/index.js';

/** Small delays so fault tests stay fast. */
export const FAST_DELAYS = {
  keystoneDownMs: 150,
  keystonePasswordWrongMs: 60,
  swiftMs: 120,
  proxyReadTimeoutMs: 400,
};

export function start(opts: ReferenceOptions = {}): Promise<ReferenceServer> {
  return startReference({ delays: FAST_DELAYS, ...opts });
}

/** A project-scoped token for one of the reference users (password method, names + domain). */
export async function token(ref: ReferenceServer, name: 'admin' | 'demo'): Promise<string> {
  const user = ref.users.find((u) => u.name === name);
  if (!user) throw new Error(`no user ${name}`);
  const res = await fetch(`${ref.keystoneUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: user.name, domain: { name: 'Default' }, password: user.password } },
        },
        scope: { project: { name: user.project, domain: { name: 'Default' } } },
      },
    }),
  });
  const subject = res.headers.get('x-subject-token');
  await res.arrayBuffer();
  if (res.status !== 201 || !subject) throw new Error(`token for ${name}: ${res.status}`);
  return subject;
}

/** A started reference with project tokens for admin and demo: what most describe blocks begin with. */
export async function startSession(
  opts: ReferenceOptions = {},
): Promise<{ ref: ReferenceServer; g: string; admin: string; demo: string }> {
  const ref = await start(opts);
  return { ref, g: ref.glanceUrl, admin: await token(ref, 'admin'), demo: await token(ref, 'demo') };
}

export interface CallOptions {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  json?: unknown;
}

/** fetch with the harness's defaults: JSON bodies, optional X-Auth-Token, no redirects followed. */
export function call(base: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['x-auth-token'] = opts.token;
  let body = opts.body as RequestInit['body'];
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  return fetch(`${base}${path}`, { method: opts.method ?? 'GET', headers, body, redirect: 'manual' });
}

/** Creates an image and returns its document. */
export async function createImage(
  base: string,
  fields: Record<string, unknown> = {},
  tok?: string,
): Promise<Record<string, unknown> & { id: string }> {
  const res = await call(base, '/v2/images', {
    method: 'POST',
    token: tok,
    json: { name: 'ref-test', disk_format: 'qcow2', container_format: 'bare', ...fields },
  });
  const doc = (await res.json()) as Record<string, unknown> & { id: string };
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(doc)}`);
  return doc;
}

/** PUTs image data. */
export function upload(base: string, id: string, data: Uint8Array, tok?: string): Promise<Response> {
  return call(base, `/v2/images/${id}/file`, {
    method: 'PUT',
    token: tok,
    headers: { 'content-type': 'application/octet-stream' },
    body: data,
  });
}

/** A qcow2 v3 file: real header (magic, version, cluster bits, size) padded to `bytes`. */
export function qcow2(bytes: number, virtualSize: number): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.writeUInt32BE(0x514649fb, 0);
  buf.writeUInt32BE(3, 4);
  buf.writeUInt32BE(16, 20);
  buf.writeBigUInt64BE(BigInt(virtualSize), 24);
  for (let i = 512; i < bytes; i++) buf[i] = (i * 31) & 0xff;
  return buf;
}

/** Header names and values of a response, lower-cased names. */
export function headerMap(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers);
}

/** A raw HTTP/1.1 exchange (for Expect: 100-continue, Host overrides); resolves with what came back. */
export function raw(
  url: string,
  opts: {
    method: string;
    headers: Record<string, string>;
    body?: Buffer;
    waitForContinue?: boolean;
    /** Send the body, then drop the connection (a client giving up mid-upload). */
    abortAfterBody?: boolean;
  },
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  continued: boolean;
}> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest(url, { method: opts.method, headers: opts.headers });
    req.on('continue', () => {
      continued = true;
      if (opts.body) req.end(opts.body);
      else req.end();
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          continued,
        }),
      );
    });
    req.on('error', reject);
    if (opts.abortAfterBody) {
      req.write(opts.body ?? Buffer.alloc(0), () =>
        setTimeout(() => req.destroy(new Error('client gave up')), 20),
      );
      return;
    }
    if (!opts.waitForContinue) {
      if (opts.body) req.end(opts.body);
      else req.end();
    }
  });
}

export const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Waits until `check` returns true (polling), or fails after `ms`. */
export async function until(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`condition not met within ${ms} ms`);
}
