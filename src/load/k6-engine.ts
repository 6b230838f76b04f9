// `--engine k6`: the scenario's k6 script run by the k6 the operator installed, as a separate program
// in its own process group. The harness serves it the token and reads its summary and points.
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEnvelope } from '../run/envelope.js';
import type { RunService } from '../run/service.js';
import { SECRETS } from '../util/mask.js';
import type { ImageFile, Profile } from './engine/scenario.js';
import type { K6Binary } from './k6.js';
import { peakRssOf } from './memory.js';
import {
  k6Values,
  type Measured,
  readK6Summary,
  type SeriesPoint,
  thresholdsOf,
  throughputSeries,
} from './results.js';
import { type Segment, segmentArgs } from './segment.js';

/**
 * Environment names the scenarios read (scenarios/k6/lib/glance.js and the k6 scripts). Secrets
 * (GH_TOKEN_KEY, GH_TOKEN) go through the environment only, never k6's command line.
 */
export const ENV_NAMES = [
  'GH_GLANCE_URL',
  'GH_RUN_ID',
  'GH_PREFIX',
  'GH_SMOKE',
  'GH_SUMMARY_FILE',
  'GH_TOKEN_URL',
  'GH_TOKEN_KEY',
  'GH_TOKEN',
  'GH_IMAGE_FILE',
  'GH_SIZE',
  'GH_SIZE_LABEL',
  'GH_IMAGE_MD5',
  'GH_IMAGE_SHA512',
  'GH_VUS',
  'GH_ITERATIONS',
  'GH_DURATION_S',
  'GH_MAX_DURATION',
  'GH_RATE',
  'GH_MIN_MBPS',
] as const;

/** k6 exit codes the harness tells apart (k6 docs, "exit codes"). */
export const K6_EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** k6 arguments for a run (no secrets: the token key travels in the environment). */
export function k6Args(opts: {
  script: string;
  k6Dir: string;
  endpoint: string;
  runId: string;
  prefix: string;
  profile: Profile;
  smoke: boolean;
  segment?: Segment;
  image?: ImageFile;
}): string[] {
  const p = opts.profile;
  const env: Record<string, string | number | undefined> = {
    GH_GLANCE_URL: opts.endpoint,
    GH_RUN_ID: opts.runId,
    GH_PREFIX: opts.prefix,
    GH_SMOKE: opts.smoke ? '1' : '0',
    GH_SUMMARY_FILE: join(opts.k6Dir, 'summary.json'),
    GH_VUS: p.vus,
    GH_ITERATIONS: p.iterations,
    GH_DURATION_S: p.durationS,
    GH_RATE: p.rate,
    GH_MIN_MBPS: p.minMbps,
    ...(opts.image
      ? {
          GH_IMAGE_FILE: opts.image.path,
          GH_SIZE: opts.image.size,
          GH_SIZE_LABEL: opts.image.sizeLabel,
          GH_IMAGE_MD5: opts.image.md5,
          GH_IMAGE_SHA512: opts.image.sha512,
        }
      : {}),
  };
  const args = [
    'run',
    '--quiet',
    '--no-color',
    '--summary-trend-stats',
    'avg,min,med,max,p(90),p(95),p(99)',
    '--out',
    `json=${join(opts.k6Dir, 'points.ndjson.gz')}`,
  ];
  if (opts.smoke) args.push('--no-thresholds');
  if (opts.segment) args.push(...segmentArgs(opts.segment));
  for (const [k, v] of Object.entries(env)) if (v !== undefined) args.push('-e', `${k}=${v}`);
  args.push(opts.script);
  return args;
}

