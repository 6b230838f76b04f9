/**
 * Blocked links: when a check fails with a cause whose rule names a link every later check that
 * needs it depends on (the database, Keystone, the store, the proxy's upstream), the CLI re-checks
 * that link once with a cheap read-only probe. Confirmed, the link is blocked: the workers end the
 * checks that need it at once, as blocked by that cause, instead of each one failing (or waiting) in
 * turn. A healthy link never gets blocked: the probe must show the same cause again.
 */
import { diagnoseExchange, type Facts, ruleById } from '../diagnosis/index.js';
import { linkProbe } from '../diagnosis/links.js';
import type { Link } from '../diagnosis/types.js';
import type { GlanceClient } from '../glance/index.js';
import { TransportError } from '../http/client.js';
import type { Exchange } from '../http/evidence.js';
import type { CheckCause } from '../report/results.js';
import type { Block, BlockReport } from './service.js';

/** The longest the probe may take: a link that needs longer is reported by the checks themselves. */
const PROBE_TIMEOUT_MS = 5_000;

export class LinkBlocks {
  private readonly blocks = new Map<string, Block>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly glance: GlanceClient,
    private readonly facts: () => Facts,
    private readonly log: (line: string) => void,
    /** The probe waits no longer than a check's metadata call would. */
    private readonly waitMs = PROBE_TIMEOUT_MS,
  ) {}

  /** The blocks in force, oldest first. */
  list(): Block[] {
    return [...this.blocks.values()];
  }

  /** Weighs a worker's report: re-checks the link once, blocks it when the probe shows the same cause. */
  async report(r: BlockReport): Promise<Block[]> {
    if (!isReport(r)) throw new Error('expected {link, cause: {id, …}, checkId}');
    const rule = ruleById(r.cause.id);
    if (!rule || rule.blocks !== r.link) throw new Error(`cause ${r.cause.id} names no link "${r.link}"`);
    if (!this.blocks.has(r.link)) {
      let p = this.pending.get(r.link);
      if (!p) {
        p = this.confirm(r).finally(() => this.pending.delete(r.link));
        this.pending.set(r.link, p);
      }
      await p;
    }
    return this.list();
  }

  private async confirm(r: BlockReport): Promise<void> {
    const probe = linkProbe(r.link as Link);
    let cause: CheckCause = r.cause;
    if (probe) {
      const x = await this.send(probe.method, probe.path);
      const again = x ? diagnoseExchange(x, [], this.facts()) : undefined;
      if (!again || ruleById(again.id)?.blocks !== r.link) return;
      cause = {
        ...r.cause,
        id: again.id,
        title: again.title,
        fix: again.fix,
        severity: again.severity,
        confidence: 'confirmed',
        evidence: [...new Set([...r.cause.evidence, ...(x?.requestId ? [x.requestId] : [])])],
      };
    }
    this.blocks.set(r.link, { link: r.link, cause, foundBy: r.checkId });
    this.log(
      `Blocked: ${cause.id} (${cause.title}) found by ${r.checkId}${probe ? `, confirmed by ${probe.method} ${probe.path}` : ''}; the checks that need the ${r.link} link end as blocked`,
    );
  }

  private async send(method: string, path: string): Promise<Exchange | undefined> {
    const wait = Math.min(this.waitMs, PROBE_TIMEOUT_MS);
    try {
      const res = await this.glance.transport.call({
        method,
        path,
        timeouts: { headersMs: wait, bodyIdleMs: wait, totalMs: wait },
      });
      return res.exchange;
    } catch (err) {
      return err instanceof TransportError ? err.exchange : undefined;
    }
  }
}

function isReport(r: unknown): r is BlockReport {
  const o = r as Partial<BlockReport> | undefined;
  return (
    typeof o?.link === 'string' &&
    typeof o.checkId === 'string' &&
    typeof o.cause?.id === 'string' &&
    Array.isArray(o.cause.evidence)
  );
}
