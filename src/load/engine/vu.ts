// One virtual user: its own Image API client on its own undici agent (its own connections), every
// exchange timed into the http_* metrics under the operation the scenario names.
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
