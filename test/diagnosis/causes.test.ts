import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksFromPlaywright } from '../../src/report/summary.js';

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
});
