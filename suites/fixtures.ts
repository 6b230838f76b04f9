import { test as base, expect as baseExpect } from '@playwright/test';
import { diagnoseExchanges, type Facts, ruleById } from '../src/diagnosis/index.js';
import type { ApiResponse, GlanceClient, Image } from '../src/glance/index.js';
import type { Exchange } from '../src/http/evidence.js';
import {
  addLiveSchemas,
  describeFinding,
  type LiveSchemaReport,
  type SchemaFinding,
} from '../src/live-schemas.js';
import { createProgress, PROGRESS_MIN_BYTES, type Progress } from '../src/report/progress.js';
import { type CheckCause, checkCause, type LatencyBreach } from '../src/report/results.js';
import type { RunContext } from '../src/run/context.js';
import { describeBreach, latencyBreach } from '../src/run/latency.js';
import { runImageName, runTags } from '../src/run/naming.js';
import { readerOnly } from '../src/run/roles.js';
import { schemaSet, schemas } from '../src/validate.js';
import { type Run, runContext, type WorkerTarget, workerRun } from './context.js';

export type { RunContext } from '../src/run/context.js';

/** Name of the attachment that carries a check's structured outcome to the results reporter. */
export const CHECK_ATTACHMENT = 'glance-harness-check';

/** What a check's attachment says besides Playwright's own result. */
export interface CheckAttachmentBody {
  cause?: CheckCause;
  blocked?: CheckCause;
  requestIds: string[];
  latency?: LatencyBreach;
}

/** Annotation giving a check its permanent id (`area.operation.case`). */
export function id(checkId: string): { type: 'id'; description: string } {
  return { type: 'id', description: checkId };
}

/** Creates images named and tagged for this run, deleting them when the test ends. */
export class ImageFactory {
  private readonly created: string[] = [];

  constructor(
    private readonly glance: GlanceClient,
    private readonly ctx: Readonly<RunContext>,
  ) {}

  /** Creates an image; fails the test (not the harness) when Glance does not answer 201. */
  async create(purpose: string, fields: Record<string, unknown> = {}): Promise<Image> {
    const res = await this.request(purpose, fields);
    baseExpect(res.status, explainStatus(res, 201)).toBe(201);
    return res.body as Image;
  }

  /** POST /v2/images named and tagged for the run, whatever the answer; a created image is tracked. */
  async request(purpose: string, fields: Record<string, unknown> = {}): Promise<ApiResponse<Image>> {
    if (this.ctx.selection.readOnly)
      throw new Error(`--read-only run: refusing to create image "${purpose}"`);
    const named = this.fields(purpose);
    const res = await this.glance.images.create({
      ...named,
      ...fields,
      tags: [...named.tags, ...((fields.tags as string[] | undefined) ?? [])],
    });
    const createdId = res.status === 201 ? (res.body as Image | undefined)?.id : undefined;
    if (createdId) this.created.push(createdId);
    const readOnlyRoles = readerOnly(this.ctx.target.authType, this.ctx.primary.roles);
    if (res.status === 403 && readOnlyRoles) {
      // A reader persona under a release's default policy (2023.2 and later): not a defect to report.
      base
        .info()
        .skip(
          true,
          `the credentials carry only ${readOnlyRoles} on their project and Glance refused POST /v2/images with 403 ` +
            `(${res.requestId ?? 'no request id'}): this check needs a member or admin`,
        );
    }
    return res;
  }

  /** The name, formats and tags of an image of this run, for a create made with another user's client. */
  fields(purpose: string): { name: string; disk_format: string; container_format: string; tags: string[] } {
    return {
      name: runImageName(this.ctx.prefix, this.ctx.runId, purpose),
      disk_format: 'raw',
      container_format: 'bare',
      tags: runTags(this.ctx.runId),
    };
  }

  /** Registers an image created another way so it is removed too. */
  track(imageId: string): void {
    this.created.push(imageId);
  }

  /** Deletes everything created (protected flag cleared first); returns ids that could not be removed. */
  async dispose(): Promise<string[]> {
    const left: string[] = [];
    for (const imageId of this.created.reverse()) {
      let res = await this.glance.images.delete(imageId).catch(() => undefined);
      if (res?.status === 403) {
        await this.glance.images
          .update(imageId, [{ op: 'replace', path: '/protected', value: false }])
          .catch(() => undefined);
        res = await this.glance.images.delete(imageId).catch(() => undefined);
      }
      if (!res || (res.status !== 204 && res.status !== 404)) left.push(imageId);
    }
    return left;
  }
}

/**
 * Progress display for a transfer of `total` bytes, on the terminal the CLI runs in (GH_PROGRESS);
 * undefined for transfers too small to be worth it. Pass `progress.update` as the client's onProgress.
 */
export function transferProgress(label: string, total: number): Progress | undefined {
  if (total < PROGRESS_MIN_BYTES) return undefined;
  return createProgress({
    label,
    total,
    mode: runContext().progress,
    write: (text) => process.stderr.write(text),
  });
}

