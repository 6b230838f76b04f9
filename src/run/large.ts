import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 2 ** 10,
  m: 1e6,
  mb: 1e6,
  mib: 2 ** 20,
  g: 1e9,
  gb: 1e9,
  gib: 2 ** 30,
  t: 1e12,
  tb: 1e12,
  tib: 2 ** 40,
};

/** Smallest --large worth the name; below it the regular data checks already cover the size. */
export const LARGE_MIN_BYTES = 2 ** 20;

/** Largest --large: Glance's default `image_size_cap` (1 TiB); a bigger image is refused with 413 anyway. */
export const LARGE_MAX_BYTES = 2 ** 40;

/** Parses `--large` ("4GiB", "500MB", "1073741824") into bytes; UsageError (exit 2) otherwise. */
export function parseLargeSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const scale = m ? UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || scale === undefined) {
    throw new UsageError(`--large must be a size such as 4GiB, 500MiB or 2GB (got "${text}")`);
  }
  const bytes = Math.round(Number(m[1]) * scale);
  if (bytes < LARGE_MIN_BYTES || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`--large must be at least 1MiB (got "${text}")`);
  }
  if (bytes > LARGE_MAX_BYTES) {
    throw new UsageError(`--large must be at most 1TiB, Glance's default image_size_cap (got "${text}")`);
  }
  return bytes;
}
