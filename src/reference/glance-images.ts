/** Image metadata operations: list, create, show, update (JSON patch), delete, deactivate, tags. */
import { randomUUID } from 'node:crypto';
import {
  type Call,
  findImage,
  type GlanceDeps,
  notAuthorized,
  readJson,
  sendEmpty,
  sendJson,
} from './glance-core.js';
import { urlencode } from './http-util.js';
import {
  ACCEPT_PATCH,
  type Change,
  decodePatch,
  isBase,
  missingProperty,
  PATCH_V20,
  PATCH_V21,
  READ_ONLY,
  RESERVED,
} from './image-patch.js';
import {
  canSee,
  dbNow,
  type ImageRecord,
  type ImageStatus,
  imageView,
  type MemberStatus,
  owns,
  type RequestContext,
  type Visibility,
} from './registry.js';
import { validateAgainst } from './schemas.js';
import { enabledIds } from './stores.js';
import { HttpError } from './webob.js';

/** Import methods this deployment offers (create header and /v2/info/import). */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image'] as const;

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const MAX_TAGS = 128;
const SORT_KEYS = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
];
const STATUSES: ReadonlyArray<ImageStatus> = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'uploading',
  'importing',
  'pending_delete',
  'deactivated',
];
const LIST_CONTROL = new Set(['limit', 'marker', 'sort_key', 'sort_dir', 'sort']);

// ---------------------------------------------------------------- list

type SortSpec = Array<{ key: string; dir: 'asc' | 'desc' }>;

function parseSort(params: URLSearchParams): SortSpec {
  const sort = params.get('sort');
  const keys = params.getAll('sort_key');
  const dirs = params.getAll('sort_dir');
  const spec: SortSpec = [];
  const checkKey = (key: string) => {
    if (!SORT_KEYS.includes(key)) {
      throw new HttpError(
        400,
        `Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`,
      );
    }
  };
  const checkDir = (dir: string): 'asc' | 'desc' => {
    if (dir !== 'asc' && dir !== 'desc') throw new HttpError(400, `Invalid sort direction: ${dir}`);
    return dir;
  };
  if (sort !== null) {
    if (keys.length > 0 || dirs.length > 0)
      throw new HttpError(400, 'Old and new sorting syntax cannot be combined');
    for (const part of sort.split(',')) {
      const [key = '', dir] = part.trim().split(':');
      checkKey(key.trim());
      spec.push({ key: key.trim(), dir: checkDir((dir ?? 'desc').trim()) });
    }
  } else {
    if (dirs.length > 1 && dirs.length !== keys.length) {
      throw new HttpError(400, 'Number of sort dirs does not match the number of sort keys');
    }
    keys.forEach((key, i) => {
      checkKey(key);
      spec.push({ key, dir: checkDir(dirs.length === 1 ? (dirs[0] ?? 'desc') : (dirs[i] ?? 'desc')) });
    });
    if (keys.length === 0 && dirs.length === 1) {
      spec.push({ key: 'created_at', dir: checkDir(dirs[0] ?? 'desc') });
    }
  }
  const tieDir = spec.at(-1)?.dir ?? 'desc';
  if (!spec.some((s) => s.key === 'created_at')) spec.push({ key: 'created_at', dir: tieDir });
  if (!spec.some((s) => s.key === 'id')) spec.push({ key: 'id', dir: tieDir });
  return spec;
}

function sortValue(img: ImageRecord, key: string): string | number | null {
  switch (key) {
    case 'name':
      return img.name;
    case 'status':
      return img.status;
    case 'container_format':
      return img.containerFormat;
    case 'disk_format':
      return img.diskFormat;
    case 'size':
      return img.size;
    case 'id':
      return img.id;
    case 'created_at':
      return img.createdAt.getTime();
    case 'updated_at':
      return img.updatedAt.getTime();
    default:
      return null;
  }
}

