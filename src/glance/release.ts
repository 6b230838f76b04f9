/**
 * The release family of a target, read from what it serves, and the pinned schema set that goes
 * with it. glance-api lists v2.15 CURRENT (v2.16 with the image cache) from Yoga to 2024.1 and v2.17
 * or later from 2024.2 on, so the versions document tells these two apart and nothing finer.
 */
import type { PinnedFamily } from '../validate.js';

export interface ReleaseReading {
  family: PinnedFamily;
  /** What the family covers and where its pinned schemas come from. */
  label: string;
  /** Why: the version read, or that --release said so. */
  evidence: string;
}

const LABELS: Readonly<Record<PinnedFamily, string>> = {
  zed: 'Yoga to 2024.1 (schemas pinned from Glance 25.1, Zed)',
  '2026.2': '2024.2 or later (schemas pinned from Glance 33.0.0, 2026.2)',
};

/** The minor of a version id: "v2.17" → 17; undefined when it is not a v2.N id. */
export function minorOf(versionId: string | undefined): number | undefined {
  const m = /^v2\.(\d+)$/.exec(versionId ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The family for the CURRENT version a target lists, or the one `forced` names (--release). A
 * target whose CURRENT is unreadable is taken as the older family, and the evidence says so.
 */
export function readRelease(current: string | undefined, forced?: PinnedFamily): ReleaseReading {
  if (forced) return { family: forced, label: LABELS[forced], evidence: '--release' };
  const minor = minorOf(current);
  if (minor === undefined)
    return {
      family: 'zed',
      label: LABELS.zed,
      evidence: `no v2.N CURRENT version listed (${current ?? 'none'})`,
    };
  const family: PinnedFamily = minor >= 17 ? '2026.2' : 'zed';
  return { family, label: LABELS[family], evidence: `${current} CURRENT` };
}
