import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';

/** A metadata definition namespace, as far as the harness reads it. */
export interface MetadefNamespace {
  namespace: string;
  display_name?: string;
  visibility?: string;
  protected?: boolean;
  [key: string]: unknown;
}

/** Metadata definitions (api-ref: image/v2 "Metadata definition namespaces"). */
export class MetadefsClient {
  constructor(private readonly t: GlanceTransport) {}

  /** List namespaces: GET /v2/metadefs/namespaces. */
  async listNamespaces(
    query: { limit?: number; marker?: string; resource_types?: string; visibility?: string } = {},
    opts: CallOptions = {},
  ): Promise<ApiResponse<{ namespaces: MetadefNamespace[] }>> {
    return this.t.call({ method: 'GET', path: '/v2/metadefs/namespaces', query, ...opts });
  }
}
