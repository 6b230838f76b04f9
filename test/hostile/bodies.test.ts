// Bodies a real Glance never sends: a 50 MB versions document, a Content-Length over the cap, image
// data longer than its Content-Length or without end. Each must stop at its bound, in bounded memory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GlanceClient } from '../../src/glance/index.js';
import { HttpClient, MAX_DOCUMENT_BODY, TransportError } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const SMALL = Buffer.alloc(100 * 1024, 0x62);

const IDS = {
  small: '3f0c5b8e-1d2a-4c6b-9e7f-0a1b2c3d4e50',
  overlong: '3f0c5b8e-1d2a-4c6b-9e7f-0a1b2c3d4e51',
  endless: '3f0c5b8e-1d2a-4c6b-9e7f-0a1b2c3d4e52',
  declared: '3f0c5b8e-1d2a-4c6b-9e7f-0a1b2c3d4e53',
} as const;

/** What the server saw of one response: body bytes handed to the socket, and whether the peer left. */
interface Sent {
  bytes: number;
  closed: boolean;
}

/** Writes CHUNK until `total` bytes (or forever) with backpressure, stopping when the peer closes. */
function pump(res: ServerResponse, sent: Sent, total = Number.POSITIVE_INFINITY): void {
  const go = (): void => {
    while (!res.destroyed && sent.bytes < total) {
      sent.bytes += CHUNK.length;
      if (!res.write(CHUNK)) {
        res.once('drain', go);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  go();
}

/** A 50 MB JSON versions document, generated as it is sent (the server holds no more than a chunk). */
function bigJson(res: ServerResponse, sent: Sent, declare: boolean): void {
  const total = 50 * 1000 * 1000;
  res.writeHead(300, {
    'content-type': 'application/json',
    ...(declare ? { 'content-length': String(total) } : {}),
  });
  // Declared: headers only, then wait; the client must refuse without the body being sent.
  if (declare) {
    res.flushHeaders();
    return;
  }
  pump(res, sent, total);
}

/** Content-Length says 1 MiB, then 10 MiB follow on the raw socket. */
function overlong(req: IncomingMessage, sent: Sent): void {
  const sock = req.socket;
  sock.on('error', () => {});
  sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${MiB}\r\n\r\n`);
  const go = (): void => {
    while (!sock.destroyed && sent.bytes < 10 * MiB) {
      sent.bytes += CHUNK.length;
      if (!sock.write(CHUNK)) {
        sock.once('drain', go);
        return;
      }
    }
  };
  go();
}

interface BodyServer {
  url: string;
  /** Per path, what the server sent. */
  sent: Map<string, Sent>;
  close(): Promise<void>;
}

async function startBodyServer(): Promise<BodyServer> {
  const sentBy = new Map<string, Sent>();
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const sent: Sent = { bytes: 0, closed: false };
    sentBy.set(path, sent);
    req.socket.once('close', () => {
      sent.closed = true;
    });
    if (path === '/') return bigJson(res, sent, false);
    if (path === '/versions') return bigJson(res, sent, true);
    if (path === `/v2/images/${IDS.small}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: IDS.small, name: 'small', size: SMALL.length }));
    }
    if (path === `/v2/images/${IDS.small}/file`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': SMALL.length });
      return res.end(SMALL);
    }
    if (path === `/v2/images/${IDS.overlong}/file`) return overlong(req, sent);
    if (path === `/v2/images/${IDS.endless}/file`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return pump(res, sent);
    }
    if (path === `/v2/images/${IDS.declared}/file`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 2 * MiB });
      res.flushHeaders();
      return; // headers only: a client that reads before refusing would hang here
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent: sentBy,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A sink that counts and hashes what reaches it and holds nothing. */
function countingSink(): Writable & { bytes: number; md5(): string } {
  const hash = createHash('md5');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      sink.bytes += chunk.length;
      hash.update(chunk);
      done();
    },
  }) as Writable & { bytes: number; md5(): string };
  sink.bytes = 0;
  sink.md5 = () => hash.digest('hex');
  return sink;
}

/** Runs `fn`, sampling RSS every 5 ms; returns its outcome, the peak RSS growth and the time taken. */
async function measured<T>(
  fn: () => Promise<T>,
): Promise<{ outcome: T | unknown; grewBy: number; ms: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  let outcome: T | unknown;
  try {
    outcome = await fn();
  } catch (err) {
    outcome = err;
  }
  const ms = performance.now() - started;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { outcome, grewBy: peak - base, ms };
}

