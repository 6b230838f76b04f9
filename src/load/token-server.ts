import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenProvider } from '../glance/index.js';

export interface TokenServer {
  /** URL k6 asks (loopback only). */
  url: string;
  /** Bearer key k6 must present; handed over in k6's environment, never on its command line. */
  key: string;
  /** Requests served (for the run log). */
  served(): number;
  close(): Promise<void>;
}

/**
 * Serves the harness's current Keystone token to k6 on 127.0.0.1. The provider re-authenticates five
 * minutes before expiry, so VUs that ask every 30 s never hold a token about to die, however long
 * the run, and no VU ever talks to Keystone itself.
 */
export async function startTokenServer(tokens: TokenProvider): Promise<TokenServer> {
  const key = randomBytes(24).toString('hex');
  const expected = Buffer.from(`Bearer ${key}`);
  let count = 0;
  const server: Server = createServer((req, res) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden\n');
      return;
    }
    tokens.token().then(
      (t) => {
        count += 1;
        res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(t ?? '');
      },
      (err: unknown) => {
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`token renewal failed: ${(err as Error).message}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    key,
    served: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
