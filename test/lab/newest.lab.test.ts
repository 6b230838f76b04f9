// The newest-release lab (Glance 33.0.0 from PyPI under uwsgi on :9293): it comes up idempotently,
// enforces the release's default policies (reader read-only, member writes its project), the
// harness runs against it through the client files' endpoint override, and down --purge undoes it.
// Needs root, the Zed lab up, and PyPI the first time; runs only with GLANCE_HARNESS_LAB_TESTS=1 and
// GLANCE_HARNESS_NEWEST_LAB_TESTS=1 (the lab leg sets both).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NEWEST_LAB, runLabCaptured } from '../../src/lab/index.js';
import { runCli } from '../helpers/cli.js';

const ENABLED =
  process.env.GLANCE_HARNESS_LAB_TESTS === '1' && process.env.GLANCE_HARNESS_NEWEST_LAB_TESTS === '1';
const SKIP_REASON =
  'not run: set GLANCE_HARNESS_LAB_TESTS=1 and GLANCE_HARNESS_NEWEST_LAB_TESTS=1 with the Zed lab up (npm run test:lab sets both)';
const dir = process.env.GLANCE_HARNESS_NEWEST_LAB_DIR || NEWEST_LAB.dir;
const work = mkdtempSync(join(tmpdir(), 'gh-lab-newest-'));
after(() => rmSync(work, { recursive: true, force: true }));

function openrc(who: keyof typeof NEWEST_LAB.openrc): Record<string, string> {
  const text = readFileSync(join(dir, NEWEST_LAB.openrc[who]), 'utf8');
  return Object.fromEntries([...text.matchAll(/^export (OS_[A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** POST /v3/auth/tokens with an openrc's password, scoped to its project unless `scoped` is false. */
function authenticate(rc: Record<string, string>, scoped = true): Promise<Response> {
  const user = { name: rc.OS_USERNAME, domain: { id: 'default' }, password: rc.OS_PASSWORD };
  const scope = scoped ? { scope: { project: { name: rc.OS_PROJECT_NAME, domain: { id: 'default' } } } } : {};
  return fetch(`${rc.OS_AUTH_URL}/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user } }, ...scope } }),
  });
}

async function token(who: keyof typeof NEWEST_LAB.openrc): Promise<string> {
  const res = await authenticate(openrc(who));
  assert.equal(res.status, 201, `token for ${who}`);
  return res.headers.get('x-subject-token') ?? '';
}

async function createImage(who: keyof typeof NEWEST_LAB.openrc, name: string): Promise<Response> {
  return fetch(`${NEWEST_LAB.glance}/v2/images`, {
    method: 'POST',
    headers: {
      'X-Auth-Token': await token(who),
      'Content-Type': 'application/json',
      Accept: 'application/json',
    },
    body: JSON.stringify({ name, disk_format: 'raw', container_format: 'bare' }),
  });
}

describe('the newest lab (Glance 33.0.0)', { skip: ENABLED ? false : SKIP_REASON, timeout: 600_000 }, () => {
  it('comes up, names its release and alembic head, and a second up changes nothing', async () => {
    const first = await runLabCaptured(['up', '--release', 'newest']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /glance 33\.0\.0 in /);
    assert.match(first.stdout, /alembic head 2024_1_contract01/);
    const again = await runLabCaptured(['up', '--release', 'newest']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /glance-api running \(uwsgi pid \d+/);
    const status = await runLabCaptured(['status', '--release', 'newest']);
    assert.equal(status.code, 0, status.stdout + status.stderr);
  });

  it('GET / marks v2.18 CURRENT (the image cache is configured) and lists v2.17', async () => {
    const res = await fetch(`${NEWEST_LAB.glance}/versions`);
    const body = (await res.json()) as { versions: { id: string; status: string }[] };
    assert.deepEqual(
      body.versions.filter((v) => v.status === 'CURRENT').map((v) => v.id),
      ['v2.18'],
    );
    assert.ok(body.versions.some((v) => v.id === 'v2.17' && v.status === 'SUPPORTED'));
  });

  it('enforces the release default policies: reader 403 on create, member 201', async () => {
    const denied = await createImage('reader', 'gh-newest-lab-test-reader');
    assert.equal(denied.status, 403, await denied.text());
    const created = await createImage('member', 'gh-newest-lab-test-member');
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = (await created.json()) as { id: string };
    const deleted = await fetch(`${NEWEST_LAB.glance}/v2/images/${id}`, {
      method: 'DELETE',
      headers: { 'X-Auth-Token': await token('member') },
    });
    assert.equal(deleted.status, 204);
  });

  it('the harness passes discovery, images and sharing with admin and the member as second project', async () => {
    const { code, out } = await runCli(
      [
        'run',
        '--os-cloud',
        NEWEST_LAB.clouds.admin,
        '--os-alt-cloud',
        NEWEST_LAB.clouds.member,
        '--suite',
        'discovery,images,sharing',
      ],
      { cwd: work, env: { OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml') } },
    );
    assert.equal(code, 0, out);
    const summary = JSON.parse(readFileSync(join(work, 'reports', 'latest', 'summary.json'), 'utf8'));
    assert.equal(summary.target.endpoint, NEWEST_LAB.glance);
  });

  it('down --purge removes its database, Keystone users and state directory; up builds it again', async () => {
    const rc = openrc('admin');
    const purged = await runLabCaptured(['down', '--release', 'newest', '--purge']);
    assert.equal(purged.code, 0, purged.stdout + purged.stderr);
    assert.match(purged.stdout, /dropped database glance_newest/);
    assert.equal(existsSync(dir), false, `${dir} after --purge`);
    const refused = await authenticate(rc, false);
    assert.equal(refused.status, 401, 'a token for the purged newest-admin');
    const again = await runLabCaptured(['up', '--release', 'newest']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /alembic head 2024_1_contract01/);
    assert.equal((await fetch(`${NEWEST_LAB.glance}/healthcheck`)).status, 200);
  });
});
