import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allureCategories } from '../../src/diagnosis/categories.js';
import { RULES } from '../../src/diagnosis/index.js';
import { troubleshootingMarkdown } from '../../src/diagnosis/troubleshooting.js';

describe('troubleshooting guide and Allure categories', () => {
  it('docs/troubleshooting.md matches the rules (run `npm run docs:troubleshooting` when this fails)', () => {
    const onDisk = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');
    assert.equal(
      onDisk,
      troubleshootingMarkdown(),
      'docs/troubleshooting.md is stale: run npm run docs:troubleshooting',
    );
  });

  it('README points to the troubleshooting guide', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.match(readme, /docs\/troubleshooting\.md/);
  });

  it('has one Allure category per rule whose regex matches the cause phrase of failures', () => {
    const cats = allureCategories();
    for (const r of RULES) {
      const cat = cats.find((c) => c.name.startsWith(`${r.id}: `));
      assert.ok(cat, r.id);
      const re = new RegExp(cat.messageRegex);
      assert.ok(re.test(`Expected 200 from GET /v2/images, got 500. Likely cause: ${r.id} — ${r.fix}`), r.id);
      assert.ok(
        !re.test('Expected 200 from GET /v2/images, got 500'),
        `${r.id} matches a failure without a cause`,
      );
    }
  });
});
