// Glance schema by release family: the alembic head `glance-manage db_sync` leaves and the tables it creates.

/** Tables after `glance-manage db_sync` on Zed 25.x (captured on the real lab: db-tables-after-sync). */
export const ZED_TABLES: readonly string[] = [
  'alembic_version',
  'images',
  'image_locations',
  'image_members',
  'image_properties',
  'image_tags',
  'metadef_namespaces',
  'metadef_namespace_resource_types',
  'metadef_objects',
  'metadef_properties',
  'metadef_resource_types',
  'metadef_tags',
  'tasks',
  'task_info',
];

export type FamilyId = 'zed' | '2023' | '2024.1+';

export interface ReleaseFamily {
  readonly id: FamilyId;
  readonly label: string;
  /** `alembic_version.version_num` after a full db_sync (contract done). */
  readonly head: string;
  /** Head after `glance-manage db expand` only: migrate and contract still pending. */
  readonly expandHead: string;
  readonly tables: readonly string[];
  /** Oldest and newest Image API minor version (v2.N) a glance-api of this family serves as CURRENT. */
  readonly apiMinors: readonly [number, number];
}

// glance-api lists v2.15 CURRENT (v2.16 with the image cache on) from Yoga to 2024.1; v2.17 and later
// come with 2024.2. So the versions document separates 2024.2+ from older releases, not Zed from 2023.x.
export const FAMILIES: readonly ReleaseFamily[] = [
  {
    id: 'zed',
    label: 'Zed 25.x (head unchanged since Wallaby)',
    head: 'wallaby_contract01',
    expandHead: 'wallaby_expand01',
    tables: ZED_TABLES,
    apiMinors: [15, 16],
  },
  {
    id: '2023',
    label: '2023.1/2023.2',
    head: '2023_1_contract01',
    expandHead: '2023_1_expand01',
    tables: ZED_TABLES,
    apiMinors: [15, 16],
  },
  {
    id: '2024.1+',
    label: '2024.1 and later',
    head: '2024_1_contract01',
    expandHead: '2024_1_expand01',
    tables: [...ZED_TABLES, 'node_reference', 'cached_images'],
    apiMinors: [15, 99],
  },
];

const OLDER_RELEASES = /^(liberty|mitaka|newton|ocata|pike|queens|rocky|stein|train|ussuri|victoria)/;

/** What an `alembic_version` value says. */
export type HeadReading =
  | { kind: 'contracted'; family: ReleaseFamily }
  | { kind: 'expanded'; family: ReleaseFamily }
  | { kind: 'older'; head: string }
  | { kind: 'unknown'; head: string };

/** Reads an alembic head against the known families. */
export function readHead(head: string): HeadReading {
  for (const family of FAMILIES) {
    if (head === family.head) return { kind: 'contracted', family };
    if (head === family.expandHead) return { kind: 'expanded', family };
  }
  if (OLDER_RELEASES.test(head)) return { kind: 'older', head };
  return { kind: 'unknown', head };
}

/** "v2.15" → 15; undefined for anything that is not v2.N. */
export function apiMinor(versionId: string): number | undefined {
  const m = /^v2\.(\d+)$/.exec(versionId);
  return m ? Number(m[1]) : undefined;
}
