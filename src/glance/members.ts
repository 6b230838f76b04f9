import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId, memberId } from './base.js';
import type { Member, MemberList } from './types.js';

/** Image members (api-ref: image/v2 "Sharing"). */
export class MembersClient {
  constructor(private readonly t: GlanceTransport) {}

  /** Create image member: POST /v2/images/{image_id}/members. */
  async create(image: string, member: string, opts: CallOptions = {}): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'POST',
      path: `/v2/images/${imageId(image, 'POST /v2/images/{image_id}/members', opts)}/members`,
      json: { member },
      ...opts,
    });
  }

  /** List image members: GET /v2/images/{image_id}/members. */
  async list(image: string, opts: CallOptions = {}): Promise<ApiResponse<MemberList>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/images/${imageId(image, 'GET /v2/images/{image_id}/members', opts)}/members`,
      ...opts,
    });
  }

  /** Show image member details: GET /v2/images/{image_id}/members/{member_id}. */
  async show(image: string, member: string, opts: CallOptions = {}): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'GET',
      path: this.memberPath('GET', image, member, opts),
      ...opts,
    });
  }

  /** Update image member: PUT /v2/images/{image_id}/members/{member_id}. */
  async update(
    image: string,
    member: string,
    status: Member['status'],
    opts: CallOptions = {},
  ): Promise<ApiResponse<Member>> {
    return this.t.call({
      method: 'PUT',
      path: this.memberPath('PUT', image, member, opts),
      json: { status },
      ...opts,
    });
  }

  /** Delete image member: DELETE /v2/images/{image_id}/members/{member_id}. */
  async delete(image: string, member: string, opts: CallOptions = {}): Promise<ApiResponse> {
    return this.t.call({
      method: 'DELETE',
      path: this.memberPath('DELETE', image, member, opts),
      ...opts,
    });
  }

  private memberPath(method: string, image: string, member: string, opts: CallOptions): string {
    const where = `${method} /v2/images/{image_id}/members/{member_id}`;
    return `/v2/images/${imageId(image, where, opts)}/members/${memberId(member, where, opts)}`;
  }
}
