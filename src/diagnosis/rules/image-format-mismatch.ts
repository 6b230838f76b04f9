import { body, isUploadPath } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'image.format-mismatch',
  severity: 'minor',
  title: "The upload's content type or data does not match what Glance accepts",
  symptom:
    'The upload answers 415 (content type other than application/octet-stream) or 400 naming the disk format.',
  applies: (e) => {
    const x = e.exchange;
    if (e.origin !== 'glance' || !isUploadPath(x.method, x.path)) return false;
    return x.status === 415 || (x.status === 400 && /format/.test(body(x)));
  },
  howToConfirm: "Compare the request's Content-Type and the image's disk_format with `qemu-img info FILE`.",
  fix: 'Upload with Content-Type: application/octet-stream and create the image with the disk_format `qemu-img info` reports.',
});
