import { rule } from '../types.js';

export default rule({
  id: 'proxy.body-limit',
  severity: 'major',
  title: 'The proxy refuses image bodies above its size limit (nginx client_max_body_size)',
  symptom:
    "Uploads above a size (1 MiB with nginx defaults) answer 413 with the proxy's page and no request id; smaller ones pass.",
  applies: (e) => e.origin === 'proxy' && e.exchange.status === 413,
  howToConfirm:
    'The same upload straight to glance-api works; nginx error.log: "client intended to send too large body".',
  fix: "Set `client_max_body_size 0;` (and `proxy_request_buffering off;`) in the proxy's Glance site, then reload it.",
});
