import { body, isUploadPath } from '../origin.js';
import { rule } from '../types.js';

// Glance's own 413 (request id, Glance's page), not a proxy's: "The incoming image is too large: The
// provided image is too large." (Zed). The store's 413 says "Image storage media is full" instead.
export default rule({
  id: 'image.size-cap',
  severity: 'major',
  title: 'The image is larger than Glance accepts ([DEFAULT] image_size_cap)',
  symptom:
    'Small uploads work; a larger one answers 413 from Glance (with a request id) "The incoming image is too large", and the image goes back to queued.',
  applies: (e) =>
    e.origin === 'glance' &&
    e.exchange.status === 413 &&
    isUploadPath(e.exchange.method, e.exchange.path) &&
    body(e.exchange).includes('image is too large'),
  howToConfirm:
    '`grep image_size_cap /etc/glance/glance-api.conf` (unset: 1 TiB); `glance-harness doctor --config /etc/glance/glance-api.conf --size SIZE` compares it with the size.',
  fix: 'Raise [DEFAULT] image_size_cap in glance-api.conf above the largest image you upload (bytes; at most 8 EiB), then restart glance-api.',
});
