// The doctor's database step, served by the same read-only checks as `db check`.
import type { DbFacts as DoctorDbFacts } from '../diagnosis/index.js';
import type { DbProvider } from '../doctor/db.js';
import { gatherDbFacts } from './facts.js';
import { parseDbUrl } from './url.js';

/** A database that takes longer than this to answer is reported as hung (db.hung), not waited for. */
export const DOCTOR_DB_TIMEOUT_MS = 5_000;

export const doctorDbProvider: DbProvider = async (target) => {
  const spec = parseDbUrl(target.url, target.source === '--db' ? '--db' : '[database] connection');
  const limited = { ...spec, connectTimeoutMs: Math.min(spec.connectTimeoutMs, DOCTOR_DB_TIMEOUT_MS) };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), DOCTOR_DB_TIMEOUT_MS);
  });
  try {
    const facts = await Promise.race([gatherDbFacts(limited, { skipDrift: true }), timeout]);
    if (facts === 'timeout') {
      return {
        reachable: false,
        error: `${spec.display}: no answer within ${DOCTOR_DB_TIMEOUT_MS / 1000} s (timeout)`,
        tables: [],
        findings: [],
      } satisfies DoctorDbFacts;
    }
    return {
      reachable: facts.reachable,
      ...(facts.error ? { error: facts.error.message } : {}),
      tables: facts.tables,
      ...(facts.alembicHead ? { alembicHead: facts.alembicHead } : {}),
      findings: facts.findings.map((f) => f.id),
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
};
