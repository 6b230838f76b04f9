import { rule } from '../types.js';

/** Last resort: the answer came, but later than the run's budget allows (nothing else named it). */
export default rule({
  id: 'latency.budget',
  severity: 'major',
  title: 'Glance answered slower than the latency budget',
  symptom:
    'A metadata call (show, list, update) or the first byte of a download takes seconds; every check still passes when nothing bounds latency.',
  applies: (e) => {
    const budget = e.facts.latencyBudgetMs;
    const ms = e.exchange.timings.headersMs;
    return e.service === 'glance' && budget !== undefined && ms !== undefined && ms > budget;
  },
  howToConfirm:
    '`time openstack image show <id>` on the same endpoint; the slow request id in the glance-api log shows where the time went (database, store, Keystone token validation).',
  fix: 'Find what slows Glance down (its log for the request id: database, store, Keystone token validation, workers), or raise --latency-budget when the slowness is expected.',
});
