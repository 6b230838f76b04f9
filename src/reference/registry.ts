/**
 * The reference's "database": images, their properties, tags, members and import tasks, kept in
 * memory with the same soft-delete and visibility rules as Glance's SQL layer.
 */
import { isoMicros, isoSeconds } from './http-util.js';

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'active'
  | 'killed'
  | 'deleted'
  | 'uploading'
  | 'importing'
  | 'pending_delete'
  | 'deactivated';

export type Visibility = 'public' | 'private' | 'shared' | 'community';
export type MemberStatus = 'pending' | 'accepted' | 'rejected';

/** Where an image's bytes are, from the store's point of view. */
export type DataState = 'none' | 'stored' | 'lost';

export interface MemberRecord {
  memberId: string;
  status: MemberStatus;
  createdAt: Date;
  updatedAt: Date;
}

export interface TaskRecord {
  id: string;
  type: 'api_image_import';
  status: 'pending' | 'processing' | 'success' | 'failure';
  owner: string | null;
  userId: string | null;
  requestId: string;
  imageId: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  message: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface ImageRecord {
  id: string;
  name: string | null;
  diskFormat: string | null;
  containerFormat: string | null;
  visibility: Visibility;
  size: number | null;
  virtualSize: number | null;
  status: ImageStatus;
  checksum: string | null;
  protected: boolean;
  minRam: number;
  minDisk: number;
  owner: string | null;
  osHidden: boolean;
  osHashAlgo: string | null;
  osHashValue: string | null;
  createdAt: Date;
  updatedAt: Date;
  tags: Set<string>;
  extra: Map<string, unknown>;
  deleted: boolean;
  data: DataState;
  stores: string[];
  members: Map<string, MemberRecord>;
  tasks: TaskRecord[];
  /** The fault span (GlanceDeps.faultSpan) in which the data was stored. */
  storedIn?: number;
  /** Digests of staged data (glance-direct), until imported. */
  staged?: { size: number; md5: string; sha512: string; virtualSize: number | null };
}

/** The database keeps whole seconds. */
export function dbNow(): Date {
  const d = new Date();
  d.setUTCMilliseconds(0);
  return d;
}

/** The image document Glance returns, with its exact key order (extra properties first). */
export function imageView(img: ImageRecord): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of img.extra) view[k] = v;
  Object.assign(view, {
    name: img.name,
    disk_format: img.diskFormat,
    container_format: img.containerFormat,
    visibility: img.visibility,
    size: img.size,
    virtual_size: img.virtualSize,
    status: img.status,
    checksum: img.checksum,
    protected: img.protected,
    min_ram: img.minRam,
    min_disk: img.minDisk,
    owner: img.owner,
    os_hidden: img.osHidden,
    os_hash_algo: img.osHashAlgo,
    os_hash_value: img.osHashValue,
    id: img.id,
    created_at: isoSeconds(img.createdAt),
    updated_at: isoSeconds(img.updatedAt),
  });
  if (img.stores.length > 0) view.stores = img.stores.join(',');
  view.tags = [...img.tags];
  view.self = `/v2/images/${img.id}`;
  view.file = `/v2/images/${img.id}/file`;
  view.schema = '/v2/schemas/image';
  return view;
}

/** A member document: {member_id, image_id, status, created_at, updated_at, schema}. */
export function memberView(imageId: string, m: MemberRecord): Record<string, unknown> {
  return {
    member_id: m.memberId,
    image_id: imageId,
    status: m.status,
    created_at: isoSeconds(m.createdAt),
    updated_at: isoSeconds(m.updatedAt),
    schema: '/v2/schemas/member',
  };
}

const TASK_TTL_MS = 48 * 3600 * 1000;

/** A task document as GET /v2/images/{id}/tasks shows it. */
export function taskView(t: TaskRecord): Record<string, unknown> {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    owner: t.owner,
    expires_at:
      t.status === 'success' || t.status === 'failure'
        ? isoMicros(new Date(t.updatedAt.getTime() + TASK_TTL_MS))
        : null,
    created_at: isoMicros(t.createdAt),
    updated_at: isoMicros(t.updatedAt),
    deleted_at: null,
    deleted: false,
    image_id: t.imageId,
    request_id: t.requestId,
    user_id: t.userId,
    input: t.input,
    result: t.result,
    message: t.message,
  };
}

/** Who is asking: Glance's request context. */
export interface RequestContext {
  projectId: string | null;
  userId: string | null;
  roles: readonly string[];
  isAdmin: boolean;
  /** No authentication at all (paste flavor unset): admin, but with no roles for role-based rules. */
  noauth: boolean;
}

/** Whether a context may see an image at all (GET); admins see everything. */
export function canSee(ctx: RequestContext, img: ImageRecord): boolean {
  if (img.deleted) return false;
  if (ctx.isAdmin) return true;
  if (img.visibility === 'public' || img.visibility === 'community') return true;
  if (ctx.projectId !== null && img.owner === ctx.projectId) return true;
  if (img.visibility === 'shared' && ctx.projectId !== null && img.members.has(ctx.projectId)) return true;
  return false;
}

/** Whether the context owns the image (admins count as owners, as in Glance). */
export function owns(ctx: RequestContext, img: ImageRecord): boolean {
  return ctx.isAdmin || (ctx.projectId !== null && img.owner === ctx.projectId);
}

/** Image rows by id, soft-deleted ones kept like Glance's tables keep them. */
export class Registry {
  private readonly images = new Map<string, ImageRecord>();

  /** Any image row, deleted ones included. */
  row(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  /** A live image (not soft-deleted). */
  get(id: string): ImageRecord | undefined {
    const img = this.images.get(id);
    return img && !img.deleted ? img : undefined;
  }

  insert(img: ImageRecord): void {
    this.images.set(img.id, img);
  }

  /** Live images in insertion order. */
  all(): ImageRecord[] {
    return [...this.images.values()].filter((i) => !i.deleted);
  }
}
