import { rule } from '../types.js';

// Decided from what answers where: a catalog interface that answers (endpoint.mismatch, tried first),
// glance-api's own bind_port from glance-api.conf (doctor --config: refused confirms, answering
// contradicts, the catalog then points at a dead port), a proxy's 502 (proxy.upstream-down).
export default rule({
  id: 'glance.down',
  severity: 'critical',
  title: 'glance-api is not running (its port refuses connections while Keystone answers)',
  symptom:
    "Keystone issues tokens, but every image endpoint of the catalog refuses the connection (ECONNREFUSED): nothing listens on glance-api's port.",
  // Without a catalog that Keystone just served (an explicit --endpoint), only glance-api's own port
  // refusing too names it: a refused URL alone may be a mistyped one.
  applies: (e) => {
    if (e.service !== 'glance' || e.origin !== 'none' || e.exchange.error?.code !== 'ECONNREFUSED')
      return false;
    if (e.facts.glanceRefused === true) return true;
    const catalog = e.facts.catalog ?? [];
    return e.facts.tokenIssued === true && catalog.length > 0 && !catalog.some((c) => c.reachable);
  },
  confirm: (e) => e.facts.glanceRefused,
  howToConfirm:
    '`ss -ltnp | grep 9292` (the bind_port of glance-api.conf) lists nothing; `service glance-api status`; the end of /var/log/glance/glance-api.log says why it stopped.',
  fix: 'Start glance-api (`service glance-api start`, or its uWSGI unit on newer releases) and read the end of its log for why it stopped or failed to start.',
  blocks: 'glance',
});
