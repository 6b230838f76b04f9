import type { ResolvedConfig } from '../config/index.js';
import { AuthError, ConfigError, UnreachableError } from '../errors.js';
import { type HttpClient, TransportError } from '../http/client.js';
import type { Token, TokenBody } from './types.js';

/** `<auth_url>/auth/tokens`, adding /v3 when the URL does not already end in a version. */
export function tokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
}

function domainRef(name?: string, id?: string): Record<string, string> | undefined {
  if (id) return { id };
  if (name) return { name };
  return undefined;
}

/** The POST /v3/auth/tokens body for the configured method; secrets stay in the returned object only. */
export function buildAuthRequest(cfg: ResolvedConfig): Record<string, unknown> {
  const a = cfg.auth;
  const v = <T>(s: { value: T } | undefined): T | undefined => s?.value;
  switch (cfg.authType.value) {
    case 'password': {
      const user: Record<string, unknown> = { password: v(a.password) };
      if (v(a.userId)) user.id = v(a.userId);
      else {
        user.name = v(a.username);
        const d = domainRef(v(a.userDomainName), v(a.userDomainId));
        if (d) user.domain = d;
      }
      return { auth: { identity: { methods: ['password'], password: { user } }, ...scope(cfg) } };
    }
    case 'v3applicationcredential': {
      const cred: Record<string, unknown> = { secret: v(a.applicationCredentialSecret) };
      if (v(a.applicationCredentialId)) cred.id = v(a.applicationCredentialId);
      else {
        cred.name = v(a.applicationCredentialName);
        const user: Record<string, unknown> = {};
        if (v(a.userId)) user.id = v(a.userId);
        else {
          user.name = v(a.username);
          const d = domainRef(v(a.userDomainName), v(a.userDomainId));
          if (d) user.domain = d;
        }
        cred.user = user;
      }
      return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
    }
    case 'token':
      return { auth: { identity: { methods: ['token'], token: { id: v(a.token) } }, ...scope(cfg) } };
    case 'none':
      break;
  }
  throw new ConfigError(`auth type ${cfg.authType.value} does not talk to Keystone`);
}

function scope(cfg: ResolvedConfig): Record<string, unknown> {
  const a = cfg.auth;
  if (a.projectId?.value) return { scope: { project: { id: a.projectId.value } } };
  if (a.projectName?.value) {
    const d = domainRef(a.projectDomainName?.value, a.projectDomainId?.value);
    return { scope: { project: { name: a.projectName.value, ...(d ? { domain: d } : {}) } } };
  }
  if (a.domainId?.value) return { scope: { domain: { id: a.domainId.value } } };
  if (a.domainName?.value) return { scope: { domain: { name: a.domainName.value } } };
  return {};
}

/** Who was tried, for a 401 message: never the secret. */
export function describePrincipal(cfg: ResolvedConfig): string {
  const a = cfg.auth;
  if (cfg.authType.value === 'v3applicationcredential') {
    return `application credential ${a.applicationCredentialId?.value ?? a.applicationCredentialName?.value ?? '?'}`;
  }
  if (cfg.authType.value === 'token') return 'the given token';
  const user = a.userId?.value ? `user id ${a.userId.value}` : `user "${a.username?.value ?? '?'}"`;
  const udom = a.userDomainId?.value
    ? ` (domain id ${a.userDomainId.value})`
    : a.userDomainName?.value
      ? ` (domain ${a.userDomainName.value})`
      : '';
  const proj = a.projectId?.value
    ? ` in project id ${a.projectId.value}`
    : a.projectName?.value
      ? ` in project "${a.projectName.value}"${
          a.projectDomainId?.value
            ? ` (domain id ${a.projectDomainId.value})`
            : a.projectDomainName?.value
              ? ` (domain ${a.projectDomainName.value})`
              : ''
        }`
      : '';
  return `${user}${udom}${proj}`;
}

/** " (Request-ID: req-…)", as the openstack CLI ends its error lines; empty when Keystone sent none. */
function requestIdNote(requestId: string | undefined): string {
  return requestId ? ` (Request-ID: ${requestId})` : '';
}

/** POST /v3/auth/tokens; returns the token or throws AuthError (refused) / UnreachableError (no answer). */
export async function authenticate(http: HttpClient, cfg: ResolvedConfig): Promise<Token> {
  const authUrl = cfg.auth.authUrl?.value;
  if (!authUrl)
    throw new ConfigError(
      'Missing parameter(s): Set an authentication URL, with --os-auth-url, OS_AUTH_URL or auth.auth_url',
    );
  const url = tokensUrl(authUrl);
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(buildAuthRequest(cfg)),
    });
  } catch (err) {
    if (err instanceof TransportError) {
      const reset = err.code === 'ECONNRESET' || err.code === 'UND_ERR_SOCKET';
      const hint = reset
        ? 'Keystone accepted the connection but closed it without an answer: its backend is failing ' +
          '(check the Keystone log and its database)'
        : 'Check OS_AUTH_URL';
      throw new UnreachableError(`Keystone unreachable: ${err.message}. ${hint}.`, { cause: err });
    }
    throw err;
  }
  if (res.status === 401) {
    throw new AuthError(
      `Keystone refused the credentials for ${describePrincipal(cfg)} at ${url}${keystoneMessage(res.text)} (HTTP 401)${requestIdNote(res.requestId)}`,
      401,
    );
  }
  if (res.status !== 201 && res.status !== 200) {
    throw new AuthError(
      `Expected 201 from POST ${url}, got ${res.status}${keystoneMessage(res.text)} (HTTP ${res.status}, ${res.elapsedMs} ms)${requestIdNote(res.requestId)}`,
      res.status,
    );
  }
  const value = res.headers['x-subject-token'];
  if (!value)
    throw new AuthError(`Keystone answered ${res.status} from POST ${url} without an X-Subject-Token header`);
  let body: TokenBody;
  try {
    body = JSON.parse(res.text) as TokenBody;
  } catch {
    throw new AuthError(`Keystone answered ${res.status} from POST ${url} with a body that is not JSON`);
  }
  if (!body?.token || typeof body.token.expires_at !== 'string') {
    throw new AuthError(
      `Keystone answered ${res.status} from POST ${url} without a "token" object with expires_at`,
    );
  }
  if (body.token.catalog !== undefined && !Array.isArray(body.token.catalog)) {
    throw new AuthError(
      `Keystone answered ${res.status} from POST ${url} with a "catalog" that is not an array`,
    );
  }
  const expiresAt = new Date(body.token.expires_at);
  if (Number.isNaN(expiresAt.getTime())) {
    throw new AuthError(`Keystone token expires_at "${body.token.expires_at}" is not a date`);
  }
  return {
    value,
    expiresAt,
    userName: body.token.user?.name ?? '',
    userId: body.token.user?.id ?? '',
    ...(body.token.project ? { projectName: body.token.project.name, projectId: body.token.project.id } : {}),
    roles: (body.token.roles ?? []).map((r) => r.name),
    catalog: body.token.catalog ?? [],
  };
}

function keystoneMessage(text: string): string {
  try {
    const msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
    return msg ? `: ${msg}` : '';
  } catch {
    return '';
  }
}