/** Facts about the run the diagnosis rules use. */
function runFacts(ctx: Readonly<RunContext>): Facts {
  return {
    ...(ctx.target.authUrl ? { keystoneUrl: ctx.target.authUrl } : {}),
    ...(ctx.target.authType !== 'none' ? { tokenIssued: true } : {}),
    latencyBudgetMs: ctx.latencyBudgetMs,
  };
}

/** "Expected 201 from POST /v2/images, got 500 (req-…, 412 ms). Body: …"; the cause travels as a value. */
export function explainStatus(res: ApiResponse, expected: number | string): string {
  const ex = res.exchange;
  const rid = res.requestId ?? 'no request id';
  const body = ex.bodyExcerpt ? ` Body: ${ex.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 300)}` : '';
  return `Expected ${expected} from ${ex.method} ${ex.path}, got ${res.status} (${rid}, ${res.elapsedMs} ms)${body}`;
}

/** The check's diagnosis as a value, the failing exchange's request id first. */
function causeValue(xs: readonly Exchange[], facts: Facts): CheckCause | undefined {
  const found = diagnoseExchanges(xs, facts);
  if (!found) return undefined;
  const failing = [...xs].reverse().find((x) => x.status === null || x.status >= 400 || x.status === 204);
  return checkCause(found, [failing?.requestId, ...xs.map((x) => x.requestId)]);
}

/** The latency cause: Glance answered, but slower than the run's budget. */
function latencyCause(b: LatencyBreach): CheckCause {
  const r = ruleById('latency.budget');
  if (!r) throw new Error('the latency.budget rule is missing from src/diagnosis');
  return {
    id: r.id,
    title: r.title,
    fix: r.fix,
    severity: r.severity,
    confidence: 'confirmed',
    evidence: b.requestId ? [b.requestId] : [],
  };
}

interface WorkerFixtures {
  run: Run;
  target: WorkerTarget;
  ctx: Readonly<RunContext>;
  /** The target's /v2/schemas/* the CLI fetched once, registered as live/<name>; drift against the pinned copies. */
  liveSchemas: LiveSchemaReport;
}

interface TestFixtures {
  glance: GlanceClient;
  images: ImageFactory;
  exchanges: Exchange[];
}

/** Registers the live schemas the context carries (the CLI fetched and compiled them) into this process's registry. */
function registerLiveSchemas(ctx: Readonly<RunContext>): LiveSchemaReport {
  const loaded = addLiveSchemas(schemas({ hashAlgo: ctx.hashAlgo }), ctx.liveSchemas.bodies);
  return { loaded, findings: [...(ctx.liveSchemas.findings as SchemaFinding[])] };
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  run: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      const run = workerRun();
      await use(run);
    },
    { scope: 'worker' },
  ],
  ctx: [
    async ({ run }, use) => {
      await use(run.ctx);
    },
    { scope: 'worker' },
  ],
  target: [
    async ({ run }, use) => {
      await use(run.target);
      await run.target.http.close();
    },
    { scope: 'worker' },
  ],
  liveSchemas: [
    async ({ run }, use) => {
      currentLiveSchemas ??= registerLiveSchemas(run.ctx);
      await use(currentLiveSchemas);
    },
    { scope: 'worker', auto: true },
  ],
  exchanges: async ({ run }, use, testInfo) => {
    const checkId = testInfo.annotations.find((a) => a.type === 'id')?.description ?? testInfo.title;
    Object.assign(run.check, {
      checkId,
      teardown: false,
      blockedBy: undefined,
      abort: new AbortController(),
    });
    run.blocks = await run.service.blocks();
    const seen: Exchange[] = [];
    const unsubscribe = run.target.http.recorder.subscribe((e) => seen.push(e));
    await use(seen);
    unsubscribe();
    if (testInfo.status !== testInfo.expectedStatus) {
      // A timed-out or failed check's transfers may still run; stop them, and give calls made before
      // the next check (hooks) a live signal.
      const ended = run.check.abort;
      run.check.abort = new AbortController();
      ended.abort();
    }
    run.check.teardown = true;
    const body: CheckAttachmentBody = {
      requestIds: [...new Set(seen.map((e) => e.requestId).filter((r): r is string => Boolean(r)))],
    };
    const breach = seen.map((x) => latencyBreach(x, run.ctx.latencyBudgetMs)).find(Boolean);
    if (breach) body.latency = breach;
    if (run.check.blockedBy) {
      body.blocked = run.check.blockedBy.cause;
    } else if (testInfo.status !== testInfo.expectedStatus) {
      const cause = causeValue(seen, runFacts(run.ctx));
      if (cause) body.cause = cause;
      else if (breach) body.cause = latencyCause(breach);
      const link = cause ? ruleById(cause.id)?.blocks : undefined;
      if (cause && link) {
        run.blocks = await run.service.report({ link, cause, checkId }).catch(() => run.blocks);
      }
    } else if (breach) {
      body.cause = latencyCause(breach);
    }
    if (seen.length > 0) {
      await testInfo.attach('exchanges.json', {
        body: JSON.stringify(seen, null, 2),
        contentType: 'application/json',
      });
    }
    await testInfo.attach(CHECK_ATTACHMENT, { body: JSON.stringify(body), contentType: 'application/json' });
    Object.assign(run.check, { checkId: undefined, teardown: false, blockedBy: undefined });
    if (breach && testInfo.status === testInfo.expectedStatus && !run.check.blockedBy) {
      throw new Error(`latency: ${describeBreach(breach)}`);
    }
  },
  glance: async ({ target, run, exchanges: _recording }, use) => {
    await use(target.glance);
    run.check.teardown = true;
  },
  images: async ({ glance, ctx, run }, use, testInfo) => {
    const factory = new ImageFactory(glance, ctx);
    await use(factory);
    run.check.teardown = true;
    const left = await factory.dispose();
    if (left.length > 0) {
      testInfo.annotations.push({ type: 'cleanup-failed', description: left.join(' ') });
    }
  },
});

