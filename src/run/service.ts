/**
 * The run service: a loopback HTTP server in the CLI process that hands the runner's workers (and
 * k6) what must not travel in a file: the current Keystone token of each user, the secrets a suite
 * needs (database URL, Horizon password), and the run's blocked links. Every request carries the
 * per-run key; nothing answers without it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenProvider } from '../glance/index.js';
import type { CheckCause } from '../report/results.js';
import { SECRETS } from '../util/mask.js';

/** A link found broken: the checks that need it end as blocked by `cause`. */
export interface Block {
  link: string;
  cause: CheckCause;
  /** The check that found it. */
  foundBy: string;
}

/** What a worker reports when a check failed with a cause that names a link. */
export interface BlockReport {
  link: string;
  cause: CheckCause;
  checkId: string;
}

export interface RunServiceOptions {
  /** Token providers by user name (`primary`, `alt`); `/token` alone is the primary's. */
  tokens: Readonly<Record<string, TokenProvider>>;
  /** Secrets by name, read when asked for. */
  secrets?: Readonly<Record<string, () => unknown>>;
  /** Decides on a worker's report; answers the blocks in force. */
  onBlockReport?: (report: BlockReport) => Promise<readonly Block[]>;
  blocks?: () => readonly Block[];
}

export interface RunService {
  /** Base URL on 127.0.0.1, without a trailing slash. */
  url: string;
  /** `${url}/token`: the primary user's token (k6's GH_TOKEN_URL). */
  tokenUrl: string;
  /** Bearer key; handed over in the environment, never on a command line or in a file. */
  key: string;
  /** Token requests served (for the run log). */
  served(): number;
  close(): Promise<void>;
}

const MAX_REPORT_BYTES = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REPORT_BYTES) throw new Error('report too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the run service on 127.0.0.1 with a fresh key. */
export async function startRunService(opts: RunServiceOptions): Promise<RunService> {
  const key = randomBytes(24).toString('hex');
  SECRETS.add(key);
  const expected = Buffer.from(`Bearer ${key}`);
  let count = 0;
  const server: Server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const json = (status: number, body: unknown): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    };
    const fail = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${text}\n`);
    };
    const token = /^\/token(?:\/([a-z]+))?$/.exec(path);
    if (token && req.method === 'GET') {
      const provider = opts.tokens[token[1] ?? 'primary'];
      if (!provider) return fail(404, `no user "${token[1]}" in this run`);
      provider.token().then(
        (t) => {
          count += 1;
          res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(t ?? '');
        },
        (err: unknown) => fail(503, `token renewal failed: ${(err as Error).message}`),
      );
      return;
    }
    const secret = /^\/secret\/([a-z-]+)$/.exec(path);
    if (secret && req.method === 'GET') {
      const read = opts.secrets?.[secret[1]!];
      return read ? json(200, read()) : fail(404, `no secret "${secret[1]}" in this run`);
    }
    if (path === '/blocks' && req.method === 'GET') return json(200, opts.blocks?.() ?? []);
    if (path === '/blocks' && req.method === 'POST' && opts.onBlockReport) {
      readJson(req)
        .then((report) => opts.onBlockReport!(report as BlockReport))
        .then(
          (blocks) => json(200, blocks),
          (err: unknown) => fail(400, `bad block report: ${(err as Error).message}`),
        );
      return;
    }
    fail(404, 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    key,
    served: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
