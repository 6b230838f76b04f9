import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { junitXml, plainText } from '../../src/report/junit.js';
import { totals } from '../../src/report/results.js';
import { dbNotSynced, sampleChecks, sampleSummary, unreachableSummary } from './sample.js';

const testcase = (xml: string, id: string): string =>
  new RegExp(`<testcase name="${id.replace(/\./g, '\\.')}"[\\s\\S]*?</testcase>`).exec(xml)?.[0] ?? '';

describe('junitXml', () => {
  const xml = junitXml(sampleSummary());

  it('counts failures, blocked as errors, and skipped from the totals', () => {
    assert.match(
      xml,
      /<testsuites name="glance-harness" tests="6" failures="3" errors="1" skipped="1" time="3\.500">/,
    );
    assert.match(
      xml,
      /<testsuite name="images" tests="4" failures="3" errors="1" skipped="0" time="0\.450">/,
    );
    assert.match(xml, /<testsuite name="discovery" tests="1" failures="0" errors="0" skipped="0"/);
    assert.match(xml, /<testsuite name="tasks" tests="1" failures="0" errors="0" skipped="1"/);
  });

  it('names each testcase by its check id, with title, cause, request ids and tags as properties', () => {
    const names = [...xml.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(
      names,
      sampleChecks().map((c) => c.id),
    );
    const passed = testcase(xml, 'discovery.versions.root-300');
    assert.match(passed, /classname="glance-harness\.discovery" time="0\.012"/);
    assert.match(passed, /<property name="title" value="GET \/ returns 300"\/>/);
    assert.match(passed, /<property name="tags" value="@discovery @smoke"\/>/);
    assert.doesNotMatch(passed, /<failure|<error|<skipped/);
    assert.match(
      testcase(xml, 'images.create.minimal'),
      /<property name="cause" value="db\.not-synced"\/>\n {8}<property name="request-ids" value="req-1 req-2 req-3"\/>/,
    );
  });

  it('a failure carries the first error line, the cause id as type, and the fix in its body', () => {
    const failed = testcase(xml, 'images.create.minimal');
    assert.match(
      failed,
      /<failure message="Expected 201 from POST \/v2\/images, got 500 \(req-1, 412 ms\)\." type="db\.not-synced">/,
    );
    assert.match(failed, /at create\.spec\.ts:12\nCause: db\.not-synced — Glance database has no tables/);
    assert.match(failed, /Fix: Run `glance-manage db_sync`/);
    assert.match(testcase(xml, 'images.show.unknown-id'), /type="assertion"/);
  });

  it('skipped carries its reason; blocked is an error naming the cause', () => {
    assert.match(
      testcase(xml, 'tasks.import.web-download'),
      /<skipped message="web-download is not among the enabled import methods"\/>/,
    );
    assert.match(
      testcase(xml, 'images.upload.raw'),
      /<error message="blocked by db\.not-synced: Glance database has no tables" type="blocked">Fix: Run/,
    );
  });

  it('a run that broke before any check is one `run` error testcase', () => {
    const s = unreachableSummary();
    s.cause = { ...dbNotSynced, id: 'keystone.unreachable', title: 'Keystone does not answer' };
    const out = junitXml(s);
    assert.match(out, /<testsuites name="glance-harness" tests="1" failures="0" errors="1" skipped="0"/);
    assert.match(out, /<testcase name="run" classname="glance-harness\.run" time="5\.000">/);
    assert.match(
      out,
      /<error message="No answer from https:\/\/keystone\.example\.test:5000\/v3 within 5000 ms" type="keystone\.unreachable">/,
    );
    assert.match(junitXml(unreachableSummary()), /type="unreachable"/);
    assert.doesNotMatch(junitXml({ ...s, outcome: 'interrupted' }), /name="run"/);
  });

  it('a load run is one suite, load.<scenario>; its runner error is the `run` testcase', () => {
    const checks = [{ ...sampleChecks()[0]!, suite: 'load › download', durationMs: 2000 }];
    const out = junitXml({
      checks: [...checks, { ...checks[0]!, id: 'load.download.b' }],
      totals: totals([...checks, ...checks]),
      outcome: 'runner-error',
      durationMs: 2500,
      message: 'k6 exited 107: "a" <b>',
      load: { scenario: 'download' } as never,
    });
    assert.match(
      out,
      /<testsuite name="load\.download" tests="3" failures="0" errors="1" skipped="0" time="2\.500">/,
    );
    assert.match(out, /<testcase name="run" classname="glance-harness\.load\.download"/);
    assert.match(out, /<error message="k6 exited 107: &quot;a&quot; &lt;b&gt;" type="runner-error">/);
  });

  it('escapes markup and drops ANSI sequences and characters XML 1.0 forbids', () => {
    const [first] = sampleChecks();
    const nasty = {
      ...first!,
      id: 'x.y',
      status: 'failed' as const,
      title: 'a "quoted" <title> & more',
      error:
        '\u001b[31mgot <html> & "x"\u001b[39m\u0000\u0007\u000b\ud800 \u001b]8;;http://x\u0007link\u001b]8;;\u0007\u009b',
    };
    const out = junitXml(sampleSummary([nasty]));
    assert.match(out, /<property name="title" value="a &quot;quoted&quot; &lt;title&gt; &amp; more"\/>/);
    assert.match(
      out,
      /<failure message="got &lt;html&gt; &amp; &quot;x&quot; link" type="assertion">got &lt;html&gt; &amp; "x" link\nRequest ids: req-0<\/failure>/,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts none is left
    assert.doesNotMatch(out, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    assert.equal(plainText('a\tb\nc\r\n'), 'a\tb\nc\r\n');
  });
});
