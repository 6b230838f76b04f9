import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId } from './base.js';

/** GET /v2/cache: what this node holds and what it is to fetch. */
export interface CacheState {
  cached_images: Array<Record<string, unknown>>;
  queued_images: string[];
}

/** Cache Manage (api-ref: image/v2 "Cache Manage"; API 2.14, clean and prune 2.18; admin by default). */
export class CacheClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Query cache status: GET /v2/cache. */
  list(opts: CallOptions = {}): Promise<ApiResponse<CacheState>> {
    return this.t.call({ method: 'GET', path: '/v2/cache', ...opts });
  }

  /** Queue image for caching: PUT /v2/cache/{image_id}. */
  queue(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'PUT',
      path: `/v2/cache/${imageId(id, 'PUT /v2/cache/{image_id}', opts)}`,
      ...opts,
    });
  }

  /** Delete image from cache: DELETE /v2/cache/{image_id}. */
  delete(id: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'DELETE',
      path: `/v2/cache/${imageId(id, 'DELETE /v2/cache/{image_id}', opts)}`,
      ...opts,
    });
  }

  /** Clear images from cache: DELETE /v2/cache (x-image-cache-clear-target: cache, queue or both). */
  clear(target?: 'cache' | 'queue', opts: CallOptions = {}): Promise<ApiResponse> {
    const headers = target ? { 'x-image-cache-clear-target': target, ...opts.headers } : opts.headers;
    return this.t.call({ method: 'DELETE', path: '/v2/cache', ...opts, headers });
  }

  /** Clean the cache of invalid and stalled entries: POST /v2/cache/clean (2.18). */
  clean(opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({ method: 'POST', path: '/v2/cache/clean', ...opts });
  }

  /** Prune the cache to its configured size: POST /v2/cache/prune (2.18). */
  prune(
    opts: CallOptions = {},
  ): Promise<ApiResponse<{ total_files_pruned: number; total_bytes_pruned: number }>> {
    return this.t.call({ method: 'POST', path: '/v2/cache/prune', ...opts });
  }
}
