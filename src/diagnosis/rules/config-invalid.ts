import { rule } from '../types.js';

/** Lint findings that stop Glance from serving, whatever the exchange said. */
export const BLOCKING_FINDINGS = new Set([
  'config.database-missing',
  'config.authtoken-incomplete',
  'config.store-backend-unknown',
  'config.store-dir-unset',
]);

export default rule({
  id: 'config.invalid',
  severity: 'major',
  title: 'glance-api.conf is missing a setting Glance needs',
  symptom:
    'glance-api starts but a whole area fails: no [database] connection, incomplete [keystone_authtoken], no store directory.',
  applies: (e) => (e.facts.configFindings ?? []).some((f) => BLOCKING_FINDINGS.has(f)),
  howToConfirm: '`glance-harness doctor --config /etc/glance/glance-api.conf` names the option and its line.',
  fix: 'Set the option the lint names in glance-api.conf, then restart glance-api.',
});
