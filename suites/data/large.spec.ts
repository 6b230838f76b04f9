// One big image (run --large SIZE): the data checks at scale, streamed both ways with flat memory.
import { Writable } from 'node:stream';
import { rawImageStream } from '../../src/data/index.js';
import { runContext } from '../context.js';
import { expect, id, test, transferProgress } from '../fixtures.js';
import { expectImageBytes, expectStoredDigests } from '../support/image-data.js';

const LARGE = runContext().largeBytes;
/** Streaming keeps the worker's memory flat; a buffered body would grow it by the image size. */
const RSS_BUDGET = 256 * 2 ** 20;
/** Generous floor for the slowest target worth testing (5 MB/s each way), plus set-up time. */
const timeoutFor = (bytes: number): number => 120_000 + Math.ceil((2 * bytes) / 5e6) * 1000;

/** Samples this process's RSS until stopped; returns the peak. */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 200);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** Discards a download's bytes, counting them for the progress display. */
function countingSink(onBytes: (total: number) => void): Writable {
  let total = 0;
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length;
      onBytes(total);
      done();
    },
  });
}

const mb = (bytes: number, ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

test.describe('data: large image', { tag: ['@data', '@large'] }, () => {
  test(
    'PUT and GET /v2/images/{id}/file of a --large raw image keep size and hashes with flat memory',
    {
      annotation: id('data.large.raw'),
    },
    async ({ glance, images }, testInfo) => {
      test.skip(!LARGE, 'no --large SIZE given: the big-image check runs only when asked for');
      test.setTimeout(timeoutFor(LARGE));
      const image = await images.create('data-large');
      const start = process.memoryUsage().rss;
      const sampler = rssSampler();
      const upload = transferProgress(`upload ${image.name}`, LARGE);
      const put = await glance.data.upload(
        image.id,
        { stream: rawImageStream(LARGE, 'data-large'), size: LARGE },
        upload ? { onProgress: (sent) => upload.update(sent) } : {},
      );
      upload?.done(put.status === 204);
      expect(put).toHaveStatus(204);
      expect(put.sent.size, 'bytes sent').toBe(LARGE);
      const show = await glance.images.show(image.id);
      expect(show).toHaveStatus(200);
      expectStoredDigests(show.body!, put.sent);
      const download = transferProgress(`download ${image.name}`, LARGE);
      const get = await glance.data.download(image.id, {
        expectedBytes: LARGE,
        ...(download ? { sink: countingSink((n) => download.update(n)) } : {}),
      });
      download?.done(get.status === 200);
      const peak = sampler.stop();
      testInfo.annotations.push({
        type: 'measurement',
        description:
          `${mib(LARGE)} MiB: upload ${put.elapsedMs} ms (${mb(LARGE, put.elapsedMs)} MB/s), ` +
          `download ${get.elapsedMs} ms (${mb(LARGE, get.elapsedMs)} MB/s), ` +
          `worker RSS ${mib(start)} MiB at start, ${mib(peak)} MiB peak`,
      });
      expectImageBytes(get, image.id, put.sent);
      expect(
        peak - start,
        `worker memory grew by ${mib(peak - start)} MiB moving ${mib(LARGE)} MiB: a body is being buffered`,
      ).toBeLessThan(RSS_BUDGET);
    },
  );
});
