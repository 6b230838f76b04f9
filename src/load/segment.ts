import { UsageError } from '../errors.js';

export interface Segment {
  /** 1-based index of this machine's share. */
  index: number;
  count: number;
}

/** Parses `--segment i/n` (1 ≤ i ≤ n ≤ 1000). */
export function parseSegment(text: string): Segment {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > 1000 || index < 1 || index > count) {
    throw new UsageError(`--segment must be i/n with 1 ≤ i ≤ n ≤ 1000, e.g. 2/4 (got "${text}")`);
  }
  return { index, count };
}

function frac(k: number, n: number): string {
  if (k === 0) return '0';
  if (k === n) return '1';
  return `${k}/${n}`;
}

/**
 * k6 flags for share i of n: `--execution-segment (i-1)/n:i/n` and the full sequence
 * `0,1/n,…,1`, so every machine splits VUs and iterations the same way and the shares add up.
 */
export function segmentArgs(seg: Segment): string[] {
  const seq = Array.from({ length: seg.count + 1 }, (_, k) => frac(k, seg.count)).join(',');
  return [
    '--execution-segment',
    `${frac(seg.index - 1, seg.count)}:${frac(seg.index, seg.count)}`,
    '--execution-segment-sequence',
    seq,
  ];
}