function compareImages(a: ImageRecord, b: ImageRecord, spec: SortSpec): number {
  for (const { key, dir } of spec) {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    if (va === vb) continue;
    // MySQL puts NULL first when ascending.
    let c: number;
    if (va === null) c = -1;
    else if (vb === null) c = 1;
    else c = va < vb ? -1 : 1;
    return dir === 'asc' ? c : -c;
  }
  return 0;
}

function parseBool(name: string, v: string): boolean {
  const s = v.toLowerCase();
  if (['true', '1', 'yes', 'on', 'y', 't'].includes(s)) return true;
  if (['false', '0', 'no', 'off', 'n', 'f'].includes(s)) return false;
  throw new HttpError(400, `Invalid value '${v}' for parameter '${name}'`);
}

function parseInt10(name: string, v: string, message: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new HttpError(400, message.replace('%s', name));
  return Number.parseInt(v, 10);
}

/** Matches a filter value that may use Glance's `in:a,b` operator. */
function matchesValue(actual: string | null, wanted: string): boolean {
  if (wanted.startsWith('in:'))
    return wanted
      .slice(3)
      .split(',')
      .includes(actual ?? '');
  return actual === wanted;
}

function matchesTime(actual: Date, filter: string, name: string): boolean {
  const m = /^(gt|gte|lt|lte|eq|neq):(.+)$/.exec(filter);
  const op = m?.[1] ?? 'eq';
  const when = Date.parse(m?.[2] ?? filter);
  if (Number.isNaN(when))
    throw new HttpError(400, `Unable to filter on a range with a non-numeric value for ${name}.`);
  const t = actual.getTime();
  switch (op) {
    case 'gt':
      return t > when;
    case 'gte':
      return t >= when;
    case 'lt':
      return t < when;
    case 'lte':
      return t <= when;
    case 'neq':
      return t !== when;
    default:
      return t === when;
  }
}

/** Which images a context lists, before filters: Glance's visibility rules for index. */
function listable(
  ctx: RequestContext,
  img: ImageRecord,
  visibility: Visibility | 'all' | null,
  memberStatus: MemberStatus | 'all',
): boolean {
  if (visibility !== null && visibility !== 'all' && img.visibility !== visibility) return false;
  if (ctx.isAdmin) return true;
  const mine = ctx.projectId !== null && img.owner === ctx.projectId;
  switch (img.visibility) {
    case 'public':
      return true;
    case 'community':
      return mine || visibility === 'community' || visibility === 'all';
    case 'private':
      return mine;
    case 'shared': {
      if (mine) return true;
      const m = ctx.projectId === null ? undefined : img.members.get(ctx.projectId);
      return m !== undefined && (memberStatus === 'all' || m.status === memberStatus);
    }
    default:
      return false;
  }
}

