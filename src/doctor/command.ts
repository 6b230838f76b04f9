import type { Command } from '@commander-js/extra-typings';
import { useColor } from '../commands/shared.js';
import type { ConfigFlags, ResolvedConfig } from '../config/index.js';
import { ConfigError, ExitCode } from '../errors.js';
import { parseSize } from '../load/units.js';
import { RunEnvelope } from '../run/envelope.js';
import { SECRETS } from '../util/mask.js';
import type { DbProvider } from './db.js';
import { reportJson, stepLine, verdictLine } from './render.js';
import { doctorSummary } from './summary.js';
import { runDoctor } from './walk.js';

/** What cli.ts lends the command: its connection flags and configuration loading. */
export interface DoctorCliHelpers {
  withConfigFlags: <C extends Command<unknown[], Record<string, unknown>>>(cmd: C) => C;
  flagsOf: (opts: Record<string, unknown>) => ConfigFlags;
  loadConfig: (flags: ConfigFlags) => ResolvedConfig;
  log: (line: string) => void;
  /** The database checks, once the db module provides them. */
  dbProvider?: DbProvider;
}

/** Registers `glance-harness doctor`. */
export function registerDoctor(program: Command, h: DoctorCliHelpers): void {
  const cmd = program
    .command('doctor')
    .description(
      'Walk the install link by link (TCP, TLS, versions, token, catalog, images, auth required, round trip, DB, config) and name the cause of the first broken one',
    )
    .option('--read-only', 'skip the create/upload/download/delete round trip')
    .option(
      '--config <file>',
      'glance-api.conf to lint (and to read [database] connection from); --glance-config works too',
    )
    .option(
      '--size <size>',
      "round-trip image size, e.g. 200MiB (the size of the upload that fails); with --config also held against image_size_cap and the store's free space (default 2MiB)",
      parseSize,
    )
    .option('--json', 'print {steps:[…], cause?} as JSON on stdout');
  (
    h.withConfigFlags(cmd as unknown as Command<unknown[], Record<string, unknown>>) as unknown as typeof cmd
  ).action(async (opts) => {
    const config = h.loadConfig(h.flagsOf(opts as Record<string, unknown>));
    if (!config.configured)
      throw new ConfigError(
        'doctor needs a target: source an openrc (OS_AUTH_URL …), pass --os-cloud NAME, or --endpoint URL with --auth-type none',
      );
    // --db / GLANCE_HARNESS_DB_URL and --glance-config come with the shared connection flags.
    const glanceConf = opts.config ?? config.db.glanceConfig?.value;
    // Doctor's step lines are its result, on stdout: coloured when stdout is a terminal.
    const color = useColor(process.env, Boolean(process.stdout.isTTY));
    // One envelope as for run and load: a run id and directory, evidence, the summary and its reports.
    const env = new RunEnvelope({
      config,
      targetKind: 'configured',
      selection: { suites: ['doctor'], readOnly: Boolean(opts.readOnly) },
      log: h.log,
      reporters: ['line'],
      color,
      recap: false,
    });
    // A signal lets the step in progress finish (the round trip deletes its image), then stops the walk;
    // a second one stops at once.
    const stop = new AbortController();
    env.onStop((sig) => (sig === 'SIGKILL' ? process.exit(ExitCode.Interrupted) : stop.abort()));
    try {
      const report = await runDoctor({
        signal: stop.signal,
        runId: env.runId,
        recorder: env.recorder,
        config,
        readOnly: Boolean(opts.readOnly),
        ...(opts.size !== undefined ? { size: opts.size } : {}),
        ...(glanceConf ? { glanceConf } : {}),
        ...(config.db.url ? { dbUrl: config.db.url.value } : {}),
        ...(h.dbProvider ? { dbProvider: h.dbProvider } : {}),
        ...(opts.json
          ? {}
          : { onStep: (s) => process.stdout.write(`${SECRETS.scrub(stepLine(s, color))}\n`) }),
      });
      if (opts.json) process.stdout.write(SECRETS.scrub(reportJson(report)));
      else process.stdout.write(`${SECRETS.scrub(verdictLine(report))}\n`);
      const outcome = env.finish(doctorSummary(report, stop.signal.aborted));
      h.log(`Summary: ${outcome.summaryPath} (exit ${outcome.exitCode})`);
      process.exitCode = outcome.exitCode;
    } finally {
      await env.close();
    }
  });
}
