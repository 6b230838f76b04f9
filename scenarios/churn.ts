// churn: how fast does this Glance handle many small metadata operations as the request rate ramps
// up? Each iteration: create → show → list (the run's tag) → delete, no data. An arrival-rate
// executor, so a slow Glance shows as latency and dropped iterations, not as a politely slower client.
import { defineScenario } from '../src/load/engine/scenario.js';
import { runTag } from '../src/run/naming.js';
import { createImage, deleteImage } from './lib/glance.js';

const MiB = 2 ** 20;

export default defineScenario({
  name: 'churn',
  question: 'How fast does this Glance handle small metadata operations as the request rate ramps up?',
  image: false,
  profile: (p) => ({
    sizeBytes: 0,
    vus: p.vus ?? (p.smoke ? 2 : 10),
    durationS: p.durationS ?? (p.smoke ? 4 : 60),
    rate: p.rate ?? (p.smoke ? 4 : 20),
  }),
  executor: (p) => {
    const seconds = p.durationS ?? 60;
    const rate = p.rate ?? 20;
    const stage = (fraction: number): number => Math.max(1, Math.round(seconds * fraction));
    return {
      type: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.round(rate / 10)),
      timeUnitS: 1,
      preAllocatedVUs: p.vus,
      maxVUs: p.vus * 5,
      stages: [
        { target: rate, durationS: stage(0.4) },
        { target: rate, durationS: stage(0.4) },
        { target: 0, durationS: stage(0.2) },
      ],
      gracefulStopS: 30,
    };
  },
  // No image data: a VU is its client and a few small JSON bodies. k6 holds nothing image-sized either.
  memory: {
    harness: { perVuBytes: 4 * MiB, fixedBytes: 0, vusPerThread: 16 },
    k6: { copiesPerVu: 0, copiesShared: 0 },
  },
  metrics: { churn_failed: { type: 'rate' } },
  thresholds: () => ({
    // Budget: at most 1 cycle in 100 may fail (any of the four calls not answering as documented).
    churn_failed: ['rate<0.01'],
    // Budgets per operation at the peak rate: a metadata write within 1 s, a read within 0.5 s, for 95 %.
    'http_req_duration{op:create}': ['p(95)<1000'],
    'http_req_duration{op:show}': ['p(95)<500'],
    'http_req_duration{op:list}': ['p(95)<1000'],
    'http_req_duration{op:delete}': ['p(95)<1000'],
  }),
  failureMetric: 'churn_failed',
  chart: { metric: 'http_reqs', unit: 'requests/s' },
  async iteration(vu) {
    const id = await createImage(vu, `churn-${vu.id}-${vu.iteration}`);
    if (!id) return vu.add('churn_failed', true);
    const shown = await vu.op('show', () => vu.glance.images.show(id, { signal: vu.signal }));
    const listed = await vu.op('list', () =>
      vu.glance.images.list({ tag: runTag(vu.run.id), limit: 20 }, { signal: vu.signal }),
    );
    const deleted = await deleteImage(vu, id);
    const ok = vu.check({
      'show answers 200 with the image': shown.status === 200 && shown.body?.id === id,
      'list answers 200 with an images array': listed.status === 200 && Array.isArray(listed.body?.images),
      'delete answers 204': deleted,
    });
    vu.add('churn_failed', !ok);
  },
  summaryLines: (stat, p) => {
    const p95 = (op: string): string => stat(`http_req_duration{op:${op}}`, 'p(95)', 0);
    return [
      `churn up to ${p.rate}/s over ${p.durationS} s`,
      `  cycles: ${stat('iterations', 'count', 0)}, failure rate ${stat('churn_failed', 'rate', 3)}, dropped ${stat('dropped_iterations', 'count', 0)}`,
      `  p(95) ms: create ${p95('create')}, show ${p95('show')}, list ${p95('list')}, delete ${p95('delete')}`,
    ];
  },
});
