import { type Call, type GlanceDeps, notAuthorized, readJson, sendEmpty, sendJson } from './glance-core.js';
import { isoSeconds } from './http-util.js';
import {
  type Association,
  type Json,
  LIMIT_DEFAULT,
  LIMIT_MAX,
  type MetadefStore,
  type NamespaceRecord,
  type ObjectRecord,
  SORT_KEYS,
  type TagRecord,
} from './metadefs-store.js';
import { dbNow, type RequestContext } from './registry.js';
import { HttpError } from './webob.js';

function store(deps: GlanceDeps): MetadefStore {
  return deps.metadefs;
}

function canSeeNs(ctx: RequestContext, ns: NamespaceRecord): boolean {
  return ctx.isAdmin || ns.visibility === 'public' || ns.owner === ctx.projectId;
}

/** Zed's metadef_admin rule is role-based ("role:admin"), like tasks_api_access. */
function metadefAdmin(call: Call, action: string): void {
  if (!call.ctx.roles.includes('admin')) throw notAuthorized(action);
}

/** Lookups word their 404 differently per handler, as captured. */
function lookup(
  deps: GlanceDeps,
  call: Call,
  name: string,
  style: 'show' | 'objects' | 'short',
): NamespaceRecord {
  const ns = store(deps).namespaces.get(name);
  if (ns && canSeeNs(call.ctx, ns)) return ns;
  if (style === 'short' || (ns && style === 'objects'))
    throw new HttpError(404, `Namespace ${name} not found`);
  if (!ns) throw new HttpError(404, `Metadata definition namespace=${name} was not found.`);
  throw new HttpError(404);
}

function now(): string {
  return isoSeconds(dbNow());
}

function touch(ns: NamespaceRecord): void {
  ns.updated_at = now();
}

function opt<K extends string>(key: K, value: unknown): Partial<Record<K, unknown>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, unknown>);
}

function associationView(a: Association): Json {
  return {
    name: a.name,
    ...opt('prefix', a.prefix),
    ...opt('properties_target', a.properties_target),
    created_at: a.created_at,
    ...opt('updated_at', a.updated_at),
  };
}

function objectSelf(ns: string, name: string): string {
  return `/v2/metadefs/namespaces/${ns}/objects/${name}`;
}

