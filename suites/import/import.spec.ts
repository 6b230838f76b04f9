// Interoperable image import (api-ref: image/v2 "Interoperable image import", "Image tasks"):
// each method runs only when /v2/info/import advertises it; an advertised method that fails fails.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GlanceClient, Image, Task, VersionsDocument } from '../../src/glance/index.js';
import { expect, id, test } from '../fixtures.js';
import {
  expectImageBytes,
  expectStoredDigests,
  type LocalImage,
  localImage,
  sourceOf,
} from '../support/image-data.js';
import { IMPORT_TIMEOUT_MS, waitForImport } from '../support/import-wait.js';

async function advertisedMethods(glance: GlanceClient): Promise<string[]> {
  const res = await glance.info.import();
  if (res.status === 404) return [];
  expect(res).toHaveStatus(200);
  return res.body?.['import-methods']?.value ?? [];
}

function requireMethod(methods: string[], method: string): void {
  test.skip(
    !methods.includes(method),
    `GET /v2/info/import does not advertise ${method} (advertised: ${methods.join(', ') || 'none'})`,
  );
}

function expectImported(image: Image, method: string): void {
  expect(
    image.status,
    `${method} import of ${image.id} ended ${image.status}` +
      (image.os_glance_failed_import
        ? ` (os_glance_failed_import: ${String(image.os_glance_failed_import)})`
        : ''),
  ).toBe('active');
}

/** Stages and imports a generated image with glance-direct; returns the image once active. */
async function glanceDirect(glance: GlanceClient, imageId: string, local: LocalImage): Promise<Image> {
  const staged = await glance.data.stage(imageId, sourceOf(local));
  expect(staged).toHaveStatus(204);
  const after = await glance.images.show(imageId);
  expect(after.body?.status, 'status after staging').toBe('uploading');
  const res = await glance.images.import(imageId, { method: { name: 'glance-direct' } });
  expect(res).toHaveStatus(202);
  const image = await waitForImport(glance, imageId);
  expectImported(image, 'glance-direct');
  return image;
}

