/**
 * A Keystone v3 stand-in: password, token and application-credential authentication, project
 * scope granted by role assignments, a catalog naming the reference Glance, token validation for
 * Glance's middleware, and (keystone-admin.ts) the identity API Tempest's dynamic credentials use.
 * Bodies and headers follow the captured Keystone 22 (Zed) responses.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, readBody, sendBody } from './http-util.js';
import { type Account, builtInAccounts, type RoleName } from './keystone-accounts.js';
import { IdentityAdmin, projectView } from './keystone-admin.js';
import { Directory, hexId, type IdentityUser, type Project, type Role } from './keystone-directory.js';
import { badRequest, invalidJson, KeystoneError, notFound, unauthorized } from './keystone-errors.js';
import { pyJson } from './py-json.js';

/** An account the reference started with, as it was then. */
export interface KeystoneUser {
  id: string;
  name: string;
  password: string;
  /** True when the password was generated at start rather than given. */
  passwordGenerated: boolean;
  domain: 'Default';
  /** The project the account was made for. */
  project: Project;
  /** Its roles on that project, implied ones included: what a token scoped there carries. */
  roles: ReadonlyArray<Role>;
  /** The roles assigned on that project. */
  assignedRoles: ReadonlyArray<RoleName>;
  /** The highest of its roles. */
  role: 'admin' | 'member' | 'reader';
}

interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  secret: string;
  user: IdentityUser;
  project: Project;
  roles: Role[];
  expiresAt: Date | null;
}

/** A token Keystone issued. */
export interface TokenInfo {
  token: string;
  user: IdentityUser;
  project: Project | null;
  roles: ReadonlyArray<Role>;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  auditId: string;
  appCred?: AppCredential;
}

/** The URL of each image endpoint interface in the catalog. */
export interface ImageEndpoints {
  public: string;
  admin: string;
  internal: string;
}

function keystoneTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.000000Z`;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'CREATED',
  204: 'NO CONTENT',
  300: 'MULTIPLE CHOICES',
  400: 'BAD REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT FOUND',
  405: 'METHOD NOT ALLOWED',
  409: 'CONFLICT',
};

/** Flask's jsonify, as Keystone's error bodies are written: compact, keys sorted, ASCII only. */
function flaskJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const PROJECT_DOMAIN = { id: 'default', name: 'Default' };

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Identity service state (directory, tokens, application credentials) and its HTTP handler. */
export class Keystone {
  /** Users, projects, roles and role assignments. */
  readonly directory = new Directory();
  /** The accounts seeded at start, in order: admin, demo, the given users, the extra members. */
  readonly users: KeystoneUser[];
  private readonly admin: IdentityAdmin;
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly appCreds = new Map<string, AppCredential>();
  private readonly ttlMs: number;
  private baseUrl = '';
  private imageUrls: () => ImageEndpoints = () => ({ public: '', admin: '', internal: '' });
  private readonly endpointIds = Array.from({ length: 6 }, hexId);
  private readonly serviceIds = { identity: hexId(), image: hexId() };

  /** `accounts` come from resolveAccounts(); default: the built-in admin and demo. */
  constructor(tokenTtlSeconds: number, accounts?: ReadonlyArray<Account>) {
    this.ttlMs = tokenTtlSeconds * 1000;
    this.users = (accounts ?? builtInAccounts()).map((a) => this.seed(a));
    this.admin = new IdentityAdmin({
      directory: this.directory,
      baseUrl: () => this.baseUrl,
      caller: (req) => this.caller(req),
      send: (res, status, body) => this.sendResource(res, status, body),
      revokeTokens: (userId, projectId) => {
        for (const [t, info] of this.tokens)
          if (info.user.id === userId && info.project?.id === projectId) this.tokens.delete(t);
      },
      dropApplicationCredentials: (match) => {
        for (const c of this.appCreds.values()) {
          if (match.userId !== undefined && c.user.id !== match.userId) continue;
          if (match.projectId !== undefined && c.project.id !== match.projectId) continue;
          this.appCreds.delete(c.id);
          for (const [t, info] of this.tokens) if (info.appCred === c) this.tokens.delete(t);
        }
      },
    });
  }

  /** Creates the account's project (once), user and grants. */
  private seed(a: Account): KeystoneUser {
    const dir = this.directory;
    const project = dir.projectByName(a.project) ?? dir.createProject({ name: a.project });
    const user = dir.createUser({ name: a.name, password: a.password });
    for (const name of a.roles) {
      const role = dir.roleByName(name);
      if (role) dir.grant(user.id, project.id, role.id);
    }
    const roles = dir.effectiveRoles(user.id, project.id);
    const has = (n: string) => roles.some((r) => r.name === n);
    return {
      id: user.id,
      name: user.name,
      password: a.password,
      passwordGenerated: a.passwordGenerated,
      domain: 'Default',
      project,
      roles,
      assignedRoles: a.roles,
      role: has('admin') ? 'admin' : has('member') ? 'member' : 'reader',
    };
  }

  /**
   * Tells Keystone where it listens (for links) and where the catalog's image endpoints point: asked
   * at each catalog, since a fault that puts clients behind the front proxy, or moves one endpoint,
   * changes them.
   */
  setUrls(keystoneBase: string, imageUrls: () => ImageEndpoints): void {
    this.baseUrl = keystoneBase;
    this.imageUrls = imageUrls;
  }

  /** The token's record when it exists, has not expired, and its user and project still exist. */
  lookup(token: string): TokenInfo | undefined {
    const info = this.tokens.get(token);
    return info && !this.invalidity(info) ? info : undefined;
  }

  /** Why Keystone would refuse to validate the token, as its 404 says; undefined when valid. */
  private invalidity(info: TokenInfo): KeystoneError | undefined {
    if (info.expiresAt.getTime() <= Date.now()) return notFound('token', info.token);
    if (!this.directory.user(info.user.id)) return notFound('user', info.user.id);
    if (info.project && !this.directory.project(info.project.id)) return notFound('project', info.project.id);
    return undefined;
  }

  /** The service catalog: identity, then image, endpoints in the captured order. */
  catalog(): unknown[] {
    const ep = (i: number, iface: string, url: string) => ({
      id: this.endpointIds[i],
      interface: iface,
      region_id: 'RegionOne',
      url,
      region: 'RegionOne',
    });
    const identityUrl = `${this.baseUrl}/v3/`;
    const image = this.imageUrls();
    return [
      {
        endpoints: [
          ep(0, 'admin', identityUrl),
          ep(1, 'public', identityUrl),
          ep(2, 'internal', identityUrl),
        ],
        id: this.serviceIds.identity,
        type: 'identity',
        name: 'keystone',
      },
      {
        endpoints: [
          ep(3, 'public', image.public),
          ep(4, 'admin', image.admin),
          ep(5, 'internal', image.internal),
        ],
        id: this.serviceIds.image,
        type: 'image',
        name: 'glance',
      },
    ];
  }

  private versionDoc(host: string): Record<string, unknown> {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{ rel: 'self', href: `http://${host}/v3/` }],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
    };
  }

  /** Sends `body` as Python's json.dumps writes it (a string as it is); no body, no Content-Length. */
  private send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : pyJson(body);
    const headers: Record<string, string> = {};
    if (text !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(text));
    }
    Object.assign(headers, extra);
    headers.Vary = 'X-Auth-Token';
    headers['x-openstack-request-id'] = newRequestId();
    // The captured deployment's uwsgi closes every connection (clients saw resets otherwise), and sends no Date.
    headers.Connection = 'close';
    res.sendDate = false;
    if (text !== undefined) {
      sendBody(res, status, headers, text, STATUS_TEXT[status]);
    } else if (!res.headersSent && !res.destroyed) {
      res.writeHead(status, STATUS_TEXT[status] ?? '', headers);
      res.end();
    }
  }

  /** Sends a resource body as flask-restful's output_json writes it: json.dumps and a newline. */
  private sendResource(res: ServerResponse, status: number, body: unknown): void {
    this.send(res, status, body === undefined ? undefined : `${pyJson(body)}\n`);
  }

  private sendError(res: ServerResponse, err: KeystoneError): void {
    const extra: Record<string, string> =
      err.status === 401 ? { 'WWW-Authenticate': `Keystone uri="${this.baseUrl}/v3"` } : {};
    const text = flaskJson({ error: { code: err.status, message: err.message, title: err.title } });
    this.send(res, err.status, `${text}\n`, extra);
  }

  /** Handles one HTTP request to the identity port. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // Keystone reads a JSON body before it looks at the route or the token.
      const method = req.method ?? 'GET';
      const body =
        method === 'POST' || method === 'PUT' || method === 'PATCH' ? await this.jsonBody(req) : {};
      await this.route(req, res, body);
    } catch (err) {
      if (err instanceof KeystoneError) this.sendError(res, err);
      else
        this.sendError(
          res,
          new KeystoneError(
            500,
            'Internal Server Error',
            'An unexpected error prevented the server from fulfilling your request.',
          ),
        );
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://keystone.invalid');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const host = req.headers.host ?? this.baseUrl.replace(/^http:\/\//, '');
    const method = req.method ?? 'GET';

    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      this.send(res, 300, { versions: { values: [this.versionDoc(host)] } });
      return;
    }
    if (path === '/v3' && (method === 'GET' || method === 'HEAD')) {
      this.send(res, 200, { version: this.versionDoc(host) });
      return;
    }
    if (path === '/v3/auth/tokens') {
      if (method === 'POST') {
        this.issue(res, body, url.searchParams.has('nocatalog'));
        return;
      }
      if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
        this.caller(req);
        const subject = req.headers['x-subject-token'];
        const info = typeof subject === 'string' ? this.tokens.get(subject) : undefined;
        if (!info || typeof subject !== 'string') throw notFound('token', String(subject));
        const invalid = this.invalidity(info);
        if (invalid) throw invalid;
        if (method === 'DELETE') {
          this.tokens.delete(subject);
          this.send(res, 204, undefined);
          return;
        }
        this.send(res, 200, this.tokenBody(info, !url.searchParams.has('nocatalog')), {
          'X-Subject-Token': subject,
        });
        return;
      }
    }
    if (path === '/v3/auth/catalog' && method === 'GET') {
      const info = this.caller(req);
      if (!info.project)
        throw new KeystoneError(
          403,
          'Forbidden',
          'A project-scoped token is required to produce a service catalog.',
        );
      this.sendResource(res, 200, {
        catalog: this.catalog(),
        links: { self: `${this.baseUrl}/v3/auth/catalog`, previous: null, next: null },
      });
      return;
    }
    if (path === '/v3/auth/projects' && method === 'GET') {
      const info = this.caller(req);
      this.sendResource(res, 200, {
        projects: this.directory.projectsOf(info.user.id).map((p) => projectView(this.baseUrl, p)),
        links: { next: null, self: `${this.baseUrl}/v3/auth/projects`, previous: null },
      });
      return;
    }
    const appCredMatch = /^\/v3\/users\/([^/]+)\/application_credentials(?:\/([^/]+))?$/.exec(path);
    if (appCredMatch) {
      this.applicationCredentials(req, res, body, appCredMatch[1] ?? '', appCredMatch[2]);
      return;
    }
    if (this.admin.handle(req, res, url, body)) return;
    throw new KeystoneError(404, 'Not Found', 'The resource could not be found.');
  }

  /** The token the request carries in X-Auth-Token, or 401. */
  private caller(req: IncomingMessage): TokenInfo {
    const token = req.headers['x-auth-token'];
    const info = typeof token === 'string' ? this.lookup(token) : undefined;
    if (!info) throw unauthorized();
    return info;
  }

  /** The request's JSON object; {} when it has no body. */
  private async jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = (await readBody(req, 1024 * 1024)).toString('utf8');
    if (raw.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalidJson();
    }
    const obj = asObject(parsed);
    if (!obj) throw invalidJson();
    return obj;
  }

  private findUser(spec: Record<string, unknown>): IdentityUser | undefined {
    if (typeof spec.id === 'string') return this.directory.user(spec.id);
    if (typeof spec.name !== 'string') return undefined;
    const domain = asObject(spec.domain);
    if (!domain) throw badRequest('Expecting to find domain in user.');
    const domainOk = domain.id === 'default' || domain.name === 'Default';
    return domainOk ? this.directory.userByName(spec.name) : undefined;
  }

  /** The project a token request's scope names, or 401; scoping needs a role there. */
  private scopedProject(user: IdentityUser, scope: unknown): { project: Project; roles: Role[] } {
    const spec = asObject(asObject(scope)?.project);
    // Domain and system scope are not offered: only projects of the Default domain exist.
    if (!spec) throw unauthorized();
    let project: Project | undefined;
    if (typeof spec.id === 'string') project = this.directory.project(spec.id);
    else if (typeof spec.name === 'string') {
      const domain = asObject(spec.domain);
      if (!domain) throw badRequest('Expecting to find domain in project.');
      if (domain.id === 'default' || domain.name === 'Default')
        project = this.directory.projectByName(spec.name);
    }
    if (!project?.enabled) throw unauthorized();
    const roles = this.directory.effectiveRoles(user.id, project.id);
    if (roles.length === 0) throw unauthorized();
    return { project, roles };
  }

  private issue(res: ServerResponse, body: Record<string, unknown>, noCatalog: boolean): void {
    const auth = asObject(body.auth);
    if (!auth) throw badRequest('Expecting to find auth in request.');
    const identity = asObject(auth.identity);
    if (!identity) throw badRequest('Expecting to find identity in auth.');
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0)
      throw badRequest('Expecting to find methods in identity.');

    let user: IdentityUser | undefined;
    let appCred: AppCredential | undefined;
    let inherited: TokenInfo | undefined;
    const method = String(methods[0]);
    if (method === 'password') {
      const spec = asObject(asObject(identity.password)?.user);
      if (!spec) throw badRequest('Expecting to find user in password.');
      user = this.findUser(spec);
      if (!user?.enabled || user.password === null || spec.password !== user.password) throw unauthorized();
    } else if (method === 'token') {
      const id = asObject(identity.token)?.id;
      inherited = typeof id === 'string' ? this.lookup(id) : undefined;
      if (!inherited?.user.enabled) throw unauthorized();
      user = inherited.user;
    } else if (method === 'application_credential') {
      const spec = asObject(identity.application_credential);
      if (!spec) throw badRequest('Expecting to find application_credential in identity.');
      if (typeof spec.id === 'string') appCred = this.appCreds.get(spec.id);
      else if (typeof spec.name === 'string') {
        const owner = asObject(spec.user);
        const u = owner ? this.findUser(owner) : undefined;
        appCred = [...this.appCreds.values()].find((c) => c.name === spec.name && c.user === u);
      }
      if (!appCred || spec.secret !== appCred.secret) throw unauthorized();
      if (appCred.expiresAt && appCred.expiresAt.getTime() <= Date.now()) throw unauthorized();
      user = appCred.user;
      if (!user.enabled) throw unauthorized();
    } else {
      throw unauthorized();
    }

    let project: Project | null = null;
    let roles: ReadonlyArray<Role> = [];
    const scope = auth.scope;
    if (appCred) {
      if (scope !== undefined) throw unauthorized();
      project = appCred.project;
      roles = appCred.roles;
    } else if (scope !== undefined && scope !== 'unscoped') {
      ({ project, roles } = this.scopedProject(user, scope));
    } else if (inherited?.project) {
      project = inherited.project;
      roles = this.directory.effectiveRoles(user.id, project.id);
      if (roles.length === 0) throw unauthorized();
    } else if (scope === undefined && !inherited && user.defaultProjectId !== null) {
      // Keystone scopes a token asked without scope to the user's default project, when it has a role there.
      const home = this.directory.project(user.defaultProjectId);
      const homeRoles = home?.enabled ? this.directory.effectiveRoles(user.id, home.id) : [];
      if (home && homeRoles.length > 0) {
        project = home;
        roles = homeRoles;
      }
    }

    const now = new Date();
    now.setUTCMilliseconds(0);
    let expiresAt = new Date(now.getTime() + this.ttlMs);
    if (inherited && inherited.expiresAt < expiresAt) expiresAt = inherited.expiresAt;
    const info: TokenInfo = {
      token: `gAAAAAB${randomBytes(132).toString('base64url')}`,
      user,
      project,
      roles,
      methods: inherited ? ['token', ...inherited.methods.filter((m) => m !== 'token')] : [method],
      issuedAt: now,
      expiresAt,
      auditId: randomBytes(16).toString('base64url').slice(0, 22),
      appCred,
    };
    this.tokens.set(info.token, info);
    this.send(res, 201, this.tokenBody(info, !noCatalog), { 'X-Subject-Token': info.token });
  }

  private tokenBody(info: TokenInfo, withCatalog: boolean): Record<string, unknown> {
    const token: Record<string, unknown> = {
      methods: info.methods,
      user: {
        domain: { id: 'default', name: 'Default' },
        id: info.user.id,
        name: info.user.name,
        password_expires_at: null,
      },
      audit_ids: [info.auditId],
      expires_at: keystoneTime(info.expiresAt),
      issued_at: keystoneTime(info.issuedAt),
    };
    if (info.project) {
      token.project = {
        domain: PROJECT_DOMAIN,
        id: info.project.id,
        name: info.project.name,
      };
      token.is_domain = false;
      token.roles = info.roles.map((r) => ({ id: r.id, name: r.name }));
      if (info.appCred) {
        token.application_credential = { id: info.appCred.id, name: info.appCred.name, restricted: true };
      }
      if (withCatalog) token.catalog = this.catalog();
    }
    return { token };
  }

  private appCredView(c: AppCredential, withSecret: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: c.id,
      name: c.name,
      description: c.description,
      user_id: c.user.id,
      project_id: c.project.id,
      roles: c.roles.map((r) => ({ id: r.id, name: r.name, domain_id: null })),
      expires_at: c.expiresAt ? keystoneTime(c.expiresAt) : null,
      unrestricted: false,
      access_rules: [],
      links: { self: `${this.baseUrl}/v3/application_credentials/${c.id}` },
    };
    if (withSecret) view.secret = c.secret;
    return view;
  }

  private applicationCredentials(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
    userId: string,
    credId: string | undefined,
  ): void {
    const caller = this.caller(req);
    if (caller.user.id !== userId || caller.appCred) {
      throw new KeystoneError(
        403,
        'Forbidden',
        'You are not authorized to perform the requested action: identity:create_application_credential.',
      );
    }
    const method = req.method ?? 'GET';
    if (credId === undefined && method === 'POST') {
      const spec = asObject(body.application_credential);
      if (!spec || typeof spec.name !== 'string')
        throw badRequest("Invalid input for field 'application_credential'.");
      if (!caller.project) throw unauthorized();
      const wantedRoles = Array.isArray(spec.roles) ? spec.roles.map(asObject) : undefined;
      const roles = wantedRoles
        ? caller.roles.filter((r) => wantedRoles.some((w) => w && (w.id === r.id || w.name === r.name)))
        : [...caller.roles];
      const cred: AppCredential = {
        id: hexId(),
        name: spec.name,
        description: typeof spec.description === 'string' ? spec.description : null,
        secret: typeof spec.secret === 'string' ? spec.secret : randomBytes(48).toString('base64url'),
        user: caller.user,
        project: caller.project,
        roles,
        expiresAt: typeof spec.expires_at === 'string' ? new Date(spec.expires_at) : null,
      };
      this.appCreds.set(cred.id, cred);
      this.sendResource(res, 201, { application_credential: this.appCredView(cred, true) });
      return;
    }
    if (credId === undefined && method === 'GET') {
      const mine = [...this.appCreds.values()].filter((c) => c.user.id === userId);
      this.sendResource(res, 200, {
        application_credentials: mine.map((c) => this.appCredView(c, false)),
        links: {
          self: `${this.baseUrl}/v3/users/${userId}/application_credentials`,
          previous: null,
          next: null,
        },
      });
      return;
    }
    const cred = credId === undefined ? undefined : this.appCreds.get(credId);
    if (!cred || cred.user.id !== userId) {
      throw notFound('application credential', String(credId));
    }
    if (method === 'GET') {
      this.sendResource(res, 200, { application_credential: this.appCredView(cred, false) });
      return;
    }
    if (method === 'DELETE') {
      this.appCreds.delete(cred.id);
      for (const [t, info] of this.tokens) if (info.appCred === cred) this.tokens.delete(t);
      this.send(res, 204, undefined);
      return;
    }
    this.sendResource(res, 405, { message: 'The method is not allowed for the requested URL.' });
  }
}