/** Objects come back in the order of their (case-insensitive) name index. */
function byName(objects: ObjectRecord[]): ObjectRecord[] {
  return [...objects].sort((a, b) => {
    const x = a.name.toLowerCase();
    const y = b.name.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function objectView(ns: NamespaceRecord, o: ObjectRecord): Json {
  return {
    name: o.name,
    required: o.required,
    ...opt('description', o.description),
    properties: o.properties,
    created_at: o.created_at,
    ...opt('updated_at', o.updated_at),
    self: objectSelf(ns.namespace, o.name),
    schema: '/v2/schemas/metadefs/object',
  };
}

function namespaceBase(ns: NamespaceRecord): Json {
  return {
    namespace: ns.namespace,
    ...opt('display_name', ns.display_name),
    ...opt('description', ns.description),
    visibility: ns.visibility,
    protected: ns.protected,
    owner: ns.owner,
    created_at: ns.created_at,
    ...opt('updated_at', ns.updated_at),
  };
}

function links(ns: NamespaceRecord): Json {
  return { self: `/v2/metadefs/namespaces/${ns.namespace}`, schema: '/v2/schemas/metadefs/namespace' };
}

function listEntry(ns: NamespaceRecord): Json {
  return {
    ...namespaceBase(ns),
    ...(ns.associations.length ? { resource_type_associations: ns.associations.map(associationView) } : {}),
    ...links(ns),
  };
}

function showView(ns: NamespaceRecord): Json {
  return {
    ...namespaceBase(ns),
    ...(ns.associations.length ? { resource_type_associations: ns.associations.map(associationView) } : {}),
    ...(ns.properties.size ? { properties: Object.fromEntries(ns.properties) } : {}),
    ...(ns.objects.length ? { objects: byName(ns.objects).map((o) => objectView(ns, o)) } : {}),
    ...(ns.tags.length ? { tags: ns.tags.map((t) => ({ name: t.name })) } : {}),
    ...links(ns),
  };
}

/** Python's urllib.parse.quote_plus. */
function quotePlus(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9_.~-]/.test(c)) return c;
      if (c === ' ') return '+';
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

function compareBy(key: string, a: NamespaceRecord, b: NamespaceRecord): number {
  const va = (a as unknown as Json)[key];
  const vb = (b as unknown as Json)[key];
  if (va === vb) return 0;
  if (va === undefined || va === null) return -1;
  if (vb === undefined || vb === null) return 1;
  if (typeof va === 'number' && typeof vb === 'number') return va - vb;
  return String(va) < String(vb) ? -1 : 1;
}

/** GET /v2/metadefs/resource_types — List resource types. */
export async function listResourceTypes(deps: GlanceDeps, call: Call): Promise<void> {
  await deps.db(call, 'metadefs');
  sendJson(call, 200, {
    resource_types: store(deps).resourceTypes.map((r) => ({
      name: r.name,
      created_at: r.created_at,
      ...opt('updated_at', r.updated_at),
    })),
  });
}

/** GET /v2/metadefs/namespaces — List namespaces (visibility, resource_types, sort, limit, marker). */
export async function listNamespaces(deps: GlanceDeps, call: Call): Promise<void> {
  const q = call.url.searchParams;
  const visibility = q.get('visibility');
  if (visibility !== null && visibility !== 'public' && visibility !== 'private')
    throw new HttpError(400, `Invalid visibility value: ${visibility}`);
  const sortDir = q.get('sort_dir') ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw new HttpError(400, `Invalid sort direction: ${sortDir}`);
  const sortKey = q.get('sort_key') ?? 'created_at';
  let limit = LIMIT_DEFAULT;
  const rawLimit = q.get('limit');
  if (rawLimit !== null) {
    // int() in Python: a non-number escapes as a 500.
    if (!/^\s*[+-]?\d+\s*$/.test(rawLimit)) throw new HttpError(500);
    limit = Number.parseInt(rawLimit, 10);
    if (limit < 0) throw new HttpError(400, 'limit param must be positive');
    limit = Math.min(limit, LIMIT_MAX);
  }
  await deps.db(call, 'metadefs');
  if (!SORT_KEYS.includes(sortKey)) throw new HttpError(500);
  const types = q.get('resource_types')?.split(',');
  const sign = sortDir === 'asc' ? 1 : -1;
  const all = [...store(deps).namespaces.values()]
    .filter((ns) => canSeeNs(call.ctx, ns))
    // Zed's private filter keeps the caller's own private namespaces, even for an admin.
    .filter((ns) => visibility === null || ns.visibility === visibility)
    .filter((ns) => visibility !== 'private' || ns.owner === call.ctx.projectId)
    .filter((ns) => !types || ns.associations.some((a) => types.includes(a.name)))
    .sort((a, b) => sign * (compareBy(sortKey, a, b) || compareBy('created_at', a, b) || a.id - b.id));
  let start = 0;
  const marker = q.get('marker');
  if (marker !== null) {
    const at = all.findIndex((ns) => ns.namespace === marker);
    if (at < 0) throw new HttpError(404, `Metadata definition namespace=${marker} was not found.`);
    start = at + 1;
  }
  const page = all.slice(start, start + limit);
  const params = [...q.entries()].filter(([k]) => k !== 'marker');
  const query = params.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
  const first = `/v2/metadefs/namespaces${query ? `?${query}` : ''}`;
  const last = page[page.length - 1];
  const body: Json = { namespaces: page.map(listEntry) };
  if (last && page.length === limit)
    body.next = `${first}${query ? '&' : '?'}marker=${quotePlus(last.namespace)}`;
  body.schema = '/v2/schemas/metadefs/namespaces';
  body.first = first;
  sendJson(call, 200, body);
}

/** GET /v2/metadefs/namespaces/{namespace} — Get namespace details. */
export async function showNamespace(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'show');
  const view = showView(ns);
  // ?resource_type= names properties as that resource type sees them (with the association's prefix).
  const prefix = prefixFor(ns, call.url.searchParams.get('resource_type'));
  if (prefix && view.properties) {
    view.properties = Object.fromEntries(
      Object.entries(view.properties as Json).map(([k, v]) => [`${prefix}${k}`, v]),
    );
  }
  sendJson(call, 200, view);
}

function prefixFor(ns: NamespaceRecord, resourceType: string | null): string {
  if (resourceType === null) return '';
  return ns.associations.find((a) => a.name === resourceType)?.prefix ?? '';
}

const NS_FIELDS = ['display_name', 'description', 'visibility', 'protected'] as const;

/** POST /v2/metadefs/namespaces — Create namespace (admin), with any nested definitions. */
export async function createNamespace(deps: GlanceDeps, call: Call): Promise<void> {
  const body = (await readJson(call)) as Json;
  const s = store(deps);
  s.validate('namespace', 'namespace', body);
  metadefAdmin(call, 'add_metadef_namespace');
  await deps.db(call, 'metadefs');
  const name = body.namespace as string;
  if (s.namespaces.has(name))
    throw new HttpError(409, `The metadata definition namespace=${name} already exists.`);
  const at = now();
  const ns: NamespaceRecord = {
    id: s.newId(),
    namespace: name,
    ...(opt('display_name', body.display_name) as { display_name?: string }),
    ...(opt('description', body.description) as { description?: string }),
    visibility: (body.visibility as 'public' | 'private' | undefined) ?? 'private',
    protected: (body.protected as boolean | undefined) ?? false,
    owner: call.ctx.projectId ?? '',
    created_at: at,
    updated_at: at,
    associations: [],
    properties: new Map(),
    objects: [],
    tags: [],
  };
  const rtas = (body.resource_type_associations as Json[] | undefined) ?? [];
  for (const a of rtas) ns.associations.push(newAssociation(s, a, at));
  for (const [k, v] of Object.entries((body.properties as Json | undefined) ?? {}))
    ns.properties.set(k, v as Json);
  for (const o of (body.objects as Json[] | undefined) ?? []) ns.objects.push(newObject(o, at));
  for (const t of (body.tags as Json[] | undefined) ?? [])
    ns.tags.push({ id: s.newTagId(), name: String(t.name), created_at: at, updated_at: at });
  s.namespaces.set(name, ns);
  // The answer echoes the nested definitions as sent.
  sendJson(
    call,
    201,
    {
      ...namespaceBase(ns),
      ...opt('resource_type_associations', body.resource_type_associations),
      ...opt('properties', body.properties),
      ...opt('objects', body.objects),
      ...opt('tags', body.tags),
      ...links(ns),
    },
    { Location: `http://${call.host}/v2/metadefs/namespaces/${name}` },
  );
}

/** PUT /v2/metadefs/namespaces/{namespace} — Update namespace (admin). */
export async function updateNamespace(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  const s = store(deps);
  s.validate('namespace', 'namespace', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'modify_metadef_namespace');
  const target = body.namespace as string;
  if (target !== name && s.namespaces.has(target)) {
    throw new HttpError(
      409,
      `Invalid update. It would result in a duplicate metadata definition namespace with the same name of ${target}`,
    );
  }
  // PUT replaces the namespace: what the body leaves out goes back to its default.
  for (const f of NS_FIELDS) delete (ns as unknown as Json)[f];
  Object.assign(ns, {
    ...opt('display_name', body.display_name),
    ...opt('description', body.description),
    visibility: body.visibility ?? 'private',
    protected: body.protected ?? false,
  });
  if (target !== name) {
    s.namespaces.delete(name);
    ns.namespace = target;
    s.namespaces.set(target, ns);
  }
  touch(ns);
  sendJson(call, 200, { ...namespaceBase(ns), ...links(ns) });
}

function protectedRefusal(ns: NamespaceRecord): HttpError {
  return new HttpError(
    403,
    `Metadata definition namespace ${ns.namespace} is protected and cannot be deleted.`,
  );
}

/** DELETE /v2/metadefs/namespaces/{namespace} — Delete namespace (admin; not when protected). */
export async function deleteNamespace(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'delete_metadef_namespace');
  if (ns.protected) throw protectedRefusal(ns);
  store(deps).namespaces.delete(name);
  sendEmpty(call, 204);
}

