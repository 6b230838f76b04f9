import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

/**
 * What k6 needs beyond the bodies: the process itself and its metrics engine (measured: about 60 MiB
 * for one VU), plus a margin for each VU's JavaScript runtime.
 */
export const K6_BASE_BYTES = 160 * 2 ** 20;
export const PER_VU_OVERHEAD_BYTES = 24 * 2 ** 20;
/**
 * Image-sized copies k6 holds, from bench/load.ts against the lab (1 GiB raw, k6 v1.8.1, two runs:
 * peak RSS 7.6 and 6.7 GiB with 1 VU, 17.1 and 16.7 GiB with 4 VUs): about 3.2 per uploading VU
 * (its buffer, the request body k6 builds from it and the copy it keeps on the response, k6 issues
 * #2311/#2899, plus Go's GC headroom) and about 4.6 held once (the shared k6/experimental/fs file, the
 * init VU's copy, GC headroom). These bound all four measurements from above.
 */
export const UPLOAD_COPIES_PER_VU = 3.2;
export const UPLOAD_COPIES_SHARED = 4.6;
/** Leave this share of the available memory to everything else. */
export const HEADROOM = 0.15;

export interface MemoryPlan {
  /** Bytes k6 is expected to need. */
  requiredBytes: number;
  /** Bytes the guard allows k6 (available minus headroom). */
  budgetBytes: number;
  availableBytes: number;
  /** Largest VU count that fits the budget (0 when not even one does). */
  maxSafeVus: number;
  fits: boolean;
}

export interface MemoryInput {
  scenario: string;
  vus: number;
  /** Image size in bytes (0 for churn). */
  imageBytes: number;
  availableBytes: number;
}

/** Bytes held once whatever the VU count. Download's setup uploads the image once, like one upload VU. */
function sharedBytes(scenario: string, imageBytes: number): number {
  if (scenario === 'large-upload') return Math.ceil(UPLOAD_COPIES_SHARED * imageBytes);
  if (scenario === 'download') return Math.ceil((UPLOAD_COPIES_SHARED + UPLOAD_COPIES_PER_VU) * imageBytes);
  return 0;
}

function perVuBytes(scenario: string, imageBytes: number): number {
  // Downloads discard the body (responseType none), so only uploads hold image-sized memory per VU.
  return (
    PER_VU_OVERHEAD_BYTES + (scenario === 'large-upload' ? Math.ceil(UPLOAD_COPIES_PER_VU * imageBytes) : 0)
  );
}

/** VUs × (image copies + overhead) + shared + base, against the available memory less headroom. */
export function planMemory(input: MemoryInput): MemoryPlan {
  const fixed = K6_BASE_BYTES + sharedBytes(input.scenario, input.imageBytes);
  const perVu = perVuBytes(input.scenario, input.imageBytes);
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
  return (
    `Memory guard: ${input.vus} VU(s) × ${size} ${input.scenario} needs about ${formatBytes(plan.requiredBytes)} ` +
    `(k6 holds ${input.scenario === 'large-upload' ? UPLOAD_COPIES_PER_VU : 0} copies of the body per VU, ` +
    `k6 issues #2311/#2899), but only ${formatBytes(plan.budgetBytes)} of ${formatBytes(plan.availableBytes)} ` +
    `available may be used; ${advice}`
  );
}
