import { body, KEYSTONE_WAIT_MS, UNREACHABLE_CODES } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'keystone.unreachable',
  severity: 'critical',
  title: 'Keystone is not answering',
  symptom:
    'Logins fail with connection refused; Glance answers 401 after ~3.5 s to tokens it has not cached (503 "Keystone service is temporarily unavailable" with delay_auth_decision = false).',
  applies: (e) => {
    const x = e.exchange;
    if (e.service === 'keystone') return e.origin === 'none' && UNREACHABLE_CODES.has(x.error?.code ?? '');
    if (e.origin !== 'glance') return false;
    if (x.status === 503 && body(x).includes('keystone service is temporarily unavailable')) return true;
    return (
      x.status === 401 &&
      (x.wwwAuthenticate ?? '').startsWith('Keystone') &&
      e.facts.tokenIssued === true &&
      x.timings.totalMs >= KEYSTONE_WAIT_MS
    );
  },
  howToConfirm:
    '`curl -s KEYSTONE_URL/v3` fails; glance-api.log shows "Unable to establish connection to .../v3/auth/tokens".',
  fix: 'Start Keystone (its uwsgi or Apache site) and check that [keystone_authtoken] auth_url in glance-api.conf points to it.',
  blocks: 'keystone',
});
