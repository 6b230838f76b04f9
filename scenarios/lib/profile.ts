// The profile the data-moving scenarios (large-upload, download) share: an image size, VUs, and a
// number of iterations or a duration, with the k6 executor that goes with each.
import type { Executor, Profile, ProfileInput } from '../../src/load/engine/scenario.js';

const MiB = 2 ** 20;

/** Defaults: 256 MiB (smoke 1 MiB), 3 iterations per VU (smoke 1), unless a duration is given. */
export function dataProfile(p: ProfileInput, defaults: { vus: number; minMbps: number }): Profile {
  const vus = p.vus ?? defaults.vus;
  return {
    sizeBytes: p.sizeBytes ?? (p.smoke ? MiB : 256 * MiB),
    vus,
    ...(p.durationS !== undefined
      ? { durationS: p.durationS }
      : { iterations: p.iterations ?? (p.smoke ? vus : vus * 3) }),
    minMbps: p.minMbps ?? defaults.minMbps,
  };
}

/** constant-vus for a duration (30 s graceful stop), else shared-iterations (2 h at most). */
export function dataExecutor(p: Profile): Executor {
  return p.durationS !== undefined
    ? { type: 'constant-vus', vus: p.vus, durationS: p.durationS, gracefulStopS: 30 }
    : { type: 'shared-iterations', vus: p.vus, iterations: p.iterations ?? p.vus, maxDurationS: 7200 };
}
