import { KEYSTONE_WAIT_MS, sentToken } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'keystone.service-credentials',
  severity: 'critical',
  title: "Glance's own Keystone credentials ([keystone_authtoken]) are refused",
  symptom:
    'Every authenticated call answers 401 with WWW-Authenticate: Keystone uri=… within ~0.5 s, although Keystone just issued the token.',
  applies: (e) => {
    const x = e.exchange;
    return (
      e.origin === 'glance' &&
      x.status === 401 &&
      sentToken(x) &&
      e.facts.tokenIssued === true &&
      x.timings.totalMs < KEYSTONE_WAIT_MS
    );
  },
  howToConfirm:
    'glance-api.log: "Identity server rejected authorization"; `openstack token issue` with the [keystone_authtoken] username/password/project fails with 401.',
  fix: 'Set the right [keystone_authtoken] password (and username, project_name, domains) in glance-api.conf, then restart glance-api.',
  blocks: 'keystone',
});
