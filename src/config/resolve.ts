import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { maskUrl } from '../util/mask.js';
import { READER_PERSONA, resolveAltConfig, resolvePersonaConfig } from './alt.js';
import type { FileLeaf, FlatCloud, LoadedFile } from './clouds-file.js';
import {
  candidatePaths,
  firstExisting,
  isFile,
  loadCloudsFile,
  mergeClouds,
  overlay,
  searchDirs,
} from './clouds-file.js';
import { flagName } from './flags.js';
import type { Setting } from './settings.js';
import { IGNORED_ENV_PREFIXES, S, TARGET_ENV } from './settings.js';
import { sourceLabel, sourceName } from './sources.js';
import type {
  AuthType,
  ConfigFlags,
  ConfigInput,
  Interface,
  ResolvedAuth,
  ResolvedConfig,
  Source,
  Sourced,
} from './types.js';

const DEFAULT: Source = { kind: 'default' };
const PREFIX_RULE = /^[a-z][a-z0-9-]{0,15}$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

const AUTH_TYPES: ReadonlyMap<string, AuthType> = new Map([
  ['password', 'password'],
  ['v3password', 'password'],
  ['token', 'token'],
  ['v3token', 'token'],
  ['admin_token', 'token'],
  ['token_endpoint', 'token'],
  ['v3applicationcredential', 'v3applicationcredential'],
  ['applicationcredential', 'v3applicationcredential'],
  ['none', 'none'],
]);
const TOKEN_ENDPOINT_TYPES = new Set(['admin_token', 'token_endpoint']);

/** A raw value found for a setting, before it is typed. */
interface Hit {
  readonly value: unknown;
  readonly text?: string;
  readonly source: Source;
  readonly setting: Setting;
}

/** The selected file cloud: its merged settings and where they came from. */
interface FileCloud {
  readonly name: string;
  readonly leaves: Map<string, FileLeaf>;
  readonly files: string;
}

/** Flag > environment > clouds.yaml (secure.yaml merged in) lookups, remembering what was found. */
class Layers {
  private readonly memo = new Map<Setting, Hit | undefined>();

  constructor(
    private readonly flags: ConfigFlags,
    private readonly env: (name: string) => string | undefined,
    private readonly cloud: FileCloud | undefined,
    private readonly warnings: string[],
  ) {}

  find(setting: Setting): Hit | undefined {
    if (!this.memo.has(setting)) this.memo.set(setting, this.lookup(setting));
    return this.memo.get(setting);
  }

  fromFile(setting: Setting): Hit | undefined {
    for (const key of setting.file) {
      const leaf = this.cloud?.leaves.get(key);
      if (leaf !== undefined) {
        return {
          value: leaf.value,
          ...(leaf.text === undefined ? {} : { text: leaf.text }),
          source: leaf.source,
          setting,
        };
      }
    }
    return undefined;
  }

  private lookup(setting: Setting): Hit | undefined {
    if (setting.flag !== undefined) {
      const value = this.flags[setting.flag];
      if (value !== undefined && value !== '') {
        return { value, source: { kind: 'flag', name: flagName(setting.flag) }, setting };
      }
    }
    for (const name of setting.env) {
      const value = this.env(name);
      if (value !== undefined) {
        const hit: Hit = { value, source: { kind: 'env', name }, setting };
        this.noteEnvOverlay(hit);
        return hit;
      }
    }
    return this.fromFile(setting);
  }

  /** OSC lets OS_* variables override a named cloud; say so, because a stale openrc is a classic trap. */
  private noteEnvOverlay(hit: Hit): void {
    const cloud = this.cloud;
    if (cloud === undefined || hit.setting.selector === true || hit.source.kind !== 'env') return;
    const variable = hit.source.name;
    const fileHit = this.fromFile(hit.setting);
    if (fileHit !== undefined) {
      if (textOf(fileHit) === hit.value) return;
      this.warnings.push(
        `${variable} overrides ${sourceLabel(fileHit.source)} for cloud "${cloud.name}" (the environment wins, ` +
          `as with the openstack CLI); unset ${variable} if the file's value is the one you want`,
      );
    } else if (hit.setting.warnWhenAdded === true) {
      this.warnings.push(
        `${variable} from the environment is added to cloud "${cloud.name}" (${cloud.files}); ` +
          `unset it if it is left over from an openrc`,
      );
    }
  }
}

