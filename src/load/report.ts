import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../report/summary.js';

function xml(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
  );
}

/** JUnit XML: one testsuite for the scenario, one testcase per threshold (or smoke check). */
export function loadJunit(
  suiteName: string,
  checks: readonly CheckResult[],
  durationMs: number,
  runnerError?: string,
): string {
  const failures = checks.filter((c) => c.status === 'failed').length;
  const cases = checks.map((c) => {
    const open = `    <testcase classname="${xml(suiteName)}" name="${xml(`${c.title} [${c.id}]`)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
    if (c.status === 'passed') return `${open}/>`;
    if (c.status === 'skipped')
      return `${open}>\n      <skipped message="${xml(c.skipReason ?? 'skipped')}"/>\n    </testcase>`;
    return `${open}>\n      <failure message="${xml(c.error ?? 'failed')}" type="threshold"/>\n    </testcase>`;
  });
  if (runnerError)
    cases.push(
      `    <testcase classname="${xml(suiteName)}" name="k6 run completed">\n      <error message="${xml(runnerError)}" type="k6"/>\n    </testcase>`,
    );
  const tests = checks.length + (runnerError ? 1 : 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="glance-harness load" tests="${tests}" failures="${failures}" errors="${runnerError ? 1 : 0}" time="${(durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(suiteName)}" tests="${tests}" failures="${failures}" errors="${runnerError ? 1 : 0}" skipped="0" time="${(durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export interface AllureAttachment {
  name: string;
  /** File to copy into the results directory. */
  file: string;
  type: string;
  extension: string;
}

/**
 * One Allure result for the load run: a step per threshold, the throughput chart and the k6 summary
 * attached. Status: broken when k6 itself failed, failed when a threshold did, else passed.
 */
export function writeLoadAllure(
  dir: string,
  opts: {
    scenario: string;
    runId: string;
    startedAt: number;
    stoppedAt: number;
    checks: readonly CheckResult[];
    runnerError?: string;
    attachments: readonly AllureAttachment[];
    parameters: Record<string, string>;
  },
): void {
  mkdirSync(dir, { recursive: true });
  const uuid = randomUUID();
  const failed = opts.checks.filter((c) => c.status === 'failed');
  const status = opts.runnerError ? 'broken' : failed.length > 0 ? 'failed' : 'passed';
  const attachments = opts.attachments
    .filter((a) => existsSync(a.file))
    .map((a) => {
      const source = `${randomUUID()}-attachment.${a.extension}`;
      copyFileSync(a.file, join(dir, source));
      return { name: a.name, source, type: a.type };
    });
  const message = opts.runnerError ?? (failed.length > 0 ? failed.map((c) => c.error).join('\n') : undefined);
  const result = {
    uuid,
    historyId: `load.${opts.scenario}`,
    testCaseId: `load.${opts.scenario}`,
    fullName: `load.${opts.scenario}`,
    name: `load ${opts.scenario}`,
    status,
    ...(message ? { statusDetails: { message } } : {}),
    stage: 'finished',
    start: opts.startedAt,
    stop: opts.stoppedAt,
    labels: [
      { name: 'suite', value: 'load' },
      { name: 'subSuite', value: opts.scenario },
      { name: 'tag', value: 'load' },
      { name: 'framework', value: 'k6' },
    ],
    parameters: Object.entries(opts.parameters).map(([name, value]) => ({ name, value })),
    steps: opts.checks.map((c) => ({
      name: c.title,
      status: c.status,
      stage: 'finished',
      start: opts.startedAt,
      stop: opts.stoppedAt,
      ...(c.error ? { statusDetails: { message: c.error } } : {}),
      steps: [],
      attachments: [],
      parameters: [],
    })),
    attachments,
  };
  writeFileSync(join(dir, `${uuid}-result.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(dir, 'environment.properties'), `run_id=${opts.runId}\nscenario=${opts.scenario}\n`);
}
