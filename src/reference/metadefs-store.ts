/**
 * The metadefs catalog's state: namespaces with their objects, properties, tags and resource type
 * associations, loaded at start as `glance-manage db_load_metadefs` leaves them (captured from the lab).
 */
import { readFileSync } from 'node:fs';
import { type SchemaCatalog, type SchemaNode, validateAgainst } from './schemas.js';
import { HttpError } from './webob.js';

export type Json = Record<string, unknown>;

export interface Association {
  name: string;
  prefix?: string;
  properties_target?: string;
  created_at: string;
  updated_at?: string;
}

export interface ObjectRecord {
  name: string;
  required: unknown[];
  description?: string;
  properties: Json;
  created_at: string;
  updated_at?: string;
}

export interface TagRecord {
  id: number;
  name: string;
  created_at: string;
  updated_at?: string;
}

export interface NamespaceRecord {
  id: number;
  namespace: string;
  display_name?: string;
  description?: string;
  visibility: 'public' | 'private';
  protected: boolean;
  owner: string;
  created_at: string;
  updated_at?: string;
  associations: Association[];
  /** Property name → its definition (without the name). */
  properties: Map<string, Json>;
  objects: ObjectRecord[];
  tags: TagRecord[];
}

export interface ResourceType {
  name: string;
  created_at: string;
  updated_at?: string;
}

export interface Catalog {
  resource_types: ResourceType[];
  namespaces: Array<
    Json & {
      id: number;
      namespace: string;
      visibility: 'public' | 'private';
      protected: boolean;
      owner: string;
      created_at: string;
      resource_type_associations?: Association[];
      properties?: Json;
      objects?: Array<Json & { name: string; created_at: string }>;
    }
  >;
}

const CATALOG_FILE = new URL('./metadefs-catalog.json', import.meta.url);

/** Zed's api_limit_max and limit_param_default. */
export const LIMIT_MAX = 1000;
export const LIMIT_DEFAULT = 25;
export const SORT_KEYS = [
  'created_at',
  'updated_at',
  'namespace',
  'display_name',
  'visibility',
  'protected',
  'id',
];

/** The metadef tables: the db_load_metadefs catalog plus whatever clients add. */
export class MetadefStore {
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly resourceTypes: ResourceType[];
  private readonly schemas: Record<'namespace' | 'object' | 'property' | 'tag' | 'association', SchemaNode>;
  private nextId: number;
  private tagId: number;

  constructor(schemas: SchemaCatalog) {
    const catalog = JSON.parse(readFileSync(CATALOG_FILE, 'utf8')) as Catalog;
    this.resourceTypes = catalog.resource_types;
    let tagId = 0;
    for (const n of catalog.namespaces) {
      const props = new Map(Object.entries(n.properties ?? {}) as Array<[string, Json]>);
      this.namespaces.set(n.namespace, {
        id: n.id,
        namespace: n.namespace,
        ...(typeof n.display_name === 'string' ? { display_name: n.display_name } : {}),
        ...(typeof n.description === 'string' ? { description: n.description } : {}),
        visibility: n.visibility,
        protected: n.protected,
        owner: n.owner,
        created_at: n.created_at,
        associations: n.resource_type_associations ?? [],
        properties: props,
        objects: (n.objects ?? []).map((o) => ({
          name: o.name,
          required: (o.required as unknown[] | undefined) ?? [],
          ...(typeof o.description === 'string' ? { description: o.description } : {}),
          properties: (o.properties as Json | undefined) ?? {},
          created_at: o.created_at,
        })),
        tags: ((n.tags as Array<{ name: string; created_at: string }> | undefined) ?? []).map((t) => ({
          id: ++tagId,
          name: t.name,
          created_at: t.created_at,
        })),
      });
    }
    this.nextId = Math.max(0, ...catalog.namespaces.map((n) => n.id)) + 1;
    this.tagId = tagId;
    const parse = (name: string): SchemaNode => {
      const body = schemas.bodies.get(`metadefs/${name}`);
      if (body === undefined) throw new Error(`metadefs/${name} schema missing`);
      return JSON.parse(body) as SchemaNode;
    };
    this.schemas = {
      namespace: parse('namespace'),
      object: parse('object'),
      property: parse('property'),
      tag: parse('tag'),
      association: parse('resource_type'),
    };
  }

  newId(): number {
    return this.nextId++;
  }

  newTagId(): number {
    return ++this.tagId;
  }

  /** Glance's 400 for a document that does not meet the named schema. */
  validate(kind: keyof MetadefStore['schemas'], schemaName: string, doc: unknown): void {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new HttpError(500);
    const message = validateAgainst(schemaName, this.schemas[kind], doc);
    if (message) throw new HttpError(400, message);
  }
}
