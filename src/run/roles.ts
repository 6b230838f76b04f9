/**
 * What the run's credentials may do, read from their roles: a reader with neither member nor admin
 * is a read-only persona, whose creates a release's default policy refuses (2023.2 and later).
 */

/** "the roles reader, …" when the roles hold reader and neither member nor admin; undefined otherwise. */
export function readerOnly(authType: string | undefined, roles: readonly string[]): string | undefined {
  if (authType === 'none') return undefined;
  const lower = roles.map((r) => r.toLowerCase());
  const writes = lower.some((r) => r === 'member' || r === '_member_' || r === 'admin');
  return !writes && lower.includes('reader') ? `the roles ${roles.join(', ')}` : undefined;
}
