import { rule } from '../types.js';

export default rule({
  id: 'keystone.user-credentials',
  severity: 'critical',
  title: 'Keystone refused the credentials the harness was given',
  symptom: 'POST /v3/auth/tokens answers 401 (or 404/400 for an unknown project or domain).',
  applies: (e) =>
    e.origin === 'keystone' &&
    /\/auth\/tokens/.test(e.exchange.path) &&
    [400, 401, 403, 404].includes(e.exchange.status ?? 0),
  howToConfirm: '`openstack token issue` with the same openrc or clouds.yaml entry fails the same way.',
  fix: 'Check OS_USERNAME/OS_PASSWORD, the project and both domains (`glance-harness config` shows where each came from).',
  blocks: 'keystone',
});
