import { needsLink } from '../links.js';
import { sentToken } from '../origin.js';
import { rule } from '../types.js';

// Seen in what succeeds, not in what fails: every check that sends a good token passes. doctor's
// auth-required step asks without a token and with a forged one and names this on a 2xx to either.
export default rule({
  id: 'auth.disabled',
  severity: 'critical',
  title: 'Glance serves its API without a valid token (no Keystone middleware in its pipeline)',
  symptom:
    'GET /v2/images answers 200 without a token, or with a forged one, while every check that sends a real token passes: whoever reaches the port acts as an admin.',
  applies: (e) => {
    const x = e.exchange;
    return (
      e.service === 'glance' &&
      e.origin === 'glance' &&
      x.status !== null &&
      x.status >= 200 &&
      x.status < 300 &&
      needsLink('keystone', x.method, x.path) &&
      !sentToken(x)
    );
  },
  // The lint's config.noauth: glance-api.conf sets no [paste_deploy] flavor.
  confirm: (e) => (e.facts.configFindings?.includes('config.noauth') ? true : undefined),
  howToConfirm:
    "`curl -s -o /dev/null -w '%{http_code}' $GLANCE/v2/images` prints 200 without a token (401 expected); glance-api.conf has no `flavor = keystone` under [paste_deploy].",
  fix: 'Set `flavor = keystone` under [paste_deploy] in glance-api.conf (with a complete [keystone_authtoken]), then restart glance-api.',
});
