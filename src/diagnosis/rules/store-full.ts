import { body, isUploadPath } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'store.full',
  severity: 'critical',
  title: 'The image store is full',
  symptom:
    'Uploads answer 413 "Image storage media is full" from Glance (with a request id); the image goes back to queued.',
  // Only image data fills a store (a 413 on tags is a quota); Glance's other 413 on data, the size cap,
  // says "image is too large" (image.size-cap, tried first).
  applies: (e) =>
    e.origin === 'glance' &&
    e.exchange.status === 413 &&
    isUploadPath(e.exchange.method, e.exchange.path) &&
    !body(e.exchange).includes('image is too large'),
  // The lint sees the store only from the host doctor runs on: a finding confirms, its absence proves nothing.
  confirm: (e) => (e.facts.configFindings?.includes('store.dir-full') ? true : undefined),
  howToConfirm: "`df -h` on filesystem_store_datadir (or the backend's quota).",
  fix: 'Free or grow the store filesystem (or quota) behind filesystem_store_datadir, then retry the upload.',
  blocks: 'store',
});
