import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import {
  CONFIG_FLAGS,
  type ConfigFlags,
  type ResolvedConfig,
  renderConfig,
  resolveConfig,
} from './config/index.js';
import { registerDbCommand } from './db/command.js';
import { doctorDbProvider } from './db/doctor-provider.js';
import { registerDoctor } from './doctor/command.js';
import { ConfigError, describeError, ExitCode, HarnessError, UsageError } from './errors.js';
import { runLab } from './lab/index.js';
import { registerLoadCommand } from './load/command.js';
import { FAULTS, type FaultName, type ReferenceServer, startReference } from './reference/index.js';
import { cleanupImages } from './run/cleanup.js';
import { parseLargeSize } from './run/large.js';
import { referenceAltEnv } from './run/reference-alt.js';
import { KNOWN_SUITES, runSuites, TOOL_VERSION } from './run/run.js';
import { connect } from './target.js';

/** Writes a line for people; stdout stays for results and --json documents. */
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

type AnyCommand = Command<unknown[], Record<string, unknown>>;

/** Adds the OpenStack connection flags (--os-auth-url, --endpoint, …) to a command. */
function withConfigFlags<C extends AnyCommand>(cmd: C): C {
  for (const spec of CONFIG_FLAGS) {
    const opt = new Option(spec.flags, spec.env ? `${spec.description} [env ${spec.env}]` : spec.description);
    cmd.addOption(opt as unknown as Option);
  }
  return cmd;
}

function flagsOf(opts: Record<string, unknown>): ConfigFlags {
  const out: Record<string, unknown> = {};
  for (const spec of CONFIG_FLAGS) {
    const v = opts[spec.key];
    if (v !== undefined) out[spec.key] = v;
  }
  return out as ConfigFlags;
}

function loadConfig(flags: ConfigFlags): ResolvedConfig {
  const cfg = resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() });
  for (const w of cfg.warnings) log(`warning: ${w}`);
  return cfg;
}

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

