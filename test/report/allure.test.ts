import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildReport, findRun } from '../../src/commands/report.js';
import { ruleById } from '../../src/diagnosis/index.js';
import { HarnessError } from '../../src/errors.js';
import {
  type AllureCategory,
  type AllureResult,
  allureHistoryDir,
  reportNameFor,
  selectionKey,
  writeAllureResults,
} from '../../src/report/allure.js';
import type { CheckCause, CheckResult } from '../../src/report/results.js';
import type { Summary } from '../../src/report/summary.js';

const work = mkdtempSync(join(tmpdir(), 'gh-allure-'));
after(() => rmSync(work, { recursive: true, force: true }));

const notSynced = ruleById('db.not-synced')!;
const RID_A = 'req-0b7c2f7e-1111-4a4a-9c9c-0123456789ab';
const RID_B = 'req-5d1e6f70-2222-4b4b-8d8d-ba9876543210';
const IMAGE_A = '8f6b0f3c-3a44-4c41-9d7e-5d3b8e1c2a10';
const IMAGE_B = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

function cause(evidence: string[]): CheckCause {
  return {
    id: notSynced.id,
    title: notSynced.title,
    fix: notSynced.fix,
    severity: notSynced.severity,
    confidence: 'confirmed',
    hop: 'glance-api',
    evidence,
  };
}

function check(over: Partial<CheckResult> & Pick<CheckResult, 'id' | 'status'>): CheckResult {
  return {
    title: `title of ${over.id}`,
    suite: 'images',
    file: 'images/create.spec.ts',
    tags: ['@images'],
    durationMs: 12,
    startedAt: '2026-12-03T10:00:01.000Z',
    ...over,
  };
}

function summaryOf(runDir: string, checks: CheckResult[], over: Partial<Summary> = {}): Summary {
  return {
    schemaVersion: 1,
    tool: { name: 'glance-harness', version: '0.0.0-test' },
    runId: '20261203-100000-ab12',
    startedAt: '2026-12-03T10:00:00.000Z',
    finishedAt: '2026-12-03T10:00:09.000Z',
    durationMs: 9000,
    exitCode: 1,
    outcome: 'failed',
    target: {
      kind: 'configured',
      endpoint: 'https://glance.example.test:9292',
      authType: 'password',
      glanceVersion: 'v2.15',
    },
    selection: { suites: ['images', 'health'], readOnly: false },
    checks,
    totals: { total: checks.length, passed: 0, failed: 0, skipped: 0, blocked: 0 },
    reports: { dir: runDir },
    ...over,
  };
}

function readResults(dir: string): Map<string, AllureResult> {
  const out = new Map<string, AllureResult>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('-result.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as AllureResult;
    assert.equal(f, `${r.uuid}-result.json`);
    out.set(r.fullName, r);
  }
  return out;
}

function readCategories(dir: string): AllureCategory[] {
  return JSON.parse(readFileSync(join(dir, 'categories.json'), 'utf8')) as AllureCategory[];
}

/** Allure matches messageRegex against the whole message with DOTALL (CategoriesPlugin). */
function categoriesOf(cats: readonly AllureCategory[], r: AllureResult): string[] {
  return cats
    .filter(
      (c) =>
        c.matchedStatuses.includes(r.status) &&
        new RegExp(`^(?:${c.messageRegex})$`, 's').test(r.statusDetails.message ?? ''),
    )
    .map((c) => c.name);
}

const UUID_OR_RID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|req-[0-9a-f]/i;

