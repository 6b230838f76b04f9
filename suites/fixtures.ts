import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect as baseExpect } from '@playwright/test';
import { resolveConfig } from '../src/config/index.js';
import {
  causeIdIn,
  causeText,
  diagnoseExchange,
  diagnoseExchanges,
  type Facts,
} from '../src/diagnosis/index.js';
import type { ApiResponse, GlanceClient, Image } from '../src/glance/index.js';
import type { Exchange } from '../src/http/evidence.js';
import { describeFinding, type LiveSchemaReport, loadLiveSchemas } from '../src/live-schemas.js';
import {
  createProgress,
  PROGRESS_MIN_BYTES,
  type Progress,
  parseProgressMode,
} from '../src/report/progress.js';
import { runImageName, runTags } from '../src/run/naming.js';
import { connect, type Target } from '../src/target.js';
import { schemaSet, schemas } from '../src/validate.js';

/** Settings the CLI hands every worker through the environment. */
export interface RunContext {
  runId: string;
  runDir: string;
  prefix: string;
  readOnly: boolean;
  authType: string;
  /** The target's hashing_algorithm (--hash-algo), sha512 unless configured. */
  hashAlgo: string;
}

function runContext(): RunContext {
  return {
    runId: process.env.GH_RUN_ID ?? 'adhoc',
    runDir: process.env.GH_RUN_DIR ?? join(process.cwd(), 'reports', 'adhoc'),
    prefix: process.env.GH_PREFIX ?? 'gh',
    readOnly: process.env.GH_READ_ONLY === '1',
    authType: 'unknown',
    hashAlgo: 'sha512',
  };
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
    private readonly ctx: RunContext,
  ) {}

  /** Creates an image; fails the test (not the harness) when Glance does not answer 201. */
  async create(purpose: string, fields: Record<string, unknown> = {}): Promise<Image> {
    const res = await this.request(purpose, fields);
    baseExpect(res.status, explainStatus(res, 201)).toBe(201);
    return res.body as Image;
  }

  /** POST /v2/images named and tagged for the run, whatever the answer; a created image is tracked. */
  async request(purpose: string, fields: Record<string, unknown> = {}): Promise<ApiResponse<Image>> {
    if (this.ctx.readOnly) throw new Error(`--read-only run: refusing to create image "${purpose}"`);
    const res = await this.glance.images.create({
      name: runImageName(this.ctx.prefix, this.ctx.runId, purpose),
      disk_format: 'raw',
      container_format: 'bare',
      ...fields,
      tags: [...runTags(this.ctx.runId), ...((fields.tags as string[] | undefined) ?? [])],
    });
    const createdId = res.status === 201 ? (res.body as Image | undefined)?.id : undefined;
    if (createdId) this.created.push(createdId);
    return res;
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
    mode: parseProgressMode(process.env.GH_PROGRESS),
    write: (text) => process.stderr.write(text),
  });
}

/** Facts about the worker's target the diagnosis rules use (set once the target is connected). */
let targetFacts: () => Facts = () => ({});

function factsOf(target: Target, authUrl: string | undefined): Facts {
  const token = target.session?.peek();
  return {
    ...(authUrl ? { keystoneUrl: authUrl } : {}),
    ...(token ? { tokenIssued: true, tokenExpiresAt: token.expiresAt.toISOString() } : {}),
  };
}

/** "Expected 201 from POST /v2/images, got 500 (req-…, 412 ms). Likely cause: db.not-synced — <fix>". */
export function explainStatus(res: ApiResponse, expected: number | string): string {
  const ex = res.exchange;
  const rid = res.requestId ?? 'no request id';
  const cause = diagnoseExchange(ex, [], targetFacts());
  const why = cause ? `. ${causeText(cause)}` : '';
  const body = ex.bodyExcerpt ? ` Body: ${ex.bodyExcerpt.replace(/\s+/g, ' ').slice(0, 300)}` : '';
  return `Expected ${expected} from ${ex.method} ${ex.path}, got ${res.status} (${rid}, ${res.elapsedMs} ms)${why}${body}`;
}

interface WorkerFixtures {
  target: Target;
  ctx: RunContext;
  /** The target's /v2/schemas/*, fetched once per worker; drift against the pinned copies. */
  liveSchemas: LiveSchemaReport;
}

interface TestFixtures {
  glance: GlanceClient;
  images: ImageFactory;
  exchanges: Exchange[];
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  ctx: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixture signature
    async ({}, use) => {
      await use(runContext());
    },
    { scope: 'worker' },
  ],
  target: [
    async ({ ctx }, use) => {
      const flags = JSON.parse(process.env.GH_FLAGS ?? '{}');
      const cfg = resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() });
      ctx.authType = cfg.authType.value;
      ctx.hashAlgo = cfg.harness.hashAlgo.value;
      const target = await connect(cfg);
      targetFacts = () => factsOf(target, cfg.auth.authUrl?.value);
      const evidenceDir = join(ctx.runDir, 'evidence');
      mkdirSync(evidenceDir, { recursive: true });
      const file = join(evidenceDir, `worker-${process.pid}.ndjson`);
      const unsubscribe = target.http.recorder.subscribe((e) =>
        appendFileSync(file, `${JSON.stringify(e)}\n`),
      );
      await use(target);
      unsubscribe();
      await target.close();
    },
    { scope: 'worker' },
  ],
  liveSchemas: [
    async ({ target, ctx }, use) => {
      const report = await loadLiveSchemas(target.glance, schemas({ hashAlgo: ctx.hashAlgo }), 'zed');
      currentLiveSchemas = report;
      if (report.findings.length > 0) {
        const dir = join(ctx.runDir, 'findings');
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, `schemas-worker-${process.pid}.json`),
          JSON.stringify(report.findings, null, 2),
        );
      }
      await use(report);
    },
    { scope: 'worker', auto: true },
  ],
  exchanges: async ({ target }, use, testInfo) => {
    const seen: Exchange[] = [];
    const unsubscribe = target.http.recorder.subscribe((e) => seen.push(e));
    await use(seen);
    unsubscribe();
    if (testInfo.status !== testInfo.expectedStatus && !causeIdIn(testInfo.error?.message)) {
      const cause = diagnoseExchanges(seen, targetFacts());
      if (cause) testInfo.annotations.push({ type: 'cause', description: `${cause.id} — ${cause.fix}` });
    }
    if (seen.length > 0) {
      await testInfo.attach('exchanges.json', {
        body: JSON.stringify(seen, null, 2),
        contentType: 'application/json',
      });
      const ids = seen.map((e) => e.requestId).filter((r): r is string => Boolean(r));
      if (ids.length > 0) testInfo.annotations.push({ type: 'request-ids', description: ids.join(' ') });
      const last = seen.at(-1);
      if (last && testInfo.status !== testInfo.expectedStatus) {
        testInfo.annotations.push({
          type: 'last-request',
          description: `${last.method} ${last.path} → ${last.status ?? last.error?.code ?? 'no answer'} (${last.requestId ?? 'no request id'})`,
        });
      }
    }
  },
  glance: async ({ target, exchanges: _recording }, use) => {
    await use(target.glance);
  },
  images: async ({ glance, ctx }, use, testInfo) => {
    const factory = new ImageFactory(glance, ctx);
    await use(factory);
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
function noteDrift(key: string): void {
  const name = /^glance\/[a-z]+\/(.+)$/.exec(key)?.[1];
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
    const set = schemaSet(reg, key);
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