/** GET /v2/images — List images. */
export async function listImages(deps: GlanceDeps, call: Call): Promise<void> {
  const params = call.url.searchParams;
  let limit = DEFAULT_LIMIT;
  const rawLimit = params.get('limit');
  if (rawLimit !== null) {
    limit = parseInt10('limit', rawLimit, 'limit param must be an integer');
    if (limit < 0) throw new HttpError(400, 'limit param must be positive');
    limit = Math.min(limit, MAX_LIMIT);
  }
  const sort = parseSort(params);
  const visibilityParam = params.get('visibility');
  if (
    visibilityParam !== null &&
    !['public', 'private', 'shared', 'community', 'all'].includes(visibilityParam)
  ) {
    throw new HttpError(400, `Invalid visibility value: ${visibilityParam}`);
  }
  const memberStatus = params.get('member_status') ?? 'accepted';
  if (!['pending', 'accepted', 'rejected', 'all'].includes(memberStatus)) {
    throw new HttpError(400, `Invalid status value: ${memberStatus}`);
  }
  const status = params.get('status');
  if (status !== null && !status.startsWith('in:') && !STATUSES.includes(status as ImageStatus)) {
    throw new HttpError(400, `Invalid status value: ${status}`);
  }
  const sizeMin = params.get('size_min');
  const sizeMax = params.get('size_max');
  const rangeMsg = 'Unable to filter on a range with a non-numeric value.';
  const min = sizeMin === null ? null : parseInt10('size_min', sizeMin, rangeMsg);
  const max = sizeMax === null ? null : parseInt10('size_max', sizeMax, rangeMsg);
  const osHidden = params.has('os_hidden') ? parseBool('os_hidden', params.get('os_hidden') ?? '') : false;
  const protectedFilter = params.has('protected')
    ? parseBool('protected', params.get('protected') ?? '')
    : null;
  const tags = params.getAll('tag');

  await deps.db(call);

  const marker = params.get('marker');
  let images = deps.registry
    .all()
    .filter((img) =>
      listable(
        call.ctx,
        img,
        visibilityParam as Visibility | 'all' | null,
        memberStatus as MemberStatus | 'all',
      ),
    )
    .filter((img) => img.osHidden === osHidden);
  for (const [key, value] of params) {
    if (LIST_CONTROL.has(key)) continue;
    switch (key) {
      case 'visibility':
      case 'member_status':
      case 'os_hidden':
      case 'size_min':
      case 'size_max':
      case 'tag':
        break;
      case 'protected':
        images = images.filter((i) => i.protected === protectedFilter);
        break;
      case 'name':
        images = images.filter((i) => matchesValue(i.name, value));
        break;
      case 'status':
        images = images.filter((i) => matchesValue(i.status, value));
        break;
      case 'disk_format':
        images = images.filter((i) => matchesValue(i.diskFormat, value));
        break;
      case 'container_format':
        images = images.filter((i) => matchesValue(i.containerFormat, value));
        break;
      case 'owner':
        images = images.filter((i) => matchesValue(i.owner, value));
        break;
      case 'id':
        images = images.filter((i) => matchesValue(i.id, value));
        break;
      case 'created_at':
        images = images.filter((i) => matchesTime(i.createdAt, value, key));
        break;
      case 'updated_at':
        images = images.filter((i) => matchesTime(i.updatedAt, value, key));
        break;
      default: {
        const column = COLUMN_FILTERS[key];
        images = column
          ? images.filter((i) => column(i, value))
          : images.filter((i) => i.extra.has(key) && matchesValue(String(i.extra.get(key)), value));
      }
    }
  }
  if (min !== null) images = images.filter((i) => i.size !== null && i.size >= min);
  if (max !== null) images = images.filter((i) => i.size !== null && i.size <= max);
  if (tags.length > 0) images = images.filter((i) => tags.every((t) => i.tags.has(t)));
  images.sort((a, b) => compareImages(a, b, sort));

  if (marker !== null) {
    const at = images.findIndex((i) => i.id === marker);
    if (at < 0) {
      const known = deps.registry.get(marker);
      if (!known) throw new HttpError(400, `Marker ${marker} could not be found.`);
      // A marker filtered out of this listing still positions the page by its sort values.
      images = images.filter((i) => compareImages(known, i, sort) < 0);
    } else {
      images = images.slice(at + 1);
    }
  }
  const page = images.slice(0, limit);
  const kept = [...params].filter(([k]) => k !== 'marker');
  const body: Record<string, unknown> = {
    images: page.map(imageView),
    first: kept.length > 0 ? `/v2/images?${urlencode(kept)}` : '/v2/images',
    schema: '/v2/schemas/images',
  };
  const last = page.at(-1);
  if (last && page.length === limit) body.next = `/v2/images?${urlencode([...kept, ['marker', last.id]])}`;
  sendJson(call, 200, body);
}

/**
 * Image columns Glance's list filters with SQL equality, as MySQL compares them: a number against the
 * value's numeric prefix ("abc" is 0, "2827abc" 2827; no `in:`), text without regard to case.
 */
const COLUMN_FILTERS: Readonly<Record<string, (i: ImageRecord, value: string) => boolean>> = {
  size: (i, v) => i.size !== null && i.size === mysqlNumber(v),
  virtual_size: (i, v) => i.virtualSize !== null && i.virtualSize === mysqlNumber(v),
  min_ram: (i, v) => i.minRam === mysqlNumber(v),
  min_disk: (i, v) => i.minDisk === mysqlNumber(v),
  checksum: (i, v) => i.checksum !== null && i.checksum.toLowerCase() === v.toLowerCase(),
  os_hash_algo: (i, v) => i.osHashAlgo !== null && i.osHashAlgo.toLowerCase() === v.toLowerCase(),
  os_hash_value: (i, v) => i.osHashValue !== null && i.osHashValue.toLowerCase() === v.toLowerCase(),
};

