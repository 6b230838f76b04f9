/**
 * Two corners of Zed's defaults, as the live lab answered them (2026-12-04): the cache management
 * API of a Glance without image_cache_dir, and JSON-patch changes to `locations` with
 * show_multiple_locations off — each with the checks that come before the refusal, in their order.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ReferenceServer } from '../../src/reference/index.js';
import { call, createImage, raw, startSession } from './helpers.js';

const JSON_ACCEPT = { accept: 'application/json' };
const PATCH = { accept: 'application/json', 'content-type': 'application/openstack-images-v2.1-json-patch' };

/** Glance's JSON error body for a status and the text webob puts before its detail. */
function jsonError(status: string, text: string, detail = ''): string {
  const title = status.replace(/^\d+ /, '');
  const message = `${text}<br /><br />\\n${detail}\\n\\n`;
  return `{"message": "${message}", "code": "${status}", "title": "${title}"}`;
}

/** The 405 body: webob's method template, with neither detail nor comment. */
function json405(method: string): string {
  return `{"message": "The method ${method} is not allowed for this resource. <br /><br />\\n", "code": "405 Method Not Allowed", "title": "Method Not Allowed"}`;
}

const NO_CACHE = jsonError('404 Not Found', 'Caching via API is not supported at this site.');
const LOCATION = { url: 'http://example.com/x', metadata: {} };

describe('reference Glance cache API without image_cache_dir (lab 2026-12-04)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;
  let demo: string;

  before(async () => {
    ({ ref, g, admin, demo } = await startSession());
  });
  after(() => ref.close());

  const ask = async (method: string, path: string, tok: string) => {
    const res = await call(g, path, { method, token: tok, headers: JSON_ACCEPT });
    return {
      status: res.status,
      allow: res.headers.get('allow'),
      type: res.headers.get('content-type'),
      body: await res.text(),
    };
  };

  it('GET and DELETE /v2/cache: 404 "not supported" for an admin, the policy 403 for a member', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await ask(method, '/v2/cache', admin);
      assert.deepEqual(r, { status: 404, allow: null, type: 'application/json', body: NO_CACHE });
    }
    assert.equal(
      (await ask('GET', '/v2/cache', demo)).body,
      jsonError('403 Forbidden', 'You are not authorized to complete cache_list action.'),
    );
    assert.equal(
      (await ask('DELETE', '/v2/cache', demo)).body,
      jsonError('403 Forbidden', 'You are not authorized to complete cache_delete action.'),
    );
  });

  it('/v2/cache refuses other methods with 405 and Allow: GET, DELETE (HEAD with an empty body)', async () => {
    for (const method of ['PUT', 'POST', 'PATCH']) {
      const r = await ask(method, '/v2/cache', demo);
      assert.deepEqual(r, {
        status: 405,
        allow: 'GET, DELETE',
        type: 'application/json',
        body: json405(method),
      });
    }
    const head = await ask('HEAD', '/v2/cache', admin);
    assert.deepEqual(head, { status: 405, allow: 'GET, DELETE', type: 'text/html; charset=UTF-8', body: '' });
  });

  it('GET /v2/cache with a body is refused before the policy (body_reject)', async () => {
    // fetch will not send a GET body: a raw exchange does.
    const res = await raw(`${g}/v2/cache`, {
      method: 'GET',
      headers: {
        ...JSON_ACCEPT,
        'x-auth-token': demo,
        'content-type': 'application/json',
        'content-length': '2',
      },
      body: Buffer.from('{}'),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body, jsonError('400 Bad Request', 'A body is not expected with this request.'));
  });

  it('/v2/cache/{image_id} takes any segment as an id: clean and prune are ids, not routes', async () => {
    for (const id of [randomUUID(), 'clean', 'prune', 'nodes']) {
      for (const tok of [admin, demo]) {
        for (const method of ['GET', 'POST', 'PATCH']) {
          const r = await ask(method, `/v2/cache/${id}`, tok);
          assert.deepEqual(r, {
            status: 405,
            allow: 'DELETE, PUT',
            type: 'application/json',
            body: json405(method),
          });
        }
        const put = await ask('PUT', `/v2/cache/${id}`, tok);
        assert.deepEqual([put.status, put.body], [404, jsonError('404 Not Found', `Image ${id} not found.`)]);
        // delete_cache_entry asks the absent cache about an unknown id: a method call on None.
        const del = await ask('DELETE', `/v2/cache/${id}`, tok);
        assert.deepEqual(
          [del.status, del.body],
          [
            500,
            jsonError(
              '500 Internal Server Error',
              'The server has either erred or is incapable of performing the requested operation.',
            ),
          ],
        );
      }
    }
  });

  it('paths below /v2/cache/{image_id} and a trailing slash are not routes: 404 for every method', async () => {
    const notFound = jsonError('404 Not Found', 'The resource could not be found.');
    for (const path of [`/v2/cache/nodes/${randomUUID()}`, '/v2/cache/', `/v2/cache/${randomUUID()}/`]) {
      for (const method of ['GET', 'DELETE', 'PUT', 'POST']) {
        const r = await ask(method, path, admin);
        assert.deepEqual([r.status, r.allow, r.body], [404, null, notFound], `${method} ${path}`);
      }
    }
  });

  it('an image the caller sees passes the lookup: then the policy, then "not supported"', async () => {
    const img = await createImage(g, { name: 'cache-target' }, demo);
    assert.equal((await ask('PUT', `/v2/cache/${img.id}`, admin)).body, NO_CACHE);
    assert.equal((await ask('DELETE', `/v2/cache/${img.id}`, admin)).body, NO_CACHE);
    assert.equal(
      (await ask('PUT', `/v2/cache/${img.id}`, demo)).body,
      jsonError('403 Forbidden', 'You are not authorized to complete cache_image action.'),
    );
    assert.equal(
      (await ask('DELETE', `/v2/cache/${img.id}`, demo)).body,
      jsonError('403 Forbidden', 'You are not authorized to complete cache_delete action.'),
    );
  });

  it('a plain-text error keeps webob strip_tags spacing (newlines turned to spaces)', async () => {
    const res = await call(g, '/v2/cache', { token: admin, headers: { accept: 'text/plain' } });
    assert.equal(await res.text(), '404 Not Found\n\nCaching via API is not supported at this site.\n\n   ');
    const put = await call(g, '/v2/cache', {
      method: 'PUT',
      token: admin,
      headers: { accept: 'text/plain' },
    });
    assert.equal(
      await put.text(),
      '405 Method Not Allowed\n\nThe method PUT is not allowed for this resource. \n\n ',
    );
  });
});