function textOf(hit: Hit): string | undefined {
  if (typeof hit.value === 'string') return hit.value;
  if (typeof hit.value === 'number' || typeof hit.value === 'boolean') return hit.text ?? String(hit.value);
  return undefined;
}

function str(hit: Hit | undefined): Sourced<string> | undefined {
  if (hit === undefined) return undefined;
  const value = textOf(hit);
  if (value === undefined) {
    const got = Array.isArray(hit.value) ? 'a list' : 'a mapping';
    throw new ConfigError(`${sourceLabel(hit.source)} must be a single value (got ${got})`);
  }
  return { value, source: hit.source };
}

function bool(hit: Hit | undefined): Sourced<boolean> | undefined {
  if (hit === undefined) return undefined;
  if (typeof hit.value === 'boolean') return { value: hit.value, source: hit.source };
  const word = textOf(hit)?.trim().toLowerCase() ?? '';
  if (TRUE_WORDS.has(word)) return { value: true, source: hit.source };
  if (FALSE_WORDS.has(word)) return { value: false, source: hit.source };
  throw new ConfigError(
    `${sourceLabel(hit.source)} must be true/false, yes/no or 1/0 (got ${JSON.stringify(textOf(hit) ?? '')})`,
  );
}

function httpUrl(value: Sourced<string> | undefined): Sourced<string> | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value.value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:\/\/[^/]/i.test(value.value) || url.host === '') {
    throw new ConfigError(
      `${sourceLabel(value.source)} must be an absolute http(s) URL (got ${JSON.stringify(maskUrl(value.value))})`,
    );
  }
  return value;
}

function missing(
  what: string,
  setting: Setting,
  alternative?: { what: string; setting: Setting },
): ConfigError {
  const ways = (s: Setting) =>
    `${s.flag === undefined ? '' : `${flagName(s.flag)}, `}${s.env[0]} or ${s.key}`;
  const or = alternative === undefined ? '' : ` (or ${alternative.what} with ${ways(alternative.setting)})`;
  return new ConfigError(`Missing parameter(s): Set ${what} with ${ways(setting)}${or}`);
}

function envReader(env: ConfigInput['env']): (name: string) => string | undefined {
  return (name) => {
    if (IGNORED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix))) return undefined;
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
}

interface Files {
  clouds?: LoadedFile;
  secure?: LoadedFile;
  searched: string[];
}

function loadFiles(input: ConfigInput, env: (name: string) => string | undefined, warnings: string[]): Files {
  const dirs = searchDirs(input.env, input.cwd, input.homeDir, input.systemDir ?? '/etc/openstack');
  const pick = (variable: string, base: string) => {
    const given = env(variable);
    const explicit = given === undefined ? undefined : resolve(input.cwd, given);
    if (explicit !== undefined && !isFile(explicit)) {
      warnings.push(`${variable} is ${explicit}, which is not a file; searching the usual places instead`);
    }
    const paths = candidatePaths(explicit, dirs, base);
    return { path: firstExisting(paths), explicit };
  };
  const clouds = pick('OS_CLIENT_CONFIG_FILE', 'clouds');
  const secure = pick('OS_CLIENT_SECURE_FILE', 'secure');
  const searched = [
    ...(clouds.explicit === undefined ? [] : [clouds.explicit]),
    `clouds.yaml, clouds.yml or clouds.json in ${dirs.join(', ')}`,
  ];
  return {
    ...(clouds.path === undefined ? {} : { clouds: loadCloudsFile(clouds.path, 'clouds.yaml') }),
    ...(secure.path === undefined ? {} : { secure: loadCloudsFile(secure.path, 'secure.yaml') }),
    searched,
  };
}