function newAssociation(s: MetadefStore, a: Json, at: string): Association {
  const name = String(a.name);
  if (!s.resourceTypes.some((r) => r.name === name))
    s.resourceTypes.push({ name, created_at: at, updated_at: at });
  return {
    name,
    ...opt('prefix', a.prefix),
    ...opt('properties_target', a.properties_target),
    created_at: at,
    updated_at: at,
  } as Association;
}

function newObject(o: Json, at: string): ObjectRecord {
  return {
    name: String(o.name),
    required: (o.required as unknown[] | undefined) ?? [],
    ...opt('description', o.description),
    properties: (o.properties as Json | undefined) ?? {},
    created_at: at,
    updated_at: at,
  } as ObjectRecord;
}

/** What POST/PUT of an object answer: the fields as sent, then the timestamps and links. */
function objectEcho(ns: NamespaceRecord, body: Json, o: ObjectRecord): Json {
  return {
    name: o.name,
    ...opt('required', body.required),
    ...opt('description', body.description),
    ...opt('properties', body.properties),
    created_at: o.created_at,
    ...opt('updated_at', o.updated_at),
    self: objectSelf(ns.namespace, o.name),
    schema: '/v2/schemas/metadefs/object',
  };
}

/** GET /v2/metadefs/namespaces/{namespace}/objects — List objects. */
export async function listObjects(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'objects');
  // Zed's answer has no leading slash here.
  sendJson(call, 200, {
    objects: byName(ns.objects).map((o) => objectView(ns, o)),
    schema: 'v2/schemas/metadefs/objects',
  });
}

