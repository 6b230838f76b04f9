/**
 * The part of Keystone v3's identity API that Tempest's dynamic credentials use (and the reads
 * around it): the Default domain, projects, users, roles, users' roles on projects, and role
 * assignments. Status codes, bodies, key order and messages follow Keystone 22 (Zed) as the lab
 * answers; policy is Zed's default one without enforced scope: these calls need the admin role,
 * except that users may read themselves, their projects and the project of their token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Directory, Grant, IdentityUser, Project, Role } from './keystone-directory.js';
import { forbidden, KeystoneError, notFound, schemaError } from './keystone-errors.js';
import { pyRepr } from './py-json.js';

/** The caller of an admin API request, as its token says. */
export interface Caller {
  readonly user: { readonly id: string };
  readonly project: { readonly id: string } | null;
  readonly roles: ReadonlyArray<{ readonly name: string }>;
}

/** What the admin API needs from the Keystone it is part of. */
export interface AdminHost {
  readonly directory: Directory;
  /** Keystone's root URL, without /v3. */
  baseUrl(): string;
  /** The request's token, or a 401. */
  caller(req: IncomingMessage): Caller;
  send(res: ServerResponse, status: number, body: unknown): void;
  /** Revokes the user's tokens scoped to the project (a role of theirs there was removed). */
  revokeTokens(userId: string, projectId: string): void;
  /** Deletes the application credentials of that user and/or project, with their tokens. */
  dropApplicationCredentials(match: { userId?: string; projectId?: string }): void;
}

interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  /** The request's URL on this Keystone, query included, for `links.self`. */
  readonly self: string;
}

interface Operation {
  /** The oslo.policy rule a 403 names, without `identity:`. */
  readonly action: string;
  /** Who may call it besides an admin. */
  readonly alsoAllowed?: (caller: Caller, params: Readonly<Record<string, string>>) => boolean;
  readonly run: (call: Call) => void;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

interface Route {
  readonly pattern: RegExp;
  readonly keys: ReadonlyArray<string>;
  readonly operations: Partial<Record<Method, Operation>>;
}

function route(template: string, operations: Partial<Record<Method, Operation>>): Route {
  const keys: string[] = [];
  const source = template.replace(/\{(\w+)\}/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), keys, operations };
}

const DEFAULT_DOMAIN_ID = 'default';
const DOMAIN_REF = { id: 'default', name: 'Default' };

const isAdmin = (caller: Caller): boolean => caller.roles.some((r) => r.name === 'admin');
const isSelf = (caller: Caller, params: Readonly<Record<string, string>>): boolean =>
  caller.user.id === params.user_id;

/** A query flag as Keystone reads one: present and not "0"/"false". */
function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && v !== '0' && v.toLowerCase() !== 'false';
}

/** The object under `key` in a create body ({} when absent, as Keystone reads it). */
function entity(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = body[key];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw schemaError(`${pyRepr(v)} is not of type 'object'`);
  return v as Record<string, unknown>;
}

/** A field's value that Keystone's JSON schema refuses (it adds a dump of the schema, left out here). */
function invalidField(key: string, message: string): KeystoneError {
  return schemaError(`Invalid input for field '${key}': ${message}`);
}

/** A string field checked as Keystone's JSON schema checks it. */
function stringField(
  obj: Record<string, unknown>,
  key: string,
  rule: { required?: boolean; max?: number; nullable?: boolean },
): string | null | undefined {
  const v = obj[key];
  if (v === undefined) {
    if (rule.required) throw schemaError(`'${key}' is a required property`);
    return undefined;
  }
  if (v === null && rule.nullable) return null;
  if (typeof v !== 'string')
    throw invalidField(key, `${pyRepr(v)} is not of type ${rule.nullable ? "'string', 'null'" : "'string'"}`);
  if (rule.max !== undefined && v.length > rule.max) throw invalidField(key, `${pyRepr(v)} is too long`);
  if (rule.required && v.length === 0) throw invalidField(key, `${pyRepr(v)} is too short`);
  return v;
}

function boolField(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalidField(key, `${pyRepr(v)} is not of type 'boolean'`);
  return v;
}

/** User attributes Keystone keeps in columns; every other one goes to `extra`. */
const USER_COLUMNS = new Set([
  'id',
  'name',
  'password',
  'domain_id',
  'default_project_id',
  'enabled',
  'options',
]);

