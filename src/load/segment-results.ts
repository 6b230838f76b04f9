// One process's measurements, as a file (`<run dir>/load/results.json`): the merged HDR snapshot, the
// per-second series and what was asked. `load merge` reads several and re-judges them as one run.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { MetricsSnapshot } from './engine/metrics.js';
import type { SeriesPoint } from './engine/runner.js';
import type { Executor, Profile, Thresholds } from './engine/scenario.js';
import type { Segment } from './segment.js';

export const RESULTS_VERSION = 1;

export interface SegmentResults {
  version: typeof RESULTS_VERSION;
  scenario: string;
  runId: string;
  smoke: boolean;
  profile: Profile;
  executor: Executor;
  segment?: Segment;
  thresholds: Thresholds;
  failureMetric: string;
  chart: { metric: string; unit: string };
  /** Epoch ms at which the VUs started. */
  startedAt: number;
  durationS: number;
  snapshot: MetricsSnapshot;
  series: SeriesPoint[];
}

export function resultsPath(runDir: string): string {
  return join(runDir, 'load', 'results.json');
}

export function writeSegmentResults(runDir: string, r: SegmentResults): string {
  const path = resultsPath(runDir);
  writeFileSync(path, `${JSON.stringify(r)}\n`);
  return path;
}

const REQUIRED: ReadonlyArray<keyof SegmentResults> = [
  'scenario',
  'runId',
  'profile',
  'executor',
  'thresholds',
  'snapshot',
  'series',
  'startedAt',
  'durationS',
];

/** Reads a run dir's (or a file's) results; a one-line InputError names the file and what is wrong. */
export function readSegmentResults(dirOrFile: string): SegmentResults {
  const path = dirOrFile.endsWith('.json') ? dirOrFile : resultsPath(dirOrFile);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT'
        ? `${path}: no load results (was this a run of the harness engine, finished?)`
        : `${path}: not readable JSON (${code ?? (err as Error).message})`,
    );
  }
  const r = data as Partial<SegmentResults> | null;
  if (!r || typeof r !== 'object' || r.version !== RESULTS_VERSION)
    throw new InputError(`${path}: not load results of version ${RESULTS_VERSION}`);
  const missing = REQUIRED.filter((k) => r[k] === undefined);
  if (missing.length > 0) throw new InputError(`${path}: missing ${missing.join(', ')}`);
  return r as SegmentResults;
}
