const SECRET_HEADERS = new Set(['x-auth-token', 'x-subject-token', 'authorization', 'cookie', 'set-cookie']);

const SECRET_KEY = /(password|secret|token|passwd|credential)$/i;

/** What a secret looks like in output: never its value, only that it was set. */
export function maskValue(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '';
  return '***';
}

/** True when a header carries a credential. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** True when a settings key (OS_PASSWORD, auth.password, application_credential_secret…) holds a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.replace(/[^A-Za-z_]/g, ''));
}

/** Copy of a header map with credential headers replaced by `***`. */
export function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    out[name.toLowerCase()] = isSecretHeader(name) ? maskValue(joined) : joined;
  }
  return out;
}

/** Password inside a URL (`mysql://user:pass@host/db`) replaced by `***`. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)([^@\s]*)@/i, (_m, head: string) => `${head}***@`);
}

/**
 * Text with known secrets removed: any of `secrets` that appears verbatim, JSON
 * `"password": "…"`-style members, and URL credentials.
 */
export function maskText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  out = out.replace(
    /("(?:password|secret|token|id_token|access_token|application_credential_secret)"\s*:\s*")([^"]*)(")/gi,
    (_m, a: string, _v: string, c: string) => `${a}***${c}`,
  );
  return maskUrl(out);
}
