// List images (api-ref: image/v2 "List images"): filters, sorting, pagination, on a set of images
// this file creates and tags with a set tag, so other runs' and users' images never blur the result.
import { randomUUID } from 'node:crypto';
import type { Image } from '../../src/glance/index.js';
import { runTags } from '../../src/run/naming.js';
import { expect, ImageFactory, id, test } from '../fixtures.js';
import { idsOf, listPage, uploadRandom, walkPages } from './helpers.js';

interface ListSet {
  tag: string;
  small: Image;
  large: Image;
  queued: Image;
  hidden: Image;
  factory: ImageFactory;
}

let set: ListSet | undefined;

function theSet(): ListSet {
  if (!set) throw new Error('the list fixture images were not created (see the first failure)');
  return set;
}

test.describe('images: list', { tag: ['@images'] }, () => {
  test.describe.configure({ mode: 'serial' });

  test.beforeAll(async ({ target, ctx }) => {
    test.skip(ctx.selection.readOnly, '--read-only: list filters need images this run creates');
    const factory = new ImageFactory(target.glance, ctx);
    const tag = `gh-set-${randomUUID().slice(0, 8)}`;
    const small = await factory.create('list-small', {
      visibility: 'private',
      disk_format: 'raw',
      container_format: 'bare',
      tags: [tag, 'gh-small'],
    });
    // Both uploaded images are raw: their random bytes are what raw means, so a Glance that checks
    // data against disk_format ([image_format] require_image_format_match) accepts them.
    const large = await factory.create('list-large', {
      visibility: 'private',
      disk_format: 'raw',
      container_format: 'bare',
      tags: [tag],
    });
    const queued = await factory.create('list-queued', {
      visibility: 'shared',
      disk_format: 'qcow2',
      container_format: 'ovf',
      tags: [tag],
    });
    const hidden = await factory.create('list-hidden', { os_hidden: true, tags: [tag] });
    await uploadRandom(target.glance, small.id, 1024);
    await uploadRandom(target.glance, large.id, 4096);
    set = { tag, small, large, queued, hidden, factory };
  });

  test.afterAll(async () => {
    await set?.factory.dispose();
    set = undefined;
  });

  test('GET /v2/images lists the images just created and not the hidden one', {
    annotation: id('images.list.no-params'),
  }, async ({ glance }) => {
    const s = theSet();
    const { images } = await walkPages(glance, { tag: s.tag }, 25);
    expect(idsOf(images).sort()).toEqual([s.small.id, s.large.id, s.queued.id].sort());
  });

  test('GET /v2/images?name= returns only the image of that name', {
    annotation: id('images.list.filter-name'),
  }, async ({ glance }) => {
    const s = theSet();
    const res = await listPage(glance, { name: s.small.name ?? '' });
    expect(idsOf(res.body.images)).toEqual([s.small.id]);
  });

  test('GET /v2/images?status=active returns only active images', {
    annotation: id('images.list.filter-status'),
  }, async ({ glance }) => {
    const s = theSet();
    const res = await listPage(glance, { tag: s.tag, status: 'active' });
    expect(idsOf(res.body.images).sort()).toEqual([s.small.id, s.large.id].sort());
    const queued = await listPage(glance, { tag: s.tag, status: 'queued' });
    expect(idsOf(queued.body.images)).toEqual([s.queued.id]);
  });

  test('GET /v2/images?visibility= returns only images of that visibility', {
    annotation: id('images.list.filter-visibility'),
  }, async ({ glance }) => {
    const s = theSet();
    const priv = await listPage(glance, { tag: s.tag, visibility: 'private' });
    expect(idsOf(priv.body.images).sort()).toEqual([s.small.id, s.large.id].sort());
    const shared = await listPage(glance, { tag: s.tag, visibility: 'shared' });
    expect(idsOf(shared.body.images)).toEqual([s.queued.id]);
  });

  test('GET /v2/images?disk_format= and container_format= return only matching images', {
    annotation: id('images.list.filter-formats'),
  }, async ({ glance }) => {
    const s = theSet();
    const raw = await listPage(glance, { tag: s.tag, disk_format: 'raw' });
    expect(idsOf(raw.body.images).sort()).toEqual([s.small.id, s.large.id].sort());
    const qcow2 = await listPage(glance, { tag: s.tag, disk_format: 'qcow2' });
    expect(idsOf(qcow2.body.images)).toEqual([s.queued.id]);
    const ovf = await listPage(glance, { tag: s.tag, container_format: 'ovf' });
    expect(idsOf(ovf.body.images)).toEqual([s.queued.id]);
    const bare = await listPage(glance, { tag: s.tag, container_format: 'bare' });
    for (const image of bare.body.images) expect(image.container_format).toBe('bare');
  });

  test('GET /v2/images?size_min=&size_max= return only images within the bounds', {
    annotation: id('images.list.filter-size'),
  }, async ({ glance }) => {
    const s = theSet();
    const big = await listPage(glance, { tag: s.tag, size_min: 2048 });
    expect(idsOf(big.body.images)).toEqual([s.large.id]);
    const little = await listPage(glance, { tag: s.tag, size_max: 2048 });
    expect(idsOf(little.body.images)).toEqual([s.small.id]);
    const both = await listPage(glance, { tag: s.tag, size_min: 1024, size_max: 4096 });
    expect(idsOf(both.body.images).sort()).toEqual([s.small.id, s.large.id].sort());
  });

  test('GET /v2/images?tag= returns only images carrying every tag given', {
    annotation: id('images.list.filter-tag'),
  }, async ({ glance, ctx }) => {
    const s = theSet();
    const res = await listPage(glance, { tag: [s.tag, 'gh-small'] });
    expect(idsOf(res.body.images)).toEqual([s.small.id]);
    for (const image of res.body.images)
      expect(image.tags).toEqual(expect.arrayContaining(runTags(ctx.runId)));
  });

  test('GET /v2/images?owner= returns only images of that owner', {
    annotation: id('images.list.filter-owner'),
  }, async ({ glance }) => {
    const s = theSet();
    test.skip(s.small.owner === null, 'the target records no owner (Glance without Keystone)');
    const res = await listPage(glance, { tag: s.tag, owner: s.small.owner ?? '' });
    expect(idsOf(res.body.images).sort()).toEqual([s.small.id, s.large.id, s.queued.id].sort());
    const other = await listPage(glance, { tag: s.tag, owner: randomUUID().replace(/-/g, '') });
    expect(other.body.images).toEqual([]);
  });

  test("GET /v2/images?visibility=shared&member_status= lists the owner's shared image for all and accepted", {
    annotation: id('images.list.filter-member-status'),
  }, async ({ glance }) => {
    const s = theSet();
    for (const memberStatus of ['all', 'accepted']) {
      const res = await listPage(glance, { tag: s.tag, visibility: 'shared', member_status: memberStatus });
      expect(idsOf(res.body.images), `member_status=${memberStatus}`).toEqual([s.queued.id]);
    }
  });

  test('GET /v2/images?os_hidden=true returns only hidden images and os_hidden=false hides them', {
    annotation: id('images.list.filter-os-hidden'),
  }, async ({ glance }) => {
    const s = theSet();
    const hidden = await listPage(glance, { tag: s.tag, os_hidden: true });
    expect(idsOf(hidden.body.images)).toEqual([s.hidden.id]);
    const shown = await listPage(glance, { tag: s.tag, os_hidden: false });
    expect(idsOf(shown.body.images)).not.toContain(s.hidden.id);
  });

  for (const dir of ['asc', 'desc'] as const) {
    test(`GET /v2/images?sort_key=size&sort_dir=${dir} returns images ordered by size ${dir}`, {
      annotation: id(`images.list.sort-size-${dir}`),
    }, async ({ glance }) => {
      const s = theSet();
      const res = await listPage(glance, { tag: s.tag, status: 'active', sort_key: 'size', sort_dir: dir });
      const order = dir === 'asc' ? [s.small.id, s.large.id] : [s.large.id, s.small.id];
      expect(idsOf(res.body.images)).toEqual(order);
      const viaSort = await listPage(glance, { tag: s.tag, status: 'active', sort: `size:${dir}` });
      expect(idsOf(viaSort.body.images), `sort=size:${dir}`).toEqual(order);
    });
  }

  test('GET /v2/images sorted by each sort key in both directions returns a monotonic order', {
    annotation: id('images.list.sort-keys'),
  }, async ({ glance }) => {
    const s = theSet();
    const keys = [
      'name',
      'status',
      'container_format',
      'disk_format',
      'size',
      'id',
      'created_at',
      'updated_at',
    ];
    for (const key of keys) {
      for (const dir of ['asc', 'desc'] as const) {
        const res = await listPage(glance, { tag: s.tag, sort_key: key, sort_dir: dir });
        const values = res.body.images.map(
          (i) => (i as Record<string, unknown>)[key] as string | number | null,
        );
        const sorted = [...values].sort((a, b) => compareNullsFirst(a, b) * (dir === 'asc' ? 1 : -1));
        expect.soft(values, `sort_key=${key}&sort_dir=${dir}`).toEqual(sorted);
        expect.soft(res.body.images.length, `sort_key=${key}`).toBe(3);
      }
    }
  });

  test('GET /v2/images?sort=name:asc,created_at:desc sorts by name first', {
    annotation: id('images.list.sort-multi'),
  }, async ({ glance }) => {
    const s = theSet();
    const res = await listPage(glance, { tag: s.tag, sort: 'name:asc,created_at:desc' });
    const names = res.body.images.map((i) => i.name ?? '');
    expect(names).toEqual([...names].sort());
  });

  for (const limit of [1, 2]) {
    test(`GET /v2/images?limit=${limit} walked through next reaches every image once`, {
      annotation: id(`images.list.paginate-limit-${limit}`),
    }, async ({ glance }) => {
      const s = theSet();
      const { images, pages } = await walkPages(glance, { tag: s.tag, sort_key: 'created_at' }, limit);
      const ids = idsOf(images);
      expect(new Set(ids).size, `duplicates across pages: ${ids.join(', ')}`).toBe(ids.length);
      expect(ids.sort()).toEqual([s.small.id, s.large.id, s.queued.id].sort());
      expect(pages).toBeGreaterThanOrEqual(Math.ceil(3 / limit));
    });
  }

  test('GET /v2/images?marker= starts after the marker image', {
    annotation: id('images.list.marker'),
  }, async ({ glance }) => {
    const s = theSet();
    const all = await listPage(glance, { tag: s.tag, sort_key: 'name', sort_dir: 'asc' });
    const first = all.body.images[0];
    expect(first).toBeDefined();
    const rest = await listPage(glance, { tag: s.tag, sort_key: 'name', sort_dir: 'asc', marker: first!.id });
    expect(idsOf(rest.body.images)).toEqual(idsOf(all.body.images).slice(1));
  });

  test('GET /v2/images no longer lists a deleted image', {
    annotation: id('images.list.deleted-absent'),
  }, async ({ glance, images }) => {
    const s = theSet();
    const doomed = await images.create('list-deleted', { tags: [s.tag] });
    const before = await listPage(glance, { tag: s.tag });
    expect(idsOf(before.body.images)).toContain(doomed.id);
    expect(await glance.images.delete(doomed.id)).toHaveStatus(204);
    const after = await listPage(glance, { tag: s.tag });
    expect(idsOf(after.body.images)).not.toContain(doomed.id);
  });
});

