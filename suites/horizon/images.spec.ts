// Horizon's image workflow (Project > Compute > Images): create with a generated qcow2, Update
// Metadata, delete, each step checked through the Image API the run already talks to.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GeneratedImage, generateImage } from '../../src/data/index.js';
import type { GlanceClient, Image } from '../../src/glance/index.js';
import { corsVerdict, isDirectUpload, memberSkipReason } from '../../src/horizon/index.js';
import { runImageName, runTags } from '../../src/run/naming.js';
import type { WorkerTarget } from '../context.js';
import { expect, explainStatus, id } from '../fixtures.js';
import { runHorizonSettings, snap, test } from './fixtures.js';
import { CreateImageWizard, ImagesTable, LoginPage, MetadataDialog } from './pages.js';

const settings = runHorizonSettings();
// A small image keeps the check about the dashboard, not about upload speed.
const VIRTUAL_SIZE = 64 * 2 ** 20;
const DATA_BYTES = 256 * 2 ** 10;
const ACTIVE_TIMEOUT_MS = 60_000;
const API_TIMEOUT_MS = 30_000;

/** Lists images named `name` until one shows up (Horizon creates the record a moment after the click). */
async function findByName(glance: GlanceClient, name: string, timeoutMs: number): Promise<Image | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await glance.images.list({ name });
    expect(res, explainStatus(res, 200)).toHaveStatus(200);
    const found = res.body?.images[0];
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The browser's preflight, replayed from here: names horizon.cors-missing when Glance does not allow the dashboard. */
async function corsCause(
  target: WorkerTarget,
  uploadUrl: string,
  origin: string,
): Promise<string | undefined> {
  const preflight = await target.http.request({
    method: 'OPTIONS',
    url: uploadUrl,
    headers: {
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,x-auth-token',
    },
  });
  const cause = corsVerdict(origin, preflight);
  return cause ? `${cause.id}: ${cause.title}. Fix: ${cause.fix}` : undefined;
}

test.describe('horizon: images', { tag: ['@horizon'] }, () => {
  test.skip(settings.skipReason !== undefined, settings.skipReason);

  // Before the browser starts: the token's roles decide whether the metadata step is possible.
  test.beforeEach(async ({ ctx, horizon }) => {
    const me = ctx.primary;
    const notAdmin = memberSkipReason(
      me.roles,
      me.userName ?? horizon.username ?? 'the user',
      me.projectName ?? 'its project',
    );
    test.skip(notAdmin !== undefined, notAdmin);
  });

  test(
    'UI /project/images/ create qcow2, Update Metadata os_name, delete: GET /v2/images/{id} sees each step',
    { annotation: id('horizon.images.create-metadata-delete') },
    async ({ page, glance, images, ctx, target, horizon, consoleErrors: _errors }, testInfo) => {
      const baseUrl = horizon.url ?? '';
      const origin = new URL(baseUrl).origin;
      const name = runImageName(ctx.prefix, ctx.runId, 'horizon');
      const directUploads: string[] = [];
      page.on('request', (r) => {
        if (isDirectUpload(r.method(), r.url(), baseUrl)) directUploads.push(r.url());
      });
      const workDir = await mkdtemp(join(tmpdir(), 'gh-horizon-'));
      try {
        const file: GeneratedImage = await generateImage(workDir, {
          format: 'qcow2',
          size: VIRTUAL_SIZE,
          dataBytes: DATA_BYTES,
          seed: ctx.runId,
        });
        const table = new ImagesTable(page, baseUrl);

        await test.step('log in', async () => {
          const login = new LoginPage(page, baseUrl);
          await login.goto();
          await snap(page, testInfo, '01-login.png');
          await login.logIn(horizon.username ?? '', horizon.password ?? '', horizon.domain);
        });

        await test.step('Project > Compute > Images', async () => {
          await table.goto();
          await snap(page, testInfo, '02-images.png');
        });

        let image: Image | undefined;
        await test.step(`Create Image ${name} (qcow2, private)`, async () => {
          const wizard = new CreateImageWizard(page);
          await wizard.open(table);
          await wizard.fill({
            name,
            description: `glance-harness run ${ctx.runId}`,
            file: file.path,
            format: 'qcow2',
            visibility: 'Private',
          });
          await snap(page, testInfo, '03-create-filled.png');
          await wizard.submit();
          try {
            await wizard.waitClosed(ACTIVE_TIMEOUT_MS);
            image = await findByName(glance, name, API_TIMEOUT_MS);
            if (image) {
              images.track(image.id);
              // Tagged for the run, so the sweep after the run finds it whatever happens next.
              await glance.images.update(
                image.id,
                runTags(ctx.runId).map((tag) => ({ op: 'add' as const, path: '/tags/-', value: tag })),
              );
            }
            expect(
              image,
              `the image created in Horizon is not listed by GET /v2/images?name=${name} at ${target.endpoint}: is Horizon using this Glance and project?`,
            ).toBeDefined();
            await table.waitForStatus(name, 'Active', ACTIVE_TIMEOUT_MS);
          } catch (err) {
            const upload = directUploads[0];
            const cause = upload ? await corsCause(target, upload, origin) : undefined;
            if (cause) {
              testInfo.annotations.push({ type: 'cause', description: 'horizon.cors-missing' });
              throw new Error(cause);
            }
            throw err;
          }
          if (directUploads.length > 0)
            testInfo.annotations.push({ type: 'feature', description: 'Horizon upload mode: direct' });
          await snap(page, testInfo, '04-active.png');
        });
        const imageId = image?.id ?? '';

        await test.step('Update Metadata: add os_name=linux', async () => {
          const dialog = new MetadataDialog(page);
          await dialog.open(table, name);
          await dialog.addCustom('os_name', 'linux');
          await snap(page, testInfo, '05-metadata-filled.png');
          await dialog.save();
          await snap(page, testInfo, '06-metadata-saved.png');
        });

        await test.step('GET /v2/images/{id}: active, os_name=linux, checksum and os_hash_value of the file', async () => {
          const res = await glance.images.show(imageId);
          expect(res).toHaveStatus(200);
          const shown = res.body as Image;
          expect(shown.status, 'status').toBe('active');
          expect(shown.name, 'name').toBe(name);
          expect(shown.disk_format, 'disk_format').toBe('qcow2');
          expect(shown.visibility, 'visibility').toBe('private');
          expect(shown.os_name, 'os_name set in Update Metadata').toBe('linux');
          expect(shown.size, 'size').toBe(file.size);
          expect(shown.checksum, 'checksum (md5 of the uploaded file)').toBe(file.md5);
          expect(shown.os_hash_algo, 'os_hash_algo').toBe('sha512');
          expect(shown.os_hash_value, 'os_hash_value (sha512 of the uploaded file)').toBe(file.sha512);
        });

        await test.step('Delete Image in the UI', async () => {
          await table.deleteImage(name);
          await table.waitForGone(name, API_TIMEOUT_MS);
          await snap(page, testInfo, '07-deleted.png');
        });

        await test.step('GET /v2/images/{id} after the UI delete: 404', async () => {
          const res = await glance.images.show(imageId);
          expect(res).toHaveStatus(404);
        });
      } finally {
        await rm(workDir, { recursive: true, force: true });
        // Whatever the UI left under this run's name goes with the images fixture's cleanup.
        const left = await glance.images.list({ name }).catch(() => undefined);
        for (const leftover of left?.body?.images ?? []) images.track(leftover.id);
      }
    },
  );
});
