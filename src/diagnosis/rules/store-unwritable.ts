import { rule } from '../types.js';

export default rule({
  id: 'store.unwritable',
  severity: 'critical',
  title: 'glance-api cannot write to the image store',
  symptom:
    'Uploads answer 503 "Insufficient permissions on image storage media"; the image goes back to queued.',
  applies: (e) =>
    e.origin === 'glance' && e.exchange.status === 503 && !/keystone/i.test(e.exchange.bodyExcerpt ?? ''),
  // The lint sees the store only from the host doctor runs on: a finding confirms, its absence proves nothing.
  confirm: (e) => (e.facts.configFindings?.includes('store.dir-unwritable') ? true : undefined),
  howToConfirm: '`sudo -u glance touch DIR/x` fails on filesystem_store_datadir.',
  fix: 'Give the glance user write access to the store: `chown -R glance:glance DIR && chmod 0750 DIR`.',
  blocks: 'store',
});