function mixedRun(name: string): { runDir: string; results: string; summary: Summary } {
  const runDir = join(work, name);
  mkdirSync(join(runDir, 'evidence'), { recursive: true });
  writeFileSync(join(runDir, 'evidence', 'exchanges.json'), '{"exchanges":[]}\n');
  const summary = summaryOf(runDir, [
    check({ id: 'images.list.ok', status: 'passed' }),
    check({
      id: 'images.create.minimal',
      status: 'failed',
      error: `Expected 201 from POST /v2/images, got 500 (${RID_A}, 412 ms). Likely cause: db.not-synced\n  at images/create.spec.ts:12`,
      cause: cause([RID_A]),
      requestIds: [RID_A],
      attachments: [{ name: 'exchanges', contentType: 'application/json', path: 'evidence/exchanges.json' }],
    }),
    check({
      id: 'images.show.existing',
      status: 'failed',
      error: `Expected 200 from GET /v2/images/${IMAGE_B}, got 500 (${RID_B}, 97 ms).`,
      cause: cause([RID_B]),
      requestIds: [RID_B],
    }),
    check({
      id: 'images.delete.existing',
      status: 'failed',
      error: `Expected 204 from DELETE /v2/images/${IMAGE_A}, got 409 (${RID_A}, 31 ms)\nbody: {"title": "Conflict"}`,
      requestIds: [RID_A],
    }),
    check({
      id: 'images.upload.small',
      status: 'blocked',
      skipReason: 'not run: images.create.minimal found the database without tables',
      cause: cause([RID_A]),
    }),
    check({
      id: 'tasks.import.web-download',
      status: 'skipped',
      skipReason: 'web-download import is not enabled',
    }),
  ]);
  const results = join(runDir, 'allure-results');
  writeAllureResults(results, summary, {
    reportName: reportNameFor(summary),
    host: 'ci-runner-1',
    env: { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/glance', GITHUB_RUN_ID: '42' },
  });
  return { runDir, results, summary };
}

describe('Allure results from check results', () => {
  const { results } = mixedRun('mixed');
  const byId = readResults(results);
  const cats = readCategories(results);

  it('writes one finished result per check with the Allure status of its check status', () => {
    assert.deepEqual(Object.fromEntries([...byId].map(([id, r]) => [id, r.status])), {
      'images.list.ok': 'passed',
      'images.create.minimal': 'failed',
      'images.show.existing': 'failed',
      'images.delete.existing': 'failed',
      'images.upload.small': 'skipped',
      'tasks.import.web-download': 'skipped',
    });
    for (const r of byId.values()) {
      assert.equal(r.stage, 'finished');
      assert.equal(r.name, `title of ${r.fullName}`);
      assert.equal(r.stop - r.start, 12);
    }
    const labels = byId.get('images.create.minimal')!.labels;
    assert.deepEqual(labels, [
      { name: 'suite', value: 'images' },
      { name: 'parentSuite', value: 'glance-harness' },
      { name: 'subSuite', value: 'images/create.spec.ts' },
      { name: 'tag', value: '@images' },
      { name: 'severity', value: 'critical' },
      { name: 'cause', value: 'db.not-synced' },
      { name: 'host', value: 'ci-runner-1' },
      { name: 'framework', value: 'playwright' },
    ]);
  });

  it('gives failures of one cause the same message, whatever their request ids, and keeps the details in the trace', () => {
    const a = byId.get('images.create.minimal')!;
    const b = byId.get('images.show.existing')!;
    assert.equal(a.statusDetails.message, `db.not-synced: ${notSynced.title}`);
    assert.equal(b.statusDetails.message, a.statusDetails.message);
    assert.match(a.statusDetails.trace!, /got 500 \(req-0b7c2f7e/);
    assert.ok(a.statusDetails.trace!.includes(`Fix: ${notSynced.fix}`));
    assert.ok(a.statusDetails.trace!.includes(`Request ids: ${RID_A}`));
    assert.ok(b.statusDetails.trace!.includes(RID_B));
  });

  it("puts a cause's failures in that rule's category and nowhere else", () => {
    const a = byId.get('images.create.minimal')!;
    assert.deepEqual(categoriesOf(cats, a), [`db.not-synced: ${notSynced.title}`]);
    assert.deepEqual(categoriesOf(cats, byId.get('images.show.existing')!), categoriesOf(cats, a));
  });

  it('strips request ids, UUIDs and timings from the message of a failure without a cause', () => {
    const r = byId.get('images.delete.existing')!;
    assert.equal(
      r.statusDetails.message,
      'Expected 204 from DELETE /v2/images/<uuid>, got 409 (req-<id>, <n> ms)',
    );
    assert.doesNotMatch(r.statusDetails.message!, UUID_OR_RID);
    assert.match(r.statusDetails.trace!, /body: \{"title": "Conflict"\}/);
    assert.ok(r.statusDetails.trace!.includes(RID_A));
    assert.deepEqual(categoriesOf(cats, r), ['Failed checks without a named cause']);
  });

  it('reports a blocked check as skipped, in a category of the cause that blocked it', () => {
    const r = byId.get('images.upload.small')!;
    assert.equal(r.status, 'skipped');
    assert.equal(r.statusDetails.message, `blocked by db.not-synced: ${notSynced.title}`);
    assert.deepEqual(categoriesOf(cats, r), ['Blocked by db.not-synced']);
    assert.match(r.statusDetails.trace!, /found the database without tables/);
  });

  it('reports a skipped check with its reason and no category', () => {
    const r = byId.get('tasks.import.web-download')!;
    assert.equal(r.statusDetails.message, 'web-download import is not enabled');
    assert.deepEqual(categoriesOf(cats, r), []);
  });

  it('copies attachments into the results directory', () => {
    const [att, ...rest] = byId.get('images.create.minimal')!.attachments;
    assert.equal(rest.length, 0);
    assert.equal(att!.name, 'exchanges');
    assert.equal(att!.type, 'application/json');
    assert.match(att!.source, /^[0-9a-f-]{36}-attachment\.json$/);
    assert.equal(readFileSync(join(results, att!.source), 'utf8'), '{"exchanges":[]}\n');
  });

  it('writes executor.json naming the endpoint and the CI build, and environment.properties', () => {
    const executor = JSON.parse(readFileSync(join(results, 'executor.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.equal(executor.reportName, 'glance-harness — https://glance.example.test:9292');
    assert.equal(executor.buildName, '20261203-100000-ab12');
    assert.equal(executor.type, 'glance-harness');
    assert.equal(executor.buildUrl, 'https://github.com/acme/glance/actions/runs/42');
    const env = readFileSync(join(results, 'environment.properties'), 'utf8');
    for (const line of [
      'target.endpoint=https://glance.example.test:9292',
      'glance.version=v2.15',
      'auth.type=password',
      'run.id=20261203-100000-ab12',
      'selection=images, health',
    ]) {
      assert.ok(env.split('\n').includes(line), `${line} in\n${env}`);
    }
  });

  it('keeps historyId stable across runs of one selection and distinct across selections', () => {
    const again = readResults(mixedRun('mixed-again').results);
    assert.equal(again.get('images.list.ok')!.historyId, byId.get('images.list.ok')!.historyId);
    const dir = join(work, 'other-selection');
    const s = summaryOf(dir, [check({ id: 'images.list.ok', status: 'passed' })], {
      selection: { suites: ['images'], readOnly: true },
    });
    writeAllureResults(join(dir, 'allure-results'), s, { reportName: 'x' });
    const other = readResults(join(dir, 'allure-results'));
    assert.notEqual(other.get('images.list.ok')!.historyId, byId.get('images.list.ok')!.historyId);
    assert.equal(other.get('images.list.ok')!.testCaseId, byId.get('images.list.ok')!.testCaseId);
  });

  it('writes the same files again when a run is written twice, instead of duplicates', () => {
    const { results: dir, summary } = mixedRun('twice');
    const before = readdirSync(dir).sort();
    writeAllureResults(dir, summary, { reportName: reportNameFor(summary) });
    assert.deepEqual(readdirSync(dir).sort(), before);
  });
});

describe('Allure result of a run that stopped before any check', () => {
  it('is one broken result named after the outcome, in the Broken category', () => {
    const dir = join(work, 'refused');
    const s = summaryOf(dir, [], {
      outcome: 'auth-refused',
      exitCode: 3,
      message: `Keystone refused the credentials (401, ${RID_A}) for user demo`,
    });
    writeAllureResults(join(dir, 'allure-results'), s, { reportName: reportNameFor(s) });
    const [r, ...rest] = readResults(join(dir, 'allure-results')).values();
    assert.equal(rest.length, 0);
    assert.equal(r!.status, 'broken');
    assert.match(r!.name, /^auth-refused/);
    assert.equal(r!.statusDetails.message, 'Keystone refused the credentials (401, req-<id>) for user demo');
    assert.ok(r!.statusDetails.trace!.includes(RID_A));
    assert.deepEqual(categoriesOf(readCategories(join(dir, 'allure-results')), r!), [
      'Broken (harness or set-up errors)',
    ]);
  });

  it("carries the run's cause as the stable message, in that rule's category", () => {
    const dir = join(work, 'unreachable-db');
    const s = summaryOf(dir, [], { outcome: 'unreachable', message: 'no tables', cause: cause([RID_B]) });
    writeAllureResults(join(dir, 'allure-results'), s, { reportName: reportNameFor(s) });
    const [r] = readResults(join(dir, 'allure-results')).values();
    assert.equal(r!.statusDetails.message, `db.not-synced: ${notSynced.title}`);
    assert.deepEqual(categoriesOf(readCategories(join(dir, 'allure-results')), r!), [
      `db.not-synced: ${notSynced.title}`,
    ]);
  });
});

describe('selectionKey', () => {
  const base = { suites: ['images', 'health'], readOnly: false };

  it('is stable and does not depend on suite order', () => {
    assert.equal(selectionKey(base), selectionKey({ ...base }));
    assert.equal(selectionKey(base), selectionKey({ suites: ['health', 'images'], readOnly: false }));
    assert.match(selectionKey(base), /^[a-z0-9+._-]{1,80}$/);
  });

  it('differs when suites, grep or read-only differ', () => {
    const keys = [
      selectionKey(base),
      selectionKey({ ...base, suites: ['images'] }),
      selectionKey({ ...base, grep: 'create' }),
      selectionKey({ ...base, grep: 'delete' }),
      selectionKey({ ...base, readOnly: true }),
      selectionKey({ suites: ['load:read'], readOnly: false }),
    ];
    assert.equal(new Set(keys).size, keys.length, keys.join(' '));
    for (const k of keys) assert.match(k, /^[a-z0-9+._-]{1,80}$/);
  });

  it('names the history folder under <reports>/allure-history/<key>', () => {
    assert.equal(allureHistoryDir('/r', base), join('/r', 'allure-history', selectionKey(base)));
  });
});

describe('glance-harness report: finding the run', () => {
  it('names the missing summary path and says how to get a run', () => {
    const reports = join(work, 'empty-reports');
    mkdirSync(reports, { recursive: true });
    assert.throws(
      () => findRun(reports, 'latest'),
      (err: Error) =>
        err instanceof HarnessError &&
        err.exitCode === 2 &&
        err.message.includes(join(reports, 'latest', 'summary.json')),
    );
  });

  it('refuses a run that ended before any check, saying so rather than "run first"', () => {
    const reports = join(work, 'reports-refused');
    const runDir = join(reports, '20261203-100000-ab12');
    mkdirSync(runDir, { recursive: true });
    const s = summaryOf(runDir, [], { outcome: 'auth-refused', exitCode: 3, message: 'Keystone said 401' });
    writeFileSync(join(runDir, 'summary.json'), JSON.stringify(s));
    const found = findRun(reports, '20261203-100000-ab12');
    assert.throws(
      () => buildReport(reports, found, () => {}),
      (err: Error) =>
        err instanceof HarnessError &&
        err.exitCode === 2 &&
        /^run 20261203-100000-ab12 ended before any check \(auth-refused: Keystone said 401\): no report to build$/.test(
          err.message,
        ),
    );
  });

  it('resolves "latest" to the run directory it mirrors', () => {
    const reports = join(work, 'reports-latest');
    const runDir = join(reports, '20261203-100000-ab12');
    const s = summaryOf(runDir, [check({ id: 'images.list.ok', status: 'passed' })], { outcome: 'ok' });
    for (const d of [runDir, join(reports, 'latest')]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'summary.json'), JSON.stringify(s));
    }
    assert.equal(findRun(reports, 'latest').runDir, runDir);
    assert.throws(() => findRun(reports, '../etc'), /--run must be a run id/);
  });
});

describe('allure generate on the written results', () => {
  const hasJava = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).status === 0;

  it('builds index.html, groups one cause in one category and keeps history per selection', (t) => {
    if (!hasJava) {
      t.skip('not run: no java on this machine');
      return;
    }
    const reports = join(work, 'reports-generate');
    const { runDir, summary } = mixedRun(join('reports-generate', '20261203-100000-ab12'));
    writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summary));
    const index = buildReport(reports, findRun(reports, summary.runId), () => {});
    assert.equal(index, join(runDir, 'allure-report', 'index.html'));
    assert.ok(existsSync(index));
    const tree = JSON.parse(
      readFileSync(join(runDir, 'allure-report', 'data', 'categories.json'), 'utf8'),
    ) as {
      children: Array<{ name: string; children: Array<{ name: string; children: unknown[] }> }>;
    };
    const group = tree.children.find((c) => c.name === `db.not-synced: ${notSynced.title}`);
    assert.ok(group, JSON.stringify(tree.children.map((c) => c.name)));
    assert.equal(group.children.length, 1, 'one message group for the cause');
    assert.equal(group.children[0]!.children.length, 2, 'both failures of the cause in it');
    const history = allureHistoryDir(reports, summary.selection);
    assert.ok(existsSync(join(history, 'history-trend.json')), `${history} has the trend`);
  });
});
