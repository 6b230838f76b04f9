/**
 * The run context: everything the test workers need, resolved once by the CLI process and handed
 * over as one frozen JSON file in the run directory. No secret is in it: tokens, the database URL
 * and the Horizon password come from the run service on loopback, with the per-run key the CLI puts
 * in the workers' environment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressMode } from '../report/progress.js';
import type { TargetInfo } from '../report/summary.js';

export const CONTEXT_FILE = 'context.json';
/** Environment variables the CLI sets for the runner: the context file and the run service's key. */
export const CONTEXT_ENV = 'GH_CONTEXT';
export const SERVICE_KEY_ENV = 'GH_SERVICE_KEY';

/** The check selection: suites, a title/tag filter, read-only. */
export interface Selection {
  suites: string[];
  grep?: string;
  readOnly: boolean;
}

/** A user the checks act as: its token comes from the run service under `name`. */
export interface PrincipalInfo {
  name: string;
  endpoint: string;
  projectId?: string;
  projectName?: string;
  userId?: string;
  userName?: string;
  roles: string[];
}

/** A part of the run that is configured, or the reason it is not (a skip reason), or why it broke. */
export type Optional<T> = { ok: T } | { skipReason: string } | { error: string };

export interface HorizonContext {
  url: string;
  chromium: string;
  domain: string;
  username: string;
}

export interface RunContext {
  runId: string;
  runDir: string;
  prefix: string;
  selection: Selection;
  target: TargetInfo & {
    endpoint: string;
    /** Every image endpoint the catalog lists, when the catalog was used. */
    catalogEndpoints?: Array<{ url: string; interface: string; region?: string }>;
  };
  /** The target's hashing_algorithm (--hash-algo), sha512 unless configured. */
  hashAlgo: string;
  http: {
    /** Whole-call limit (--timeout), 0 for none. */
    timeoutMs: number;
    tls: { cacert?: string; cert?: string; key?: string; insecure: boolean };
  };
  /** Metadata calls and the first byte of data calls answer within this, or the check fails as latency. */
  latencyBudgetMs: number;
  primary: PrincipalInfo;
  alt: Optional<PrincipalInfo>;
  /** A user with only the reader role (OS_READER_*); absent in contexts written before it existed. */
  reader?: Optional<PrincipalInfo>;
  db: Optional<{ display: string; from: string }>;
  horizon: Optional<HorizonContext>;
  /** --large: bytes of the big image the data suite streams, 0 when not asked for. */
  largeBytes: number;
  progress: ProgressMode;
  color: boolean;
  /** Parallel workers, and each check's time limit. */
  workers: number;
  testTimeoutMs: number;
  /** The run service (tokens, secrets, blocked links) on loopback. */
  serviceUrl: string;
  /** The target's /v2/schemas/* bodies, fetched once, by name; and what differed from the pinned set. */
  liveSchemas: { family: string; bodies: Record<string, Record<string, unknown>>; findings: unknown[] };
}

/** Freezes an object and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Writes the context into the run directory; returns its path. */
export function writeRunContext(ctx: RunContext): string {
  const file = join(ctx.runDir, CONTEXT_FILE);
  writeFileSync(file, `${JSON.stringify(ctx, null, 2)}\n`, { mode: 0o600 });
  return file;
}

let cached: { file: string; ctx: Readonly<RunContext> } | undefined;

/** Reads the context a run handed over (once per process), frozen. */
export function readRunContext(file: string | undefined): Readonly<RunContext> {
  if (!file) {
    throw new Error(
      `${CONTEXT_ENV} is not set: the suites run under "glance-harness run", which resolves the configuration once and hands it over`,
    );
  }
  if (cached?.file === file) return cached.ctx;
  const ctx = deepFreeze(JSON.parse(readFileSync(file, 'utf8')) as RunContext);
  cached = { file, ctx };
  return ctx;
}
