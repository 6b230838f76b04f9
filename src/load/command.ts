import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import {
  flagsOf,
  loadConfig,
  log,
  parseReporters,
  referenceFlags,
  useColor,
  withConfigFlags,
} from '../commands/shared.js';
import type { ResolvedConfig } from '../config/index.js';
import { generateImage } from '../data/index.js';
import { ConfigError, UsageError } from '../errors.js';
import { type ReferenceServer, startReference } from '../reference/index.js';
import { isRunId, newRunId } from '../run/naming.js';
import { TOOL_VERSION } from '../run/version.js';
import { connect } from '../target.js';
import { k6ScriptOf, listScenarios, resolveScenario } from './engine/catalog.js';
import type { Scenario } from './engine/scenario.js';
import { guardMemory, type LoadParams, preflight, runLoad } from './index.js';
import { findK6, type K6Binary } from './k6.js';
import { k8sManifests } from './k8s.js';
import type { EngineName } from './memory.js';
import { mergeLoad } from './merge.js';
import { operatorManifest } from './operator.js';
import { parseSegment } from './segment.js';
import { parseDuration, parseSize, sizeLabel } from './units.js';

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

const ENGINES: readonly EngineName[] = ['harness', 'k6'];
const EMITS = ['k6-operator', 'k8s'] as const;

type Opts = Record<string, unknown>;
const str = (opts: Opts, k: string): string | undefined =>
  typeof opts[k] === 'string' ? (opts[k] as string) : undefined;

/** The profile flags as given, validated: what a segment pod is started with again. */
export function paramsOf(opts: Opts): { params: LoadParams; profileArgs: string[] } {
  const params: LoadParams = { smoke: Boolean(opts.smoke) };
  const profileArgs: string[] = params.smoke ? ['--smoke'] : [];
  const take = (flag: string, key: string, parse: (t: string) => number, field: keyof LoadParams): void => {
    const text = str(opts, key);
    if (text === undefined) return;
    (params as unknown as Record<string, number>)[field] = parse(text);
    profileArgs.push(flag, text);
  };
  take('--size', 'size', parseSize, 'sizeBytes');
  take('--vus', 'vus', (t) => positiveInt('--vus', t, 10_000)!, 'vus');
  take('--iterations', 'iterations', (t) => positiveInt('--iterations', t, 10_000_000)!, 'iterations');
  take('--duration', 'duration', parseDuration, 'durationS');
  take('--rate', 'rate', (t) => positiveInt('--rate', t, 100_000)!, 'rate');
  take('--min-mbps', 'minMbps', (t) => positiveNumber('--min-mbps', t)!, 'minMbps');
  if (params.iterations !== undefined && params.durationS !== undefined)
    throw new UsageError('--iterations and --duration exclude each other');
  const segment = str(opts, 'segment');
  if (segment) params.segment = parseSegment(segment);
  const threads = str(opts, 'threads');
  if (threads !== undefined) {
    params.threads = positiveInt('--threads', threads, 64)!;
    profileArgs.push('--threads', threads);
  }
  return { params, profileArgs };
}

function engineOf(opts: Opts): EngineName {
  const e = str(opts, 'engine') ?? 'harness';
  if (!(ENGINES as readonly string[]).includes(e))
    throw new UsageError(`--engine must be ${ENGINES.join(' or ')} (got "${e}")`);
  return e as EngineName;
}

/** The operator's k6 for `--engine k6`, and the scenario's k6 script; exit 2 naming what is missing. */
function k6For(scenario: Scenario): K6Binary {
  if (!k6ScriptOf(scenario.name))
    throw new UsageError(`scenario ${scenario.name} has no k6 script (scenarios/k6/${scenario.name}.js)`);
  return findK6(process.env, homedir());
}

