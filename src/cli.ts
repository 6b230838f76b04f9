import { Command, CommanderError } from '@commander-js/extra-typings';
import { registerReportCommand } from './commands/report.js';
import { registerRunCommand } from './commands/run.js';
import {
  type AnyCommand,
  EXIT_CODES_HELP,
  flagsOf,
  helpFooter,
  loadConfig,
  log,
  withConfigFlags,
} from './commands/shared.js';
import { renderConfig } from './config/index.js';
import { registerDbCommand } from './db/command.js';
import { doctorDbProvider } from './db/doctor-provider.js';
import { registerDoctor } from './doctor/command.js';
import {
  ConfigError,
  describeError,
  ExitCode,
  HarnessError,
  UnreachableError,
  UsageError,
} from './errors.js';
import { TransportError } from './http/client.js';
import { runLab } from './lab/index.js';
import { registerLoadCommand } from './load/command.js';
import {
  FAULTS,
  type FaultName,
  MAX_EXTRA_MEMBERS,
  parseStores,
  type ReferenceServer,
  type ReferenceUser,
  startReference,
} from './reference/index.js';
import { oneLine, safeText } from './report/recap.js';
import { cleanupImages } from './run/cleanup.js';
import { TOOL_VERSION } from './run/version.js';
import { connect } from './target.js';

/** lab.sh's exit code for a usage error (sysexits EX_USAGE). */
const LAB_USAGE = 64;

export function buildProgram(): Command {
  const program = new Command()
    .name('glance-harness')
    .description('Conformance, load and troubleshooting harness for OpenStack Glance (Image API v2)')
    .version(TOOL_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  registerRunCommand(program as unknown as Command);

  registerLoadCommand(program);

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
    .option('--keystone-port <port>', 'Keystone port (default: a free one)')
    .option('--proxy-port <port>', 'front proxy port (default: a free one)')
    .option('--users <file>', 'YAML or JSON list of users to create (name, password, project, roles, domain)')
    .option('--members <n>', 'add N member users member1…memberN, each in its own project', '0')
    .option(
      '--stores <mode>',
      'multi:<id>[,<id>…] (enabled_backends, first id the default; http is read-only) or legacy',
      'multi:fs',
    )
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
      const keystonePort = portFlag('--keystone-port', opts.keystonePort);
      const proxyPort = portFlag('--proxy-port', opts.proxyPort);
      if (!/^\d{1,4}$/.test(opts.members) || Number(opts.members) > MAX_EXTRA_MEMBERS)
        throw new UsageError(
          `--members must be a whole number from 0 to ${MAX_EXTRA_MEMBERS} (got "${opts.members}")`,
        );
      try {
        parseStores(opts.stores);
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(`--stores: ${err.message}`);
        throw err;
      }
      const ref = await startReference({
        port,
        keystonePort,
        proxyPort,
        extraMembers: Number(opts.members),
        stores: opts.stores,
        ...(opts.users ? { users: opts.users } : {}),
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
      const code = await runLab(args);
      // lab.sh says 64 (EX_USAGE) for a bad subcommand; the harness says 2 for every usage error.
      process.exitCode = code === LAB_USAGE ? ExitCode.Usage : code;
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
      }).catch((err: unknown) => {
        // No answer from Glance is "unreachable" (exit 3), as for run and doctor.
        if (err instanceof TransportError)
          throw new UnreachableError(`Glance unreachable at ${target.endpoint}: ${err.message}`, {
            cause: err,
          });
        throw err;
      });
      for (const img of res.found)
        process.stdout.write(
          `${opts.dryRun ? 'would delete' : 'image'} ${oneLine(img.id)} ${oneLine(img.name ?? '')}\n`,
        );
      const failed = res.failed.length
        ? `; not deleted: ${res.failed.map((f) => oneLine(f)).join('; ')}`
        : '';
      log(
        opts.dryRun
          ? `${res.found.length} image(s) would be deleted${failed}`
          : `deleted ${res.deleted} of ${res.found.length} image(s)${failed}`,
      );
      if (res.failed.length > 0) process.exitCode = ExitCode.CheckFailed;
    } finally {
      await target.close();
    }
  });

  registerReportCommand(program as unknown as Command, {
    log,
    reportsDir: (flag) => loadConfig(flag ? { reportsDir: flag } : {}).harness.reportsDir.value,
  });

  registerDbCommand(program, { loadConfig, log });
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
      process.stdout.write(`glance-harness ${TOOL_VERSION}\n`);
    });

  for (const sub of program.commands) {
    const examples = EXAMPLES[sub.name()];
    if (examples) helpFooter(sub as unknown as AnyCommand, examples);
  }
  program.addHelpText(
    'after',
    `\nStart with: glance-harness run   (the embedded reference when no cloud is configured)\n${EXIT_CODES_HELP}\n`,
  );
  return program as unknown as Command;
}

