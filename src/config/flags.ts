import type { ConfigFlags, FlagSpec } from './types.js';

const SPECS: FlagSpec[] = [
  { flags: '--os-cloud <name>', key: 'osCloud', env: 'OS_CLOUD', description: 'Cloud entry in clouds.yaml' },
  {
    flags: '--os-auth-url <url>',
    key: 'osAuthUrl',
    env: 'OS_AUTH_URL',
    description: 'Keystone URL, with or without /v3',
  },
  {
    flags: '--os-auth-type, --auth-type <type>',
    key: 'authType',
    env: 'OS_AUTH_TYPE',
    description:
      'password, v3applicationcredential, token or none (aliases: v3password, v3token, admin_token)',
  },
  { flags: '--os-username <name>', key: 'osUsername', env: 'OS_USERNAME', description: 'User name' },
  { flags: '--os-user-id <id>', key: 'osUserId', env: 'OS_USER_ID', description: 'User ID' },
  { flags: '--os-password <password>', key: 'osPassword', env: 'OS_PASSWORD', description: 'User password' },
  {
    flags: '--os-project-name <name>',
    key: 'osProjectName',
    env: 'OS_PROJECT_NAME',
    description: 'Project to scope the token to',
  },
  { flags: '--os-project-id <id>', key: 'osProjectId', env: 'OS_PROJECT_ID', description: 'Project ID' },
  {
    flags: '--os-user-domain-name <name>',
    key: 'osUserDomainName',
    env: 'OS_USER_DOMAIN_NAME',
    description: 'Domain of the user, by name',
  },
  {
    flags: '--os-user-domain-id <id>',
    key: 'osUserDomainId',
    env: 'OS_USER_DOMAIN_ID',
    description: 'Domain of the user, by ID',
  },
  {
    flags: '--os-project-domain-name <name>',
    key: 'osProjectDomainName',
    env: 'OS_PROJECT_DOMAIN_NAME',
    description: 'Domain of the project, by name',
  },
  {
    flags: '--os-project-domain-id <id>',
    key: 'osProjectDomainId',
    env: 'OS_PROJECT_DOMAIN_ID',
    description: 'Domain of the project, by ID',
  },
  {
    flags: '--os-domain-name <name>',
    key: 'osDomainName',
    env: 'OS_DOMAIN_NAME',
    description: 'Domain scope (instead of a project), by name',
  },
  {
    flags: '--os-domain-id <id>',
    key: 'osDomainId',
    env: 'OS_DOMAIN_ID',
    description: 'Domain scope (instead of a project), by ID',
  },
  {
    flags: '--os-default-domain <id>',
    key: 'osDefaultDomain',
    env: 'OS_DEFAULT_DOMAIN',
    description: 'Domain ID used for the user and project when neither names one (default: default)',
  },
  {
    flags: '--os-application-credential-id <id>',
    key: 'osApplicationCredentialId',
    env: 'OS_APPLICATION_CREDENTIAL_ID',
    description: 'Application credential ID',
  },
  {
    flags: '--os-application-credential-name <name>',
    key: 'osApplicationCredentialName',
    env: 'OS_APPLICATION_CREDENTIAL_NAME',
    description: 'Application credential name (needs a user)',
  },
  {
    flags: '--os-application-credential-secret <secret>',
    key: 'osApplicationCredentialSecret',
    env: 'OS_APPLICATION_CREDENTIAL_SECRET',
    description: 'Application credential secret',
  },
  { flags: '--os-token <token>', key: 'osToken', env: 'OS_TOKEN', description: 'Existing Keystone token' },
  {
    flags: '--os-region-name <region>',
    key: 'osRegionName',
    env: 'OS_REGION_NAME',
    description: 'Region of the image endpoint (case-sensitive)',
  },
  {
    flags: '--os-interface <interface>',
    key: 'osInterface',
    env: 'OS_INTERFACE',
    description: 'Catalog interface: public, internal or admin',
  },
  {
    flags: '--endpoint <url>',
    key: 'endpoint',
    env: 'OS_IMAGE_ENDPOINT_OVERRIDE',
    description: 'Glance URL to use instead of the catalog (with auth none: the only target)',
  },
  {
    flags: '--os-image-api-version <version>',
    key: 'osImageApiVersion',
    env: 'OS_IMAGE_API_VERSION',
    description: 'Image API major version (only 2)',
  },
  { flags: '--os-cacert <file>', key: 'osCacert', env: 'OS_CACERT', description: 'CA bundle to verify TLS' },
  { flags: '--os-cert <file>', key: 'osCert', env: 'OS_CERT', description: 'Client certificate (PEM)' },
  { flags: '--os-key <file>', key: 'osKey', env: 'OS_KEY', description: 'Client certificate key (PEM)' },
  {
    flags: '--insecure',
    key: 'insecure',
    env: 'OS_INSECURE',
    description: 'Do not verify TLS certificates (wins over --os-cacert)',
    boolean: true,
  },
  {
    flags: '--timeout <seconds>',
    key: 'timeout',
    env: 'OS_TIMEOUT',
    description: 'Total time allowed per API call, in seconds (0: no limit beyond the built-in ones)',
  },
  {
    flags: '--prefix <prefix>',
    key: 'prefix',
    env: 'GLANCE_HARNESS_PREFIX',
    description: 'Name prefix of every resource the harness creates (default: gh)',
  },
  {
    flags: '--hash-algo <algorithm>',
    key: 'hashAlgo',
    env: 'GLANCE_HARNESS_HASH_ALGO',
    description:
      "The target's [DEFAULT] hashing_algorithm, the only os_hash_algo its images may carry (default: sha512)",
  },
  {
    flags: '--reports-dir <dir>',
    key: 'reportsDir',
    env: 'GLANCE_HARNESS_REPORTS_DIR',
    description: 'Where reports are written (default: ./reports)',
  },
  {
    flags: '--db <url>',
    key: 'db',
    env: 'GLANCE_HARNESS_DB_URL',
    description: 'Glance database, read-only: mysql://user:password@host:port/glance (a SELECT-only user)',
  },
  {
    flags: '--glance-config <path>',
    key: 'glanceConfig',
    env: 'GLANCE_HARNESS_GLANCE_CONFIG',
    description: 'glance-api.conf whose [database] connection is used when --db is not given',
  },
  {
    flags: '--os-alt-cloud <name>',
    key: 'osAltCloud',
    env: 'OS_ALT_CLOUD',
    description:
      'clouds.yaml entry of a second user in another project, for sharing checks (or OS_ALT_* variables)',
  },
  {
    flags: '--os-reader-cloud <name>',
    key: 'osReaderCloud',
    env: 'OS_READER_CLOUD',
    description:
      'clouds.yaml entry of a user with only the reader role, for RBAC checks (or OS_READER_* variables)',
  },
  {
    flags: '--horizon-url <url>',
    key: 'horizonUrl',
    env: 'HORIZON_URL',
    description: 'Horizon dashboard URL for the horizon suite (skipped without it)',
  },
];

/**
 * Every configuration flag, in help order. Register them without commander's `.env()`:
 * resolveConfig reads the environment itself so it can tell a flag from a variable.
 */
export const CONFIG_FLAGS: readonly FlagSpec[] = Object.freeze(SPECS.map((spec) => Object.freeze(spec)));

/** The flag a setting is given with, as typed on the command line (`--os-auth-url`). */
export function flagName(key: keyof ConfigFlags): string {
  const spec = CONFIG_FLAGS.find((s) => s.key === key);
  if (spec === undefined) return `--${key}`;
  const longs = spec.flags.split(/[ ,|]+/).filter((part) => part.startsWith('--'));
  return longs[longs.length - 1] ?? `--${key}`;
}
