// The @horizon suite against the real lab with Horizon: `lab up --with-horizon` first (under the
// exclusive lab lock), then `glance-harness run --suite horizon` as the lab's admin, its member, and
// with Horizon in direct upload mode against a Glance without CORS.
// Needs root; holds the exclusive lab lock for its whole run (the caller's, e.g. the lab leg's, or its own).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LAB_ENDPOINTS, LAB_HORIZON_UPLOAD_MODE_ENV, LAB_SCRIPT, labPaths } from '../../src/lab/index.js';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));
const LOCK = '/tmp/glance-lab.lock';
const HORIZON_URL = LAB_ENDPOINTS.horizon;
const CHECK_ID = 'horizon.images.create-metadata-delete';
const paths = labPaths();
const work = mkdtempSync(join(tmpdir(), 'gh-horizon-lab-'));

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Done> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether one of this process's ancestors holds the lab lock (the lab leg and `flock … node --test` do). */
function lockHeldByAncestor(): boolean {
  let inode: number;
  try {
    inode = statSync(LOCK).ino;
  } catch {
    return false;
  }
  const holders = new Set<number>();
  for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === 'FLOCK' && Number(f[5]?.split(':')[2]) === inode) holders.add(Number(f[4]));
  }
  for (let pid = process.ppid; pid > 1; ) {
    if (holders.has(pid)) return true;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return false;
}

/** Takes the exclusive lab lock in a child that keeps it until its stdin closes; resolves once it holds it. */
function holdLock(): Promise<ChildProcess> {
  // -o: only flock itself holds the lock, so it ends with cat, when the test closes the pipe.
  const holder = spawn('flock', ['-o', LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    holder.once('error', reject);
    holder.stdout?.once('data', () => resolve(holder));
  });
}

function openrc(file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) vars[m[1]] = m[2];
  }
  return vars;
}

interface Check {
  id: string;
  status: string;
  durationMs: number;
  error?: string;
  skipReason?: string;
}

let holder: ChildProcess | undefined;

function labUp(mode: 'legacy' | 'direct'): Promise<Done> {
  return exec('/bin/bash', [LAB_SCRIPT, 'up', '--with-horizon'], {
    ...process.env,
    [LAB_HORIZON_UPLOAD_MODE_ENV]: mode,
  });
}

async function runSuite(
  rc: string,
  tag: string,
): Promise<{ done: Done; check: Check | undefined; dir: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const reports = join(work, tag);
  const env = { ...clean, ...openrc(rc), HORIZON_URL, GLANCE_HARNESS_REPORTS_DIR: reports };
  const done = await exec(process.execPath, [BIN, 'run', '--suite', 'horizon', '--json'], env);
  const summary = JSON.parse(done.stdout) as { checks: Check[] };
  return { done, check: summary.checks.find((c) => c.id === CHECK_ID), dir: join(reports, 'latest') };
}

describe('@horizon suite on the lab with Horizon', { timeout: 600_000 }, () => {
  before(async () => {
    assert.equal(
      process.getuid?.(),
      0,
      'lab up --with-horizon installs packages and starts services: run as root',
    );
    // The whole file reconfigures Horizon, so it runs under the exclusive lock: the caller's, or its own.
    if (!lockHeldByAncestor()) holder = await holdLock();
    const up = await labUp('legacy');
    assert.equal(up.code, 0, `lab up --with-horizon exited ${up.code}\n${up.stdout}${up.stderr}`);
    assert.match(up.stdout, /horizon +http:\/\/127\.0\.0\.1:8081/);
  });

  after(async () => {
    if (holder) {
      const closed = new Promise((resolve) => holder?.once('close', resolve));
      holder.stdin?.end();
      await closed;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('run --suite horizon as the lab admin passes, with a screenshot per step and no secret in the reports', async (t) => {
    const started = performance.now();
    const { done, check, dir } = await runSuite(paths.openrcAdmin, 'admin');
    t.diagnostic(
      `run --suite horizon (admin): ${Math.round(performance.now() - started)} ms, check ${check?.durationMs} ms`,
    );
    assert.equal(done.code, 0, `${done.stderr}\n${check?.error ?? ''}`);
    assert.equal(check?.status, 'passed');
    const results = join(dir, 'allure-results');
    const pngs = readdirSync(results).filter((f) => f.endsWith('-attachment.png'));
    assert.ok(pngs.length >= 7, `a screenshot per step in allure-results (found ${pngs.length})`);
    const password = openrc(paths.openrcAdmin).OS_PASSWORD ?? '';
    assert.ok(password.length > 0);
    const texts = ['summary.json', 'junit.xml', 'results.ndjson', 'context.json'].map((f) => join(dir, f));
    for (const f of readdirSync(join(dir, 'evidence'))) texts.push(join(dir, 'evidence', f));
    for (const f of readdirSync(results).filter((n) => n.endsWith('.json'))) texts.push(join(results, f));
    for (const f of texts) assert.ok(!readFileSync(f, 'utf8').includes(password), `no password in ${f}`);
  });

  it('run --suite horizon as the lab member is skipped (Update Metadata is admin-only): nothing checked, exit 2', async () => {
    const { done, check } = await runSuite(paths.openrcDemo, 'member');
    assert.equal(done.code, 2, done.stderr);
    assert.match(
      done.stderr,
      /every selected check was skipped, so nothing was checked: Horizon offers Update Metadata/,
    );
    assert.equal(check?.status, 'skipped');
    assert.match(
      check?.skipReason ?? '',
      /Update Metadata to admins only; demo has roles .*member.* in project demo/,
    );
  });

  it('in direct upload mode, Glance without CORS fails naming horizon.cors-missing and the fix', async () => {
    try {
      const direct = await labUp('direct');
      assert.equal(direct.code, 0, `${direct.stdout}${direct.stderr}`);
      const { done, check } = await runSuite(paths.openrcAdmin, 'direct');
      assert.equal(done.code, 1, done.stderr);
      assert.equal(check?.status, 'failed');
      assert.match(check?.error ?? '', /^Error: horizon\.cors-missing: .*no Access-Control-Allow-Origin/);
      assert.match(check?.error ?? '', /set \[cors\] allowed_origin = http:\/\/127\.0\.0\.1:8081/);
    } finally {
      const legacy = await labUp('legacy');
      assert.equal(
        legacy.code,
        0,
        `lab up --with-horizon (legacy again) exited ${legacy.code}\n${legacy.stdout}${legacy.stderr}`,
      );
    }
  });
});
