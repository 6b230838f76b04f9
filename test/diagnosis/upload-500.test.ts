// A fast generic 500 on an upload is the database or the store: the reference, with each fault on,
// shows which by what the check saw before it (Glance reads the image row before it opens the store).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import { diagnoseExchanges, type Facts } from '../../src/diagnosis/index.js';
import type { Image } from '../../src/glance/index.js';
import { EvidenceRecorder, type Exchange } from '../../src/http/evidence.js';
import type { FaultName, ReferenceServer } from '../../src/reference/index.js';
import { connect, type Target } from '../../src/target.js';
import { referenceEnv } from '../helpers/cli.js';
import { start } from '../reference/helpers.js';

const SMALL = Buffer.alloc(16, 7);

describe('PUT /v2/images/{id}/file answering 500 at once, on the reference', () => {
  let ref: ReferenceServer;
  let target: Target;
  let facts: Facts;
  const recorder = new EvidenceRecorder();
  before(async () => {
    ref = await start();
    const cfg = resolveConfig({ flags: {}, env: referenceEnv(ref), cwd: tmpdir(), homeDir: tmpdir() });
    target = await connect(cfg, recorder);
    facts = { keystoneUrl: ref.keystoneUrl, tokenIssued: true };
  });
  after(async () => {
    await target.close();
    await ref.close();
  });

  /** Runs a check's calls with the fault on; returns the exchanges it made. */
  async function check(fault: FaultName, calls: (t: Target) => Promise<void>): Promise<Exchange[]> {
    const seen: Exchange[] = [];
    const stop = recorder.subscribe((x) => seen.push(x));
    ref.setFault(fault);
    try {
      await calls(target);
    } finally {
      ref.setFault(null);
      stop();
    }
    return seen;
  }

  const upload = (t: Target, id: string) =>
    t.glance.data.upload(id, { stream: Readable.from([SMALL]), size: SMALL.length });

  it('db-not-synced, upload to an unknown id (negative.upload.unknown-id): db.not-synced, not store.missing', async () => {
    const seen = await check('db-not-synced', async (t) => {
      assert.equal((await upload(t, randomUUID())).status, 500);
    });
    assert.equal(diagnoseExchanges(seen, facts)?.id, 'db.not-synced');
  });

  it('db-not-synced, create then upload: the create already fails, db.not-synced', async () => {
    const seen = await check('db-not-synced', async (t) => {
      const created = await t.glance.images.create({
        name: 'gh-upload-500',
        disk_format: 'raw',
        container_format: 'bare',
      });
      assert.equal(created.status, 500);
      assert.equal((await upload(t, randomUUID())).status, 500);
    });
    assert.equal(diagnoseExchanges(seen, facts)?.id, 'db.not-synced');
  });

  it('store-removed, create then upload (health round trip): store.missing', async () => {
    let id = '';
    const seen = await check('store-removed', async (t) => {
      const created = await t.glance.images.create({
        name: 'gh-upload-500',
        disk_format: 'raw',
        container_format: 'bare',
      });
      assert.equal(created.status, 201);
      id = (created.body as Image).id;
      assert.equal((await upload(t, id)).status, 500);
    });
    assert.equal(diagnoseExchanges(seen, facts)?.id, 'store.missing');
    await target.glance.images.delete(id);
  });

  it('store-removed, upload to an unknown id: 404, the store is never reached', async () => {
    const seen = await check('store-removed', async (t) => {
      assert.equal((await upload(t, randomUUID())).status, 404);
    });
    assert.equal(diagnoseExchanges(seen, facts), undefined);
  });
});
