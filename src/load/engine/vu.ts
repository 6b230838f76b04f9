// One virtual user: its own Image API client on its own undici agent (its own connections), every
// exchange timed into the http_* metrics under the operation the scenario names.
import { createReadStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { GlanceClient, type TokenProvider } from '../../glance/index.js';
import { HttpClient } from '../../http/client.js';
import type { Exchange } from '../../http/evidence.js';
import type { Metrics, Tags } from './metrics.js';
import type { ImageFile, Profile, VuContext } from './scenario.js';

export interface VuOptions {
  id: number;
  endpoint: string;
  tokens: TokenProvider;
  metrics: Metrics;
  profile: Profile;
  image: ImageFile | undefined;
  run: VuContext['run'];
  /** Tags on every sample of the scenario's metrics. */
  tags: Tags;
  signal: AbortSignal;
  warn(line: string): void;
}

export interface Vu extends VuContext {
  iteration: number;
  close(): Promise<void>;
}

/** k6 counts a request as failed unless its status is 2xx or 3xx (responseCallback default). */
function failed(ex: Exchange): boolean {
  return ex.status === null || ex.status >= 400;
}

const READ_CHUNK = 64 * 1024;
const COLLECT_EVERY = 4 * 2 ** 20;

/**
 * A young-generation collection every few MiB streamed. A body chunk is garbage as soon as the socket
 * (or the hash) has it, but V8 waits for tens of MiB of such chunks before it collects on its own:
 * measured 20–30 MiB more peak RSS per thread. The runner exposes the collector to its threads.
 */
function collector(): (bytes: number) => void {
  const gc = (globalThis as { gc?: (o: { type: 'minor' }) => void }).gc;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < COLLECT_EVERY) return;
    since = 0;
    gc?.({ type: 'minor' });
  };
}

function fileBody(path: string): Readable {
  const streamed = collector();
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(path, {
      highWaterMark: READ_CHUNK,
    }) as AsyncIterable<Buffer>) {
      yield chunk;
      streamed(chunk.length);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

function discardBody(): Writable {
  const received = collector();
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      received(chunk.length);
      done();
    },
  });
}

export function createVu(o: VuOptions): Vu {
  const http = new HttpClient({ userAgent: 'glance-harness-load' });
  const glance = new GlanceClient(o.endpoint, http, o.tokens, { signal: () => o.signal });
  let op = 'other';
  // An interrupted iteration adds nothing more, as in k6: its aborted calls are not measurements.
  http.recorder.subscribe((ex) => {
    if (o.signal.aborted) return;
    const tags: Tags = {
      ...o.tags,
      op,
      method: ex.method,
      status: ex.status === null ? '0' : String(ex.status),
    };
    o.metrics.add('http_reqs', 1, tags);
    o.metrics.add('http_req_duration', ex.timings.totalMs, tags);
    if (ex.timings.headersMs !== undefined) o.metrics.add('http_req_waiting', ex.timings.headersMs, tags);
    o.metrics.add('http_req_failed', failed(ex), tags);
    o.metrics.add('data_sent', ex.bytesSent, tags);
    o.metrics.add('data_received', ex.responseBytes, tags);
  });
  const vu: Vu = {
    id: o.id,
    iteration: 0,
    glance,
    image: o.image,
    profile: o.profile,
    run: o.run,
    signal: o.signal,
    imageBody() {
      if (!o.image) throw new Error('this scenario has no image file (image: false)');
      return fileBody(o.image.path);
    },
    discard: discardBody,
    async op<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const before = op;
      op = name;
      try {
        return await fn();
      } finally {
        op = before;
      }
    },
    add(metric, value, tags) {
      if (o.signal.aborted) return;
      o.metrics.add(metric, value, { ...o.tags, ...tags });
    },
    check(conditions, tags) {
      let all = true;
      if (o.signal.aborted) return false;
      for (const [check, ok] of Object.entries(conditions)) {
        o.metrics.add('checks', ok, { ...o.tags, ...tags, check });
        if (!ok) all = false;
      }
      return all;
    },
    warn: o.warn,
    close: () => http.close(),
  };
  return vu;
}
