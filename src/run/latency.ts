/**
 * Latency budgets: a metadata call must answer, and a data call must send its first byte back,
 * within the budget. An answer that comes later fails the check as latency with the measured time;
 * a metadata call still unanswered at LATENCY_WAIT_FACTOR × budget is given up on, so a hung link
 * costs a failing run that much and no more.
 */
import { isDataPath } from '../glance/base.js';
import type { Exchange } from '../http/evidence.js';
import type { LatencyBreach } from '../report/results.js';

/** Default budget: generous for any healthy Glance, short enough that a hung one is named quickly. */
export const DEFAULT_LATENCY_BUDGET_MS = 10_000;

/** A metadata call waits this many budgets for its status line before it is abandoned. */
export const LATENCY_WAIT_FACTOR = 3;

const HEADERS_TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'TOTAL_TIMEOUT']);

/** The exchange's answer time against the budget: uploads count from the end of the body they sent. */
export function latencyBreach(x: Exchange, budgetMs: number): LatencyBreach | undefined {
  if (budgetMs <= 0) return undefined;
  const upload = isDataPath(x.path) && x.method === 'PUT';
  const noAnswer = x.status === null && HEADERS_TIMEOUT.has(x.error?.code ?? '');
  const headers = x.timings.headersMs ?? (noAnswer ? x.timings.totalMs : undefined);
  if (headers === undefined) return undefined;
  const ms = upload ? headers - (x.timings.sentMs ?? headers) : headers;
  if (ms <= budgetMs) return undefined;
  return {
    method: x.method,
    path: x.path,
    ms,
    budgetMs,
    noAnswer,
    ...(x.requestId ? { requestId: x.requestId } : {}),
  };
}

/** "GET /v2/images/… answered in 20.3 s, over the 10 s latency budget (req-…)". */
export function describeBreach(b: LatencyBreach): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const what = b.noAnswer ? `did not answer within ${s(b.ms)}` : `answered in ${s(b.ms)}`;
  return `${b.method} ${b.path} ${what}, over the ${s(b.budgetMs)} latency budget${b.requestId ? ` (${b.requestId})` : ''}`;
}
