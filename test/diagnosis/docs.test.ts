import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { RULES } from '../../src/diagnosis/index.js';
import { troubleshootingMarkdown } from '../../src/diagnosis/troubleshooting.js';
import { allureCategories, causeMessage } from '../../src/report/allure.js';

/** Allure matches a category's messageRegex against the whole message, with DOTALL. */
function allureMatches(regex: string, message: string): boolean {
  return new RegExp(`^(?:${regex})$`, 's').test(message);
}

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

  it('has one Allure category per rule whose regex matches the stable message of its failures only', () => {
    const cats = allureCategories();
    for (const r of RULES) {
      const cat = cats.find((c) => c.name === `${r.id}: ${r.title}`);
      assert.ok(cat, r.id);
      assert.ok(allureMatches(cat.messageRegex, causeMessage(r)), r.id);
      assert.ok(!allureMatches(cat.messageRegex, 'Expected 200 from GET /v2/images, got 500'), r.id);
      const blocked = cats.find((c) => c.name === `Blocked by ${r.id}`);
      assert.ok(blocked && allureMatches(blocked.messageRegex, `blocked by ${causeMessage(r)}`), r.id);
    }
  });
});
