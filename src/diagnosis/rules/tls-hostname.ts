import { rule } from '../types.js';

export default rule({
  id: 'tls.hostname-mismatch',
  severity: 'critical',
  title: 'TLS certificate does not name the host in the URL',
  symptom: 'Every call fails before HTTP with ERR_TLS_CERT_ALTNAME_INVALID.',
  applies: (e) => e.origin === 'none' && /ALTNAME|HOSTNAME/.test(e.exchange.error?.code ?? ''),
  howToConfirm: '`openssl s_client -connect HOST:PORT </dev/null | openssl x509 -noout -ext subjectAltName`.',
  fix: 'Use the host name the certificate lists in the Keystone catalog and OS_AUTH_URL, or reissue the certificate with that name in subjectAltName.',
});