function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--workers must be a whole number from 1 to 64 (got "${value}")`);
  return n;
}

export function buildProgram(): Command {
  const program = new Command()
    .name('glance-harness')
    .description('Conformance, load and troubleshooting harness for OpenStack Glance (Image API v2)')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  withConfigFlags(
    program
      .command('run')
      .description('Run the conformance suites against the configured Glance and write reports')
      .option('--suite <names>', `comma-separated suites (${KNOWN_SUITES.join(', ')}) or "all"`, 'all')
      .option('--grep <regex>', 'only checks whose title or tag matches')
      .option('--read-only', 'only checks that create nothing on the target')
      .option('--workers <n>', 'parallel workers (default 2)')
      .option('--json', 'print the run summary as JSON on stdout')
      .option(
        '--large <size>',
        'also upload, download and verify one big image of this size (e.g. 4GiB), streamed',
      ),
  ).action(async (opts) => {
    const suites = parseSuites(opts.suite);
    const large = opts.large === undefined ? undefined : parseLargeSize(opts.large);
    const workers = parseWorkers(opts.workers);
    const flags = flagsOf(opts);
    let cfg = loadConfig(flags);
    let workerFlags = flags;
    let reference: ReferenceServer | undefined;
    let workerEnv: Record<string, string> | undefined;
    if (!cfg.configured) {
      reference = await startReference({});
      workerFlags = { ...flags, ...referenceFlags(reference) };
      if (!cfg.alt) workerEnv = referenceAltEnv(reference);
      cfg = loadConfig(workerFlags);
      log(
        `glance-harness ${TOOL_VERSION}: no target configured, so running suites ${suites.join(', ')} against the ` +
          `embedded reference Glance (Zed 25.1 behaviour) at ${reference.glanceUrl}, Keystone ${reference.keystoneUrl}`,
      );
    } else {
      log(`glance-harness ${TOOL_VERSION}: suites ${suites.join(', ')} against the configured target`);
    }
    const outcome = await runSuites({
      flags,
      config: cfg,
      suites,
      ...(opts.grep ? { grep: opts.grep } : {}),
      readOnly: Boolean(opts.readOnly),
      ...(workers ? { workers } : {}),
      log,
      targetKind: reference ? 'reference' : 'configured',
      workerFlags,
      jsonOutput: Boolean(opts.json),
      ...(large ? { large } : {}),
      ...(workerEnv ? { workerEnv } : {}),
    }).finally(() => reference?.close());
    const s = outcome.summary;
    if (s.message) log(`${s.outcome}: ${s.message}`);
    log(`Summary: ${outcome.summaryPath} (exit ${outcome.exitCode})`);
    if (opts.json) process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    process.exitCode = outcome.exitCode;
  });

  registerLoadCommand(program, { withConfigFlags, flagsOf, loadConfig, referenceFlags, log });

  withConfigFlags(
    program
      .command('config')
      .description('Print the resolved settings, the source of each, secrets masked')
      .option('--json', 'as JSON'),
  ).action((opts) => {
    const cfg = loadConfig(flagsOf(opts));
    process.stdout.write(`${renderConfig(cfg, { json: Boolean(opts.json) })}\n`);
  });

  program
    .command('reference')
    .description('Serve the embedded reference Glance and Keystone in the foreground (Ctrl-C stops it)')
    .option(
      '--fault <name>',
      `start with a failure mode switched on (${FAULTS.map((f) => f.name).join(', ')})`,
    )
    .option('--port <port>', 'Glance port (default: a free one)')
    .option('--data-dir <dir>', 'where image data is kept (default: a temporary directory)')
    .option('--auth <mode>', 'keystone (default) or none', 'keystone')
    .action(async (opts) => {
      if (opts.fault && !FAULTS.some((f) => f.name === opts.fault)) {
        throw new UsageError(
          `--fault: unknown failure mode "${opts.fault}" (known: ${FAULTS.map((f) => f.name).join(', ')})`,
        );
      }
      if (opts.auth !== 'keystone' && opts.auth !== 'none')
        throw new UsageError(`--auth must be keystone or none (got "${opts.auth}")`);
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be 0-65535 (got "${opts.port}")`);
      const ref = await startReference({
        port,
        auth: opts.auth,
        ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
        ...(opts.fault ? { fault: opts.fault as FaultName } : {}),
      });
      process.stdout.write(referenceBanner(ref, opts.auth));
      await new Promise<void>((resolveStop) => {
        const stop = (): void => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await ref.close();
      log('reference stopped');
    });

  program
    .command('lab')
    .description('Real Glance lab from Debian packages: up, status, down, logs, break <fault>, restore')
    .argument('[args...]', 'lab subcommand and its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (args) => {
      process.exitCode = await runLab(args);
    });

  withConfigFlags(
    program
      .command('cleanup')
      .description('Delete images this harness created (name prefix and run tag), nothing else')
      .option('--run-id <id>', 'only images of this run')
      .option('--dry-run', 'list what would be deleted'),
  ).action(async (opts) => {
    const cfg = loadConfig(flagsOf(opts));
    if (!cfg.configured) throw new ConfigError('No Glance target configured: nothing to clean up');
    const target = await connect(cfg);
    try {
      const res = await cleanupImages(target.glance, {
        prefix: cfg.harness.prefix.value,
        ...(opts.runId ? { runId: opts.runId } : {}),
        dryRun: Boolean(opts.dryRun),
      });
      for (const img of res.found)
        process.stdout.write(`${opts.dryRun ? 'would delete' : 'image'} ${img.id} ${img.name ?? ''}\n`);
      log(
        opts.dryRun
          ? `${res.found.length} image(s) would be deleted`
          : `deleted ${res.deleted} of ${res.found.length} image(s)${res.failed.length ? `; failed: ${res.failed.join(' ')}` : ''}`,
      );
      if (res.failed.length > 0) process.exitCode = ExitCode.CheckFailed;
    } finally {
      await target.close();
    }
  });

  program
    .command('report')
    .description("Turn a run's Allure results into an HTML report (allure-commandline, needs Java)")
    .option('--run <id>', 'run id under the reports dir, or "latest"', 'latest')
    .option('--reports-dir <dir>', 'reports directory [env GLANCE_HARNESS_REPORTS_DIR]')
    .action((opts) => {
      const cfg = loadConfig(opts.reportsDir ? { reportsDir: opts.reportsDir } : {});
      const reportsDir = cfg.harness.reportsDir.value;
      const runDir = join(reportsDir, opts.run);
      const results = join(runDir, 'allure-results');
      if (!existsSync(results)) {
        throw new UsageError(
          `No Allure results at ${results}: run "glance-harness run" first, or name a run with --run`,
        );
      }
      const out = join(runDir, 'allure-report');
      const history = join(reportsDir, 'allure-history');
      if (existsSync(history)) cpSync(history, join(results, 'history'), { recursive: true });
      const require = createRequire(import.meta.url);
      const bin = join(dirname(require.resolve('allure-commandline/package.json')), 'dist', 'bin', 'allure');
      const r = spawnSync(bin, ['generate', results, '-o', out, '--clean'], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (r.error || r.status !== 0) {
        throw new HarnessError(
          'GH_REPORT',
          `allure generate failed (${r.error?.message ?? `exit ${r.status}`}); is Java installed (java -version)?`,
          ExitCode.CheckFailed,
        );
      }
      if (existsSync(join(out, 'history'))) {
        rmSync(history, { recursive: true, force: true });
        cpSync(join(out, 'history'), history, { recursive: true });
      }
      process.stdout.write(`${join(out, 'index.html')}\n`);
    });

  registerDbCommand(program);
  registerDoctor(program as unknown as Command, {
    withConfigFlags,
    flagsOf,
    loadConfig,
    log,
    dbProvider: doctorDbProvider,
  });

  program
    .command('version')
    .description('Print the harness version')
    .action(() => {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      process.stdout.write(`glance-harness ${pkg.version}\n`);
    });

  return program as unknown as Command;
}

