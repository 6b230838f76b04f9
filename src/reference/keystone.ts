/**
 * A Keystone v3 stand-in: password, token and application-credential authentication, project
 * scope, a catalog naming the reference Glance, and token validation for Glance's middleware.
 * Bodies and headers follow the captured Keystone 22 (Zed) responses.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, readBody, sendBody } from './http-util.js';
import { pyJson } from './py-json.js';

export interface KeystoneUser {
  id: string;
  name: string;
  password: string;
  domain: 'Default';
  project: Project;
  roles: ReadonlyArray<Role>;
  role: 'admin' | 'member';
}

interface Project {
  id: string;
  name: string;
}

interface Role {
  id: string;
  name: string;
}

interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  secret: string;
  user: KeystoneUser;
  project: Project;
  roles: Role[];
  expiresAt: Date | null;
}

/** A token Keystone issued. */
export interface TokenInfo {
  token: string;
  user: KeystoneUser;
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

function hexId(): string {
  return randomBytes(16).toString('hex');
}

function keystoneTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.000000Z`;
}

class KeystoneError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

const UNAUTHORIZED = 'The request you have made requires authentication.';
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
};

function unauthorized(): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', UNAUTHORIZED);
}

function badRequest(message: string): KeystoneError {
  return new KeystoneError(
    400,
    'Bad Request',
    `${message} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Identity service state (users, projects, tokens, application credentials) and its HTTP handler. */
export class Keystone {
  readonly users: KeystoneUser[];
  private readonly roles: { reader: Role; member: Role; admin: Role };
  private readonly tokens = new Map<string, TokenInfo>();
  private readonly appCreds = new Map<string, AppCredential>();
  private readonly ttlMs: number;
  private baseUrl = '';
  private imageUrls: () => ImageEndpoints = () => ({ public: '', admin: '', internal: '' });
  private readonly endpointIds = Array.from({ length: 6 }, hexId);
  private readonly serviceIds = { identity: hexId(), image: hexId() };

  constructor(tokenTtlSeconds: number) {
    this.ttlMs = tokenTtlSeconds * 1000;
    this.roles = {
      reader: { id: hexId(), name: 'reader' },
      member: { id: hexId(), name: 'member' },
      admin: { id: hexId(), name: 'admin' },
    };
    const password = () => randomBytes(12).toString('base64url');
    const adminProject = { id: hexId(), name: 'admin' };
    const demoProject = { id: hexId(), name: 'demo' };
    this.users = [
      {
        id: hexId(),
        name: 'admin',
        password: password(),
        domain: 'Default',
        project: adminProject,
        roles: [this.roles.reader, this.roles.admin, this.roles.member],
        role: 'admin',
      },
      {
        id: hexId(),
        name: 'demo',
        password: password(),
        domain: 'Default',
        project: demoProject,
        roles: [this.roles.reader, this.roles.member],
        role: 'member',
      },
    ];
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

  /** The token's record when it exists and has not expired. */
  lookup(token: string): TokenInfo | undefined {
    const info = this.tokens.get(token);
    if (!info) return undefined;
    if (info.expiresAt.getTime() <= Date.now()) return undefined;
    return info;
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

  private send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = body === undefined ? '' : pyJson(body);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(text));
    Object.assign(headers, extra);
    headers.Vary = 'X-Auth-Token';
    headers['x-openstack-request-id'] = newRequestId();
    // The captured deployment's uwsgi closes every connection (clients saw resets otherwise).
    headers.Connection = 'close';
    sendBody(res, status, headers, text, STATUS_TEXT[status]);
  }

  private sendError(res: ServerResponse, err: KeystoneError): void {
    const extra: Record<string, string> =
      err.status === 401 ? { 'WWW-Authenticate': `Keystone uri="${this.baseUrl}"` } : {};
    this.send(
      res,
      err.status,
      { error: { code: err.status, message: err.message, title: err.title } },
      extra,
    );
  }

