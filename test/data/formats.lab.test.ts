// The generated images on the real Glance 25.1 lab: every probe of zed-probes.ts is created as
// `fmt-probe-<name>`, uploaded (or staged and imported), shown and deleted; the answer, status, size
// and virtual_size must be what zed-probes.ts recorded. Needs a running lab; runs only with GLANCE_HARNESS_LAB_TESTS=1.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/index.js';
import type { GlanceClient, Image } from '../../src/glance/index.js';
import { labPaths } from '../../src/lab/index.js';
import { connect, type Target } from '../../src/target.js';
import { probeImage, ZED_PROBES, type ZedProbe } from './zed-probes.js';

const ENABLED = process.env.GLANCE_HARNESS_LAB_TESTS === '1';
const SKIP_REASON = 'not run: set GLANCE_HARNESS_LAB_TESTS=1 with a running lab (glance-harness lab up)';
const IMPORT_TIMEOUT_MS = 60_000;
const work = mkdtempSync(join(tmpdir(), 'gh-lab-formats-'));
let target: Target | undefined;

after(async () => {
  await target?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The OS_* values the lab's openrc-admin exports. */
function openrc(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return env;
}

async function until(glance: GlanceClient, id: string, done: (i: Image) => boolean): Promise<Image> {
  const deadline = Date.now() + IMPORT_TIMEOUT_MS;
  for (;;) {
    const shown = (await glance.images.show(id)).body as Image;
    if (done(shown) || Date.now() > deadline) return shown;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Creates, fills, shows and deletes one probe image; returns the PUT's status and what show said. */
async function probe(glance: GlanceClient, p: ZedProbe): Promise<{ answer: number; image: Image }> {
  const { diskFormat, bytes } = probeImage(p);
  const created = await glance.images.create({
    name: `fmt-probe-${p.name}`,
    disk_format: diskFormat,
    container_format: p.containerFormat,
  });
  assert.equal(created.status, 201, `create fmt-probe-${p.name}`);
  const id = (created.body as Image).id;
  try {
    const source = { stream: Readable.from([bytes]), size: bytes.length };
    if (p.via === 'upload') {
      const answer = (await glance.data.upload(id, source)).status;
      return { answer, image: (await glance.images.show(id)).body as Image };
    }
    const answer = (await glance.data.stage(id, source)).status;
    const imported = await glance.images.import(id, { method: { name: 'glance-direct' } });
    assert.equal(imported.status, 202, `import fmt-probe-${p.name}`);
    return { answer, image: await until(glance, id, (i) => i.status === 'active' || i.status === 'killed') };
  } finally {
    await glance.images.delete(id);
  }
}

describe('generated images on the real Glance 25.1 lab', { skip: ENABLED ? false : SKIP_REASON }, () => {
  it('reports the recorded size and virtual_size for every probe', { timeout: 300_000 }, async () => {
    const env = openrc(labPaths().openrcAdmin);
    target = await connect(resolveConfig({ flags: {}, env, cwd: work, homeDir: homedir() }));
    const seen: string[] = [];
    const wrong: string[] = [];
    for (const p of ZED_PROBES) {
      const { answer, image } = await probe(target.glance, p);
      const got = {
        answer,
        status: image.status,
        size: image.size ?? null,
        virtualSize: image.virtual_size ?? null,
      };
      const line = `${p.name}: ${JSON.stringify(got)}`;
      seen.push(line);
      if (JSON.stringify(got) !== JSON.stringify(p.lab))
        wrong.push(`${line} (recorded: ${JSON.stringify(p.lab)})`);
    }
    process.stdout.write(`${seen.join('\n')}\n`);
    assert.deepEqual(wrong, []);
  });
});
