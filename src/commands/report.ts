// `glance-harness report`: a run's Allure HTML report, rebuilt from its results, optionally served.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { ExitCode, HarnessError, InputError, UsageError } from '../errors.js';
import {
  allureHistoryDir,
  generateAllureReport,
  reportNameFor,
  writeAllureResults,
} from '../report/allure.js';
import { serveDir } from '../report/serve.js';
import type { Summary } from '../report/summary.js';

/** What cli.ts lends the command. */
export interface ReportCliHelpers {
  log: (line: string) => void;
  /** The reports directory: the flag when given, else GLANCE_HARNESS_REPORTS_DIR or the default. */
  reportsDir: (flag?: string) => string;
}

/** A run found on disk: its directory and summary. */
export interface FoundRun {
  runDir: string;
  summary: Summary;
}

function runsUnder(reportsDir: string): string[] {
  if (!existsSync(reportsDir)) return [];
  return readdirSync(reportsDir, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && d.name !== 'latest' && existsSync(join(reportsDir, d.name, 'summary.json')),
    )
    .map((d) => d.name)
    .sort();
}

/**
 * The run `--run` names ("latest" or a run id) with its summary. "latest" resolves to the run's own
 * directory when it is still there, so the report lands next to its results and outlives the mirror.
 */
export function findRun(reportsDir: string, run: string): FoundRun {
  if (!/^[A-Za-z0-9._-]+$/.test(run) || run === '.' || run === '..') {
    throw new UsageError(
      `--run must be a run id (a folder name under ${reportsDir}) or "latest" (got "${run}")`,
    );
  }
  let runDir = join(reportsDir, run);
  const file = join(runDir, 'summary.json');
  if (!existsSync(file)) {
    const known = runsUnder(reportsDir);
    if (!existsSync(runDir)) {
      const hint =
        known.length > 0
          ? `runs there: ${known.slice(-5).join(', ')}`
          : 'run "glance-harness run" first, or point --reports-dir at the reports of a run';
      throw new UsageError(`No run summary at ${file}: ${hint}`);
    }
    throw new UsageError(
      `No run summary at ${file}: run ${run} did not finish (stopped before it wrote summary.json), so there is no report to build`,
    );
  }
  let summary = readSummary(file);
  if (run === 'latest') {
    const own = join(reportsDir, summary.runId);
    if (existsSync(join(own, 'summary.json'))) {
      runDir = own;
      summary = readSummary(join(own, 'summary.json'));
    }
  }
  return { runDir, summary };
}

function readSummary(file: string): Summary {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Summary;
    if (typeof s?.runId !== 'string' || !Array.isArray(s.checks)) throw new Error('no runId or checks');
    return s;
  } catch (err) {
    throw new InputError(`${file} is not a run summary (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Builds `<run dir>/allure-report` from `<run dir>/allure-results` (written from summary.json when the
 * run left none), with the trend history of runs of the same selection. Returns index.html's path.
 */
export function buildReport(reportsDir: string, found: FoundRun, log: (line: string) => void): string {
  const { runDir, summary } = found;
  if (summary.checks.length === 0 && summary.outcome !== 'ok') {
    throw new HarnessError(
      'GH_REPORT_NO_CHECKS',
      `run ${summary.runId} ended before any check (${summary.outcome}${summary.message ? `: ${summary.message}` : ''}): no report to build`,
      ExitCode.Usage,
    );
  }
  const reportName = reportNameFor(summary);
  const results = join(runDir, 'allure-results');
  const hasResults = existsSync(results) && readdirSync(results).some((f) => f.endsWith('-result.json'));
  if (!hasResults) {
    log(`No Allure results in ${results}: writing them from summary.json`);
    writeAllureResults(results, summary, { reportName, runDir });
  }
  return generateAllureReport({
    results,
    out: join(runDir, 'allure-report'),
    reportName,
    historyDir: allureHistoryDir(reportsDir, summary.selection),
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535 (got "${value}")`);
  return n;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Registers `glance-harness report`. */
export function registerReportCommand(program: Command, shared: ReportCliHelpers): void {
  program
    .command('report')
    .description("Build a run's Allure HTML report (allure-commandline, needs Java) and print its index.html")
    .option('--run <id>', 'run id under the reports dir, or "latest"', 'latest')
    .option('--reports-dir <dir>', 'reports directory [env GLANCE_HARNESS_REPORTS_DIR]')
    .option('--open', 'serve the report on http://127.0.0.1 until Ctrl-C')
    .option('--port <n>', 'port for --open (0 picks a free one)', '0')
    .addHelpText(
      'after',
      [
        '',
        'Opening allure-report/index.html straight from disk shows "500 Failed to fetch" in Allure:',
        'browsers refuse its data requests on file://. Use --open, which serves the report on 127.0.0.1.',
        'Trend history is kept per selection (suites, grep, read-only) under <reports dir>/allure-history/.',
        '',
      ].join('\n'),
    )
    .action(async (opts) => {
      const port = parsePort(opts.port);
      const reportsDir = shared.reportsDir(opts.reportsDir);
      const found = findRun(reportsDir, opts.run);
      const index = buildReport(reportsDir, found, shared.log);
      process.stdout.write(`${index}\n`);
      if (!opts.open) return;
      const server = await serveDir(join(found.runDir, 'allure-report'), port);
      shared.log(`Serving the report at ${server.url} (Ctrl-C stops)`);
      await untilSignal();
      await server.close();
      process.exitCode = ExitCode.Ok;
    });
}
