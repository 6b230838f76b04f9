// The image endpoints of the Keystone catalog (public, internal, admin) must be one and the same Glance.
import { GlanceClient, type VersionsDocument } from '../../src/glance/index.js';
import type { WorkerTarget } from '../context.js';
import { expect, id, test } from '../fixtures.js';

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** The catalog URL of one interface in the region in use, or why there is none. */
function endpointOf(target: WorkerTarget, iface: string): { url?: string; reason?: string } {
  if (!target.catalogEndpoints) {
    return {
      reason: 'the image endpoint is set explicitly (--endpoint or OS_IMAGE_ENDPOINT_OVERRIDE): no catalog',
    };
  }
  const chosen = target.catalogEndpoints.find((e) => e.url.replace(/\/+$/, '') === target.endpoint);
  const match = target.catalogEndpoints.find(
    (e) => e.interface === iface && (chosen?.region === undefined || e.region === chosen.region),
  );
  if (!match)
    return {
      reason: `the catalog lists no ${iface} image endpoint${chosen?.region ? ` in ${chosen.region}` : ''}`,
    };
  return { url: match.url };
}

const versionList = (doc: VersionsDocument | undefined): string[] =>
  (doc?.versions ?? []).map((v) => `${v.id} ${v.status}`);

test.describe('endpoints: catalog interfaces', { tag: ['@endpoints', '@catalog'] }, () => {
  for (const iface of INTERFACES) {
    test(`GET / on the ${iface} image endpoint returns 300 and the versions of the endpoint in use`, {
      tag: ['@read-only'],
      annotation: id(`endpoints.${iface}.versions`),
    }, async ({ target, glance }) => {
      const { url, reason } = endpointOf(target, iface);
      test.skip(!url, reason ?? '');
      const other = new GlanceClient(url!, target.http, target.tokens);
      const [mine, theirs] = [await glance.versions.listRoot(), await other.versions.listRoot()];
      expect(mine).toHaveStatus(300);
      expect(theirs).toHaveStatus(300);
      expect(theirs).toMatchSchema('harness/versions');
      expect(
        versionList(theirs.body),
        `${iface} endpoint ${url} lists other versions than ${glance.endpoint}`,
      ).toEqual(versionList(mine.body));
    });

    test(`GET /v2/images/{id} through the ${iface} image endpoint shows an image created through the endpoint in use`, {
      annotation: id(`endpoints.${iface}.same-images`),
    }, async ({ target, glance, images }) => {
      const { url, reason } = endpointOf(target, iface);
      test.skip(!url, reason ?? '');
      const other = new GlanceClient(url!, target.http, target.tokens);
      const image = await images.create(`endpoint-${iface}`);
      const res = await other.images.show(image.id);
      expect(
        res,
        `${iface} endpoint ${url} does not know image ${image.id} created through ${glance.endpoint}`,
      ).toHaveStatus(200);
      expect(res).toMatchSchema('glance/zed/image');
      expect(res.body).toMatchObject({ id: image.id, name: image.name, created_at: image.created_at });
      const list = await other.images.list({ id: image.id });
      expect(list).toHaveStatus(200);
      expect(list.body?.images.map((i) => i.id)).toEqual([image.id]);
    });
  }
});
