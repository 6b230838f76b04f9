/**
 * The filesystem store: image data lives in `<dataDir>/images/<id>`, staged data (glance-direct)
 * in `<dataDir>/staging/<id>`. Ingest hashes md5 and sha512 in the same pass that writes the file,
 * streaming with backpressure so a large upload never sits in memory.
 */
import { createHash } from 'node:crypto';
import { close, createReadStream, open, writev } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type DigestJob, DigestPool } from './digest-pool.js';

/** What one ingest pass learnt about the bytes. */
export interface IngestResult {
  size: number;
  md5: string;
  sha512: string;
  /** The first bytes, enough to read a disk-image header. */
  head: Buffer;
}

const HEAD_BYTES = 512;

/**
 * The destination file of one ingest. Counts writes in flight so the descriptor is closed only
 * once the thread pool has finished with it (a descriptor closed early can be reused by another
 * open() and receive stray bytes).
 */
class FileTarget {
  private fd: number | null = null;
  private inflight = 0;
  private onIdle: (() => void) | null = null;
  private closed = false;

  static open(path: string, done: (err: Error | null, target?: FileTarget) => void): void {
    open(path, 'w', 0o640, (err, fd) => {
      if (err) {
        done(err);
        return;
      }
      const t = new FileTarget();
      t.fd = fd;
      done(null, t);
    });
  }

  /** Writes all of `bufs` at `position`, retrying short writes. */
  write(bufs: Buffer[], position: number, done: (err: Error | null) => void): void {
    const fd = this.fd;
    if (fd === null) {
      done(new Error('write after close'));
      return;
    }
    this.inflight++;
    const finish = (err: Error | null) => {
      this.inflight--;
      done(err);
      if (this.inflight === 0) {
        const idle = this.onIdle;
        this.onIdle = null;
        idle?.();
      }
    };
    const remaining = bufs.reduce((n, b) => n + b.length, 0);
    const step = (list: Buffer[], left: number, at: number): void => {
      writev(fd, list, at, (err, written) => {
        if (err) {
          finish(err);
          return;
        }
        if (written >= left) {
          finish(null);
          return;
        }
        let skip = written;
        const rest: Buffer[] = [];
        for (const b of list) {
          if (skip >= b.length) {
            skip -= b.length;
            continue;
          }
          rest.push(skip > 0 ? b.subarray(skip) : b);
          skip = 0;
        }
        step(rest, left - written, at + written);
      });
    };
    step(bufs, remaining, position);
  }

  /** Closes the descriptor once no write is in flight. */
  close(done: (err?: Error | null) => void): void {
    if (this.closed || this.fd === null) {
      done();
      return;
    }
    if (this.inflight > 0) {
      this.onIdle = () => this.close(done);
      return;
    }
    this.closed = true;
    const fd = this.fd;
    this.fd = null;
    close(fd, (err) => done(err));
  }
}

/** Keeps the first bytes of a stream (for header sniffing). */
class HeadKeeper {
  private readonly parts: Buffer[] = [];
  private length = 0;

  take(chunk: Buffer): void {
    if (this.length >= HEAD_BYTES) return;
    const part = chunk.subarray(0, HEAD_BYTES - this.length);
    this.parts.push(Buffer.from(part));
    this.length += part.length;
  }

  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Small bodies: hashes every chunk on this thread and appends it with batched writev calls. */
class HashingFileSink extends Writable {
  private readonly md5 = createHash('md5');
  private readonly sha512 = createHash('sha512');
  private readonly path: string | null;
  private target: FileTarget | null = null;
  private bytes = 0;
  private readonly head = new HeadKeeper();
  result: IngestResult | undefined;

  constructor(path: string | null) {
    super({ highWaterMark: 4 * 1024 * 1024 });
    this.path = path;
  }

  override _construct(done: (err?: Error | null) => void): void {
    if (this.path === null) {
      done();
      return;
    }
    FileTarget.open(this.path, (err, target) => {
      this.target = target ?? null;
      done(err);
    });
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, done: (err?: Error | null) => void): void {
    this.put(
      chunks.map((c) => c.chunk),
      done,
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.put([chunk], done);
  }

  private put(bufs: Buffer[], done: (err?: Error | null) => void): void {
    const position = this.bytes;
    for (const b of bufs) {
      this.md5.update(b);
      this.sha512.update(b);
      this.head.take(b);
      this.bytes += b.length;
    }
    if (this.target) this.target.write(bufs, position, done);
    else done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.result = {
      size: this.bytes,
      md5: this.md5.digest('hex'),
      sha512: this.sha512.digest('hex'),
      head: this.head.bytes,
    };
    if (this.target) this.target.close(done);
    else done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.target) this.target.close(() => done(err));
    else done(err);
  }
}

const SLAB = 1024 * 1024;
const SLABS = 8;

/**
 * Large bodies: chunks are copied into shared slabs; each full slab goes to the md5 and sha512
 * threads and to a positioned file write at the same time, and is reused once all three are done.
 * With every slab busy the sink stops accepting, which pauses the socket.
 */
class ParallelIngestSink extends Writable {
  private readonly sab = new SharedArrayBuffer(SLAB * SLABS);
  private readonly view = Buffer.from(this.sab);
  private readonly busy = new Array<number>(SLABS).fill(0);
  private readonly free: number[] = Array.from({ length: SLABS }, (_, i) => SLABS - 1 - i);
  private readonly pool: DigestPool;
  private readonly path: string | null;
  private job: DigestJob | undefined;
  private target: FileTarget | null = null;
  private current = -1;
  private fill = 0;
  private position = 0;
  private bytes = 0;
  private readonly head = new HeadKeeper();
  private failure: Error | null = null;
  private blocked: (() => void) | null = null;
  private drained: (() => void) | null = null;
  result: IngestResult | undefined;

