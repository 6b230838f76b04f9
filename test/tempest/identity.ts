// Pre-provisioned Tempest accounts through Keystone's identity API (v3), the same calls for the
// real Keystone of the Zed lab and the embedded reference's: projects, users and role assignments
// named `tempest-<label>-<n>`, created before a run and deleted after it.
import { randomBytes } from 'node:crypto';

export interface AdminCredentials {
  /** Identity endpoint including /v3. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
}

export interface Account {
  username: string;
  password: string;
  project: string;
  roles: string[];
  /** Tempest's `types` (admin accounts say so). */
  types: string[];
}

export interface Provisioned {
  accounts: Account[];
  /** Deletes every user and project that was created. */
  remove(): Promise<void>;
}

/** One identity API call: status, parsed body (empty when none) and headers. */
export async function call(
  url: string,
  method: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { 'X-Auth-Token': token } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  if (text) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
  }
  return { status: res.status, json, headers: res.headers };
}

/** The call's answer when its status is one of `want`; otherwise an error naming `what`. */
export async function expect(
  what: string,
  want: number[],
  p: Promise<{ status: number; json: Record<string, unknown>; headers: Headers }>,
) {
  const r = await p;
  if (!want.includes(r.status)) {
    const msg = (r.json.error as { message?: string } | undefined)?.message ?? '';
    throw new Error(`identity: ${what} answered ${r.status}${msg ? ` (${msg})` : ''}`);
  }
  return r;
}

/** A project-scoped admin token. */
export async function adminToken(admin: AdminCredentials): Promise<string> {
  const r = await expect(
    `token for ${admin.username}`,
    [201],
    call(`${admin.authUrl}/auth/tokens?nocatalog`, 'POST', undefined, {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: admin.username, domain: { name: 'Default' }, password: admin.password },
          },
        },
        scope: { project: { name: admin.projectName, domain: { name: 'Default' } } },
      },
    }),
  );
  const token = r.headers.get('x-subject-token');
  if (!token) throw new Error('identity: no X-Subject-Token in the token answer');
  return token;
}

async function roleIds(base: string, token: string): Promise<Map<string, string>> {
  const r = await expect('GET /roles', [200], call(`${base}/roles`, 'GET', token));
  const roles = (r.json.roles ?? []) as Array<{ id: string; name: string }>;
  return new Map(roles.map((x) => [x.name, x.id]));
}

/** Removes a leftover user or project of that name (an interrupted earlier run). */
async function removeNamed(base: string, token: string, kind: 'users' | 'projects', name: string) {
  const r = await expect(
    `GET /${kind}?name=${name}`,
    [200],
    call(`${base}/${kind}?name=${encodeURIComponent(name)}`, 'GET', token),
  );
  for (const x of (r.json[kind] ?? []) as Array<{ id: string }>)
    await expect(`DELETE /${kind}/${x.id}`, [204, 404], call(`${base}/${kind}/${x.id}`, 'DELETE', token));
}

/**
 * Creates `members` member accounts and `admins` admin accounts, each in a project of its own.
 * Members get `member` (and `reader`); admins `admin`, `member` and `reader`.
 */
export async function provision(
  admin: AdminCredentials,
  label: string,
  counts: { members: number; admins: number },
): Promise<Provisioned> {
  const base = admin.authUrl.replace(/\/+$/, '');
  const token = await adminToken(admin);
  const roles = await roleIds(base, token);
  const created: Array<{ kind: 'users' | 'projects'; id: string }> = [];
  const remove = async () => {
    const t = await adminToken(admin);
    for (const c of created.reverse())
      await expect(`DELETE /${c.kind}/${c.id}`, [204, 404], call(`${base}/${c.kind}/${c.id}`, 'DELETE', t));
  };
  const accounts: Account[] = [];
  const plan = [
    ...Array.from({ length: counts.members }, (_, i) => ({ n: `member${i + 1}`, admin: false })),
    ...Array.from({ length: counts.admins }, (_, i) => ({ n: `admin${i + 1}`, admin: true })),
  ];
  try {
    for (const p of plan) {
      const name = `tempest-${label}-${p.n}`;
      await removeNamed(base, token, 'users', name);
      await removeNamed(base, token, 'projects', name);
      const project = await expect(
        `POST /projects ${name}`,
        [201],
        call(`${base}/projects`, 'POST', token, {
          project: { name, domain_id: 'default', description: 'Tempest account', enabled: true },
        }),
      );
      const projectId = (project.json.project as { id: string }).id;
      created.push({ kind: 'projects', id: projectId });
      const password = randomBytes(12).toString('base64url');
      const user = await expect(
        `POST /users ${name}`,
        [201],
        call(`${base}/users`, 'POST', token, {
          user: { name, password, domain_id: 'default', default_project_id: projectId, enabled: true },
        }),
      );
      const userId = (user.json.user as { id: string }).id;
      created.push({ kind: 'users', id: userId });
      const wanted = p.admin ? ['admin', 'member', 'reader'] : ['member', 'reader'];
      for (const role of wanted) {
        const roleId = roles.get(role);
        if (!roleId) throw new Error(`identity: Keystone has no "${role}" role`);
        await expect(
          `PUT role ${role} on ${name}`,
          [204],
          call(`${base}/projects/${projectId}/users/${userId}/roles/${roleId}`, 'PUT', token),
        );
      }
      accounts.push({
        username: name,
        password,
        project: name,
        roles: wanted,
        types: p.admin ? ['admin'] : [],
      });
    }
  } catch (err) {
    await remove().catch(() => {});
    throw err;
  }
  return { accounts, remove };
}