/** The last error k6 logged (a setup() fail(), a script exception), for a one-line message. */
export function lastK6Error(log: string): string | undefined {
  const lines = log.split('\n').filter((l) => /level=error/.test(l));
  const last = lines.at(-1);
  if (!last) return undefined;
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(last)?.[1];
  return (msg ?? last)
    .replace(/\\[nt]/g, ' ')
    .replace(/\\"/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 500);
}

/** Why a k6 run cannot be judged, or undefined when its thresholds and checks are the verdict. */
export function k6RunError(
  code: number | null,
  summaryError: string | undefined,
  log: string,
): string | undefined {
  if (code === K6_EXIT.ok && !summaryError) return undefined;
  if (code === K6_EXIT.thresholdsFailed && !summaryError) return undefined;
  const err = lastK6Error(log);
  return `k6 exited ${code ?? 'without a code'}${err ? `: ${err}` : ''}${summaryError ? ` (${summaryError})` : ''}`;
}

export interface K6RunOptions {
  k6: K6Binary;
  env: RunEnvelope;
  service: RunService;
  k6Dir: string;
  args: string[];
  chartMetric: string;
  log(line: string): void;
}

/** Runs k6 in its process group, its output scrubbed; reads back its summary, points and dashboard. */
export async function runK6(o: K6RunOptions): Promise<Measured> {
  const logFile = createWriteStream(join(o.k6Dir, 'k6.log'));
  let k6Log = '';
  let pid: number | undefined;
  let peak: number | undefined;
  // VmHWM is the kernel's own peak RSS of the process: sampled while k6 runs, the last value stands.
  const rssTimer = setInterval(() => {
    peak = peakRssOf(pid) ?? peak;
  }, 250);
  const code = await o.env.runChild(o.k6.path, o.args, {
    cwd: o.k6Dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GH_TOKEN_URL: o.service.tokenUrl,
      GH_TOKEN_KEY: o.service.key,
      K6_WEB_DASHBOARD: 'true',
      K6_WEB_DASHBOARD_PORT: '-1',
      K6_WEB_DASHBOARD_PERIOD: '1s',
      K6_WEB_DASHBOARD_EXPORT: join(o.k6Dir, 'dashboard.html'),
      K6_NO_USAGE_REPORT: 'true',
    },
    onSpawn: (child) => {
      pid = child.pid;
      // k6 may print what a server echoed (the token it was given): scrubbed like every output.
      const onData = (d: Buffer): void => {
        const text = SECRETS.scrub(d.toString());
        k6Log = (k6Log + text).slice(-64 * 1024);
        logFile.write(text);
        process.stderr.write(text);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
    },
  });
  clearInterval(rssTimer);
  await new Promise<void>((resolve) => logFile.end(resolve));
  const summaryPath = join(o.k6Dir, 'summary.json');
  const summary = readK6Summary(summaryPath);
  const readable = typeof summary !== 'string';
  const files: Record<string, string> = {};
  if (readable) files.summary = summaryPath;
  for (const [k, f] of [
    ['points', 'points.ndjson.gz'],
    ['dashboard', 'dashboard.html'],
  ] as const)
    if (existsSync(join(o.k6Dir, f))) files[k] = join(o.k6Dir, f);
  if (!files.dashboard) o.log('k6 wrote no web-dashboard export (it skips runs too short to chart)');
  const throughput: SeriesPoint[] = files.points
    ? await throughputSeries(files.points, o.chartMetric).catch(() => [])
    : [];
  const error = k6RunError(code, readable ? undefined : summary, k6Log);
  return {
    started: true,
    interrupted: o.env.wasInterrupted || code === K6_EXIT.externalAbort,
    ...(error ? { error } : {}),
    thresholds: readable ? thresholdsOf(summary) : [],
    values: readable ? k6Values(summary) : () => undefined,
    durationMs: readable ? (summary.state?.testRunDurationMs ?? 0) : 0,
    throughput,
    latency: [],
    files,
    attachments: [
      ...(readable ? [{ name: 'k6 summary', contentType: 'application/json', path: summaryPath }] : []),
      ...(files.dashboard
        ? [{ name: 'k6 web dashboard', contentType: 'text/html', path: files.dashboard }]
        : []),
    ],
    ...(peak !== undefined ? { peakRssBytes: peak } : {}),
    exitCode: code,
  };
}
