// churn: how fast does this Glance handle many small metadata operations as the request rate ramps
// up? Each iteration: create → show → list (the run's tag) → delete, no data. Arrival-rate executor,
// so a slow Glance shows as latency and dropped iterations, not as a politely slower client.
import { check } from 'k6';
import http from 'k6/http';
import { Rate } from 'k6/metrics';
import {
  createImage,
  deleteImage,
  ENV,
  fmt,
  headers,
  requireEndpoint,
  summaryOutputs,
  url,
} from './lib/glance.js';

const RATE = Number(__ENV.GH_RATE || 10);
const SECONDS = Number(__ENV.GH_DURATION_S || 60);
const VUS = Number(__ENV.GH_VUS || 10);

const churnFailed = new Rate('churn_failed');

const stage = (fraction) => `${Math.max(1, Math.round(SECONDS * fraction))}s`;

export const options = {
  scenarios: {
    churn: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.round(RATE / 10)),
      timeUnit: '1s',
      preAllocatedVUs: VUS,
      maxVUs: VUS * 5,
      stages: [
        { target: RATE, duration: stage(0.4) },
        { target: RATE, duration: stage(0.4) },
        { target: 0, duration: stage(0.2) },
      ],
    },
  },
  thresholds: {
    // Budget: at most 1 cycle in 100 may fail (any of the four calls not answering as documented).
    churn_failed: ['rate<0.01'],
    // Budgets per operation at the peak rate: a metadata write within 1 s, a read within 0.5 s, for 95 %.
    'http_req_duration{op:create}': ['p(95)<1000'],
    'http_req_duration{op:show}': ['p(95)<500'],
    'http_req_duration{op:list}': ['p(95)<1000'],
    'http_req_duration{op:delete}': ['p(95)<1000'],
  },
};

export function setup() {
  requireEndpoint();
}

export default function () {
  const created = createImage(`churn-${__VU}-${__ITER}`);
  if (created.status !== 201) {
    churnFailed.add(true);
    return;
  }
  const id = created.json('id');
  const shown = http.get(url(`/v2/images/${id}`), {
    headers: headers(),
    tags: { op: 'show', name: 'GET /v2/images/{id}' },
  });
  const listed = http.get(url(`/v2/images?tag=gh-run-${ENV.runId}&limit=20`), {
    headers: headers(),
    tags: { op: 'list', name: 'GET /v2/images?tag' },
  });
  const deleted = deleteImage(id);
  const ok = check(
    { shown, listed, deleted },
    {
      'show answers 200 with the image': (r) => r.shown.status === 200 && r.shown.json('id') === id,
      'list answers 200 with an images array': (r) =>
        r.listed.status === 200 && Array.isArray(r.listed.json('images')),
      'delete answers 204': (r) => r.deleted.status === 204,
    },
  );
  churnFailed.add(!ok);
}

export function handleSummary(data) {
  const p95 = (op) => fmt(data, `http_req_duration{op:${op}}`, 'p(95)', 0);
  return summaryOutputs(data, [
    `churn up to ${RATE}/s over ${SECONDS} s${ENV.smoke ? ' (smoke: thresholds off)' : ''}`,
    `  cycles: ${fmt(data, 'iterations', 'count', 0)}, failure rate ${fmt(data, 'churn_failed', 'rate', 3)}, dropped ${fmt(data, 'dropped_iterations', 'count', 0)}`,
    `  p(95) ms: create ${p95('create')}, show ${p95('show')}, list ${p95('list')}, delete ${p95('delete')}`,
  ]);
}