function mysqlNumber(text: string): number {
  const m = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(text);
  return m ? Number(m[0]) : 0;
}

// ---------------------------------------------------------------- create / show / delete

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** Glance's domain refuses negative min_ram/min_disk after the schema let them through. */
function nonNegative(name: string, value: unknown): void {
  if (typeof value === 'number' && value < 0)
    throw new HttpError(400, `Invalid value '${value}' for parameter '${name}': Cannot be a negative value`);
}

/** POST /v2/images — Create image. */
export async function createImage(deps: GlanceDeps, call: Call): Promise<void> {
  const body = asObject(await readJson(call));
  if (!body) throw new HttpError(400, 'Malformed JSON in request body.');
  for (const key of READ_ONLY) {
    if (key !== 'id' && key in body) throw new HttpError(403, `Attribute '${key}' is read-only.`);
  }
  for (const key of Object.keys(body)) {
    if (RESERVED.includes(key) || key.startsWith('os_glance'))
      throw new HttpError(403, `Attribute '${key}' is reserved.`);
  }
  if ('locations' in body)
    throw new HttpError(403, "It's not allowed to add locations if locations are invisible.");
  const problem = validateAgainst('image', deps.schemas.image, body);
  if (problem) throw new HttpError(400, problem);
  nonNegative('min_ram', body.min_ram);
  nonNegative('min_disk', body.min_disk);

  const ctx = call.ctx;
  const visibility = (body.visibility as Visibility | undefined) ?? 'shared';
  if (visibility === 'public' && !ctx.isAdmin) throw notAuthorized('publicize_image');
  let owner = ctx.projectId;
  if ('owner' in body && body.owner !== ctx.projectId) {
    if (!ctx.isAdmin)
      throw new HttpError(403, `You are not permitted to create images owned by '${String(body.owner)}'.`);
    owner = (body.owner as string | null) ?? null;
  }

  await deps.db(call);

  const id = typeof body.id === 'string' ? body.id.toLowerCase() : randomUUID();
  if (deps.registry.row(id)) throw new HttpError(409, `Image with identifier ${id} already exists!`);
  const now = dbNow();
  const extra = new Map<string, unknown>();
  for (const [k, v] of Object.entries(body)) if (!isBase(k)) extra.set(k, v);
  const img: ImageRecord = {
    id,
    name: (body.name as string | null | undefined) ?? null,
    diskFormat: (body.disk_format as string | null | undefined) ?? null,
    containerFormat: (body.container_format as string | null | undefined) ?? null,
    visibility,
    size: null,
    virtualSize: null,
    status: 'queued',
    checksum: null,
    protected: (body.protected as boolean | undefined) ?? false,
    minRam: (body.min_ram as number | undefined) ?? 0,
    minDisk: (body.min_disk as number | undefined) ?? 0,
    owner,
    osHidden: (body.os_hidden as boolean | undefined) ?? false,
    osHashAlgo: null,
    osHashValue: null,
    createdAt: now,
    updatedAt: now,
    tags: new Set((body.tags as string[] | undefined) ?? []),
    extra,
    deleted: false,
    data: 'none',
    stores: [],
    members: new Map(),
    tasks: [],
  };
  if (img.tags.size > MAX_TAGS) throw new HttpError(413, 'Maximum number of tags exceeded');
  deps.registry.insert(img);
  const headers: Record<string, string> = {
    Location: `http://${call.host}/v2/images/${id}`,
    'Openstack-Image-Import-Methods': IMPORT_METHODS.join(','),
  };
  // Every enabled_backends key, Glance's reserved stores included (seen on the lab).
  if (deps.stores.multi) headers['Openstack-Image-Store-Ids'] = enabledIds(deps.stores).join(',');
  sendJson(call, 201, imageView(img), headers);
}

