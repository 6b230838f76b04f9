// The sweep also finds this run's images that lost their tags (a create answering 5xx after Glance
// saved the row), by name and creation time, and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GlanceClient } from '../../src/glance/index.js';
import { HttpClient } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';
import { type ReferenceServer, startReference } from '../../src/reference/index.js';
import { cleanupImages } from '../../src/run/cleanup.js';
import { runImageName, runTags } from '../../src/run/naming.js';

describe('cleanup of a run: images without their tags', () => {
  let ref: ReferenceServer;
  let http: HttpClient;
  let glance: GlanceClient;
  before(async () => {
    ref = await startReference({ auth: 'none' });
    http = new HttpClient({});
    glance = new GlanceClient(ref.glanceUrl, http, new StaticTokens(undefined));
  });
  after(async () => {
    await http.close();
    await ref.close();
  });

  const create = async (name: string, tags: string[] = []): Promise<string> => {
    const res = await glance.images.create({ name, disk_format: 'raw', container_format: 'bare', tags });
    assert.equal(res.status, 201);
    return (res.body as { id: string }).id;
  };
  const exists = async (id: string): Promise<boolean> => (await glance.images.show(id)).status === 200;

  it("deletes this run's untagged images created since it started; leaves older ones and other runs'", async () => {
    const older = await create(runImageName('gh', 'run1', 'before-start'));
    await new Promise((r) => setTimeout(r, 2_100));
    const since = new Date();
    const untagged = await create(runImageName('gh', 'run1', 'create-500'));
    const tagged = await create(runImageName('gh', 'run1', 'tagged'), runTags('run1'));
    const otherRun = await create(runImageName('gh', 'run2', 'create-500'));
    const someone = await create('gh-run1x-not-ours');
    const res = await cleanupImages(glance, { prefix: 'gh', runId: 'run1', since });
    assert.deepEqual(res.found.map((f) => f.id).sort(), [untagged, tagged].sort());
    assert.equal(res.deleted, 2);
    assert.equal(await exists(untagged), false);
    assert.equal(await exists(tagged), false);
    for (const kept of [older, otherRun, someone]) assert.equal(await exists(kept), true, kept);
  });

  it('without the run start (cleanup --run-id) lists by tag only', async () => {
    const untagged = await create(runImageName('gh', 'run3', 'create-500'));
    const res = await cleanupImages(glance, { prefix: 'gh', runId: 'run3' });
    assert.deepEqual(res.found, []);
    assert.equal(await exists(untagged), true);
  });
});