function assertTransport(err: unknown, code: string, pattern: RegExp): TransportError {
  assert.ok(err instanceof TransportError, `expected a TransportError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, pattern);
  return err;
}

/** Resolves once `check` holds, polling every 5 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

let server: BodyServer;
const clients: HttpClient[] = [];

function glance(
  options: ConstructorParameters<typeof GlanceClient>[3] = {},
  http = new HttpClient(),
): GlanceClient {
  clients.push(http);
  return new GlanceClient(server.url, http, new StaticTokens('t'), options);
}

before(async () => {
  server = await startBodyServer();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

describe('JSON bodies are bounded by a documented cap', () => {
  it('GET / answering a 50 MB JSON body fails with BODY_TOO_LARGE quickly, in flat memory', async () => {
    const { outcome, grewBy, ms } = await measured(() => glance().versions.listRoot());
    const err = assertTransport(
      outcome,
      'BODY_TOO_LARGE',
      /^GET http:\/\/127\.0\.0\.1:\d+\/ answered 300 .*1 MiB cap/,
    );
    assert.ok(err.exchange.responseBytes <= MAX_DOCUMENT_BODY, `held ${err.exchange.responseBytes} bytes`);
    assert.ok(ms < 2_000, `took ${Math.round(ms)} ms`);
    assert.ok(grewBy < 64 * MiB, `RSS grew by ${Math.round(grewBy / MiB)} MiB`);
    await until(() => server.sent.get('/')?.closed === true);
    assert.ok((server.sent.get('/')?.bytes ?? 0) < 50 * 1000 * 1000, 'the server did not get to send it all');
  });

  it('GET /versions declaring a Content-Length over the cap is refused before any body byte', async () => {
    const { outcome, ms } = await measured(() => glance().versions.list());
    const err = assertTransport(
      outcome,
      'BODY_TOO_LARGE',
      /Content-Length 50000000\); refused before reading/,
    );
    assert.equal(err.exchange.responseBytes, 0);
    assert.ok(ms < 1_000, `took ${Math.round(ms)} ms: the client waited for a body it should refuse`);
    await until(() => server.sent.get('/versions')?.closed === true);
  });
});

describe('image data is bounded by the image size and never held', () => {
  it('a download whose Content-Length is 1 MiB but which sends 10 MiB yields 1 MiB and drops the connection', async () => {
    // undici frames the body by its Content-Length: the 9 MiB after it never reach the client.
    const sink = countingSink();
    const { outcome, grewBy } = await measured(() =>
      glance().data.download(IDS.overlong, { sink, expectedBytes: MiB }),
    );
    assert.ok(!(outcome instanceof Error), String(outcome));
    assert.equal(sink.bytes, MiB);
    assert.ok(grewBy < 32 * MiB, `RSS grew by ${Math.round(grewBy / MiB)} MiB`);
    await until(() => server.sent.get(`/v2/images/${IDS.overlong}/file`)?.closed === true);
  });

  it('a chunked download that never ends fails with BODY_TOO_LONG after the expected 1 MiB', async () => {
    const sink = countingSink();
    const { outcome, grewBy, ms } = await measured(() =>
      glance().data.download(IDS.endless, { sink, expectedBytes: MiB }),
    );
    const err = assertTransport(
      outcome,
      'BODY_TOO_LONG',
      /answered 200 with more than 1 MiB \(the expected size\)/,
    );
    assert.ok(sink.bytes <= MiB, `${sink.bytes} bytes reached the sink`);
    assert.ok(err.exchange.responseBytes <= MiB + CHUNK.length);
    assert.ok(ms < 2_000, `took ${Math.round(ms)} ms`);
    assert.ok(grewBy < 32 * MiB, `RSS grew by ${Math.round(grewBy / MiB)} MiB`);
    await until(() => server.sent.get(`/v2/images/${IDS.endless}/file`)?.closed === true);
  });

  it('a Content-Length above the expected size is refused before reading', async () => {
    const { outcome, ms } = await measured(() =>
      glance().data.download(IDS.declared, { expectedBytes: MiB }),
    );
    assertTransport(
      outcome,
      'BODY_TOO_LONG',
      /Content-Length 2097152, more than the 1 MiB expected; refused before reading/,
    );
    assert.ok(ms < 1_000, `took ${Math.round(ms)} ms`);
  });

  it('an aborted signal stops a download mid-body within 200 ms', async () => {
    const controller = new AbortController();
    const sink = countingSink();
    const pending = glance().data.download(IDS.endless, { sink, signal: controller.signal });
    const settled = pending.then(
      () => performance.now(),
      (err: unknown) => ({ err, at: performance.now() }),
    );
    await until(() => sink.bytes > MiB);
    const abortedAt = performance.now();
    controller.abort();
    const result = await settled;
    assert.ok(typeof result === 'object', 'the download should fail');
    assertTransport(result.err, 'ABORTED', /call aborted by its caller/);
    assert.ok(result.at - abortedAt < 200, `stopped ${Math.round(result.at - abortedAt)} ms after the abort`);
    await until(() => server.sent.get(`/v2/images/${IDS.endless}/file`)?.closed === true);
  });

  it("the transport's default signal applies to a call that brings none", async () => {
    const controller = new AbortController();
    const client = glance({ signal: () => controller.signal });
    const sink = countingSink();
    const pending = client.data.download(IDS.endless, { sink }).catch((err: unknown) => err);
    await until(() => sink.bytes > 0);
    controller.abort();
    assertTransport(await pending, 'ABORTED', /call aborted/);
  });

  it('the total timeout stops a download that never ends', async () => {
    const client = glance({}, new HttpClient({ timeouts: { totalMs: 300 } }));
    const started = performance.now();
    const err = await client.data.download(IDS.endless).catch((e: unknown) => e);
    assertTransport(err, 'TOTAL_TIMEOUT', /exceeded its total timeout/);
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('ordinary bodies still work', () => {
  it('a small JSON answer is parsed', async () => {
    const res = await glance().images.show(IDS.small);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { id: IDS.small, name: 'small', size: SMALL.length });
  });

  it('a download of exactly the expected size is hashed and delivered whole', async () => {
    const sink = countingSink();
    const res = await glance().data.download(IDS.small, { sink, expectedBytes: SMALL.length });
    assert.equal(res.status, 200);
    assert.equal(res.received.size, SMALL.length);
    assert.equal(res.received.md5, createHash('md5').update(SMALL).digest('hex'));
    assert.equal(sink.bytes, SMALL.length);
  });
});
