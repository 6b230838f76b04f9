/**
 * Reference Keystone's identity API as Tempest's dynamic credentials use it (tempest/lib/common/
 * dynamic_creds.py and cred_client.py, Tempest 33), with status codes, bodies and messages as the
 * Zed lab's Keystone 22 answers; and token scope granted by role assignments.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import { call, REQUEST_ID, start, token } from './helpers.js';

interface TokenDoc {
  token: {
    methods: string[];
    user: { id: string; name: string };
    project?: { id: string; name: string };
    roles?: Array<{ id: string; name: string }>;
  };
}
interface Named {
  id: string;
  name: string;
}
interface ErrorDoc {
  error: { code: number; message: string; title: string };
}

const HEX_ID = /^[0-9a-f]{32}$/;

/** POST /v3/auth/tokens with a password; the scope is a project id, a project name, or none. */
async function login(
  k: string,
  user: { id?: string; name?: string; password: string },
  project?: { id: string } | { name: string },
): Promise<{ status: number; token: string; doc: TokenDoc | ErrorDoc }> {
  const who = user.id ? { id: user.id } : { name: user.name, domain: { name: 'Default' } };
  const scope =
    project === undefined
      ? {}
      : { scope: { project: 'id' in project ? project : { ...project, domain: { id: 'default' } } } };
  const res = await call(k, '/auth/tokens?nocatalog', {
    method: 'POST',
    json: {
      auth: {
        identity: { methods: ['password'], password: { user: { ...who, password: user.password } } },
        ...scope,
      },
    },
  });
  return {
    status: res.status,
    token: res.headers.get('x-subject-token') ?? '',
    doc: (await res.json()) as TokenDoc,
  };
}

function roleNames(doc: TokenDoc | ErrorDoc): string[] {
  return ((doc as TokenDoc).token.roles ?? []).map((r) => r.name).sort();
}

async function expectError(res: Response, status: number, title: string, message: string): Promise<void> {
  assert.equal(res.status, status, `${res.url}: ${status} expected`);
  assert.equal(res.headers.get('content-type'), 'application/json');
  // Flask's jsonify: compact, keys sorted, a trailing newline.
  assert.equal(await res.text(), `${JSON.stringify({ error: { code: status, message, title } })}\n`);
}

