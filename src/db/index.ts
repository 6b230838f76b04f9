export { type DbError, type DbSession, DbUnreachableError, openDb } from './client.js';
export { type DbCheckReport, exitCodeOf, registerDbCommand, renderDbReport, runDbCheck } from './command.js';
export { type DriftFacts, fileLocationPath, locationFileState, readDrift } from './drift.js';
export { type DbFacts, type GatherOptions, gatherConfiguredDbFacts, gatherDbFacts } from './facts.js';
export { FAMILIES, type FamilyId, type ReleaseFamily, readHead, ZED_TABLES } from './families.js';
export type { DbFinding } from './findings.js';
export {
  compareExtras,
  compareImageRow,
  type ImageRow,
  type ImageRows,
  type LocationRow,
  readImageRows,
} from './rows.js';
export { crossCheckRelease, judgeSchema, type ReleaseCheck, readSchema } from './schema.js';
export { DB_ACCESS_HINT, type DbTarget, resolveDbTarget } from './source.js';
export { type DbConnectionSpec, type DbTls, maskDbUrl, parseDbUrl } from './url.js';
