import { MAX_DOCUMENT_BODY } from '../http/client.js';
import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';

/** The schema names Glance serves under /v2/schemas. */
export const GLANCE_SCHEMA_NAMES = ['image', 'images', 'member', 'members', 'task', 'tasks'] as const;
export type GlanceSchemaName = (typeof GLANCE_SCHEMA_NAMES)[number] | `metadefs/${string}`;

/** Schemas (api-ref: image/v2 "Schemas"). */
export class SchemasClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Show a schema: GET /v2/schemas/{name}. */
  show(name: GlanceSchemaName, opts: CallOptions = {}): Promise<ApiResponse<Record<string, unknown>>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/schemas/${name}`,
      maxBodyBytes: MAX_DOCUMENT_BODY,
      ...opts,
    });
  }
}
