import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { seg } from './base.js';
import type { Member, MemberList } from './types.js';

/** Image members (api-ref: image/v2 "Sharing"). */
export class MembersClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Create image member: POST /v2/images/{image_id}/members. */
  create(imageId: string, memberId: string, opts: CallOptions = {}): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${seg(imageId)}/members`,
      json: { member: memberId },
      ...opts,
    });
  }

  /** List image members: GET /v2/images/{image_id}/members. */
  list(imageId: string, opts: CallOptions = {}): Promise<ApiResponse<MemberList>> {
    return this.t.call({ method: 'GET', path: `/v2/images/${seg(imageId)}/members`, ...opts });
  }

  /** Show image member details: GET /v2/images/{image_id}/members/{member_id}. */
  show(imageId: string, memberId: string, opts: CallOptions = {}): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/images/${seg(imageId)}/members/${seg(memberId)}`,
      ...opts,
    });
  }

  /** Update image member: PUT /v2/images/{image_id}/members/{member_id}. */
  update(
    imageId: string,
    memberId: string,
    status: Member['status'],
    opts: CallOptions = {},
  ): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'PUT',
      path: `/v2/images/${seg(imageId)}/members/${seg(memberId)}`,
      json: { status },
      ...opts,
    });
  }

  /** Delete image member: DELETE /v2/images/{image_id}/members/{member_id}. */
  delete(imageId: string, memberId: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'DELETE',
      path: `/v2/images/${seg(imageId)}/members/${seg(memberId)}`,
      ...opts,
    });
  }
}