test.describe('images: list existing', { tag: ['@images', '@read-only'] }, () => {
  test('GET /v2/images returns 200 and a valid page; each listed image shows through GET', {
    annotation: id('images.list.existing'),
  }, async ({ glance, images, ctx }) => {
    let res = await listPage(glance, { limit: 5 });
    if (res.body.images.length === 0 && !ctx.selection.readOnly) {
      // An empty target would make this check's verdict depend on what else runs: give it one image.
      await images.create('list-existing');
      res = await listPage(glance, { limit: 5 });
    }
    test.skip(
      res.body.images.length === 0,
      'the target lists no image to show, and a read-only run creates none',
    );
    for (const image of res.body.images) {
      const shown = await glance.images.show(image.id);
      if (shown.status === 404) {
        // Someone else may delete a listed image in between: then it must be gone from the list too.
        const again = await listPage(glance, { id: `in:${image.id}` });
        expect(again.body.images, `${image.id} is listed but GET answers 404`).toEqual([]);
        continue;
      }
      expect(shown).toHaveStatus(200);
      expect(shown).toMatchSchema('glance/zed/image');
      expect(shown.body?.id).toBe(image.id);
      expect(shown.body?.created_at).toBe(image.created_at);
    }
  });
});

/** MySQL orders NULL before any value. */
function compareNullsFirst(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