/** POST /v2/metadefs/namespaces/{namespace}/objects — Create object (admin). */
export async function createObject(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  store(deps).validate('object', 'object', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'objects');
  metadefAdmin(call, 'add_metadef_object');
  const objName = String(body.name);
  if (ns.objects.some((o) => o.name === objName)) {
    throw new HttpError(
      409,
      `A metadata definition object with name=${objName} already exists in namespace=${ns.namespace}.`,
    );
  }
  const o = newObject(body, now());
  ns.objects.push(o);
  sendJson(call, 201, objectEcho(ns, body, o));
}

function findObject(ns: NamespaceRecord, name: string): ObjectRecord {
  const o = ns.objects.find((x) => x.name === name);
  if (!o) throw new HttpError(404, `Could not find metadata object ${name}`);
  return o;
}

/** GET /v2/metadefs/namespaces/{namespace}/objects/{object} — Show object. */
export async function showObject(deps: GlanceDeps, call: Call, name: string, obj: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'objects');
  sendJson(call, 200, objectView(ns, findObject(ns, obj)));
}

/** PUT /v2/metadefs/namespaces/{namespace}/objects/{object} — Update object (admin). */
export async function updateObject(deps: GlanceDeps, call: Call, name: string, obj: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  store(deps).validate('object', 'object', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'objects');
  const o = findObject(ns, obj);
  metadefAdmin(call, 'modify_metadef_object');
  const target = String(body.name);
  if (target !== obj && ns.objects.some((x) => x.name === target)) {
    throw new HttpError(
      409,
      `A metadata definition object with name=${target} already exists in namespace=${ns.namespace}.`,
    );
  }
  o.name = target;
  o.required = (body.required as unknown[] | undefined) ?? [];
  if (body.description === undefined) delete o.description;
  else o.description = String(body.description);
  o.properties = (body.properties as Json | undefined) ?? {};
  o.updated_at = now();
  sendJson(call, 200, objectEcho(ns, body, o));
}

/** DELETE /v2/metadefs/namespaces/{namespace}/objects/{object} — Delete object (admin). */
export async function deleteObject(deps: GlanceDeps, call: Call, name: string, obj: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'objects');
  const o = findObject(ns, obj);
  metadefAdmin(call, 'delete_metadef_object');
  ns.objects.splice(ns.objects.indexOf(o), 1);
  sendEmpty(call, 204);
}

function propertyView(name: string, def: Json): Json {
  const { name: _drop, ...rest } = def;
  return { name, ...rest };
}

