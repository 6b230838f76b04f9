/**
 * Fidelity comparator: replays one image lifecycle (with its error paths) on two Glances and
 * reduces every answer to what a client relies on — status, the headers that matter, the schema
 * validity of the body and a few body facts — so the embedded reference can be diffed against a
 * real Glance 25.1 step by step. A metadefs leg (namespace create, tag, show, delete) and a cache
 * leg (the cache API of a Glance without image_cache_dir) run first; a locations leg (JSON-patch
 * changes to `locations`, refused with show_multiple_locations off) runs on the queued image and,
 * for the member, on the shared one; a stores leg (store discovery, copy-image and
 * delete-from-store refusals) runs on the active image.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { digestBuffer } from '../../src/data/hash.js';
import type { ApiResponse, Image, PatchOp } from '../../src/glance/index.js';
import type { Target } from '../../src/target.js';
import { schemas } from '../../src/validate.js';

/** What one step's answer looks like once ids, dates and wording are set aside. */
export interface Observation {
  step: string;
  status: number;
  headers: Record<string, string>;
  /** 'valid', 'invalid: <first error>', or '-' when the body has no schema to meet. */
  schema: string;
  facts: string;
}

export interface Difference {
  step: string;
  field: string;
  reference: string;
  real: string;
}

export interface Side {
  admin: Target;
  /** A member of another project, for sharing and deactivation. */
  member: Target;
  memberProjectId: string;
}

/** Headers compared by value; the rest of HEADER_PRESENCE only by presence. */
const HEADER_VALUES = [
  'openstack-image-import-methods',
  'openstack-image-store-ids',
  'accept-patch',
  'content-range',
  'allow',
];
const HEADER_PRESENCE = ['location', 'x-openstack-request-id', 'www-authenticate', 'content-md5'];

