import { rule } from '../types.js';

const UNTRUSTED = /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE/;

export default rule({
  id: 'tls.certificate-untrusted',
  severity: 'critical',
  title: 'TLS certificate not signed by a trusted CA',
  symptom: 'Every call fails before HTTP with a certificate verification error (self-signed or unknown CA).',
  applies: (e) => e.origin === 'none' && UNTRUSTED.test(e.exchange.error?.code ?? ''),
  howToConfirm: '`openssl s_client -connect HOST:PORT -showcerts </dev/null` shows "verify error".',
  fix: 'Give the CA bundle that signed the certificate with --os-cacert (OS_CACERT, clouds.yaml cacert).',
});
