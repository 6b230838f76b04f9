import type { Exchange } from '../http/evidence.js';

export type Severity = 'critical' | 'major' | 'minor';

/**
 * A link of the chain a Glance request crosses: glance-api itself (behind any proxy), Keystone's
 * token validation, Glance's database, the image store.
 */
export type Link = 'glance' | 'keystone' | 'db' | 'store';

/** Who produced a response: Glance itself, a proxy in front of it, Keystone, or nobody (no answer). */
export type Origin = 'glance' | 'proxy' | 'keystone' | 'none' | 'unknown';

/** Read-only database facts (the db module gathers them; doctor passes them in). */
export interface DbFacts {
  reachable: boolean;
  error?: string;
  tables: readonly string[];
  alembicHead?: string;
  /** Finding ids the database checks raised, e.g. `db.not-synced`. */
  findings: readonly string[];
}

/** One catalog image endpoint as doctor saw it. */
export interface CatalogFact {
  interface: string;
  url: string;
  reachable: boolean;
  /** Its GET / lists the same versions as the endpoint in use. */
  sameGlance: boolean;
}

/** Facts gathered besides the failing exchange; every field is optional. */
export interface Facts {
  db?: DbFacts;
  /** Finding ids of the glance-api.conf lint, e.g. `store.dir-unwritable`. */
  configFindings?: readonly string[];
  /** The backend Glance writes image data to, when known. */
  storeKind?: 'file' | 'swift' | 'other';
  /** Glance's own port refused a TCP connection (the proxy's upstream is down). */
  glanceRefused?: boolean;
  /** Other calls that need Glance's database answered 2xx while the failing one did not (doctor asks). */
  dbCallsAnswered?: readonly string[];
  /** GET / on Glance answered 300 (the process is up, no database needed). */
  rootOk?: boolean;
  /** GET /healthcheck answered 200. */
  healthcheckOk?: boolean;
  /** Keystone issued the harness a token just now, so the user's credentials are good. */
  tokenIssued?: boolean;
  /** When the token sent with the request expires (ISO time). */
  tokenExpiresAt?: string;
  /** Base URL of Keystone, to tell Keystone's exchanges from Glance's. */
  keystoneUrl?: string;
  catalog?: readonly CatalogFact[];
  /** The run's latency budget (--latency-budget): answers slower than this fail as latency. */
  latencyBudgetMs?: number;
}

/** What a rule looks at: one failing exchange, who answered it, what came before, and facts. */
export interface Evidence {
  exchange: Exchange;
  origin: Origin;
  /** The service the request was meant for. */
  service: 'glance' | 'keystone';
  /** Earlier exchanges of the same check or walk, oldest first. */
  history: readonly Exchange[];
  facts: Facts;
}

/** A diagnosis rule: a named cause, when it applies, how to confirm it, and the fix. */
export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  /** What a user sees (troubleshooting guide). */
  symptom: string;
  applies: (e: Evidence) => boolean;
  /** With extra facts: true confirmed, false contradicted, undefined unknown. */
  confirm?: (e: Evidence) => boolean | undefined;
  /** How a person confirms it by hand (troubleshooting guide). */
  howToConfirm: string;
  fix: string;
  /**
   * A link every later check that needs it depends on; once this cause is confirmed, checks whose
   * requests need the link end as blocked instead of failing one by one.
   */
  blocks?: Link;
}

/** The named cause of a failure. */
export interface Cause {
  id: string;
  title: string;
  severity: Severity;
  fix: string;
  /** true when extra facts confirmed it, false never (contradicted rules are skipped), undefined unknown. */
  confirmed?: boolean;
  /** Which hop failed, e.g. "front proxy (nginx/1.22.1), before glance-api". */
  hop: string;
}

/** Declares a rule (identity helper that keeps rule files short and typed). */
export function rule(r: Rule): Rule {
  return Object.freeze(r);
}