/** GET /v2/images/{id} — Show image. */
export async function showImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  sendJson(call, 200, imageView(findImage(deps, call, id)));
}

/** DELETE /v2/images/{id} — Delete image. */
export async function deleteImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id, `Failed to find image ${id} to delete`);
  if (!owns(call.ctx, img)) throw notAuthorized('delete_image');
  if (img.protected) throw new HttpError(403, `Image ${id} is protected and cannot be deleted.`);
  img.deleted = true;
  img.status = 'deleted';
  img.updatedAt = dbNow();
  await deps.store.remove(id);
  sendEmpty(call, 204);
}

// ---------------------------------------------------------------- update

const FORMAT_ATTRS = new Set(['disk_format', 'container_format']);

function applyChange(img: ImageRecord, { op, name, value }: Change): void {
  if (!isBase(name)) {
    if (op === 'remove') {
      if (!img.extra.has(name)) throw missingProperty(name);
      img.extra.delete(name);
    } else if (op === 'replace' && !img.extra.has(name)) {
      throw missingProperty(name);
    } else {
      img.extra.set(name, value);
    }
    return;
  }
  // images.py passes this text (and missingProperty's) as webob's detail, not its explanation.
  if (op === 'remove')
    throw new HttpError(403, undefined, { detail: `Property ${name} may not be removed.` });
  if (FORMAT_ATTRS.has(name) && img.status !== 'queued') {
    throw new HttpError(403, `Attribute ${name} can be only replaced for a queued image.`);
  }
  switch (name) {
    case 'name':
      img.name = value as string | null;
      break;
    case 'disk_format':
      img.diskFormat = value as string | null;
      break;
    case 'container_format':
      img.containerFormat = value as string | null;
      break;
    case 'visibility':
      img.visibility = value as Visibility;
      break;
    case 'protected':
      img.protected = value as boolean;
      break;
    case 'os_hidden':
      img.osHidden = value as boolean;
      break;
    case 'min_ram':
      nonNegative('min_ram', value);
      img.minRam = value as number;
      break;
    case 'min_disk':
      nonNegative('min_disk', value);
      img.minDisk = value as number;
      break;
    case 'owner':
      // A non-admin's new owner is refused on save, where the image must stay visible to them.
      img.owner = value as string | null;
      break;
    case 'tags': {
      const tags = new Set(value as string[]);
      if (tags.size > MAX_TAGS) throw new HttpError(413, 'Maximum number of tags exceeded');
      img.tags = tags;
      break;
    }
    default:
      throw new HttpError(403, `Attribute '${name}' is read-only.`);
  }
}

/**
 * images.py _do_*_locations with show_multiple_locations off (Zed's default): every location
 * change is refused, after the checks that come first — an empty replacement list, then the
 * policies. set_image_location passes for anyone who sees the image (its deprecated rule:default
 * is "" and enforce_new_defaults is off); delete_image_location does too, but then insists on
 * admin or owner.
 */
function refuseLocationChange(img: ImageRecord, ctx: RequestContext, c: Change): never {
  if (c.op === 'replace') {
    const empty = Array.isArray(c.value) && c.value.length === 0;
    // Raised with the text as webob's detail, so the body keeps the generic 403 explanation.
    if (empty) throw new HttpError(403, undefined, { detail: 'Cannot set locations to empty list.' });
    throw new HttpError(403, "It's not allowed to update locations if locations are invisible.");
  }
  if (c.op === 'remove' && !owns(ctx, img)) throw new HttpError(403, 'You do not own this image');
  throw new HttpError(403, `It's not allowed to ${c.op} locations if locations are invisible.`);
}

/**
 * What images.py checks before it touches an attribute: _do_replace refuses a new owner from a
 * non-admin outright; then ImageAPIPolicy.update_property enforces publicize_image for any change
 * to public (even of a public image), then modify_image, whose rule passes by default but whose
 * legacy owner check (check_is_image_mutable) does not.
 */