/** "GET /v2/images/… → 200, req-…, 12 ms". */
function describeExchange(res: ApiResponse): string {
  return `${res.exchange.method} ${res.exchange.path} → ${res.status}, ${res.requestId ?? 'no request id'}, ${res.elapsedMs} ms`;
}

/** Drift of the live schema behind a key becomes an annotation of the test that relied on it. */
/** The target's release family the run read (its pinned schemas apply); none outside a run. */
function targetFamily(): string | undefined {
  try {
    return runContext().liveSchemas.family;
  } catch {
    return undefined;
  }
}

function noteDrift(key: string): void {
  const name = /^glance\/[a-z0-9.]+\/(.+)$/.exec(key)?.[1];
  const report = currentLiveSchemas;
  if (!name || !report?.findings.some((f) => f.schema === name)) return;
  let info: ReturnType<typeof base.info>;
  try {
    info = base.info();
  } catch {
    return; // outside a test (a script using the matcher): the summary still lists the finding
  }
  for (const f of report.findings) {
    if (f.schema !== name) continue;
    const description = describeFinding(f);
    if (!info.annotations.some((a) => a.type === f.kind && a.description === description)) {
      info.annotations.push({ type: f.kind, description });
    }
  }
}

let currentLiveSchemas: LiveSchemaReport | undefined;

function isResponse(v: unknown): v is ApiResponse {
  return typeof v === 'object' && v !== null && 'status' in v && 'exchange' in v;
}

export const expect = baseExpect.extend({
  /** The response has this status (or one of these). */
  toHaveStatus(received: unknown, expected: number | readonly number[]) {
    if (!isResponse(received)) {
      return { pass: false, message: () => 'toHaveStatus expects an API response', name: 'toHaveStatus' };
    }
    const want = Array.isArray(expected) ? expected : [expected as number];
    const pass = want.includes(received.status);
    return {
      pass,
      name: 'toHaveStatus',
      message: () =>
        pass
          ? `Expected a status other than ${want.join(' or ')} from ${received.exchange.method} ${received.exchange.path}`
          : explainStatus(received, want.join(' or ')),
    };
  },
  /**
   * The parsed JSON body validates against a registered schema (e.g. 'harness/versions',
   * 'glance/zed/image'); for a `glance/<family>/<name>` key also against the harness's strict
   * schema and the target's live /v2/schemas/<name>, each failure named by its source.
   */
  toMatchSchema(received: unknown, key: string) {
    const body = isResponse(received) ? received.body : received;
    const where = isResponse(received) ? ` (${describeExchange(received)})` : '';
    const reg = schemas();
    const set = schemaSet(reg, key, targetFamily());
    const checks = [
      set.pinned ? { label: `pinned ${set.pinned}`, key: set.pinned } : undefined,
      set.strict ? { label: `strict ${set.strict}`, key: set.strict } : undefined,
      set.live ? { label: `live /v2/schemas/${set.live.slice('live/'.length)}`, key: set.live } : undefined,
    ].filter((c): c is { label: string; key: string } => c !== undefined);
    if (checks.length === 0) {
      return { pass: false, name: 'toMatchSchema', message: () => `No schema registered as "${key}"` };
    }
    if (body === undefined) {
      return {
        pass: false,
        name: 'toMatchSchema',
        message: () => `No JSON body to validate against ${key}${where}`,
      };
    }
    const failures = checks
      .map((c) => ({ ...c, result: reg.validate(c.key, body) }))
      .filter((c) => !c.result.valid);
    noteDrift(key);
    const pass = failures.length === 0;
    const excerpt = JSON.stringify(body).slice(0, 1500);
    return {
      pass,
      name: 'toMatchSchema',
      message: () =>
        pass
          ? `Expected the body not to match ${checks.map((c) => c.label).join(' and ')}${where}`
          : `Expected the body to match ${checks.map((c) => c.label).join(', ')}${where}; it does not:\n` +
            failures.map((f) => `  ${f.label}:\n    ${f.result.errors.join('\n    ')}`).join('\n') +
            `\n  received: ${excerpt}`,
    };
  },
});

declare global {
  namespace PlaywrightTest {
    interface Matchers<R> {
      toHaveStatus(expected: number | readonly number[]): R;
      toMatchSchema(key: string): R;
    }
  }
}
