// How a profile's executor is shared: first between segments (processes or machines, `--segment
// i/n`), then between this process's worker threads. Every share is a slice of one global numbering
// of VUs and iterations, so the shares add up to the whole profile exactly, however it is cut.
import { UsageError } from '../../errors.js';
import type { Segment } from '../segment.js';
import type { Executor } from './scenario.js';

/** One slice of the global numbering: the items k with k ≡ offset (mod stride). */
export interface Slice {
  offset: number;
  stride: number;
}

export const WHOLE: Slice = { offset: 0, stride: 1 };

/** How many of the items 0..total-1 fall in the slice. */
export function sliceCount(total: number, s: Slice): number {
  return total > s.offset ? Math.ceil((total - s.offset) / s.stride) : 0;
}

/** Part `index` (0-based) of `count` of a slice. */
export function subSlice(s: Slice, index: number, count: number): Slice {
  return { offset: s.offset + index * s.stride, stride: s.stride * count };
}

/** The slice of segment i/n (1-based i). */
export function segmentSlice(seg?: Segment): Slice {
  return seg ? { offset: seg.index - 1, stride: seg.count } : WHOLE;
}

/** VUs a slice runs: for arrival-rate its share of maxVUs (the pool may grow to it). */
export function vusOf(e: Executor, s: Slice): number {
  if (e.type === 'ramping-arrival-rate') return Math.max(1, sliceCount(e.maxVUs, s));
  return sliceCount(e.vus, s);
}

/** Refuses a split that would leave a share with nothing to run on (exit 2, before anything starts). */
export function checkSplit(e: Executor, seg: Segment | undefined): void {
  if (!seg) return;
  const vus = e.type === 'ramping-arrival-rate' ? e.maxVUs : e.vus;
  if (vus < seg.count)
    throw new UsageError(
      `--segment ${seg.index}/${seg.count}: ${vus} VU(s) cannot be split ${seg.count} ways; use --vus ${seg.count} or more`,
    );
  if (e.type === 'shared-iterations' && e.iterations < seg.count)
    throw new UsageError(
      `--segment ${seg.index}/${seg.count}: ${e.iterations} iteration(s) cannot be split ${seg.count} ways; use --iterations ${seg.count} or more`,
    );
}

/** Global VU numbers (1-based) of a slice of `total` VUs. */
export function vuIds(total: number, s: Slice): number[] {
  const out: number[] = [];
  for (let k = s.offset; k < total; k += s.stride) out.push(k + 1);
  return out;
}

/** Arrival rate (iterations per second) at time t of a ramping-arrival-rate executor. */
function rateAt(e: Extract<Executor, { type: 'ramping-arrival-rate' }>, t: number): number {
  let from = e.startRate;
  let start = 0;
  for (const st of e.stages) {
    if (t < start + st.durationS)
      return (from + ((st.target - from) * (t - start)) / st.durationS) / e.timeUnitS;
    from = st.target;
    start += st.durationS;
  }
  return 0;
}

export function totalDurationS(e: Executor): number {
  if (e.type === 'shared-iterations') return e.maxDurationS;
  if (e.type === 'constant-vus') return e.durationS;
  return e.stages.reduce((s, st) => s + st.durationS, 0);
}

/**
 * Start times (seconds from the start) of the iterations of an arrival-rate executor that fall in
 * the slice. The k-th global iteration starts when the integral of the rate reaches k, as in k6; the
 * integral is stepped in 1 ms increments, which is exact enough for rates up to thousands per second.
 */
export function* arrivals(
  e: Extract<Executor, { type: 'ramping-arrival-rate' }>,
  s: Slice,
): Generator<number> {
  const end = totalDurationS(e);
  const dt = 0.001;
  let area = 0;
  let k = 0;
  for (let t = 0; t < end; t += dt) {
    while (area >= k) {
      if (k % s.stride === s.offset % s.stride && k >= s.offset) yield t;
      k += 1;
    }
    area += ((rateAt(e, t) + rateAt(e, Math.min(t + dt, end))) / 2) * dt;
  }
}
