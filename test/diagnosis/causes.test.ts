import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyCausesToAllure, causeOfCheck } from '../../src/report/causes.js';
import { checksFromPlaywright } from '../../src/report/summary.js';

const work = mkdtempSync(join(tmpdir(), 'gh-causes-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('causes in reports', () => {
  it("summary.json takes a failed check's cause from its message, or from the fixture's cause annotation", () => {
    const checks = checksFromPlaywright({
      suites: [
        {
          title: 'health/round-trip.spec.ts',
          specs: [
            {
              title: 'GET /v2/images with a token returns 200 and a list',
              file: 'health/round-trip.spec.ts',
              tests: [
                {
                  annotations: [{ type: 'id', description: 'health.images.list-200' }],
                  status: 'unexpected',
                  results: [
                    {
                      status: 'failed',
                      duration: 5,
                      error: {
                        message:
                          'Expected 200 from GET /v2/images, got 500 (req-1, 4 ms). Likely cause: db.not-synced — Run …',
                      },
                    },
                  ],
                },
              ],
            },
            {
              title:
                'PUT /v2/images/{id}/file of 2 MiB then GET returns the same bytes, and DELETE removes the image',
              file: 'health/round-trip.spec.ts',
              tests: [
                {
                  annotations: [{ type: 'id', description: 'health.images.round-trip' }],
                  status: 'unexpected',
                  results: [
                    {
                      status: 'failed',
                      duration: 3000,
                      error: {
                        message:
                          'TransportError: GET … failed: call exceeded its total timeout (TOTAL_TIMEOUT)',
                      },
                      annotations: [{ type: 'cause', description: 'db.hung — Unfreeze …' }],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(
      checks.map((c) => c.cause?.id),
      ['db.not-synced', 'db.hung'],
    );
    assert.match(checks[0]!.cause!.fix, /glance-manage db_sync/);
  });

  it('ignores an unknown cause id instead of inventing one', () => {
    assert.equal(
      causeOfCheck([{ type: 'cause', description: 'no.such-rule — x' }], 'Likely cause: other.thing — y'),
      undefined,
    );
  });

  it('writes categories.json and puts the cause phrase and a cause tag into failed Allure results', () => {
    const file = join(work, 'abc-result.json');
    writeFileSync(
      file,
      JSON.stringify({
        status: 'failed',
        statusDetails: { message: 'TransportError: timed out' },
        labels: [],
        steps: [{ name: 'id: health.images.list-200' }],
      }),
    );
    applyCausesToAllure(work, [
      { id: 'health.images.list-200', cause: { id: 'db.hung', title: 't', fix: 'f' } },
    ]);
    const result = JSON.parse(readFileSync(file, 'utf8')) as {
      statusDetails: { message: string };
      labels: Array<{ value: string }>;
    };
    assert.match(result.statusDetails.message, /^Likely cause: db\.hung — f\nTransportError/);
    assert.deepEqual(
      result.labels.map((l) => l.value),
      ['cause:db.hung'],
    );
    const categories = JSON.parse(readFileSync(join(work, 'categories.json'), 'utf8')) as Array<{
      name: string;
      messageRegex: string;
    }>;
    const hung = categories.find((c) => c.name.startsWith('db.hung: '))!;
    assert.ok(new RegExp(hung.messageRegex).test(result.statusDetails.message));
  });
});
