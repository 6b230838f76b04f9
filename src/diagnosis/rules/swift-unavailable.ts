import { isDataPath, SLOW_STORE_MS } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'swift.unavailable',
  severity: 'critical',
  title: 'The swift store is not answering (devices unmounted, swift proxy down)',
  symptom: 'Uploads and downloads answer 500 after ~30 s; the image stays queued.',
  applies: (e) => {
    const x = e.exchange;
    if (e.origin !== 'glance' || x.status !== 500 || !isDataPath(x.path)) return false;
    return e.facts.storeKind === 'swift' || x.timings.totalMs >= SLOW_STORE_MS;
  },
  confirm: (e) => (e.facts.storeKind ? e.facts.storeKind === 'swift' : undefined),
  howToConfirm:
    'glance-api.log: "Failed to add container to Swift"; swift storage logs show 507 (mount_check) — `swift-recon --unmounted`.',
  fix: 'Mount the swift devices (or start the swift services); the swift proxy error-limits a node for ~60 s after it returns.',
  blocks: 'store',
});
