/** Fault modes of the reference deployment: each one reproduces what a client saw from real Zed. */

export type FaultName =
  | 'db-not-synced'
  | 'db-down'
  | 'db-hung'
  | 'keystone-service-password-wrong'
  | 'keystone-down'
  | 'keystone-down-no-delay-auth'
  | 'auth-disabled'
  | 'glance-down-behind-proxy'
  | 'store-unwritable'
  | 'store-removed'
  | 'store-full'
  | 'store-mount-lost'
  | 'swift-unmounted'
  | 'proxy-body-limit'
  | 'db-half-migrated'
  | 'image-size-cap'
  | 'store-small'
  | 'store-data-lost'
  | 'catalog-wrong-port'
  | 'glance-down';

/** One fault mode: what it emulates, what a client sees, and how the deployment around Glance changes. */
export interface Fault {
  name: FaultName;
  description: string;
  /**
   * Clients reach Glance through the front proxy: the catalog's image endpoints name the proxy
   * while this fault is on (on a real deployment the proxy is the catalog's endpoint).
   */
  viaProxy?: true;
  /** Ports that stop listening (connections refused) while the fault is on. */
  stops?: ReadonlyArray<'glance' | 'keystone'>;
  /** On a real deployment glance-api was reconfigured and restarted: its token cache is lost. */
  restartsGlance?: true;
  /**
   * The catalog's public image endpoint names a port where nothing listens; internal and admin keep
   * naming the working Glance.
   */
  deadPublicEndpoint?: true;
}

/** Every fault, in a stable order, with what it emulates and what a client sees. */
export const FAULTS: ReadonlyArray<Readonly<Fault>> = Object.freeze([
  {
    name: 'db-not-synced',
    description:
      'glance-manage db_sync never ran: /v2/images* and metadefs answer 500 with the generic page; / still 300, /healthcheck 200.',
  },
  {
    name: 'db-down',
    description:
      'Database refuses connections: every database-backed /v2 call fails fast with 500 (tokens Glance has not cached: 401); / and /healthcheck fine; Keystone, on the same database server, closes logins without a reply.',
  },
  {
    name: 'db-hung',
    description:
      'Database frozen: database-backed /v2 calls never answer (held until the client gives up or the fault clears).',
  },
  {
    name: 'keystone-service-password-wrong',
    description:
      'Wrong [keystone_authtoken] password (delay_auth_decision = true): tokens not yet cached get 401 after about 0.5 s.',
    restartsGlance: true,
  },
  {
    name: 'keystone-down',
    description:
      'Keystone stopped: its port refuses connections; Glance answers 401 after about 3.5 s for tokens it has not cached, 200 for cached ones.',
    stops: ['keystone'],
  },
  {
    name: 'keystone-down-no-delay-auth',
    description:
      'Keystone unreachable with delay_auth_decision = false: Glance answers 503 "The Keystone service is temporarily unavailable." at once.',
    stops: ['keystone'],
    restartsGlance: true,
  },
  {
    name: 'auth-disabled',
    description:
      "[paste_deploy] flavor unset: glance-api's pipeline has no Keystone middleware, so every /v2 request, without a token or with any token, runs as an admin with no user or project: GET /v2/images answers 200.",
    restartsGlance: true,
  },
  {
    name: 'glance-down-behind-proxy',
    description:
      'glance-api stopped: its port refuses connections; the front proxy answers 502 with the nginx page.',
    viaProxy: true,
    stops: ['glance'],
  },
  {
    name: 'store-unwritable',
    description:
      'Store directory not writable: upload answers 503 "Insufficient permissions on image storage media"; image back to queued.',
  },
  {
    name: 'store-removed',
    description:
      'Store directory removed: upload answers 500 and the image stays queued; downloads answer 204 with no body.',
  },
  {
    name: 'store-full',
    description:
      'Store filesystem full: upload answers 413 "Image storage media is full"; image back to queued.',
  },
  {
    name: 'store-mount-lost',
    description:
      'Store mount lost mid-upload: upload answers 204 and the image goes active with a checksum, but the data is gone; downloads answer 204.',
  },
  {
    name: 'swift-unmounted',
    description:
      'Swift store device not mounted: uploads answer 500 after about 31 s (image queued); through the front proxy an Apache-style 502; downloads 500 with an empty text/plain body.',
  },
  {
    name: 'proxy-body-limit',
    description:
      'Front proxy with a 1 MiB client_max_body_size: larger requests get the nginx 413 page before reaching Glance.',
    viaProxy: true,
  },
  {
    name: 'db-half-migrated',
    description:
      'Table image_properties dropped below a current alembic head: every call that reads an image row answers the generic 500 at once; metadef namespaces and tasks still 200.',
  },
  {
    name: 'image-size-cap',
    description:
      '[DEFAULT] image_size_cap = 64 MiB: larger uploads answer 413 "The incoming image is too large" once the cap is read past; image back to queued.',
    restartsGlance: true,
  },
  {
    name: 'store-small',
    description:
      'Store filesystem with 64 MiB free: uploads that fit work, a larger one answers 413 "Image storage media is full"; image back to queued; stored images stay readable.',
  },
  {
    name: 'store-data-lost',
    description:
      'Store mount lost under existing images: images active before the fault answer 204 with no body (Range too); new uploads work and read back.',
  },
  {
    name: 'catalog-wrong-port',
    description:
      "Catalog's public image endpoint names a port where nothing listens (connection refused); internal and admin name the working Glance.",
    deadPublicEndpoint: true,
  },
  {
    name: 'glance-down',
    description:
      'glance-api stopped with the catalog pointing at it directly: its port refuses connections while Keystone issues tokens.',
    stops: ['glance'],
  },
]);

