import { isDataPath } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'store.data-lost',
  severity: 'critical',
  title: "An active image's data is gone from the store",
  symptom:
    'Download of an active image answers 204 with an empty body (or fewer bytes than its size); the upload had answered 204 and set a checksum.',
  applies: (e) => {
    const x = e.exchange;
    if (e.origin !== 'glance' || x.method !== 'GET' || !isDataPath(x.path)) return false;
    return x.status === 204 || (x.status === 200 && x.responseBytes === 0);
  },
  // The lint sees the store only from the host doctor runs on: a finding confirms, its absence proves nothing.
  confirm: (e) => (e.facts.configFindings?.includes('store.not-mounted') ? true : undefined),
  howToConfirm:
    'glance-api.log: "Glance tried all active locations to get data … all have failed"; the file under filesystem_store_datadir is missing (a lost mount hides it).',
  fix: 'Restore the store (remount the filesystem that holds it), or re-upload the image; download the other images to find those affected too.',
});
