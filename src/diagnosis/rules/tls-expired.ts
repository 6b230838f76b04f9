import { rule } from '../types.js';

export default rule({
  id: 'tls.certificate-expired',
  severity: 'critical',
  title: 'TLS certificate expired or not yet valid',
  symptom: 'Every call fails before HTTP with CERT_HAS_EXPIRED or CERT_NOT_YET_VALID.',
  applies: (e) =>
    e.origin === 'none' && /CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/.test(e.exchange.error?.code ?? ''),
  howToConfirm:
    '`openssl s_client -connect HOST:PORT </dev/null | openssl x509 -noout -dates`; check the clock too.',
  fix: 'Renew the certificate on the endpoint (and check the clocks of client and server).',
});
