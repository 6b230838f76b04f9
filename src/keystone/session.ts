import type { ResolvedConfig } from '../config/index.js';
import { AuthError } from '../errors.js';
import type { TokenProvider } from '../glance/base.js';
import type { HttpClient } from '../http/client.js';
import { SECRETS } from '../util/mask.js';
import { authenticate, tokensUrl } from './auth.js';
import type { Token } from './types.js';

/** Re-authenticate this long before expiry, so a long upload never starts with a token about to die. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** At most this many POST /v3/auth/tokens per AUTH_WINDOW_MS: a Keystone whose tokens die at once cannot make a storm. */
export const MAX_AUTHS_PER_WINDOW = 3;
export const AUTH_WINDOW_MS = 60_000;

/** A short token kept to its end is still replaced this long before, so no request leaves with a dying one. */
const LAST_MARGIN_MS = 5_000;

const CHECK_KEYSTONE = "check Keystone's clock (NTP) and [token] expiration in keystone.conf";

/**
 * A Keystone session: authenticates once, re-authenticates before the token expires.
 *
 * A token already expired when issued is refused (AuthError). A token issued with less than
 * REFRESH_MARGIN_MS to live is renewed once; when the renewal is as short (a small `[token]
 * expiration`, Keystone's clock behind ours, an OS_TOKEN re-scoped keeps its expiry) renewing early
 * cannot help, so that token serves until it expires. Whatever Keystone does, the session asks it at
 * most MAX_AUTHS_PER_WINDOW times per AUTH_WINDOW_MS, then fails with an AuthError.
 */
export class KeystoneSession implements TokenProvider {
  private current: Token | undefined;
  private pending: Promise<Token> | undefined;
  /** The last renewal gave a token already within the margin: use it to its end. */
  private keepToEnd = false;
  private readonly attempts: number[] = [];

  constructor(
    private readonly http: HttpClient,
    private readonly cfg: ResolvedConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current token, refreshed when within the margin of its expiry. */
  async currentToken(): Promise<Token> {
    const t = this.current;
    if (t && t.expiresAt.getTime() - this.now() > (this.keepToEnd ? LAST_MARGIN_MS : REFRESH_MARGIN_MS))
      return t;
    this.pending ??= this.renew().finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    SECRETS.add(this.current.value);
    return this.current;
  }

  async token(): Promise<string> {
    return (await this.currentToken()).value;
  }

  /** The last token obtained, if any (for catalog and role checks). */
  peek(): Token | undefined {
    return this.current;
  }

  private async renew(): Promise<Token> {
    const url = tokensUrl(this.cfg.auth.authUrl?.value ?? '');
    const asked = this.now();
    while (this.attempts.length > 0 && asked - this.attempts[0]! >= AUTH_WINDOW_MS) this.attempts.shift();
    if (this.attempts.length >= MAX_AUTHS_PER_WINDOW) {
      const last = this.current
        ? ` (the last token expires_at ${this.current.expiresAt.toISOString()}, local time ${new Date(asked).toISOString()})`
        : '';
      throw new AuthError(
        `Keystone was asked for a token ${this.attempts.length} times in ${AUTH_WINDOW_MS / 1000} s at ${url}, the most the harness allows; not asking again${last}: ${CHECK_KEYSTONE}`,
      );
    }
    this.attempts.push(asked);
    const renewal = this.current !== undefined;
    const token = await authenticate(this.http, this.cfg);
    const now = this.now();
    const left = token.expiresAt.getTime() - now;
    if (left <= 0) {
      throw new AuthError(
        `Keystone issued an already expired token at ${url}: expires_at ${token.expiresAt.toISOString()}, ${Math.round(-left / 1000)} s before the local time ${new Date(now).toISOString()}; ${CHECK_KEYSTONE}`,
      );
    }
    this.keepToEnd = renewal && left <= REFRESH_MARGIN_MS;
    return token;
  }
}

/** A fixed token (OS_TOKEN with an endpoint) or none at all (noauth). */
export class StaticTokens implements TokenProvider {
  constructor(private readonly value: string | undefined) {}
  async token(): Promise<string | undefined> {
    return this.value;
  }
}
