import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

import type { MemoryModel } from './engine/scenario.js';

export type EngineName = 'harness' | 'k6';

/**
 * The harness engine's own share: Node, the CLI, the metrics and one V8 isolate per worker thread.
 * Its goal is at most this plus 16 MiB per VU at any image size (bench/load.ts measures it).
 */
export const ENGINE_BASE_BYTES = 150 * 2 ** 20;
/** Each worker thread beyond the first: a V8 isolate with the bundled worker (measured 20–35 MiB). */
export const ENGINE_THREAD_BYTES = 40 * 2 ** 20;
/** What k6 needs beyond the bodies: the process and its metrics engine (measured: about 60 MiB for one VU). */
export const K6_BASE_BYTES = 160 * 2 ** 20;
/** k6's margin per VU for its JavaScript runtime, image copies aside. */
export const PER_VU_OVERHEAD_BYTES = 24 * 2 ** 20;
/** Leave this share of the available memory to everything else. */
export const HEADROOM = 0.15;

export interface MemoryPlan {
  /** Bytes the engine is expected to need. */
  requiredBytes: number;
  /** Bytes the guard allows (available minus headroom). */
  budgetBytes: number;
  availableBytes: number;
  /** Largest VU count that fits the budget (0 when not even one does). */
  maxSafeVus: number;
  fits: boolean;
}

export interface MemoryInput {
  scenario: string;
  engine: EngineName;
  /** The scenario's own model (its file says what it holds). */
  model: MemoryModel;
  vus: number;
  /** Harness engine: its worker threads. */
  threads?: number;
  /** Image size in bytes (0 when the scenario moves no data). */
  imageBytes: number;
  availableBytes: number;
}

/** Bytes held once and per VU, from the engine's base and the scenario's model. */
function costs(i: MemoryInput): { fixed: number; perVu: number } {
  if (i.engine === 'harness')
    return {
      fixed: ENGINE_BASE_BYTES + ((i.threads ?? 1) - 1) * ENGINE_THREAD_BYTES + i.model.harness.fixedBytes,
      perVu: i.model.harness.perVuBytes,
    };
  return {
    fixed: K6_BASE_BYTES + Math.ceil(i.model.k6.copiesShared * i.imageBytes),
    perVu: PER_VU_OVERHEAD_BYTES + Math.ceil(i.model.k6.copiesPerVu * i.imageBytes),
  };
}

/** VUs × per-VU bytes + fixed bytes, against the available memory less headroom. */
export function planMemory(input: MemoryInput): MemoryPlan {
  const { fixed, perVu } = costs(input);
  const budgetBytes = Math.floor(input.availableBytes * (1 - HEADROOM));
  const requiredBytes = fixed + input.vus * perVu;
  const maxSafeVus = Math.max(0, Math.floor((budgetBytes - fixed) / perVu));
  return {
    requiredBytes,
    budgetBytes,
    availableBytes: input.availableBytes,
    maxSafeVus,
    fits: requiredBytes <= budgetBytes,
  };
}

/** MemAvailable from /proc/meminfo (page cache counts as available), else the OS's free memory. */
export function availableMemory(meminfo = '/proc/meminfo'): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync(meminfo, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return freemem();
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  return `${n} B`;
}

/** The refusal line, naming the figures and the largest safe VU count. */
export function memoryRefusal(input: MemoryInput, plan: MemoryPlan): string {
  const size = formatBytes(input.imageBytes);
  const advice =
    plan.maxSafeVus > 0
      ? `the largest safe VU count for ${size} images is ${plan.maxSafeVus} (--vus ${plan.maxSafeVus})`
      : `not even one VU fits: use a smaller --size`;
  const why =
    input.engine === 'k6'
      ? `k6 holds ${input.model.k6.copiesPerVu} copies of the body per VU, k6 issues #2311/#2899`
      : `the harness engine streams bodies: ${formatBytes(input.model.harness.perVuBytes)} per VU`;
  return (
    `Memory guard: ${input.vus} VU(s) × ${size} ${input.scenario} with the ${input.engine} engine needs about ` +
    `${formatBytes(plan.requiredBytes)} (${why}), but only ${formatBytes(plan.budgetBytes)} of ` +
    `${formatBytes(plan.availableBytes)} available may be used; ${advice}`
  );
}

/** Peak resident set size of a process (Linux /proc VmHWM; 'self' for this one), in bytes. */
export function peakRssOf(pid: number | 'self' | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
