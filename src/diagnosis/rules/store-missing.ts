import { databaseAnswered, isUploadPath, SLOW_STORE_MS } from '../origin.js';
import { type Evidence, rule } from '../types.js';

/**
 * Glance reads the image from its database before it opens the store, and a database fault answers
 * the same generic 500: the store is to blame only when the database is known to work.
 */
function databaseWorks(e: Evidence): boolean {
  const db = e.facts.db;
  if (db?.reachable && db.tables.includes('images') && !db.findings.includes('db.not-synced')) return true;
  return databaseAnswered(e);
}

/**
 * A retried upload of an image whose earlier upload Glance refused (4xx, e.g. 415 for data that does
 * not match disk_format): its 500 comes from what the refusal left in the store (Glance 33.0.0 keeps
 * the refused file: glance_store Duplicate), not from a missing store.
 */
function retryAfterRefusal(e: Evidence): boolean {
  const x = e.exchange;
  return e.history.some(
    (h) =>
      h.method === x.method && h.path === x.path && h.status !== null && h.status >= 400 && h.status < 500,
  );
}

export default rule({
  id: 'store.missing',
  severity: 'critical',
  title: 'The image store directory does not exist',
  symptom:
    "Creating an image works, but its upload answers Glance's generic 500 at once; the image stays queued.",
  applies: (e) => {
    const x = e.exchange;
    return (
      e.origin === 'glance' &&
      x.status === 500 &&
      isUploadPath(x.method, x.path) &&
      x.timings.totalMs < SLOW_STORE_MS &&
      e.facts.storeKind !== 'swift' &&
      !retryAfterRefusal(e) &&
      (databaseWorks(e) || (e.facts.configFindings?.includes('store.dir-missing') ?? false))
    );
  },
  // The lint sees the store only from the host doctor runs on: a finding confirms, its absence proves nothing.
  confirm: (e) => (e.facts.configFindings?.includes('store.dir-missing') ? true : undefined),
  howToConfirm: 'glance-api.log: "FileNotFoundError"; `ls -ld DIR` for filesystem_store_datadir fails.',
  fix: 'Create the store directory (`install -d -o glance -g glance -m 0750 DIR`) or mount the filesystem that should be there.',
  blocks: 'store',
});
