// Amazon kernel (aki), ramdisk (ari) and machine (ami) images. Glance stores their bytes as given:
// Zed has no format inspector for them, and releases that check data against disk_format treat them
// as raw, so a raw-like file that carries no other format's magic is what each of them accepts.
import type { FormatOptions } from './common.js';
import { buildRaw } from './raw.js';

/** An aki (kernel) image: raw bytes. */
export function buildAki(opts: FormatOptions): Buffer {
  return buildRaw(opts);
}

/** An ari (ramdisk) image: raw bytes. */
export function buildAri(opts: FormatOptions): Buffer {
  return buildRaw(opts);
}

/** An ami (machine) image: a raw disk. */
export function buildAmi(opts: FormatOptions): Buffer {
  return buildRaw(opts);
}
