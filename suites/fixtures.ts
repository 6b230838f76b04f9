import { appendFileSync, mkdirSync } from 'node:fs';
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
import { runImageName, runTags } from '../src/run/naming.js';
import { connect, type Target } from '../src/target.js';
import { schemas } from '../src/validate.js';

/** Settings the CLI hands every worker through the environment. */
export interface RunContext {
  runId: string;
  runDir: string;
  prefix: string;
  readOnly: boolean;
  authType: string;
}

function runContext(): RunContext {
  return {
    runId: process.env.GH_RUN_ID ?? 'adhoc',
    runDir: process.env.GH_RUN_DIR ?? join(process.cwd(), 'reports', 'adhoc'),
    prefix: process.env.GH_PREFIX ?? 'gh',
    readOnly: process.env.GH_READ_ONLY === '1',
    authType: 'unknown',
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
    const res = await this.glance.images.create({
      name: runImageName(this.ctx.prefix, this.ctx.runId, purpose),
      disk_format: 'raw',
      container_format: 'bare',
      ...fields,
      tags: [...runTags(this.ctx.runId), ...((fields.tags as string[] | undefined) ?? [])],
    });
    baseExpect(res.status, explainStatus(res, 201)).toBe(201);
    const image = res.body as Image;
    this.created.push(image.id);
    return image;
  }

  /** Registers an image created another way so it is removed too. */
  track(imageId: string): void {
    this.created.push(imageId);
  }

  /** Deletes everything created (protected flag cleared first); returns ids that could not be removed. */
  async dispose(): Promise<string[]> {
    const left: string[] = [];
    for (const imageId of this.created.reverse()) {
      await this.glance.images
        .update(imageId, [{ op: 'replace', path: '/protected', value: false }])
        .catch(() => undefined);
      const res = await this.glance.images.delete(imageId).catch(() => undefined);
      if (!res || (res.status !== 204 && res.status !== 404)) left.push(imageId);
    }
    return left;
  }
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
  /** The parsed JSON body validates against a registered schema (e.g. 'harness/versions', 'glance/zed/image'). */
  toMatchSchema(received: unknown, key: string) {
    const body = isResponse(received) ? received.body : received;
    const where = isResponse(received) ? ` (${received.exchange.method} ${received.exchange.path})` : '';
    if (body === undefined) {
      return {
        pass: false,
        name: 'toMatchSchema',
        message: () => `No JSON body to validate against ${key}${where}`,
      };
    }
    const result = schemas().validate(key, body);
    return {
      pass: result.valid,
      name: 'toMatchSchema',
      message: () =>
        result.valid
          ? `Expected the body not to match ${key}${where}`
          : `Body does not match schema ${key}${where}:\n  ${result.errors.join('\n  ')}`,
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
