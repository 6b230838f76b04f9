import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId, seg } from './base.js';

/** Image tags (api-ref: image/v2 "Image tags"). */
export class TagsClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Add image tag: PUT /v2/images/{image_id}/tags/{tag}. */
  async add(id: string, tag: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'PUT',
      path: `/v2/images/${imageId(id, 'PUT /v2/images/{image_id}/tags/{tag}', opts)}/tags/${seg(tag)}`,
      ...opts,
    });
  }

  /** Delete image tag: DELETE /v2/images/{image_id}/tags/{tag}. */
  async delete(id: string, tag: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'DELETE',
      path: `/v2/images/${imageId(id, 'DELETE /v2/images/{image_id}/tags/{tag}', opts)}/tags/${seg(tag)}`,
      ...opts,
    });
  }
}
