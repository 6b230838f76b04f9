import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Digests of one pass over some bytes. */
export interface Digests {
  size: number;
  md5: string;
  sha512: string;
}

/** Hashes md5 and sha512 of every chunk that passes through, without holding the data. */
export class HashingStream extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly sha512: Hash = createHash('sha512');
  private bytes = 0;
  private result: Digests | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk);
    this.sha512.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = { size: this.bytes, md5: this.md5.digest('hex'), sha512: this.sha512.digest('hex') };
    done();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.bytes;
  }

  /** The digests, available once the stream has ended. */
  digests(): Digests {
    if (!this.result) throw new Error('HashingStream.digests() called before the stream ended');
    return this.result;
  }
}

/** md5 and sha512 of an in-memory buffer. */
export function digestBuffer(data: Uint8Array): Digests {
  return {
    size: data.length,
    md5: createHash('md5').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
  };
}

/** An image file the harness generated, with the digests Glance should report for it. */
export interface GeneratedImage {
  path: string;
  /** File size in bytes (what Glance stores as `size`). */
  size: number;
  md5: string;
  sha512: string;
  diskFormat: 'raw' | 'qcow2';
  /** Guest disk size in bytes (what Glance reports as `virtual_size`). */
  virtualSize: number;
}
