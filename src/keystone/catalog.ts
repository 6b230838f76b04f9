import { ConfigError } from '../errors.js';
import type { CatalogEntry } from './types.js';

export type InterfaceName = 'public' | 'internal' | 'admin';

/** The image endpoints of the catalog by interface: later checks compare them. */
export interface ImageEndpoints {
  chosen: { url: string; interface: InterfaceName; region?: string };
  all: Array<{ url: string; interface: string; region?: string }>;
}

export interface CatalogQuery {
  type: string;
  interface: InterfaceName;
  region?: string;
}

function regionOf(e: { region_id?: string | null; region?: string | null }): string | undefined {
  return e.region_id ?? e.region ?? undefined;
}

/**
 * Picks the endpoint for a service type, interface and region as keystoneauth does:
 * matching type, interface (a trailing "URL" ignored), region when one is given, non-empty URL.
 * The error lists what the catalog does have.
 */
export function selectEndpoint(catalog: readonly CatalogEntry[], q: CatalogQuery): ImageEndpoints {
  if (catalog.length === 0) throw new ConfigError('The service catalog is empty.');
  const services = catalog.filter((s) => s?.type === q.type);
  const all = services.flatMap((s) =>
    (Array.isArray(s.endpoints) ? s.endpoints : [])
      .filter((e) => e?.url)
      .map((e) => {
        const region = regionOf(e);
        return {
          url: e.url,
          interface: String(e.interface).replace(/URL$/, ''),
          ...(region ? { region } : {}),
        };
      }),
  );
  const matches = all.filter((e) => e.interface === q.interface && (!q.region || e.region === q.region));
  const first = matches[0];
  if (!first) {
    const where = q.region ? ` in ${q.region} region` : '';
    const have =
      all.length > 0
        ? `; the catalog has: ${all.map((e) => `${e.interface}${e.region ? `@${e.region}` : ''} ${e.url}`).join(', ')}`
        : `; the catalog has no ${q.type} service (types: ${[...new Set(catalog.map((s) => s.type))].join(', ') || 'none'})`;
    throw new ConfigError(`${q.interface} endpoint for ${q.type} service${where} not found${have}`);
  }
  // The catalog is Keystone's data: a relative or non-string URL would otherwise reach undici as is.
  if (typeof first.url !== 'string' || !/^https?:\/\/[^/]/i.test(first.url) || !URL.canParse(first.url)) {
    const where = first.region ? ` in ${first.region} region` : '';
    throw new ConfigError(
      `${q.interface} endpoint for ${q.type} service${where} must be an absolute http(s) URL (got ${JSON.stringify(first.url)}); fix it in the Keystone catalog or give --endpoint`,
    );
  }
  return {
    chosen: { url: first.url, interface: q.interface, ...(first.region ? { region: first.region } : {}) },
    all,
  };
}
