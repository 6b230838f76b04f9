/**
 * JSON-patch for images as Glance v2 accepts it: the v2.1 media type (RFC 6902 `op`/`path`) and
 * the older v2.0 one (`{"replace": "/name", "value": ...}`), single-level paths only, add,
 * replace and remove. Every change is checked before any is applied.
 */
import { BASE_ATTRIBUTES, type SchemaNode, validateAgainst } from './schemas.js';
import { HttpError } from './webob.js';

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';
export const ACCEPT_PATCH = `${PATCH_V20}, ${PATCH_V21}`;

export type PatchOp = 'add' | 'replace' | 'remove';

export interface Change {
  op: PatchOp;
  /** The attribute or property name (the pointer's only segment). */
  name: string;
  value?: unknown;
}

/** Attributes a client may never set (create or patch). */
export const READ_ONLY: ReadonlyArray<string> = [
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'size',
  'virtual_size',
  'direct_url',
  'self',
  'file',
  'schema',
  'id',
  'stores',
];

/** Attributes reserved for Glance itself. */
export const RESERVED: ReadonlyArray<string> = ['location', 'deleted', 'deleted_at'];

const OPS: ReadonlyArray<PatchOp> = ['add', 'remove', 'replace'];

function decodePointer(pointer: unknown): string {
  if (typeof pointer !== 'string') {
    throw new HttpError(400, `Pointer \`${String(pointer)}\` does not start with "/".`);
  }
  if (!pointer.startsWith('/')) throw new HttpError(400, `Pointer \`${pointer}\` does not start with "/".`);
  if (/~(?![01])/.test(pointer))
    throw new HttpError(400, `Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  const segments = pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (segments.length !== 1 || segments[0] === '') {
    throw new HttpError(400, `Invalid JSON pointer for this resource: '${pointer}'`);
  }
  return segments[0] ?? '';
}

function checkAllowed(name: string): void {
  if (READ_ONLY.includes(name)) throw new HttpError(403, `Attribute '${name}' is read-only.`);
  if (RESERVED.includes(name) || name.startsWith('os_glance'))
    throw new HttpError(403, `Attribute '${name}' is reserved.`);
}

/** Parses and checks a patch document; throws the HttpError Glance would answer with. */
export function decodePatch(contentType: string, body: unknown, imageSchema: SchemaNode): Change[] {
  if (!Array.isArray(body))
    throw new HttpError(400, 'Request body must be a JSON array of operation objects.');
  const changes: Change[] = [];
  for (const raw of body) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new HttpError(400, 'Operations must be JSON objects.');
    }
    const entry = raw as Record<string, unknown>;
    let op: PatchOp;
    let pointer: unknown;
    if (contentType === PATCH_V21) {
      if (!('op' in entry)) {
        throw new HttpError(
          400,
          'Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.',
        );
      }
      if (!OPS.includes(entry.op as PatchOp)) {
        throw new HttpError(
          400,
          `Invalid operation: \`${String(entry.op)}\`. It must be one of the following: add, remove, replace.`,
        );
      }
      op = entry.op as PatchOp;
      if (!('path' in entry)) throw new HttpError(400, 'Unable to find `path` in JSON Schema change.');
      pointer = entry.path;
    } else {
      const present = OPS.filter((o) => o in entry);
      if (present.length !== 1) {
        throw new HttpError(
          400,
          'Operation objects must contain exactly one member named "add", "remove", or "replace".',
        );
      }
      op = present[0] as PatchOp;
      pointer = entry[op];
    }
    const name = decodePointer(pointer);
    if (name === 'locations') {
      const verb = op === 'replace' ? 'update' : op;
      throw new HttpError(403, `It's not allowed to ${verb} locations if locations are invisible.`);
    }
    checkAllowed(name);
    if (op === 'remove') {
      changes.push({ op, name });
      continue;
    }
    if (!('value' in entry)) throw new HttpError(400, 'Unable to find `value` in JSON Schema change.');
    const problem = validateAgainst('image', imageSchema, { [name]: entry.value });
    if (problem) throw new HttpError(400, problem);
    changes.push({ op, name, value: entry.value });
  }
  return changes;
}

/** Whether the name is one of Glance's own image attributes (not a free-form property). */
export function isBase(name: string): boolean {
  return BASE_ATTRIBUTES.has(name);
}

/** The wording Glance uses for a property that is not there. */
export function missingProperty(name: string): HttpError {
  return new HttpError(409, `Property ${name} does not exist.`);
}