interface Selection {
  cloud?: Sourced<string>;
  fileCloud?: FileCloud;
  regions?: FlatCloud['regions'];
}

function selectCloud(
  layers: { flags: ConfigFlags; env: (name: string) => string | undefined },
  files: Files,
  warnings: string[],
): Selection {
  const names = [
    ...new Set([...(files.clouds?.clouds.keys() ?? []), ...(files.secure?.clouds.keys() ?? [])]),
  ];
  const fileList = [files.clouds?.path, files.secure?.path].filter((p) => p !== undefined).join(' and ');
  const entry = (name: string, source: Source): Selection => {
    const merged = mergeClouds(files.clouds?.clouds.get(name), files.secure?.clouds.get(name));
    return {
      cloud: { value: name, source },
      fileCloud: { name, leaves: merged.leaves, files: fileList },
      ...(merged.regions === undefined ? {} : { regions: merged.regions }),
    };
  };

  const flagCloud = layers.flags.osCloud;
  const envCloud = layers.env('OS_CLOUD');
  const requested: Sourced<string> | undefined =
    flagCloud !== undefined && flagCloud !== ''
      ? { value: flagCloud, source: { kind: 'flag', name: flagName('osCloud') } }
      : envCloud !== undefined
        ? { value: envCloud, source: { kind: 'env', name: 'OS_CLOUD' } }
        : undefined;

  if (requested !== undefined) {
    const by = sourceLabel(requested.source);
    if (names.length === 0 && fileList === '') {
      throw new ConfigError(
        `Cloud "${requested.value}" was requested by ${by}, but no clouds.yaml was found ` +
          `(searched ${files.searched.join(', then ')})`,
      );
    }
    if (!names.includes(requested.value)) {
      const known = names.length === 0 ? 'none' : names.map((n) => `"${n}"`).join(', ');
      throw new ConfigError(
        `Cloud "${requested.value}" (from ${by}) is not defined in ${fileList}; clouds defined there: ${known}`,
      );
    }
    return entry(requested.value, requested.source);
  }

  if (TARGET_ENV.some((name) => layers.env(name) !== undefined)) {
    const renamed = layers.env('OS_CLOUD_NAME');
    const name = renamed ?? 'envvars';
    if (names.includes(name)) {
      throw new ConfigError(
        `${fileList} defines a cloud named "${name}", which clashes with the cloud built from OS_* variables; ` +
          `rename that entry, set OS_CLOUD_NAME to another name, or select a cloud with OS_CLOUD`,
      );
    }
    return {
      cloud: {
        value: name,
        source: renamed === undefined ? DEFAULT : { kind: 'env', name: 'OS_CLOUD_NAME' },
      },
    };
  }

  const only = names.length === 1 ? names[0] : undefined;
  if (only !== undefined) return entry(only, { kind: 'derived', from: `the only cloud in ${fileList}` });
  if (names.length > 1) {
    warnings.push(
      `${names.length} clouds are defined (${names.join(', ')}) in ${fileList}, but none is selected: ` +
        `set --os-cloud or OS_CLOUD`,
    );
  }
  return {};
}

/** Pick the region (validated against a `regions:` list) and lay its `values` over the cloud entry. */
function selectRegion(layers: Layers, selection: Selection): Sourced<string> | undefined {
  const asked = str(layers.find(S.region));
  const list = selection.regions;
  if (list === undefined || list.regions.length === 0) return asked;
  const name = asked?.value ?? list.regions[0]?.name;
  const index = list.regions.findIndex((r) => r.name === name);
  const region = list.regions[index];
  if (region === undefined) {
    const valid = list.regions.map((r) => r.name).join(', ');
    throw new ConfigError(
      `Region "${name}" (from ${asked === undefined ? 'the default' : sourceLabel(asked.source)}) is not a region ` +
        `of cloud "${selection.cloud?.value}"; valid regions: ${valid} (names are case-sensitive)`,
    );
  }
  if (selection.fileCloud !== undefined) overlay(selection.fileCloud.leaves, region.leaves);
  return asked ?? { value: region.name, source: { ...list.source, key: `regions[${index}]` } };
}

