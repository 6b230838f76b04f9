/**
 * The reference's accounts from a users file and from flags: admin and demo, the file's users, N
 * extra members; fixed Keystone and proxy ports; every bad input a one-line error naming the file
 * or flag; and the `reference` command printing only generated passwords.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import type { ReferenceServer } from '../../src/reference/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { call, start } from './helpers.js';

/** Roles of a project-scoped token for the user, or the status when Keystone refuses. */
async function scopedRoles(ref: ReferenceServer, name: string, password: string, project: string) {
  const res = await call(ref.keystoneUrl, '/auth/tokens?nocatalog', {
    method: 'POST',
    json: {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name, domain: { name: 'Default' }, password } },
        },
        scope: { project: { name: project, domain: { name: 'Default' } } },
      },
    },
  });
  const doc = (await res.json()) as { token?: { roles: Array<{ name: string }> } };
  return res.status === 201 ? (doc.token?.roles ?? []).map((r) => r.name).sort() : res.status;
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const address = srv.address();
  await new Promise<void>((r) => srv.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const USERS_YAML = `# the team's accounts
users:
  - name: alice
    password: Alice-pw-1
    project: team
    roles: [member]
  - name: bob
    project: team
    roles: reader
  - name: carol
    roles: [admin]
  - name: admin
    password: Admin-given-1
`;

describe('reference accounts from a users file and flags', () => {
  let dir: string;
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-harness-users-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a YAML users file and two extra members: order, projects, roles, passwords given or generated', async () => {
    const ref = await start({ users: await file('users.yaml', USERS_YAML), extraMembers: 2 });
    try {
      assert.deepEqual(
        ref.users.map((u) => [u.name, u.project, u.roles.join('+'), u.role, u.passwordGenerated]),
        [
          ['admin', 'admin', 'reader+member+admin', 'admin', false],
          ['demo', 'demo', 'reader+member', 'member', true],
          ['alice', 'team', 'member', 'member', false],
          ['bob', 'team', 'reader', 'reader', true],
          ['carol', 'carol', 'admin', 'admin', true],
          ['member1', 'member1', 'member', 'member', true],
          ['member2', 'member2', 'member', 'member', true],
        ],
      );
      const pw = (name: string) => ref.users.find((u) => u.name === name)?.password ?? '';
      assert.equal(pw('alice'), 'Alice-pw-1');
      assert.equal(pw('admin'), 'Admin-given-1');
      assert.match(pw('bob'), /^[\w-]{16}$/);
      assert.notEqual(pw('member1'), pw('member2'));
      assert.deepEqual(await scopedRoles(ref, 'admin', 'Admin-given-1', 'admin'), [
        'admin',
        'member',
        'reader',
      ]);
      assert.deepEqual(await scopedRoles(ref, 'alice', 'Alice-pw-1', 'team'), ['member', 'reader']);
      assert.deepEqual(await scopedRoles(ref, 'bob', pw('bob'), 'team'), ['reader']);
      assert.deepEqual(await scopedRoles(ref, 'carol', pw('carol'), 'carol'), ['admin', 'member', 'reader']);
      assert.deepEqual(await scopedRoles(ref, 'member2', pw('member2'), 'member2'), ['member', 'reader']);
      assert.equal(await scopedRoles(ref, 'member2', pw('member2'), 'member1'), 401);
      assert.equal(await scopedRoles(ref, 'alice', 'wrong', 'team'), 401);
    } finally {
      await ref.close();
    }
  });

  it('a JSON users file, and the same entries given as an option', async () => {
    const json = await file(
      'users.json',
      JSON.stringify([{ name: 'dave', password: 'Dave-pw-1', domain: 'Default' }]),
    );
    for (const users of [json, [{ name: 'dave', password: 'Dave-pw-1' }]]) {
      const ref = await start({ users });
      try {
        assert.deepEqual(
          ref.users.map((u) => u.name),
          ['admin', 'demo', 'dave'],
        );
        assert.deepEqual(await scopedRoles(ref, 'dave', 'Dave-pw-1', 'dave'), ['member', 'reader']);
      } finally {
        await ref.close();
      }
    }
  });

  it('every bad users file or option is a one-line ConfigError naming the file and the entry', async () => {
    const cases: Array<[string, string | null, RegExp]> = [
      ['missing.yaml', null, /^users file .*missing\.yaml: cannot read it \(ENOENT\)$/],
      [
        'bad.yaml',
        'users:\n  - name: a\n   bad: : x\n',
        /^users file .*bad\.yaml: not valid YAML or JSON: .* at line 3, column 1$/,
      ],
      ['scalar.yaml', 'just text\n', /: expected a list of users, or a mapping with a "users" list$/],
      [
        'field.yaml',
        '- name: a\n  passwd: x\n',
        /: users\[0\]: unknown field "passwd" \(known: name, password, project, roles, domain\)$/,
      ],
      [
        'role.yaml',
        '- name: a\n- name: b\n  roles: [member, operator]\n',
        /: users\[1\] \(b\)\.roles: unknown role "operator" \(known: reader, member, admin\)$/,
      ],
      [
        'dup.yaml',
        '- name: a\n- name: b\n- name: a\n',
        /: users\[2\] \(a\): the name "a" is already used by users\[0\]$/,
      ],
      [
        'domain.yaml',
        '- name: a\n  domain: Other\n',
        /: users\[0\] \(a\)\.domain must be Default, the only domain \(got "Other"\)$/,
      ],
      [
        'number.yaml',
        '- name: a\n  password: 12345\n',
        /: users\[0\] \(a\)\.password must be a string \(got 12345; quote it\)$/,
      ],
      [
        'noroles.yaml',
        '- name: a\n  roles: []\n',
        /: users\[0\] \(a\)\.roles must list one or more of reader, member, admin \(got \[\]\)$/,
      ],
      ['noname.yaml', '- project: p\n', /: users\[0\]: name is required$/],
      [
        'clash.yaml',
        '- name: member2\n',
        /^users file .*clash\.yaml names "member2", which the 3 extra member users would also create$/,
      ],
    ];
    for (const [name, text, expected] of cases) {
      const path = text === null ? join(dir, name) : await file(name, text);
      await assert.rejects(start({ users: path, extraMembers: 3 }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${name}: ${String(err)}`);
        assert.match(err.message, expected, name);
        assert.ok(!err.message.includes('\n'), `${name}: one line`);
        return true;
      });
    }
    await assert.rejects(
      start({ users: [{ name: 'x', roles: ['root' as 'admin'] }] }),
      /^ConfigError: users option: users\[0\] \(x\)\.roles: unknown role "root"/,
    );
    for (const n of [-1, 1.5, 1001])
      await assert.rejects(
        start({ extraMembers: n }),
        new RegExp(`extraMembers must be an integer from 0 to 1000 \\(got ${n}\\)`),
      );
  });

  it('fixed Keystone and proxy ports are used; a bad or busy port is a ConfigError', async () => {
    const [kp, pp] = [await freePort(), await freePort()];
    const ref = await start({ keystonePort: kp, proxyPort: pp });
    try {
      assert.equal(ref.keystoneUrl, `http://127.0.0.1:${kp}/v3`);
      assert.equal(ref.proxyUrl, `http://127.0.0.1:${pp}`);
      const res = await call(ref.keystoneUrl, '');
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      await assert.rejects(start({ keystonePort: kp }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${kp} for keystone: .*EADDRINUSE`),
        );
        return true;
      });
    } finally {
      await ref.close();
    }
    await assert.rejects(
      start({ proxyPort: 70000 }),
      /proxyPort must be an integer from 0 to 65535 \(got 70000\)/,
    );
  });
});

describe('glance-harness reference --users/--members/--keystone-port/--proxy-port', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glance-harness-refcli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('serves the file users and members on the given ports; the banner shows generated passwords only', async () => {
    const users = join(dir, 'users.yaml');
    await writeFile(users, USERS_YAML);
    const [kp, pp] = [await freePort(), await freePort()];
    const run = spawnCli(
      [
        'reference',
        '--users',
        users,
        '--members',
        '2',
        '--keystone-port',
        String(kp),
        '--proxy-port',
        String(pp),
      ],
      { cwd: dir },
    );
    let printed = '';
    run.child.stdout?.on('data', (d: Buffer) => {
      printed += d.toString();
    });
    const deadline = Date.now() + 20_000;
    while (!printed.includes('# Tempest accounts.yaml') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    // The banner is out, so Keystone listens: a file user logs in with its given password.
    const login = await call(`http://127.0.0.1:${kp}/v3`, '/auth/tokens', {
      method: 'POST',
      json: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'alice', domain: { name: 'Default' }, password: 'Alice-pw-1' } },
          },
          scope: { project: { name: 'team', domain: { name: 'Default' } } },
        },
      },
    }).catch((err: unknown) => err as Error);
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 0, r.out);
    assert.ok(login instanceof Response, String(login));
    assert.equal(login.status, 201);
    await login.arrayBuffer();
    assert.match(r.stdout, new RegExp(`Keystone +http://127\\.0\\.0\\.1:${kp}/v3`));
    assert.match(r.stdout, new RegExp(`Front proxy +http://127\\.0\\.0\\.1:${pp}`));
    assert.match(r.stdout, /# openrc for alice \(member in project team\)/);
    assert.match(r.stdout, /# openrc for admin \(reader\+member\+admin in project admin\)/);
    assert.match(r.stdout, /export OS_USERNAME=member2\nexport OS_PASSWORD=[\w-]{16}\n/);
    assert.match(
      r.stdout,
      /- username: bob\n {2}project_name: team\n {2}password: [\w-]{16}\n {2}roles: \[reader\]/,
    );
    assert.ok(
      !r.out.includes('Alice-pw-1') && !r.out.includes('Admin-given-1'),
      'given passwords are not echoed',
    );
    assert.match(r.stdout, /export OS_USERNAME=alice\n# OS_PASSWORD \(as given in the users file\)\n/);
  });

  it('bad flags and files exit 2 with one line naming the flag or file', async () => {
    const roles = join(dir, 'roles.yaml');
    await writeFile(roles, '- name: x\n  roles: [superuser]\n');
    const cases: Array<[string[], RegExp]> = [
      [['--members', 'many'], /^error: --members must be a whole number from 0 to 1000 \(got "many"\)$/],
      [['--members', '5000'], /^error: --members must be a whole number from 0 to 1000 \(got "5000"\)$/],
      [['--keystone-port', '70000'], /^error: --keystone-port must be 0-65535 \(got "70000"\)$/],
      [['--proxy-port', '80a'], /^error: --proxy-port must be 0-65535 \(got "80a"\)$/],
      [['--users', join(dir, 'nope.yaml')], /^error: users file .*nope\.yaml: cannot read it \(ENOENT\)$/],
      [
        ['--users', roles],
        /^error: users file .*roles\.yaml: users\[0\] \(x\)\.roles: unknown role "superuser"/,
      ],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(['reference', ...args], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.trimEnd(), expected);
      assert.equal(
        r.stderr.trimEnd().split('\n').length,
        1,
        `${args.join(' ')}: one line, no stack: ${r.stderr}`,
      );
    }
  });
});
