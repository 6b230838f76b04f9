import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';

/** Discovery info (api-ref: image/v2 "Image Service Info (Discovery)"). */
export class InfoClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Import methods and values discovery: GET /v2/info/import. */
  import(opts: CallOptions = {}): Promise<ApiResponse<{ 'import-methods': { value: string[] } }>> {
    return this.t.call({ method: 'GET', path: '/v2/info/import', ...opts });
  }

  /** List stores: GET /v2/info/stores (multi-store deployments). */
  stores(opts: CallOptions = {}): Promise<ApiResponse<{ stores: Array<Record<string, unknown>> }>> {
    return this.t.call({ method: 'GET', path: '/v2/info/stores', ...opts });
  }

  /** List stores with details: GET /v2/info/stores/detail (admin). */
  storesDetail(opts: CallOptions = {}): Promise<ApiResponse<{ stores: Array<Record<string, unknown>> }>> {
    return this.t.call({ method: 'GET', path: '/v2/info/stores/detail', ...opts });
  }

  /** Get quota usage: GET /v2/info/usage. */
  usage(opts: CallOptions = {}): Promise<ApiResponse<Record<string, unknown>>> {
    return this.t.call({ method: 'GET', path: '/v2/info/usage', ...opts });
  }
}
