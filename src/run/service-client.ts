// The other side of the run service (src/run/service.ts): how a process the CLI started (a test
// worker, a load worker thread) asks for tokens, secrets and blocked links with the run's key.
import { request } from 'undici';
import { parseDbUrl } from '../db/url.js';
import type { TokenProvider } from '../glance/index.js';
import { SECRETS } from '../util/mask.js';
import type { Block, BlockReport } from './service.js';

/** Talks to the CLI's run service on loopback with the run's key. */
export class RunServiceClient {
  constructor(
    private readonly url: string,
    private readonly key: string,
  ) {}

  private async get(path: string, init: { method?: 'GET' | 'POST'; body?: string } = {}): Promise<string> {
    const res = await request(`${this.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
      ...(init.body ? { body: init.body } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`run service ${path}: ${res.statusCode} ${text.trim()}`);
    return text;
  }

  /** The current token of a user of the run, cached briefly (the CLI renews it before expiry). */
  tokens(name: string): TokenProvider {
    let cached: { value: string; at: number } | undefined;
    return {
      token: async () => {
        if (!cached || Date.now() - cached.at > 30_000) {
          cached = { value: await this.get(`/token/${name}`), at: Date.now() };
          SECRETS.add(cached.value);
        }
        return cached.value || undefined;
      },
    };
  }

  async secret<T>(name: string): Promise<T> {
    const value: unknown = JSON.parse(await this.get(`/secret/${name}`));
    // A worker knows no configuration: the secrets it is handed are the ones it must scrub.
    if (typeof value === 'string') SECRETS.add(value);
    const url = (value as { url?: unknown } | null)?.url;
    if (typeof url === 'string') {
      try {
        const db = parseDbUrl(url, 'database URL');
        SECRETS.add(db.password, db.user);
      } catch {
        // the db fixture reports a malformed URL
      }
    }
    return value as T;
  }

  async blocks(): Promise<Block[]> {
    return JSON.parse(await this.get('/blocks')) as Block[];
  }

  async report(r: BlockReport): Promise<Block[]> {
    return JSON.parse(await this.get('/blocks', { method: 'POST', body: JSON.stringify(r) })) as Block[];
  }
}