/** Registers `glance-harness load <scenario>` and `glance-harness load merge DIR…`. */
export function registerLoadCommand(program: Command): void {
  const names = listScenarios();
  withConfigFlags(
    program
      .command('load')
      .description(
        `Run a load scenario (${names.join(', ')}) against the configured Glance with the harness's own engine ` +
          "(or the operator's k6), or merge the results of its segments: load merge DIR…",
      )
      .argument('<scenario>', `${names.join(' | ')} | a scenario file (*.mts) | merge`)
      .argument('[dirs...]', 'with merge: the run directories of the segments')
      .option(
        '--size <size>',
        "image size for the scenarios that move data (default: the scenario's, 256MiB; smoke 1MiB)",
      )
      .option('--vus <n>', "virtual users (default: the scenario's)")
      .option('--iterations <n>', 'total iterations shared by the VUs (iteration-based scenarios)')
      .option('--duration <time>', 'run for this long instead of a number of iterations (30s, 5m, 1h)')
      .option('--rate <n>', "arrival-rate scenarios: peak iterations per second (default: the scenario's)")
      .option('--min-mbps <n>', "MB/s floor of the throughput threshold (default: the scenario's)")
      .option('--smoke', 'a few seconds with small images, thresholds off (correctness only)')
      .option(
        '--engine <name>',
        "harness (default: streams bodies, constant memory) or k6 (the operator's own k6)",
      )
      .option(
        '--threads <n>',
        'harness engine: worker threads (default: one per few VUs, at most one per core)',
      )
      .option('--segment <i/n>', 'run share i of n of the load profile; merge the shares with load merge')
      .option('--run-id <id>', 'the run id (segments of one load share it: same image bytes, one cleanup)')
      .option('--emit <kind>', 'write manifests instead of running: k8s (Indexed Job) or k6-operator')
      .option('--parallelism <n>', 'with --emit: pods sharing the load (default 1)')
      .option(
        '--container-image <ref>',
        `with --emit k8s: the harness image (default glance-harness:${TOOL_VERSION})`,
      )
      .option('--json', 'print the run summary as JSON on stdout (same as --reporter line,json)')
      .option(
        '--reporter <names>',
        'what to print on stdout besides the files: line, json, github, junit',
        'line',
      ),
  ).action(async (name: string, dirs: string[], opts: Opts) => {
    const reporters = parseReporters(str(opts, 'reporter'), Boolean(opts.json));
    if (name === 'merge') {
      if (dirs.length === 0) throw new UsageError('load merge needs the run directories of the segments');
      const outcome = await mergeLoad({
        dirs,
        config: loadConfig(flagsOf(opts)),
        log,
        reporters,
        color: useColor(),
      });
      process.exitCode = outcome.exitCode;
      return;
    }
    if (dirs.length > 0) throw new UsageError(`unexpected argument(s) after the scenario: ${dirs.join(' ')}`);
    const { scenario, path: scenarioPath } = await resolveScenario(name);
    const { params, profileArgs } = paramsOf(opts);
    const engine = engineOf(opts);
    const runId = str(opts, 'runId');
    if (runId !== undefined && !isRunId(runId))
      throw new UsageError(`--run-id must be letters, digits and dashes, at most 64 (got "${runId}")`);
    const emit = str(opts, 'emit');
    if (emit !== undefined && !(EMITS as readonly string[]).includes(emit))
      throw new UsageError(`--emit must be ${EMITS.join(' or ')} (got "${emit}")`);
    const flags = flagsOf(opts);
    let cfg = loadConfig(flags);
    const parallelism = positiveInt('--parallelism', str(opts, 'parallelism'), 1000) ?? 1;
    if (emit === 'k8s') {
      emitK8s(scenario, engine, params, profileArgs, parallelism, str(opts, 'containerImage'), runId, cfg);
      return;
    }
    if (emit === 'k6-operator') {
      await emitOperator(scenario, params, parallelism, cfg);
      return;
    }
    const k6 = engine === 'k6' ? k6For(scenario) : undefined;
    // Refusals come before the embedded reference starts: nothing is started for a run that cannot be.
    preflight(scenario, engine, params);
    let reference: ReferenceServer | undefined;
    if (!cfg.configured) {
      reference = await startReference({});
      cfg = loadConfig({ ...flags, ...referenceFlags(reference) });
      log(
        `glance-harness ${TOOL_VERSION}: no target configured, so running load scenario ${scenario.name} against the ` +
          `embedded reference Glance at ${reference.glanceUrl}`,
      );
    } else {
      log(`glance-harness ${TOOL_VERSION}: load scenario ${scenario.name} against the configured target`);
    }
    const outcome = await runLoad({
      scenario,
      scenarioPath,
      engine,
      ...(k6 ? { k6 } : {}),
      config: cfg,
      targetKind: reference ? 'reference' : 'configured',
      params,
      log,
      reporters,
      color: useColor(),
      ...(runId ? { runId } : {}),
    }).finally(() => reference?.close());
    log(
      `Summary: ${outcome.summaryPath} (exit ${outcome.exitCode}); load reports in ${outcome.summary.reports.load}`,
    );
    process.exitCode = outcome.exitCode;
  });
}

