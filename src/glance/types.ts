/** Response shapes of the Image API v2, as data apart from the clients. */

export interface VersionLink {
  rel: string;
  href: string;
}

export interface VersionEntry {
  id: string;
  status: string;
  links: VersionLink[];
}

export interface VersionsDocument {
  versions: VersionEntry[];
}

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'deactivated'
  | 'killed'
  | 'deleted'
  | 'pending_delete';

export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: 'public' | 'private' | 'shared' | 'community';
  protected: boolean;
  os_hidden: boolean;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  size: number | null;
  virtual_size: number | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  owner: string | null;
  tags: string[];
  created_at: string;
  updated_at: string;
  self: string;
  file: string;
  schema: string;
  [extra: string]: unknown;
}

/** An entry of GET /v2/images/{id}/locations (Glance drops the row's id and status). */
export interface ImageLocation {
  url: string;
  metadata: Record<string, unknown>;
}

/** The body of POST /v2/images/{id}/locations. */
export interface NewImageLocation {
  url: string;
  validation_data?: { os_hash_algo?: string; os_hash_value?: string };
}

export interface ImageList {
  images: Image[];
  first: string;
  schema: string;
  next?: string;
}

export interface Member {
  image_id: string;
  member_id: string;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: string;
  updated_at: string;
  schema: string;
}

export interface MemberList {
  members: Member[];
  schema: string;
}

export interface Task {
  id: string;
  type: string;
  status: string;
  [extra: string]: unknown;
}

export interface GlanceError {
  message: string;
  code: string;
  title: string;
}

/** One JSON-patch operation on an image. */
export type PatchOp =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** The media type Glance v2.1+ expects for PATCH. */
export const PATCH_MEDIA_TYPE = 'application/openstack-images-v2.1-json-patch';
