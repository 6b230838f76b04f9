// Runs a command with a reader persona in the Zed lab, as the embedded reference has one: a user
// `harness-reader` with only the reader role on project demo, created through Keystone's API with
// the admin OS_* variables, handed to the command as OS_READER_*, deleted afterwards.
//   node --import tsx test/lab/with-reader.ts -- node bin/glance-harness.js run …
// Exit: the command's; 2 when the reader cannot be set up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { adminToken, call, expect } from '../tempest/identity.js';

const NAME = 'harness-reader';
const PROJECT = 'demo';

async function api(base: string, token: string, method: string, path: string, body?: unknown) {
  const want = method === 'POST' ? [201] : method === 'GET' ? [200] : [204];
  return (await expect(`${method} ${path}`, want, call(`${base}${path}`, method, token, body))).json;
}

const first = (body: Record<string, unknown>, key: string): string | undefined =>
  (body[key] as Array<{ id: string }> | undefined)?.[0]?.id;

async function main(): Promise<number> {
  const argv = process.argv.slice(process.argv.indexOf('--') + 1);
  const env = process.env;
  const admin = {
    authUrl: String(env.OS_AUTH_URL ?? '').replace(/\/+$/, ''),
    username: String(env.OS_USERNAME ?? ''),
    password: String(env.OS_PASSWORD ?? ''),
    projectName: String(env.OS_PROJECT_NAME ?? ''),
  };
  const token = await adminToken(admin);
  const base = admin.authUrl;
  for (const id of [first(await api(base, token, 'GET', `/users?name=${NAME}`), 'users')].filter(Boolean))
    await api(base, token, 'DELETE', `/users/${id}`);
  const project = first(await api(base, token, 'GET', `/projects?name=${PROJECT}`), 'projects');
  const role = first(await api(base, token, 'GET', '/roles?name=reader'), 'roles');
  if (!project || !role) throw new Error(`Keystone has no project ${PROJECT} or no reader role`);
  const password = randomBytes(12).toString('base64url');
  const user = (
    await api(base, token, 'POST', '/users', { user: { name: NAME, password, domain_id: 'default' } })
  ).user as { id: string };
  try {
    await api(base, token, 'PUT', `/projects/${project}/users/${user.id}/roles/${role}`);
    return await new Promise<number>((resolve) => {
      const child = spawn(argv[0] ?? 'true', argv.slice(1), {
        stdio: 'inherit',
        env: {
          ...env,
          OS_READER_USERNAME: NAME,
          OS_READER_PASSWORD: password,
          OS_READER_PROJECT_NAME: PROJECT,
          OS_READER_USER_DOMAIN_NAME: 'Default',
          OS_READER_PROJECT_DOMAIN_NAME: 'Default',
        },
      });
      child.on('close', (code) => resolve(code ?? 1));
    });
  } finally {
    await api(base, await adminToken(admin), 'DELETE', `/users/${user.id}`).catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`with-reader: cannot set up the reader: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
