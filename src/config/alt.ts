import { ConfigError } from '../errors.js';
import { flagName } from './flags.js';
import { describeSource } from './sources.js';
import type { ConfigInput, ResolvedConfig, Source, Sourced } from './types.js';

/** Prefix of the variables naming the second (alternate) credentials, as Tempest's alt user. */
export const ALT_ENV_PREFIX = 'OS_ALT_';

/** Variables that, when set with the alt prefix, ask for alternate credentials. */
const ALT_TRIGGERS = [
  'USERNAME',
  'USER_ID',
  'PASSWORD',
  'PROJECT_NAME',
  'PROJECT_ID',
  'APPLICATION_CREDENTIAL_ID',
  'APPLICATION_CREDENTIAL_NAME',
  'APPLICATION_CREDENTIAL_SECRET',
  'TOKEN',
];

type Resolve = (input: ConfigInput) => ResolvedConfig;

/** Primary settings the alternate user shares unless OS_ALT_* says otherwise (same Keystone, same Glance). */
function inherited(primary: ResolvedConfig): Array<[string, Sourced<string | boolean | number> | undefined]> {
  const timeout = primary.harness.timeoutMs;
  return [
    ['OS_AUTH_URL', primary.auth.authUrl],
    ['OS_USER_DOMAIN_NAME', primary.auth.userDomainName],
    ['OS_USER_DOMAIN_ID', primary.auth.userDomainId],
    ['OS_PROJECT_DOMAIN_NAME', primary.auth.projectDomainName],
    ['OS_PROJECT_DOMAIN_ID', primary.auth.projectDomainId],
    ['OS_REGION_NAME', primary.regionName],
    ['OS_INTERFACE', primary.interface],
    ['OS_IMAGE_ENDPOINT_OVERRIDE', primary.endpoint],
    ['OS_CACERT', primary.tls.cacert],
    ['OS_CERT', primary.tls.cert],
    ['OS_KEY', primary.tls.key],
    ['OS_INSECURE', primary.tls.insecure],
    ['OS_TIMEOUT', { value: timeout.value / 1000, source: timeout.source }],
  ];
}

const DOMAIN_VARS = {
  user: ['OS_USER_DOMAIN_NAME', 'OS_USER_DOMAIN_ID'],
  project: ['OS_PROJECT_DOMAIN_NAME', 'OS_PROJECT_DOMAIN_ID'],
} as const;

function isSourced(v: unknown): v is { value: unknown; source: Source } {
  return typeof v === 'object' && v !== null && 'value' in v && 'source' in v && !Array.isArray(v);
}

/** Rewrites every source of a resolved alt config so `config` says where each value really came from. */
function relabel(value: unknown, map: (s: Source) => Source): unknown {
  if (Array.isArray(value)) return value.map((v) => relabel(v, map));
  if (typeof value !== 'object' || value === null) return value;
  if (isSourced(value)) return { ...value, source: map(value.source) };
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relabel(v, map)]));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A second set of credentials resolved like the primary one: its variable prefix and cloud flag. */
export interface Persona {
  prefix: string;
  cloudFlag: 'osAltCloud' | 'osReaderCloud';
  /** Names the persona in errors: "Alternate credentials". */
  label: string;
  /** The cloud name shown when the persona comes from variables. */
  envCloud: string;
}

export const ALT_PERSONA: Persona = {
  prefix: ALT_ENV_PREFIX,
  cloudFlag: 'osAltCloud',
  label: 'Alternate credentials',
  envCloud: 'alt-envvars',
};

/** A user with only the reader role on a project (OS_READER_* or --os-reader-cloud), for RBAC checks. */
export const READER_PERSONA: Persona = {
  prefix: 'OS_READER_',
  cloudFlag: 'osReaderCloud',
  label: 'Reader credentials',
  envCloud: 'reader-envvars',
};

