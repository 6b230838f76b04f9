// The hostile corpus: the real CLI against a fake Keystone + Glance misbehaving by name, and against
// bad local input. Every case goes through expectClean: documented exit code, within its bound, one
// clear line, no crash text, no secret in any form, no request off the image API, no process left.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, runCli } from '../helpers/cli.js';
import {
  type Behaviour,
  type FakeCloud,
  goodGlance,
  harnessImage,
  IMAGE_ID,
  listing,
  root,
  send,
  startFakeCloud,
  TOKEN,
  tokenBody,
  versionsDoc,
} from './hostile-glance.js';

const USER = 'hostile';
const PASSWORD = 'Hostile-Pa55-xyz';
const SECRET_FORMS = [
  PASSWORD,
  encodeURIComponent(PASSWORD),
  Buffer.from(PASSWORD).toString('base64'),
  Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
  TOKEN,
];

/** The request targets a harness may send: the token, versions, and the image API under /v2/<resource>. */
const IMAGE_API_PATHS: readonly RegExp[] = [
  /^\/v3\/auth\/tokens$/,
  /^\/$/,
  /^\/versions$/,
  /^\/v2\/(images|schemas|info|tasks)(?:[/?][^\s]*)?$/,
];

const CRASH = /^\s+at |TypeError|ReferenceError|Cannot read properties|Unhandled/m;
/** The line a failure ends with: the CLI's error, the run's outcome, doctor's verdict, cleanup's tally. */
const FAILURE_LINE =
  /^(?:(?:error|unreachable|auth-refused|config-error|runner-error|doctor): |(?:deleted \d+ of \d+|\d+) image\(s\)(?: would be deleted)?; not deleted: ).*$/gm;
const RECAP_LINE = /^\d+ checks: .* — [\w-]+, exit \d+$/m;

const work = mkdtempSync(join(tmpdir(), 'gh-corpus-'));
const clouds: FakeCloud[] = [];
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
  rmSync(work, { recursive: true, force: true });
});

interface Played extends CliResult {
  /** The case's working directory (also HOME). */
  dir: string;
  cloud?: FakeCloud;
  /** Every file under the reports dir. */
  files: string[];
}

interface PlayOptions {
  /** Extra variables over the openrc pointing at the fake Keystone. */
  env?: Record<string, string>;
  /** Files to write in the case directory first, by relative name. */
  files?: Record<string, string>;
  tls?: { key: Buffer; cert: Buffer };
}

let caseNo = 0;

