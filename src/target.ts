import type { ResolvedConfig } from './config/index.js';
import { UnreachableError } from './errors.js';
import {
  GlanceClient,
  type TokenProvider,
  type TransportOptions,
  type VersionsDocument,
} from './glance/index.js';
import { DEFAULT_TIMEOUTS, HttpClient, TransportError } from './http/client.js';
import type { EvidenceRecorder } from './http/evidence.js';
import { type ImageEndpoints, KeystoneSession, StaticTokens, selectEndpoint } from './keystone/index.js';

/** Everything a run needs to talk to one Glance. */
export interface Target {
  glance: GlanceClient;
  http: HttpClient;
  /** The image endpoint in use. */
  endpoint: string;
  /** How it was found: 'override' (--endpoint, OS_ENDPOINT…) or 'catalog'. */
  endpointSource: 'override' | 'catalog';
  /** All image endpoints the catalog lists, when the catalog was used. */
  catalogEndpoints?: ImageEndpoints['all'];
  tokens: TokenProvider;
  session?: KeystoneSession;
  close(): Promise<void>;
}

/** Values that must be masked wherever evidence is written. */
export function secretsOf(
  cfg: ResolvedConfig,
  extra: () => readonly string[] = () => [],
): () => readonly string[] {
  const fixed = [cfg.auth.password, cfg.auth.applicationCredentialSecret, cfg.auth.token]
    .map((s) => s?.value)
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return () => [...fixed, ...extra()];
}

/**
 * Builds the client for the configured target: authenticates with Keystone when the auth type
 * needs it (exit 3 on refusal or no answer) and picks the image endpoint (override or catalog).
 */
export async function connect(
  cfg: ResolvedConfig,
  recorder?: EvidenceRecorder,
  transport: TransportOptions = {},
): Promise<Target> {
  let session: KeystoneSession | undefined;
  const tokenSecrets = (): readonly string[] => {
    const t = session?.peek()?.value;
    return t ? [t] : [];
  };
  const timeoutMs = cfg.harness.timeoutMs.value;
  const http = new HttpClient({
    tls: {
      ...(cfg.tls.cacert ? { cacert: cfg.tls.cacert.value } : {}),
      ...(cfg.tls.cert ? { cert: cfg.tls.cert.value } : {}),
      ...(cfg.tls.key ? { key: cfg.tls.key.value } : {}),
      insecure: cfg.tls.insecure.value,
    },
    timeouts: { ...DEFAULT_TIMEOUTS, totalMs: timeoutMs },
    secrets: secretsOf(cfg, tokenSecrets),
    userAgent: 'glance-harness/0.1',
    ...(recorder ? { recorder } : {}),
  });

  const authType = cfg.authType.value;
  const override = cfg.endpoint?.value;
  try {
    if (authType === 'none' || (authType === 'token' && override && !cfg.auth.authUrl?.value)) {
      const tokens = new StaticTokens(authType === 'token' ? cfg.auth.token?.value : undefined);
      return build(http, override!, 'override', tokens, transport);
    }
    session = new KeystoneSession(http, cfg);
    const token = await session.currentToken();
    if (override) return build(http, override, 'override', session, transport, undefined, session);
    const eps = selectEndpoint(token.catalog, {
      type: 'image',
      interface: cfg.interface.value,
      ...(cfg.regionName ? { region: cfg.regionName.value } : {}),
    });
    return build(http, eps.chosen.url, 'catalog', session, transport, eps.all, session);
  } catch (err) {
    await http.close();
    throw err;
  }
}

function build(
  http: HttpClient,
  endpoint: string,
  endpointSource: Target['endpointSource'],
  tokens: TokenProvider,
  transport: TransportOptions,
  catalogEndpoints?: ImageEndpoints['all'],
  session?: KeystoneSession,
): Target {
  return {
    glance: new GlanceClient(endpoint, http, tokens, transport),
    http,
    endpoint,
    endpointSource,
    ...(catalogEndpoints ? { catalogEndpoints } : {}),
    tokens,
    ...(session ? { session } : {}),
    close: () => http.close(),
  };
}

/** Result of asking the endpoint for its versions before any check runs. */
export interface Probe {
  status: number;
  versions?: VersionsDocument;
  /** Highest CURRENT version id, e.g. "v2.15". */
  current?: string;
  elapsedMs: number;
}

/** GET / on the image endpoint; throws UnreachableError (exit 3) when nothing answers. */
export async function probe(target: Target): Promise<Probe> {
  try {
    const res = await target.glance.versions.listRoot();
    const versions = res.body && Array.isArray(res.body.versions) ? res.body : undefined;
    const current = versions?.versions.find((v) => v.status === 'CURRENT')?.id;
    return {
      status: res.status,
      ...(versions ? { versions } : {}),
      ...(current ? { current } : {}),
      elapsedMs: res.elapsedMs,
    };
  } catch (err) {
    if (err instanceof TransportError) {
      throw new UnreachableError(
        `Glance unreachable at ${target.endpoint}: ${err.exchange.error?.message ?? err.message} (${err.code}). ` +
          'Check the endpoint (--endpoint, OS_ENDPOINT or the catalog) and that glance-api is running.',
        { cause: err },
      );
    }
    throw err;
  }
}
