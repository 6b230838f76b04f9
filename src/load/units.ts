// Sizes and durations as operators write them on the command line and read them in reports.
import { UsageError } from '../errors.js';

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KIB: 2 ** 10,
  MIB: 2 ** 20,
  GIB: 2 ** 30,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
};

/** `64MiB`, `1GiB`, `500MB`, `1048576` → bytes (1 B to 64 GiB). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?$/i.exec(text.trim());
  const n = m
    ? Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'B').toUpperCase()] ?? Number.NaN))
    : Number.NaN;
  if (!Number.isFinite(n) || n < 1 || n > 64 * 2 ** 30)
    throw new UsageError(
      `--size must be a size from 1B to 64GiB such as 64MiB, 1GiB or 500MB (got "${text}")`,
    );
  return n;
}

/** `30s`, `5m`, `1h`, `90` (seconds) → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h)?$/.exec(text.trim());
  const n = m ? Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'] ?? 1) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 24 * 3600)
    throw new UsageError(`--duration must be like 30s, 5m or 1h, at most 24h (got "${text}")`);
  return n;
}

/** `1GiB`, `64MiB`, `256KiB` or bytes: the `size` tag of the metrics. */
export function sizeLabel(bytes: number): string {
  if (bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}GiB`;
  if (bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20}MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}B`;
}
