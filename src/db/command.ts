import { type Command, Option } from '@commander-js/extra-typings';
import { CONFIG_FLAGS, type ConfigFlags, type ResolvedConfig } from '../config/index.js';
import { ConfigError, describeError, ExitCode, UsageError } from '../errors.js';
import { connect } from '../target.js';
import { type DbFacts, gatherDbFacts } from './facts.js';
import { FAMILIES, type FamilyId } from './families.js';
import { DB_ACCESS_HINT, resolveDbTarget } from './source.js';

/** The `db check --json` document; fields are only ever added. */
export interface DbCheckReport {
  readonly schemaVersion: 1;
  readonly outcome: 'ok' | 'findings' | 'unreachable';
  readonly exitCode: number;
  readonly from: string;
  readonly facts: DbFacts;
  readonly notes: readonly string[];
}

const _log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Exit code of a finished check: 3 when the DB could not be read, 1 with any finding, else 0. */
export function exitCodeOf(facts: DbFacts): number {
  if (!facts.reachable) return ExitCode.Unreachable;
  return facts.findings.length > 0 ? ExitCode.CheckFailed : ExitCode.Ok;
}

function parseRelease(value: string | undefined): FamilyId | undefined {
  if (value === undefined) return undefined;
  const family = FAMILIES.find((f) => f.id === value || (f.id === '2024.1+' && value === '2024.1'));
  if (!family) {
    throw new UsageError(`--release must be one of ${FAMILIES.map((f) => f.id).join(', ')} (got "${value}")`);
  }
  return family.id;
}

/** The API's CURRENT version, or a note saying why it was not read. */
async function apiCurrent(cfg: ResolvedConfig): Promise<{ current?: string; note?: string }> {
  if (!cfg.configured)
    return { note: 'no Glance API configured: the release cross-check uses the database alone' };
  try {
    const target = await connect(cfg);
    try {
      const res = await target.glance.versions.listRoot();
      const doc = res.body as { versions?: { id: string; status: string }[] } | undefined;
      const current = doc?.versions?.find((v) => v.status === 'CURRENT')?.id;
      return current ? { current } : { note: `GET / answered ${res.status} without a CURRENT version` };
    } finally {
      await target.close();
    }
  } catch (err) {
    return {
      note: `API versions not read (${describeError(err)}): release cross-check uses the database alone`,
    };
  }
}

/** Human lines of a report. */
export function renderDbReport(report: DbCheckReport): string {
  const f = report.facts;
  const lines = [
    `Database ${f.database} (from ${report.from})${f.serverVersion ? `, server ${f.serverVersion}` : ''}`,
  ];
  if (!f.reachable) {
    lines.push(`unreachable: ${f.error?.message ?? 'unknown error'}`);
    return `${lines.join('\n')}\n`;
  }
  const family = FAMILIES.find((x) => x.id === f.family);
  lines.push(
    `Schema: ${f.tables.length} table(s), alembic head ${f.alembicHead ?? '(none)'}` +
      `${family ? `: ${family.label}, expects ${family.tables.length} tables` : ''}`,
  );
  if (f.release) lines.push(`Release: ${f.release.note}`);
  if (f.drift) {
    const d = f.drift;
    lines.push(
      `Drift: ${d.activeImages} active image(s); ${d.activeWithoutLocation.length} without an active location; ` +
        `${d.missingFiles.length} missing file(s) of ${d.fileLocationsChecked} checked on this host` +
        `${d.fileLocationsUnchecked ? ` (${d.fileLocationsUnchecked} not visible from here)` : ''}`,
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const x of f.findings) {
    lines.push(`FINDING ${x.id} (${x.severity}): ${x.title}: ${x.detail}`);
    if (x.ids?.length) {
      const shown = x.ids.slice(0, 20);
      lines.push(
        `  ids: ${shown.join(', ')}${x.ids.length > shown.length ? ` … (${x.ids.length} in all)` : ''}`,
      );
    }
    lines.push(`  fix: ${x.fix}`);
  }
  lines.push(f.findings.length === 0 ? 'ok: no findings' : `${f.findings.length} finding(s)`);
  return `${lines.join('\n')}\n`;
}

/** Runs the check for a resolved configuration; bad settings throw ConfigError (exit 2). */
export async function runDbCheck(
  cfg: ResolvedConfig,
  opts: { release?: FamilyId } = {},
): Promise<DbCheckReport> {
  const target = resolveDbTarget(cfg);
  if (!target) throw new ConfigError(`No database configured: ${DB_ACCESS_HINT}`);
  const notes: string[] = [];
  if (target.spec.ignoredOptions.length > 0) {
    notes.push(`query option(s) not used by the harness: ${target.spec.ignoredOptions.join(', ')}`);
  }
  const api = await apiCurrent(cfg);
  if (api.note) notes.push(api.note);
  const facts = await gatherDbFacts(target.spec, {
    ...(api.current ? { apiCurrent: api.current } : {}),
    ...(opts.release ? { expectedFamily: opts.release } : {}),
  });
  const exitCode = exitCodeOf(facts);
  return {
    schemaVersion: 1,
    outcome: !facts.reachable ? 'unreachable' : facts.findings.length > 0 ? 'findings' : 'ok',
    exitCode,
    from: target.from,
    facts,
    notes,
  };
}

/** Registers `glance-harness db check` on the program. */
/** What cli.ts lends the command: configuration resolved (and its secrets registered) as for every command. */
export interface DbCliHelpers {
  loadConfig: (flags: ConfigFlags) => ResolvedConfig;
  log: (line: string) => void;
}

export function registerDbCommand(program: Command, h: DbCliHelpers): void {
  const db = program.command('db').description('Read-only checks of the Glance database (MySQL/MariaDB)');
  const check = db
    .command('check')
    .description(
      'Schema and migration head, release cross-check and drift; exit 0 ok, 1 finding, 2 config, 3 unreachable',
    )
    .option(
      '--release <family>',
      `release family deployed (${FAMILIES.map((f) => f.id).join(', ')}), checked against the DB`,
    )
    .option('--json', 'print the report as JSON');
  for (const spec of CONFIG_FLAGS) {
    check.addOption(
      new Option(spec.flags, spec.env ? `${spec.description} [env ${spec.env}]` : spec.description),
    );
  }
  check.action(async (opts) => {
    const all = opts as Record<string, unknown>;
    const flags: Record<string, unknown> = {};
    for (const spec of CONFIG_FLAGS) if (all[spec.key] !== undefined) flags[spec.key] = all[spec.key];
    const release = parseRelease(opts.release);
    const cfg = h.loadConfig(flags as ConfigFlags);
    const report = await runDbCheck(cfg, release ? { release } : {});
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(renderDbReport(report));
    if (!report.facts.reachable) h.log(`error: ${report.facts.error?.message ?? 'database unreachable'}`);
    process.exitCode = report.exitCode;
  });
}