function mediaType(v: string | undefined): string {
  return (v ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function observe(step: string, res: ApiResponse, schemaKey?: string, facts = ''): Observation {
  const h = res.headers;
  const headers: Record<string, string> = { 'content-type': mediaType(h['content-type']) };
  for (const k of HEADER_VALUES) headers[k] = h[k] ?? '';
  for (const k of HEADER_PRESENCE) headers[k] = h[k] ? 'present' : 'absent';
  const b = res.body as { message?: unknown } | undefined;
  if (res.status >= 400 && b && typeof b.message === 'string') {
    const words = b.message.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      '<uuid>',
    );
    facts = `${facts}${facts ? ' ' : ''}message=${JSON.stringify(words)}`;
  }
  let schema = '-';
  if (schemaKey && res.body !== undefined) {
    const v = schemas().validate(schemaKey, res.body);
    schema = v.valid ? 'valid' : `invalid: ${v.errors[0] ?? ''}`;
  }
  return { step, status: res.status, headers, schema, facts };
}

function imageFacts(img: Image | undefined, data?: { md5: string; sha512: string }): string {
  if (!img) return '';
  const parts = [
    `status=${img.status}`,
    `visibility=${img.visibility}`,
    `protected=${img.protected}`,
    `size=${img.size ?? null}`,
    `os_hash_algo=${img.os_hash_algo ?? null}`,
    `fidelity-tags=${(img.tags ?? []).filter((t) => t.startsWith('fidelity')).length}`,
    `os_name=${(img as Record<string, unknown>).os_name ?? '-'}`,
    `stores=${(img as Record<string, unknown>).stores ?? '-'}`,
    `import-keys=${Object.keys(img)
      .filter((k) => k.startsWith('os_glance_'))
      .join(',')}`,
  ];
  if (data) {
    parts.push(
      `checksum-matches=${img.checksum === data.md5}`,
      `hash-matches=${img.os_hash_value === data.sha512}`,
    );
  }
  return parts.join(' ');
}

const JSON_ERROR = 'harness/glance-error';

/** The version ids a versions document lists, in order (which depend on the store configuration). */
function versionFacts(doc: unknown): string {
  const versions = (doc as { versions?: Array<{ id?: unknown }> } | undefined)?.versions ?? [];
  return `ids=${versions.map((v) => String(v.id)).join(',')}`;
}

/** Store discovery entries reduced to id, type and flags (a store's data_dir is the host's own). */
function storeFacts(doc: unknown): string {
  const stores = (doc as { stores?: Array<Record<string, unknown>> } | undefined)?.stores ?? [];
  const flags = (s: Record<string, unknown>) =>
    [s.type, s.default === 'true' ? 'default' : '', s['read-only'] === 'true' ? 'read-only' : '']
      .filter((f) => f !== undefined && f !== '')
      .join(':');
  return `stores=${stores.map((s) => [String(s.id), flags(s)].filter((x) => x !== '').join(':')).join(',')}`;
}

/**
 * Store discovery and the store-level refusals an image in the default store gets: copy-image to
 * its own store or an unknown one, all_stores with nothing left to copy, deleting its only copy.
 * Leaves the image as it found it.
 */
async function replayStores(side: Side, id: string, out: Observation[]): Promise<void> {
  const g = side.admin.glance;
  const t = g.transport;
  const stores = await g.info.stores();
  out.push(observe('info.stores', stores, 'glance/zed/strict/info-stores', storeFacts(stores.body)));
  const detail = await g.info.storesDetail();
  out.push(observe('info.stores-detail', detail, undefined, storeFacts(detail.body)));
  out.push(observe('info.stores-detail-member', await side.member.glance.info.storesDetail(), JSON_ERROR));
  const defaultStore = String(
    (stores.body?.stores ?? []).find((s) => s.default === 'true' || s.default === true)?.id ?? 'fs',
  );
  const copy = (extra: Record<string, unknown>) =>
    g.images.import(id, { method: { name: 'copy-image' }, ...extra });
  out.push(observe('import.copy-image-same-store', await copy({ stores: [defaultStore] }), JSON_ERROR));
  out.push(
    observe(
      'import.copy-image-unknown-store',
      await copy({ stores: ['gh-fidelity-no-such-store'] }),
      JSON_ERROR,
    ),
  );
  out.push(observe('import.copy-image-all-stores', await copy({ all_stores: true })));
  const remove = (store: string) => t.call({ method: 'DELETE', path: `/v2/stores/${store}/${id}` });
  out.push(observe('stores.delete-only-copy', await remove(defaultStore), JSON_ERROR));
  out.push(observe('stores.delete-unknown-store', await remove('gh-fidelity-no-such-store'), JSON_ERROR));
  const after = await g.images.show(id);
  out.push(observe('images.show-after-copy', after, 'glance/zed/image', imageFacts(after.body)));
}

/**
 * The cache API on a Glance without image_cache_dir, as admin and as member: the policy, then "not
 * supported"; 405s with their Allow; ids looked up first (clean and prune are ids, nodes/{id} no
 * route). Only random ids and names no image has: nothing is queued or deleted.
 */
async function replayCache(side: Side, out: Observation[]): Promise<void> {
  const t = side.admin.glance.transport;
  const m = side.member.glance.transport;
  const id = randomUUID();
  const calls: Array<[string, typeof t, string, string]> = [
    ['cache.state', t, 'GET', '/v2/cache'],
    ['cache.state-member', m, 'GET', '/v2/cache'],
    ['cache.clear', t, 'DELETE', '/v2/cache'],
    ['cache.clear-member', m, 'DELETE', '/v2/cache'],
    ['cache.post', t, 'POST', '/v2/cache'],
    ['cache.queue-unknown', t, 'PUT', `/v2/cache/${id}`],
    ['cache.queue-unknown-member', m, 'PUT', `/v2/cache/${id}`],
    ['cache.delete-unknown', t, 'DELETE', `/v2/cache/${id}`],
    ['cache.get-entry', t, 'GET', `/v2/cache/${id}`],
    ['cache.clean-post', t, 'POST', '/v2/cache/clean'],
    ['cache.clean-get-member', m, 'GET', '/v2/cache/clean'],
    ['cache.prune-post', t, 'POST', '/v2/cache/prune'],
    ['cache.prune-put', t, 'PUT', '/v2/cache/prune'],
    ['cache.nodes', t, 'GET', `/v2/cache/nodes/${id}`],
  ];
  for (const [step, via, method, path] of calls) {
    out.push(observe(step, await via.call({ method, path }), JSON_ERROR));
  }
  out.push(observe('cache.head', await t.call({ method: 'HEAD', path: '/v2/cache' })));
}

/** A location as the image schema wants one; never stored, every change to locations is refused. */
const LOCATION = { url: 'http://127.0.0.1/gh-fidelity-location', metadata: {} };

/**
 * JSON-patch changes to `locations` by the owner (admin) on a queued image: refused as invisible
 * after the checks that come first — pointer depth, value schema, the image lookup, an empty list.
 */
async function replayLocations(side: Side, id: string, out: Observation[]): Promise<void> {
  const g = side.admin.glance;
  const cases: Array<[string, string, PatchOp]> = [
    ['images.locations-add-end', id, { op: 'add', path: '/locations/-', value: LOCATION }],
    ['images.locations-add-first', id, { op: 'add', path: '/locations/0', value: LOCATION }],
    ['images.locations-replace', id, { op: 'replace', path: '/locations', value: [LOCATION] }],
    ['images.locations-replace-empty', id, { op: 'replace', path: '/locations', value: [] }],
    ['images.locations-remove', id, { op: 'remove', path: '/locations/0' }],
    ['images.locations-remove-end', id, { op: 'remove', path: '/locations/-' }],
    ['images.locations-add-list', id, { op: 'add', path: '/locations', value: [LOCATION] }],
    ['images.locations-replace-end', id, { op: 'replace', path: '/locations/-', value: LOCATION }],
    ['images.locations-add-bad-value', id, { op: 'add', path: '/locations/-', value: 'x' }],
    ['images.locations-unknown-image', randomUUID(), { op: 'add', path: '/locations/-', value: LOCATION }],
  ];
  for (const [step, target, op] of cases) {
    out.push(observe(step, await g.images.update(target, [op]), JSON_ERROR));
  }
}

/**
 * The member on the image shared with it: adding a location passes the policy and is refused as
 * invisible; removing one, or any other change, is refused as not its own.
 */
async function replayMemberLocations(side: Side, id: string, out: Observation[]): Promise<void> {
  const m = side.member.glance;
  const cases: Array<[string, PatchOp]> = [
    ['images.locations-add-member', { op: 'add', path: '/locations/-', value: LOCATION }],
    ['images.locations-replace-member', { op: 'replace', path: '/locations', value: [LOCATION] }],
    ['images.locations-remove-member', { op: 'remove', path: '/locations/0' }],
    ['images.update-member', { op: 'replace', path: '/name', value: 'gh-fidelity-member' }],
  ];
  for (const [step, op] of cases) out.push(observe(step, await m.images.update(id, [op]), JSON_ERROR));
}

/** A namespace's facts: its flags and how many of each nested definition it holds. */
function namespaceFacts(doc: unknown): string {
  const ns = (doc ?? {}) as Record<string, unknown>;
  const count = (k: string) => (Array.isArray(ns[k]) ? (ns[k] as unknown[]).length : 0);
  return `visibility=${ns.visibility ?? '-'} protected=${ns.protected ?? '-'} tags=${count('tags')} associations=${count('resource_type_associations')}`;
}

/** Create, show, tag and delete one namespace (admin-only writes); always deletes what it created. */
async function replayMetadefs(side: Side, out: Observation[]): Promise<void> {
  const t = side.admin.glance.transport;
  const name = `gh-fidelity-md-${randomBytes(4).toString('hex')}`;
  const path = `/v2/metadefs/namespaces/${name}`;
  // Messages name the namespace: its random part is set aside like a uuid.
  const push = (o: Observation) => out.push({ ...o, facts: o.facts.replaceAll(name, '<ns>') });
  let created = false;
  try {
    push(
      observe('schemas.metadefs-tags', await t.call({ method: 'GET', path: '/v2/schemas/metadefs/tags' })),
    );
    const types = await t.call<{ resource_types?: Array<{ name: string }> }>({
      method: 'GET',
      path: '/v2/metadefs/resource_types',
    });
    const names = types.body?.resource_types?.map((r) => r.name) ?? [];
    push(
      observe(
        'metadefs.resource-types',
        types,
        undefined,
        `glance-image=${names.includes('OS::Glance::Image')}`,
      ),
    );
    const listed = await t.call<{ namespaces?: unknown[]; next?: string }>({
      method: 'GET',
      path: '/v2/metadefs/namespaces',
      query: { limit: 5, resource_types: 'OS::Glance::Image' },
    });
    push(
      observe(
        'metadefs.list',
        listed,
        'glance/zed/metadefs/namespaces',
        `page=${listed.body?.namespaces?.length ?? '-'} next=${listed.body?.next ? 'present' : 'absent'}`,
      ),
    );
    const body = { namespace: name, display_name: 'glance-harness fidelity', protected: false };
    const made = await t.call({ method: 'POST', path: '/v2/metadefs/namespaces', json: body });
    created = made.status === 201;
    push(observe('metadefs.create', made, 'glance/zed/metadefs/namespace', namespaceFacts(made.body)));
    push(
      observe(
        'metadefs.create-again',
        await t.call({ method: 'POST', path: '/v2/metadefs/namespaces', json: body }),
        JSON_ERROR,
      ),
    );
    push(
      observe(
        'metadefs.create-member',
        await side.member.glance.transport.call({
          method: 'POST',
          path: '/v2/metadefs/namespaces',
          json: { namespace: `${name}-m` },
        }),
        JSON_ERROR,
      ),
    );
    push(
      observe(
        'metadefs.tag-add',
        await t.call({ method: 'POST', path: `${path}/tags/fidelity` }),
        'glance/zed/metadefs/tag',
      ),
    );
    const shown = await t.call({ method: 'GET', path });
    push(observe('metadefs.show', shown, 'glance/zed/metadefs/namespace', namespaceFacts(shown.body)));
    push(
      observe(
        'metadefs.show-member',
        await side.member.glance.transport.call({ method: 'GET', path }),
        JSON_ERROR,
      ),
    );
    push(observe('metadefs.delete', await t.call({ method: 'DELETE', path })));
    created = false;
    push(observe('metadefs.show-deleted', await t.call({ method: 'GET', path }), JSON_ERROR));
  } finally {
    if (created) await t.call({ method: 'DELETE', path }).catch(() => undefined);
  }
}

/** Runs the lifecycle on one side; always deletes the image it created. */
export async function replay(side: Side, dataFile: string): Promise<Observation[]> {
  const g = side.admin.glance;
  const m = side.member.glance;
  const bytes = readFileSync(dataFile);
  const local = digestBuffer(bytes);
  const out: Observation[] = [];
  let imageId: string | undefined;
  try {
    const root = await g.versions.listRoot();
    out.push(observe('versions.root', root, 'harness/versions', versionFacts(root.body)));
    out.push(observe('versions.list', await g.versions.list(), 'harness/versions'));
    out.push(observe('schemas.image', await g.schemas.show('image')));
    out.push(observe('auth.no-token', await g.images.list({}, { noAuth: true })));
    out.push(observe('auth.bad-token', await g.images.list({}, { token: randomBytes(16).toString('hex') })));
    out.push(observe('images.show-unknown', await g.images.show(randomUUID()), JSON_ERROR));
    await replayMetadefs(side, out);
    await replayCache(side, out);

    const tag = `fidelity-${randomBytes(4).toString('hex')}`;
    const created = await g.images.create({
      name: `gh-fidelity-${tag}`,
      disk_format: 'raw',
      container_format: 'bare',
      tags: ['glance-harness', tag],
      fidelity_note: 'compare',
    });
    const img = created.body as Image | undefined;
    imageId = img?.id;
    out.push(observe('images.create', created, 'glance/zed/image', imageFacts(img)));
    if (!imageId) return out;
    const id = imageId;

    const shown = await g.images.show(id);
    out.push(observe('images.show-queued', shown, 'glance/zed/image', imageFacts(shown.body)));
    out.push(
      observe(
        'images.update-wrong-media-type',
        await g.images.update(id, [{ op: 'add', path: '/os_name', value: 'x' }], {
          mediaType: 'application/json',
        }),
        JSON_ERROR,
      ),
    );
    const patched = await g.images.update(id, [{ op: 'add', path: '/os_name', value: 'linux' }]);
    out.push(observe('images.update-add-property', patched, 'glance/zed/image', imageFacts(patched.body)));
    out.push(
      observe(
        'images.update-tags-dash',
        await g.images.update(id, [{ op: 'add', path: '/tags/-', value: 'x' }]),
        JSON_ERROR,
      ),
    );
    out.push(
      observe(
        'images.update-read-only',
        await g.images.update(id, [{ op: 'replace', path: '/status', value: 'active' }]),
        JSON_ERROR,
      ),
    );
    out.push(
      observe(
        'images.update-reserved',
        await g.images.update(id, [{ op: 'add', path: '/os_glance_fidelity', value: 'x' }]),
        JSON_ERROR,
      ),
    );
    await replayLocations(side, id, out);
    out.push(observe('tags.add', await g.tags.add(id, `${tag}-b`)));
    const listed = await g.images.list({ tag });
    out.push(
      observe(
        'images.list-by-tag',
        listed,
        'glance/zed/images',
        `count=${listed.body?.images?.length ?? '-'}`,
      ),
    );
    out.push(observe('data.download-queued', await g.data.download(id)));
    out.push(
      observe(
        'data.upload-wrong-type',
        await g.data.upload(id, dataFile, { contentType: 'application/json' }),
      ),
    );
    out.push(observe('data.upload', await g.data.upload(id, dataFile)));
    out.push(observe('data.upload-again', await g.data.upload(id, dataFile), JSON_ERROR));
    const active = await g.images.show(id);
    out.push(observe('images.show-active', active, 'glance/zed/image', imageFacts(active.body, local)));
    await replayStores(side, id, out);
    // Column filters as MySQL compares them: the size as a number, the checksum whatever its case.
    for (const [step, query] of [
      ['images.list-by-size', { tag, size: bytes.length }],
      ['images.list-by-other-size', { tag, size: `${bytes.length + 1}` }],
      ['images.list-by-checksum-upper', { tag, checksum: local.md5.toUpperCase() }],
    ] as const) {
      const found = await g.images.list(query);
      out.push(observe(step, found, 'glance/zed/images', `count=${found.body?.images?.length ?? '-'}`));
    }
    const down = await g.data.download(id);
    out.push(
      observe(
        'data.download',
        down,
        undefined,
        `bytes=${down.received.size} md5-matches=${down.received.md5 === local.md5} ` +
          `content-md5-matches=${down.headers['content-md5'] === local.md5}`,
      ),
    );
    const part = await g.data.download(id, { range: 'bytes=0-99' });
    out.push(observe('data.download-range', part, undefined, `bytes=${part.received.size}`));
    out.push(observe('data.head', await g.data.download(id, { method: 'HEAD' })));

    out.push(
      observe('members.create', await g.members.create(id, side.memberProjectId), 'glance/zed/member'),
    );
    out.push(observe('members.list', await g.members.list(id), 'glance/zed/members'));
    out.push(
      observe(
        'members.accept-by-member',
        await m.members.update(id, side.memberProjectId, 'accepted'),
        'glance/zed/member',
      ),
    );
    out.push(observe('members.owner-accepts', await g.members.update(id, side.memberProjectId, 'accepted')));
    out.push(observe('members.show-by-member', await m.images.show(id), 'glance/zed/image'));
    await replayMemberLocations(side, id, out);
    out.push(observe('images.deactivate', await g.images.deactivate(id)));
    out.push(observe('data.download-deactivated-member', await m.data.download(id)));
    const adminDeactivated = await g.data.download(id);
    out.push(
      observe(
        'data.download-deactivated-admin',
        adminDeactivated,
        undefined,
        `bytes=${adminDeactivated.received.size}`,
      ),
    );
    out.push(observe('images.reactivate', await g.images.reactivate(id)));
    out.push(observe('info.import', await g.info.import()));
    out.push(observe('info.usage', await g.info.usage()));
    out.push(observe('tasks.for-image', await g.tasks.listForImage(id)));
    out.push(observe('tasks.list-admin', await g.tasks.list()));
    out.push(observe('tasks.list-member', await m.tasks.list(), JSON_ERROR));
    const protect = await g.images.update(id, [{ op: 'replace', path: '/protected', value: true }]);
    out.push(observe('images.protect', protect, 'glance/zed/image', imageFacts(protect.body)));
    out.push(observe('images.delete-protected', await g.images.delete(id), JSON_ERROR));
    await g.images.update(id, [{ op: 'replace', path: '/protected', value: false }]);
    out.push(observe('images.delete', await g.images.delete(id)));
    imageId = undefined;
    out.push(observe('images.show-deleted', await g.images.show(id), JSON_ERROR));
    out.push(observe('images.delete-again', await g.images.delete(id), JSON_ERROR));
    const after = await g.images.list({ tag });
    out.push(
      observe('images.list-after-delete', after, 'glance/zed/images', `count=${after.body?.images?.length}`),
    );
    return out;
  } finally {
    if (imageId) {
      await g.images
        .update(imageId, [{ op: 'replace', path: '/protected', value: false }])
        .catch(() => undefined);
      await g.images.delete(imageId).catch(() => undefined);
    }
  }
}

/** Every field in which the two replays disagree, step by step. */
export function compare(reference: Observation[], real: Observation[]): Difference[] {
  const diffs: Difference[] = [];
  const realBy = new Map(real.map((o) => [o.step, o]));
  for (const a of reference) {
    const b = realBy.get(a.step);
    if (!b) {
      diffs.push({ step: a.step, field: 'step', reference: 'ran', real: 'missing' });
      continue;
    }
    const fields: Array<[string, string, string]> = [
      ['status', String(a.status), String(b.status)],
      ['schema', a.schema, b.schema],
      ['facts', a.facts, b.facts],
      ...Object.keys({ ...a.headers, ...b.headers }).map((k): [string, string, string] => [
        `header ${k}`,
        a.headers[k] ?? '',
        b.headers[k] ?? '',
      ]),
    ];
    for (const [field, x, y] of fields)
      if (x !== y) diffs.push({ step: a.step, field, reference: x, real: y });
  }
  for (const b of real) {
    if (!reference.some((a) => a.step === b.step))
      diffs.push({ step: b.step, field: 'step', reference: 'missing', real: 'ran' });
  }
  return diffs;
}

/** A table for the log: one line per step, then the differences. */
export function renderComparison(reference: Observation[], real: Observation[], diffs: Difference[]): string {
  const realBy = new Map(real.map((o) => [o.step, o]));
  const lines = reference.map((a) => {
    const b = realBy.get(a.step);
    const same = !diffs.some((d) => d.step === a.step);
    return `${same ? '  same' : '  DIFF'}  ${a.step.padEnd(34)} ${String(a.status).padEnd(4)} ${String(b?.status ?? '-')}`;
  });
  lines.push(`${diffs.length} difference(s) in ${reference.length} steps`);
  for (const d of diffs)
    lines.push(`  ${d.step}: ${d.field}: reference "${d.reference}" vs real "${d.real}"`);
  return lines.join('\n');
}
