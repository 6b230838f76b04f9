// Shared by the scenarios: how k6 reaches Glance, names what it creates, and writes its summary.
// Only k6 built-ins here (k6 cannot import npm packages); names mirror src/load/contract.ts.
import { fail, sleep } from 'k6';
import http from 'k6/http';

export const ENV = {
  endpoint: __ENV.GH_GLANCE_URL,
  runId: __ENV.GH_RUN_ID || 'adhoc',
  prefix: __ENV.GH_PREFIX || 'gh',
  smoke: __ENV.GH_SMOKE === '1',
  summaryFile: __ENV.GH_SUMMARY_FILE,
};

const TOKEN_TTL_MS = 30_000;
let cached = { value: undefined, at: 0 };

/**
 * The current token. The harness serves it on loopback and re-issues it before Keystone expiry, so a
 * VU asks again every 30 s; without a token URL (k6-operator, hand runs) GH_TOKEN is used as is.
 */
export function token() {
  const url = __ENV.GH_TOKEN_URL;
  if (!url) return __ENV.GH_TOKEN || undefined;
  const now = Date.now();
  if (cached.value !== undefined && now - cached.at < TOKEN_TTL_MS) return cached.value || undefined;
  const res = http.get(url, {
    headers: { authorization: `Bearer ${__ENV.GH_TOKEN_KEY}` },
    tags: { op: 'token', name: 'harness-token' },
    responseCallback: http.expectedStatuses(200),
  });
  if (res.status !== 200)
    fail(`the harness token endpoint answered ${res.status}; is glance-harness load still running?`);
  cached = { value: res.body, at: now };
  return res.body || undefined;
}

/** Headers for an Image API call. */
export function headers(extra = {}) {
  const t = token();
  return t ? { 'x-auth-token': t, ...extra } : { ...extra };
}

export function url(path) {
  return `${ENV.endpoint}${path}`;
}

/** `<prefix>-<runId>-<purpose>`: cleanup finds whatever a run leaves by name and tags. */
export function imageName(purpose) {
  return `${ENV.prefix}-${ENV.runId}-${purpose}`;
}

export function runTags() {
  return ['glance-harness', `gh-run-${ENV.runId}`];
}

/** POST /v2/images for a raw/bare image carrying the run's name and tags. */
export function createImage(purpose, tags = {}) {
  return http.post(
    url('/v2/images'),
    JSON.stringify({
      name: imageName(purpose),
      disk_format: 'raw',
      container_format: 'bare',
      tags: runTags(),
    }),
    {
      headers: headers({ 'content-type': 'application/json' }),
      tags: { op: 'create', name: 'POST /v2/images', ...tags },
    },
  );
}

export function deleteImage(id, tags = {}) {
  return http.del(url(`/v2/images/${id}`), null, {
    headers: headers(),
    tags: { op: 'delete', name: 'DELETE /v2/images/{id}', ...tags },
  });
}

/**
 * Polls an image until it is active. Fails fast: `killed`, `deleted`, or still `queued` after the upload
 * returned an error, are final. Returns {image, ms} or {error}.
 */
export function waitActive(id, { uploadFailed = false, timeoutMs = 120_000, tags = {} } = {}) {
  const start = Date.now();
  let delay = 0.05;
  for (;;) {
    const res = http.get(url(`/v2/images/${id}`), {
      headers: headers(),
      tags: { op: 'show', name: 'GET /v2/images/{id}', ...tags },
    });
    if (res.status !== 200) return { error: `GET /v2/images/${id} answered ${res.status}` };
    const image = res.json();
    if (image.status === 'active') return { image, ms: Date.now() - start };
    if (image.status === 'killed' || image.status === 'deleted' || image.status === 'pending_delete')
      return { error: `image ${id} went ${image.status}` };
    if (image.status === 'queued' && uploadFailed)
      return { error: `image ${id} stayed queued after a failed upload` };
    if (Date.now() - start > timeoutMs)
      return { error: `image ${id} not active after ${timeoutMs} ms (status ${image.status})` };
    sleep(delay);
    delay = Math.min(delay * 2, 1);
  }
}

/** setup() guard: one readable line when the endpoint cannot be used at all. */
export function requireEndpoint() {
  if (!ENV.endpoint)
    fail(
      'GH_GLANCE_URL is not set: run this scenario through `glance-harness load`, or pass -e GH_GLANCE_URL=…',
    );
  const res = http.get(url('/v2/images?limit=1'), {
    headers: headers(),
    tags: { op: 'setup', name: 'GET /v2/images' },
  });
  if (res.status === 0) fail(`Glance unreachable at ${ENV.endpoint}: ${res.error}`);
  if (res.status === 401) fail(`Glance at ${ENV.endpoint} refused the token (401): check the credentials`);
  if (res.status !== 200) fail(`GET ${ENV.endpoint}/v2/images answered ${res.status}; cannot start the load`);
}

/** handleSummary: the whole k6 summary as JSON for the harness, and a few lines for people. */
export function summaryOutputs(data, lines) {
  const out = { stdout: `${lines.filter(Boolean).join('\n')}\n` };
  if (ENV.summaryFile) out[ENV.summaryFile] = JSON.stringify(data, null, 2);
  return out;
}

/** A metric's value for the text lines, or 'n/a'. */
export function fmt(data, metric, stat, digits = 1) {
  const v = data.metrics[metric]?.values?.[stat];
  return typeof v === 'number' ? v.toFixed(digits) : 'n/a';
}
