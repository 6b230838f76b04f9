// Will Glance take an image of this size? What the Glance host's own configuration and disks say.
import { sizeLabel } from '../load/units.js';
import { formatBytes } from '../report/progress.js';
import type { ConfigFacts } from './config-lint.js';

export type CapacityVerdict =
  | { ok: true; evidence: string }
  | { ok: false; evidence: string; ruleId: string; hop: string };

/** The size against [DEFAULT] image_size_cap, then against the free space of a file store. */
export function capacityVerdict(size: number, cf: ConfigFacts): CapacityVerdict {
  const label = sizeLabel(size);
  const cap = cf.imageSizeCap;
  if (size > cap.bytes)
    return {
      ok: false,
      evidence: `${label} is over image_size_cap = ${cap.bytes} (${sizeLabel(cap.bytes)}, ${cap.where}): Glance answers 413 to larger uploads`,
      ruleId: 'image.size-cap',
      hop: 'glance-api.conf',
    };
  // Only a file default store fills a local filesystem; a swift one is asked by the swift-store step.
  const free = cf.storeKind === 'file' ? cf.storeFree : [];
  const short = free.find((f) => f.bytes < size);
  if (short)
    return {
      ok: false,
      evidence: `the store filesystem of ${short.dir} has ${formatBytes(short.bytes)} free (${short.bytes} bytes), less than ${label}`,
      ruleId: 'store.full',
      hop: `store filesystem ${short.dir}`,
    };
  const room = free.map((f) => `${f.dir} ${formatBytes(f.bytes)} free`).join(', ');
  const where = room || `${cf.storeKind ?? 'unknown'} store: no local free space to read`;
  return { ok: true, evidence: `${label} fits: image_size_cap ${sizeLabel(cap.bytes)}; ${where}` };
}