/** A project as Keystone shows it; `base` is Keystone's root URL. */
export function projectView(base: string, p: Project): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    domain_id: DEFAULT_DOMAIN_ID,
    description: p.description,
    enabled: p.enabled,
    parent_id: DEFAULT_DOMAIN_ID,
    is_domain: false,
    tags: [],
    options: {},
    links: { self: `${base}/v3/projects/${p.id}` },
  };
}

/** The identity admin API: one handler per api-ref operation, routed by a table. */
export class IdentityAdmin {
  private readonly host: AdminHost;
  private readonly dir: Directory;
  private readonly routes: ReadonlyArray<Route>;

  constructor(host: AdminHost) {
    this.host = host;
    this.dir = host.directory;
    const admin = (action: string, run: (call: Call) => void): Operation => ({ action, run });
    const checkGrant = admin('check_grant', (c) => this.checkGrant(c));
    this.routes = [
      route('/v3/domains', { GET: admin('list_domains', (c) => this.listDomains(c)) }),
      route('/v3/domains/{domain_id}', {
        GET: {
          action: 'get_domain',
          // Zed: a token scoped to a project of the domain may read it.
          alsoAllowed: (caller, p) => caller.project !== null && p.domain_id === DEFAULT_DOMAIN_ID,
          run: (c) => this.showDomain(c),
        },
      }),
      route('/v3/projects', {
        GET: admin('list_projects', (c) => this.listProjects(c)),
        POST: admin('create_project', (c) => this.createProject(c)),
      }),
      route('/v3/projects/{project_id}', {
        GET: {
          action: 'get_project',
          alsoAllowed: (caller, p) => caller.project?.id === p.project_id,
          run: (c) => this.showProject(c),
        },
        DELETE: admin('delete_project', (c) => this.deleteProject(c)),
      }),
      route('/v3/projects/{project_id}/users/{user_id}/roles', {
        GET: admin('list_grants', (c) => this.listGrants(c)),
      }),
      route('/v3/projects/{project_id}/users/{user_id}/roles/{role_id}', {
        PUT: admin('create_grant', (c) => this.createGrant(c)),
        GET: checkGrant,
        HEAD: checkGrant,
        DELETE: admin('revoke_grant', (c) => this.revokeGrant(c)),
      }),
      route('/v3/users', {
        GET: admin('list_users', (c) => this.listUsers(c)),
        POST: admin('create_user', (c) => this.createUser(c)),
      }),
      route('/v3/users/{user_id}', {
        GET: { action: 'get_user', alsoAllowed: isSelf, run: (c) => this.showUser(c) },
        DELETE: admin('delete_user', (c) => this.deleteUser(c)),
      }),
      route('/v3/users/{user_id}/projects', {
        GET: { action: 'list_user_projects', alsoAllowed: isSelf, run: (c) => this.listUserProjects(c) },
      }),
      route('/v3/roles', {
        GET: admin('list_roles', (c) => this.listRoles(c)),
        POST: admin('create_role', (c) => this.createRole(c)),
      }),
      route('/v3/roles/{role_id}', { GET: admin('get_role', (c) => this.showRole(c)) }),
      route('/v3/role_assignments', {
        GET: admin('list_role_assignments', (c) => this.listRoleAssignments(c)),
      }),
    ];
  }

