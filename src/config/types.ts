/** Keystone plugins the harness speaks; aliases (v3password, admin_token…) are folded into these. */
export type AuthType = 'password' | 'v3applicationcredential' | 'token' | 'none';

/** Catalog interface; legacy `publicURL`-style spellings are normalised to these. */
export type Interface = 'public' | 'internal' | 'admin';

/** Where an effective setting came from, so `glance-harness config` can explain every value. */
export type Source =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  | { kind: 'clouds.yaml'; path: string; key: string }
  | { kind: 'secure.yaml'; path: string; key: string }
  | { kind: 'derived'; from: string }
  | { kind: 'default' };

export interface Sourced<T> {
  readonly value: T;
  readonly source: Source;
}

/** One optional value per command-line flag, camelCase, exactly as commander hands them over. */
export interface ConfigFlags {
  osCloud?: string;
  osAuthUrl?: string;
  osUsername?: string;
  osUserId?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osUserDomainId?: string;
  osProjectDomainName?: string;
  osProjectDomainId?: string;
  osDomainName?: string;
  osDomainId?: string;
  osDefaultDomain?: string;
  osRegionName?: string;
  osInterface?: string;
  authType?: string;
  osApplicationCredentialId?: string;
  osApplicationCredentialSecret?: string;
  osApplicationCredentialName?: string;
  osToken?: string;
  endpoint?: string;
  osCacert?: string;
  osCert?: string;
  osKey?: string;
  insecure?: boolean;
  osImageApiVersion?: string;
  timeout?: string;
  prefix?: string;
  hashAlgo?: string;
  reportsDir?: string;
  db?: string;
  glanceConfig?: string;
  osAltCloud?: string;
  osReaderCloud?: string;
  horizonUrl?: string;
}

/** A flag the CLI registers; `key` equals the attribute name commander derives from `flags`. */
export interface FlagSpec {
  flags: string;
  key: keyof ConfigFlags;
  /** Shown in help only: resolveConfig reads the environment itself so it can report sources. */
  env?: string;
  description: string;
  boolean?: boolean;
}

export interface ResolvedAuth {
  readonly authUrl?: Sourced<string>;
  readonly username?: Sourced<string>;
  readonly userId?: Sourced<string>;
  readonly password?: Sourced<string>;
  readonly projectName?: Sourced<string>;
  readonly projectId?: Sourced<string>;
  readonly userDomainName?: Sourced<string>;
  readonly userDomainId?: Sourced<string>;
  readonly projectDomainName?: Sourced<string>;
  readonly projectDomainId?: Sourced<string>;
  readonly domainName?: Sourced<string>;
  readonly domainId?: Sourced<string>;
  readonly applicationCredentialId?: Sourced<string>;
  readonly applicationCredentialSecret?: Sourced<string>;
  readonly applicationCredentialName?: Sourced<string>;
  readonly token?: Sourced<string>;
}

export interface ResolvedTls {
  readonly cacert?: Sourced<string>;
  readonly cert?: Sourced<string>;
  readonly key?: Sourced<string>;
  readonly insecure: Sourced<boolean>;
}

export interface ResolvedHarness {
  readonly prefix: Sourced<string>;
  readonly reportsDir: Sourced<string>;
  readonly timeoutMs: Sourced<number>;
  /** Glance's hashing_algorithm on the target (os_hash_algo of its images). */
  readonly hashAlgo: Sourced<string>;
  /** Horizon dashboard URL for the @horizon suite; the suite is skipped without it. */
  readonly horizonUrl?: Sourced<string>;
  /** Chromium executable the @horizon suite drives instead of Debian's /usr/bin/chromium. */
  readonly chromium?: Sourced<string>;
}

/** Where the Glance database is read from (`glance-harness db check`, the @db suite); both optional. */
export interface ResolvedDb {
  /** A database URL (mysql://…); the password stays in it, so print it only through maskDbUrl. */
  readonly url?: Sourced<string>;
  /** A glance-api.conf whose `[database] connection` is used when no URL is given. */
  readonly glanceConfig?: Sourced<string>;
}

/** The effective configuration, deeply frozen. */
export interface ResolvedConfig {
  /** False when nothing names a target: no cloud, auth URL, endpoint or credential. */
  readonly configured: boolean;
  /** Selected clouds.yaml entry, or the cloud built from OS_* variables (`envvars`). */
  readonly cloud?: Sourced<string>;
  readonly cloudsFile?: string;
  readonly secureFile?: string;
  readonly authType: Sourced<AuthType>;
  readonly auth: ResolvedAuth;
  /** Image endpoint that bypasses the catalog (or the service URL for `none`/token-endpoint auth). */
  readonly endpoint?: Sourced<string>;
  readonly regionName?: Sourced<string>;
  readonly interface: Sourced<Interface>;
  readonly tls: ResolvedTls;
  readonly imageApiVersion: Sourced<'2'>;
  readonly harness: ResolvedHarness;
  readonly db: ResolvedDb;
  readonly warnings: readonly string[];
  /** Second user in another project (OS_ALT_* or --os-alt-cloud), for sharing checks. */
  readonly alt?: ResolvedConfig;
  /** A user with only the reader role (OS_READER_* or --os-reader-cloud), for RBAC checks. */
  readonly reader?: ResolvedConfig;
}

export interface ConfigInput {
  flags: ConfigFlags;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  homeDir: string;
  /** Site-wide directory searched last; `/etc/openstack` unless given. */
  systemDir?: string;
}
