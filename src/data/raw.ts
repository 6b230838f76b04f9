import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../errors.js';
import type { GeneratedImage } from './hash.js';
import { type Digests, HashingStream } from './hash.js';

/** Seed used when none is given, so two runs of the harness upload the same bytes. */
export const DEFAULT_SEED = 'glance-harness';

/** Bytes per chunk pushed by the generated streams. */
export const CHUNK_SIZE = 1 << 20;

/** The pattern repeats its base block every BLOCK_SIZE bytes, apart from the page stamps. */
const BLOCK_SIZE = 1 << 20;

/** Every page of this size carries a stamp of its page number, so no two pages of an image are equal. */
const PAGE_SIZE = 4096;

const STAMP_SIZE = 8;
const TWO_POW_32 = 2 ** 32;

/**
 * Deterministic pseudo-random bytes, a pure function of (seed, offset).
 *
 * One 1 MiB block of AES-CTR keystream is derived from the seed; byte `o` of the pattern is
 * byte `o mod 1 MiB` of that block, except the first 8 bytes of every 4 KiB page, which are
 * XORed with the page number. Filling costs one memcpy plus 256 small writes per MiB, and
 * no 4 KiB page repeats, so block-level deduplication or compression cannot shrink an upload.
 */
export class ImagePattern {
  private readonly block: Buffer;

  constructor(seed: string = DEFAULT_SEED) {
    const material = createHash('sha256').update('glance-harness/pattern/v1\0').update(seed).digest();
    const cipher = createCipheriv('aes-128-ctr', material.subarray(0, 16), material.subarray(16, 32));
    this.block = cipher.update(Buffer.alloc(BLOCK_SIZE));
  }

  /** Fills `target` with the pattern bytes at [offset, offset + target.length). */
  fill(target: Buffer, offset: number): void {
    const end = offset + target.length;
    let pos = offset;
    while (pos < end) {
      const inBlock = pos % BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - inBlock, end - pos);
      this.block.copy(target, pos - offset, inBlock, inBlock + n);
      pos += n;
    }
    const stamp = Buffer.allocUnsafe(STAMP_SIZE);
    for (let page = Math.floor(offset / PAGE_SIZE); page * PAGE_SIZE < end; page++) {
      const start = page * PAGE_SIZE;
      if (start + STAMP_SIZE <= offset) continue;
      const base = start % BLOCK_SIZE;
      stamp.writeUInt32BE((this.block.readUInt32BE(base) ^ Math.floor(page / TWO_POW_32)) >>> 0, 0);
      stamp.writeUInt32BE((this.block.readUInt32BE(base + 4) ^ page) >>> 0, 4);
      const from = Math.max(start, offset);
      const to = Math.min(start + STAMP_SIZE, end);
      stamp.copy(target, from - offset, from - start, to - start);
    }
  }

  /** A new buffer holding the pattern bytes at [offset, offset + length). */
  slice(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    this.fill(out, offset);
    return out;
  }
}

/** Readable over [0, size) of a pattern, one chunk per read, so memory stays flat at any size. */
class PatternReadable extends Readable {
  private pos = 0;

  constructor(
    private readonly pattern: ImagePattern,
    private readonly total: number,
  ) {
    super({ highWaterMark: CHUNK_SIZE });
  }

  override _read(): void {
    if (this.pos >= this.total) {
      this.push(null);
      return;
    }
    const n = Math.min(CHUNK_SIZE, this.total - this.pos);
    const chunk = this.pattern.slice(this.pos, n);
    this.pos += n;
    this.push(chunk);
  }
}

/** Throws InputError unless `value` is a non-negative safe integer. */
function checkByteCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`${name} must be a non-negative integer number of bytes (got ${value})`);
  }
}

/** Exactly `size` bytes of deterministic pseudo-random content for `seed`, streamed in 1 MiB chunks. */
export function rawImageStream(size: number, seed: string = DEFAULT_SEED): Readable {
  checkByteCount('Raw image size', size);
  return new PatternReadable(new ImagePattern(seed), size);
}

/** Writes `source` to `path` and returns the md5/sha512/size of what was written. */
export async function writeHashed(source: Readable, path: string): Promise<Digests> {
  const hasher = new HashingStream();
  await pipeline(source, hasher, createWriteStream(path));
  return hasher.digests();
}

/** md5/sha512/size of everything `source` yields, keeping none of it. */
export async function digestStream(source: Readable): Promise<Digests> {
  const hasher = new HashingStream();
  const sink = new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
  await pipeline(source, hasher, sink);
  return hasher.digests();
}

/**
 * Writes a raw image of `size` bytes to `path`, hashing it in the same pass. One buffer is filled,
 * hashed and written again and again: no chunk is left for the collector, so a 10 GiB image costs
 * the process 1 MiB, not the tens of MiB of dead chunks a stream would leave between collections.
 */
export async function writeRawImage(
  path: string,
  size: number,
  seed: string = DEFAULT_SEED,
): Promise<GeneratedImage> {
  checkByteCount('Raw image size', size);
  const pattern = new ImagePattern(seed);
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const file = await open(path, 'w');
  try {
    for (let pos = 0; pos < size; pos += CHUNK_SIZE) {
      const chunk = buf.subarray(0, Math.min(CHUNK_SIZE, size - pos));
      pattern.fill(chunk, pos);
      md5.update(chunk);
      sha512.update(chunk);
      for (let done = 0; done < chunk.length; ) {
        const { bytesWritten } = await file.write(chunk, done, chunk.length - done, pos + done);
        done += bytesWritten;
      }
    }
  } finally {
    await file.close();
  }
  return {
    path,
    size,
    md5: md5.digest('hex'),
    sha512: sha512.digest('hex'),
    diskFormat: 'raw',
    virtualSize: size,
  };
}

/** md5/sha512/size of the raw image `rawImageStream(size, seed)` would produce, without a file. */
export function rawImageDigests(size: number, seed: string = DEFAULT_SEED): Promise<Digests> {
  return digestStream(rawImageStream(size, seed));
}
