/**
 * The run envelope every command that talks to a Glance shares (run, load): run id and directory,
 * connect and probe (and the diagnosis when that fails), the child's process group and signals, the
 * sweep of the run's images, and the summary with every report written from it.
 */

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedConfig } from '../config/index.js';
import { sourceLabel } from '../config/sources.js';
import { diagnoseExchanges } from '../diagnosis/index.js';
import { AuthError, ConfigError, describeError, ExitCode, HarnessError } from '../errors.js';
import { readRelease } from '../glance/release.js';
import { EvidenceRecorder } from '../http/evidence.js';
import { allureHistoryDir, reportNameFor, writeAllureResults } from '../report/allure.js';
import { githubAnnotations, shouldAnnotate } from '../report/github.js';
import { junitXml } from '../report/junit.js';
import { recapLines } from '../report/recap.js';
import { type CheckCause, checkCause } from '../report/results.js';
import { markRunDir, type Summary, type TargetInfo, totals, writeSummary } from '../report/summary.js';
import { connect, probe, type Target } from '../target.js';
import { SECRETS } from '../util/mask.js';
import type { PinnedFamily } from '../validate.js';
import { cleanupImages } from './cleanup.js';
import type { Selection } from './context.js';
import { newRunId } from './naming.js';
import { TOOL_VERSION } from './version.js';

/** How long a child gets to stop after SIGINT/SIGTERM before it is killed. */
export const STOP_GRACE_MS = 10_000;

/** Output formats a command can print on stdout besides the files it always writes. */
export const REPORTERS = ['line', 'json', 'github', 'junit'] as const;
export type Reporter = (typeof REPORTERS)[number];

export interface EnvelopeOptions {
  config: ResolvedConfig;
  targetKind: TargetInfo['kind'];
  selection: Selection;
  /** Human lines (stderr): stdout carries only what a reporter asked for. */
  log: (line: string) => void;
  reporters: readonly Reporter[];
  color: boolean;
  runId?: string;
  /** How long the CLI's own metadata calls (probe, sweep) wait for an answer. */
  metadataHeadersMs?: number;
  /** Print the recap at the end (doctor's own step lines are its recap). */
  recap?: boolean;
  /** --release: the family to take the target for, whatever it serves. */
  release?: PinnedFamily;
}

export interface RunOutcome {
  exitCode: number;
  summary: Summary;
  summaryPath: string;
}

/** What a command adds to the summary the envelope writes. */
export type SummaryFields = Omit<
  Summary,
  | 'schemaVersion'
  | 'tool'
  | 'runId'
  | 'startedAt'
  | 'finishedAt'
  | 'durationMs'
  | 'totals'
  | 'selection'
  | 'target'
  | 'reports'
> & { reports?: Partial<Summary['reports']> };

function targetInfo(cfg: ResolvedConfig, kind: TargetInfo['kind'], target?: Target): TargetInfo {
  return {
    kind,
    ...(target ? { endpoint: target.endpoint, endpointSource: target.endpointSource } : {}),
    authType: cfg.authType.value,
    ...(cfg.auth.authUrl ? { authUrl: cfg.auth.authUrl.value } : {}),
    ...(cfg.regionName ? { region: cfg.regionName.value } : {}),
    interface: cfg.interface.value,
  };
}

/** The cause of a failure as a value, from the exchanges recorded before it. */
export function causeFrom(recorder: EvidenceRecorder, cfg: ResolvedConfig): CheckCause | undefined {
  const found = diagnoseExchanges(recorder.recent(), {
    ...(cfg.auth.authUrl ? { keystoneUrl: cfg.auth.authUrl.value } : {}),
  });
  if (!found) return undefined;
  const ids = recorder.recent().map((x) => x.requestId);
  return checkCause(found, ids.reverse());
}

