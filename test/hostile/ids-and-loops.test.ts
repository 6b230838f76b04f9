import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { quoteValue, UnexpectedResponseError, UnsafeIdError } from '../../src/errors.js';
import { nextLink } from '../../src/glance/images.js';
import { GlanceClient, imageId, isImageId, memberId } from '../../src/glance/index.js';
import { HttpClient } from '../../src/http/client.js';
import { StaticTokens } from '../../src/keystone/index.js';
import { cleanupImages } from '../../src/run/cleanup.js';
import { type BehaviourName, type HostileServer, PREFIX, RUN_ID, startHostile, VALID_ID } from './server.js';

const servers: HostileServer[] = [];
const https: HttpClient[] = [];

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(https.map((h) => h.close()));
});

async function hostile(
  name: BehaviourName,
  elsewhere?: string,
): Promise<{ server: HostileServer; glance: GlanceClient }> {
  const server = await startHostile(name, elsewhere);
  servers.push(server);
  const http = new HttpClient();
  https.push(http);
  return { server, glance: new GlanceClient(server.url, http, new StaticTokens('t')) };
}

const paths = (s: HostileServer): string[] => s.requests.map((r) => `${r.method} ${r.path}`);

function assertOneLine(err: unknown, pattern: RegExp): true {
  assert.ok(err instanceof Error);
  assert.doesNotMatch(err.message, /\n/);
  assert.match(err.message, pattern);
  return true;
}

