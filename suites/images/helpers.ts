import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ApiResponse, GlanceClient, Image, ImageList } from '../../src/glance/index.js';
import type { RunContext } from '../../src/run/context.js';
import { schemas } from '../../src/validate.js';
import { expect } from '../fixtures.js';

/** Uploads `size` random bytes as application/octet-stream and expects 204. */
export async function uploadRandom(glance: GlanceClient, imageId: string, size: number): Promise<void> {
  const res = await glance.data.upload(imageId, { stream: Readable.from([randomBytes(size)]), size });
  expect(res).toHaveStatus(204);
}

/** True when the credentials carry the admin role (or the target runs without Keystone, as admin). */
export function isAdmin(ctx: Readonly<RunContext>): boolean {
  if (ctx.target.authType === 'none') return true;
  return ctx.primary.roles.some((r) => r.toLowerCase() === 'admin');
}

/** The project the token is scoped to, when there is one. */
export function projectId(ctx: Readonly<RunContext>): string | undefined {
  return ctx.primary.projectId;
}

/** Lists one page, expecting 200 and a body valid against the images schemas. */
export async function listPage(
  glance: GlanceClient,
  query: Record<string, string | number | boolean | readonly string[]>,
): Promise<ApiResponse<ImageList> & { body: ImageList }> {
  const res = await glance.images.list(query);
  expect(res).toHaveStatus(200);
  expect(res).toMatchSchema('glance/zed/images');
  return res as ApiResponse<ImageList> & { body: ImageList };
}

/** Follows `next` from the first page to the last; fails on a loop or a page larger than the limit. */
export async function walkPages(
  glance: GlanceClient,
  query: Record<string, string | number | boolean | readonly string[]>,
  limit: number,
): Promise<{ images: Image[]; pages: number }> {
  const images: Image[] = [];
  const seen = new Set<string>();
  let res = await listPage(glance, { ...query, limit });
  let pages = 1;
  for (;;) {
    expect(res.body.images.length, `page ${pages} holds more than limit=${limit}`).toBeLessThanOrEqual(limit);
    images.push(...res.body.images);
    const next = res.body.next;
    if (!next) break;
    expect(seen.has(next), `next link ${next} repeats: pagination loops`).toBe(false);
    seen.add(next);
    expect(pages, 'more pages than images: pagination does not advance').toBeLessThan(1000);
    const following = await glance.images.listNext(next);
    expect(following).toHaveStatus(200);
    expect(following).toMatchSchema('glance/zed/images');
    res = following as ApiResponse<ImageList> & { body: ImageList };
    pages += 1;
  }
  return { images, pages };
}

/** Ids in list order. */
export function idsOf(images: readonly Image[]): string[] {
  return images.map((i) => i.id);
}

/** Runs `fn` over `items`, `width` at a time, in order of start. */
export async function inBatches<T>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/** The formats the target's live image schema offers for a property (null excluded). */
export async function advertisedFormats(
  glance: GlanceClient,
  property: 'disk_format' | 'container_format',
): Promise<string[]> {
  let schema = schemas().source('live/image');
  if (!schema) {
    const res = await glance.schemas.show('image');
    expect(res).toHaveStatus(200);
    schema = res.body;
  }
  const props = (schema?.properties ?? {}) as Record<string, { enum?: unknown[] }>;
  const values = (props[property]?.enum ?? []).filter((v): v is string => typeof v === 'string');
  expect(values.length, `GET /v2/schemas/image lists no ${property} values`).toBeGreaterThan(0);
  return values;
}
