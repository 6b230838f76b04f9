// The one place a worker learns about its run: the frozen context the CLI wrote, the run service for
// tokens, secrets and blocked links, and the clients built from them. No environment beyond the two
// variables the CLI set, no clouds.yaml, no Keystone: configuration was resolved once, by the CLI.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { needsLink } from '../src/diagnosis/links.js';
import type { Link } from '../src/diagnosis/types.js';
import { GlanceClient, type TokenProvider } from '../src/glance/index.js';
import { DEFAULT_TIMEOUTS, HttpClient } from '../src/http/client.js';
import type { ExchangeListener } from '../src/http/evidence.js';
import { CONTEXT_ENV, type RunContext, readRunContext, SERVICE_KEY_ENV } from '../src/run/context.js';
import { LATENCY_WAIT_FACTOR } from '../src/run/latency.js';
import type { Block } from '../src/run/service.js';
import { RunServiceClient } from '../src/run/service-client.js';
import { SECRETS } from '../src/util/mask.js';

/** The run's context, read once per process. */
export function runContext(): Readonly<RunContext> {
  return readRunContext(process.env[CONTEXT_ENV]);
}

/** The annotation that carries the cause of a blocked check (JSON of a CheckCause). */
export const BLOCKED_ANNOTATION = 'glance-harness-blocked';

/** A call stopped unsent: the link it needs is blocked. */
export class BlockedError extends Error {
  constructor(readonly block: Block) {
    super(`blocked by ${block.cause.id}: ${block.cause.title}`);
    this.name = 'BlockedError';
  }
}

/** What the check in progress has met: the block that stopped it, whether its body has ended. */
export interface CheckState {
  checkId: string | undefined;
  teardown: boolean;
  blockedBy: Block | undefined;
  /** Signals every call of the check; aborted when the check ends unpassed so none of its transfers outlives it. */
  abort: AbortController;
}

/** The worker's view of the target as the primary user. */
export interface WorkerTarget {
  glance: GlanceClient;
  http: HttpClient;
  tokens: TokenProvider;
  endpoint: string;
  catalogEndpoints?: RunContext['target']['catalogEndpoints'];
}

/** Everything a worker builds once from the context. */
export interface Run {
  ctx: Readonly<RunContext>;
  service: RunServiceClient;
  /** Blocks in force as this worker last heard; refreshed before each check and after each report. */
  blocks: Block[];
  check: CheckState;
  target: WorkerTarget;
  /** A Glance client acting as another user of the run (its token from the run service). */
  clientFor(name: string, endpoint: string): GlanceClient;
}

function buildRun(): Run {
  const ctx = runContext();
  const key = process.env[SERVICE_KEY_ENV] ?? '';
  SECRETS.add(key);
  const service = new RunServiceClient(ctx.serviceUrl, key);
  const check: CheckState = {
    checkId: undefined,
    teardown: false,
    blockedBy: undefined,
    abort: new AbortController(),
  };
  const run = { ctx, service, blocks: [], check } as unknown as Run;
  const tokens = service.tokens('primary');
  const http = new HttpClient({
    tls: ctx.http.tls,
    timeouts: { ...DEFAULT_TIMEOUTS, totalMs: ctx.http.timeoutMs },
    userAgent: `glance-harness/${ctx.runId}`,
    secrets: () => SECRETS.values(),
  });
  const dir = join(ctx.runDir, 'evidence');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `worker-${process.pid}.ndjson`);
  const write: ExchangeListener = (x) =>
    appendFileSync(file, `${JSON.stringify(SECRETS.scrubDeep({ checkId: check.checkId ?? null, ...x }))}\n`);
  http.recorder.subscribe(write);
  const gate = (method: string, path: string): void => {
    const block = run.blocks.find((b) => needsLink(b.link as Link, method, path));
    if (!block) return;
    check.blockedBy ??= block;
    // In a check's body or a hook a skip ends it (and a beforeAll's whole group) at once, carrying the
    // cause as a value; in a check's teardown (cleanup) the call is just not made.
    if (!check.teardown) {
      const info = base.info();
      info.annotations.push({ type: BLOCKED_ANNOTATION, description: JSON.stringify(block.cause) });
      info.skip(true, `blocked by ${block.cause.id}: ${block.cause.title}`);
    }
    throw new BlockedError(block);
  };
  // Playwright's check timeout only abandons the check's promise; the signal is what stops its calls.
  const options = {
    gate,
    metadataHeadersMs: ctx.latencyBudgetMs * LATENCY_WAIT_FACTOR,
    signal: () => check.abort.signal,
  };
  run.target = {
    glance: new GlanceClient(ctx.target.endpoint, http, tokens, options),
    http,
    tokens,
    endpoint: ctx.target.endpoint,
    ...(ctx.target.catalogEndpoints ? { catalogEndpoints: ctx.target.catalogEndpoints } : {}),
  };
  run.clientFor = (name, endpoint) => new GlanceClient(endpoint, http, service.tokens(name), options);
  return run;
}

let built: Run | undefined;

/** The worker's run, built on first use. */
export function workerRun(): Run {
  built ??= buildRun();
  return built;
}
