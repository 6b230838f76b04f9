/**
 * Diagnosis: evidence in (a failing exchange, what came before, optional facts), a named cause and
 * its fix out. Rules are tried in the order below; the first that applies and is not contradicted
 * by the facts wins, so specific rules come before general ones.
 */
import type { Exchange } from '../http/evidence.js';
import { describeHop, evidenceOf } from './origin.js';
import authDisabled from './rules/auth-disabled.js';
import configInvalid from './rules/config-invalid.js';
import dbHung from './rules/db-hung.js';
import dbNotSynced from './rules/db-not-synced.js';
import dbTablesMissing from './rules/db-tables-missing.js';
import dbUnreachable from './rules/db-unreachable.js';
import endpointMismatch from './rules/endpoint-mismatch.js';
import glanceDown from './rules/glance-down.js';
import imageFormatMismatch from './rules/image-format-mismatch.js';
import imageSizeCap from './rules/image-size-cap.js';
import keystoneServiceCredentials from './rules/keystone-service-credentials.js';
import keystoneUnreachable from './rules/keystone-unreachable.js';
import keystoneUserCredentials from './rules/keystone-user-credentials.js';
import latencyBudget from './rules/latency-budget.js';
import proxyBodyLimit from './rules/proxy-body-limit.js';
import proxyUpstreamDown from './rules/proxy-upstream-down.js';
import proxyUpstreamInvalid from './rules/proxy-upstream-invalid.js';
import storeDataLost from './rules/store-data-lost.js';
import storeDisabled from './rules/store-disabled.js';
import storeFull from './rules/store-full.js';
import storeMissing from './rules/store-missing.js';
import storeUnwritable from './rules/store-unwritable.js';
import swiftUnavailable from './rules/swift-unavailable.js';
import tlsExpired from './rules/tls-expired.js';
import tlsHostname from './rules/tls-hostname.js';
import tlsUntrusted from './rules/tls-untrusted.js';
import tlsWrongScheme from './rules/tls-wrong-scheme.js';
import tokenExpiredMidUpload from './rules/token-expired-mid-upload.js';
import type { Cause, Evidence, Facts, Rule } from './types.js';

export { type LinkProbe, linkProbe, needsLink } from './links.js';
export { describeHop, evidenceOf, originOf, serviceOf } from './origin.js';
export type { CatalogFact, Cause, DbFacts, Evidence, Facts, Link, Origin, Rule, Severity } from './types.js';

/** Every rule, in the order they are tried. */
export const RULES: readonly Rule[] = Object.freeze([
  tlsExpired,
  tlsHostname,
  tlsUntrusted,
  tlsWrongScheme,
  endpointMismatch,
  glanceDown,
  dbUnreachable,
  tokenExpiredMidUpload,
  keystoneUnreachable,
  keystoneUserCredentials,
  keystoneServiceCredentials,
  authDisabled,
  proxyUpstreamInvalid,
  proxyUpstreamDown,
  proxyBodyLimit,
  swiftUnavailable,
  imageSizeCap,
  storeFull,
  storeUnwritable,
  storeMissing,
  storeDataLost,
  imageFormatMismatch,
  storeDisabled,
  dbHung,
  dbTablesMissing,
  dbNotSynced,
  configInvalid,
  latencyBudget,
]);

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The rule with this id, if any. */
export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** The first rule that applies to the evidence and that the facts do not contradict. */
export function diagnose(e: Evidence): Cause | undefined {
  for (const r of RULES) {
    if (!r.applies(e)) continue;
    const cause = causeOf(r, e);
    if (cause) return cause;
  }
  return undefined;
}

/**
 * The cause a rule names for this evidence, for a caller that tested for that rule itself (doctor's
 * auth-required step); undefined when the facts contradict it.
 */
export function causeOf(r: Rule, e: Evidence): Cause | undefined {
  const confirmed = r.confirm?.(e);
  if (confirmed === false) return undefined;
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    fix: r.fix,
    ...(confirmed === true ? { confirmed } : {}),
    hop: describeHop(e),
  };
}

/** Diagnoses one exchange with what came before it and any facts. */
export function diagnoseExchange(
  x: Exchange,
  history: readonly Exchange[] = [],
  facts: Facts = {},
): Cause | undefined {
  return diagnose(evidenceOf(x, history, facts));
}

/**
 * Diagnoses the last exchange of a list that did not succeed (no answer, or a status ≥ 400, or an
 * empty download), with the others as history.
 */
export function diagnoseExchanges(xs: readonly Exchange[], facts: Facts = {}): Cause | undefined {
  for (let i = xs.length - 1; i >= 0; i -= 1) {
    const x = xs[i]!;
    if (x.status !== null && x.status < 400 && x.status !== 204) continue;
    const cause = diagnoseExchange(x, xs.slice(0, i), facts);
    if (cause) return cause;
  }
  return undefined;
}
