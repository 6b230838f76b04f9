/**
 * The reference Glance's store configuration, as glance-api.conf would set it:
 * - `legacy`: Zed's deprecated `[glance_store] stores = file,http` with no `enabled_backends` —
 *   no /v2/info/stores, no `stores` on images, no multi-store API versions;
 * - `multi:<id>[,<id>…]`: `enabled_backends`, the first id being `[glance_store] default_backend`.
 *   An id is a file store unless it is `http` or carries a type (`web:http`, `fs2:file`).
 * The default, `multi:fs`, is what the lab runs (src/lab/lab.sh write_glance_conf).
 */
import { ConfigError } from '../errors.js';

export type StoreType = 'file' | 'http';

export interface StoreDef {
  readonly id: string;
  readonly type: StoreType;
  /** One of Glance's own stores (staging, tasks): never listed, yet a valid store id. */
  readonly reserved: boolean;
}

export interface StoreConfig {
  /** The setting in canonical form ("legacy", "multi:fs,http"). */
  readonly spec: string;
  /** `enabled_backends` is set. */
  readonly multi: boolean;
  /** The configured stores in `enabled_backends` order; none in legacy mode. */
  readonly stores: readonly StoreDef[];
  /** `[glance_store] default_backend`; null in legacy mode. */
  readonly defaultId: string | null;
}

/** What the lab runs: `enabled_backends = fs:file`, `default_backend = fs`. */
export const DEFAULT_STORES_SPEC = 'multi:fs';

/** The staging store glance-direct and copy-image write to before the target store. */
export const STAGING_STORE = 'os_glance_staging_store';

/** Stores Glance adds to `enabled_backends` itself (glance_store's register_store_opts). */
const RESERVED: readonly StoreDef[] = [
  { id: STAGING_STORE, type: 'file', reserved: true },
  { id: 'os_glance_tasks_store', type: 'file', reserved: true },
];

const TYPES: ReadonlySet<string> = new Set<StoreType>(['file', 'http']);
const ID = /^[A-Za-z0-9_-]+$/;

function inferredType(id: string): StoreType {
  return id === 'http' ? 'http' : 'file';
}

/** Parses a stores setting; a bad one is a one-line ConfigError naming the part at fault. */
export function parseStores(spec: string): StoreConfig {
  const text = spec.trim();
  if (text === 'legacy') return Object.freeze({ spec: 'legacy', multi: false, stores: [], defaultId: null });
  if (!text.startsWith('multi:')) {
    throw new ConfigError(`stores must be "legacy" or "multi:<id>[,<id>…]" (got ${JSON.stringify(spec)})`);
  }
  const list = text.slice('multi:'.length);
  if (list.trim() === '') {
    throw new ConfigError(`stores ${JSON.stringify(spec)} names no store: list at least one, e.g. multi:fs`);
  }
  const stores: StoreDef[] = [];
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') throw new ConfigError(`stores ${JSON.stringify(spec)} has an empty store id`);
    const [id = '', type, ...extra] = item.split(':').map((s) => s.trim());
    if (!ID.test(id) || extra.length > 0) {
      throw new ConfigError(
        `store ${JSON.stringify(item)} in stores ${JSON.stringify(spec)} must be <id> or <id>:<type>, the id made of letters, digits, "_" and "-"`,
      );
    }
    if (id.startsWith('os_glance_')) {
      throw new ConfigError(
        `store ${JSON.stringify(id)} in stores ${JSON.stringify(spec)} uses the os_glance_ prefix Glance reserves for its own stores`,
      );
    }
    if (type !== undefined && !TYPES.has(type)) {
      throw new ConfigError(
        `store type ${JSON.stringify(type)} of ${JSON.stringify(id)} in stores ${JSON.stringify(spec)} is not emulated (file or http)`,
      );
    }
    if (stores.some((s) => s.id === id)) {
      throw new ConfigError(`store ${JSON.stringify(id)} appears twice in stores ${JSON.stringify(spec)}`);
    }
    stores.push(
      Object.freeze({ id, type: (type as StoreType | undefined) ?? inferredType(id), reserved: false }),
    );
  }
  const canonical = stores.map((s) => (s.type === inferredType(s.id) ? s.id : `${s.id}:${s.type}`)).join(',');
  return Object.freeze({
    spec: `multi:${canonical}`,
    multi: true,
    stores: Object.freeze(stores),
    defaultId: stores[0]?.id ?? null,
  });
}

/** A store id Glance resolves (configured or reserved); undefined in legacy mode or when unknown. */
export function findStore(cfg: StoreConfig, id: string): StoreDef | undefined {
  if (!cfg.multi) return undefined;
  return cfg.stores.find((s) => s.id === id) ?? RESERVED.find((s) => s.id === id);
}

/** Every id in `enabled_backends` once Glance has added its reserved stores (OpenStack-image-store-ids). */
export function enabledIds(cfg: StoreConfig): string[] {
  if (!cfg.multi) return [];
  return [...cfg.stores, ...RESERVED].map((s) => s.id);
}

/** The stores `all_stores: true` targets: configured, writable, not reserved (utils._get_available_stores). */
export function availableIds(cfg: StoreConfig): string[] {
  return cfg.stores.filter((s) => s.type !== 'http').map((s) => s.id);
}

/**
 * Whether a store accepts new image data. http never does (StoreAddDisabled). The staging store takes
 * an upload, but an import into it collides with the staged file of the same image (Duplicate).
 */
export function acceptsData(store: StoreDef, via: 'upload' | 'import'): boolean {
  if (store.type === 'http') return false;
  return !(via === 'import' && store.id === STAGING_STORE);
}

/** GET /v2/info/stores entries, key order as discovery.py builds them. */
export function storeList(cfg: StoreConfig): Array<Record<string, string>> {
  return cfg.stores.map((s) => {
    const entry: Record<string, string> = { id: s.id };
    if (s.id === cfg.defaultId) entry.default = 'true';
    if (s.type === 'http') entry['read-only'] = 'true';
    return entry;
  });
}

/**
 * GET /v2/info/stores/detail entries. The reference keeps one copy of an image's bytes, under
 * `<dataDir>/images/`, which the first file store reports; further file stores report a directory
 * of their own, as distinct stores would have.
 */
export function storeDetails(cfg: StoreConfig, dataDir: string): Array<Record<string, unknown>> {
  const base = dataDir.replace(/\/+$/, '');
  const firstFile = cfg.stores.find((s) => s.type === 'file')?.id;
  return cfg.stores.map((s, i) => {
    const entry: Record<string, unknown> = { ...storeList(cfg)[i] };
    entry.type = s.type;
    entry.properties =
      s.type === 'http'
        ? {}
        : {
            data_dir: s.id === firstFile ? `${base}/images/` : `${base}/stores/${s.id}/`,
            chunk_size: 65536,
            thin_provisioning: false,
          };
    return entry;
  });
}

/**
 * Glance's merge_store_list for os_glance_importing_to_stores / os_glance_failed_import: a sorted,
 * comma-joined set; null entries (legacy mode's single unnamed store) drop out.
 */
export function mergeStoreList(
  current: unknown,
  stores: ReadonlyArray<string | null>,
  subtract = false,
): string {
  const given = new Set(stores.filter((s): s is string => !!s));
  const existing = new Set(String(current ?? '').split(','));
  const merged = subtract
    ? [...existing].filter((s) => !given.has(s))
    : [...new Set([...existing, ...given])];
  return merged
    .filter((s) => s !== '')
    .sort()
    .join(',');
}