describe('reference Keystone identity API: the calls of Tempest dynamic credentials', () => {
  let ref: ReferenceServer;
  let k: string;
  let admin: string;
  let roles: Map<string, string>;
  let seq = 0;
  const unique = (what: string) => `ref-test-${process.pid}-${++seq}-${what}`;
  const post = (path: string, json: unknown, tok = admin) =>
    call(k, path, { method: 'POST', token: tok, json });

  async function newProject(name = unique('project')): Promise<Named> {
    const res = await post('/projects', {
      project: { name, description: `${name}-desc`, domain_id: 'default' },
    });
    assert.equal(res.status, 201);
    return ((await res.json()) as { project: Named }).project;
  }
  async function newUser(name = unique('user'), password = 'Pw-1-secret'): Promise<Named> {
    const res = await post('/users', { user: { name, password, domain_id: 'default' } });
    assert.equal(res.status, 201);
    return ((await res.json()) as { user: Named }).user;
  }
  async function grant(p: Named, u: Named, role: string, tok = admin): Promise<Response> {
    return call(k, `/projects/${p.id}/users/${u.id}/roles/${roles.get(role)}`, { method: 'PUT', token: tok });
  }

  before(async () => {
    ref = await start();
    k = ref.keystoneUrl;
    admin = await token(ref, 'admin');
    const res = await call(k, '/roles', { token: admin });
    const list = ((await res.json()) as { roles: Named[] }).roles;
    roles = new Map(list.map((r) => [r.name, r.id]));
  });
  after(() => ref.close());

  it('replays dynamic credentials: domain, roles, project, user, grant, token, Glance, then cleanup', async () => {
    // V3CredsClient.__init__: list_domains(name=Default)['domains'][0]
    const domains = await call(k, '/domains?name=Default', { token: admin });
    assert.equal(domains.status, 200);
    assert.match(domains.headers.get('x-openstack-request-id') ?? '', REQUEST_ID);
    assert.equal(
      await domains.text(),
      `{"domains": [{"id": "default", "name": "Default", "description": "The default domain", "enabled": true, "tags": [], "options": {}, "links": {"self": "${k}/domains/default"}}], "links": {"next": null, "self": "${k}/domains?name=Default", "previous": null}}\n`,
    );
    // _create_creds: create_project(name, description, domain_id)
    const name = unique('tempest');
    const created = await post('/projects', {
      project: { name, description: `${name}-desc`, domain_id: 'default' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.statusText, 'CREATED');
    const project = ((await created.json()) as { project: Record<string, unknown> & Named }).project;
    assert.match(project.id, HEX_ID);
    assert.deepEqual(project, {
      id: project.id,
      name,
      domain_id: 'default',
      description: `${name}-desc`,
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: [],
      options: {},
      links: { self: `${k}/projects/${project.id}` },
    });
    // create_user(name, password, domain_id)
    const madeUser = await post('/users', {
      user: { name: `${name}-project-admin`, password: 'Tempest-pw-1', domain_id: 'default' },
    });
    assert.equal(madeUser.status, 201);
    const user = ((await madeUser.json()) as { user: Record<string, unknown> & Named }).user;
    assert.deepEqual(Object.keys(user), [
      'id',
      'name',
      'domain_id',
      'enabled',
      'password_expires_at',
      'options',
      'links',
    ]);
    assert.equal(user.name, `${name}-project-admin`);
    // assign_user_role: list_roles, then PUT; an admin gets 'admin' twice (identity_admin_role and admin_role).
    const listed = ((await (await call(k, '/roles', { token: admin })).json()) as { roles: Named[] }).roles;
    const adminRole = listed.find((r) => r.name.toLowerCase() === 'admin');
    assert.ok(adminRole);
    for (let i = 0; i < 2; i++) {
      const put = await call(k, `/projects/${project.id}/users/${user.id}/roles/${adminRole.id}`, {
        method: 'PUT',
        token: admin,
      });
      assert.equal(put.status, 204);
      assert.equal(put.headers.get('content-length'), null);
      assert.equal(await put.text(), '');
    }
    // The test's own clients: a token by user id, scoped by project id and domain, then Glance.
    const res = await call(k, '/auth/tokens', {
      method: 'POST',
      json: {
        auth: {
          identity: { methods: ['password'], password: { user: { id: user.id, password: 'Tempest-pw-1' } } },
          scope: { project: { id: project.id, domain: { id: 'default' } } },
        },
      },
    });
    assert.equal(res.status, 201);
    const userToken = res.headers.get('x-subject-token') ?? '';
    const doc = (await res.json()) as TokenDoc;
    assert.equal(doc.token.project?.id, project.id);
    assert.deepEqual(roleNames(doc), ['admin', 'member', 'reader']);
    const images = await call(ref.glanceUrl, '/v2/images', { token: userToken });
    assert.equal(images.status, 200);
    await images.arrayBuffer();
    // clear_creds: delete_user, delete_project; a second delete is a 404 Tempest logs and ignores.
    const delUser = await call(k, `/users/${user.id}`, { method: 'DELETE', token: admin });
    assert.equal(delUser.status, 204);
    await expectError(
      await call(k, `/users/${user.id}`, { method: 'DELETE', token: admin }),
      404,
      'Not Found',
      `Could not find user: ${user.id}.`,
    );
    const delProject = await call(k, `/projects/${project.id}`, { method: 'DELETE', token: admin });
    assert.equal(delProject.status, 204);
    await expectError(
      await call(k, `/projects/${project.id}`, { method: 'DELETE', token: admin }),
      404,
      'Not Found',
      `Could not find project: ${project.id}.`,
    );
    // The deleted user's token no longer validates, as Keystone says it.
    await expectError(
      await call(k, '/auth/tokens', { headers: { 'x-auth-token': admin, 'x-subject-token': userToken } }),
      404,
      'Not Found',
      `Could not find user: ${user.id}.`,
    );
  });

  it('POST /v3/roles creates a role Tempest finds missing; the same name in any case is 409', async () => {
    const name = unique('Role');
    const res = await post('/roles', { role: { name } });
    assert.equal(res.status, 201);
    const role = ((await res.json()) as { role: Record<string, unknown> }).role;
    assert.deepEqual(
      { ...role, id: 'x' },
      {
        id: 'x',
        name,
        domain_id: null,
        description: null,
        options: {},
        links: { self: `${k}/roles/${role.id}` },
      },
    );
    await expectError(
      await post('/roles', { role: { name: 'MEMBER' } }),
      409,
      'Conflict',
      'Conflict occurred attempting to store role - Duplicate entry found with name MEMBER.',
    );
    const byName = await call(k, `/roles?name=${name}`, { token: admin });
    assert.deepEqual(
      ((await byName.json()) as { roles: Named[] }).roles.map((r) => r.id),
      [role.id],
    );
  });

  it('POST /v3/users and /v3/projects with a name taken are 409 with Keystone messages', async () => {
    const user = await newUser();
    await expectError(
      await post('/users', { user: { name: user.name, password: 'x', domain_id: 'default' } }),
      409,
      'Conflict',
      `Conflict occurred attempting to store user - Duplicate entry found with name ${user.name} at domain ID default.`,
    );
    const project = await newProject();
    const again = await post('/projects', { project: { name: project.name } });
    assert.equal(again.status, 409);
    const message = ((await again.json()) as ErrorDoc).error.message;
    assert.match(
      message,
      new RegExp(
        `^Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is ${project.name}, project id [0-9a-f]{32}\\.$`,
      ),
    );
  });

  it('bad bodies: invalid JSON is 400 before authentication; a missing name or wrong type is 400; an unknown domain 400/404', async () => {
    await expectError(
      await call(k, '/users', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }),
      400,
      'Bad Request',
      'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
    await expectError(
      await post('/users', { user: { password: 'x' } }),
      400,
      'Bad Request',
      "'name' is a required property",
    );
    await expectError(
      await post('/projects', { project: { name: 5 } }),
      400,
      'Bad Request',
      "Invalid input for field 'name': 5 is not of type 'string'",
    );
    await expectError(
      await post('/users', { user: { name: unique('u'), enabled: 'yes' } }),
      400,
      'Bad Request',
      "Invalid input for field 'enabled': 'yes' is not of type 'boolean'",
    );
    await expectError(
      await post('/projects', { project: { name: unique('p'), domain_id: 'nodomain' } }),
      400,
      'Bad Request',
      'Could not find domain: nodomain.',
    );
    await expectError(
      await post('/users', { user: { name: unique('u'), domain_id: 'nodomain' } }),
      404,
      'Not Found',
      'Could not find domain: nodomain.',
    );
  });

  it('without a token, or with an unknown one, every admin call is 401 with WWW-Authenticate', async () => {
    for (const [method, path] of [
      ['GET', '/domains?name=Default'],
      ['POST', '/users'],
      ['GET', '/roles'],
      ['DELETE', '/projects/x'],
      ['GET', '/role_assignments'],
    ] as const) {
      for (const tok of [undefined, 'gAAAAAbogus']) {
        const res = await call(k, path, {
          method,
          ...(tok ? { token: tok } : {}),
          ...(method === 'POST' ? { json: { user: { name: 'x' } } } : {}),
        });
        assert.equal(res.headers.get('www-authenticate'), `Keystone uri="${k}"`);
        await expectError(res, 401, 'Unauthorized', 'The request you have made requires authentication.');
      }
    }
  });

  it('a member gets 403 naming the policy rule for every admin call', async () => {
    const demo = await token(ref, 'demo');
    const demoUser = ref.users.find((u) => u.name === 'demo');
    assert.ok(demoUser);
    const project = await newProject();
    const user = await newUser();
    const grantPath = `/projects/${project.id}/users/${user.id}/roles/${roles.get('member')}`;
    const cases: Array<[string, string, string, unknown?]> = [
      ['GET', '/domains?name=Default', 'list_domains'],
      ['GET', '/projects', 'list_projects'],
      ['POST', '/projects', 'create_project', { project: { name: unique('p') } }],
      ['DELETE', `/projects/${project.id}`, 'delete_project'],
      ['GET', '/users', 'list_users'],
      ['POST', '/users', 'create_user', { user: { name: unique('u') } }],
      ['GET', `/users/${user.id}`, 'get_user'],
      ['DELETE', `/users/${user.id}`, 'delete_user'],
      ['GET', '/roles', 'list_roles'],
      ['POST', '/roles', 'create_role', { role: { name: unique('r') } }],
      ['GET', `/roles/${roles.get('member')}`, 'get_role'],
      ['PUT', grantPath, 'create_grant'],
      ['GET', grantPath, 'check_grant'],
      ['DELETE', grantPath, 'revoke_grant'],
      ['GET', `/projects/${project.id}/users/${user.id}/roles`, 'list_grants'],
      ['GET', '/role_assignments', 'list_role_assignments'],
    ];
    for (const [method, path, rule, json] of cases) {
      await expectError(
        await call(k, path, { method, token: demo, ...(json ? { json } : {}) }),
        403,
        'Forbidden',
        `You are not authorized to perform the requested action: identity:${rule}.`,
      );
    }
    const head = await call(k, grantPath, { method: 'HEAD', token: demo });
    assert.equal(head.status, 403);
    // Nothing was created or deleted.
    assert.equal((await call(k, `/users/${user.id}`, { token: admin })).status, 200);
    const listed = await call(k, `/projects?name=${project.name}`, { token: admin });
    assert.equal(((await listed.json()) as { projects: Named[] }).projects.length, 1);
  });

  it('a member may read itself, its projects, the project of its token and the Default domain', async () => {
    const demo = await token(ref, 'demo');
    const self = (await (
      await call(k, '/auth/tokens', { headers: { 'x-auth-token': demo, 'x-subject-token': demo } })
    ).json()) as TokenDoc;
    const me = self.token.user.id;
    const own = await call(k, `/users/${me}`, { token: demo });
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { user: Named }).user.name, 'demo');
    const projects = await call(k, `/users/${me}/projects`, { token: demo });
    assert.deepEqual(
      ((await projects.json()) as { projects: Named[] }).projects.map((p) => p.name),
      ['demo'],
    );
    const project = await call(k, `/projects/${self.token.project?.id}`, { token: demo });
    assert.equal(project.status, 200);
    await project.arrayBuffer();
    const domain = await call(k, '/domains/default', { token: demo });
    assert.equal(domain.status, 200);
    await domain.arrayBuffer();
    const adminProject = (await (
      await call(k, '/auth/tokens', { headers: { 'x-auth-token': admin, 'x-subject-token': admin } })
    ).json()) as TokenDoc;
    await expectError(
      await call(k, `/projects/${adminProject.token.project?.id}`, { token: demo }),
      403,
      'Forbidden',
      'You are not authorized to perform the requested action: identity:get_project.',
    );
  });

  it('grants: HEAD/GET 204 when assigned, 404 otherwise; DELETE 204 then 404; unknown ids in Keystone order', async () => {
    const project = await newProject();
    const user = await newUser();
    const path = (role: string) => `/projects/${project.id}/users/${user.id}/roles/${roles.get(role)}`;
    assert.equal((await grant(project, user, 'member')).status, 204);
    const head = await call(k, path('member'), { method: 'HEAD', token: admin });
    assert.equal(head.status, 204);
    assert.equal((await call(k, path('member'), { token: admin })).status, 204);
    const missing = await call(k, path('reader'), { method: 'HEAD', token: admin });
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), '');
    const list = await call(k, `/projects/${project.id}/users/${user.id}/roles`, { token: admin });
    assert.deepEqual(
      ((await list.json()) as { roles: Named[] }).roles.map((r) => r.name),
      ['member'],
    );
    assert.equal((await call(k, path('member'), { method: 'DELETE', token: admin })).status, 204);
    await expectError(
      await call(k, path('member'), { method: 'DELETE', token: admin }),
      404,
      'Not Found',
      `Could not find role assignment with role: ${roles.get('member')}, user or group: ${user.id}, project, domain, or system: ${project.id}.`,
    );
    // Role first, then user, then project, as the lab's Keystone looks them up.
    await expectError(
      await call(k, '/projects/nope/users/nope/roles/nope', { method: 'PUT', token: admin }),
      404,
      'Not Found',
      'Could not find role: nope.',
    );
    await expectError(
      await call(k, `/projects/nope/users/nope/roles/${roles.get('member')}`, {
        method: 'PUT',
        token: admin,
      }),
      404,
      'Not Found',
      'Could not find user: nope.',
    );
    await expectError(
      await call(k, `/projects/nope/users/${user.id}/roles/${roles.get('member')}`, {
        method: 'PUT',
        token: admin,
      }),
      404,
      'Not Found',
      'Could not find project: nope.',
    );
  });

  it('GET /v3/role_assignments filters by user and project; include_names adds names, effective the implied roles', async () => {
    const project = await newProject();
    const user = await newUser();
    await grant(project, user, 'member');
    const plain = await call(k, `/role_assignments?user.id=${user.id}`, { token: admin });
    const assignment = `${k}/projects/${project.id}/users/${user.id}/roles/${roles.get('member')}`;
    assert.deepEqual(await plain.json(), {
      role_assignments: [
        {
          links: { assignment },
          scope: { project: { id: project.id } },
          user: { id: user.id },
          role: { id: roles.get('member') },
        },
      ],
      links: { next: null, self: `${k}/role_assignments?user.id=${user.id}`, previous: null },
    });
    const named = await call(k, `/role_assignments?scope.project.id=${project.id}&include_names=true`, {
      token: admin,
    });
    const entry = ((await named.json()) as { role_assignments: Array<Record<string, unknown>> })
      .role_assignments[0];
    assert.deepEqual(entry?.user, {
      id: user.id,
      name: user.name,
      domain: { id: 'default', name: 'Default' },
    });
    assert.deepEqual(entry?.role, { id: roles.get('member'), name: 'member' });
    const effective = await call(k, `/role_assignments?user.id=${user.id}&effective`, { token: admin });
    const all = (
      (await effective.json()) as { role_assignments: Array<{ role: { id: string }; links: unknown }> }
    ).role_assignments;
    assert.deepEqual(
      all.map((a) => a.role.id),
      [roles.get('member'), roles.get('reader')],
    );
    assert.deepEqual(all[1]?.links, {
      assignment,
      prior_role: `${k}/prior_role/${roles.get('reader')}/implies/${roles.get('member')}`,
    });
    const groups = await call(k, '/role_assignments?group.id=x', { token: admin });
    assert.deepEqual(((await groups.json()) as { role_assignments: unknown[] }).role_assignments, []);
  });

  it('an unsupported method on an identity route is 405 with Flask-RESTful body', async () => {
    const res = await call(k, '/roles', { method: 'PATCH', token: admin, json: {} });
    assert.equal(res.status, 405);
    assert.equal(await res.text(), '{"message": "The method is not allowed for the requested URL."}\n');
  });

  describe('token scope follows role assignments', () => {
    it('a user scopes to each project where it has a role, with its roles there (implied ones included)', async () => {
      const [p1, p2, p3] = [await newProject(), await newProject(), await newProject()];
      const user = await newUser(unique('scoped'), 'Scoped-pw-1');
      await grant(p1, user, 'member');
      await grant(p2, user, 'reader');
      const creds = { name: user.name, password: 'Scoped-pw-1' };
      const one = await login(k, creds, { id: p1.id });
      assert.equal(one.status, 201);
      assert.deepEqual(roleNames(one.doc), ['member', 'reader']);
      const two = await login(k, creds, { name: p2.name });
      assert.equal(two.status, 201);
      assert.deepEqual(roleNames(two.doc), ['reader']);
      const three = await login(k, creds, { id: p3.id });
      assert.equal(three.status, 401);
      assert.equal(
        (three.doc as ErrorDoc).error.message,
        'The request you have made requires authentication.',
      );
      const unscoped = await login(k, creds);
      assert.equal(unscoped.status, 201);
      assert.equal((unscoped.doc as TokenDoc).token.project, undefined);
      const mine = await call(k, '/auth/projects', { token: unscoped.token });
      assert.deepEqual(
        ((await mine.json()) as { projects: Named[] }).projects.map((p) => p.name).sort(),
        [p1.name, p2.name].sort(),
      );
      // Rescoping an unscoped token with the token method follows the same assignments.
      const rescope = (id: string) =>
        call(k, '/auth/tokens?nocatalog', {
          method: 'POST',
          json: {
            auth: {
              identity: { methods: ['token'], token: { id: unscoped.token } },
              scope: { project: { id } },
            },
          },
        });
      const ok = await rescope(p2.id);
      assert.equal(ok.status, 201);
      assert.deepEqual(roleNames((await ok.json()) as TokenDoc), ['reader']);
      const refused = await rescope(p3.id);
      assert.equal(refused.status, 401);
      await refused.arrayBuffer();
    });

    it('a user without any role on a project gets 401, before and after its only role is removed', async () => {
      const project = await newProject();
      const user = await newUser(unique('revoked'), 'Revoked-pw-1');
      const creds = { id: user.id, password: 'Revoked-pw-1' };
      assert.equal((await login(k, creds, { id: project.id })).status, 401);
      await grant(project, user, 'member');
      const issued = await login(k, creds, { id: project.id });
      assert.equal(issued.status, 201);
      const del = await call(k, `/projects/${project.id}/users/${user.id}/roles/${roles.get('member')}`, {
        method: 'DELETE',
        token: admin,
      });
      assert.equal(del.status, 204);
      // The grant's removal revokes the user's tokens on that project.
      await expectError(
        await call(k, '/auth/tokens', {
          headers: { 'x-auth-token': admin, 'x-subject-token': issued.token },
        }),
        404,
        'Not Found',
        `Could not find token: ${issued.token}.`,
      );
      const images = await call(ref.glanceUrl, '/v2/images', { token: issued.token });
      assert.equal(images.status, 401);
      await images.arrayBuffer();
      assert.equal((await login(k, creds, { id: project.id })).status, 401);
    });

    it('deleting a project invalidates tokens scoped to it; Glance refuses one it has not cached', async () => {
      const project = await newProject();
      const user = await newUser(unique('orphan'), 'Orphan-pw-1');
      await grant(project, user, 'member');
      const issued = await login(k, { id: user.id, password: 'Orphan-pw-1' }, { id: project.id });
      assert.equal(issued.status, 201);
      assert.equal(
        (await call(k, `/projects/${project.id}`, { method: 'DELETE', token: admin })).status,
        204,
      );
      await expectError(
        await call(k, '/auth/tokens', {
          headers: { 'x-auth-token': admin, 'x-subject-token': issued.token },
        }),
        404,
        'Not Found',
        `Could not find project: ${project.id}.`,
      );
      const images = await call(ref.glanceUrl, '/v2/images', { token: issued.token });
      assert.equal(images.status, 401);
      await images.arrayBuffer();
      const gone = await call(k, `/role_assignments?user.id=${user.id}`, { token: admin });
      assert.deepEqual(((await gone.json()) as { role_assignments: unknown[] }).role_assignments, []);
    });

    it('a user with admin on its own project may call the admin API (as Tempest admin credentials do)', async () => {
      const project = await newProject();
      const user = await newUser(unique('admin'), 'Admin-pw-1');
      await grant(project, user, 'admin');
      const issued = await login(k, { id: user.id, password: 'Admin-pw-1' }, { id: project.id });
      assert.deepEqual(roleNames(issued.doc), ['admin', 'member', 'reader']);
      const made = await post('/projects', { project: { name: unique('by-admin') } }, issued.token);
      assert.equal(made.status, 201);
      await made.arrayBuffer();
    });

    it('a token asked without scope is scoped to the default project when the user has a role there', async () => {
      const project = await newProject();
      const name = unique('homed');
      const res = await post('/users', {
        user: { name, password: 'Homed-pw-1', default_project_id: project.id, email: 'a@example.org' },
      });
      assert.equal(res.status, 201);
      const user = ((await res.json()) as { user: Record<string, unknown> & Named }).user;
      // Extra attributes come first, as Keystone keeps them apart.
      assert.deepEqual(Object.keys(user).slice(0, 6), [
        'email',
        'id',
        'name',
        'domain_id',
        'enabled',
        'default_project_id',
      ]);
      assert.equal(
        ((await login(k, { name, password: 'Homed-pw-1' })).doc as TokenDoc).token.project,
        undefined,
      );
      await grant(project, user, 'member');
      const scoped = await login(k, { name, password: 'Homed-pw-1' });
      assert.equal((scoped.doc as TokenDoc).token.project?.id, project.id);
    });
  });
});
