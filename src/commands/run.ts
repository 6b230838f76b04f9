// glance-harness run: the conformance suites against the configured Glance (or the embedded reference).
import type { Command } from '@commander-js/extra-typings';
import { UsageError } from '../errors.js';
import { type ReferenceServer, startReference } from '../reference/index.js';
import { REPORTERS } from '../run/envelope.js';
import { type Expectations, loadExpectations } from '../run/expectations.js';
import { parseLargeSize } from '../run/large.js';
import { REFERENCE_READER, referenceAltEnv, referenceReaderEnv } from '../run/reference-alt.js';
import { KNOWN_SUITES, runSuites, TOOL_VERSION } from '../run/run.js';
import { grepPattern } from '../run/selection.js';
import { PINNED_FAMILIES, type PinnedFamily } from '../validate.js';
import {
  type AnyCommand,
  flagsOf,
  helpFooter,
  loadConfig,
  log,
  parseReporters,
  referenceFlags,
  useColor,
  withConfigFlags,
} from './shared.js';

function parseSuites(value: string | undefined): string[] {
  if (!value || value === 'all') return [...KNOWN_SUITES];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(KNOWN_SUITES as readonly string[]).includes(n)) {
      throw new UsageError(`--suite: unknown suite "${n}" (known: ${KNOWN_SUITES.join(', ')}, all)`);
    }
  }
  return names;
}

function parseWhole(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${value}")`);
  return n;
}

/** --expect-failures and --strict, read before anything starts (a bad file is exit 2 before any request). */
function expectationsOf(file: string | undefined, strict: boolean): Expectations | undefined {
  if (file === undefined) {
    if (strict)
      throw new UsageError('--strict needs --expect-failures FILE: it makes an unexpected pass fail the run');
    return undefined;
  }
  return loadExpectations(file, strict);
}

/** The line saying what the expectations file will do to this run. */
function expectationsLine(e: Expectations): string {
  const n = e.entries.length;
  if (n === 0) return `Expectations: ${e.file} lists no entries, so every check counts as it ends`;
  return (
    `Expectations: ${n} entr${n === 1 ? 'y' : 'ies'} from ${e.file}: a listed check that fails is expected-fail, ` +
    `one that passes is unexpected-pass (${e.strict ? 'fails the run: --strict' : 'a warning'})`
  );
}

/** Registers `glance-harness run`. */
export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run the conformance suites against the configured Glance and write reports')
    .option('--suite <names>', `comma-separated suites (${KNOWN_SUITES.join(', ')}) or "all"`, 'all')
    .option('--grep <regex>', 'only checks whose title or tag matches')
    .option('--read-only', 'only checks that create nothing on the target (combines with --grep)')
    .option('--workers <n>', 'parallel workers (default 2)')
    .option(
      '--reporter <names>',
      `what to print on stdout besides the files: ${REPORTERS.join(', ')}`,
      'line',
    )
    .option('--json', 'print the run summary as JSON on stdout (same as --reporter line,json)')
    .option(
      '--latency-budget <ms>',
      'metadata calls and the first byte of data calls must answer within this (default 10000)',
    )
    .option(
      '--large <size>',
      'also upload, download and verify one big image of this size (e.g. 4GiB), streamed',
    )
    .option(
      '--expect-failures <file>',
      'YAML list of checks known to fail ({id, reason, target?, release?, bug?}): they end expected-fail and do not fail the run',
    )
    .option(
      '--strict',
      'with --expect-failures: a listed check that passes fails the run (default: a warning)',
    )
    .option(
      '--release <family>',
      `take the target for this release family, whatever its versions document says (${PINNED_FAMILIES.join(', ')})`,
    );
  withConfigFlags(cmd as unknown as AnyCommand);
  helpFooter(cmd as unknown as AnyCommand, [
    'glance-harness run                                  # the embedded reference, when nothing is configured',
    'source admin-openrc.sh && glance-harness run --suite images,data',
    'glance-harness run --os-cloud mycloud --read-only --grep @images',
    'glance-harness run --reporter line,github --latency-budget 5000',
    'glance-harness run --expect-failures known-failures.yaml --strict',
  ]);
  cmd.action(async (opts) => {
    const suites = parseSuites(opts.suite);
    if (opts.grep !== undefined) grepPattern(opts.grep);
    const reporters = parseReporters(opts.reporter, Boolean(opts.json));
    const large = opts.large === undefined ? undefined : parseLargeSize(opts.large);
    const workers = parseWhole('--workers', opts.workers, 1, 64);
    const latencyBudgetMs = parseWhole('--latency-budget', opts.latencyBudget, 1, 600_000);
    const expectations = expectationsOf(opts.expectFailures, Boolean(opts.strict));
    const release = releaseOf(opts.release);
    const flags = flagsOf(opts as Record<string, unknown>);
    let cfg = loadConfig(flags);
    let reference: ReferenceServer | undefined;
    if (!cfg.configured) {
      reference = await startReference({
        users: [{ ...REFERENCE_READER, roles: [...REFERENCE_READER.roles] }],
      });
      const alt = cfg.alt ? {} : referenceAltEnv(reference);
      const reader = cfg.reader ? {} : referenceReaderEnv(reference);
      cfg = loadConfig({ ...flags, ...referenceFlags(reference) }, { ...alt, ...reader });
      log(
        `glance-harness ${TOOL_VERSION}: no target configured, so running suites ${suites.join(', ')} against the ` +
          `embedded reference Glance (Zed 25.1 behaviour) at ${reference.glanceUrl}, Keystone ${reference.keystoneUrl}`,
      );
    } else {
      log(`glance-harness ${TOOL_VERSION}: suites ${suites.join(', ')} against the configured target`);
    }
    if (expectations) log(expectationsLine(expectations));
    const outcome = await runSuites({
      config: cfg,
      selection: { suites, ...(opts.grep ? { grep: opts.grep } : {}), readOnly: Boolean(opts.readOnly) },
      log,
      targetKind: reference ? 'reference' : 'configured',
      reporters,
      color: useColor(),
      ...(workers ? { workers } : {}),
      ...(large ? { large } : {}),
      ...(latencyBudgetMs ? { latencyBudgetMs } : {}),
      ...(expectations && expectations.entries.length > 0 ? { expectations } : {}),
      ...(release ? { release } : {}),
    }).finally(() => reference?.close());
    log(`Summary: ${outcome.summaryPath} (exit ${outcome.exitCode})`);
    process.exitCode = outcome.exitCode;
  });
}

/** --release: one of the families whose schemas are pinned. */
function releaseOf(value: string | undefined): PinnedFamily | undefined {
  if (value === undefined) return undefined;
  const family = PINNED_FAMILIES.find((f) => f === value);
  if (!family)
    throw new UsageError(`--release must be one of ${PINNED_FAMILIES.join(', ')} (got "${value}")`);
  return family;
}
