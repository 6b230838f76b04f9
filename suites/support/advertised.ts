// What the target advertises in its versions document (read once by the CLI into the run context):
// checks of a newer release's features run only where the version that brought them is listed.
import type { RunContext } from '../../src/run/context.js';
import { test } from '../fixtures.js';

/** The version ids the target lists ("v2.15", …); empty when its versions document was not read. */
export function advertisedVersions(ctx: Readonly<RunContext>): readonly string[] {
  return ctx.target.versions ?? [];
}

/** Whether the target lists any of `versions`. */
export function advertises(ctx: Readonly<RunContext>, ...versions: string[]): boolean {
  const listed = advertisedVersions(ctx);
  return versions.some((v) => listed.includes(v));
}

/** What the target lists, for a skip reason: "the target lists v2.0 to v2.15 (v2.15 CURRENT)". */
export function advertisedSummary(ctx: Readonly<RunContext>): string {
  const minors = advertisedVersions(ctx)
    .map((v) => /^v2\.(\d+)$/.exec(v)?.[1])
    .filter((m): m is string => m !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (minors.length === 0) return 'no versions document was read from the target';
  const range = `v2.${minors[0]} to v2.${minors.at(-1)}`;
  return `the target lists ${range} (${ctx.target.glanceVersion ?? 'none'} CURRENT)`;
}

/** Skips the check unless the target lists one of `versions`; the reason names the feature and what is listed. */
export function needsVersion(ctx: Readonly<RunContext>, feature: string, ...versions: string[]): void {
  test.skip(
    !advertises(ctx, ...versions),
    `${feature} comes with API ${versions.join(' or ')}: ${advertisedSummary(ctx)}`,
  );
}

/** Skips the check unless the primary user is an admin (the release's default policy for `rule`). */
export function needsAdmin(isAdmin: boolean | undefined, roles: readonly string[], rule: string): void {
  test.skip(
    !isAdmin,
    `Glance's default policy gives ${rule} to admins only; the run's user has the roles ${roles.join(', ') || 'none'}`,
  );
}
