import { MAX_DOCUMENT_BODY } from '../http/client.js';
import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import type { VersionsDocument } from './types.js';

/** API versions (api-ref: image/v2 "Versions"). */
export class VersionsClient {
  constructor(private readonly t: GlanceTransport) {}

  /** List API versions: GET / (Glance answers 300 Multiple Choices). */
  listRoot(opts: CallOptions = {}): Promise<ApiResponse<VersionsDocument>> {
    return this.t.call({ method: 'GET', path: '/', noAuth: true, maxBodyBytes: MAX_DOCUMENT_BODY, ...opts });
  }

  /** List API versions: GET /versions (200). */
  list(opts: CallOptions = {}): Promise<ApiResponse<VersionsDocument>> {
    return this.t.call({
      method: 'GET',
      path: '/versions',
      noAuth: true,
      maxBodyBytes: MAX_DOCUMENT_BODY,
      ...opts,
    });
  }

  /** GET /v2 (Zed redirects to /v2/). */
  v2Root(opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'GET',
      path: '/v2',
      noAuth: true,
      maxBodyBytes: MAX_DOCUMENT_BODY,
      ...opts,
    });
  }

  /** GET /healthcheck (oslo.middleware healthcheck, when enabled in the paste pipeline). */
  healthcheck(opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'GET',
      path: '/healthcheck',
      noAuth: true,
      accept: '*/*',
      maxBodyBytes: MAX_DOCUMENT_BODY,
      ...opts,
    });
  }
}
