import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allureCategories } from '../diagnosis/categories.js';
import { causeIdIn, causeText, ruleById } from '../diagnosis/index.js';

/** A check's cause as summary.json carries it. */
export interface CheckCause {
  id: string;
  title: string;
  fix: string;
}

/** The annotation type the suites' fixture uses to attach a diagnosis to a failed check. */
export const CAUSE_ANNOTATION = 'cause';

/** The cause of a failed check: its `cause` annotation (`<id> — <fix>`), else the one its message names. */
export function causeOfCheck(
  annotations: ReadonlyArray<{ type: string; description?: string }>,
  error: string | undefined,
): CheckCause | undefined {
  const fromAnnotation = annotations.find((a) => a.type === CAUSE_ANNOTATION)?.description?.split(' ')[0];
  const id = (fromAnnotation && ruleById(fromAnnotation) ? fromAnnotation : undefined) ?? causeIdIn(error);
  const r = id ? ruleById(id) : undefined;
  return r ? { id: r.id, title: r.title, fix: r.fix } : undefined;
}

interface AllureResult {
  status?: string;
  statusDetails?: { message?: string };
  labels?: Array<{ name: string; value: string }>;
  steps?: Array<{ name?: string }>;
}

/**
 * Writes categories.json (one category per rule) into allure-results and makes every failed result
 * whose check has a cause say it in its message (so the category matches) and carry a `cause:<id>` tag.
 */
export function applyCausesToAllure(
  resultsDir: string,
  checks: ReadonlyArray<{ id: string; cause?: CheckCause }>,
): void {
  if (!existsSync(resultsDir)) return;
  writeFileSync(join(resultsDir, 'categories.json'), `${JSON.stringify(allureCategories(), null, 2)}\n`);
  const byId = new Map(checks.filter((c) => c.cause).map((c) => [c.id, c.cause!]));
  if (byId.size === 0) return;
  for (const name of readdirSync(resultsDir)) {
    if (!name.endsWith('-result.json')) continue;
    const file = join(resultsDir, name);
    let result: AllureResult;
    try {
      result = JSON.parse(readFileSync(file, 'utf8')) as AllureResult;
    } catch {
      continue;
    }
    if (result.status !== 'failed' && result.status !== 'broken') continue;
    const checkId = result.steps?.map((s) => /^id: (\S+)$/.exec(s.name ?? '')?.[1]).find(Boolean);
    const cause = checkId ? byId.get(checkId) : undefined;
    if (!cause) continue;
    const message = result.statusDetails?.message ?? '';
    if (causeIdIn(message) !== cause.id) {
      result.statusDetails = { ...result.statusDetails, message: `${causeText(cause)}\n${message}` };
    }
    result.labels = [...(result.labels ?? []), { name: 'tag', value: `cause:${cause.id}` }];
    writeFileSync(file, JSON.stringify(result));
  }
}