/** `load --emit k8s`: an Indexed Job of n segment pods, the merge Job, the claim and a Containerfile. */
function emitK8s(
  scenario: Scenario,
  engine: EngineName,
  params: LoadParams,
  profileArgs: string[],
  parallelism: number,
  image: string | undefined,
  runId: string | undefined,
  cfg: ResolvedConfig,
): void {
  if (engine !== 'harness')
    throw new UsageError('--emit k8s runs the harness engine; for k6 use --emit k6-operator');
  if (params.segment)
    throw new UsageError('--emit k8s gives each pod its own --segment: leave --segment out');
  const profile = scenario.profile(params);
  const executor = scenario.executor(profile);
  const segment = { index: 1, count: parallelism };
  // The pod's memory: what the guard asks of one segment (the pod cannot see its own limit).
  const plan = guardMemory(scenario, 'harness', profile, executor, {
    segment,
    threads: params.threads,
    available: Number.MAX_SAFE_INTEGER,
  });
  const id = runId ?? newRunId();
  const dir = join(cfg.harness.reportsDir.value, id, 'k8s');
  mkdirSync(dir, { recursive: true });
  for (const f of k8sManifests({
    scenario: scenario.name,
    runId: id,
    parallelism,
    loadArgs: profileArgs,
    image: image ?? `glance-harness:${TOOL_VERSION}`,
    memoryBytes: plan.requiredBytes,
  }))
    writeFileSync(join(dir, f.name), f.content);
  process.stdout.write(`${dir}\n`);
  log(
    `Kubernetes manifests for ${parallelism} segment pod(s) of ${scenario.name} (run ${id}): see ${join(dir, 'README.md')}`,
  );
}

/** `load --emit k6-operator`: a TestRun manifest (and the image the pods upload) under reports/<run-id>/k6/. */
async function emitOperator(
  scenario: Scenario,
  params: LoadParams,
  parallelism: number,
  cfg: ResolvedConfig,
) {
  if (!cfg.configured)
    throw new ConfigError(
      '--emit k6-operator needs a configured target (OS_* or --os-cloud): the pods must reach it',
    );
  if (!k6ScriptOf(scenario.name))
    throw new UsageError(`scenario ${scenario.name} has no k6 script (scenarios/k6/${scenario.name}.js)`);
  const target = await connect(cfg);
  const endpoint = target.endpoint;
  await target.close();
  const runId = newRunId();
  const k6Dir = join(cfg.harness.reportsDir.value, runId, 'k6');
  mkdirSync(k6Dir, { recursive: true });
  const profile = scenario.profile(params);
  let image: { fileName: string; size: number; sizeLabel: string; md5: string; sha512: string } | undefined;
  if (scenario.image) {
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
      scenario: scenario.name,
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
