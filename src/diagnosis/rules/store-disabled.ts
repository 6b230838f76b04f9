import { isDataPath } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'store.disabled',
  severity: 'major',
  title: 'Adding images to the store is disabled',
  symptom: 'Uploads answer 410 Gone ("Adding images to store is disabled").',
  applies: (e) => e.origin === 'glance' && e.exchange.status === 410 && isDataPath(e.exchange.path),
  howToConfirm:
    '[glance_store] or the backend section names a read-only store (e.g. http) as default_backend/default_store.',
  fix: 'Make default_backend (or default_store) a writable store such as file, rbd or swift, then restart glance-api.',
});
