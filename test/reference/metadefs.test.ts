/**
 * Metadata definitions as the lab's Zed Glance answers them after db_sync + db_load_metadefs:
 * the loaded catalog, list filters and paging, namespace writes and policy, objects, properties,
 * tags and resource type associations, the metadef schemas and the db faults.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import { JSON_500 } from './captured.js';
import { call, startSession } from './helpers.js';

type Doc = Record<string, unknown>;
type NsPage = {
  namespaces: Array<Doc & { namespace: string }>;
  first: string;
  next?: string;
  schema: string;
};

const JSON_ACCEPT = { accept: 'application/json' };
const NS = '/v2/metadefs/namespaces';

describe('reference Glance metadefs (lab captures, Zed 25.1 after db_load_metadefs)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;
  let demo: string;

  const get = async (path: string, tok = admin) => call(g, path, { token: tok, headers: JSON_ACCEPT });
  const send = async (
    method: string,
    path: string,
    json?: unknown,
    tok = admin,
    headers: Record<string, string> = {},
  ) => call(g, path, { method, token: tok, json, headers: { ...JSON_ACCEPT, ...headers } });
  const message = async (res: Response) =>
    ((await res.json()) as { message: string }).message.replace(/<br \/>.*$/s, '');

  before(async () => {
    ({ ref, g, admin, demo } = await startSession());
  });
  after(() => ref.close());

  describe('the loaded catalog', () => {
    it('GET /v2/metadefs/resource_types lists the six loaded resource types with created_at only', async () => {
      const res = await get('/v2/metadefs/resource_types');
      assert.equal(res.status, 200);
      const body = (await res.json()) as { resource_types: Doc[] };
      assert.deepEqual(
        body.resource_types.map((r) => r.name),
        [
          'OS::Glance::Image',
          'OS::Cinder::Volume',
          'OS::Nova::Server',
          'OS::Nova::Aggregate',
          'OS::Nova::Flavor',
          'OS::Trove::Instance',
        ],
      );
      for (const r of body.resource_types) assert.deepEqual(Object.keys(r), ['name', 'created_at']);
    });

    it('GET /v2/metadefs/namespaces pages 25 of the 33 namespaces, newest first, with next and first', async () => {
      const res = await get(NS);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      const body = (await res.json()) as NsPage;
      assert.deepEqual(Object.keys(body), ['namespaces', 'next', 'schema', 'first']);
      assert.equal(body.namespaces.length, 25);
      assert.equal(body.namespaces[0]?.namespace, 'OS::Compute::CPUPinning');
      assert.equal(body.namespaces[24]?.namespace, 'CIM::ProcessorAllocationSettingData');
      assert.equal(body.next, '/v2/metadefs/namespaces?marker=CIM%3A%3AProcessorAllocationSettingData');
      assert.equal(body.first, '/v2/metadefs/namespaces');
      assert.equal(body.schema, '/v2/schemas/metadefs/namespaces');
      assert.deepEqual(Object.keys(body.namespaces[0] ?? {}), [
        'namespace',
        'display_name',
        'description',
        'visibility',
        'protected',
        'owner',
        'created_at',
        'resource_type_associations',
        'self',
        'schema',
      ]);
      const all = (await (await get(`${NS}?limit=1000`)).json()) as NsPage;
      assert.equal(all.namespaces.length, 33);
      assert.equal(all.next, undefined);
      assert.equal(all.namespaces.at(-1)?.namespace, 'OS::Software::WebServers');
    });

    it('GET /v2/metadefs/namespaces with filters, sort and marker answers as the lab did', async () => {
      const q = `${NS}?limit=2&visibility=public&resource_types=OS::Nova::Flavor,OS::Nova::Aggregate&sort_dir=asc`;
      const body = (await (await get(q)).json()) as NsPage;
      assert.deepEqual(
        body.namespaces.map((n) => n.namespace),
        ['OS::Compute::AggregateIoOpsFilter', 'OS::Compute::AggregateNumInstancesFilter'],
      );
      const first =
        '/v2/metadefs/namespaces?limit=2&visibility=public&resource_types=OS%3A%3ANova%3A%3AFlavor%2COS%3A%3ANova%3A%3AAggregate&sort_dir=asc';
      assert.equal(body.first, first);
      assert.equal(body.next, `${first}&marker=OS%3A%3ACompute%3A%3AAggregateNumInstancesFilter`);
      const byName = (await (await get(`${NS}?sort_key=namespace&sort_dir=asc&limit=2`)).json()) as NsPage;
      assert.equal(byName.namespaces[0]?.namespace, 'CIM::ProcessorAllocationSettingData');
      const after = (await (await get(`${NS}?limit=2&marker=OS::Compute::TPM`)).json()) as NsPage;
      assert.equal(after.namespaces[0]?.namespace, 'OS::Compute::VMwareQuotaFlavor');
    });

    it('GET /v2/metadefs/namespaces with bad parameters returns the captured 400/404/500', async () => {
      const cases: Array<[string, number, string]> = [
        ['?visibility=bogus', 400, 'Invalid visibility value: bogus'],
        ['?sort_dir=bogus', 400, 'Invalid sort direction: bogus'],
        ['?limit=-1', 400, 'limit param must be positive'],
        ['?marker=nope', 404, 'Metadata definition namespace=nope was not found.'],
      ];
      for (const [query, status, text] of cases) {
        const res = await get(`${NS}${query}`);
        assert.equal(res.status, status, query);
        assert.equal(await message(res), text, query);
      }
      for (const query of ['?limit=x', '?sort_key=bogus']) {
        const res = await get(`${NS}${query}`);
        assert.equal(res.status, 500, query);
        assert.equal(await res.text(), JSON_500, query);
      }
    });

    it('GET /v2/metadefs/namespaces as a member omits the two private ones (31 of 33)', async () => {
      const mine = (await (await get(`${NS}?limit=1000`, demo)).json()) as NsPage;
      assert.equal(mine.namespaces.length, 31);
      assert.ok(!mine.namespaces.some((n) => n.namespace === 'OS::OperatingSystem'));
      assert.ok(!mine.namespaces.some((n) => n.namespace === 'OS::Glance::CommonImageProperties'));
      const res = await get(`${NS}/OS::Glance::CommonImageProperties`, demo);
      assert.equal(res.status, 404);
      assert.equal(await message(res), 'The resource could not be found.');
      const objects = await get(`${NS}/OS::Glance::CommonImageProperties/objects`, demo);
      assert.equal(await message(objects), 'Namespace OS::Glance::CommonImageProperties not found');
    });

    it('GET /v2/metadefs/namespaces/{ns} shows the loaded properties, objects and associations; ?resource_type= prefixes', async () => {
      const watchdog = (await (await get(`${NS}/OS::Compute::Watchdog`)).json()) as Doc & {
        properties: Record<string, Doc>;
      };
      assert.deepEqual(watchdog.properties.watchdog_action?.enum, [
        'disabled',
        'reset',
        'poweroff',
        'pause',
        'none',
      ]);
      assert.equal(watchdog.self, '/v2/metadefs/namespaces/OS::Compute::Watchdog');
      assert.equal(watchdog.schema, '/v2/schemas/metadefs/namespace');
      const dbms = (await (await get(`${NS}/OS::Software::DBMS`)).json()) as { objects: Doc[] };
      assert.equal(dbms.objects.length, 12);
      assert.deepEqual(Object.keys(dbms.objects[0] ?? {}), [
        'name',
        'required',
        'description',
        'properties',
        'created_at',
        'self',
        'schema',
      ]);
      const prop = await get(`${NS}/OS::Compute::Watchdog/properties/watchdog_action`);
      assert.deepEqual(Object.keys((await prop.json()) as Doc).slice(0, 3), ['name', 'type', 'title']);
      const flavor = (await (
        await get(`${NS}/OS::Compute::Watchdog?resource_type=OS::Nova::Flavor`)
      ).json()) as {
        properties: Doc;
      };
      assert.deepEqual(Object.keys(flavor.properties), ['hw:watchdog_action']);
      const prefixed = await get(
        `${NS}/OS::Compute::Watchdog/properties/hw:watchdog_action?resource_type=OS::Nova::Flavor`,
      );
      assert.equal(((await prefixed.json()) as Doc).name, 'watchdog_action');
      const missing = await get(`${NS}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(await message(missing), 'Metadata definition namespace=nope was not found.');
    });

    it('GET /v2/schemas/metadefs/* serves the ten schemas the lab serves, byte for byte as pinned', async () => {
      for (const name of [
        'namespace',
        'namespaces',
        'resource_type',
        'resource_types',
        'property',
        'properties',
        'object',
        'objects',
        'tag',
        'tags',
      ]) {
        const res = await get(`/v2/schemas/metadefs/${name}`);
        assert.equal(res.status, 200, name);
        const file = new URL(`../../schemas/glance/zed/metadefs-${name}.json`, import.meta.url);
        assert.deepEqual(await res.json(), JSON.parse(readFileSync(file, 'utf8')), name);
      }
    });
  });

  describe('namespace writes', () => {
    it('POST /v2/metadefs/namespaces returns 201 with Location, echoes nested definitions; 409 on a duplicate', async () => {
      const res = await send('POST', NS, {
        namespace: 'gh-md-nested',
        display_name: 'B',
        visibility: 'public',
        resource_type_associations: [{ name: 'OS::Glance::Image', prefix: 'p_' }],
        properties: { p1: { type: 'string', title: 'P1' } },
        objects: [{ name: 'o1', properties: { x: { type: 'integer', title: 'X' } } }],
        tags: [{ name: 't1' }],
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `${g}/v2/metadefs/namespaces/gh-md-nested`);
      const doc = (await res.json()) as Doc;
      assert.deepEqual(doc.resource_type_associations, [{ name: 'OS::Glance::Image', prefix: 'p_' }]);
      assert.deepEqual(doc.tags, [{ name: 't1' }]);
      assert.equal(doc.protected, false);
      assert.equal(doc.created_at, doc.updated_at);
      const shown = (await (await get(`${NS}/gh-md-nested`)).json()) as {
        objects: Doc[];
        resource_type_associations: Doc[];
      };
      assert.deepEqual(shown.objects[0]?.required, []);
      assert.equal(shown.objects[0]?.self, '/v2/metadefs/namespaces/gh-md-nested/objects/o1');
      assert.deepEqual(Object.keys(shown.resource_type_associations[0] ?? {}), [
        'name',
        'prefix',
        'created_at',
        'updated_at',
      ]);
      const again = await send('POST', NS, { namespace: 'gh-md-nested' });
      assert.equal(again.status, 409);
      assert.equal(await message(again), 'The metadata definition namespace=gh-md-nested already exists.');
      assert.equal((await send('DELETE', `${NS}/gh-md-nested`)).status, 204);
    });

    it('POST /v2/metadefs/namespaces with a bad document returns the schema 400s', async () => {
      const tooLong = await send('POST', NS, { namespace: 'x'.repeat(81) });
      assert.equal(tooLong.status, 400);
      assert.equal(
        (await message(tooLong)).split('\n')[0],
        `Provided object does not match schema 'namespace': '${'x'.repeat(81)}' is too long`,
      );
      const bogus = await send('POST', NS, { namespace: 'gh-md-c', visibility: 'bogus' });
      assert.match(
        await message(bogus),
        /^Provided object does not match schema 'namespace': 'bogus' is not one of \['public', 'private'\]/,
      );
      const missing = await send('POST', NS, {});
      assert.match(
        await message(missing),
        /^Provided object does not match schema 'namespace': 'namespace' is a required property/,
      );
      const extra = await send('POST', NS, { namespace: 'gh-md-c', bogus: 1 });
      assert.match(await message(extra), /Additional properties are not allowed \('bogus' was unexpected\)/);
      const malformed = await call(g, NS, {
        method: 'POST',
        token: admin,
        body: 'not json',
        headers: { 'content-type': 'application/json', ...JSON_ACCEPT },
      });
      assert.equal(malformed.status, 400);
      assert.equal(await message(malformed), 'Malformed JSON in request body.');
      const list = await call(g, NS, {
        method: 'POST',
        token: admin,
        body: '[1]',
        headers: { 'content-type': 'application/json', ...JSON_ACCEPT },
      });
      assert.equal(list.status, 500);
    });

    it('namespace writes as a member: 403 by policy on what it sees, 404 on what it does not', async () => {
      const create = await send('POST', NS, { namespace: 'gh-md-member' }, demo);
      assert.equal(create.status, 403);
      assert.equal(await message(create), 'You are not authorized to complete add_metadef_namespace action.');
      const put = await send(
        'PUT',
        `${NS}/OS::Compute::Watchdog`,
        { namespace: 'OS::Compute::Watchdog' },
        demo,
      );
      assert.equal(await message(put), 'You are not authorized to complete modify_metadef_namespace action.');
      const del = await send('DELETE', `${NS}/OS::Compute::Watchdog`, undefined, demo);
      assert.equal(del.status, 403);
      assert.equal(await message(del), 'You are not authorized to complete delete_metadef_namespace action.');
      assert.equal((await send('POST', NS, { namespace: 'gh-md-hidden' })).status, 201);
      const hidden = await send('DELETE', `${NS}/gh-md-hidden`, undefined, demo);
      assert.equal(hidden.status, 404);
      assert.equal(await message(hidden), 'Namespace gh-md-hidden not found');
      assert.equal((await send('DELETE', `${NS}/gh-md-hidden`)).status, 204);
      for (const [path, action] of [
        ['tags/zz', 'add_metadef_tag'],
        ['objects', 'add_metadef_object'],
        ['properties', 'add_metadef_property'],
        ['resource_types', 'add_metadef_resource_type_association'],
      ] as const) {
        const body =
          path === 'tags/zz'
            ? undefined
            : path === 'properties'
              ? { name: 'o', type: 'string', title: 't' }
              : { name: 'OS::Nova::Server' };
        const res = await send('POST', `${NS}/OS::Compute::Watchdog/${path}`, body, demo);
        assert.equal(res.status, 403, path);
        assert.equal(await message(res), `You are not authorized to complete ${action} action.`, path);
      }
    });

    it('PUT replaces the namespace (left-out fields reset), 409 on a taken name; DELETE of a protected one is 403', async () => {
      await send('POST', NS, { namespace: 'gh-md-put', display_name: 'A', visibility: 'public' });
      const put = await send('PUT', `${NS}/gh-md-put`, { namespace: 'gh-md-put', protected: true });
      assert.equal(put.status, 200);
      const doc = (await put.json()) as Doc;
      assert.equal(doc.display_name, undefined);
      assert.equal(doc.visibility, 'private');
      assert.equal(doc.protected, true);
      const bad = await send('PUT', `${NS}/gh-md-put`, { display_name: 'x' });
      assert.match(await message(bad), /'namespace' is a required property/);
      const taken = await send('PUT', `${NS}/gh-md-put`, { namespace: 'OS::Compute::Watchdog' });
      assert.equal(taken.status, 409);
      assert.equal(
        await message(taken),
        'Invalid update. It would result in a duplicate metadata definition namespace with the same name of OS::Compute::Watchdog',
      );
      const del = await send('DELETE', `${NS}/gh-md-put`);
      assert.equal(del.status, 403);
      assert.equal(
        await message(del),
        'Metadata definition namespace gh-md-put is protected and cannot be deleted.',
      );
      const tags = await send('DELETE', `${NS}/gh-md-put/tags`);
      assert.equal(tags.status, 403);
      await send('PUT', `${NS}/gh-md-put`, { namespace: 'gh-md-put' });
      assert.equal((await send('DELETE', `${NS}/gh-md-put`)).status, 204);
      const gone = await send('DELETE', `${NS}/gh-md-put`);
      assert.equal(gone.status, 404);
      assert.equal(await message(gone), 'Namespace gh-md-put not found');
      const own = (await (await get(`${NS}?visibility=private`)).json()) as NsPage;
      assert.deepEqual(own.namespaces, []);
      assert.equal(own.first, '/v2/metadefs/namespaces?visibility=private');
    });
  });

  describe('inside a namespace', () => {
    const base = `${NS}/gh-md-inner`;
    before(async () => {
      await send('POST', NS, { namespace: 'gh-md-inner' });
    });
    after(async () => {
      await send('DELETE', base);
    });

    it('objects: create echoes the body (201), show fills required/properties, rename, delete (204), 404/409 texts', async () => {
      const created = await send('POST', `${base}/objects`, { name: 'obj1' });
      assert.equal(created.status, 201);
      assert.deepEqual(Object.keys((await created.json()) as Doc), [
        'name',
        'created_at',
        'updated_at',
        'self',
        'schema',
      ]);
      const dup = await send('POST', `${base}/objects`, { name: 'obj1' });
      assert.equal(dup.status, 409);
      assert.equal(
        await message(dup),
        'A metadata definition object with name=obj1 already exists in namespace=gh-md-inner.',
      );
      await send('POST', `${base}/objects`, { name: 'Ab' });
      const list = (await (await get(`${base}/objects`)).json()) as { objects: Doc[]; schema: string };
      assert.deepEqual(
        list.objects.map((o) => o.name),
        ['Ab', 'obj1'],
      );
      assert.deepEqual(list.objects[1]?.required, []);
      assert.deepEqual(list.objects[1]?.properties, {});
      assert.equal(list.schema, 'v2/schemas/metadefs/objects');
      const put = await send('PUT', `${base}/objects/obj1`, { name: 'obj2', description: 'e' });
      assert.equal(put.status, 200);
      assert.equal(((await put.json()) as Doc).self, '/v2/metadefs/namespaces/gh-md-inner/objects/obj2');
      assert.equal((await send('DELETE', `${base}/objects/obj2`)).status, 204);
      const gone = await send('DELETE', `${base}/objects/obj2`);
      assert.equal(gone.status, 404);
      assert.equal(await message(gone), 'Could not find metadata object obj2');
      const missingNs = await get(`${NS}/nope/objects`);
      assert.equal(await message(missingNs), 'Metadata definition namespace=nope was not found.');
    });

    it('properties: create (201) echoes, title is required (400), list keeps the name, update, delete', async () => {
      const created = await send('POST', `${base}/properties`, { name: 'prop1', type: 'string', title: 'P' });
      assert.equal(created.status, 201);
      assert.deepEqual(await created.json(), { name: 'prop1', type: 'string', title: 'P' });
      const dup = await send('POST', `${base}/properties`, { name: 'prop1', type: 'string', title: 'P' });
      assert.equal(
        await message(dup),
        'A metadata definition property with name=prop1 already exists in namespace=gh-md-inner.',
      );
      const noTitle = await send('POST', `${base}/properties`, { name: 'prop2', type: 'string' });
      assert.equal(noTitle.status, 400);
      assert.match(
        await message(noTitle),
        /^Provided object does not match schema 'property': 'title' is a required property/,
      );
      assert.deepEqual(await (await get(`${base}/properties`)).json(), {
        properties: { prop1: { name: 'prop1', type: 'string', title: 'P' } },
      });
      const put = await send('PUT', `${base}/properties/prop1`, {
        name: 'prop1',
        type: 'integer',
        title: 'P2',
      });
      assert.deepEqual(await put.json(), { name: 'prop1', type: 'integer', title: 'P2' });
      assert.equal((await send('DELETE', `${base}/properties/prop1`)).status, 204);
      const gone = await get(`${base}/properties/prop1`);
      assert.equal(await message(gone), 'Could not find property prop1');
    });

    it('tags: one at a time (201, case-insensitive 409), rename, bulk replace or append, delete one and all', async () => {
      const one = await send('POST', `${base}/tags/tag1`);
      assert.equal(one.status, 201);
      assert.deepEqual(Object.keys((await one.json()) as Doc), ['name', 'created_at', 'updated_at']);
      const dup = await send('POST', `${base}/tags/TAG1`);
      assert.equal(dup.status, 409);
      assert.equal(
        await message(dup),
        'A metadata tag with name=TAG1 already exists in namespace=gh-md-inner. (Please note that metadata tag names are case insensitive).',
      );
      assert.equal(
        ((await (await send('PUT', `${base}/tags/tag1`, { name: 'tag1b' })).json()) as Doc).name,
        'tag1b',
      );
      const appended = await send('POST', `${base}/tags`, { tags: [{ name: 'x1' }, { name: 'x2' }] }, admin, {
        'x-openstack-append': 'True',
      });
      assert.equal(appended.status, 201);
      assert.deepEqual(await appended.json(), { tags: [{ name: 'x1' }, { name: 'x2' }] });
      assert.deepEqual(await (await get(`${base}/tags`)).json(), {
        tags: [{ name: 'x2' }, { name: 'x1' }, { name: 'tag1b' }],
      });
      await send('POST', `${base}/tags`, { tags: [{ name: 'x3' }] });
      assert.deepEqual(await (await get(`${base}/tags`)).json(), { tags: [{ name: 'x3' }] });
      const twice = await send('POST', `${base}/tags`, { tags: [{ name: 'x1' }, { name: 'x1' }] });
      assert.equal(twice.status, 409);
      assert.equal((await send('DELETE', `${base}/tags/x3`)).status, 204);
      assert.equal(await message(await send('DELETE', `${base}/tags/x3`)), 'Could not find metadata tag x3');
      await send('POST', `${base}/tags/z`);
      assert.equal((await send('DELETE', `${base}/tags`)).status, 204);
      assert.deepEqual(await (await get(`${base}/tags`)).json(), { tags: [] });
      const long = await send('POST', `${base}/tags/${'y'.repeat(81)}`);
      assert.equal(long.status, 400);
      assert.match(await message(long), /^Provided object does not match schema 'tag': 'y+' is too long/);
      assert.equal(await message(await get(`${NS}/nope/tags`)), 'Namespace nope not found');
    });

    it('resource type associations: create (201, new types join the list), 409, delete (204), 404 text', async () => {
      const res = await send('POST', `${base}/resource_types`, {
        name: 'OS::Nova::Server',
        prefix: 's_',
        properties_target: 't',
      });
      assert.equal(res.status, 201);
      assert.deepEqual(Object.keys((await res.json()) as Doc), [
        'name',
        'prefix',
        'properties_target',
        'created_at',
        'updated_at',
      ]);
      const dup = await send('POST', `${base}/resource_types`, { name: 'OS::Nova::Server' });
      assert.equal(dup.status, 409);
      assert.equal(
        await message(dup),
        'The metadata definition resource-type association of resource-type=OS::Nova::Server to namespace=gh-md-inner already exists.',
      );
      assert.equal((await send('POST', `${base}/resource_types`, { name: 'GH::New' })).status, 201);
      const types = (await (await get('/v2/metadefs/resource_types')).json()) as { resource_types: Doc[] };
      assert.deepEqual(Object.keys(types.resource_types.at(-1) ?? {}), ['name', 'created_at', 'updated_at']);
      const listed = (await (await get(`${base}/resource_types`)).json()) as {
        resource_type_associations: Doc[];
      };
      assert.deepEqual(
        listed.resource_type_associations.map((a) => a.name),
        ['OS::Nova::Server', 'GH::New'],
      );
      assert.equal((await send('DELETE', `${base}/resource_types/OS::Nova::Server`)).status, 204);
      const gone = await send('DELETE', `${base}/resource_types/OS::Nova::Server`);
      assert.equal(gone.status, 404);
      assert.equal(await message(gone), 'Failed to find resource type OS::Nova::Server to delete');
    });
  });

  it('PATCH on metadef paths is 405 with the Allow header the lab sends', async () => {
    const cases: Array<[string, string]> = [
      ['/v2/metadefs/namespaces', 'GET, POST'],
      ['/v2/metadefs/namespaces/OS::Compute::Watchdog', 'GET, PUT, DELETE'],
      ['/v2/metadefs/namespaces/OS::Compute::Watchdog/tags', 'GET, POST, DELETE'],
      ['/v2/metadefs/namespaces/OS::Compute::Watchdog/tags/x', 'GET, POST, PUT, DELETE'],
      ['/v2/metadefs/namespaces/OS::Compute::Watchdog/objects/x', 'GET, PUT, DELETE'],
      ['/v2/metadefs/namespaces/OS::Compute::Watchdog/resource_types/x', 'DELETE'],
      ['/v2/metadefs/resource_types', 'GET'],
    ];
    for (const [path, allow] of cases) {
      const res = await send('PATCH', path);
      assert.equal(res.status, 405, path);
      assert.equal(res.headers.get('allow'), allow, path);
      await res.arrayBuffer();
    }
  });

  it('db-not-synced: metadefs answer the generic 500; db-half-migrated: still 200', async () => {
    ref.setFault('db-not-synced');
    try {
      const res = await get(NS);
      assert.equal(res.status, 500);
      assert.equal(await res.text(), JSON_500);
      assert.equal((await get(`${NS}/OS::Compute::Watchdog/tags`)).status, 500);
      ref.setFault('db-half-migrated');
      assert.equal((await get(`${NS}/OS::Compute::Watchdog`)).status, 200);
      assert.equal((await get('/v2/metadefs/resource_types')).status, 200);
    } finally {
      ref.setFault(null);
    }
  });
});