  /**
   * Answers the request when its path is one of the admin API's; false otherwise. `body` is the
   * request's JSON object, already read ({} without one).
   */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Record<string, unknown>): boolean {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      const method = (req.method ?? 'GET') as Method;
      const op = r.operations[method] ?? (method === 'HEAD' ? r.operations.GET : undefined);
      if (!op) {
        // Flask-RESTful's own 405 body, sent before any authentication.
        this.host.send(res, 405, { message: 'The method is not allowed for the requested URL.' });
        return true;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      const caller = this.host.caller(req);
      if (!isAdmin(caller) && !op.alsoAllowed?.(caller, params)) throw forbidden(op.action);
      const self = `${this.host.baseUrl()}${url.pathname}${url.search}`;
      op.run({ req, res, params, query: url.searchParams, body, self });
      return true;
    }
    return false;
  }

  private list(call: Call, key: string, items: unknown[]): void {
    this.host.send(call.res, 200, { [key]: items, links: { next: null, self: call.self, previous: null } });
  }

  private link(path: string): { self: string } {
    return { self: `${this.host.baseUrl()}/v3/${path}` };
  }

  private domainView(): Record<string, unknown> {
    return {
      id: DEFAULT_DOMAIN_ID,
      name: 'Default',
      description: 'The default domain',
      enabled: true,
      tags: [],
      options: {},
      links: this.link(`domains/${DEFAULT_DOMAIN_ID}`),
    };
  }

  private projectView(p: Project): Record<string, unknown> {
    return projectView(this.host.baseUrl(), p);
  }

  private userView(u: IdentityUser): Record<string, unknown> {
    return {
      ...u.extra,
      id: u.id,
      name: u.name,
      domain_id: DEFAULT_DOMAIN_ID,
      enabled: u.enabled,
      ...(u.defaultProjectId === null ? {} : { default_project_id: u.defaultProjectId }),
      password_expires_at: null,
      options: {},
      links: this.link(`users/${u.id}`),
    };
  }

  private roleView(r: Role): Record<string, unknown> {
    return {
      id: r.id,
      name: r.name,
      domain_id: null,
      description: r.description,
      options: r.immutable ? { immutable: true } : {},
      links: this.link(`roles/${r.id}`),
    };
  }

  private project(id: string): Project {
    const p = this.dir.project(id);
    if (!p) throw notFound('project', id);
    return p;
  }

  private user(id: string): IdentityUser {
    const u = this.dir.user(id);
    if (!u) throw notFound('user', id);
    return u;
  }

  private role(id: string): Role {
    const r = this.dir.roleById(id);
    if (!r) throw notFound('role', id);
    return r;
  }

  /** GET /v3/domains (api-ref: list domains): only Default exists. */
  private listDomains(call: Call): void {
    const name = call.query.get('name');
    const enabled = call.query.get('enabled');
    const match = (name === null || name === 'Default') && (enabled === null || flag(call.query, 'enabled'));
    this.list(call, 'domains', match ? [this.domainView()] : []);
  }

  /** GET /v3/domains/{domain_id} (api-ref: show domain details). */
  private showDomain(call: Call): void {
    if (call.params.domain_id !== DEFAULT_DOMAIN_ID) throw notFound('domain', call.params.domain_id ?? '');
    this.host.send(call.res, 200, { domain: this.domainView() });
  }

  /** GET /v3/projects (api-ref: list projects), filtered by name, domain_id, enabled. */
  private listProjects(call: Call): void {
    const q = call.query;
    const inDomain = !q.has('domain_id') || q.get('domain_id') === DEFAULT_DOMAIN_ID;
    const projects = (inDomain ? this.dir.projects() : [])
      .filter((p) => !q.has('name') || p.name === q.get('name'))
      .filter((p) => !q.has('enabled') || p.enabled === flag(q, 'enabled'));
    this.list(
      call,
      'projects',
      projects.map((p) => this.projectView(p)),
    );
  }

  /** POST /v3/projects (api-ref: create project). */
  private createProject(call: Call): void {
    const spec = entity(call.body, 'project');
    const name = stringField(spec, 'name', { required: true, max: 64 }) ?? '';
    const description = stringField(spec, 'description', { nullable: true });
    const domainId = stringField(spec, 'domain_id', { nullable: true, max: 64 });
    const enabled = boolField(spec, 'enabled');
    if (domainId && domainId !== DEFAULT_DOMAIN_ID)
      throw new KeystoneError(400, 'Bad Request', `Could not find domain: ${domainId}.`);
    const project = this.dir.createProject({
      name,
      ...(description ? { description } : {}),
      ...(enabled === undefined ? {} : { enabled }),
    });
    this.host.send(call.res, 201, { project: this.projectView(project) });
  }

  /** GET /v3/projects/{project_id} (api-ref: show project details). */
  private showProject(call: Call): void {
    this.host.send(call.res, 200, { project: this.projectView(this.project(call.params.project_id ?? '')) });
  }

  /** DELETE /v3/projects/{project_id} (api-ref: delete project): its grants go, and tokens scoped to it stop working. */
  private deleteProject(call: Call): void {
    const id = call.params.project_id ?? '';
    if (!this.dir.deleteProject(id)) throw notFound('project', id);
    this.host.dropApplicationCredentials({ projectId: id });
    this.host.send(call.res, 204, undefined);
  }

  /** GET /v3/users (api-ref: list users), filtered by name, domain_id, enabled. */
  private listUsers(call: Call): void {
    const q = call.query;
    const inDomain = !q.has('domain_id') || q.get('domain_id') === DEFAULT_DOMAIN_ID;
    const users = (inDomain ? this.dir.users() : [])
      .filter((u) => !q.has('name') || u.name === q.get('name'))
      .filter((u) => !q.has('enabled') || u.enabled === flag(q, 'enabled'));
    this.list(
      call,
      'users',
      users.map((u) => this.userView(u)),
    );
  }

  /** POST /v3/users (api-ref: create user). */
  private createUser(call: Call): void {
    const spec = entity(call.body, 'user');
    const name = stringField(spec, 'name', { required: true, max: 255 }) ?? '';
    const password = stringField(spec, 'password', { nullable: true });
    const domainId = stringField(spec, 'domain_id', { max: 64 });
    const defaultProjectId = stringField(spec, 'default_project_id', { nullable: true, max: 64 });
    const enabled = boolField(spec, 'enabled');
    if (domainId !== undefined && domainId !== DEFAULT_DOMAIN_ID) throw notFound('domain', domainId ?? '');
    const extra = Object.fromEntries(Object.entries(spec).filter(([k]) => !USER_COLUMNS.has(k)));
    const user = this.dir.createUser({
      name,
      password: password ?? null,
      defaultProjectId: defaultProjectId ?? null,
      ...(enabled === undefined ? {} : { enabled }),
      extra,
    });
    this.host.send(call.res, 201, { user: this.userView(user) });
  }

  /** GET /v3/users/{user_id} (api-ref: show user details). */
  private showUser(call: Call): void {
    this.host.send(call.res, 200, { user: this.userView(this.user(call.params.user_id ?? '')) });
  }

  /** DELETE /v3/users/{user_id} (api-ref: delete user): its grants and application credentials go, its tokens stop working. */
  private deleteUser(call: Call): void {
    const id = call.params.user_id ?? '';
    if (!this.dir.deleteUser(id)) throw notFound('user', id);
    this.host.dropApplicationCredentials({ userId: id });
    this.host.send(call.res, 204, undefined);
  }

  /** GET /v3/users/{user_id}/projects (api-ref: list projects for user): where the user has a role. */
  private listUserProjects(call: Call): void {
    const user = this.user(call.params.user_id ?? '');
    this.list(
      call,
      'projects',
      this.dir.projectsOf(user.id).map((p) => this.projectView(p)),
    );
  }

  /** GET /v3/roles (api-ref: list roles), filtered by name. */
  private listRoles(call: Call): void {
    const name = call.query.get('name');
    const roles = this.dir
      .roles()
      .filter((r) => name === null || r.name.toLowerCase() === name.toLowerCase());
    this.list(
      call,
      'roles',
      roles.map((r) => this.roleView(r)),
    );
  }

  /** POST /v3/roles (api-ref: create role). */
  private createRole(call: Call): void {
    const spec = entity(call.body, 'role');
    const name = stringField(spec, 'name', { required: true, max: 255 }) ?? '';
    const description = stringField(spec, 'description', { nullable: true, max: 255 });
    const role = this.dir.createRole(name, description ?? null);
    this.host.send(call.res, 201, { role: this.roleView(role) });
  }

  /** GET /v3/roles/{role_id} (api-ref: show role details). */
  private showRole(call: Call): void {
    this.host.send(call.res, 200, { role: this.roleView(this.role(call.params.role_id ?? '')) });
  }

  /** The role, user and project a grant path names, looked up in Keystone's order (role, user, project). */
  private grantTarget(call: Call): { role: Role; user: IdentityUser; project: Project } {
    const role = this.role(call.params.role_id ?? '');
    const user = this.user(call.params.user_id ?? '');
    const project = this.project(call.params.project_id ?? '');
    return { role, user, project };
  }

  private assignmentNotFound(t: { role: Role; user: IdentityUser; project: Project }): KeystoneError {
    return new KeystoneError(
      404,
      'Not Found',
      `Could not find role assignment with role: ${t.role.id}, user or group: ${t.user.id}, project, domain, or system: ${t.project.id}.`,
    );
  }

  /** PUT /v3/projects/{project_id}/users/{user_id}/roles/{role_id} (api-ref: assign role to user on project). */
  private createGrant(call: Call): void {
    const t = this.grantTarget(call);
    this.dir.grant(t.user.id, t.project.id, t.role.id);
    this.host.send(call.res, 204, undefined);
  }

  /** HEAD or GET of a grant (api-ref: check whether user has role assignment on project): 204 or 404. */
  private checkGrant(call: Call): void {
    const t = this.grantTarget(call);
    if (!this.dir.hasGrant(t.user.id, t.project.id, t.role.id)) throw this.assignmentNotFound(t);
    this.host.send(call.res, 204, undefined);
  }

  /** DELETE of a grant (api-ref: unassign role from user on project): the user's tokens on the project are revoked. */
  private revokeGrant(call: Call): void {
    const t = this.grantTarget(call);
    if (!this.dir.revoke(t.user.id, t.project.id, t.role.id)) throw this.assignmentNotFound(t);
    this.host.revokeTokens(t.user.id, t.project.id);
    this.host.dropApplicationCredentials({ userId: t.user.id, projectId: t.project.id });
    this.host.send(call.res, 204, undefined);
  }

  /** GET /v3/projects/{project_id}/users/{user_id}/roles (api-ref: list role assignments for user on project): assigned roles only. */
  private listGrants(call: Call): void {
    const user = this.user(call.params.user_id ?? '');
    const project = this.project(call.params.project_id ?? '');
    this.list(
      call,
      'roles',
      this.dir.assignedRoles(user.id, project.id).map((r) => this.roleView(r)),
    );
  }

  /**
   * GET /v3/role_assignments (api-ref: list role assignments), filtered by user.id,
   * scope.project.id and role.id; `effective` adds the implied roles, `include_names` the names.
   * Only user grants on projects exist, so a group or domain or system filter finds nothing.
   */
  private listRoleAssignments(call: Call): void {
    const q = call.query;
    const foreign = [...q.keys()].some((k) => /^(group\.id|scope\.(domain|system|OS-INHERIT))/.test(k));
    const effective = flag(q, 'effective');
    const names = flag(q, 'include_names');
    const entries: Array<{ grant: Grant; direct: Role; role: Role; prior?: Role }> = [];
    const seen = new Set<string>();
    for (const g of foreign ? [] : this.dir.grants()) {
      if (q.has('user.id') && g.userId !== q.get('user.id')) continue;
      if (q.has('scope.project.id') && g.projectId !== q.get('scope.project.id')) continue;
      const direct = this.dir.roleById(g.roleId);
      if (!direct) continue;
      let prior: Role | undefined;
      for (
        let role: Role | undefined = direct;
        role;
        role = effective ? this.dir.implied(role.id) : undefined
      ) {
        const key = `${g.userId} ${g.projectId} ${role.id}`;
        if (seen.has(key)) break;
        seen.add(key);
        entries.push({ grant: g, direct, role, ...(prior ? { prior } : {}) });
        prior = role;
      }
    }
    const base = this.host.baseUrl();
    const items = entries
      .filter((e) => !q.has('role.id') || e.role.id === q.get('role.id'))
      .map((e) => {
        const project = this.dir.project(e.grant.projectId);
        const user = this.dir.user(e.grant.userId);
        const links: Record<string, string> = {
          assignment: `${base}/v3/projects/${e.grant.projectId}/users/${e.grant.userId}/roles/${e.direct.id}`,
        };
        // Keystone's own spelling of the link, implied role first.
        if (e.prior) links.prior_role = `${base}/v3/prior_role/${e.role.id}/implies/${e.prior.id}`;
        return {
          links,
          scope: {
            project: names
              ? { id: e.grant.projectId, name: project?.name, domain: DOMAIN_REF }
              : { id: e.grant.projectId },
          },
          user: names ? { id: e.grant.userId, name: user?.name, domain: DOMAIN_REF } : { id: e.grant.userId },
          role: names ? { id: e.role.id, name: e.role.name } : { id: e.role.id },
        };
      });
    this.list(call, 'role_assignments', items);
  }
}
