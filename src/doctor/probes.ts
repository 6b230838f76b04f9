import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';

export interface ProbeResult {
  ok: boolean;
  /** Error code when not ok (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, …). */
  code?: string;
  evidence: string;
  ms: number;
}

function hostPort(url: URL): { host: string; port: number } {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}

/** Name resolution and a TCP connection to the URL's host and port. */
export async function tcpProbe(rawUrl: string, timeoutMs = 5_000): Promise<ProbeResult> {
  const url = new URL(rawUrl);
  const { host, port } = hostPort(url);
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  let address: string;
  try {
    address = (await lookup(host)).address;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOTFOUND';
    return { ok: false, code, evidence: `${host} does not resolve (${code})`, ms: ms() };
  }
  return new Promise((done) => {
    const socket = netConnect({ host: address, port });
    const finish = (r: ProbeResult): void => {
      socket.destroy();
      done(r);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({
        ok: false,
        code: 'UND_ERR_CONNECT_TIMEOUT',
        evidence: `${address}:${port} did not accept within ${timeoutMs} ms`,
        ms: ms(),
      }),
    );
    socket.once('connect', () =>
      finish({ ok: true, evidence: `${host} → ${address}:${port} accepted in ${ms()} ms`, ms: ms() }),
    );
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        code: err.code ?? 'ECONNRESET',
        evidence: `${address}:${port}: ${err.code ?? err.message}`,
        ms: ms(),
      }),
    );
  });
}

export interface TlsSettings {
  cacert?: string;
  insecure?: boolean;
}

/** A TLS handshake with verification as the HTTP client does it; reports the certificate. */
export async function tlsProbe(rawUrl: string, tls: TlsSettings, timeoutMs = 5_000): Promise<ProbeResult> {
  const url = new URL(rawUrl);
  const { host, port } = hostPort(url);
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  let ca: Buffer | undefined;
  if (tls.cacert && !tls.insecure) {
    try {
      ca = readFileSync(tls.cacert);
    } catch (err) {
      return {
        ok: false,
        code: 'CACERT_UNREADABLE',
        evidence: `cannot read CA bundle ${tls.cacert} (${(err as NodeJS.ErrnoException).code})`,
        ms: 0,
      };
    }
  }
  return new Promise((done) => {
    const socket = tlsConnect({
      host,
      port,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: !tls.insecure,
      ...(ca ? { ca } : {}),
    });
    const finish = (r: ProbeResult): void => {
      socket.destroy();
      done(r);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({
        ok: false,
        code: 'TLS_TIMEOUT',
        evidence: `no TLS handshake within ${timeoutMs} ms`,
        ms: ms(),
      }),
    );
    socket.once('secureConnect', () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      const days = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      finish({
        ok: true,
        evidence: `${socket.getProtocol() ?? 'TLS'}, certificate ${cert.subject?.CN ?? '?'} by ${cert.issuer?.CN ?? '?'}, valid ${days} more days${tls.insecure ? ' (not verified: --insecure)' : ''}`,
        ms: ms(),
      });
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        code: err.code ?? 'TLS_ERROR',
        evidence: `TLS handshake with ${host}:${port} failed: ${err.message}`,
        ms: ms(),
      }),
    );
  });
}
