import { quoteValue, UnexpectedResponseError } from '../errors.js';
import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId } from './base.js';
import {
  type Image,
  type ImageList,
  type ImageLocation,
  type NewImageLocation,
  PATCH_MEDIA_TYPE,
  type PatchOp,
} from './types.js';

export type ImageListQuery = Record<string, string | number | boolean | undefined | readonly string[]>;

/** Images (api-ref: image/v2 "Images"). */
export class ImagesClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Create image: POST /v2/images. */
  async create(fields: Record<string, unknown>, opts: CallOptions = {}): Promise<ApiResponse<Image>> {
    return this.t.call({ method: 'POST', path: '/v2/images', json: fields, ...opts });
  }

  /** Show image: GET /v2/images/{image_id}. */
  async show(id: string, opts: CallOptions = {}): Promise<ApiResponse<Image>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/images/${imageId(id, 'GET /v2/images/{image_id}', opts)}`,
      ...opts,
    });
  }

  /** List images: GET /v2/images with filters, sort, limit and marker. */
  async list(query: ImageListQuery = {}, opts: CallOptions = {}): Promise<ApiResponse<ImageList>> {
    return this.t.call({ method: 'GET', path: '/v2/images', query, ...opts });
  }

  /**
   * Follows a `next` link returned by list (a path with query, relative to the endpoint); refuses
   * one that leaves GET /v2/images of this endpoint (another host, another path).
   */
  async listNext(next: string, opts: CallOptions = {}): Promise<ApiResponse<ImageList>> {
    const u = nextLink(next, this.t.endpoint);
    const query: Record<string, string[]> = {};
    for (const [k, v] of u.searchParams) {
      const list = query[k] ?? [];
      list.push(v);
      query[k] = list;
    }
    return this.t.call({ method: 'GET', path: '/v2/images', query, ...opts });
  }

  /** Update image: PATCH /v2/images/{image_id} with a JSON patch. */
  async update(
    id: string,
    ops: readonly PatchOp[],
    opts: CallOptions & { mediaType?: string } = {},
  ): Promise<ApiResponse<Image>> {
    const { mediaType, ...rest } = opts;
    return this.t.call({
      method: 'PATCH',
      path: `/v2/images/${imageId(id, 'PATCH /v2/images/{image_id}', opts)}`,
      body: JSON.stringify(ops),
      ...rest,
      headers: { 'content-type': mediaType ?? PATCH_MEDIA_TYPE, ...rest.headers },
    });
  }

  /** Delete image: DELETE /v2/images/{image_id}. */
  async delete(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'DELETE',
      path: `/v2/images/${imageId(id, 'DELETE /v2/images/{image_id}', opts)}`,
      ...opts,
    });
  }

  /** Deactivate image: POST /v2/images/{image_id}/actions/deactivate. */
  async deactivate(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${imageId(id, 'POST /v2/images/{image_id}/actions/deactivate', opts)}/actions/deactivate`,
      ...opts,
    });
  }

  /** Reactivate image: POST /v2/images/{image_id}/actions/reactivate. */
  async reactivate(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${imageId(id, 'POST /v2/images/{image_id}/actions/reactivate', opts)}/actions/reactivate`,
      ...opts,
    });
  }

  /** Import an image: POST /v2/images/{image_id}/import. */
  async import(id: string, method: Record<string, unknown>, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${imageId(id, 'POST /v2/images/{image_id}/import', opts)}/import`,
      json: method,
      ...opts,
    });
  }

  /** Get image locations: GET /v2/images/{image_id}/locations (API 2.17; service or admin by default). */
  async locations(id: string, opts: CallOptions = {}): Promise<ApiResponse<ImageLocation[]>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/images/${imageId(id, 'GET /v2/images/{image_id}/locations', opts)}/locations`,
      ...opts,
    });
  }

  /** Add image location: POST /v2/images/{image_id}/locations (API 2.17; a queued image only). */
  async addLocation(id: string, location: NewImageLocation, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${imageId(id, 'POST /v2/images/{image_id}/locations', opts)}/locations`,
      json: location,
      ...opts,
    });
  }
}

/**
 * The URL a `next` link names, resolved as listNext sends it; throws UnexpectedResponseError unless it
 * stays on this endpoint's host and names /v2/images (Glance sends `/v2/images?marker=…`).
 */
export function nextLink(next: unknown, endpoint: string): URL {
  const refuse = (why: string): never => {
    throw new UnexpectedResponseError(
      `GET /v2/images answered a next link ${why} (${quoteValue(next)}): refused, not followed`,
    );
  };
  if (typeof next !== 'string' || next === '') return refuse('that is not a non-empty string');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a link with control characters is refused whole
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(next)) return refuse('holding control characters or backslashes');
  const base = new URL(`${endpoint}/`);
  let u: URL;
  try {
    u = new URL(next, base);
  } catch {
    return refuse('that is not a URL');
  }
  if (u.origin !== base.origin) return refuse(`to another host than ${base.origin}`);
  // An absolute link may repeat the endpoint's own path prefix (https://host/image/v2/images?…).
  const prefix = base.pathname.replace(/\/+$/, '');
  const path =
    prefix && u.pathname.startsWith(`${prefix}/v2/`) ? u.pathname.slice(prefix.length) : u.pathname;
  if (path !== '/v2/images' || u.username || u.password) return refuse('outside /v2/images');
  return u;
}