function authTypeOf(
  hit: Hit | undefined,
  infer: () => Sourced<AuthType>,
): { type: Sourced<AuthType>; spelled?: string } {
  const given = str(hit);
  if (given === undefined) return { type: infer() };
  const spelled = given.value.trim().toLowerCase();
  const type = AUTH_TYPES.get(spelled);
  if (type === undefined) {
    throw new ConfigError(
      `${sourceLabel(given.source)} "${given.value}" is not supported; use one of ${[...AUTH_TYPES.keys()].join(', ')}`,
    );
  }
  return { type: { value: type, source: given.source }, spelled };
}

function interfaceOf(hit: Hit | undefined): Sourced<Interface> {
  const given = str(hit);
  if (given === undefined) return { value: 'public', source: DEFAULT };
  const word = given.value.trim().toLowerCase().replace(/url$/, '');
  if (word === 'public' || word === 'internal' || word === 'admin')
    return { value: word, source: given.source };
  throw new ConfigError(
    `${sourceLabel(given.source)} must be public, internal or admin (got ${JSON.stringify(given.value)})`,
  );
}

function versionOf(hit: Hit | undefined, major: string, why: string): Sourced<string> | undefined {
  const given = str(hit);
  if (given === undefined) return undefined;
  if (new RegExp(`^v?${major}(\\.\\d+)?$`).test(given.value.trim())) return given;
  throw new ConfigError(
    `${sourceLabel(given.source)} must be ${major} (got ${JSON.stringify(given.value)}): ${why}`,
  );
}

function timeoutOf(hit: Hit | undefined): Sourced<number> {
  const given = str(hit);
  if (given === undefined) return { value: 0, source: DEFAULT };
  const seconds = given.value.trim() === '' ? Number.NaN : Number(given.value);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ConfigError(
      `${sourceLabel(given.source)} must be a number of seconds, 0 or more (got ${JSON.stringify(given.value)})`,
    );
  }
  return { value: Math.round(seconds * 1000), source: given.source };
}

function fileOf(value: Sourced<string> | undefined, cwd: string): Sourced<string> | undefined {
  if (value === undefined) return undefined;
  const path = resolve(cwd, value.value);
  if (!isFile(path)) {
    throw new ConfigError(`${sourceLabel(value.source)} names ${path}, which is not a readable file`);
  }
  return { value: path, source: value.source };
}

type AuthValues = { -readonly [K in keyof ResolvedAuth]: ResolvedAuth[K] };

function readAuth(layers: Layers): AuthValues {
  const auth: AuthValues = {};
  const fields = [
    'username',
    'userId',
    'password',
    'projectName',
    'projectId',
    'userDomainName',
    'userDomainId',
    'projectDomainName',
    'projectDomainId',
    'domainName',
    'domainId',
    'applicationCredentialId',
    'applicationCredentialSecret',
    'applicationCredentialName',
    'token',
  ] as const;
  const authUrl = httpUrl(str(layers.find(S.authUrl)));
  if (authUrl !== undefined) auth.authUrl = authUrl;
  for (const field of fields) {
    const value = str(layers.find(S[field]));
    if (value !== undefined) auth[field] = value;
  }
  return auth;
}

