// The k6 scripts are the same scenarios for the operator's k6: they must stay valid k6 scripts (checked
// here in every run, without k6, by parsing them with esbuild with the k6/* modules left external) and
// keep the scenario files' metrics and thresholds.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import { K6_SCENARIOS_DIR, k6ScriptOf, listScenarios, loadScenario } from '../../src/load/engine/catalog.js';
import { ENV_NAMES, k6Args } from '../../src/load/k6-engine.js';

const scripts = readdirSync(K6_SCENARIOS_DIR).filter((f) => f.endsWith('.js'));
const files = ['lib/glance.js', ...scripts];
const source = (f: string): string => readFileSync(join(K6_SCENARIOS_DIR, f), 'utf8');

describe('the k6 scripts of the scenarios', () => {
  it('every k6 script is the k6 side of a scenario file', () => {
    assert.deepEqual(
      scripts.map((f) => f.slice(0, -3)).filter((n) => !listScenarios().includes(n)),
      [],
    );
  });

  it('parse as k6 scripts: ES modules with k6/* imports left to k6', async () => {
    for (const f of scripts) {
      const r = await build({
        entryPoints: [join(K6_SCENARIOS_DIR, f)],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'neutral',
        external: ['k6', 'k6/*'],
        logLevel: 'silent',
      });
      assert.equal(r.errors.length, 0, f);
      const imports = [...source(f).matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      assert.deepEqual(
        imports.filter((i) => !(i === 'k6' || i.startsWith('k6/') || i.startsWith('./lib/'))),
        [],
        `${f} imports only k6 modules and its lib (k6 cannot load npm packages)`,
      );
    }
  });

  it('esbuild finds a broken script (the check can fail)', async () => {
    await assert.rejects(
      build({ stdin: { contents: 'export default function ( {' }, write: false, logLevel: 'silent' }),
    );
  });

  it('read only the environment names the contract lists', () => {
    const read = new Set(
      files.flatMap((f) => [...source(f).matchAll(/__ENV\.([A-Z0-9_]+)/g)].map((m) => m[1]!)),
    );
    assert.deepEqual(
      [...read].filter((n) => !(ENV_NAMES as readonly string[]).includes(n)),
      [],
    );
  });

  it('the harness passes only contract names to k6', async () => {
    const s = await loadScenario('large-upload');
    const args = k6Args({
      script: k6ScriptOf('large-upload')!,
      k6Dir: '/tmp/k',
      endpoint: 'http://127.0.0.1:1',
      runId: 'r',
      prefix: 'gh',
      profile: s.profile({ smoke: false, minMbps: 5 }),
      smoke: false,
      image: { path: '/tmp/i', size: 1, sizeLabel: '1B', md5: 'm', sha512: 's' },
    });
    const names = args.filter((_, i) => args[i - 1] === '-e').map((a) => a.split('=')[0]!);
    assert.deepEqual(
      names.filter((n) => !(ENV_NAMES as readonly string[]).includes(n)),
      [],
    );
  });

  it('judge by the same thresholds and metrics as the scenario files', async () => {
    for (const f of scripts) {
      const s = await loadScenario(f.slice(0, -3));
      const text = source(f);
      for (const selector of Object.keys(s.thresholds(s.profile({ smoke: false }))))
        assert.ok(text.includes(`'${selector}': [`) || text.includes(`${selector}: [`), `${f}: ${selector}`);
      for (const [metric, decl] of Object.entries(s.metrics)) {
        const k6Type = { rate: 'Rate', trend: 'Trend', counter: 'Counter', gauge: 'Gauge' }[decl.type];
        assert.match(text, new RegExp(`new ${k6Type}\\('${metric}'`), `${f} defines ${metric}`);
      }
    }
  });
});
