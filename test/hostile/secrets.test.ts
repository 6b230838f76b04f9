// A hostile Keystone echoes the password back in its 401; nothing the harness prints or writes may
// carry it, in any encoding.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const USER = 'u';
const PASSWORD = 'Pa55-Secret-xyz';
const FORMS = [
  PASSWORD,
  encodeURIComponent(PASSWORD),
  Buffer.from(PASSWORD).toString('base64'),
  Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
];

const work = mkdtempSync(join(tmpdir(), 'gh-secrets-'));
const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  rmSync(work, { recursive: true, force: true });
});

/** A loopback "Keystone" whose 401 message is built from the request body it received. */
async function echoingKeystone(message: (requestBody: string) => string): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Keystone uri="x"' });
      res.end(JSON.stringify({ error: { code: 401, title: 'Unauthorized', message: message(body) } }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function runAgainst(authUrl: string, name: string) {
  const cwd = mkdtempSync(join(work, `${name}-`));
  const r = await runCli(['run', '--suite', 'discovery'], {
    cwd,
    env: {
      OS_AUTH_URL: authUrl,
      OS_USERNAME: USER,
      OS_PASSWORD: PASSWORD,
      OS_PROJECT_NAME: 'p',
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
    },
  });
  return { ...r, files: filesUnder(join(cwd, 'reports')) };
}

function assertNoSecret(r: Awaited<ReturnType<typeof runAgainst>>): void {
  for (const form of FORMS) {
    assert.ok(!r.stdout.includes(form), `stdout carries ${form}:\n${r.stdout}`);
    assert.ok(!r.stderr.includes(form), `stderr carries ${form}:\n${r.stderr}`);
    for (const file of r.files)
      assert.ok(!readFileSync(file, 'utf8').includes(form), `${file} carries ${form}`);
  }
}

describe('secrets echoed back by a hostile Keystone', () => {
  it('POST /v3/auth/tokens answered 401 echoing the request body leaves no password in output or reports', async () => {
    const url = await echoingKeystone((body) => `The request you have made requires authentication: ${body}`);
    const r = await runAgainst(url, 'echo');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Keystone refused the credentials/);
    assert.match(r.stderr, /requires authentication: .*\*\*\*/, 'the echoed message is kept, masked');
    assert.ok(r.files.some((f) => f.endsWith('summary.json')));
    assert.ok(
      r.files.some((f) => f.endsWith('cli.ndjson')),
      'the login exchange is evidence',
    );
    assertNoSecret(r);
  });

  it('POST /v3/auth/tokens answered 401 with the password base64- and URL-encoded leaves none of it', async () => {
    const url = await echoingKeystone(
      () =>
        `bad basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}, ` +
        `b64 ${Buffer.from(PASSWORD).toString('base64')}, form password=${encodeURIComponent(PASSWORD)}`,
    );
    const r = await runAgainst(url, 'encoded');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /bad basic \*\*\*, b64 \*\*\*, form password=\*\*\*/);
    assertNoSecret(r);
  });
});
