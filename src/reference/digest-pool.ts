/**
 * md5 and sha512 computed on two worker threads while the main thread keeps receiving and
 * writing. Data travels through fixed shared-memory slabs, so nothing is copied per hash and a
 * slow hash holds the upload back (backpressure) instead of buffering it.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS: evaluated as a worker script, so it runs the same under tsx and compiled builds.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    jobs.set(m.job, createHash(m.algorithm));
  } else if (m.type === 'data') {
    const h = jobs.get(m.job);
    if (h) h.update(new Uint8Array(m.sab, m.offset, m.length));
    parentPort.postMessage({ type: 'done', job: m.job, slot: m.slot });
  } else if (m.type === 'end') {
    const h = jobs.get(m.job);
    jobs.delete(m.job);
    parentPort.postMessage({ type: 'digest', job: m.job, hex: h ? h.digest('hex') : '' });
  } else if (m.type === 'abort') {
    jobs.delete(m.job);
  }
});
`;

type Reply =
  | { type: 'done'; job: number; slot: number }
  | { type: 'digest'; job: number; hex: string }
  | { type: 'failed'; job: number; error: Error };

/** One hashing thread serving many concurrent jobs for one algorithm. */
class HashThread {
  private readonly worker: Worker;
  private readonly listeners = new Map<number, (reply: Reply) => void>();
  private failure: Error | undefined;

  constructor(readonly algorithm: 'md5' | 'sha512') {
    // The script is plain CommonJS: the parent's loader flags (tsx, -e, --input-type) must not apply.
    this.worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.listeners.get(reply.job)?.(reply));
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const [job, listener] of [...this.listeners])
        listener({ type: 'failed', job, error: this.failure });
      this.listeners.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`${algorithm} hashing thread exited with code ${code}`)));
  }

  get broken(): Error | undefined {
    return this.failure;
  }

  listen(job: number, fn: (reply: Reply) => void): void {
    this.listeners.set(job, fn);
  }

  forget(job: number): void {
    this.listeners.delete(job);
  }

  post(message: Record<string, unknown>): void {
    this.worker.postMessage(message);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A running two-algorithm digest over slabs the caller fills. */
export class DigestJob {
  private readonly pool: DigestPool;
  readonly id: number;
  private readonly pending = new Map<'md5' | 'sha512', (hex: string) => void>();

  private failure: Error | undefined;
  private readonly rejecters = new Set<(err: Error) => void>();

  constructor(
    pool: DigestPool,
    id: number,
    onSlabHashed: (slot: number) => void,
    onFailure: (err: Error) => void,
  ) {
    this.pool = pool;
    this.id = id;
    for (const t of pool.threads) {
      t.listen(id, (reply) => {
        if (reply.type === 'done') onSlabHashed(reply.slot);
        else if (reply.type === 'digest') this.pending.get(t.algorithm)?.(reply.hex);
        else if (!this.failure) {
          this.failure = reply.error;
          onFailure(reply.error);
          for (const reject of this.rejecters) reject(reply.error);
        }
      });
      t.post({ type: 'start', job: id, algorithm: t.algorithm });
    }
  }

  /** Hands one filled slab region to both threads; `onSlabHashed` fires once per thread. */
  hash(sab: SharedArrayBuffer, offset: number, length: number, slot: number): void {
    for (const t of this.pool.threads) t.post({ type: 'data', job: this.id, sab, offset, length, slot });
  }

  /** Both digests, once every slab handed over has been hashed. */
  async finish(): Promise<{ md5: string; sha512: string }> {
    try {
      const [md5, sha512] = await Promise.all(
        this.pool.threads.map(
          (t) =>
            new Promise<string>((resolve, reject) => {
              if (this.failure) {
                reject(this.failure);
                return;
              }
              this.rejecters.add(reject);
              this.pending.set(t.algorithm, resolve);
              t.post({ type: 'end', job: this.id });
            }),
        ),
      );
      return { md5: md5 ?? '', sha512: sha512 ?? '' };
    } finally {
      this.release();
    }
  }

  /** Drops the job (upload failed). */
  abort(): void {
    for (const t of this.pool.threads) t.post({ type: 'abort', job: this.id });
    this.release();
  }

  private release(): void {
    for (const t of this.pool.threads) t.forget(this.id);
  }
}

/** The two hashing threads, started on first use and stopped by close(). */
export class DigestPool {
  private started: HashThread[] | undefined;
  private nextJob = 1;

  get threads(): HashThread[] {
    this.started ??= [new HashThread('md5'), new HashThread('sha512')];
    return this.started;
  }

  start(onSlabHashed: (slot: number) => void, onFailure: (err: Error) => void): DigestJob {
    return new DigestJob(this, this.nextJob++, onSlabHashed, onFailure);
  }

  async close(): Promise<void> {
    const threads = this.started;
    this.started = undefined;
    if (threads) await Promise.all(threads.map((t) => t.terminate()));
  }

  /** Drops crashed threads so the next job starts fresh ones. */
  recycle(): void {
    if (this.started?.some((t) => t.broken)) {
      const old = this.started;
      this.started = undefined;
      for (const t of old) void t.terminate();
    }
  }
}
