/**
 * The captured Zed schemas (GET /v2/schemas/*), served byte for byte, and a validator that checks
 * image documents against the image schema and words its failures as Glance does
 * ("Provided object does not match schema 'image': 'bogus' is not one of [...]").
 */
import { readFileSync } from 'node:fs';
import { pyJson, pyPformat, pyRepr } from './py-json.js';

const SCHEMA_DIR = new URL('../../schemas/glance/zed/', import.meta.url);

/** URL suffix under /v2/schemas/ → captured file. */
const SCHEMA_FILES: ReadonlyArray<readonly [string, string]> = [
  ['image', 'image.json'],
  ['images', 'images.json'],
  ['member', 'member.json'],
  ['members', 'members.json'],
  ['task', 'task.json'],
  ['tasks', 'tasks.json'],
  ['metadefs/namespace', 'metadefs-namespace.json'],
  ['metadefs/namespaces', 'metadefs-namespaces.json'],
  ['metadefs/object', 'metadefs-object.json'],
  ['metadefs/objects', 'metadefs-objects.json'],
  ['metadefs/property', 'metadefs-property.json'],
  ['metadefs/properties', 'metadefs-properties.json'],
  ['metadefs/resource_type', 'metadefs-resource_type.json'],
  ['metadefs/resource_types', 'metadefs-resource_types.json'],
  ['metadefs/tag', 'metadefs-tag.json'],
  ['metadefs/tags', 'metadefs-tags.json'],
];

/** JSON schema subset used by the image schema. */
export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  readOnly?: boolean;
  is_base?: boolean;
}

/** The served schema bodies, keyed by the path after /v2/schemas/. */
export interface SchemaCatalog {
  bodies: ReadonlyMap<string, string>;
  image: SchemaNode;
}

/** Reads the captured schemas once at start-up. */
export function loadSchemas(): SchemaCatalog {
  const bodies = new Map<string, string>();
  let image: SchemaNode | undefined;
  for (const [route, file] of SCHEMA_FILES) {
    const parsed = JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as SchemaNode;
    bodies.set(route, pyJson(parsed));
    if (route === 'image') image = parsed;
  }
  if (!image) throw new Error('image schema missing from schemas/glance/zed');
  return { bodies, image };
}

/** Names the image schema defines as Glance's own (base) attributes. */
export const BASE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'size',
  'virtual_size',
  'container_format',
  'disk_format',
  'created_at',
  'updated_at',
  'tags',
  'direct_url',
  'min_ram',
  'min_disk',
  'self',
  'file',
  'stores',
  'schema',
  'locations',
]);

interface Failure {
  node: SchemaNode;
  value: unknown;
  message: string;
  validator: string;
  schemaPath: Array<string | number>;
  instancePath: Array<string | number>;
}

function typeMatches(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function firstFailure(
  node: SchemaNode,
  value: unknown,
  schemaPath: Array<string | number>,
  instancePath: Array<string | number>,
): Failure | undefined {
  for (const keyword of Object.keys(node)) {
    const at = [...schemaPath];
    switch (keyword) {
      case 'type': {
        const types = Array.isArray(node.type) ? node.type : [node.type ?? ''];
        if (!types.some((t) => typeMatches(value, t))) {
          return {
            node,
            value,
            message: `${pyRepr(value)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`,
            validator: 'type',
            schemaPath: at,
            instancePath,
          };
        }
        break;
      }
      case 'enum':
        if (!(node.enum ?? []).some((e) => sameValue(e, value))) {
          return {
            node,
            value,
            message: `${pyRepr(value)} is not one of ${pyRepr(node.enum)}`,
            validator: 'enum',
            schemaPath: at,
            instancePath,
          };
        }
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > (node.maxLength ?? Infinity)) {
          return {
            node,
            value,
            message: `${pyRepr(value)} is too long`,
            validator: 'maxLength',
            schemaPath: at,
            instancePath,
          };
        }
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < (node.minLength ?? 0)) {
          return {
            node,
            value,
            message: `${pyRepr(value)} is too short`,
            validator: 'minLength',
            schemaPath: at,
            instancePath,
          };
        }
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(node.pattern ?? '').test(value)) {
          return {
            node,
            value,
            message: `${pyRepr(value)} does not match ${pyRepr(node.pattern)}`,
            validator: 'pattern',
            schemaPath: at,
            instancePath,
          };
        }
        break;
      case 'items':
        if (Array.isArray(value) && node.items) {
          for (let i = 0; i < value.length; i++) {
            const f = firstFailure(node.items, value[i], [...at, 'items'], [...instancePath, i]);
            if (f) return f;
          }
        }
        break;
      case 'required':
        if (typeMatches(value, 'object')) {
          for (const name of node.required ?? []) {
            if (!(name in (value as object))) {
              return {
                node,
                value,
                message: `${pyRepr(name)} is a required property`,
                validator: 'required',
                schemaPath: at,
                instancePath,
              };
            }
          }
        }
        break;
      case 'properties':
        if (typeMatches(value, 'object') && node.properties) {
          const obj = value as Record<string, unknown>;
          for (const [name, sub] of Object.entries(node.properties)) {
            if (!(name in obj)) continue;
            const f = firstFailure(sub, obj[name], [...at, 'properties', name], [...instancePath, name]);
            if (f) return f;
          }
        }
        break;
      case 'additionalProperties':
        if (typeMatches(value, 'object') && node.additionalProperties !== undefined) {
          const obj = value as Record<string, unknown>;
          const known = new Set(Object.keys(node.properties ?? {}));
          for (const [name, v] of Object.entries(obj)) {
            if (known.has(name)) continue;
            if (node.additionalProperties === false) {
              return {
                node,
                value,
                message: `Additional properties are not allowed (${pyRepr(name)} was unexpected)`,
                validator: 'additionalProperties',
                schemaPath: at,
                instancePath,
              };
            }
            if (typeof node.additionalProperties === 'object') {
              const f = firstFailure(
                node.additionalProperties,
                v,
                [...at, 'additionalProperties'],
                [...instancePath, name],
              );
              if (f) return f;
            }
          }
        }
        break;
      default:
        break;
    }
  }
  return undefined;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function pathText(root: string, path: Array<string | number>): string {
  return root + path.map((p) => `[${pyRepr(p)}]`).join('');
}

/**
 * Validates `doc` against `schema`; returns Glance's message for the first failure, or undefined.
 * The message is jsonschema's str(error): message, then the failing subschema and the instance,
 * each pretty-printed (width 72) and indented by four spaces.
 */
export function validateAgainst(schemaName: string, schema: SchemaNode, doc: unknown): string | undefined {
  const f = firstFailure(schema, doc, [], []);
  if (!f) return undefined;
  const schemaPath = f.schemaPath.length === 0 ? 'schema' : pathText('schema', f.schemaPath);
  const instancePath = f.instancePath.length === 0 ? 'instance' : pathText('instance', f.instancePath);
  return (
    `Provided object does not match schema ${pyRepr(schemaName)}: ${f.message}\n\n` +
    `Failed validating ${pyRepr(f.validator)} in ${schemaPath}:\n${indent(pyPformat(f.node))}\n\n` +
    `On ${instancePath}:\n${indent(pyPformat(f.value))}`
  );
}