function checkMayChange(img: ImageRecord, ctx: RequestContext, c: Change): void {
  if (c.name === 'owner' && c.op === 'replace' && !ctx.isAdmin) {
    // Raised with the text as webob's detail, as the empty-locations refusal is.
    throw new HttpError(403, undefined, { detail: "Owner can't be updated by non admin." });
  }
  if (c.name === 'visibility' && c.value === 'public' && !ctx.isAdmin) throw notAuthorized('publicize_image');
  if (!owns(ctx, img)) throw new HttpError(403, 'You do not own this image');
}

/** PATCH /v2/images/{id} — Update image. */
export async function updateImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  const contentType = (call.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== PATCH_V21 && contentType !== PATCH_V20) {
    throw new HttpError(415, undefined, {
      template: { kind: 'media-type', contentType: call.req.headers['content-type'] ?? 'None' },
      headers: { 'Accept-Patch': ACCEPT_PATCH },
    });
  }
  const changes = decodePatch(contentType, await readJson(call), deps.schemas.image);
  await deps.db(call);
  const img = findImage(deps, call, id);
  // Apply to a copy, change by change as images.py does: the first refusal wins and leaves the
  // image untouched. An empty patch saves nothing, so it changes nothing either.
  const draft: ImageRecord = { ...img, tags: new Set(img.tags), extra: new Map(img.extra) };
  for (const c of changes) {
    if (c.name === 'locations') refuseLocationChange(draft, call.ctx, c);
    checkMayChange(draft, call.ctx, c);
    applyChange(draft, c);
  }
  // The database layer reads the row back inside its transaction: one the caller could no longer
  // see (a non-admin gave it away) rolls the whole update back.
  if (!canSee(call.ctx, draft)) throw new HttpError(403, `Forbidding request, image ${id} not visible`);
  if (changes.length > 0) Object.assign(img, draft, { updatedAt: dbNow() });
  sendJson(call, 200, imageView(img));
}

// ---------------------------------------------------------------- actions and tags

/** POST /v2/images/{id}/actions/deactivate — Deactivate image. */
export async function deactivateImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('deactivate');
  if (img.status === 'active') {
    img.status = 'deactivated';
    img.updatedAt = dbNow();
  } else if (img.status !== 'deactivated') {
    throw new HttpError(403, `Not allowed to deactivate image in status '${img.status}'`);
  }
  sendEmpty(call, 204);
}

/** POST /v2/images/{id}/actions/reactivate — Reactivate image. */
export async function reactivateImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('reactivate');
  if (img.status === 'deactivated') {
    img.status = 'active';
    img.updatedAt = dbNow();
  } else if (img.status !== 'active') {
    throw new HttpError(403, `Not allowed to reactivate image in status '${img.status}'`);
  }
  sendEmpty(call, 204);
}

/** PUT /v2/images/{id}/tags/{tag} — Add image tag. */
export async function addTag(deps: GlanceDeps, call: Call, id: string, tag: string): Promise<void> {
  const problem = validateAgainst('image', deps.schemas.image, { tags: [tag] });
  if (problem) throw new HttpError(400, problem);
  await deps.db(call);
  const img = findImage(deps, call, id, `Image ${id} not found.`);
  if (!owns(call.ctx, img)) throw notAuthorized('modify_image');
  if (!img.tags.has(tag)) {
    if (img.tags.size >= MAX_TAGS) throw new HttpError(413, 'Maximum number of tags exceeded');
    img.tags.add(tag);
  }
  img.updatedAt = dbNow();
  sendEmpty(call, 204);
}

/** DELETE /v2/images/{id}/tags/{tag} — Delete image tag. */
export async function deleteTag(deps: GlanceDeps, call: Call, id: string, tag: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id, `Image ${id} not found.`);
  if (!owns(call.ctx, img)) throw notAuthorized('modify_image');
  if (!img.tags.has(tag)) throw new HttpError(404, `Tag ${tag} not found.`);
  img.tags.delete(tag);
  img.updatedAt = dbNow();
  sendEmpty(call, 204);
}
