/**
 * JSON-patch for images as Glance v2 accepts it: the v2.1 media type (RFC 6902 `op`/`path`) and
 * the older v2.0 one (`{"replace": "/name", "value": ...}`), single-level paths (two for a
 * position in `locations`), add, replace and remove. Every change is checked before any is applied.
 */
import { BASE_ATTRIBUTES, type SchemaNode, validateAgainst } from './schemas.js';
import { HttpError } from './webob.js';

export const PATCH_V21 = 'application/openstack-images-v2.1-json-patch';
export const PATCH_V20 = 'application/openstack-images-v2.0-json-patch';
export const ACCEPT_PATCH = `${PATCH_V20}, ${PATCH_V21}`;

export type PatchOp = 'add' | 'replace' | 'remove';

export interface Change {
  op: PatchOp;
  /** The attribute or property name (the pointer's first segment). */
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

/**
 * How many segments a pointer may have, by attribute and operation (images.py _path_depth_limits):
 * a location is added or removed at a position, replaced only as the whole list.
 */
const PATH_DEPTH: Readonly<Record<string, Readonly<Record<PatchOp, number>>>> = {
  locations: { add: 2, remove: 2, replace: 1 },
};

/** Attributes whose schema is a list: a two-segment pointer validates its value as one item. */
const LIST_ATTRIBUTES: ReadonlySet<string> = new Set(['tags', 'locations']);

/** images.py _validate_json_pointer: the limited pointers Glance accepts, checked in its order. */
function checkPointer(pointer: unknown): string {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) {
    throw new HttpError(400, `Pointer \`${String(pointer)}\` does not start with "/".`);
  }
  if (/\/\s*?\//.test(pointer.slice(1)))
    throw new HttpError(400, `Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/'))
    throw new HttpError(400, `Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/')
    throw new HttpError(400, `Pointer \`${pointer}\` does not contains valid token.`);
  if (/~(?![01])/.test(pointer))
    throw new HttpError(400, `Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer;
}

/** images.py _decode_json_pointer: unescaped segments, each stripped of surrounding blanks. */
function decodePointer(pointer: unknown): string[] {
  return checkPointer(pointer)
    .replace(/^\/+/, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** images.py _validate_path; the message names the decoded segments, not the pointer as sent. */
function checkDepth(op: PatchOp, segments: string[]): void {
  const root = segments[0] ?? '';
  if (segments.length !== (PATH_DEPTH[root]?.[op] ?? 1)) {
    throw new HttpError(400, `Invalid JSON pointer for this resource: '/${segments.join('/')}'`);
  }
}

function checkAllowed(name: string): void {
  if (READ_ONLY.includes(name)) throw new HttpError(403, `Attribute '${name}' is read-only.`);
  if (RESERVED.includes(name) || name.startsWith('os_glance'))
    throw new HttpError(403, `Attribute '${name}' is reserved.`);
}

/** The operation and pointer of one change, as the media type spells them (draft 10 or draft 4). */
function readOperation(contentType: string, entry: Record<string, unknown>): [PatchOp, unknown] {
  if (contentType === PATCH_V21) {
    if (entry.op === undefined || entry.op === null) {
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
    if (!('path' in entry)) throw new HttpError(400, "Unable to find 'path' in JSON Schema change");
    return [entry.op as PatchOp, entry.path];
  }
  const present = OPS.filter((o) => o in entry);
  if (present.length > 1) {
    throw new HttpError(
      400,
      'Operation objects must contain only one member named "add", "remove", or "replace".',
    );
  }
  const op = present[0];
  if (op === undefined) {
    throw new HttpError(
      400,
      'Operation objects must contain exactly one member named "add", "remove", or "replace".',
    );
  }
  return [op, entry[op]];
}

/**
 * images.py _validate_change: read-only and reserved names, then the value against the image
 * schema — as a one-item list when the pointer addresses a position in a list attribute.
 */
function checkValue(change: Change, depth: number, imageSchema: SchemaNode): void {
  checkAllowed(change.name);
  if (change.op === 'remove') return;
  let partial: Record<string, unknown> | undefined;
  if (depth === 1) partial = { [change.name]: change.value };
  else if (LIST_ATTRIBUTES.has(change.name)) partial = { [change.name]: [change.value] };
  const problem = partial && validateAgainst('image', imageSchema, partial);
  if (problem) throw new HttpError(400, problem);
}

/** One operation object decoded and checked, in the order RequestDeserializer.update checks it. */
function decodeChange(contentType: string, raw: unknown, imageSchema: SchemaNode): Change {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HttpError(400, 'Operations must be JSON objects.');
  }
  const entry = raw as Record<string, unknown>;
  const [op, pointer] = readOperation(contentType, entry);
  const segments = decodePointer(pointer);
  checkDepth(op, segments);
  // A position in locations (the only two-segment pointer) is never used: every such change is refused.
  const change: Change = { op, name: segments[0] ?? '' };
  if (op !== 'remove') {
    if (!('value' in entry)) throw new HttpError(400, `Operation "${op}" requires a member named "value".`);
    change.value = entry.value;
  }
  checkValue(change, segments.length, imageSchema);
  return change;
}

/**
 * Parses and checks a whole patch document (every change before any is applied); throws the
 * HttpError Glance would answer with. What a change may do to the image is the controller's
 * business: locations, for one, pass here and are refused there.
 */
export function decodePatch(contentType: string, body: unknown, imageSchema: SchemaNode): Change[] {
  if (!Array.isArray(body))
    throw new HttpError(400, 'Request body must be a JSON array of operation objects.');
  return body.map((raw) => decodeChange(contentType, raw, imageSchema));
}

/** Whether the name is one of Glance's own image attributes (not a free-form property). */
export function isBase(name: string): boolean {
  return BASE_ATTRIBUTES.has(name);
}

/** The wording Glance uses for a property that is not there. */
export function missingProperty(name: string): HttpError {
  return new HttpError(409, undefined, { detail: `Property ${name} does not exist.` });
}
