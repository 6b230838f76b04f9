// The embedded reference against the real Glance 25.1 lab: the same lifecycle, step by step, must
// give the same statuses, headers that matter, schema validity and body facts. 0 differences.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { labPaths } from '../../src/lab/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { connect, type Target } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { compare, type Observation, renderComparison, replay, type Side } from './fidelity.js';

const work = mkdtempSync(join(tmpdir(), 'gh-fidelity-'));
const dataFile = join(work, 'data.raw');
const targets: Target[] = [];
let ref: ReferenceServer;

/** The OS_* values an openrc file exports. */
function openrc(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return env;
}

async function open(env: Record<string, string>): Promise<Target> {
  const cfg = resolveConfig({ flags: {}, env, cwd: work, homeDir: homedir() });
  const t = await connect(cfg);
  targets.push(t);
  return t;
}

async function side(adminEnv: Record<string, string>, memberEnv: Record<string, string>): Promise<Side> {
  const admin = await open(adminEnv);
  const member = await open(memberEnv);
  await member.glance.images.list({ limit: 1 });
  const memberProjectId = member.session?.peek()?.projectId;
  assert.ok(memberProjectId, 'the member token names its project');
  return { admin, member, memberProjectId };
}

before(async () => {
  // 1 MiB and 3 bytes of random data: not a round size, not compressible.
  writeFileSync(
    dataFile,
    Buffer.concat([Buffer.alloc(1024 * 1024, 7), Buffer.from('end')]).map((b, i) => (b + i * 31) & 0xff),
  );
  ref = await startReference({});
});

after(async () => {
  await Promise.all(targets.map((t) => t.close()));
  await ref?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('reference fidelity against the real Glance 25.1 lab', () => {
  it('replays the image lifecycle on both with 0 differences', { timeout: 180_000 }, async () => {
    const paths = labPaths();
    const realSide = await side(openrc(paths.openrcAdmin), openrc(paths.openrcDemo));
    const refSide = await side(referenceEnv(ref, 'admin'), referenceEnv(ref, 'member'));
    const real: Observation[] = await replay(realSide, dataFile);
    const reference: Observation[] = await replay(refSide, dataFile);
    const diffs = compare(reference, real);
    const table = renderComparison(reference, real, diffs);
    process.stdout.write(`${table}\n`);
    assert.ok(reference.length >= 40, `the replay ran every step (${reference.length})`);
    assert.deepEqual(diffs, [], table);
  });
});