/** GET /v2/metadefs/namespaces/{namespace}/properties — List properties. */
export async function listProperties(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  sendJson(call, 200, {
    // Definitions as stored: those created through this API keep their name, loaded ones have none.
    properties: Object.fromEntries(ns.properties),
  });
}

function findProperty(ns: NamespaceRecord, name: string): Json {
  const p = ns.properties.get(name);
  if (!p) throw new HttpError(404, `Could not find property ${name}`);
  return p;
}

function propertyConflict(ns: NamespaceRecord, name: string): HttpError {
  return new HttpError(
    409,
    `A metadata definition property with name=${name} already exists in namespace=${ns.namespace}.`,
  );
}

/** POST /v2/metadefs/namespaces/{namespace}/properties — Create property (admin). */
export async function createProperty(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  store(deps).validate('property', 'property', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'add_metadef_property');
  const propName = String(body.name);
  if (ns.properties.has(propName)) throw propertyConflict(ns, propName);
  ns.properties.set(propName, body);
  sendJson(call, 201, propertyView(propName, body));
}

/** GET /v2/metadefs/namespaces/{namespace}/properties/{property} — Show property. */
export async function showProperty(deps: GlanceDeps, call: Call, name: string, prop: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  const prefix = prefixFor(ns, call.url.searchParams.get('resource_type'));
  const bare = prefix && prop.startsWith(prefix) ? prop.slice(prefix.length) : prop;
  sendJson(call, 200, propertyView(bare, findProperty(ns, bare)));
}

/** PUT /v2/metadefs/namespaces/{namespace}/properties/{property} — Update property (admin). */
export async function updateProperty(
  deps: GlanceDeps,
  call: Call,
  name: string,
  prop: string,
): Promise<void> {
  const body = (await readJson(call)) as Json;
  store(deps).validate('property', 'property', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  findProperty(ns, prop);
  metadefAdmin(call, 'modify_metadef_property');
  const target = String(body.name);
  if (target !== prop && ns.properties.has(target)) throw propertyConflict(ns, target);
  ns.properties.delete(prop);
  ns.properties.set(target, body);
  sendJson(call, 200, propertyView(target, body));
}

/** DELETE /v2/metadefs/namespaces/{namespace}/properties/{property} — Remove property (admin). */
export async function deleteProperty(
  deps: GlanceDeps,
  call: Call,
  name: string,
  prop: string,
): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  findProperty(ns, prop);
  metadefAdmin(call, 'remove_metadef_property');
  ns.properties.delete(prop);
  sendEmpty(call, 204);
}

function tagView(t: TagRecord): Json {
  return { name: t.name, created_at: t.created_at, ...opt('updated_at', t.updated_at) };
}

function tagConflict(ns: NamespaceRecord, name: string): HttpError {
  return new HttpError(
    409,
    `A metadata tag with name=${name} already exists in namespace=${ns.namespace}. (Please note that metadata tag names are case insensitive).`,
  );
}

function findTag(ns: NamespaceRecord, name: string): TagRecord {
  const t = ns.tags.find((x) => x.name === name);
  if (!t) throw new HttpError(404, `Could not find metadata tag ${name}`);
  return t;
}

function hasTag(ns: NamespaceRecord, name: string, except?: TagRecord): boolean {
  return ns.tags.some((t) => t !== except && t.name.toLowerCase() === name.toLowerCase());
}

/** GET /v2/metadefs/namespaces/{namespace}/tags — List tags, newest first. */
export async function listTags(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  const tags = [...ns.tags].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
  sendJson(call, 200, { tags: tags.map((t) => ({ name: t.name })) });
}

/** POST /v2/metadefs/namespaces/{namespace}/tags — Create tags (admin): replaces them unless X-Openstack-Append. */
export async function createTags(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  const s = store(deps);
  if (typeof body !== 'object' || body === null || !Array.isArray(body.tags)) throw new HttpError(500);
  for (const t of body.tags) s.validate('tag', 'tag', t);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'add_metadef_tags');
  const append = String(call.req.headers['x-openstack-append'] ?? '').toLowerCase() === 'true';
  const seen = new Set<string>();
  for (const t of body.tags as Json[]) {
    const tag = String(t.name);
    if (seen.has(tag.toLowerCase()) || (append && hasTag(ns, tag))) throw tagConflict(ns, tag);
    seen.add(tag.toLowerCase());
  }
  if (!append) ns.tags = [];
  const at = now();
  for (const t of body.tags as Json[])
    ns.tags.push({ id: s.newTagId(), name: String(t.name), created_at: at, updated_at: at });
  sendJson(call, 201, { tags: (body.tags as Json[]).map((t) => ({ name: t.name })) });
}

