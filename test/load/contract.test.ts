import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ENV_NAMES, SCENARIO_METRICS, SCENARIOS } from '../../src/load/contract.js';
import { k6Args, loadProfile, SCENARIOS_DIR } from '../../src/load/index.js';

const files = ['lib/glance.js', ...readdirSync(SCENARIOS_DIR).filter((f) => f.endsWith('.js'))];
const source = (f: string): string => readFileSync(join(SCENARIOS_DIR, f), 'utf8');

describe('scenarios and src/load share one contract', () => {
  it('every scenario named in src/load/contract.ts has a script, and no script is unnamed', () => {
    assert.deepEqual(
      files.filter((f) => !f.startsWith('lib/')).sort(),
      SCENARIOS.map((s) => `${s}.js`).sort(),
    );
  });

  it('the scripts read only the environment names the contract lists', () => {
    const read = new Set(
      files.flatMap((f) => [...source(f).matchAll(/__ENV\.([A-Z0-9_]+)/g)].map((m) => m[1]!)),
    );
    assert.deepEqual(
      [...read].filter((n) => !(ENV_NAMES as readonly string[]).includes(n)),
      [],
    );
  });

  it('the harness passes only contract names to k6', () => {
    const args = k6Args({
      scenario: 'large-upload',
      k6Dir: '/tmp/k',
      endpoint: 'http://127.0.0.1:1',
      runId: 'r',
      prefix: 'gh',
      profile: loadProfile('large-upload', { smoke: false, minMbps: 5 }),
      smoke: false,
      image: { path: '/tmp/i', size: 1, md5: 'm', sha512: 's' },
    });
    const names = args.filter((_, i) => args[i - 1] === '-e').map((a) => a.split('=')[0]!);
    assert.deepEqual(
      names.filter((n) => !(ENV_NAMES as readonly string[]).includes(n)),
      [],
    );
  });

  it('each scenario defines its failure and throughput metrics and thresholds on them', () => {
    for (const s of SCENARIOS) {
      const text = source(`${s}.js`);
      const { failure, throughput } = SCENARIO_METRICS[s];
      assert.match(text, new RegExp(`new Rate\\('${failure}'\\)`), `${s} defines ${failure}`);
      assert.match(text, new RegExp(`\\b${failure}: \\[`), `${s} has a threshold on ${failure}`);
      if (throughput !== 'http_reqs') assert.match(text, new RegExp(`new Trend\\('${throughput}'\\)`));
      assert.match(text, /export function handleSummary/);
    }
  });
});
