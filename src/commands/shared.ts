// What every command shares: the human log line, colour, the connection flags shown once as a group,
// configuration resolved once, the reference's flags, and the help footer with exit codes.
import { homedir } from 'node:os';
import { type Command, Option } from '@commander-js/extra-typings';
import { CONFIG_FLAGS, type ConfigFlags, type ResolvedConfig, resolveConfig } from '../config/index.js';
import { parseDbUrl } from '../db/url.js';
import { ExitCode, HarnessError, UsageError } from '../errors.js';
import type { ReferenceServer } from '../reference/index.js';
import { REPORTERS, type Reporter } from '../run/envelope.js';
import { SECRETS } from '../util/mask.js';

export type AnyCommand = Command<unknown[], Record<string, unknown>>;

/** Writes a line for people (stderr); stdout stays for results and machine-readable documents. */
export const log = (line: string): void => {
  process.stderr.write(`${SECRETS.scrub(line)}\n`);
};

/** Colour as Playwright decides it: FORCE_COLOR wins, then NO_COLOR, then whether stderr is a terminal. */
export function useColor(
  env: NodeJS.ProcessEnv = process.env,
  isTTY = Boolean(process.stderr.isTTY),
): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

const CONNECTION_GROUP = 'Connection options (as the openstack CLI reads them; flag > OS_* > clouds.yaml):';

/** Adds the OpenStack connection flags (--os-auth-url, --endpoint, …) to a command, in their own help group. */
export function withConfigFlags<C extends AnyCommand>(cmd: C): C {
  for (const spec of CONFIG_FLAGS) {
    const opt = new Option(spec.flags, spec.env ? `${spec.description} [env ${spec.env}]` : spec.description);
    opt.helpGroup(CONNECTION_GROUP);
    cmd.addOption(opt as unknown as Option);
  }
  return cmd;
}

/** The connection flags a command was given, by key. */
export function flagsOf(opts: Record<string, unknown>): ConfigFlags {
  const out: Record<string, unknown> = {};
  for (const spec of CONFIG_FLAGS) {
    const v = opts[spec.key];
    if (v !== undefined) out[spec.key] = v;
  }
  return out as ConfigFlags;
}

/** Resolves the configuration once, in the CLI process (extra variables laid over the environment); warnings are logged. */
export function loadConfig(flags: ConfigFlags, extraEnv: Record<string, string> = {}): ResolvedConfig {
  const env = { ...process.env, ...extraEnv };
  const cfg = resolveConfig({ flags, env, cwd: process.cwd(), homeDir: homedir() });
  registerSecrets(cfg);
  for (const w of cfg.warnings) log(`warning: ${w}`);
  return cfg;
}

/** Puts every credential of the configuration (both users, the database password) in SECRETS. */
function registerSecrets(cfg: ResolvedConfig): void {
  for (const c of [cfg, cfg.alt, cfg.reader].filter((x): x is ResolvedConfig => x !== undefined)) {
    const user = c.auth.username?.value ?? c.auth.userId?.value;
    SECRETS.add(c.auth.password?.value, user);
    SECRETS.add(c.auth.applicationCredentialSecret?.value, c.auth.applicationCredentialId?.value);
    SECRETS.add(c.auth.token?.value);
    const dbUrl = c.db.url?.value;
    if (dbUrl) {
      try {
        const db = parseDbUrl(dbUrl, 'database URL');
        SECRETS.add(db.password, db.user);
      } catch {
        // A malformed URL is reported, masked, by whoever uses it.
      }
    }
  }
}

/** Flags that point the harness at a running reference as its admin user. */
export function referenceFlags(ref: ReferenceServer): ConfigFlags {
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

/** `--reporter line,json` → the reporters, or a usage error naming the known ones. */
export function parseReporters(value: string | undefined, json: boolean): Reporter[] {
  const names = (value ?? 'line')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(REPORTERS as readonly string[]).includes(n))
      throw new UsageError(`--reporter: unknown reporter "${n}" (known: ${REPORTERS.join(', ')})`);
  }
  if (json && !names.includes('json')) names.push('json');
  return names as Reporter[];
}

export const EXIT_CODES_HELP = `
Exit codes:
  0    every check passed
  1    a check failed or was blocked, a listed check passed with --strict, a threshold was breached,
       or the runner failed (an expected failure from --expect-failures does not count)
  2    usage or configuration error (bad flag, missing setting, every check skipped for configuration)
  3    the target did not answer, or Keystone refused the credentials, before any check
  130  interrupted (SIGINT/SIGTERM), after removing the run's images`;

/** Adds examples and the exit codes to a command's help. */
export function helpFooter<C extends AnyCommand>(cmd: C, examples: readonly string[]): C {
  cmd.addHelpText(
    'after',
    `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n${EXIT_CODES_HELP}\n`,
  );
  return cmd;
}
