import { maskDbUrl } from '../db/url.js';
import { maskUrl, maskValue } from '../util/mask.js';
import { describeSource } from './sources.js';
import type { ResolvedAuth, ResolvedConfig, Sourced } from './types.js';

export interface RenderedSetting {
  readonly key: string;
  readonly value: string | number | boolean;
  readonly source: string;
}

/** The JSON form of `glance-harness config`; field names are stable. */
export interface RenderedConfig {
  readonly configured: boolean;
  readonly cloud: string | null;
  readonly cloudsFile: string | null;
  readonly secureFile: string | null;
  readonly settings: readonly RenderedSetting[];
  readonly warnings: readonly string[];
}

const AUTH_KEYS: ReadonlyArray<readonly [keyof ResolvedAuth, string]> = [
  ['authUrl', 'auth.auth_url'],
  ['username', 'auth.username'],
  ['userId', 'auth.user_id'],
  ['password', 'auth.password'],
  ['userDomainName', 'auth.user_domain_name'],
  ['userDomainId', 'auth.user_domain_id'],
  ['projectName', 'auth.project_name'],
  ['projectId', 'auth.project_id'],
  ['projectDomainName', 'auth.project_domain_name'],
  ['projectDomainId', 'auth.project_domain_id'],
  ['domainName', 'auth.domain_name'],
  ['domainId', 'auth.domain_id'],
  ['applicationCredentialId', 'auth.application_credential_id'],
  ['applicationCredentialName', 'auth.application_credential_name'],
  ['applicationCredentialSecret', 'auth.application_credential_secret'],
  ['token', 'auth.token'],
];

const SECRET_AUTH_KEYS: ReadonlySet<keyof ResolvedAuth> = new Set([
  'password',
  'applicationCredentialSecret',
  'token',
]);

/** Every effective setting with its value (secrets masked) and where it came from, in a fixed order. */
export function configSettings(cfg: ResolvedConfig): RenderedSetting[] {
  const rows: RenderedSetting[] = [];
  const add = <T extends string | number | boolean>(
    key: string,
    item: Sourced<T> | undefined,
    show: (value: T) => string | number | boolean = (value) => value,
  ) => {
    if (item !== undefined) rows.push({ key, value: show(item.value), source: describeSource(item.source) });
  };
  const url = (value: string) => maskUrl(value);

  add('cloud', cfg.cloud);
  add('auth_type', cfg.authType);
  for (const [field, key] of AUTH_KEYS) {
    add(
      key,
      cfg.auth[field],
      SECRET_AUTH_KEYS.has(field) ? maskValue : field === 'authUrl' ? url : undefined,
    );
  }
  add('endpoint', cfg.endpoint, url);
  add('region_name', cfg.regionName);
  add('interface', cfg.interface);
  add('cacert', cfg.tls.cacert);
  add('cert', cfg.tls.cert);
  add('key', cfg.tls.key);
  add('insecure', cfg.tls.insecure);
  add('image_api_version', cfg.imageApiVersion);
  add('harness.prefix', cfg.harness.prefix);
  add('harness.reports_dir', cfg.harness.reportsDir);
  add('harness.timeout_ms', cfg.harness.timeoutMs);
  add('db.url', cfg.db.url, maskDbUrl);
  add('db.glance_config', cfg.db.glanceConfig);
  add('harness.hash_algo', cfg.harness.hashAlgo);
  if (cfg.alt !== undefined) {
    for (const row of configSettings(cfg.alt)) {
      if (!row.key.startsWith('harness.')) rows.push({ ...row, key: `alt.${row.key}` });
    }
  }
  if (cfg.reader !== undefined) {
    for (const row of configSettings(cfg.reader)) {
      if (!row.key.startsWith('harness.')) rows.push({ ...row, key: `reader.${row.key}` });
    }
  }
  add('harness.horizon_url', cfg.harness.horizonUrl, url);
  add('harness.chromium', cfg.harness.chromium);
  return rows;
}

/** The `glance-harness config` output: a table for people, or a stable JSON object. */
export function renderConfig(cfg: ResolvedConfig, opts: { json: boolean }): string {
  const settings = configSettings(cfg);
  if (opts.json) {
    const out: RenderedConfig = {
      configured: cfg.configured,
      cloud: cfg.cloud?.value ?? null,
      cloudsFile: cfg.cloudsFile ?? null,
      secureFile: cfg.secureFile ?? null,
      settings,
      warnings: cfg.warnings,
    };
    return `${JSON.stringify(out, null, 2)}\n`;
  }

  const lines: string[] = [];
  if (!cfg.configured) {
    lines.push('Not configured: no cloud, auth URL, endpoint or credential was given.', '');
  }
  lines.push(`clouds.yaml: ${cfg.cloudsFile ?? '(none found)'}`);
  lines.push(`secure.yaml: ${cfg.secureFile ?? '(none found)'}`, '');
  const header = { key: 'SETTING', value: 'VALUE', source: 'SOURCE' };
  const table = [header, ...settings.map((s) => ({ ...s, value: String(s.value) }))];
  const keyWidth = Math.max(...table.map((row) => row.key.length));
  const valueWidth = Math.max(...table.map((row) => String(row.value).length));
  for (const row of table) {
    lines.push(
      `${row.key.padEnd(keyWidth)}  ${String(row.value).padEnd(valueWidth)}  ${row.source}`.trimEnd(),
    );
  }
  if (cfg.warnings.length > 0) {
    lines.push('', 'Warnings:');
    for (const warning of cfg.warnings) lines.push(`  - ${warning}`);
  }
  return `${lines.join('\n')}\n`;
}
