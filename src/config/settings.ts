import type { ConfigFlags } from './types.js';

/**
 * Where one setting can be given. Lookups go flag, then `env` in order, then `file` keys in order
 * (top-level keys before `auth.*`, as openstacksdk prefers them).
 */
export interface Setting {
  /** Name shown by `glance-harness config`, in clouds.yaml spelling. */
  readonly key: string;
  readonly flag?: keyof ConfigFlags;
  readonly env: readonly string[];
  readonly file: readonly string[];
  readonly secret?: boolean;
  /** Environment variables that overlay a clouds.yaml entry are reported; selectors are not. */
  readonly selector?: boolean;
  /** Whether an env value filling a key the cloud entry lacks is worth a warning (stale openrc). */
  readonly warnWhenAdded?: boolean;
}

function auth(name: string, flag: keyof ConfigFlags, env: string, extra: Partial<Setting> = {}): Setting {
  return {
    key: `auth.${name}`,
    flag,
    env: [env],
    file: [name, `auth.${name}`],
    warnWhenAdded: extra.secret !== true,
    ...extra,
  };
}

/** Every setting resolveConfig looks up, with its flag, variables and file keys. */
export const S = {
  authUrl: auth('auth_url', 'osAuthUrl', 'OS_AUTH_URL'),
  username: auth('username', 'osUsername', 'OS_USERNAME'),
  userId: auth('user_id', 'osUserId', 'OS_USER_ID'),
  password: auth('password', 'osPassword', 'OS_PASSWORD', { secret: true }),
  projectName: auth('project_name', 'osProjectName', 'OS_PROJECT_NAME', {
    env: ['OS_PROJECT_NAME', 'OS_TENANT_NAME'],
    file: ['project_name', 'auth.project_name', 'tenant_name', 'auth.tenant_name'],
  }),
  projectId: auth('project_id', 'osProjectId', 'OS_PROJECT_ID', {
    env: ['OS_PROJECT_ID', 'OS_TENANT_ID'],
    file: ['project_id', 'auth.project_id', 'tenant_id', 'auth.tenant_id'],
  }),
  userDomainName: auth('user_domain_name', 'osUserDomainName', 'OS_USER_DOMAIN_NAME'),
  userDomainId: auth('user_domain_id', 'osUserDomainId', 'OS_USER_DOMAIN_ID'),
  projectDomainName: auth('project_domain_name', 'osProjectDomainName', 'OS_PROJECT_DOMAIN_NAME'),
  projectDomainId: auth('project_domain_id', 'osProjectDomainId', 'OS_PROJECT_DOMAIN_ID'),
  domainName: auth('domain_name', 'osDomainName', 'OS_DOMAIN_NAME'),
  domainId: auth('domain_id', 'osDomainId', 'OS_DOMAIN_ID'),
  applicationCredentialId: auth(
    'application_credential_id',
    'osApplicationCredentialId',
    'OS_APPLICATION_CREDENTIAL_ID',
  ),
  applicationCredentialSecret: auth(
    'application_credential_secret',
    'osApplicationCredentialSecret',
    'OS_APPLICATION_CREDENTIAL_SECRET',
    { secret: true },
  ),
  applicationCredentialName: auth(
    'application_credential_name',
    'osApplicationCredentialName',
    'OS_APPLICATION_CREDENTIAL_NAME',
  ),
  token: auth('token', 'osToken', 'OS_TOKEN', { secret: true }),
  authEndpoint: {
    key: 'auth.endpoint',
    env: ['OS_ENDPOINT', 'OS_URL'],
    file: ['auth.endpoint'],
    warnWhenAdded: true,
  },
  authType: {
    key: 'auth_type',
    flag: 'authType',
    env: ['OS_AUTH_TYPE'],
    file: ['auth_type'],
    warnWhenAdded: true,
  },
  defaultDomain: {
    key: 'default_domain',
    flag: 'osDefaultDomain',
    env: ['OS_DEFAULT_DOMAIN'],
    file: ['default_domain'],
  },
  endpointOverride: {
    key: 'endpoint',
    flag: 'endpoint',
    env: ['OS_IMAGE_ENDPOINT_OVERRIDE', 'OS_ENDPOINT_OVERRIDE'],
    file: ['image_endpoint_override', 'endpoint_override'],
    warnWhenAdded: true,
  },
  region: {
    key: 'region_name',
    flag: 'osRegionName',
    env: ['OS_REGION_NAME'],
    file: ['region_name'],
    selector: true,
  },
  interface: {
    key: 'interface',
    flag: 'osInterface',
    env: ['OS_INTERFACE', 'OS_ENDPOINT_TYPE'],
    file: ['image_interface', 'interface', 'image_endpoint_type', 'endpoint_type'],
  },
  cacert: { key: 'cacert', flag: 'osCacert', env: ['OS_CACERT'], file: ['cacert'] },
  cert: { key: 'cert', flag: 'osCert', env: ['OS_CERT'], file: ['cert'] },
  tlsKey: { key: 'key', flag: 'osKey', env: ['OS_KEY'], file: ['key'] },
  insecure: { key: 'insecure', flag: 'insecure', env: ['OS_INSECURE'], file: ['insecure'] },
  verify: { key: 'verify', env: [], file: ['verify'] },
  imageApiVersion: {
    key: 'image_api_version',
    flag: 'osImageApiVersion',
    env: ['OS_IMAGE_API_VERSION'],
    file: ['image_api_version'],
  },
  identityApiVersion: {
    key: 'identity_api_version',
    env: ['OS_IDENTITY_API_VERSION'],
    file: ['identity_api_version'],
  },
  timeout: { key: 'api_timeout', flag: 'timeout', env: ['OS_TIMEOUT'], file: ['api_timeout'] },
  prefix: { key: 'prefix', flag: 'prefix', env: ['GLANCE_HARNESS_PREFIX'], file: [] },
  hashAlgo: { key: 'hash_algo', flag: 'hashAlgo', env: ['GLANCE_HARNESS_HASH_ALGO'], file: [] },
  reportsDir: { key: 'reports_dir', flag: 'reportsDir', env: ['GLANCE_HARNESS_REPORTS_DIR'], file: [] },
  dbUrl: { key: 'db_url', flag: 'db', env: ['GLANCE_HARNESS_DB_URL'], file: [], secret: true },
  glanceConfig: {
    key: 'glance_config',
    flag: 'glanceConfig',
    env: ['GLANCE_HARNESS_GLANCE_CONFIG'],
    file: [],
  },
  horizonUrl: { key: 'horizon_url', flag: 'horizonUrl', env: ['HORIZON_URL'], file: [] },
  chromium: { key: 'chromium', env: ['GLANCE_HARNESS_CHROMIUM'], file: [] },
} as const satisfies Record<string, Setting>;

/**
 * Variables that name a target or carry a credential. Any of them set (without OS_CLOUD) makes the
 * environment a cloud of its own (`envvars`); peripheral ones alone (OS_INTERFACE,
 * OS_IDENTITY_API_VERSION, domains…) only adjust whichever cloud is selected.
 */
export const TARGET_ENV: readonly string[] = [
  ...S.authUrl.env,
  ...S.username.env,
  ...S.userId.env,
  ...S.password.env,
  ...S.projectName.env,
  ...S.projectId.env,
  ...S.applicationCredentialId.env,
  ...S.applicationCredentialSecret.env,
  ...S.applicationCredentialName.env,
  ...S.token.env,
  ...S.authEndpoint.env,
  ...S.endpointOverride.env,
];

/** Prefixes openstacksdk ignores: test-runner noise, not configuration. */
export const IGNORED_ENV_PREFIXES: readonly string[] = ['OS_TEST', 'OS_STD', 'OS_LOG'];
