// virtual_size per disk_format: the registry's rule, the embedded reference and the values the real
// Glance 25.1 lab reported (zed-probes.ts) must agree for every probe.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import { call, createImage, start, token, upload } from '../reference/helpers.js';
import { probeImage, registryVirtualSize, ZED_PROBES, type ZedProbe } from './zed-probes.js';

let ref: ReferenceServer;
let admin: string;

before(async () => {
  ref = await start();
  admin = await token(ref, 'admin');
});

after(async () => {
  await ref?.close();
});

type Doc = Record<string, unknown>;

async function show(id: string): Promise<Doc> {
  return (await (await call(ref.glanceUrl, `/v2/images/${id}`, { token: admin })).json()) as Doc;
}

/** The probe on the reference, as formats.lab.test.ts runs it on the lab: the PUT's status and show. */
async function onReference(p: ZedProbe): Promise<{ answer: number; doc: Doc }> {
  const { diskFormat, bytes } = probeImage(p);
  const img = await createImage(
    ref.glanceUrl,
    { name: `fmt-probe-${p.name}`, disk_format: diskFormat, container_format: p.containerFormat },
    admin,
  );
  if (p.via === 'upload') {
    const answer = (await upload(ref.glanceUrl, img.id, bytes, admin)).status;
    return { answer, doc: await show(img.id) };
  }
  const staged = await call(ref.glanceUrl, `/v2/images/${img.id}/stage`, {
    method: 'PUT',
    token: admin,
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  const imported = await call(ref.glanceUrl, `/v2/images/${img.id}/import`, {
    method: 'POST',
    token: admin,
    json: { method: { name: 'glance-direct' } },
  });
  assert.equal(imported.status, 202);
  for (let i = 0; i < 100; i++) {
    const doc = await show(img.id);
    if (doc.status === 'active') return { answer: staged.status, doc };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fmt-probe-${p.name} never went active on the reference`);
}

describe('virtual_size per disk_format: registry, embedded reference and the Zed lab agree', () => {
  for (const p of ZED_PROBES) {
    const outcome = `${p.lab.answer}, ${p.lab.status}, virtual_size ${p.lab.virtualSize}`;
    it(`${p.name} (${p.containerFormat}, ${p.via}): ${outcome} as on the lab`, async () => {
      const stated = registryVirtualSize(p);
      if (stated !== undefined)
        assert.equal(stated, p.lab.virtualSize, 'the registry states what the lab reported');
      if (p.lab.size !== null) {
        assert.equal(probeImage(p).bytes.length, p.lab.size, 'the generator still makes the bytes probed');
      }
      const { answer, doc } = await onReference(p);
      assert.deepEqual(
        { answer, status: doc.status, size: doc.size, virtualSize: doc.virtual_size },
        p.lab,
        'the reference answers as the lab did',
      );
    });
  }

  it('a raw upload large enough for the threaded ingest: virtual_size still counts every byte', async () => {
    const bytes = Buffer.alloc(32 * 2 ** 20 + 3, 0x5a);
    const img = await createImage(ref.glanceUrl, { disk_format: 'raw', container_format: 'bare' }, admin);
    assert.equal((await upload(ref.glanceUrl, img.id, bytes, admin)).status, 204);
    const doc = await show(img.id);
    assert.equal(doc.size, bytes.length);
    assert.equal(doc.virtual_size, bytes.length);
  });
});
