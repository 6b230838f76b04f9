import { rule } from '../types.js';

export default rule({
  id: 'proxy.upstream-down',
  severity: 'critical',
  title: 'The proxy cannot reach glance-api (glance-api stopped or wrong upstream port)',
  symptom:
    "Every call answers 502 with the proxy's own HTML page (Server: nginx…), no X-Openstack-Request-Id.",
  applies: (e) => e.origin === 'proxy' && (e.exchange.status === 502 || e.exchange.status === 503),
  // glance-api's own port answering does not clear the proxy: its upstream may name the wrong port.
  confirm: (e) => (e.facts.glanceRefused ? true : undefined),
  howToConfirm:
    'nginx error.log: `connect() failed (111: Connection refused) while connecting to upstream`; `curl http://GLANCE_HOST:9292/` is refused.',
  fix: "Start glance-api (`service glance-api start`, then its log) and check that the proxy's upstream names its bind_host:bind_port.",
  blocks: 'glance',
});