describe('reference Glance PATCH of locations with show_multiple_locations off (lab 2026-12-04)', () => {
  let ref: ReferenceServer;
  let g: string;
  let admin: string;
  let demo: string;
  let demoProject: string;

  before(async () => {
    ({ ref, g, admin, demo } = await startSession());
    demoProject = String((await createImage(g, { name: 'whoami' }, demo)).owner);
  });
  after(() => ref.close());

  const patch = async (id: string, tok: string, ops: unknown[]) => {
    const res = await call(g, `/v2/images/${id}`, { method: 'PATCH', token: tok, headers: PATCH, json: ops });
    return { status: res.status, body: await res.text() };
  };
  const forbidden = (text: string) => ({ status: 403, body: jsonError('403 Forbidden', text) });
  const invisible = (verb: string) =>
    forbidden(`It's not allowed to ${verb} locations if locations are invisible.`);
  const badPointer = (pointer: string) => ({
    status: 400,
    body: jsonError('400 Bad Request', `Invalid JSON pointer for this resource: '${pointer}'`),
  });

  it('add at a position, replace of the list and remove at a position are refused, for admin and member alike', async () => {
    for (const tok of [admin, demo]) {
      const img = await createImage(g, { name: 'loc' }, tok);
      for (const path of ['/locations/-', '/locations/0', '/locations/x']) {
        assert.deepEqual(await patch(img.id, tok, [{ op: 'add', path, value: LOCATION }]), invisible('add'));
        assert.deepEqual(await patch(img.id, tok, [{ op: 'remove', path }]), invisible('remove'));
      }
      assert.deepEqual(
        await patch(img.id, tok, [{ op: 'replace', path: '/locations', value: [LOCATION] }]),
        invisible('update'),
      );
    }
  });

  it('the pointer depth is checked first: add and remove need a position, replace must not have one', async () => {
    const img = await createImage(g, { name: 'loc-depth' }, demo);
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'add', path: '/locations', value: [LOCATION] }]),
      badPointer('/locations'),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'remove', path: '/locations' }]),
      badPointer('/locations'),
    );
    for (const path of ['/locations/-', '/locations/0'])
      assert.deepEqual(
        await patch(img.id, demo, [{ op: 'replace', path, value: LOCATION }]),
        badPointer(path),
      );
    // Segments are stripped of blanks; the message names them as decoded.
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'add', path: '/ locations', value: [] }]),
      badPointer('/locations'),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'add', path: '/locations/-/a', value: LOCATION }]),
      badPointer('/locations/-/a'),
    );
  });

  it('the whole document is checked before any change: a later bad change wins over a location', async () => {
    const img = await createImage(g, { name: 'loc-order' }, demo);
    const add = { op: 'add', path: '/locations/-', value: LOCATION };
    assert.deepEqual(
      await patch(img.id, demo, [add, { op: 'replace', path: '/status', value: 'active' }]),
      forbidden("Attribute 'status' is read-only."),
    );
    assert.deepEqual(
      await patch(img.id, demo, [add, { op: 'add', path: '/tags/-', value: 'x' }]),
      badPointer('/tags/-'),
    );
    const noValue = await patch(img.id, demo, [add, { op: 'replace', path: '/name' }]);
    assert.deepEqual(noValue, {
      status: 400,
      body: jsonError('400 Bad Request', 'Operation \\"replace\\" requires a member named \\"value\\".'),
    });
  });

  it('a location value is validated as one item of the schema list; replace as the list', async () => {
    const img = await createImage(g, { name: 'loc-schema' }, demo);
    const item = await patch(img.id, demo, [{ op: 'add', path: '/locations/-', value: { url: 'u' } }]);
    assert.equal(item.status, 400);
    assert.match(
      item.body,
      /'metadata' is a required property\\n\\nFailed validating 'required' in schema\['properties'\]\['locations'\]\['items'\]/,
    );
    assert.match(item.body, /On instance\['locations'\]\[0\]/);
    const list = await patch(img.id, demo, [{ op: 'replace', path: '/locations', value: 'x' }]);
    assert.match(list.body, /'x' is not of type 'array'/);
  });

  it('an unknown image is 404 before any location refusal; an empty replacement list before the policy', async () => {
    const unknown = randomUUID();
    const res = await patch(unknown, admin, [{ op: 'add', path: '/locations/-', value: LOCATION }]);
    assert.deepEqual(res, {
      status: 404,
      body: jsonError('404 Not Found', `No image found with ID ${unknown}`),
    });
    const img = await createImage(g, { name: 'loc-empty' }, demo);
    const empty = await patch(img.id, demo, [
      { op: 'replace', path: '/locations', value: [] },
      { op: 'add', path: '/locations/-', value: LOCATION },
    ]);
    // Raised with the text as webob's detail: the generic explanation stays in front of it.
    assert.deepEqual(empty, {
      status: 403,
      body: jsonError(
        '403 Forbidden',
        'Access was denied to this resource.',
        'Cannot set locations to empty list.',
      ),
    });
  });

  it('changes apply in order: the first refusal wins and nothing is saved', async () => {
    const img = await createImage(g, { name: 'loc-first' }, demo);
    const rename = { op: 'replace', path: '/name', value: 'renamed' };
    const add = { op: 'add', path: '/locations/-', value: LOCATION };
    assert.deepEqual(await patch(img.id, demo, [rename, add]), invisible('add'));
    assert.deepEqual(
      await patch(img.id, demo, [
        { op: 'remove', path: '/locations/-' },
        { op: 'replace', path: '/locations', value: [] },
      ]),
      invisible('remove'),
    );
    const shown = await call(g, `/v2/images/${img.id}`, { token: demo });
    assert.equal(((await shown.json()) as { name: string }).name, 'loc-first');
  });

  it('a member on an image shared with it: add is refused as invisible, remove and other changes as not its own', async () => {
    const img = await createImage(g, { name: 'loc-shared' }, admin);
    const member = await call(g, `/v2/images/${img.id}/members`, {
      method: 'POST',
      token: admin,
      json: { member: demoProject },
    });
    assert.equal(member.status, 200);
    const notOwner = forbidden('You do not own this image');
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'add', path: '/locations/-', value: LOCATION }]),
      invisible('add'),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'replace', path: '/locations', value: [LOCATION] }]),
      invisible('update'),
    );
    assert.deepEqual(await patch(img.id, demo, [{ op: 'remove', path: '/locations/0' }]), notOwner);
    assert.deepEqual(await patch(img.id, demo, [{ op: 'replace', path: '/name', value: 'x' }]), notOwner);
    assert.deepEqual(await patch(img.id, demo, []), {
      status: 200,
      body: (await patch(img.id, admin, [])).body,
    });
  });

  it('texts images.py raises as webob detail, and an owner the caller gives away, answer as the lab does', async () => {
    const img = await createImage(g, { name: 'detail' }, demo);
    const detail = (status: string, explanation: string, text: string) => ({
      status: Number(status.slice(0, 3)),
      body: jsonError(status, explanation, text),
    });
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'remove', path: '/visibility' }]),
      detail(
        '403 Forbidden',
        'Access was denied to this resource.',
        'Property visibility may not be removed.',
      ),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'replace', path: '/os_missing', value: 'x' }]),
      detail(
        '409 Conflict',
        'There was a conflict when trying to complete your request.',
        'Property os_missing does not exist.',
      ),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'replace', path: '/owner', value: 'someone' }]),
      detail('403 Forbidden', 'Access was denied to this resource.', "Owner can't be updated by non admin."),
    );
    assert.deepEqual(
      await patch(img.id, demo, [{ op: 'add', path: '/owner', value: 'someone' }]),
      forbidden(`Forbidding request, image ${img.id} not visible`),
    );
    const shown = (await (await call(g, `/v2/images/${img.id}`, { token: demo })).json()) as {
      owner: string;
    };
    assert.equal(shown.owner, demoProject, 'the refused owner change was rolled back');
  });
});
