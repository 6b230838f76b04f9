import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { parseReporters, useColor } from '../commands/shared.js';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import { generateImage } from '../data/index.js';
import { ConfigError, UsageError } from '../errors.js';
import { type ReferenceServer, startReference } from '../reference/index.js';
import { newRunId } from '../run/naming.js';
import { TOOL_VERSION } from '../run/run.js';
import { connect } from '../target.js';
import { SCENARIOS, type ScenarioName } from './contract.js';
import { type LoadParams, loadProfile, runLoad, sizeLabel } from './index.js';
import { findK6 } from './k6.js';
import { operatorManifest } from './operator.js';
import { parseSegment } from './segment.js';

/** What cli.ts lends the load command, so config resolution and the reference start exactly like `run`. */
export interface CliHelpers {
  withConfigFlags<C extends Command<unknown[], Record<string, unknown>>>(cmd: C): C;
  flagsOf(opts: Record<string, unknown>): ConfigFlags;
  loadConfig(flags: ConfigFlags): ResolvedConfig;
  referenceFlags(ref: ReferenceServer): ConfigFlags;
  log(line: string): void;
}

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

function positiveInt(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`${flag} must be a whole number from 1 to ${max} (got "${text}")`);
  return n;
}

function positiveNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number above 0 (got "${text}")`);
  return n;
}

function scenarioOf(name: string): ScenarioName {
  if (!(SCENARIOS as readonly string[]).includes(name))
    throw new UsageError(`unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`);
  return name as ScenarioName;
}

/** Registers `glance-harness load <scenario>`. */
export function registerLoadCommand(program: Command, h: CliHelpers): void {
  h.withConfigFlags(
    program
      .command('load')
      .description(
        `Run a k6 load scenario (${SCENARIOS.join(', ')}) against the configured Glance and write reports`,
      )
      .argument('<scenario>', SCENARIOS.join(' | '))
      .option('--size <size>', 'image size for large-upload and download (default 256MiB; smoke 1MiB)')
      .option('--vus <n>', 'virtual users (default large-upload 1, download 4, churn 10)')
      .option('--iterations <n>', 'total iterations shared by the VUs (large-upload, download)')
      .option('--duration <time>', 'run for this long instead of a number of iterations (30s, 5m, 1h)')
      .option('--rate <n>', 'churn: peak create/show/list/delete cycles per second (default 20)')
      .option('--min-mbps <n>', 'MB/s floor of the throughput threshold (default 20 upload, 50 download)')
      .option('--smoke', 'a few seconds with small images, thresholds off (correctness only)')
      .option('--segment <i/n>', 'run share i of n of the load profile (k6 execution segments)')
      .option('--emit <kind>', 'write a manifest instead of running: k6-operator')
      .option('--parallelism <n>', 'with --emit k6-operator: runner pods sharing the load (default 1)')
      .option('--json', 'print the run summary as JSON on stdout (same as --reporter line,json)')
      .option(
        '--reporter <names>',
        'what to print on stdout besides the files: line, json, github, junit',
        'line',
      ),
  ).action(async (name: string, opts: Record<string, unknown>) => {
    const scenario = scenarioOf(name);
    const str = (k: string): string | undefined =>
      typeof opts[k] === 'string' ? (opts[k] as string) : undefined;
    const segment = str('segment') ? parseSegment(str('segment')!) : undefined;
    const sizeText = str('size');
    const durationText = str('duration');
    const params: LoadParams = {
      smoke: Boolean(opts.smoke),
      ...(sizeText ? { sizeBytes: parseSize(sizeText) } : {}),
      ...(durationText ? { durationS: parseDuration(durationText) } : {}),
    };
    const vus = positiveInt('--vus', str('vus'), 10_000);
    const iterations = positiveInt('--iterations', str('iterations'), 10_000_000);
    const rate = positiveInt('--rate', str('rate'), 100_000);
    const minMbps = positiveNumber('--min-mbps', str('minMbps'));
    if (vus !== undefined) params.vus = vus;
    if (iterations !== undefined) params.iterations = iterations;
    if (rate !== undefined) params.rate = rate;
    if (minMbps !== undefined) params.minMbps = minMbps;
    if (iterations !== undefined && params.durationS !== undefined)
      throw new UsageError('--iterations and --duration exclude each other');
    if (segment) params.segment = segment;
    const emit = str('emit');
    if (emit !== undefined && emit !== 'k6-operator')
      throw new UsageError(`--emit must be k6-operator (got "${emit}")`);

    const flags = h.flagsOf(opts);
    let cfg = h.loadConfig(flags);
    if (emit) {
      await emitOperator(
        scenario,
        params,
        positiveInt('--parallelism', str('parallelism'), 1000) ?? 1,
        cfg,
        h.log,
      );
      return;
    }
    const k6 = findK6(process.env, homedir());
    let reference: ReferenceServer | undefined;
    if (!cfg.configured) {
      reference = await startReference({});
      cfg = h.loadConfig({ ...flags, ...h.referenceFlags(reference) });
      h.log(
        `glance-harness ${TOOL_VERSION}: no target configured, so running load scenario ${scenario} against the ` +
          `embedded reference Glance at ${reference.glanceUrl}`,
      );
    } else {
      h.log(`glance-harness ${TOOL_VERSION}: load scenario ${scenario} against the configured target`);
    }
    const outcome = await runLoad({
      scenario,
      config: cfg,
      targetKind: reference ? 'reference' : 'configured',
      k6,
      params,
      log: h.log,
      reporters: parseReporters(str('reporter'), Boolean(opts.json)),
      color: useColor(),
    }).finally(() => reference?.close());
    const s = outcome.summary;
    for (const c of s.checks)
      h.log(`${c.status === 'passed' ? 'ok  ' : 'FAIL'} ${c.title}${c.error ? ` — ${c.error}` : ''}`);
    h.log(`Summary: ${outcome.summaryPath} (exit ${outcome.exitCode}); k6 reports in ${s.reports.k6}`);
    process.exitCode = outcome.exitCode;
  });
}

/** `load --emit k6-operator`: a TestRun manifest (and the image the pods upload) under reports/<run-id>/k6/. */
async function emitOperator(
  scenario: ScenarioName,
  params: LoadParams,
  parallelism: number,
  cfg: ResolvedConfig,
  log: (line: string) => void,
): Promise<void> {
  if (!cfg.configured)
    throw new ConfigError(
      '--emit k6-operator needs a configured target (OS_* or --os-cloud): the pods must reach it',
    );
  const target = await connect(cfg);
  const endpoint = target.endpoint;
  await target.close();
  const runId = newRunId();
  const k6Dir = join(cfg.harness.reportsDir.value, runId, 'k6');
  mkdirSync(k6Dir, { recursive: true });
  const profile = loadProfile(scenario, params);
  let image: { fileName: string; size: number; sizeLabel: string; md5: string; sha512: string } | undefined;
  if (scenario !== 'churn') {
    const gen = await generateImage(join(k6Dir, 'data'), {
      format: 'raw',
      size: profile.sizeBytes,
      seed: runId,
    });
    image = {
      fileName: gen.path.split('/').pop()!,
      size: gen.size,
      sizeLabel: sizeLabel(gen.size),
      md5: gen.md5,
      sha512: gen.sha512,
    };
    log(`Image for the pods: ${gen.path} (copy it to data/ on the glance-harness-load volume)`);
  }
  const file = join(k6Dir, 'testrun.yaml');
  writeFileSync(
    file,
    operatorManifest({
      scenario,
      runId,
      prefix: cfg.harness.prefix.value,
      endpoint,
      profile,
      smoke: params.smoke,
      parallelism,
      ...(image ? { image } : {}),
    }),
  );
  process.stdout.write(`${file}\n`);
}
