import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveDir } from '../../src/report/serve.js';

const work = mkdtempSync(join(tmpdir(), 'gh-serve-'));
const root = join(work, 'allure-report');
const SECRET = 'not for the browser';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
}

/** Sends the path as is (no URL normalisation), as a hostile client would. */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      ok(false);
    });
    s.once('error', () => ok(true));
  });
}

describe('serveDir', () => {
  let server: Awaited<ReturnType<typeof serveDir>>;
  let port: number;

  before(async () => {
    mkdirSync(join(root, 'data'), { recursive: true });
    mkdirSync(join(root, 'fonts'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Allure</title>');
    writeFileSync(join(root, 'app.js'), 'console.log(1);');
    writeFileSync(join(root, 'styles.css'), 'body{}');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    writeFileSync(join(root, 'data', 'categories.json'), '{"children":[]}');
    writeFileSync(join(root, 'fonts', 'a.woff'), 'w');
    writeFileSync(join(work, 'secret.txt'), SECRET);
    server = await serveDir(root, 0);
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves files with their content type, and index.html for /', async () => {
    const cases: Array<[string, string, string]> = [
      ['/', 'text/html', '<!doctype html><title>Allure</title>'],
      ['/index.html', 'text/html', '<!doctype html><title>Allure</title>'],
      ['/app.js', 'text/javascript', 'console.log(1);'],
      ['/styles.css', 'text/css', 'body{}'],
      ['/favicon.svg', 'image/svg+xml', '<svg/>'],
      ['/data/categories.json?t=1', 'application/json', '{"children":[]}'],
      ['/fonts/a.woff', 'font/woff', 'w'],
    ];
    for (const [path, type, body] of cases) {
      const r = await get(port, path);
      assert.equal(r.status, 200, path);
      assert.ok(r.type?.startsWith(type), `${path}: ${r.type}`);
      assert.equal(r.body, body, path);
    }
  });

  it('answers HEAD without a body, 404 for a missing file and 405 for other methods', async () => {
    const head = await get(port, '/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await get(port, '/nope.js')).status, 404);
    assert.equal((await get(port, '/index.html', 'POST')).status, 405);
  });

  it('refuses paths that leave the directory', async () => {
    for (const path of [
      '/../secret.txt',
      '/data/../../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/data/..%2F..%2Fsecret.txt',
      '/%2e%2e%5csecret.txt',
    ]) {
      const r = await get(port, path);
      assert.ok(r.status === 403 || r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.ok(!r.body.includes(SECRET), path);
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    assert.equal(new URL(server.url).hostname, '127.0.0.1');
    assert.equal(await refused('127.0.0.1', port), false);
    assert.equal(await refused('::1', port), true, 'not on IPv6 loopback');
    const outside = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of outside) assert.equal(await refused(address, port), true, address);
  });

  it('stops listening on close', async () => {
    const other = await serveDir(root, 0);
    const otherPort = Number(new URL(other.url).port);
    assert.equal((await get(otherPort, '/')).status, 200);
    await other.close();
    assert.equal(await refused('127.0.0.1', otherPort), true);
  });
});
