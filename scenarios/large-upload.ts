// large-upload: how many MB/s does this Glance ingest per upload, and how does that hold up with
// parallel uploads of large images? Each iteration: create → PUT the generated raw file, streamed
// from disk → wait active → compare checksum, os_hash_value and size with the file's → delete.
import { defineScenario, type Profile } from '../src/load/engine/scenario.js';
import { sizeLabel } from '../src/load/units.js';
import { createImage, deleteImage, mbps, waitActive } from './lib/glance.js';
import { dataExecutor, dataProfile } from './lib/profile.js';

const MiB = 2 ** 20;

export default defineScenario({
  name: 'large-upload',
  question: 'How many MB/s does this Glance ingest per upload, alone and with parallel uploads?',
  image: true,
  profile: (p) => dataProfile(p, { vus: 1, minMbps: 20 }),
  executor: dataExecutor,
  // Bodies stream from the file (1 MiB reads) to the socket: per VU a read buffer, undici's and the
  // socket's buffers, whatever the image size. k6 holds about 3.2 copies of the body per VU and 4.6
  // once (measured: 1 GiB, k6 v1.8.1, peak RSS 6.7–7.6 GiB with 1 VU, 16.7–17.1 GiB with 4).
  memory: {
    harness: { perVuBytes: 16 * MiB, fixedBytes: 0, vusPerThread: 16 },
    k6: { copiesPerVu: 3.2, copiesShared: 4.6 },
  },
  metrics: {
    upload_mbps: { type: 'trend' },
    upload_bytes: { type: 'counter', data: true },
    time_to_active: { type: 'trend', time: true },
    upload_failed: { type: 'rate' },
  },
  thresholds: (p: Profile) => ({
    // Budget: at most 1 upload in 100 may fail end to end (create, PUT, active, checksum, delete).
    upload_failed: ['rate<0.01'],
    // Budget: the median upload ingests at least --min-mbps MB/s (10^6 B/s), per upload, not summed.
    upload_mbps: [`p(50)>${p.minMbps ?? 20}`],
    // Budget: Glance marks an image active within 5 s of the PUT returning, for 95 % of uploads.
    time_to_active: ['p(95)<5000'],
    // Budget: none; a checksum or os_hash_value that differs from the file sent is data corruption.
    'checks{kind:integrity}': ['rate==1'],
  }),
  failureMetric: 'upload_failed',
  chart: { metric: 'upload_mbps', unit: 'MB/s per upload' },
  tags: (p) => ({ size: sizeLabel(p.sizeBytes) }),
  async iteration(vu) {
    const file = vu.image!;
    const id = await createImage(vu, `upload-${vu.id}-${vu.iteration}`);
    if (!id) return vu.add('upload_failed', true);
    let ok = false;
    try {
      const started = performance.now();
      const put = await vu.op('upload', () =>
        vu.glance.data.upload(
          id,
          { stream: vu.imageBody(), size: file.size },
          { signal: vu.signal, digest: false },
        ),
      );
      const putEnd = performance.now();
      if (put.status === 204) {
        vu.add('upload_bytes', file.size);
        vu.add('upload_mbps', mbps(file.size, putEnd - started));
      }
      const active = await waitActive(vu, id, { uploadFailed: put.status !== 204 });
      if ('error' in active || put.status !== 204) {
        vu.warn(`upload ${id}: PUT answered ${put.status}${'error' in active ? `; ${active.error}` : ''}`);
        return;
      }
      vu.add('time_to_active', performance.now() - putEnd);
      const image = active.image;
      ok = vu.check(
        {
          'checksum is the md5 of the file sent': image.checksum === file.md5,
          'os_hash_value is the sha512 of the file sent':
            image.os_hash_algo === 'sha512' && image.os_hash_value === file.sha512,
          'size is the file size': image.size === file.size,
        },
        { kind: 'integrity' },
      );
    } finally {
      if (!(await deleteImage(vu, id))) ok = false;
      vu.add('upload_failed', !ok);
    }
  },
  summaryLines: (stat, p) => [
    `large-upload ${sizeLabel(p.sizeBytes)} × ${p.vus} VU(s)`,
    `  uploads: ${stat('upload_bytes', 'count', 0)} bytes sent, failure rate ${stat('upload_failed', 'rate', 3)}`,
    `  MB/s per upload: med ${stat('upload_mbps', 'med')}, p(90) ${stat('upload_mbps', 'p(90)')}, min ${stat('upload_mbps', 'min')}`,
    `  time to active: p(95) ${stat('time_to_active', 'p(95)', 0)} ms`,
  ],
});