describe('image and member ids before they reach a path', () => {
  it('accepts a UUID in any case and nothing else', () => {
    assert.equal(imageId(VALID_ID, 'GET /v2/images/{image_id}'), VALID_ID);
    assert.equal(imageId(VALID_ID.toUpperCase(), 'GET /v2/images/{image_id}'), VALID_ID.toUpperCase());
    for (const bad of [
      '..',
      '.',
      '',
      '../../x',
      'a/b',
      `${VALID_ID}/file`,
      `${VALID_ID}?x`,
      ` ${VALID_ID}`,
      `${VALID_ID}\n`,
      VALID_ID.replace(/-/g, ''),
      'not-a-uuid',
      undefined,
      null,
      42,
      { id: VALID_ID },
    ]) {
      assert.equal(isImageId(bad), false, String(bad));
      assert.throws(() => imageId(bad, 'DELETE /v2/images/{image_id}'), UnsafeIdError, String(bad));
    }
  });

  it('names the value, quoted and cut, and the operation, on one line with code GH_UNSAFE_ID', () => {
    const err = (() => {
      try {
        imageId(`../${'a'.repeat(200)}\u001b[31m\nx`, 'DELETE /v2/images/{image_id}');
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof UnsafeIdError);
    assert.equal(err.code, 'GH_UNSAFE_ID');
    assert.equal(err.exitCode, 1);
    assertOneLine(
      err,
      /^Refused image id "\.\.\/a{77}…" for DELETE \/v2\/images\/\{image_id\}: expected a UUID/,
    );
    assert.throws(() => imageId(undefined, 'PUT /v2/images/{image_id}/file'), /image id undefined for PUT/);
  });

  it('escapes control characters that JSON leaves raw', () => {
    assert.equal(quoteValue('a\u001bb\u009bc\u2028'), '"a\\u001bb\\u009bc\\u2028"');
    assert.equal(quoteValue(12), '12');
    assert.equal(quoteValue(10n), '10');
  });

  it('lets a member id through unless it could reshape the path', () => {
    assert.equal(memberId('0123456789abcdef0123456789abcdef', 'w'), '0123456789abcdef0123456789abcdef');
    assert.equal(memberId(VALID_ID, 'w'), VALID_ID);
    assert.equal(memberId('proj name', 'w'), 'proj%20name');
    for (const bad of [
      '',
      '.',
      '..',
      'a..b',
      'a/b',
      'a?b',
      'a#b',
      '%2e%2e',
      'a\u0000',
      'a\u007f',
      undefined,
      7,
    ])
      assert.throws(() => memberId(bad, 'DELETE /v2/images/{image_id}/members/{member_id}'), UnsafeIdError);
  });

  it('sends a deliberately malformed literal only when the call says rawId', () => {
    assert.equal(imageId('not-a-uuid', 'GET /v2/images/{image_id}', { rawId: true }), 'not-a-uuid');
    assert.equal(imageId('', 'GET /v2/images/{image_id}', { rawId: true }), '');
    assert.equal(imageId('..', 'GET /v2/images/{image_id}', { rawId: true }), '..');
    assert.throws(() => imageId(undefined, 'GET /v2/images/{image_id}', { rawId: true }), UnsafeIdError);
  });
});

describe('a hostile Glance: ids from its answers', () => {
  it('POST /v2/images answering 201 with id "../../x" leads to no request outside /v2/images', async () => {
    const { server, glance } = await hostile('create-traversal-id');
    const created = await glance.images.create({ name: `${PREFIX}-${RUN_ID}-x` });
    assert.equal(created.status, 201);
    const id = created.body?.id as string;
    // What ImageFactory and the doctor do next: use the id, then dispose of it.
    await assert.rejects(glance.data.upload(id, { stream: Readable.from([]) }), UnsafeIdError);
    await assert.rejects(glance.images.show(id), UnsafeIdError);
    await assert.rejects(
      glance.images.update(id, [{ op: 'replace', path: '/protected', value: false }]),
      UnsafeIdError,
    );
    await assert.rejects(glance.tags.add(id, 'x'), UnsafeIdError);
    await assert.rejects(glance.members.list(id), UnsafeIdError);
    await assert.rejects(glance.tasks.listForImage(id), UnsafeIdError);
    await assert.rejects(glance.images.delete(id), (e) => assertOneLine(e, /"\.\.\/\.\.\/x" for DELETE/));
    // A rejection, not a synchronous throw: `delete(id).catch(...)` in a dispose loop must hold.
    assert.equal(await glance.images.delete(id).catch(() => 'caught'), 'caught');
    assert.deepEqual(paths(server), ['POST /v2/images']);
  });

  it('POST /v2/images answering 201 without an id never calls /v2/images/undefined', async () => {
    const { server, glance } = await hostile('create-without-id');
    const created = await glance.images.create({ name: 'x' });
    const id = created.body?.id as string;
    await assert.rejects(
      glance.data.download(id),
      /image id undefined for GET \/v2\/images\/\{image_id\}\/file/,
    );
    await assert.rejects(glance.images.delete(id), UnsafeIdError);
    assert.deepEqual(paths(server), ['POST /v2/images']);
  });

  it('DELETE /v2/images/{id} with id ".." is never sent', async () => {
    const { server, glance } = await hostile('bystander');
    await assert.rejects(glance.images.delete('..'), UnsafeIdError);
    await assert.rejects(glance.members.delete(VALID_ID, '..'), UnsafeIdError);
    assert.deepEqual(server.requests, []);
  });
});

describe('a hostile Glance: cleanup and the sweep', () => {
  it('deletes only the valid harness image, reports the others, does not crash', async () => {
    const { server, glance } = await hostile('list-mixed');
    const res = await cleanupImages(glance, { prefix: PREFIX, runId: RUN_ID });
    assert.deepEqual(res.found, [{ id: VALID_ID, name: `${PREFIX}-${RUN_ID}-hostile` }]);
    assert.equal(res.deleted, 1);
    assert.deepEqual(
      res.skipped.map((s) => s.reason),
      ['id is not a UUID: not deleted', 'no "tags" array in the list entry'],
    );
    assert.equal(res.skipped[0]?.id, '"a/b"');
    assert.equal(res.failed.length, 2);
    assert.match(res.failed[0] ?? '', /^skipped "a\/b": id is not a UUID/);
    const deletes = paths(server).filter((p) => !p.startsWith('GET '));
    assert.deepEqual(deletes, [`DELETE /v2/images/${VALID_ID}`]);
  });

  it('a dry run reports the same and deletes nothing', async () => {
    const { server, glance } = await hostile('list-mixed');
    const res = await cleanupImages(glance, { prefix: PREFIX, runId: RUN_ID, dryRun: true });
    assert.equal(res.found.length, 1);
    assert.equal(res.skipped.length, 2);
    assert.ok(server.requests.every((r) => r.method === 'GET'));
  });

  it('"images" that is not an array is a one-line error naming the endpoint and the field', async () => {
    const { glance } = await hostile('images-not-array');
    await assert.rejects(cleanupImages(glance, { prefix: PREFIX }), (e) =>
      assertOneLine(
        e,
        /^GET \/v2\/images\?tag=glance-harness&limit=100 answered 200 but "images" is not an array$/,
      ),
    );
  });
});

describe('a hostile Glance: loops and links elsewhere', () => {
  for (const name of ['next-self', 'next-repeats'] as const) {
    it(`${name}: a next link already followed stops cleanup with one line, after at most 2 pages`, async () => {
      const { server, glance } = await hostile(name);
      await assert.rejects(cleanupImages(glance, { prefix: PREFIX }), (e) => {
        assert.ok(e instanceof UnexpectedResponseError);
        return assertOneLine(
          e,
          /^GET \/v2\/images answered a next link already followed \(".+"\): the server loops/,
        );
      });
      assert.ok(server.requests.length <= 2, paths(server).join(', '));
    });
  }

  it('a next link to another host is refused and that host is never asked', async () => {
    const other = await startHostile('bystander');
    servers.push(other);
    const { server, glance } = await hostile('next-other-host', other.url);
    await assert.rejects(cleanupImages(glance, { prefix: PREFIX }), (e) =>
      assertOneLine(
        e,
        /next link to another host than http:\/\/127\.0\.0\.1:\d+ \("http:\/\/127\.0\.0\.1:\d+\/v2\/images/,
      ),
    );
    assert.deepEqual(other.requests, []);
    assert.equal(server.requests.length, 1);
  });

  it('a next link outside /v2/images is refused before it is sent', async () => {
    const { server, glance } = await hostile('next-outside');
    await assert.rejects(cleanupImages(glance, { prefix: PREFIX }), (e) =>
      assertOneLine(
        e,
        /next link outside \/v2\/images \("\/v2\/images\/\.\.\/\.\.\/v3\/auth\/tokens\?marker=x"\)/,
      ),
    );
    assert.equal(server.requests.length, 1);
    await assert.rejects(glance.images.listNext('//evil.example/v2/images'), /another host/);
    assert.equal(server.requests.length, 1);
  });

  it('nextLink keeps Glance-shaped links, relative or absolute, under an endpoint with a path', () => {
    const ep = 'https://cloud.example/image';
    assert.equal(nextLink('/v2/images?marker=m', ep).search, '?marker=m');
    assert.equal(nextLink('https://cloud.example/image/v2/images?marker=m', ep).search, '?marker=m');
    assert.equal(nextLink('/image/v2/images?limit=1', ep).search, '?limit=1');
    for (const bad of [
      'https://cloud.example:8443/v2/images',
      'http://cloud.example/v2/images',
      '/v2/images/x',
      '/v2/imagesx',
      '/v2/tasks?marker=m',
      '/v2/images\\..\\..',
      'https://u:p@cloud.example/v2/images',
      '',
    ])
      assert.throws(() => nextLink(bad, ep), UnexpectedResponseError, bad);
  });
});
