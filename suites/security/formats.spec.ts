// Image format safety on upload and import: format mismatch (require_image_format_match) and the
// OSSA-2024-001 / CVE-2024-32498 shapes. Each check passes when the target refuses the bytes.

import { createHash } from 'node:crypto';
import { buildQcow2 } from '../../src/data/qcow2.js';
import { mismatchedBytes, ossa2024001Shapes } from '../../src/data/security-shapes.js';
import { expect, id, test } from '../fixtures.js';
import { bytesOf } from '../support/image-data.js';
import { waitForImport } from '../support/import-wait.js';
import { acceptedByTarget, imageEvidence, importMethods, said } from './support.js';

const MISMATCH_ADVISORY = 'OSSA-2024-001 follow-up: [image_format] require_image_format_match';
const ZED_UPLOAD_DEFAULT =
  'Zed 25.x does not inspect uploaded data (no [image_format] require_image_format_match; it exists and ' +
  'defaults to true from 2024.2/29.0.0), so the upload is stored as given';
const ZED_IMPORT_DEFAULT =
  'Zed 25.x runs no format inspection in glance-direct import unless the image_conversion plugin is enabled ' +
  '(import_plugins default []), so the staged data is imported as given';

test.describe('security: formats', { tag: ['@security'] }, () => {
  test('PUT /v2/images/{id}/file with random bytes claimed as qcow2 is refused', {
    annotation: [id('security.format.mismatch'), { type: 'advisory', description: MISMATCH_ADVISORY }],
  }, async ({ glance, images, ctx }) => {
    const image = await images.create('sec-mismatch', { disk_format: 'qcow2' });
    const res = await glance.data.upload(image.id, bytesOf(mismatchedBytes()));
    const after = (await glance.images.show(image.id)).body;
    if (res.status >= 400 && res.status < 500) return;
    expect(res.status, `${said(res)}: expected a 4xx refusal or 204`).toBe(204);
    acceptedByTarget(
      ctx,
      `${said(res)} stored random bytes as qcow2: ${imageEvidence(after)}`,
      ZED_UPLOAD_DEFAULT,
      'pass',
    );
  });

  test('PUT /v2/images/{id}/file refused: the image stays queued with no data and takes good data after', {
    annotation: [
      id('security.format.refused-upload-state'),
      { type: 'advisory', description: MISMATCH_ADVISORY },
    ],
  }, async ({ glance, images, ctx }) => {
    const image = await images.create('sec-refused-state', { disk_format: 'qcow2' });
    const bad = await glance.data.upload(image.id, bytesOf(mismatchedBytes()));
    if (bad.status === 204) {
      const after = (await glance.images.show(image.id)).body;
      acceptedByTarget(
        ctx,
        `${said(bad)} accepted random bytes as qcow2, so no refused state to inspect: ${imageEvidence(after)}`,
        ZED_UPLOAD_DEFAULT,
      );
    }
    expect(bad.status, `${said(bad)}: expected a 4xx refusal`).toBeGreaterThanOrEqual(400);
    expect(bad.status, `${said(bad)}: expected a 4xx refusal`).toBeLessThan(500);
    const shown = await glance.images.show(image.id);
    expect(shown).toHaveStatus(200);
    const img = shown.body!;
    const problems: string[] = [];
    if (img.status !== 'queued') problems.push(`status ${img.status} (expected queued)`);
    for (const k of ['size', 'checksum', 'os_hash_algo', 'os_hash_value'] as const) {
      const v = (img as unknown as Record<string, unknown>)[k];
      if (v !== null && v !== undefined)
        problems.push(`${k}=${JSON.stringify(v)} kept from the refused bytes`);
    }
    const dl = await glance.data.download(image.id).catch((err: Error) => err);
    if (dl instanceof Error)
      problems.push(`GET /v2/images/${image.id}/file (expected 204: no data) failed: ${dl.message}`);
    else if (dl.status !== 204) problems.push(`${said(dl)} (expected 204: no data)`);
    const good = buildQcow2({ virtualSize: 1 << 20, dataClusters: 1 });
    const retry = await glance.data.upload(image.id, bytesOf(good));
    if (retry.status !== 204) problems.push(`retry with a valid qcow2: ${said(retry)} (expected 204)`);
    const final = (await glance.images.show(image.id)).body;
    const md5 = createHash('md5').update(good).digest('hex');
    const sha512 = createHash('sha512').update(good).digest('hex');
    if (retry.status === 204) {
      if (final?.status !== 'active') problems.push(`after retry status ${final?.status} (expected active)`);
      if (final?.checksum !== md5) problems.push(`after retry checksum ${final?.checksum} (expected ${md5})`);
      if (ctx.hashAlgo === 'sha512' && final?.os_hash_value !== sha512)
        problems.push(
          `after retry os_hash_value ${String(final?.os_hash_value).slice(0, 16)}… (expected ${sha512.slice(0, 16)}…)`,
        );
    }
    expect(
      problems,
      `after ${said(bad)} on ${image.id}: ${problems.join('; ')}. Final: ${imageEvidence(final)}`,
    ).toEqual([]);
  });

  for (const shape of ossa2024001Shapes()) {
    test(`PUT /v2/images/{id}/file with ${shape.name} is refused`, {
      annotation: [
        id(`security.ossa-2024-001.upload-${shape.name}`),
        { type: 'advisory', description: `${shape.advisory}: ${shape.description}` },
      ],
    }, async ({ glance, images, ctx }) => {
      const image = await images.create(`sec-${shape.name}`, { disk_format: shape.diskFormat });
      const res = await glance.data.upload(image.id, bytesOf(shape.bytes));
      const after = (await glance.images.show(image.id)).body;
      if ((res.status >= 400 && res.status < 500) || (res.status === 204 && after?.status !== 'active'))
        return;
      expect(res.status, `${said(res)}: expected a 4xx refusal or 204`).toBe(204);
      acceptedByTarget(
        ctx,
        `${said(res)} stored ${shape.description} and the image is active: ${imageEvidence(after)}`,
        ZED_UPLOAD_DEFAULT,
      );
    });

    test(`POST /v2/images/{id}/import (glance-direct) of ${shape.name} does not go active`, {
      annotation: [
        id(`security.ossa-2024-001.import-${shape.name}`),
        { type: 'advisory', description: `${shape.advisory}: ${shape.description}` },
      ],
    }, async ({ glance, images, ctx }) => {
      const methods = await importMethods(glance);
      test.skip(
        !methods.includes('glance-direct'),
        `GET /v2/info/import does not advertise glance-direct (advertised: ${methods.join(', ') || 'none'})`,
      );
      const image = await images.create(`sec-import-${shape.name}`, { disk_format: shape.diskFormat });
      const staged = await glance.data.stage(image.id, bytesOf(shape.bytes));
      if (staged.status >= 400 && staged.status < 500) return;
      expect(staged, `${said(staged)}: expected 204 or a 4xx refusal`).toHaveStatus(204);
      const res = await glance.images.import(image.id, { method: { name: 'glance-direct' } });
      if (res.status >= 400 && res.status < 500) return;
      expect(res).toHaveStatus(202);
      const final = await waitForImport(glance, image.id);
      if (final.status !== 'active') return;
      acceptedByTarget(
        ctx,
        `glance-direct import of ${shape.description} went active: ${imageEvidence(final)}`,
        ZED_IMPORT_DEFAULT,
      );
    });
  }
});
