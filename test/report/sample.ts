import { totals } from '../../src/report/results.js';
import type { CheckCause, CheckResult, Summary } from '../../src/report/summary.js';

export const dbNotSynced: CheckCause = {
  id: 'db.not-synced',
  title: 'Glance database has no tables',
  fix: 'Run `glance-manage db_sync` on the Glance host, then restart glance-api.',
  severity: 'critical',
  confidence: 'confirmed',
  hop: 'glance-api, behind the front proxy',
  evidence: ['req-1', 'req-2', 'req-3'],
};

/** A conformance run with a check of every status: one cause failing two checks and blocking one. */
export function sampleChecks(): CheckResult[] {
  return [
    {
      id: 'discovery.versions.root-300',
      title: 'GET / returns 300',
      suite: 'discovery',
      file: 'discovery/versions.spec.ts',
      tags: ['@discovery', '@smoke'],
      status: 'passed',
      durationMs: 12,
      requestIds: ['req-0'],
    },
    {
      id: 'images.create.minimal',
      title: 'POST /v2/images with a name returns 201',
      suite: 'images',
      file: 'images/create.spec.ts',
      tags: ['@images'],
      status: 'failed',
      durationMs: 412,
      error: 'Expected 201 from POST /v2/images, got 500 (req-1, 412 ms).\n  at create.spec.ts:12',
      cause: dbNotSynced,
      requestIds: ['req-1'],
    },
    {
      id: 'images.list.existing',
      title: 'GET /v2/images lists an existing image',
      suite: 'images',
      file: 'images/list.spec.ts',
      tags: ['@images'],
      status: 'failed',
      durationMs: 30,
      error: 'Expected 200 from GET /v2/images, got 500',
      cause: dbNotSynced,
    },
    {
      id: 'images.upload.raw',
      title: 'PUT /v2/images/{id}/file stores the data',
      suite: 'images',
      file: 'images/upload.spec.ts',
      tags: ['@images', '@data'],
      status: 'blocked',
      durationMs: 0,
      cause: dbNotSynced,
      skipReason: 'blocked by db.not-synced',
    },
    {
      id: 'images.show.unknown-id',
      title: 'GET /v2/images/{id} with an unknown id returns 404',
      suite: 'images',
      file: 'images/show.spec.ts',
      tags: ['@images', '@negative'],
      status: 'failed',
      durationMs: 8,
      error: 'Expected 404 from GET /v2/images/x, got 200',
    },
    {
      id: 'tasks.import.web-download',
      title: 'POST /v2/images/{id}/import web-download',
      suite: 'tasks',
      tags: ['@tasks'],
      status: 'skipped',
      durationMs: 0,
      skipReason: 'web-download is not among the enabled import methods',
    },
  ];
}

export function sampleSummary(checks: CheckResult[] = sampleChecks()): Summary {
  return {
    schemaVersion: 1,
    tool: { name: 'glance-harness', version: '0.1.0' },
    runId: '20261122-101500-abcd',
    startedAt: '2026-11-22T10:15:00.000Z',
    finishedAt: '2026-11-22T10:15:03.500Z',
    durationMs: 3500,
    exitCode: 1,
    outcome: 'failed',
    target: {
      kind: 'configured',
      endpoint: 'https://glance.example.test:9292',
      endpointSource: 'catalog',
      authType: 'password',
      authUrl: 'https://keystone.example.test:5000/v3',
      region: 'RegionOne',
      interface: 'public',
      glanceVersion: 'v2.15',
      versions: ['v2.15', 'v2.14'],
    },
    selection: { suites: ['discovery', 'images', 'tasks'], readOnly: false },
    checks,
    totals: totals(checks),
    reports: { dir: 'reports/20261122-101500-abcd', junit: 'reports/20261122-101500-abcd/junit.xml' },
    cleanup: { deleted: 2, failed: ['DELETE /v2/images/abc returned 409, image is protected'] },
    findings: [{ kind: 'schema-drift', schema: 'image', keys: ['+properties.foo'] }],
  };
}

/** A run that stopped before any check: Keystone did not answer. */
export function unreachableSummary(): Summary {
  return {
    schemaVersion: 1,
    tool: { name: 'glance-harness', version: '0.1.0' },
    runId: '20261122-101500-efgh',
    startedAt: '2026-11-22T10:15:00.000Z',
    finishedAt: '2026-11-22T10:15:05.000Z',
    durationMs: 5000,
    exitCode: 3,
    outcome: 'unreachable',
    message: 'No answer from https://keystone.example.test:5000/v3 within 5000 ms',
    target: { kind: 'configured' },
    selection: { suites: [], readOnly: true },
    checks: [],
    totals: totals([]),
    reports: { dir: 'reports/20261122-101500-efgh' },
  };
}