/** Examples shown under each command's help (run carries its own). */
const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  load: [
    'glance-harness load large-upload --size 1GiB --vus 2',
    'glance-harness load churn --smoke --os-cloud mycloud',
    'glance-harness load download --segment 1/2 --run-id bench-42   # and 2/2 on another machine',
    'glance-harness load merge hostA/reports/bench-42 hostB/reports/bench-42',
    'glance-harness load large-upload --emit k8s --parallelism 4',
  ],
  doctor: [
    'glance-harness doctor --config /etc/glance/glance-api.conf      # on the Glance host',
    'source admin-openrc.sh && glance-harness doctor --read-only',
    'glance-harness doctor --endpoint http://127.0.0.1:9292 --auth-type none --json',
  ],
  db: ['glance-harness db check --db mysql://glance:PASSWORD@127.0.0.1:3306/glance'],
  cleanup: ['glance-harness cleanup --dry-run', 'glance-harness cleanup --run-id 20261203-101502-a1b2'],
  report: ['glance-harness report --open', 'glance-harness report --run 20261203-101502-a1b2'],
  config: ['glance-harness config --os-cloud mycloud', 'glance-harness config --json'],
  reference: [
    'glance-harness reference',
    'glance-harness reference --fault db-not-synced --port 9292',
    'glance-harness reference --users users.yaml --members 4 --keystone-port 5000',
  ],
  lab: ['glance-harness lab up', 'glance-harness lab break db-not-synced', 'glance-harness lab restore'],
  version: ['glance-harness version'],
};

function referenceBanner(ref: ReferenceServer, auth: string): string {
  const lines = [
    `Reference Glance   ${ref.glanceUrl}`,
    `Front proxy        ${ref.proxyUrl}`,
    `Keystone           ${ref.keystoneUrl}`,
    `Fault              ${ref.fault() ?? 'none'}`,
    `Stores             ${ref.stores}`,
    '',
  ];
  if (auth === 'none') {
    lines.push(`glance-harness run --auth-type none --endpoint ${ref.glanceUrl}`, '');
    return `${lines.join('\n')}\n`;
  }
  // A password the users file gave is not echoed: only generated ones are shown.
  const given = '(as given in the users file)';
  for (const u of ref.users) {
    lines.push(
      `# openrc for ${u.name} (${u.roles.join('+')} in project ${u.project})`,
      `export OS_AUTH_URL=${ref.keystoneUrl}`,
      `export OS_USERNAME=${u.name}`,
      u.passwordGenerated ? `export OS_PASSWORD=${u.password}` : `# OS_PASSWORD ${given}`,
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
      u.passwordGenerated ? `      password: ${u.password}` : `      # password ${given}`,
      `      project_name: ${u.project}`,
      `      user_domain_name: ${u.domain}`,
      `      project_domain_name: ${u.domain}`,
      '    region_name: RegionOne',
    );
  }
  lines.push('', '# Tempest accounts.yaml (pre-provisioned credentials)');
  for (const u of ref.users) lines.push(...tempestAccount(u, given));
  return `${lines.join('\n')}\n`;
}

/** One entry of Tempest's accounts.yaml: the roles assigned, not those they imply. */
function tempestAccount(u: ReferenceUser, given: string): string[] {
  return [
    `- username: ${u.name}`,
    `  project_name: ${u.project}`,
    u.passwordGenerated ? `  password: ${u.password}` : `  # password ${given}`,
    `  roles: [${u.roles.join(', ')}]`,
  ];
}

/** A port flag's value, 0 (a free port) when absent. */
function portFlag(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(`${flag} must be 0-65535 (got "${value}")`);
  return Number(value);
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
      log(`error: ${safeText(err.message)}`);
      return err.exitCode;
    }
    log(`error: ${safeText(describeError(err))}`);
    if (process.env.GLANCE_HARNESS_DEBUG) log((err as Error)?.stack ?? '');
    return ExitCode.CheckFailed;
  }
}