/** Names of every fault, for validating user input. */
export const FAULT_NAMES: ReadonlySet<string> = new Set(FAULTS.map((f) => f.name));

const BY_NAME: ReadonlyMap<FaultName, Readonly<Fault>> = new Map(FAULTS.map((f) => [f.name, f]));

/** The record of a fault (none for null). */
export function faultRecord(name: FaultName | null): Readonly<Fault> | undefined {
  return name === null ? undefined : BY_NAME.get(name);
}

/** [DEFAULT] image_size_cap while image-size-cap is on (as on the lab: 64 MiB). */
export const IMAGE_SIZE_CAP_BYTES = 64 * 1024 * 1024;

/** Free space of the store's filesystem when store-small is switched on (as on the lab: 64 MiB). */
export const SMALL_STORE_FREE_BYTES = 64 * 1024 * 1024;

/** Delays the timing-bound faults reproduce, in milliseconds. */
export interface FaultDelays {
  /** Glance's wait before 401 when its service credentials are refused (captured: ~0.5 s). */
  keystonePasswordWrongMs: number;
  /** Glance's wait before 401 when Keystone is down (captured: ~3.5 s). */
  keystoneDownMs: number;
  /** Glance's wait before 500 when the swift devices are not mounted (captured: ~31 s). */
  swiftMs: number;
  /** The front proxy's proxy_read_timeout before it answers 504 (nginx default 60 s). */
  proxyReadTimeoutMs: number;
}

/** Delays as captured on the real deployment. */
export const CAPTURED_DELAYS: Readonly<FaultDelays> = Object.freeze({
  keystonePasswordWrongMs: 500,
  keystoneDownMs: 3500,
  swiftMs: 31_000,
  proxyReadTimeoutMs: 60_000,
});

/** Faults that, on a real deployment, mean glance-api was reconfigured and restarted (its token cache is lost). */
export const RESTARTS_GLANCE: ReadonlySet<FaultName> = new Set(
  FAULTS.filter((f) => f.restartsGlance).map((f) => f.name),
);
