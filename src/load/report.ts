import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyAttachment, writeAllureResult } from '../report/allure.js';
import type { CheckResult } from '../report/summary.js';

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
  const attachments = opts.attachments.flatMap((a) => {
    const ref = copyAttachment(dir, {
      name: a.name,
      path: a.file,
      contentType: a.type,
      extension: a.extension,
    });
    return ref ? [ref] : [];
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
  writeAllureResult(dir, result);
  writeFileSync(join(dir, 'environment.properties'), `run_id=${opts.runId}\nscenario=${opts.scenario}\n`);
}
