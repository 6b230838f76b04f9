import { isDbPath, TIMEOUT_CODES } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'db.hung',
  severity: 'critical',
  title: 'The database accepts connections but never answers',
  symptom:
    'Calls that need the database (/v2/images…) hang until the client or the proxy gives up (504), while / and /healthcheck answer at once.',
  applies: (e) => {
    const x = e.exchange;
    if (e.service !== 'glance' || !isDbPath(x.path) || e.facts.rootOk === false) return false;
    if (e.origin === 'none') return TIMEOUT_CODES.has(x.error?.code ?? '');
    return x.status === 504 && e.origin === 'proxy';
  },
  confirm: (e) =>
    e.facts.db
      ? e.facts.db.reachable === false && /timeout|timed out/i.test(e.facts.db.error ?? '')
      : undefined,
  howToConfirm:
    '`mysql -e "SHOW PROCESSLIST"` hangs or shows locked queries; the database host is frozen or out of disk.',
  fix: 'Unfreeze or restart the database server (look for a full disk, a stuck lock or a paused VM), then restart glance-api.',
  blocks: 'db',
});