function inferAuthType(auth: AuthValues, endpoint: Sourced<string> | undefined): Sourced<AuthType> {
  const because = (type: AuthType, value: Sourced<string>): Sourced<AuthType> => ({
    value: type,
    source: { kind: 'derived', from: sourceName(value.source) },
  });
  const appCred = auth.applicationCredentialId ?? auth.applicationCredentialName;
  if (appCred !== undefined) return because('v3applicationcredential', appCred);
  const user = auth.username ?? auth.userId;
  if (user !== undefined) return because('password', user);
  if (auth.token !== undefined) return because('token', auth.token);
  const somethingElse = auth.authUrl ?? auth.password ?? auth.projectName ?? auth.projectId;
  if (endpoint !== undefined && somethingElse === undefined) return because('none', endpoint);
  return { value: 'password', source: DEFAULT };
}

/** OSC's usability rule: with password auth, the default domain stands in for an unnamed user/project domain. */
function fillDefaultDomain(auth: AuthValues, layers: Layers): void {
  const given = str(layers.find(S.defaultDomain));
  const domain = given ?? { value: 'default', source: DEFAULT };
  const from = given === undefined ? 'the default domain ID "default"' : sourceName(given.source);
  const derived = { value: domain.value, source: { kind: 'derived', from } } as const;
  if (auth.userDomainId === undefined && auth.userDomainName === undefined) auth.userDomainId = derived;
  if (auth.projectDomainId === undefined && auth.projectDomainName === undefined)
    auth.projectDomainId = derived;
}

function requireProjectScope(auth: AuthValues): void {
  const project = auth.projectId ?? auth.projectName;
  const domain = auth.domainId ?? auth.domainName;
  if (project !== undefined && domain !== undefined) {
    throw new ConfigError(
      `Set either a project or a domain scope, but not both (got ${sourceLabel(project.source)} and ` +
        `${sourceLabel(domain.source)})`,
    );
  }
  if (project === undefined) {
    const err = missing('a project', S.projectName, { what: 'a project ID', setting: S.projectId });
    const hint =
      domain === undefined ? '' : `; a domain scope (${sourceLabel(domain.source)}) is not enough for Glance`;
    throw new ConfigError(`${err.message}${hint}`);
  }
  if (
    auth.projectId === undefined &&
    auth.projectDomainId === undefined &&
    auth.projectDomainName === undefined
  ) {
    throw missing('a project domain', S.projectDomainName, {
      what: 'a project domain ID',
      setting: S.projectDomainId,
    });
  }
}

function validateAuth(
  type: AuthType,
  spelled: string | undefined,
  auth: AuthValues,
  endpoint: Sourced<string> | undefined,
): void {
  switch (type) {
    case 'none':
      if (endpoint === undefined) {
        throw new ConfigError('--auth-type none needs an image endpoint: set --endpoint or OS_ENDPOINT');
      }
      return;
    case 'token':
      if (auth.token === undefined) throw missing('a token', S.token);
      if (spelled !== undefined && TOKEN_ENDPOINT_TYPES.has(spelled)) {
        if (endpoint === undefined) {
          throw new ConfigError(
            `--auth-type ${spelled} needs an image endpoint: set --endpoint or OS_ENDPOINT`,
          );
        }
        return;
      }
      if (endpoint !== undefined && auth.authUrl === undefined) return;
      if (auth.authUrl === undefined) throw missing('an authentication URL,', S.authUrl);
      requireProjectScope(auth);
      return;
    case 'v3applicationcredential':
      if (auth.authUrl === undefined) throw missing('an authentication URL,', S.authUrl);
      if (auth.applicationCredentialId === undefined) {
        if (auth.applicationCredentialName === undefined) {
          throw missing('an application credential ID', S.applicationCredentialId, {
            what: 'a name and a user',
            setting: S.applicationCredentialName,
          });
        }
        if (auth.userId === undefined && auth.username === undefined) {
          throw missing('a user for the application credential name', S.username, {
            what: 'a user ID',
            setting: S.userId,
          });
        }
        if (
          auth.userId === undefined &&
          auth.userDomainId === undefined &&
          auth.userDomainName === undefined
        ) {
          throw missing('a user domain', S.userDomainName, {
            what: 'a user domain ID',
            setting: S.userDomainId,
          });
        }
      }
      if (auth.applicationCredentialSecret === undefined) {
        throw missing('an application credential secret', S.applicationCredentialSecret);
      }
      return;
    case 'password':
      if (auth.authUrl === undefined) throw missing('an authentication URL,', S.authUrl);
      if (auth.username === undefined && auth.userId === undefined) {
        throw missing('a username', S.username, { what: 'a user ID', setting: S.userId });
      }
      if (auth.password === undefined) throw missing('a password', S.password);
      requireProjectScope(auth);
      return;
  }
}

