import { body, isUploadPath } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'proxy.upstream-invalid',
  severity: 'critical',
  title: 'glance-api dropped the upload: the store failed under it (swift device unmounted is the classic)',
  symptom:
    'An upload through the proxy answers 502 ("invalid response from an upstream server") after its body was sent, while other calls work.',
  applies: (e) => {
    const x = e.exchange;
    if (e.origin !== 'proxy' || x.status !== 502) return false;
    if (body(x).includes('invalid') && body(x).includes('upstream')) return true;
    return isUploadPath(x.method, x.path) && x.bytesSent > 0 && e.facts.glanceRefused !== true;
  },
  howToConfirm:
    'The same upload straight to glance-api answers 500; glance-api.log shows the store error (swift: "Failed to add container to Swift", storage servers 507).',
  fix: 'Repair the store under Glance: remount the swift devices (mount_check) or the store filesystem, then retry the upload.',
  blocks: 'glance',
});
