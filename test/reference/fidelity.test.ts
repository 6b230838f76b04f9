// The comparator itself: two healthy references agree; a reference with its store mount lost does
// not, and the comparator names the steps. (The real-lab comparison is fidelity.lab.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { FaultName, ReferenceServer } from '../../src/reference/index.js';
import { connect, type Target } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { compare, replay, type Side } from './fidelity.js';
import { start } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'gh-fid-'));
const dataFile = join(work, 'data.raw');
const servers: ReferenceServer[] = [];
const targets: Target[] = [];

async function sideOf(fault?: FaultName): Promise<Side> {
  const ref = await start(fault ? { fault } : {});
  servers.push(ref);
  const open = async (role: 'admin' | 'member'): Promise<Target> => {
    const t = await connect(
      resolveConfig({ flags: {}, env: referenceEnv(ref, role), cwd: work, homeDir: work }),
    );
    targets.push(t);
    return t;
  };
  const admin = await open('admin');
  const member = await open('member');
  await member.glance.images.list({ limit: 1 });
  return { admin, member, memberProjectId: member.session?.peek()?.projectId ?? '' };
}

before(() => writeFileSync(dataFile, Buffer.alloc(70_000, 9)));
after(async () => {
  await Promise.all(targets.map((t) => t.close()));
  await Promise.all(servers.map((s) => s.close()));
  rmSync(work, { recursive: true, force: true });
});

describe('fidelity comparator', () => {
  it('finds no difference between two healthy references', async () => {
    const a = await replay(await sideOf(), dataFile);
    const b = await replay(await sideOf(), dataFile);
    assert.ok(a.length >= 40);
    assert.deepEqual(compare(a, b), []);
  });

  it('names the steps where a reference with a lost store mount answers differently', async () => {
    const healthy = await replay(await sideOf(), dataFile);
    const broken = await replay(await sideOf('store-mount-lost'), dataFile);
    const diffs = compare(healthy, broken);
    const steps = new Set(diffs.map((d) => d.step));
    assert.ok(steps.has('data.download'), JSON.stringify(diffs, null, 1));
    assert.ok(diffs.some((d) => d.step === 'data.download' && d.field === 'status' && d.real === '204'));
  });

  it('reports steps that only one side ran', () => {
    const one = { step: 'x', status: 200, headers: {}, schema: '-', facts: '' };
    assert.deepEqual(compare([one], []), [{ step: 'x', field: 'step', reference: 'ran', real: 'missing' }]);
    assert.deepEqual(compare([], [one]), [{ step: 'x', field: 'step', reference: 'missing', real: 'ran' }]);
  });
});
