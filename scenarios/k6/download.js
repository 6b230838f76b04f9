// download: how many MB/s does this Glance serve when many clients fetch the same image at once?
// setup() uploads one image (the harness's generated file) and waits for it to be active; every VU
// then downloads it with the body discarded (k6 keeps nothing, so VUs cost no image-sized memory);
// teardown() deletes it.
import { check, fail } from 'k6';
import { open, SeekMode } from 'k6/experimental/fs';
import http from 'k6/http';
import { Counter, Rate, Trend } from 'k6/metrics';
import {
  createImage,
  deleteImage,
  ENV,
  fmt,
  headers,
  requireEndpoint,
  summaryOutputs,
  url,
  waitActive,
} from './lib/glance.js';

const SIZE = Number(__ENV.GH_SIZE || 0);
const SIZE_LABEL = __ENV.GH_SIZE_LABEL || `${SIZE}B`;
const MD5 = __ENV.GH_IMAGE_MD5;
const VUS = Number(__ENV.GH_VUS || 1);
const MIN_MBPS = Number(__ENV.GH_MIN_MBPS || 50);

const file = __ENV.GH_IMAGE_FILE ? await open(__ENV.GH_IMAGE_FILE) : undefined;

const downloadMbps = new Trend('download_mbps');
const downloadBytes = new Counter('download_bytes');
const downloadFailed = new Rate('download_failed');

const executor = __ENV.GH_DURATION_S
  ? { executor: 'constant-vus', vus: VUS, duration: `${__ENV.GH_DURATION_S}s` }
  : {
      executor: 'shared-iterations',
      vus: VUS,
      iterations: Number(__ENV.GH_ITERATIONS || VUS),
      maxDuration: __ENV.GH_MAX_DURATION || '2h',
    };

export const options = {
  scenarios: { download: { ...executor, tags: { size: SIZE_LABEL } } },
  setupTimeout: '30m',
  thresholds: {
    // Budget: at most 1 download in 100 may fail or come back short.
    download_failed: ['rate<0.01'],
    // Budget: the median download streams at least GH_MIN_MBPS MB/s (10^6 B/s) to each client.
    download_mbps: [`p(50)>${MIN_MBPS}`],
    // Budget: none; a Content-MD5 or length other than the image's is corruption.
    'checks{kind:integrity}': ['rate==1'],
  },
};

export async function setup() {
  if (!file)
    fail(
      'GH_IMAGE_FILE is not set: the harness generates the image file; run `glance-harness load download`',
    );
  if (!(SIZE > 0) || !MD5) fail('GH_SIZE and GH_IMAGE_MD5 must describe the image file');
  requireEndpoint();
  const buf = new Uint8Array(SIZE);
  await file.seek(0, SeekMode.Start);
  const n = await file.read(buf);
  if (n !== SIZE) fail(`read ${n} of ${SIZE} bytes from ${__ENV.GH_IMAGE_FILE}`);
  const created = createImage('download-source');
  if (created.status !== 201)
    fail(`POST /v2/images answered ${created.status}: cannot create the image to download`);
  const id = created.json('id');
  const put = http.put(url(`/v2/images/${id}/file`), buf.buffer, {
    headers: headers({ 'content-type': 'application/octet-stream' }),
    tags: { op: 'setup', name: 'PUT /v2/images/{id}/file' },
    timeout: '30m',
  });
  const active = waitActive(id, { uploadFailed: put.status !== 204, tags: { op: 'setup' } });
  if (put.status !== 204 || active.error) {
    deleteImage(id, { op: 'setup' });
    fail(
      `uploading the source image failed: PUT answered ${put.status}${active.error ? `; ${active.error}` : ''}`,
    );
  }
  return { id };
}

export default function ({ id }) {
  const tags = { size: SIZE_LABEL };
  const res = http.get(url(`/v2/images/${id}/file`), {
    headers: headers(),
    responseType: 'none',
    timeout: '30m',
    tags: { op: 'download', name: 'GET /v2/images/{id}/file', ...tags },
  });
  const ok = check(
    res,
    {
      'download answers 200': (r) => r.status === 200,
      'Content-Length is the image size': (r) => Number(r.headers['Content-Length']) === SIZE,
      'Content-MD5 is the md5 of the uploaded file': (r) => r.headers['Content-Md5'] === MD5,
    },
    { kind: 'integrity', ...tags },
  );
  downloadFailed.add(!ok, tags);
  if (ok) {
    downloadBytes.add(SIZE, tags);
    downloadMbps.add(SIZE / 1e6 / (res.timings.duration / 1000), tags);
  }
}

export function teardown({ id }) {
  deleteImage(id, { op: 'teardown' });
}

export function handleSummary(data) {
  return summaryOutputs(data, [
    `download ${SIZE_LABEL} × ${VUS} VU(s)${ENV.smoke ? ' (smoke: thresholds off)' : ''}`,
    `  downloads: ${fmt(data, 'download_bytes', 'count', 0)} bytes, failure rate ${fmt(data, 'download_failed', 'rate', 3)}`,
    `  MB/s per download: med ${fmt(data, 'download_mbps', 'med')}, p(90) ${fmt(data, 'download_mbps', 'p(90)')}, min ${fmt(data, 'download_mbps', 'min')}`,
  ]);
}