/** Starts a fake cloud playing `behaviour` (none: no server) and runs the CLI against it. */
async function play(
  behaviour: Behaviour | undefined,
  args: (dir: string, cloud?: FakeCloud) => string[],
  opts: PlayOptions = {},
): Promise<Played> {
  const dir = join(work, `case-${++caseNo}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(dir, name), text);
  const cloud = behaviour ? await startFakeCloud(behaviour, opts.tls ? { tls: opts.tls } : {}) : undefined;
  if (cloud) clouds.push(cloud);
  const env = {
    OS_AUTH_URL: cloud?.authUrl ?? 'http://127.0.0.1:9/v3',
    OS_USERNAME: USER,
    OS_PASSWORD: PASSWORD,
    OS_PROJECT_NAME: 'hostile',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    NO_COLOR: '1',
    GLANCE_HARNESS_REPORTS_DIR: join(dir, 'reports'),
    ...opts.env,
  };
  const r = await runCli(args(dir, cloud), { cwd: dir, env });
  const reports = join(dir, 'reports');
  let files: string[] = [];
  try {
    files = readdirSync(reports, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    // no reports dir: nothing written
  }
  return { ...r, dir, files, ...(cloud ? { cloud } : {}) };
}

/** Processes whose command line or working directory lies in `dir`. */
function processesIn(dir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n').slice(1);
  return lines.filter((line) => {
    const pid = Number.parseInt(line.trim(), 10);
    if (!Number.isInteger(pid) || pid === process.pid) return false;
    if (line.includes(dir)) return true;
    try {
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  });
}

interface Expect {
  code: number;
  /** The whole run must end within this many milliseconds. */
  bound: number;
  allowedPaths?: readonly RegExp[];
  /** The one line a failure ends with must match this. */
  names?: RegExp;
}

/** The one assertion every case makes; see the header. */
async function expectClean(r: Played, e: Expect): Promise<void> {
  const ctx = `exit ${r.code} in ${r.ms} ms\n--- stderr\n${r.stderr}\n--- stdout\n${r.stdout.slice(0, 4000)}`;
  assert.equal(r.code, e.code, ctx);
  assert.ok(r.ms <= e.bound, `took ${r.ms} ms, bound ${e.bound} ms\n${ctx}`);
  assert.doesNotMatch(r.out, CRASH, ctx);
  for (const form of SECRET_FORMS) {
    assert.ok(!r.out.includes(form), `output carries ${form}\n${ctx}`);
    for (const f of r.files) assert.ok(!readFileSync(f, 'latin1').includes(form), `${f} carries ${form}`);
  }
  const allowed = e.allowedPaths ?? IMAGE_API_PATHS;
  for (const req of r.cloud?.requests ?? []) {
    assert.ok(
      !req.path.includes('..') && allowed.some((p) => p.test(req.path)),
      `${req.method} ${req.path} is off the expected paths`,
    );
  }
  assert.deepEqual(r.cloud?.strayRequests ?? [], [], 'the bystander was asked');
  if (e.code !== 0) {
    // doctor's verdict is its result, on stdout; every other command says it on stderr.
    const errors = r.out.match(FAILURE_LINE) ?? [];
    const recap = RECAP_LINE.exec(r.stderr)?.[0];
    assert.ok(
      errors.length === 1 || (errors.length === 0 && recap),
      `one failure line or a recap expected\n${ctx}`,
    );
    if (e.names) assert.match(errors[0] ?? recap ?? '', e.names, ctx);
  }
  let left = processesIn(r.dir);
  for (let i = 0; i < 20 && left.length > 0; i++) {
    await new Promise((res) => setTimeout(res, 100));
    left = processesIn(r.dir);
  }
  assert.deepEqual(left, [], 'processes left behind');
}

const discovery = (): string[] => ['run', '--suite', 'discovery', '--timeout', '5'];
const doctor = (): string[] => ['doctor', '--read-only', '--timeout', '5'];
const cleanupDry = (): string[] => ['cleanup', '--dry-run', '--timeout', '5'];

/** The fake Keystone answers POST /v3/auth/tokens with `h`, the rest as usual. */
const keystone = (h: NonNullable<Behaviour['keystone']>): Behaviour => ({ keystone: h });
const goodToken =
  (glanceUrl: unknown, extra: Record<string, string> = {}): NonNullable<Behaviour['keystone']> =>
  (_c, res) =>
    send(res, 201, tokenBody(glanceUrl), { 'x-subject-token': TOKEN, ...extra });

describe('Keystone', { concurrency: 2 }, () => {
  it('POST /v3/auth/tokens 401 echoing the request body: exit 3, the refusal named, no password', async () => {
    const r = await play(
      keystone((c, res) =>
        send(res, 401, { error: { code: 401, title: 'Unauthorized', message: `rejected ${c.body}` } }),
      ),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /Keystone refused the credentials/ });
  });

  it('POST /v3/auth/tokens 500 with an HTML page: exit 3 naming the status', async () => {
    const r = await play(
      keystone((_c, res) =>
        send(
          res,
          500,
          '<html><body><h1>Internal Server Error</h1><pre>Traceback\n  at x</pre></body></html>',
          {
            'content-type': 'text/html',
          },
        ),
      ),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /got 500/ });
  });

  it('POST /v3/auth/tokens 201 without X-Subject-Token: exit 3 naming the header', async () => {
    const r = await play(
      keystone((c, res) => send(res, 201, tokenBody(c.origin))),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /X-Subject-Token/ });
  });

  it('POST /v3/auth/tokens 201 whose body is not JSON: exit 3 naming it', async () => {
    const r = await play(
      keystone((_c, res) => send(res, 201, '{"token": {', { 'x-subject-token': TOKEN })),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /not JSON/ });
  });

  it('POST /v3/auth/tokens 201 with an empty object: exit 3 naming the missing token', async () => {
    const r = await play(
      keystone((_c, res) => send(res, 201, {}, { 'x-subject-token': TOKEN })),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /"token" object/ });
  });

  it('POST /v3/auth/tokens with expires_at that is not a date: exit 3 naming it', async () => {
    const r = await play(
      keystone((c, res) => {
        const body = tokenBody(c.origin) as { token: Record<string, unknown> };
        body.token.expires_at = 'tomorrow';
        send(res, 201, body, { 'x-subject-token': TOKEN });
      }),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /"tomorrow" is not a date/ });
  });

  it('POST /v3/auth/tokens with a catalog that is an object, not an array: one line, no crash', async () => {
    const r = await play(
      keystone((c, res) =>
        send(res, 201, tokenBody(c.origin, 3600_000, { image: { url: c.origin } }), {
          'x-subject-token': TOKEN,
        }),
      ),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /"catalog" that is not an array/ });
  });

  it('POST /v3/auth/tokens with a catalog without an image service: exit 2 naming the types it has', async () => {
    const r = await play(
      keystone((c, res) =>
        send(
          res,
          201,
          tokenBody(c.origin, 3600_000, [
            { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', url: c.origin }] },
          ]),
          { 'x-subject-token': TOKEN },
        ),
      ),
      discovery,
    );
    await expectClean(r, { code: 2, bound: 15_000, names: /no image service \(types: identity\)/ });
  });

  it('POST /v3/auth/tokens with an image endpoint that is a relative URL: one line naming the URL', async () => {
    const r = await play(keystone(goodToken('/image')), discovery);
    await expectClean(r, {
      code: 2,
      bound: 15_000,
      names: /must be an absolute http\(s\) URL \(got "\/image"\)/,
    });
  });

  it('POST /v3/auth/tokens with an image endpoint URL that is a number: one line, no crash', async () => {
    const r = await play(keystone(goodToken(9292)), discovery);
    await expectClean(r, { code: 2, bound: 15_000, names: /must be an absolute http\(s\) URL \(got 9292\)/ });
  });

  it('POST /v3/auth/tokens with a token already expired: exit 3 naming both clocks', async () => {
    const r = await play(
      keystone((c, res) => send(res, 201, tokenBody(c.origin, -3600_000), { 'x-subject-token': TOKEN })),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /already expired token/ });
  });

  it('POST /v3/auth/tokens reset without an answer: exit 3 naming Keystone', async () => {
    const r = await play(
      keystone((c) => c.req.socket.destroy()),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /Keystone unreachable/ });
  });

  it('POST /v3/auth/tokens never answered: exit 3 after --timeout 5', async () => {
    const r = await play(
      keystone(() => {}),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 20_000, names: /Keystone unreachable.*timeout/i });
    assert.ok(r.ms >= 4_500, `gave up after ${r.ms} ms, before --timeout`);
  });

  it('POST /v3/auth/tokens redirected to another host: not followed, exit 3', async () => {
    const r = await play(
      keystone((c, res) => send(res, 307, '', { location: `${c.elsewhere}/v3/auth/tokens` })),
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /got 307/ });
  });

  it('POST /v3/auth/tokens with 100 KB of response headers: exit 3, one line', async () => {
    const r = await play(keystone(goodToken('x', { 'x-huge': 'a'.repeat(100_000) })), discovery);
    await expectClean(r, { code: 3, bound: 15_000, names: /Keystone unreachable/ });
  });

  it('POST /v3/auth/tokens with Content-Type text/html on a JSON token: the token is read, exit 0', async () => {
    const r = await play(
      keystone((c, res) =>
        send(res, 201, JSON.stringify(tokenBody(c.origin)), {
          'x-subject-token': TOKEN,
          'content-type': 'text/html',
        }),
      ),
      discovery,
    );
    await expectClean(r, { code: 0, bound: 20_000 });
  });

  it('doctor --read-only, POST /v3/auth/tokens 401 with WWW-Authenticate naming another Keystone: not followed', async () => {
    const r = await play(
      keystone((c, res) =>
        send(
          res,
          401,
          { error: { code: 401, message: 'go elsewhere' } },
          {
            'www-authenticate': `Keystone uri="${c.elsewhere}/v3"`,
          },
        ),
      ),
      doctor,
    );
    await expectClean(r, {
      code: 1,
      bound: 15_000,
      names: /^doctor: broken at token: keystone\.user-credentials/,
    });
  });
});

describe('Glance', { concurrency: 2 }, () => {
  it('the well-behaved fake passes discovery (the corpus baseline)', async () => {
    const r = await play({}, discovery);
    await expectClean(r, { code: 0, bound: 20_000 });
  });

  it('GET / 500: the checks fail, exit 1 with the recap', async () => {
    const r = await play({ glance: root((_c, res) => send(res, 500, { message: 'boom' })) }, discovery);
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('GET / answering an HTML page: exit 1, no crash', async () => {
    const r = await play(
      {
        glance: root((_c, res) =>
          send(res, 200, '<html>Welcome to nginx!</html>', { 'content-type': 'text/html' }),
        ),
      },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('GET / JSON without versions: exit 1, no crash', async () => {
    const r = await play({ glance: root((_c, res) => send(res, 300, { hello: 'world' })) }, discovery);
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('GET / with versions an object, not an array: exit 1, no crash', async () => {
    const r = await play(
      { glance: root((_c, res) => send(res, 300, { versions: { id: 'v2.15' } })) },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('GET / with Content-Type text/plain on the versions JSON: one line, no crash', async () => {
    const r = await play(
      {
        glance: root((c, res) =>
          send(res, 300, JSON.stringify(versionsDoc(c.origin)), { 'content-type': 'text/plain' }),
        ),
      },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('GET / answering a 50 MB body: stopped at the cap, exit 3', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const r = await play(
      {
        glance: root((_c, res) => {
          res.writeHead(300, { 'content-type': 'application/json' });
          let sent = 0;
          const pump = (): void => {
            while (!res.destroyed && sent < 50e6) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            if (!res.destroyed) res.end();
          };
          pump();
        }),
      },
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /1 MiB cap/ });
  });

  it('GET / never answering: exit 3 after --timeout 5', async () => {
    const r = await play({ glance: root(() => {}) }, discovery);
    await expectClean(r, { code: 3, bound: 20_000, names: /Glance unreachable/ });
  });

  it('GET / reset mid-body: exit 3, one line', async () => {
    const r = await play(
      {
        glance: root((c, res) => {
          res.writeHead(300, { 'content-type': 'application/json', 'content-length': '5000' });
          res.write('{"versions": [');
          setTimeout(() => c.req.socket.destroy(), 50);
        }),
      },
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /Glance unreachable/ });
  });

  it('GET / with 100 KB of response headers: exit 3, one line', async () => {
    const r = await play(
      { glance: root((c, res) => send(res, 300, versionsDoc(c.origin), { 'x-huge': 'b'.repeat(100_000) })) },
      discovery,
    );
    await expectClean(r, { code: 3, bound: 15_000, names: /Glance unreachable/ });
  });

  it('GET / redirected to another host: not followed', async () => {
    const r = await play(
      { glance: root((c, res) => send(res, 302, '', { location: `${c.elsewhere}/` })) },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('every /v2 path answering 404: exit 1 with the recap', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.path.startsWith('/v2')
            ? send(res, 404, { code: '404 Not Found', title: 'Not Found', message: 'nothing here' })
            : goodGlance(c, res),
      },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('every /v2 error body echoing the X-Auth-Token: the token appears nowhere', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.path.startsWith('/v2')
            ? send(res, 400, {
                code: '400 Bad Request',
                title: 'Bad Request',
                message: `bad token ${String(c.req.headers['x-auth-token'])} (${Buffer.from(String(c.req.headers['x-auth-token'])).toString('base64')})`,
              })
            : goodGlance(c, res),
      },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
    assert.ok(r.files.length > 0, 'reports were written');
    assert.ok(
      r.cloud?.requests.some((q) => q.path.startsWith('/v2/images')),
      'the image API was asked',
    );
  });

  it('every /v2 call answering 401 with WWW-Authenticate naming another Keystone: not followed', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.path.startsWith('/v2')
            ? send(
                res,
                401,
                { code: '401 Unauthorized', title: 'Unauthorized', message: 'nope' },
                {
                  'www-authenticate': `Keystone uri="${c.elsewhere}/v3"`,
                },
              )
            : goodGlance(c, res),
      },
      discovery,
    );
    await expectClean(r, { code: 1, bound: 25_000 });
  });

  it('doctor --read-only against GET / 500: a cause named, exit 1', async () => {
    const r = await play(
      { glance: root((_c, res) => send(res, 500, '<html>oops</html>', { 'content-type': 'text/html' })) },
      doctor,
    );
    await expectClean(r, { code: 1, bound: 25_000, names: /^doctor: broken at catalog/ });
  });
});

describe('Glance data used as a path or printed', { concurrency: 2 }, () => {
  it('cleanup --dry-run with images an object, not an array: one line, no crash', async () => {
    const r = await play({ glance: listing({ [IMAGE_ID]: harnessImage() }) }, cleanupDry);
    await expectClean(r, { code: 1, bound: 15_000, names: /images/ });
  });

  it('cleanup --dry-run with list items missing id, name and tags: none listed, the skipped ones named', async () => {
    const r = await play(
      {
        glance: listing([
          {},
          { id: IMAGE_ID },
          { name: 'gh-x' },
          null,
          'text',
          harnessImage({ id: undefined }),
        ]),
      },
      cleanupDry,
    );
    await expectClean(r, { code: 1, bound: 15_000, names: /skipped/ });
    assert.doesNotMatch(r.stdout, /would delete/);
  });

  it('cleanup --dry-run with an image name carrying terminal escapes: printed escaped', async () => {
    const r = await play(
      { glance: listing([harnessImage({ name: 'gh-20261203-120000-abcd-\u001b]0;pwned\u0007\u001b[2J' })]) },
      cleanupDry,
    );
    await expectClean(r, { code: 0, bound: 15_000 });
    assert.ok(!r.out.includes('\u001b') && !r.out.includes('\u0007'), JSON.stringify(r.out));
    assert.match(r.stdout, /^would delete \S+ gh-20261203-120000-abcd-\\e\]0;pwned\\x07\\e\[2J$/m);
  });

  it('cleanup with an image id that climbs to /v3/auth/tokens: never sent as a path', async () => {
    const r = await play(
      {
        glance: listing([harnessImage({ id: '../../v3/auth/tokens' }), harnessImage({ id: '/etc/passwd' })]),
      },
      () => ['cleanup', '--timeout', '5'],
    );
    await expectClean(r, {
      code: 1,
      bound: 15_000,
      names: /skipped "\.\.\/\.\.\/v3\/auth\/tokens": id is not a UUID/,
    });
    assert.ok(
      r.cloud?.requests.every((q) => q.method !== 'DELETE'),
      'a DELETE was sent for an unsafe id',
    );
  });

  it('cleanup --dry-run with a next link to /etc/passwd: never followed', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.method === 'GET' && c.path.startsWith('/v2/images?')
            ? send(res, 200, { images: [], next: '/etc/passwd' })
            : goodGlance(c, res),
      },
      cleanupDry,
    );
    await expectClean(r, { code: 1, bound: 15_000, names: /next/ });
  });

  it('cleanup --dry-run with a next link on another host: never followed', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.method === 'GET' && c.path.startsWith('/v2/images?')
            ? send(res, 200, { images: [], next: `${c.elsewhere}/v2/images?marker=${IMAGE_ID}` })
            : goodGlance(c, res),
      },
      cleanupDry,
    );
    await expectClean(r, { code: 1, bound: 15_000, names: /next/ });
  });

  it('cleanup --dry-run with a list that never answers: exit 3 after --timeout 5', async () => {
    const r = await play(
      {
        glance: (c, res) =>
          c.method === 'GET' && c.path.startsWith('/v2/images?') ? undefined : goodGlance(c, res),
      },
      cleanupDry,
    );
    await expectClean(r, { code: 3, bound: 20_000, names: /^error: Glance unreachable/ });
  });
});

/** A self-signed certificate for `cn` generated with openssl, or undefined when openssl is missing. */
function selfSigned(cn: string): { key: Buffer; cert: Buffer; certFile: string } | undefined {
  const dir = mkdtempSync(join(work, 'tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    certFile: join(dir, 'cert.pem'),
  };
}

describe('TLS', { concurrency: 2 }, () => {
  let cert: ReturnType<typeof selfSigned>;
  before(() => {
    cert = selfSigned('localhost');
  });

  it('https Keystone with a self-signed certificate: exit 3 naming TLS and OS_CACERT', async (t) => {
    if (!cert) return t.skip('not run: no openssl on this machine');
    const r = await play({}, discovery, { tls: cert });
    await expectClean(r, { code: 3, bound: 15_000, names: /TLS error DEPTH_ZERO_SELF_SIGNED_CERT/ });
    assert.match(r.stderr, /fix: .*OS_CACERT/);
  });

  it('https Keystone whose certificate names another host, --os-cacert given: exit 3 naming the mismatch', async (t) => {
    if (!cert) return t.skip('not run: no openssl on this machine');
    const certFile = cert.certFile;
    const r = await play({}, () => [...discovery(), '--os-cacert', certFile], { tls: cert });
    await expectClean(r, { code: 3, bound: 15_000, names: /host ?name|altname|127\.0\.0\.1.*localhost/i });
  });
});

describe('bad local input', { concurrency: 2 }, () => {
  const usage = async (args: string[], names: RegExp, opts: PlayOptions = {}): Promise<void> => {
    const r = await play({}, (dir) => args.map((a) => a.replace('{dir}', dir)), opts);
    await expectClean(r, { code: 2, bound: 15_000, names });
    assert.deepEqual(r.cloud?.requests ?? [], [], 'nothing was asked before the input was refused');
  };

  it('clouds.yaml that is not YAML: exit 2 naming the file', () =>
    usage(['run', '--suite', 'discovery', '--os-cloud', 'c'], /clouds\.yaml/, {
      files: { 'clouds.yaml': 'clouds: {c: [unclosed\n  - : :\n\t\u0000' },
    }));

  it('clouds.yaml whose clouds is a list: exit 2 naming the key', () =>
    usage(['run', '--suite', 'discovery', '--os-cloud', 'c'], /clouds/, {
      files: { 'clouds.yaml': 'clouds:\n  - c\n  - d\n' },
    }));

  it('--os-cloud naming a cloud clouds.yaml does not have: exit 2 naming it', () =>
    usage(['run', '--suite', 'discovery', '--os-cloud', 'nope'], /nope/, {
      files: { 'clouds.yaml': 'clouds:\n  c:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n' },
    }));

  it('--timeout abc: exit 2 naming the flag', () =>
    usage(['run', '--suite', 'discovery', '--timeout', 'abc'], /timeout/));

  it('--workers 0: exit 2 naming the flag', () =>
    usage(['run', '--suite', 'discovery', '--workers', '0'], /--workers/));

  it('--suite nope: exit 2 naming the suite', () => usage(['run', '--suite', 'nope'], /nope/));

  it('--reporter nope: exit 2 naming the reporter', () =>
    usage(['run', '--suite', 'discovery', '--reporter', 'nope'], /nope/));

  it("--grep '(': exit 2 naming the pattern", () =>
    usage(['run', '--suite', 'discovery', '--grep', '('], /grep/));

  it('--large 999TiB: exit 2, one line', () =>
    usage(['run', '--suite', 'discovery', '--large', '999TiB'], /--large/));

  it('OS_AUTH_URL without a scheme: exit 2 naming the variable', () =>
    usage(['run', '--suite', 'discovery'], /OS_AUTH_URL/, { env: { OS_AUTH_URL: '127.0.0.1:5000/v3' } }));

  it('--os-cacert naming a missing file: exit 2 naming the file', () =>
    usage(['run', '--suite', 'discovery', '--os-cacert', '{dir}/missing.pem'], /missing\.pem/));

  it('--reports-dir that is a file: exit 2 naming the path', () =>
    usage(['run', '--suite', 'discovery', '--reports-dir', '{dir}/taken'], /taken/, {
      files: { taken: 'x' },
    }));
});
