// download: how many MB/s does this Glance serve when many clients fetch the same image at once?
// setup() uploads the generated file once and waits for it to be active; every VU then downloads it,
// the body streamed through md5 and sha512 and dropped, and compared with the file's digests.
import { defineScenario, type Profile } from '../src/load/engine/scenario.js';
import { sizeLabel } from '../src/load/units.js';
import { createImage, deleteImage, mbps, waitActive } from './lib/glance.js';
import { dataExecutor, dataProfile } from './lib/profile.js';

const MiB = 2 ** 20;

export default defineScenario<{ id: string }>({
  name: 'download',
  question: 'How many MB/s does this Glance serve when many clients fetch the same image at once?',
  image: true,
  profile: (p) => dataProfile(p, { vus: 4, minMbps: 50 }),
  executor: dataExecutor,
  // Bodies stream through the hashes and are dropped. k6 discards them too (responseType none), but
  // its setup() holds the file to upload it: 4.6 + 3.2 copies once, none per VU.
  memory: {
    harness: { perVuBytes: 16 * MiB, fixedBytes: 16 * MiB, vusPerThread: 4 },
    k6: { copiesPerVu: 0, copiesShared: 7.8 },
  },
  metrics: {
    download_mbps: { type: 'trend' },
    download_bytes: { type: 'counter', data: true },
    download_failed: { type: 'rate' },
  },
  thresholds: (p: Profile) => ({
    // Budget: at most 1 download in 100 may fail or come back short.
    download_failed: ['rate<0.01'],
    // Budget: the median download streams at least --min-mbps MB/s (10^6 B/s) to each client.
    download_mbps: [`p(50)>${p.minMbps ?? 50}`],
    // Budget: none; bytes other than the file uploaded are corruption.
    'checks{kind:integrity}': ['rate==1'],
  }),
  failureMetric: 'download_failed',
  chart: { metric: 'download_mbps', unit: 'MB/s per download' },
  tags: (p) => ({ size: sizeLabel(p.sizeBytes) }),
  async setup(vu) {
    const file = vu.image!;
    const id = await createImage(vu, 'download-source');
    if (!id) throw new Error('cannot create the image to download');
    const put = await vu.op('setup', () =>
      vu.glance.data.upload(
        id,
        { stream: vu.imageBody(), size: file.size },
        { signal: vu.signal, digest: false },
      ),
    );
    const active = await waitActive(vu, id, { uploadFailed: put.status !== 204 });
    if (put.status !== 204 || 'error' in active) {
      await deleteImage(vu, id);
      throw new Error(
        `uploading the source image failed: PUT answered ${put.status}${'error' in active ? `; ${active.error}` : ''}`,
      );
    }
    return { id };
  },
  async iteration(vu, { id }) {
    const file = vu.image!;
    const started = performance.now();
    const res = await vu.op('download', () =>
      vu.glance.data.download(id, { signal: vu.signal, expectedBytes: file.size, sink: vu.discard() }),
    );
    const ms = performance.now() - started;
    const ok = vu.check(
      {
        'download answers 200': res.status === 200,
        'the body is the size of the file': res.received.size === file.size,
        'the body is the file uploaded (md5 and sha512)':
          res.received.md5 === file.md5 && res.received.sha512 === file.sha512,
      },
      { kind: 'integrity' },
    );
    vu.add('download_failed', !ok);
    if (ok) {
      vu.add('download_bytes', file.size);
      vu.add('download_mbps', mbps(file.size, ms));
    }
  },
  async teardown(vu, { id }) {
    await deleteImage(vu, id);
  },
  summaryLines: (stat, p) => [
    `download ${sizeLabel(p.sizeBytes)} × ${p.vus} VU(s)`,
    `  downloads: ${stat('download_bytes', 'count', 0)} bytes, failure rate ${stat('download_failed', 'rate', 3)}`,
    `  MB/s per download: med ${stat('download_mbps', 'med')}, p(90) ${stat('download_mbps', 'p(90)')}, min ${stat('download_mbps', 'min')}`,
  ],
});
