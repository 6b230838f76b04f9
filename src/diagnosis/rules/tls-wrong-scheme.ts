import { body } from '../origin.js';
import { rule } from '../types.js';

export default rule({
  id: 'tls.wrong-scheme',
  severity: 'critical',
  title: 'http and https mixed up between the URL and the endpoint',
  symptom:
    'https:// to a plain-HTTP port fails with a TLS protocol error; http:// to a TLS port answers 400 "plain HTTP request was sent to HTTPS port".',
  applies: (e) =>
    (e.origin === 'none' &&
      /EPROTO|WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG/.test(e.exchange.error?.code ?? '')) ||
    (e.exchange.status === 400 && body(e.exchange).includes('plain http request was sent to https port')),
  howToConfirm: '`curl -v URL` with the other scheme answers.',
  fix: 'Fix the scheme of the endpoint in the catalog (`openstack endpoint list`) or of OS_AUTH_URL/--endpoint.',
});