/** Flags that point the harness at a running reference as its admin user. */
function referenceFlags(ref: ReferenceServer): ConfigFlags {
  const admin = ref.users.find((u) => u.role === 'admin');
  if (!admin)
    throw new HarnessError('GH_REFERENCE', 'the embedded reference has no admin user', ExitCode.CheckFailed);
  return {
    osAuthUrl: ref.keystoneUrl,
    osUsername: admin.name,
    osPassword: admin.password,
    osProjectName: admin.project,
    osUserDomainName: admin.domain,
    osProjectDomainName: admin.domain,
    osRegionName: 'RegionOne',
  };
}

function referenceBanner(ref: ReferenceServer, auth: string): string {
  const lines = [
    `Reference Glance   ${ref.glanceUrl}`,
    `Front proxy        ${ref.proxyUrl}`,
    `Keystone           ${ref.keystoneUrl}`,
    `Fault              ${ref.fault() ?? 'none'}`,
    '',
  ];
  if (auth === 'none') {
    lines.push(`glance-harness run --auth-type none --endpoint ${ref.glanceUrl}`, '');
    return `${lines.join('\n')}\n`;
  }
  for (const u of ref.users) {
    lines.push(
      `# openrc for ${u.name} (${u.role} in project ${u.project})`,
      `export OS_AUTH_URL=${ref.keystoneUrl}`,
      `export OS_USERNAME=${u.name}`,
      `export OS_PASSWORD=${u.password}`,
      `export OS_PROJECT_NAME=${u.project}`,
      `export OS_USER_DOMAIN_NAME=${u.domain}`,
      `export OS_PROJECT_DOMAIN_NAME=${u.domain}`,
      'export OS_REGION_NAME=RegionOne',
      '',
    );
  }
  lines.push('# clouds.yaml', 'clouds:');
  for (const u of ref.users) {
    lines.push(
      `  reference-${u.name}:`,
      '    auth:',
      `      auth_url: ${ref.keystoneUrl}`,
      `      username: ${u.name}`,
      `      password: ${u.password}`,
      `      project_name: ${u.project}`,
      `      user_domain_name: ${u.domain}`,
      `      project_domain_name: ${u.domain}`,
      '    region_name: RegionOne',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the CLI and returns the exit code; never lets a stack trace reach the user. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return 0;
      return ExitCode.Usage;
    }
    if (err instanceof HarnessError) {
      log(`error: ${err.message}`);
      return err.exitCode;
    }
    log(`error: ${describeError(err)}`);
    if (process.env.GLANCE_HARNESS_DEBUG) log((err as Error)?.stack ?? '');
    return ExitCode.CheckFailed;
  }
}