  /** Handles one HTTP request to the identity port. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
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

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
        await this.issue(req, res, url.searchParams.has('nocatalog'));
        return;
      }
      if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
        this.caller(req);
        const subject = req.headers['x-subject-token'];
        const info = typeof subject === 'string' ? this.lookup(subject) : undefined;
        if (!info || typeof subject !== 'string') {
          throw new KeystoneError(404, 'Not Found', `Could not find token: ${String(subject)}.`);
        }
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
      this.send(res, 200, {
        catalog: this.catalog(),
        links: { self: `${this.baseUrl}/v3/auth/catalog`, previous: null, next: null },
      });
      return;
    }
    if (path === '/v3/auth/projects' && method === 'GET') {
      const info = this.caller(req);
      const p = info.user.project;
      this.send(res, 200, {
        projects: [
          {
            id: p.id,
            name: p.name,
            domain_id: 'default',
            description: '',
            enabled: true,
            parent_id: 'default',
            is_domain: false,
            tags: [],
            options: {},
            links: { self: `${this.baseUrl}/v3/projects/${p.id}` },
          },
        ],
        links: { self: `${this.baseUrl}/v3/auth/projects`, previous: null, next: null },
      });
      return;
    }
    const appCredMatch = /^\/v3\/users\/([^/]+)\/application_credentials(?:\/([^/]+))?$/.exec(path);
    if (appCredMatch) {
      await this.applicationCredentials(req, res, appCredMatch[1] ?? '', appCredMatch[2]);
      return;
    }
    throw new KeystoneError(404, 'Not Found', 'The resource could not be found.');
  }

  /** The token the request carries in X-Auth-Token, or 401. */
  private caller(req: IncomingMessage): TokenInfo {
    const token = req.headers['x-auth-token'];
    const info = typeof token === 'string' ? this.lookup(token) : undefined;
    if (!info) throw unauthorized();
    return info;
  }

  private async jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const raw = await readBody(req, 1024 * 1024);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('Malformed JSON in request body.');
    }
    const obj = asObject(parsed);
    if (!obj) throw badRequest('Malformed JSON in request body.');
    return obj;
  }

  private findUser(spec: Record<string, unknown>): KeystoneUser | undefined {
    if (typeof spec.id === 'string') return this.users.find((u) => u.id === spec.id);
    if (typeof spec.name !== 'string') return undefined;
    const domain = asObject(spec.domain);
    if (!domain) throw badRequest('Expecting to find domain in user.');
    const domainOk = domain.id === 'default' || domain.name === 'Default';
    return domainOk ? this.users.find((u) => u.name === spec.name) : undefined;
  }

  private async issue(req: IncomingMessage, res: ServerResponse, noCatalog: boolean): Promise<void> {
    const body = await this.jsonBody(req);
    const auth = asObject(body.auth);
    if (!auth) throw badRequest('Expecting to find auth in request.');
    const identity = asObject(auth.identity);
    if (!identity) throw badRequest('Expecting to find identity in auth.');
    const methods = identity.methods;
    if (!Array.isArray(methods) || methods.length === 0)
      throw badRequest('Expecting to find methods in identity.');

    let user: KeystoneUser | undefined;
    let appCred: AppCredential | undefined;
    let inherited: TokenInfo | undefined;
    const method = String(methods[0]);
    if (method === 'password') {
      const spec = asObject(asObject(identity.password)?.user);
      if (!spec) throw badRequest('Expecting to find user in password.');
      user = this.findUser(spec);
      if (!user || spec.password !== user.password) throw unauthorized();
    } else if (method === 'token') {
      const id = asObject(identity.token)?.id;
      inherited = typeof id === 'string' ? this.lookup(id) : undefined;
      if (!inherited) throw unauthorized();
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
      const projectSpec = asObject(asObject(scope)?.project);
      if (!projectSpec) throw unauthorized();
      const wanted = user.project;
      const byId = typeof projectSpec.id === 'string' && projectSpec.id === wanted.id;
      const domain = asObject(projectSpec.domain);
      const byName =
        typeof projectSpec.name === 'string' &&
        projectSpec.name === wanted.name &&
        (domain?.id === 'default' || domain?.name === 'Default');
      if (!byId && !byName) throw unauthorized();
      project = wanted;
      roles = user.roles;
    } else if (inherited?.project) {
      project = inherited.project;
      roles = inherited.roles;
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
        domain: { id: 'default', name: 'Default' },
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

  private async applicationCredentials(
    req: IncomingMessage,
    res: ServerResponse,
    userId: string,
    credId: string | undefined,
  ): Promise<void> {
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
      const body = await this.jsonBody(req);
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
      this.send(res, 201, { application_credential: this.appCredView(cred, true) });
      return;
    }
    if (credId === undefined && method === 'GET') {
      const mine = [...this.appCreds.values()].filter((c) => c.user.id === userId);
      this.send(res, 200, {
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
      throw new KeystoneError(404, 'Not Found', `Could not find application credential: ${String(credId)}.`);
    }
    if (method === 'GET') {
      this.send(res, 200, { application_credential: this.appCredView(cred, false) });
      return;
    }
    if (method === 'DELETE') {
      this.appCreds.delete(cred.id);
      for (const [t, info] of this.tokens) if (info.appCred === cred) this.tokens.delete(t);
      this.send(res, 204, undefined);
      return;
    }
    throw new KeystoneError(405, 'Method Not Allowed', 'The method is not allowed for the requested URL.');
  }
}
