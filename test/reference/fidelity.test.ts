// The comparator itself: two healthy references agree; a reference with its store mount lost does
// not, and the comparator names the steps; a legacy-stores reference differs from the lab-like multi:fs
// one at the store steps. (The real-lab comparison is fidelity.lab.test.ts.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { ReferenceOptions, ReferenceServer } from '../../src/reference/index.js';
import { connect, type Target } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { compare, replay, type Side } from './fidelity.js';
import { start } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'gh-fid-'));
const dataFile = join(work, 'data.raw');
const servers: ReferenceServer[] = [];
const targets: Target[] = [];

async function sideOf(opts: ReferenceOptions = {}): Promise<Side> {
  const ref = await start(opts);
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
    const broken = await replay(await sideOf({ fault: 'store-mount-lost' }), dataFile);
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

describe('fidelity comparator across store configurations', () => {
  it('names the store steps where a legacy reference differs from the lab-like multi:fs one', async () => {
    const lab = await replay(await sideOf({ stores: 'multi:fs' }), dataFile);
    const legacy = await replay(await sideOf({ stores: 'legacy' }), dataFile);
    const diffs = compare(lab, legacy);
    const at = (step: string, field: string) => diffs.find((x) => x.step === step && x.field === field);
    assert.deepEqual(at('info.stores', 'status'), {
      step: 'info.stores',
      field: 'status',
      reference: '200',
      real: '404',
    });
    assert.equal(at('import.copy-image-same-store', 'status')?.real, '500');
    assert.equal(at('stores.delete-only-copy', 'status')?.real, '404');
    assert.match(at('versions.root', 'facts')?.reference ?? '', /v2\.13,v2\.12,v2\.11,v2\.10,v2\.9,v2\.8,/);
    assert.equal(at('images.create', 'header openstack-image-store-ids')?.real, '');
    assert.match(at('images.show-active', 'facts')?.reference ?? '', / stores=fs /);
    assert.equal(at('data.upload', 'status'), undefined, 'uploads behave alike');
  });

  it('finds no difference between two multi:fs,fs2 references', async () => {
    const a = await replay(await sideOf({ stores: 'multi:fs,fs2' }), dataFile);
    const b = await replay(await sideOf({ stores: 'multi:fs,fs2' }), dataFile);
    assert.deepEqual(compare(a, b), []);
    const stores = a.find((o) => o.step === 'info.stores');
    assert.equal(stores?.facts, 'stores=fs:default,fs2');
    assert.equal(stores?.schema, 'valid');
  });
});