/** The nearest existing ancestor of `path` (itself included) when it is not a directory. */
function blockingFile(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** Why a directory could not be made, in words: the errno's meaning, not its code. */
function fsReason(err: unknown, dir: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = blockingFile(dir);
      return file ? `${file} is a file, not a directory` : 'a part of the path is not a directory';
    }
    case 'EROFS':
      return 'read-only file system';
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

export class RunEnvelope {
  readonly runId: string;
  readonly reportsDir: string;
  readonly runDir: string;
  readonly startedAt = new Date();
  readonly recorder = new EvidenceRecorder();
  info: TargetInfo;
  private connected: Target | undefined;
  private interrupted = false;
  private readonly stopHandlers: Array<(sig: NodeJS.Signals) => void> = [];

  constructor(readonly opts: EnvelopeOptions) {
    this.runId = opts.runId ?? newRunId();
    this.reportsDir = opts.config.harness.reportsDir.value;
    this.runDir = join(this.reportsDir, this.runId);
    try {
      mkdirSync(join(this.runDir, 'evidence'), { recursive: true });
      markRunDir(this.runDir, this.runId);
    } catch (err) {
      const dir = opts.config.harness.reportsDir;
      const name = dir.source.kind === 'default' ? 'the reports dir' : sourceLabel(dir.source);
      const reason = fsReason(err, join(this.runDir, 'evidence'));
      throw new ConfigError(`${name} ${this.reportsDir}: cannot create ${this.runDir}: ${reason}`, {
        cause: err,
      });
    }
    this.info = targetInfo(opts.config, opts.targetKind);
    // Every exchange of the CLI process (login, probe, sweep) is evidence of the run too.
    this.recorder.subscribe((x) =>
      appendFileSync(
        join(this.runDir, 'evidence', 'cli.ndjson'),
        `${JSON.stringify(SECRETS.scrubDeep({ checkId: null, ...x }))}\n`,
      ),
    );
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** The connected target; only after connect() answered undefined. */
  get target(): Target {
    if (!this.connected) throw new Error('the run envelope is not connected');
    return this.connected;
  }

  get wasInterrupted(): boolean {
    return this.interrupted;
  }

  /**
   * Logs in and asks the endpoint for its versions. Undefined when the target answered; otherwise the
   * finished outcome (refused login: auth-refused, exit 3; nothing answers: unreachable, exit 3).
   */
  async connect(extra: Partial<SummaryFields> = {}): Promise<RunOutcome | undefined> {
    try {
      const wait = this.opts.metadataHeadersMs;
      this.connected = await connect(
        this.opts.config,
        this.recorder,
        wait ? { metadataHeadersMs: wait } : {},
      );
      this.info = targetInfo(this.opts.config, this.opts.targetKind, this.connected);
      const p = await probe(this.connected);
      this.info.glanceVersion = p.current ?? 'unknown';
      this.info.versions = p.versions?.versions.map((v) => v.id) ?? [];
      const release = readRelease(p.current, this.opts.release);
      this.info.releaseFamily = release.family;
      this.opts.log(
        `Target ${this.connected.endpoint} (${this.info.endpointSource}, auth ${this.info.authType}) answered GET / with ${p.status}` +
          `${p.current ? `, API ${p.current}` : ''} in ${p.elapsedMs} ms; release ${release.label} (${release.evidence})`,
      );
      return undefined;
    } catch (err) {
      const code = err instanceof HarnessError ? err.exitCode : ExitCode.Unreachable;
      const cause = causeFrom(this.recorder, this.opts.config);
      return this.finish({
        ...extra,
        exitCode: code,
        outcome:
          err instanceof ConfigError || code === ExitCode.Usage
            ? 'config-error'
            : err instanceof AuthError
              ? 'auth-refused'
              : 'unreachable',
        message: describeError(err),
        checks: [],
        ...(cause ? { cause } : {}),
      });
    }
  }

  /** Registers what to do on SIGINT/SIGTERM besides remembering the run was interrupted. */
  onStop(handler: (sig: NodeJS.Signals) => void): void {
    this.stopHandlers.push(handler);
  }

  private readonly onSignal = (sig: NodeJS.Signals): void => {
    const again = this.interrupted;
    this.interrupted = true;
    if (!again) this.opts.log(`${sig} received: stopping, then removing the images this run created`);
    for (const h of this.stopHandlers) h(again ? 'SIGKILL' : sig);
  };

  /**
   * Runs a child in its own process group, so a stuck one can be stopped whole after a signal: it
   * gets STOP_GRACE_MS to stop, a second signal stops it at once. Resolves with its exit code (null when
   * it could not start or was killed by a signal).
   */
  async runChild(
    command: string,
    args: readonly string[],
    options: SpawnOptions & { onSpawn?: (child: ChildProcess) => void },
  ): Promise<number | null> {
    const { onSpawn, ...spawnOptions } = options;
    const child: ChildProcess = spawn(command, [...args], { ...spawnOptions, detached: true });
    onSpawn?.(child);
    let forceTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    this.onStop((sig) => {
      killGroup(sig);
      if (sig === 'SIGKILL') return;
      forceTimer ??= setTimeout(() => {
        this.opts.log(`the checks did not stop within ${STOP_GRACE_MS / 1000} s: stopping them`);
        killGroup('SIGKILL');
      }, STOP_GRACE_MS);
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', (err) => {
        this.opts.log(`cannot start ${command}: ${err.message}`);
        resolve(null);
      });
      child.once('close', (c) => resolve(c));
    });
    if (forceTimer) clearTimeout(forceTimer);
    return code;
  }

  /**
   * Deletes the images this run created that are still there. When the run found the link listing
   * needs broken (the database, Keystone, the proxy's upstream), it does not wait on it again: it says
   * how to sweep once the cause is fixed.
   */
  async sweep(
    blocked?: { link: string; cause: CheckCause },
    /** Only images whose name begins so (a load segment's own, when several share a run id). */
    names?: string,
  ): Promise<NonNullable<Summary['cleanup']>> {
    if (blocked && blocked.link !== 'store') {
      return {
        deleted: 0,
        failed: [
          `not swept: listing images needs the ${blocked.link} link, blocked by ${blocked.cause.id}; once fixed, run: glance-harness cleanup --run-id ${this.runId}`,
        ],
      };
    }
    try {
      const swept = await cleanupImages(this.target.glance, {
        prefix: this.opts.config.harness.prefix.value,
        runId: this.runId,
        since: this.startedAt,
        ...(names ? { names } : {}),
      });
      if (swept.found.length > 0)
        this.opts.log(`Cleanup: removed ${swept.deleted} image(s) the run left behind`);
      return { deleted: swept.deleted, failed: swept.failed };
    } catch (err) {
      return { deleted: 0, failed: [describeError(err)] };
    }
  }

  /** Writes summary.json, JUnit, Allure results and annotations; prints the recap; returns the outcome. */
  finish(fields: SummaryFields): RunOutcome {
    const finishedAt = new Date();
    // Scrubbed once here: summary.json, JUnit, Allure, annotations and the recap all read this copy.
    const summary: Summary = SECRETS.scrubDeep({
      schemaVersion: 1,
      tool: { name: 'glance-harness', version: TOOL_VERSION },
      runId: this.runId,
      startedAt: this.startedAt.toISOString(),
      selection: this.opts.selection,
      target: this.info,
      ...fields,
      reports: {
        dir: this.runDir,
        junit: join(this.runDir, 'junit.xml'),
        allureResults: join(this.runDir, 'allure-results'),
        evidence: join(this.runDir, 'evidence'),
        ...fields.reports,
      },
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - this.startedAt.getTime(),
      totals: totals(fields.checks, { expectations: fields.expectations !== undefined }),
    } satisfies Summary);
    writeFileSync(summary.reports.junit!, junitXml(summary));
    writeAllureResults(summary.reports.allureResults!, summary, {
      reportName: reportNameFor(summary),
      runDir: this.runDir,
      historyDir: allureHistoryDir(this.reportsDir, summary.selection),
      env: process.env,
    });
    const { path: summaryPath, warning } = writeSummary(this.reportsDir, this.runDir, summary);
    if (warning) this.opts.log(`warning: ${warning}`);
    if (this.opts.recap !== false)
      for (const line of recapLines(summary, { color: this.opts.color })) this.opts.log(line);
    const stdout = (text: string): void => {
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    };
    if (this.opts.reporters.includes('json')) stdout(JSON.stringify(summary, null, 2));
    if (this.opts.reporters.includes('junit')) stdout(junitXml(summary));
    if (shouldAnnotate(process.env, this.opts.reporters))
      for (const l of githubAnnotations(summary)) stdout(l);
    return { exitCode: summary.exitCode, summary, summaryPath };
  }

  /** Releases the connection and the signal handlers. */
  async close(): Promise<void> {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    await this.connected?.close();
  }
}
