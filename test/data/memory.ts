import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A fresh context created after the flag is set exposes gc() without restarting node with
// --expose-gc; collecting before each sample measures what is retained, not uncollected garbage.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

function used(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Drains `source`, returning the bytes seen and the peak growth of retained heap + buffer memory. */
export async function drainMeasuringMemory(source: Readable): Promise<{ bytes: number; peakGrowth: number }> {
  collect();
  const baseline = used();
  let bytes = 0;
  let peakGrowth = 0;
  await pipeline(
    source,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        collect();
        peakGrowth = Math.max(peakGrowth, used() - baseline);
        done();
      },
    }),
  );
  return { bytes, peakGrowth };
}
