import { needsLink } from '../links.js';
import { NO_REPLY_CODES, SLOW_STORE_MS } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'db.unreachable',
  severity: 'critical',
  title: 'The database server is down or refuses connections',
  symptom:
    "Glance answers its generic 500 fast on /v2/images while / and /healthcheck are fine; when Keystone shares the server, logins get no HTTP reply at all (Keystone's uwsgi closes the connection).",
  applies: (e) => {
    const x = e.exchange;
    if (e.service === 'keystone')
      return e.origin === 'none' && /\/auth\/tokens/.test(x.path) && NO_REPLY_CODES.has(x.error?.code ?? '');
    return (
      e.facts.db?.reachable === false &&
      e.origin === 'glance' &&
      x.status === 500 &&
      needsLink('db', x.method, x.path) &&
      x.timings.totalMs < SLOW_STORE_MS
    );
  },
  confirm: (e) => (e.facts.db ? !e.facts.db.reachable : undefined),
  howToConfirm:
    'glance-api.log: "(2003, Can\'t connect to MySQL server …)"; `mysqladmin ping` on the host in [database] connection fails.',
  fix: 'Start the database server (`service mariadb start`) and check the host, port and credentials of [database] connection in glance-api.conf (and keystone.conf).',
  blocks: 'db',
});
