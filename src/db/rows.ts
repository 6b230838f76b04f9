// The rows behind one image (images, image_properties, image_tags, image_locations) and how they match the API.
import type { DbSession } from './client.js';

export interface ImageRow {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  virtual_size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  visibility: string;
  owner: string | null;
  protected: boolean;
  os_hidden: boolean;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  deleted: boolean;
}

export interface PropertyRow {
  name: string;
  value: string | null;
  deleted: boolean;
}

export interface TagRow {
  value: string;
  deleted: boolean;
}

export interface LocationRow {
  id: number;
  value: string;
  status: string;
  deleted: boolean;
}

export interface ImageRows {
  image?: ImageRow;
  properties: PropertyRow[];
  tags: TagRow[];
  locations: LocationRow[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const bool = (v: unknown): boolean => Number(v) === 1 || v === true;

/** Reads every row (deleted ones too) that holds the image with this id. */
export async function readImageRows(db: DbSession, imageId: string): Promise<ImageRows> {
  const s = `\`${db.spec.database}\``;
  const [image] = await db.select(
    'SELECT id, name, status, size, virtual_size, checksum, os_hash_algo, os_hash_value, visibility, owner, ' +
      `protected, os_hidden, disk_format, container_format, min_disk, min_ram, deleted FROM ${s}.images WHERE id = ?`,
    [imageId],
  );
  const properties = await db.select(
    `SELECT name, value, deleted FROM ${s}.image_properties WHERE image_id = ? ORDER BY name`,
    [imageId],
  );
  const tags = await db.select(
    `SELECT value, deleted FROM ${s}.image_tags WHERE image_id = ? ORDER BY value`,
    [imageId],
  );
  const locations = await db.select(
    `SELECT id, value, status, deleted FROM ${s}.image_locations WHERE image_id = ? ORDER BY id`,
    [imageId],
  );
  return {
    ...(image
      ? {
          image: {
            id: String(image.id),
            name: text(image.name),
            status: String(image.status),
            size: num(image.size),
            virtual_size: num(image.virtual_size),
            checksum: text(image.checksum),
            os_hash_algo: text(image.os_hash_algo),
            os_hash_value: text(image.os_hash_value),
            visibility: String(image.visibility),
            owner: text(image.owner),
            protected: bool(image.protected),
            os_hidden: bool(image.os_hidden),
            disk_format: text(image.disk_format),
            container_format: text(image.container_format),
            min_disk: Number(image.min_disk),
            min_ram: Number(image.min_ram),
            deleted: bool(image.deleted),
          },
        }
      : {}),
    properties: properties.map((p) => ({
      name: String(p.name),
      value: text(p.value),
      deleted: bool(p.deleted),
    })),
    tags: tags.map((t) => ({ value: String(t.value), deleted: bool(t.deleted) })),
    locations: locations.map((l) => ({
      id: Number(l.id),
      value: String(l.value),
      status: String(l.status),
      deleted: bool(l.deleted),
    })),
  };
}

/** Columns of `images` that the API shows under the same name. */
export const COMPARED_COLUMNS = [
  'name',
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'visibility',
  'owner',
  'protected',
  'os_hidden',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
] as const;

/** Differences between an `images` row and the API's image, as `images.size: DB 1 vs API 2` lines. */
export function compareImageRow(api: Record<string, unknown>, row: ImageRow): string[] {
  const out: string[] = [];
  for (const column of COMPARED_COLUMNS) {
    const apiValue = api[column] ?? null;
    const dbValue = row[column];
    if (apiValue !== dbValue) {
      out.push(`images.${column}: DB ${JSON.stringify(dbValue)} vs API ${JSON.stringify(apiValue)}`);
    }
  }
  return out;
}

/** Differences between the live (deleted = 0) properties and tags and what the API shows. */
export function compareExtras(api: Record<string, unknown>, rows: ImageRows): string[] {
  const out: string[] = [];
  for (const p of rows.properties.filter((r) => !r.deleted)) {
    if (api[p.name] !== p.value) {
      out.push(
        `image_properties.${p.name}: DB ${JSON.stringify(p.value)} vs API ${JSON.stringify(api[p.name] ?? null)}`,
      );
    }
  }
  const dbTags = rows.tags
    .filter((t) => !t.deleted)
    .map((t) => t.value)
    .sort();
  const apiTags = [...((api.tags as string[] | undefined) ?? [])].sort();
  if (JSON.stringify(dbTags) !== JSON.stringify(apiTags)) {
    out.push(`image_tags: DB ${JSON.stringify(dbTags)} vs API ${JSON.stringify(apiTags)}`);
  }
  return out;
}