function minor(versionId: string): [number, number] {
  const m = /^v(\d+)\.(\d+)$/.exec(versionId);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

test.describe('import: discovery', { tag: ['@import'] }, () => {
  test('GET /v2/info/import returns 200 and the list of import methods', {
    tag: ['@read-only'],
    annotation: id('import.info.methods'),
  }, async ({ glance }) => {
    const res = await glance.info.import();
    test.skip(res.status === 404, 'GET /v2/info/import answers 404: the target has no import discovery');
    expect(res).toHaveStatus(200);
    const value = res.body?.['import-methods']?.value;
    expect(Array.isArray(value), 'import-methods.value must be a list').toBe(true);
    for (const m of value ?? []) expect(typeof m, `import method ${JSON.stringify(m)}`).toBe('string');
  });

  test('POST /v2/images answers with OpenStack-image-import-methods naming the advertised methods', {
    annotation: id('import.info.create-header'),
  }, async ({ glance, images }) => {
    const methods = await advertisedMethods(glance);
    test.skip(methods.length === 0, 'GET /v2/info/import advertises no import method');
    const res = await images.request('import-header');
    expect(res).toHaveStatus(201);
    const header = res.headers['openstack-image-import-methods'] ?? '';
    expect(
      header
        .split(',')
        .map((s) => s.trim())
        .sort(),
      'OpenStack-image-import-methods',
    ).toEqual([...methods].sort());
  });
});

test.describe('import: glance-direct', { tag: ['@import'] }, () => {
  test('PUT /v2/images/{id}/stage then POST /v2/images/{id}/import glance-direct returns 202 and the image goes active with matching hashes', {
    annotation: id('import.glance-direct.active'),
  }, async ({ glance, images }) => {
    requireMethod(await advertisedMethods(glance), 'glance-direct');
    const local = await localImage('qcow2');
    const created = await images.create('import-direct', { disk_format: 'qcow2' });
    const image = await glanceDirect(glance, created.id, local);
    expectStoredDigests(image, local.digests);
    expect(image.virtual_size, 'virtual_size of the imported qcow2').toBe(local.virtualSize);
    expectImageBytes(
      await glance.data.download(created.id, { expectedBytes: local.digests.size }),
      created.id,
      local.digests,
    );
  });

  test('GET /v2/images/{id}/tasks after a glance-direct import lists one successful api_image_import task', {
    annotation: id('import.tasks.image-tasks'),
  }, async ({ glance, images }) => {
    const versions = await glance.versions.listRoot();
    const ids = (versions.body as VersionsDocument | undefined)?.versions.map((v) => v.id) ?? [];
    const newest = ids
      .map(minor)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .at(-1) ?? [0, 0];
    test.skip(
      newest[0] < 2 || (newest[0] === 2 && newest[1] < 12),
      `image tasks need API 2.12; the target's newest is v${newest.join('.')}`,
    );
    requireMethod(await advertisedMethods(glance), 'glance-direct');
    const local = await localImage('raw');
    const created = await images.create('import-tasks');
    await glanceDirect(glance, created.id, local);
    // Glance marks the task done a moment after the image turns active.
    const deadline = Date.now() + IMPORT_TIMEOUT_MS;
    let tasks: Task[] = [];
    let imports: Task[] = [];
    do {
      const res = await glance.tasks.listForImage(created.id);
      expect(res).toHaveStatus(200);
      tasks = (res.body?.tasks ?? []) as Task[];
      imports = tasks.filter((t) => t.type === 'api_image_import');
      if (!imports.some((t) => t.status === 'pending' || t.status === 'processing')) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < deadline);
    expect(imports, `tasks of ${created.id}: ${JSON.stringify(tasks).slice(0, 500)}`).toHaveLength(1);
    expect(imports[0]).toMatchObject({ status: 'success', image_id: created.id });
    expect(imports[0]?.request_id, 'the task records the import request id').toMatch(/^req-/);
  });
});

test.describe('import: web-download', { tag: ['@import'] }, () => {
  let server: Server | undefined;
  test.afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  test('POST /v2/images/{id}/import web-download of a loopback URL returns 202 and the image goes active with matching hashes', {
    annotation: id('import.web-download.active'),
  }, async ({ glance, images }) => {
    requireMethod(await advertisedMethods(glance), 'web-download');
    const local = await localImage('raw');
    let fetched = 0;
    server = createServer((_req, res) => {
      fetched++;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': local.bytes.length,
      });
      res.end(local.bytes);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/image.raw`;
    const created = await images.create('import-web');
    const res = await glance.images.import(created.id, { method: { name: 'web-download', uri } });
    test.skip(
      res.status === 400 && /filter/i.test(res.exchange.bodyExcerpt ?? ''),
      `the target's web-download filtering refuses ${uri} (400 "${String(
        (res.body as { message?: string } | undefined)?.message ?? '',
      )
        .replace(/<br \/>/g, ' ')
        .trim()}"); ` +
        'the harness serves only loopback URLs, so web-download cannot be exercised against this Glance',
    );
    expect(res).toHaveStatus(202);
    const image = await waitForImport(glance, created.id);
    test.skip(
      image.status !== 'active' && fetched === 0,
      `the target never fetched ${uri}: it cannot reach the harness's loopback server`,
    );
    expectImported(image, 'web-download');
    expectStoredDigests(image, local.digests);
  });
});

test.describe('import: copy-image', { tag: ['@import'] }, () => {
  test('POST /v2/images/{id}/import copy-image to a second store returns 202 and lists the image in both stores', {
    annotation: id('import.copy-image.second-store'),
  }, async ({ glance, images }) => {
    requireMethod(await advertisedMethods(glance), 'copy-image');
    const stores = await glance.info.stores();
    test.skip(stores.status === 404, 'GET /v2/info/stores answers 404: not a multi-store deployment');
    expect(stores).toHaveStatus(200);
    const writable = (stores.body?.stores ?? []).filter((s) => String(s['read-only']) !== 'true');
    const target = writable.find((s) => String(s.default) !== 'true');
    test.skip(
      !target,
      `copy-image needs two writable stores; the target has ${writable.map((s) => String(s.id)).join(', ') || 'none'}`,
    );
    const local = await localImage('raw');
    const created = await images.create('import-copy');
    expect(await glance.data.upload(created.id, sourceOf(local))).toHaveStatus(204);
    const storeId = String(target!.id);
    const res = await glance.images.import(created.id, { method: { name: 'copy-image' }, stores: [storeId] });
    expect(res).toHaveStatus(202);
    const deadline = Date.now() + IMPORT_TIMEOUT_MS;
    let image: Image | undefined;
    while (Date.now() < deadline) {
      image = (await glance.images.show(created.id)).body;
      if (
        String(image?.stores ?? '')
          .split(',')
          .includes(storeId)
      )
        break;
      if (
        String(image?.os_glance_failed_import ?? '')
          .split(',')
          .includes(storeId)
      )
        break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(String(image?.stores ?? '').split(','), `stores of ${created.id}`).toContain(storeId);
    expectStoredDigests(image!, local.digests);
  });
});