  constructor(pool: DigestPool, path: string | null) {
    super({ highWaterMark: SLAB });
    this.pool = pool;
    this.path = path;
  }

  override _construct(done: (err?: Error | null) => void): void {
    this.job = this.pool.start(
      (slot) => this.settle(slot),
      (err) => this.abandon(err),
    );
    if (this.path === null) {
      done();
      return;
    }
    FileTarget.open(this.path, (err, target) => {
      this.target = target ?? null;
      done(err);
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.head.take(chunk);
    this.bytes += chunk.length;
    let offset = 0;
    const step = (): void => {
      while (offset < chunk.length) {
        if (this.failure) {
          done(this.failure);
          return;
        }
        if (this.current < 0) {
          const slot = this.free.pop();
          if (slot === undefined) {
            this.blocked = step;
            return;
          }
          this.current = slot;
          this.fill = 0;
        }
        const n = Math.min(SLAB - this.fill, chunk.length - offset);
        chunk.copy(this.view, this.current * SLAB + this.fill, offset, offset + n);
        this.fill += n;
        offset += n;
        if (this.fill === SLAB) this.dispatch();
      }
      done(this.failure);
    };
    step();
  }

  private dispatch(): void {
    const slot = this.current;
    const length = this.fill;
    const start = slot * SLAB;
    this.current = -1;
    this.fill = 0;
    if (length === 0) {
      this.free.push(slot);
      return;
    }
    const target = this.target;
    this.busy[slot] = target === null ? 2 : 3;
    this.job?.hash(this.sab, start, length, slot);
    if (target === null) return;
    const position = this.position;
    this.position += length;
    target.write([this.view.subarray(start, start + length)], position, (err) => {
      if (err) this.failure ??= err;
      this.settle(slot);
    });
  }

  private settle(slot: number): void {
    const left = (this.busy[slot] ?? 1) - 1;
    this.busy[slot] = Math.max(0, left);
    if (left > 0) return;
    this.free.push(slot);
    const resume = this.blocked;
    this.blocked = null;
    resume?.();
    if (this.free.length === SLABS && this.current < 0) {
      const drained = this.drained;
      this.drained = null;
      drained?.();
    }
  }

  /** A hashing thread died: fail the upload instead of waiting for slabs that never come back. */
  private abandon(err: Error): void {
    this.failure ??= err;
    this.busy.fill(0);
    this.free.splice(0, this.free.length, ...Array.from({ length: SLABS }, (_, i) => i));
    const resume = this.blocked;
    this.blocked = null;
    resume?.();
    const drained = this.drained;
    this.drained = null;
    drained?.();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.current >= 0) this.dispatch();
    const finish = () => {
      const job = this.job;
      if (this.failure || !job) {
        done(this.failure ?? new Error('digest job missing'));
        return;
      }
      this.job = undefined;
      job.finish().then(
        ({ md5, sha512 }) => {
          this.result = { size: this.bytes, md5, sha512, head: this.head.bytes };
          if (this.target) this.target.close(done);
          else done();
        },
        (err: Error) => done(err),
      );
    };
    if (this.free.length === SLABS) finish();
    else this.drained = finish;
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.job?.abort();
    this.job = undefined;
    if (this.target) this.target.close(() => done(err));
    else done(err);
  }
}

/** Bodies below this go through the inline sink; hashing threads pay off above it. */
const PARALLEL_THRESHOLD = 4 * SLAB;

export type Area = 'images' | 'staging';

/** The image store on disk, with md5/sha512 computed during ingest. */
export class DataStore {
  readonly dir: string;
  private readonly pool = new DigestPool();

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates the store and staging directories. */
  async init(): Promise<void> {
    await mkdir(join(this.dir, 'images'), { recursive: true });
    await mkdir(join(this.dir, 'staging'), { recursive: true });
  }

  /** Path of an image's data file. */
  path(id: string, area: Area = 'images'): string {
    return join(this.dir, area, id);
  }

  /**
   * Streams `source` into the store (or nowhere when `area` is null), hashing as it goes.
   * `expectedSize` (the Content-Length, when known) picks the threaded path for large bodies.
   * On failure the partial file is removed and the error rethrown.
   */
  async ingest(
    source: Readable,
    id: string,
    area: Area | null,
    expectedSize?: number,
  ): Promise<IngestResult> {
    const path = area === null ? null : this.path(id, area);
    const large = expectedSize === undefined || expectedSize >= PARALLEL_THRESHOLD;
    this.pool.recycle();
    const sink = large ? new ParallelIngestSink(this.pool, path) : new HashingFileSink(path);
    try {
      await pipeline(source, sink);
    } catch (err) {
      if (path !== null) await rm(path, { force: true });
      throw err;
    }
    if (!sink.result) throw new Error('ingest finished without digests');
    return sink.result;
  }

  /** Size on disk, or undefined when the file is missing. */
  async size(id: string, area: Area = 'images'): Promise<number | undefined> {
    try {
      return (await stat(this.path(id, area))).size;
    } catch {
      return undefined;
    }
  }

  /** A reader over [start, end] (inclusive) of an image's data. */
  reader(id: string, start?: number, end?: number): Readable {
    return createReadStream(this.path(id), { start, end, highWaterMark: 1024 * 1024 });
  }

  /** Moves staged data into the store. */
  async promote(id: string): Promise<void> {
    await rename(this.path(id, 'staging'), this.path(id, 'images'));
  }

  /** Stops the hashing threads. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Removes an image's data (both areas); missing files are fine. */
  async remove(id: string): Promise<void> {
    await rm(this.path(id, 'images'), { force: true });
    await rm(this.path(id, 'staging'), { force: true });
  }
}
