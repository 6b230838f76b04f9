// The @db suites' fixtures: the read-only session on the Glance database, on top of the shared ones.
import { DB_ACCESS_HINT, type DbSession, type DbTarget, openDb } from '../../src/db/index.js';
import { describeError } from '../../src/errors.js';
import { test as base } from '../fixtures.js';

export { expect, explainStatus, id } from '../fixtures.js';

/** Why @db checks are skipped when the run names no database. */
export const NO_DB_REASON = `no database access configured: ${DB_ACCESS_HINT}`;

interface DbWorker {
  dbTarget: DbTarget | undefined;
}

interface DbTest {
  /** The read-only session; the test is skipped, with NO_DB_REASON, when no database is configured. */
  db: DbSession;
}

export const test = base.extend<DbTest, DbWorker>({
  dbTarget: [
    async ({ run }, use) => {
      const db = run.ctx.db;
      if ('error' in db) throw new Error(db.error);
      // The URL carries the password: it comes from the run service, never from the context file.
      await use('ok' in db ? await run.service.secret<DbTarget>('db') : undefined);
    },
    { scope: 'worker' },
  ],
  db: async ({ dbTarget }, use, testInfo) => {
    testInfo.skip(dbTarget === undefined, NO_DB_REASON);
    if (dbTarget === undefined) return;
    let session: DbSession;
    try {
      session = await openDb(dbTarget.spec);
    } catch (err) {
      throw new Error(
        `Cannot open the Glance database ${dbTarget.spec.display} (from ${dbTarget.from}): ${describeError(err)}`,
      );
    }
    testInfo.annotations.push({
      type: 'database',
      description: `${dbTarget.spec.display} (from ${dbTarget.from})`,
    });
    await use(session);
    await session.close();
  },
});
