import type { HttpClient } from '../http/client.js';
import { GlanceTransport, type TokenProvider, type TransportOptions } from './base.js';
import { CacheClient } from './cache.js';
import { DataClient } from './data.js';
import { ImagesClient } from './images.js';
import { InfoClient } from './info.js';
import { MembersClient } from './members.js';
import { MetadefsClient } from './metadefs.js';
import { SchemasClient } from './schemas.js';
import { TagsClient } from './tags.js';
import { TasksClient } from './tasks.js';
import { VersionsClient } from './versions.js';

export * from './base.js';
export type { CacheState } from './cache.js';
export type { DownloadResponse, ImageSource, UploadResponse } from './data.js';
export type { MetadefNamespace } from './metadefs.js';
export * from './types.js';

/** The Image API v2 client: one member per api-ref resource. */
export class GlanceClient {
  readonly transport: GlanceTransport;
  readonly versions: VersionsClient;
  readonly images: ImagesClient;
  readonly data: DataClient;
  readonly tags: TagsClient;
  readonly members: MembersClient;
  readonly tasks: TasksClient;
  readonly info: InfoClient;
  readonly schemas: SchemasClient;
  readonly metadefs: MetadefsClient;
  readonly cache: CacheClient;

  constructor(endpoint: string, http: HttpClient, tokens: TokenProvider, options?: TransportOptions) {
    this.transport = new GlanceTransport(endpoint, http, tokens, options);
    this.versions = new VersionsClient(this.transport);
    this.images = new ImagesClient(this.transport);
    this.data = new DataClient(this.transport);
    this.tags = new TagsClient(this.transport);
    this.members = new MembersClient(this.transport);
    this.tasks = new TasksClient(this.transport);
    this.info = new InfoClient(this.transport);
    this.schemas = new SchemasClient(this.transport);
    this.metadefs = new MetadefsClient(this.transport);
    this.cache = new CacheClient(this.transport);
  }

  get endpoint(): string {
    return this.transport.endpoint;
  }
}