/**
 * The second user (another project) for sharing checks: OS_ALT_* variables (OS_ALT_USERNAME,
 * OS_ALT_PASSWORD, OS_ALT_PROJECT_NAME…, the rest taken from the primary target) or a clouds.yaml
 * entry named by --os-alt-cloud / OS_ALT_CLOUD. Undefined when neither is given.
 */
export function resolveAltConfig(
  input: ConfigInput,
  primary: ResolvedConfig,
  resolve: Resolve,
): ResolvedConfig | undefined {
  return resolvePersonaConfig(input, primary, resolve, ALT_PERSONA);
}

/** Credentials of a persona (alt, reader) from its prefixed variables or cloud entry; undefined when not given. */
export function resolvePersonaConfig(
  input: ConfigInput,
  primary: ResolvedConfig,
  resolve: Resolve,
  persona: Persona,
): ResolvedConfig | undefined {
  const ALT_ENV_PREFIX = persona.prefix;
  const cloudEnv = `${persona.prefix}CLOUD`;
  const env = (name: string): string | undefined => {
    const v = input.env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const flagCloud = input.flags[persona.cloudFlag];
  const cloud: Sourced<string> | undefined =
    flagCloud !== undefined && flagCloud !== ''
      ? { value: flagCloud, source: { kind: 'flag', name: flagName(persona.cloudFlag) } }
      : env(cloudEnv) !== undefined
        ? { value: env(cloudEnv) as string, source: { kind: 'env', name: cloudEnv } }
        : undefined;
  const altVars = Object.keys(input.env).filter(
    (k) => k.startsWith(ALT_ENV_PREFIX) && k !== cloudEnv && env(k) !== undefined,
  );
  if (cloud === undefined && !altVars.some((k) => ALT_TRIGGERS.includes(k.slice(ALT_ENV_PREFIX.length))))
    return undefined;

  const synthetic: Record<string, string> = {};
  const origin = new Map<string, Source>();
  for (const k of ['OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE']) {
    const v = env(k);
    if (v !== undefined) synthetic[k] = v;
  }
  if (cloud === undefined) {
    const altSet = (name: string): boolean => env(`${ALT_ENV_PREFIX}${name.slice(3)}`) !== undefined;
    for (const [name, item] of inherited(primary)) {
      if (item === undefined || item.source.kind === 'default' || altSet(name)) continue;
      const kind = Object.entries(DOMAIN_VARS).find(([, vars]) => (vars as readonly string[]).includes(name));
      if (kind?.[1].some(altSet)) continue;
      synthetic[name] = String(item.value);
      origin.set(name, { kind: 'derived', from: `the primary target (${describeSource(item.source)})` });
    }
  }
  for (const k of altVars) {
    const name = `OS_${k.slice(ALT_ENV_PREFIX.length)}`;
    synthetic[name] = env(k) as string;
    origin.set(name, { kind: 'env', name: k });
  }

  let resolved: ResolvedConfig;
  try {
    resolved = resolve({
      ...input,
      flags: cloud === undefined ? {} : { osCloud: cloud.value },
      env: synthetic,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const msg = err.message
      .replace(/--os-cloud\b/g, flagName(persona.cloudFlag))
      .replace(/--os-[a-z-]+, (?=OS_)/g, '')
      .replace(new RegExp(`\\bOS_(?!${ALT_ENV_PREFIX.slice(3)}|CLIENT_)`, 'g'), ALT_ENV_PREFIX);
    throw new ConfigError(`${persona.label} (${ALT_ENV_PREFIX}* or ${flagName(persona.cloudFlag)}): ${msg}`);
  }
  const relabelled = relabel(resolved, (s) => {
    if (s.kind === 'env') return origin.get(s.name) ?? s;
    if (s.kind === 'flag' && s.name === flagName('osCloud') && cloud) return cloud.source;
    return s;
  }) as ResolvedConfig;
  return deepFreeze({
    ...relabelled,
    cloud: cloud ?? { value: persona.envCloud, source: { kind: 'default' } },
  });
}
