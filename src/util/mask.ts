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
 * Secrets shorter than this are never scrubbed by value: replacing a 3-character password with
 * `***` would eat ordinary words ("abc" in "abcdef", "adm" in "admin") all over the output.
 */
export const MIN_SECRET_LENGTH = 4;

/**
 * The ways a secret can come back in text: as is, URL-encoded (`%20` and the form `+` spelling),
 * JSON-escaped, base64, and, given the user, base64 of `user:secret` (an echoed Basic header).
 */
export function secretForms(secret: string, user?: string): string[] {
  const uri = encodeURIComponent(secret);
  const forms = new Set<string>([
    secret,
    uri,
    uri.replace(/%20/g, '+'),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('base64'),
  ]);
  if (user !== undefined && user !== '')
    forms.add(Buffer.from(`${user}:${secret}`, 'utf8').toString('base64'));
  return [...forms];
}

/** Every form of every secret long enough to scrub, longest first so no shorter form splits a longer one. */
function formsOf(secrets: Iterable<{ value: string; user?: string | undefined }>): string[] {
  const all = new Set<string>();
  for (const { value, user } of secrets) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    for (const form of secretForms(value, user)) all.add(form);
  }
  return [...all].sort((a, b) => b.length - a.length);
}

function replaceForms(text: string, forms: readonly string[]): string {
  let out = text;
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***');
  return out;
}

/**
 * Text with known secrets removed: every form (see secretForms) of any of `secrets`, JSON
 * `"password": "…"`-style members, and URL credentials.
 */
export function maskText(text: string, secrets: readonly string[] = []): string {
  let out = replaceForms(text, formsOf(secrets.map((value) => ({ value }))));
  out = out.replace(
    /("(?:password|secret|token|id_token|access_token|application_credential_secret)"\s*:\s*")([^"]*)(")/gi,
    (_m, a: string, _v: string, c: string) => `${a}***${c}`,
  );
  return maskUrl(out);
}

/**
 * The secrets this process holds (configured credentials, tokens obtained, the run service key),
 * so whatever it prints or writes can be scrubbed by value without each caller passing a list.
 */
export class SecretRegistry {
  private readonly entries = new Map<string, { value: string; user?: string }>();
  private forms: string[] | undefined;

  /** Remembers a secret (and, given the user, its Basic form); empty and too-short values are ignored. */
  add(value: string | undefined | null, user?: string): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const key = `${user ?? ''}\u0000${value}`;
    if (this.entries.has(key)) return;
    this.entries.set(key, user ? { value, user } : { value });
    this.forms = undefined;
  }

  /** The secrets as given (for an HttpClient's `secrets` option). */
  values(): string[] {
    return [...new Set([...this.entries.values()].map((e) => e.value))];
  }

  /** Text with every form of every registered secret replaced by `***`. */
  scrub(text: string): string {
    if (this.entries.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
    this.forms ??= formsOf(this.entries.values());
    return replaceForms(text, this.forms);
  }

  /** A copy of a JSON-like value with every string in it (keys included) scrubbed. */
  scrubDeep<T>(value: T): T {
    if (this.entries.size === 0) return value;
    return this.deep(value) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value !== null && typeof value === 'object' && isPlain(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.scrub(k)] = this.deep(v);
      return out;
    }
    return value;
  }
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The process's secrets: registered where they are resolved or obtained, scrubbed where text leaves. */
export const SECRETS = new SecretRegistry();