/** DELETE /v2/metadefs/namespaces/{namespace}/tags — Delete all tags (admin; not when protected). */
export async function deleteTags(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'delete_metadef_tags');
  if (ns.protected) throw protectedRefusal(ns);
  ns.tags = [];
  sendEmpty(call, 204);
}

/** POST /v2/metadefs/namespaces/{namespace}/tags/{tag} — Create tag (admin). */
export async function createTag(deps: GlanceDeps, call: Call, name: string, tag: string): Promise<void> {
  const s = store(deps);
  s.validate('tag', 'tag', { name: tag });
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'add_metadef_tag');
  if (hasTag(ns, tag)) throw tagConflict(ns, tag);
  const at = now();
  const t: TagRecord = { id: s.newTagId(), name: tag, created_at: at, updated_at: at };
  ns.tags.push(t);
  sendJson(call, 201, tagView(t));
}

/** GET /v2/metadefs/namespaces/{namespace}/tags/{tag} — Get tag definition. */
export async function showTag(deps: GlanceDeps, call: Call, name: string, tag: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  sendJson(call, 200, tagView(findTag(ns, tag)));
}

/** PUT /v2/metadefs/namespaces/{namespace}/tags/{tag} — Update tag definition (admin). */
export async function updateTag(deps: GlanceDeps, call: Call, name: string, tag: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  store(deps).validate('tag', 'tag', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  const t = findTag(ns, tag);
  metadefAdmin(call, 'modify_metadef_tag');
  const target = String(body.name);
  if (hasTag(ns, target, t)) throw tagConflict(ns, target);
  t.name = target;
  t.updated_at = now();
  sendJson(call, 200, tagView(t));
}

/** DELETE /v2/metadefs/namespaces/{namespace}/tags/{tag} — Delete tag definition (admin). */
export async function deleteTag(deps: GlanceDeps, call: Call, name: string, tag: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  const t = findTag(ns, tag);
  metadefAdmin(call, 'delete_metadef_tag');
  ns.tags.splice(ns.tags.indexOf(t), 1);
  sendEmpty(call, 204);
}

/** GET /v2/metadefs/namespaces/{namespace}/resource_types — List resource type associations. */
export async function listAssociations(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  sendJson(call, 200, { resource_type_associations: ns.associations.map(associationView) });
}

/** POST /v2/metadefs/namespaces/{namespace}/resource_types — Create resource type association (admin). */
export async function createAssociation(deps: GlanceDeps, call: Call, name: string): Promise<void> {
  const body = (await readJson(call)) as Json;
  const s = store(deps);
  s.validate('association', 'resource_type_association', body);
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'add_metadef_resource_type_association');
  const rt = String(body.name);
  if (ns.associations.some((a) => a.name === rt)) {
    throw new HttpError(
      409,
      `The metadata definition resource-type association of resource-type=${rt} to namespace=${ns.namespace} already exists.`,
    );
  }
  const a = newAssociation(s, body, now());
  ns.associations.push(a);
  sendJson(call, 201, associationView(a));
}

/** DELETE /v2/metadefs/namespaces/{namespace}/resource_types/{name} — Remove resource type association (admin). */
export async function deleteAssociation(
  deps: GlanceDeps,
  call: Call,
  name: string,
  rt: string,
): Promise<void> {
  await deps.db(call, 'metadefs');
  const ns = lookup(deps, call, name, 'short');
  metadefAdmin(call, 'remove_metadef_resource_type_association');
  const at = ns.associations.findIndex((a) => a.name === rt);
  if (at < 0) throw new HttpError(404, `Failed to find resource type ${rt} to delete`);
  ns.associations.splice(at, 1);
  sendEmpty(call, 204);
}
