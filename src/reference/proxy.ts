/**
 * The front proxy a deployment puts before glance-api, emulating nginx 1.22 with
 * `client_max_body_size 0` and `proxy_request_buffering off`: requests and bodies stream through
 * unchanged (Host included), responses come back with nginx's Server/Date/Connection headers,
 * and nginx's own pages answer when the upstream is unreachable, too slow, or the body too big.
 */
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { FaultDelays, FaultName } from './faults.js';

export const NGINX_SERVER = 'nginx/1.22.1';
const APACHE_SERVER = 'Apache/2.4.52 (Ubuntu)';
/** The body limit the proxy-body-limit fault configures (client_max_body_size 1m). */
export const PROXY_BODY_LIMIT = 1024 * 1024;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** nginx's built-in error page (CRLF line ends, as nginx sends them). */
export function nginxPage(status: string): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>${NGINX_SERVER}</center>\r\n</body>\r\n</html>\r\n`;
}

/** Apache mod_proxy's page when the backend drops the connection (devstack's front). */
export function apacheProxyErrorPage(host: string, port: string): string {
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>502 Proxy Error</title>\n</head><body>\n' +
    '<h1>Proxy Error</h1>\n<p>The proxy server received an invalid\r\nresponse from an upstream server.<br />\r\n' +
    'The proxy server could not handle the request<p>Reason: <strong>Error reading from remote server</strong></p></p>\n' +
    `<hr>\n<address>${APACHE_SERVER} Server at ${host} Port ${port}</address>\n</body></html>\n`
  );
}

export interface ProxyOptions {
  fault: () => FaultName | null;
  delays: FaultDelays;
  log: (line: string) => void;
}

/** The nginx-like front proxy. */
export class FrontProxy {
  readonly server: Server;
  private readonly opts: ProxyOptions;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private upstream = { host: '127.0.0.1', port: 0 };

  constructor(opts: ProxyOptions) {
    this.opts = opts;
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.handle(req, res, false));
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
      this.handle(req, res, true),
    );
  }

  /** Points the proxy at glance-api. */
  setUpstream(host: string, port: number): void {
    this.upstream = { host, port };
  }

  /** Drops pooled upstream connections. */
  close(): void {
    this.agent.destroy();
  }

  private page(res: ServerResponse, status: number, title: string, close: boolean): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = nginxPage(title);
    res.sendDate = false;
    res.writeHead(status, {
      Server: NGINX_SERVER,
      Date: new Date().toUTCString(),
      'Content-Type': 'text/html',
      'Content-Length': String(Buffer.byteLength(body)),
      Connection: close ? 'close' : 'keep-alive',
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private handle(req: IncomingMessage, res: ServerResponse, expect: boolean): void {
    const started = Date.now();
    res.once('close', () => {
      this.opts.log(
        `proxy ${req.method} ${req.url} ${res.writableFinished ? res.statusCode : 'aborted'} ${Date.now() - started}ms`,
      );
    });
    const length = Number(req.headers['content-length'] ?? 0);
    if (this.opts.fault() === 'proxy-body-limit' && length > PROXY_BODY_LIMIT) {
      // Refused before the body is read; a client waiting on 100-continue never sends it.
      this.page(res, 413, '413 Request Entity Too Large', expect);
      return;
    }
    if (expect) res.writeContinue();

    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    const up = request({
      host: this.upstream.host,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    });
    let answered = false;
    up.setTimeout(this.opts.delays.proxyReadTimeoutMs, () => {
      answered = true;
      up.destroy(new Error('upstream timed out'));
      if (!res.destroyed) this.page(res, 504, '504 Gateway Time-out', false);
    });
    up.on('error', () => {
      if (answered || res.destroyed) return;
      answered = true;
      if (!res.headersSent) this.page(res, 502, '502 Bad Gateway', false);
      else res.destroy();
    });
    up.on('response', (ur) => this.relay(req, res, ur));
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }

  private relay(req: IncomingMessage, res: ServerResponse, ur: IncomingMessage): void {
    const status = ur.statusCode ?? 502;
    const isUpload = req.method === 'PUT' && /^\/v2\/images\/[^/]+\/(file|stage)$/.test(req.url ?? '');
    if (this.opts.fault() === 'swift-unmounted' && isUpload && status === 500) {
      // Devstack's Apache in front of uwsgi: the backend drops the upload, Apache answers 502.
      ur.resume();
      const [host = '127.0.0.1', port = '80'] = (req.headers.host ?? '').split(':');
      const body = apacheProxyErrorPage(host, port);
      res.sendDate = false;
      res.writeHead(502, 'Proxy Error', {
        Date: new Date().toUTCString(),
        Server: APACHE_SERVER,
        'Content-Length': String(Buffer.byteLength(body)),
        Connection: 'close',
        'Content-Type': 'text/html; charset=iso-8859-1',
      });
      res.end(body);
      return;
    }
    const out: Record<string, string | string[]> = { Server: NGINX_SERVER, Date: new Date().toUTCString() };
    const upstream = ur.headers;
    if (upstream['content-type'] !== undefined) out['Content-Type'] = upstream['content-type'];
    if (upstream['content-length'] !== undefined) out['Content-Length'] = upstream['content-length'];
    out.Connection = 'keep-alive';
    const raw = ur.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] ?? '';
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || ['date', 'server', 'content-type', 'content-length'].includes(lower))
        continue;
      const value = raw[i + 1] ?? '';
      const prev = out[name];
      out[name] = prev === undefined ? value : ([] as string[]).concat(prev, value);
    }
    res.sendDate = false;
    res.writeHead(status, out);
    ur.pipe(res);
    ur.on('error', () => res.destroy());
  }
}
