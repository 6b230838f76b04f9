import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { seg } from './base.js';

/** Image tags (api-ref: image/v2 "Image tags"). */
export class TagsClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Add image tag: PUT /v2/images/{image_id}/tags/{tag}. */
  add(imageId: string, tag: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'PUT', path: `/v2/images/${seg(imageId)}/tags/${seg(tag)}`, ...opts });
  }

  /** Delete image tag: DELETE /v2/images/{image_id}/tags/{tag}. */
  delete(imageId: string, tag: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'DELETE', path: `/v2/images/${seg(imageId)}/tags/${seg(tag)}`, ...opts });
  }
}
