/**
 * A small static file server for a generated Allure report. Allure's index.html fetches its data
 * files, which browsers refuse from file:// ("500 Failed to fetch"), so the report is served on
 * 127.0.0.1 instead. GET and HEAD only; a path that resolves outside the directory is refused.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
  '.webm': 'video/webm',
  '.zip': 'application/zip',
};

/** The Content-Type a file is served with. */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

function inside(root: string, file: string): boolean {
  return file === root || file.startsWith(root + sep);
}

/** The file a request path names, or a status code when there is none to serve. */
function fileFor(root: string, rawUrl: string): string | 403 | 404 | 400 {
  let pathname: string;
  try {
    pathname = decodeURIComponent((rawUrl.split('?', 1)[0] ?? '/').split('#', 1)[0] ?? '/');
  } catch {
    return 400;
  }
  if (pathname.includes('\0')) return 400;
  const wanted = resolve(root, `.${sep}${pathname}`);
  if (!inside(root, wanted)) return 403;
  let file = wanted;
  if (!existsSync(file)) return 404;
  if (statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file) || !statSync(file).isFile()) return 404;
  // A symlink inside the report must not lead outside it either.
  if (!inside(root, realpathSync(file))) return 403;
  return file;
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
      .end('method not allowed\n');
    return;
  }
  const found = fileFor(root, req.url ?? '/');
  if (typeof found === 'number') {
    const text = found === 404 ? 'not found' : found === 403 ? 'forbidden' : 'bad request';
    res.writeHead(found, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    return;
  }
  res.writeHead(200, { 'Content-Type': contentTypeOf(found), 'Content-Length': statSync(found).size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(found);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/**
 * Serves `dir` on 127.0.0.1 (port 0: any free port). Resolves once listening, with the base URL
 * and a close() that ends open connections too.
 */
export async function serveDir(
  dir: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`nothing to serve: ${dir} is not a directory`);
  const root = realpathSync(resolve(dir));
  const server = createServer((req, res) => handle(root, req, res));
  await new Promise<void>((ok, fail) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      fail(
        err.code === 'EADDRINUSE'
          ? new UsageError(
              `port ${port} on 127.0.0.1 is already in use: pick another with --port, or --port 0 for any free one`,
            )
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      ok();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
