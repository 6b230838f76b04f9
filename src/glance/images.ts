import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { seg } from './base.js';
import { type Image, type ImageList, PATCH_MEDIA_TYPE, type PatchOp } from './types.js';

export type ImageListQuery = Record<string, string | number | boolean | undefined | readonly string[]>;

/** Images (api-ref: image/v2 "Images"). */
export class ImagesClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Create image: POST /v2/images. */
  create(fields: Record<string, unknown>, opts: CallOptions = {}): Promise<ApiResponse<Image>> {
    return this.t.call({ method: 'POST', path: '/v2/images', json: fields, ...opts });
  }

  /** Show image: GET /v2/images/{image_id}. */
  show(id: string, opts: CallOptions = {}): Promise<ApiResponse<Image>> {
    return this.t.call({ method: 'GET', path: `/v2/images/${seg(id)}`, ...opts });
  }

  /** List images: GET /v2/images with filters, sort, limit and marker. */
  list(query: ImageListQuery = {}, opts: CallOptions = {}): Promise<ApiResponse<ImageList>> {
    return this.t.call({ method: 'GET', path: '/v2/images', query, ...opts });
  }

  /** Follows a `next` link returned by list (a path with query, relative to the endpoint). */
  listNext(next: string, opts: CallOptions = {}): Promise<ApiResponse<ImageList>> {
    const u = new URL(next, `${this.t.endpoint}/`);
    const query: Record<string, string[]> = {};
    for (const [k, v] of u.searchParams) {
      const list = query[k] ?? [];
      list.push(v);
      query[k] = list;
    }
    return this.t.call({ method: 'GET', path: u.pathname, query, ...opts });
  }

  /** Update image: PATCH /v2/images/{image_id} with a JSON patch. */
  update(
    id: string,
    ops: readonly PatchOp[],
    opts: CallOptions & { mediaType?: string } = {},
  ): Promise<ApiResponse<Image>> {
    const { mediaType, ...rest } = opts;
    return this.t.call({
      method: 'PATCH',
      path: `/v2/images/${seg(id)}`,
      body: JSON.stringify(ops),
      ...rest,
      headers: { 'content-type': mediaType ?? PATCH_MEDIA_TYPE, ...rest.headers },
    });
  }

  /** Delete image: DELETE /v2/images/{image_id}. */
  delete(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'DELETE', path: `/v2/images/${seg(id)}`, ...opts });
  }

  /** Deactivate image: POST /v2/images/{image_id}/actions/deactivate. */
  deactivate(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'POST', path: `/v2/images/${seg(id)}/actions/deactivate`, ...opts });
  }

  /** Reactivate image: POST /v2/images/{image_id}/actions/reactivate. */
  reactivate(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'POST', path: `/v2/images/${seg(id)}/actions/reactivate`, ...opts });
  }

  /** Import an image: POST /v2/images/{image_id}/import. */
  import(id: string, method: Record<string, unknown>, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'POST', path: `/v2/images/${seg(id)}/import`, json: method, ...opts });
  }
}
