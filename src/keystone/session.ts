import type { ResolvedConfig } from '../config/index.js';
import type { TokenProvider } from '../glance/base.js';
import type { HttpClient } from '../http/client.js';
import { SECRETS } from '../util/mask.js';
import { authenticate } from './auth.js';
import type { Token } from './types.js';

/** Re-authenticate this long before expiry, so a long upload never starts with a token about to die. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** A Keystone session: authenticates once, re-authenticates before the token expires. */
export class KeystoneSession implements TokenProvider {
  private current: Token | undefined;
  private pending: Promise<Token> | undefined;

  constructor(
    private readonly http: HttpClient,
    private readonly cfg: ResolvedConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current token, refreshed when within the margin of its expiry. */
  async currentToken(): Promise<Token> {
    const t = this.current;
    if (t && t.expiresAt.getTime() - this.now() > REFRESH_MARGIN_MS) return t;
    this.pending ??= authenticate(this.http, this.cfg).finally(() => {
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
}

/** A fixed token (OS_TOKEN with an endpoint) or none at all (noauth). */
export class StaticTokens implements TokenProvider {
  constructor(private readonly value: string | undefined) {}
  async token(): Promise<string | undefined> {
    return this.value;
  }
}