/** An application credential carries its own scope; Keystone rejects a request that adds one. */
function dropScope(auth: AuthValues, warnings: string[]): void {
  for (const field of [
    'projectName',
    'projectId',
    'projectDomainName',
    'projectDomainId',
    'domainName',
    'domainId',
  ] as const) {
    const value = auth[field];
    if (value === undefined) continue;
    warnings.push(
      `${sourceLabel(value.source)} is ignored: an application credential carries its own project scope`,
    );
    delete auth[field];
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Resolve the effective configuration the way the `openstack` CLI would; throws ConfigError. */
export function resolveConfig(input: ConfigInput): ResolvedConfig {
  const warnings: string[] = [];
  const env = envReader(input.env);
  const files = loadFiles(input, env, warnings);
  const selection = selectCloud({ flags: input.flags, env }, files, warnings);
  const layers = new Layers(input.flags, env, selection.fileCloud, warnings);
  const regionName = selectRegion(layers, selection);

  const profile = layers.fromFile({ key: 'profile', env: [], file: ['profile'] });
  if (profile !== undefined) {
    warnings.push(
      `${sourceLabel(profile.source)} names a vendor profile, which glance-harness does not expand; ` +
        `copy its auth_url and region_name into the cloud entry`,
    );
  }

  versionOf(layers.find(S.identityApiVersion), '3', "Keystone's v2.0 API no longer exists");
  const image = versionOf(layers.find(S.imageApiVersion), '2', 'glance-harness tests the Image API v2 only');
  const imageApiVersion: Sourced<'2'> = { value: '2', source: image?.source ?? DEFAULT };

  const auth = readAuth(layers);
  const override = httpUrl(str(layers.find(S.endpointOverride)));
  const authEndpoint = httpUrl(str(layers.find(S.authEndpoint)));
  const { type: authType, spelled } = authTypeOf(layers.find(S.authType), () =>
    inferAuthType(auth, override ?? authEndpoint),
  );
  const usesAuthEndpoint = authType.value === 'none' || authType.value === 'token';
  const endpoint = override ?? (usesAuthEndpoint ? authEndpoint : undefined);
  if (authEndpoint !== undefined && !usesAuthEndpoint) {
    warnings.push(
      `${sourceLabel(authEndpoint.source)} is ignored with ${authType.value} auth (it is the service URL for auth ` +
        `types none and admin_token); use --endpoint or OS_IMAGE_ENDPOINT_OVERRIDE to bypass the catalog`,
    );
  }

  const configured =
    selection.fileCloud !== undefined ||
    endpoint !== undefined ||
    authEndpoint !== undefined ||
    Object.entries(auth).some(([field]) => !/Domain(Name|Id)$/.test(field));

  if (configured && authType.value === 'password') fillDefaultDomain(auth, layers);
  if (spelled !== undefined && TOKEN_ENDPOINT_TYPES.has(spelled) && auth.authUrl !== undefined) {
    warnings.push(
      `${sourceLabel(auth.authUrl.source)} is ignored: auth type ${spelled} never talks to Keystone`,
    );
    delete auth.authUrl;
  }
  if (authType.value === 'v3applicationcredential') dropScope(auth, warnings);
  if (configured) validateAuth(authType.value, spelled, auth, endpoint);

  const insecure = bool(layers.find(S.insecure)) ??
    invert(bool(layers.find(S.verify))) ?? {
      value: false,
      source: DEFAULT,
    };
  let cacert = str(layers.find(S.cacert));
  if (cacert !== undefined && insecure.value) {
    warnings.push(
      `${sourceLabel(cacert.source)} is ignored because TLS verification is off (${sourceLabel(insecure.source)})`,
    );
    cacert = undefined;
  }
  const cert = fileOf(str(layers.find(S.cert)), input.cwd);
  const key = fileOf(str(layers.find(S.tlsKey)), input.cwd);
  if (key !== undefined && cert === undefined) {
    throw new ConfigError(
      `${sourceLabel(key.source)} is set but no client certificate is: set --os-cert or OS_CERT as well`,
    );
  }
  const tls = {
    ...(cacert === undefined ? {} : { cacert: fileOf(cacert, input.cwd) }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    insecure,
  };

  const interfaceValue = interfaceOf(layers.find(S.interface));

  if (configured && endpoint === undefined && authType.value !== 'none' && regionName === undefined) {
    warnings.push(
      'No region set (--os-region-name, OS_REGION_NAME or region_name): the first image endpoint in the ' +
        'catalog is used, whichever region it is in',
    );
  }

  const prefix = str(layers.find(S.prefix)) ?? { value: 'gh', source: DEFAULT };
  if (!PREFIX_RULE.test(prefix.value)) {
    throw new ConfigError(
      `${sourceLabel(prefix.source)} must match ${PREFIX_RULE.source} (got ${JSON.stringify(prefix.value)})`,
    );
  }
  const hashAlgo = str(layers.find(S.hashAlgo)) ?? { value: 'sha512', source: DEFAULT };
  if (!/^[a-z0-9_]+$/.test(hashAlgo.value)) {
    throw new ConfigError(
      `${sourceLabel(hashAlgo.source)} must be a hashlib algorithm name such as sha512 (got ${JSON.stringify(hashAlgo.value)})`,
    );
  }
  const reports = str(layers.find(S.reportsDir));
  const reportsDir: Sourced<string> =
    reports === undefined
      ? { value: resolve(input.cwd, 'reports'), source: DEFAULT }
      : {
          value: isAbsolute(reports.value) ? reports.value : resolve(input.cwd, reports.value),
          source: reports.source,
        };

  const dbUrl = str(layers.find(S.dbUrl));
  const glanceConfig = str(layers.find(S.glanceConfig));
  const db = {
    ...(dbUrl === undefined ? {} : { url: dbUrl }),
    ...(glanceConfig === undefined
      ? {}
      : { glanceConfig: { value: resolve(input.cwd, glanceConfig.value), source: glanceConfig.source } }),
  };
  const horizonUrl = httpUrl(str(layers.find(S.horizonUrl)));
  const chromium = str(layers.find(S.chromium));

  const config: ResolvedConfig = {
    configured,
    ...(selection.cloud === undefined ? {} : { cloud: selection.cloud }),
    ...(files.clouds === undefined ? {} : { cloudsFile: files.clouds.path }),
    ...(files.secure === undefined ? {} : { secureFile: files.secure.path }),
    authType,
    auth,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(regionName === undefined ? {} : { regionName }),
    interface: interfaceValue,
    tls,
    imageApiVersion,
    harness: {
      prefix,
      reportsDir,
      timeoutMs: timeoutOf(layers.find(S.timeout)),
      hashAlgo,
      ...(horizonUrl === undefined ? {} : { horizonUrl }),
      ...(chromium === undefined ? {} : { chromium }),
    },
    db,
    warnings,
  };
  const alt = resolveAltConfig(input, config, resolveConfig);
  const reader = resolvePersonaConfig(input, config, resolveConfig, READER_PERSONA);
  return deepFreeze({
    ...config,
    ...(alt === undefined ? {} : { alt }),
    ...(reader === undefined ? {} : { reader }),
  });
}

function invert(value: Sourced<boolean> | undefined): Sourced<boolean> | undefined {
  return value === undefined ? undefined : { value: !value.value, source: value.source };
}
