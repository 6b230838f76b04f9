/**
 * The reference Glance's HTTP front: version documents and healthcheck outside /v2, Keystone
 * token checking (or noauth), request ids, routing with Glance's 404/405 answers, and the
 * database gate the db-* faults act on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { DataStore } from './data-store.js';
import type { FaultDelays, FaultName } from './faults.js';
import { cacheState, clearCache, deleteCacheEntry, queueImage } from './glance-cache.js';
import { type Call, type DbArea, type GlanceDeps, sendError } from './glance-core.js';
import { deleteFromStore, downloadImage, importImage, stageImage, uploadImage } from './glance-data.js';
import {
  addTag,
  createImage,
  deactivateImage,
  deleteImage,
  deleteTag,
  listImages,
  reactivateImage,
  showImage,
  updateImage,
} from './glance-images.js';
import {
  addMember,
  createTask,
  deleteMember,
  deleteTask,
  imageTasks,
  infoImport,
  infoStores,
  infoStoresDetail,
  infoUsage,
  listMembers,
  listTasks,
  schema,
  showMember,
  showTask,
  updateMember,
} from './glance-misc.js';
import { newRequestId, sendBody, sleep } from './http-util.js';
import type { Keystone, TokenInfo } from './keystone.js';
import * as md from './metadefs.js';
import { MetadefStore } from './metadefs-store.js';
import { pyJson } from './py-json.js';
import type { Registry, RequestContext } from './registry.js';
import type { SchemaCatalog } from './schemas.js';
import type { StoreConfig } from './stores.js';
import { HttpError } from './webob.js';

/**
 * Versions Zed advertises with multiple stores enabled (enabled_backends): 2.8 and 2.10–2.13
 * appear; no cache API (2.14, 2.16). glance/api/versions.py.
 */
const VERSIONS_MULTI_STORE: ReadonlyArray<readonly [string, string]> = [
  ['v2.15', 'CURRENT'],
  ['v2.13', 'SUPPORTED'],
  ['v2.12', 'SUPPORTED'],
  ['v2.11', 'SUPPORTED'],
  ['v2.10', 'SUPPORTED'],
  ['v2.9', 'SUPPORTED'],
  ['v2.8', 'SUPPORTED'],
  ['v2.7', 'SUPPORTED'],
  ['v2.6', 'SUPPORTED'],
  ['v2.5', 'SUPPORTED'],
  ['v2.4', 'SUPPORTED'],
  ['v2.3', 'SUPPORTED'],
  ['v2.2', 'SUPPORTED'],
  ['v2.1', 'SUPPORTED'],
  ['v2.0', 'SUPPORTED'],
];

/** Advertised (and negotiated) only with enabled_backends: versions.py and version_negotiation.py. */
const MULTI_STORE_ONLY = new Set(['v2.8', 'v2.10', 'v2.11', 'v2.12', 'v2.13']);

/** The versions document's entries for a store configuration (legacy: capture 6-00). */
function versionsFor(stores: StoreConfig): ReadonlyArray<readonly [string, string]> {
  return stores.multi
    ? VERSIONS_MULTI_STORE
    : VERSIONS_MULTI_STORE.filter(([id]) => !MULTI_STORE_ONLY.has(id));
}

/** keystonemiddleware keeps validated tokens this long (token_cache_time). */
const TOKEN_CACHE_MS = 300_000;

const NOAUTH: RequestContext = Object.freeze({
  projectId: null,
  userId: null,
  roles: [],
  isAdmin: true,
  noauth: true,
});

type Action = () => Promise<void> | void;
type RouteTable = Partial<Record<string, Action>>;

export interface GlanceServerOptions {
  registry: Registry;
  store: DataStore;
  schemas: SchemaCatalog;
  stores: StoreConfig;
  keystone: Keystone;
  auth: 'keystone' | 'none';
  fault: () => FaultName | null;
  delays: FaultDelays;
  log: (line: string) => void;
  /** Where Keystone listens, without /v3 (WWW-Authenticate names it). */
  keystoneBase: () => string;
}

/** The glance-api process: one HTTP server plus the state a restart would lose (token cache). */
export class GlanceServer {
  readonly server: Server;
  private readonly opts: GlanceServerOptions;
  private readonly deps: GlanceDeps;
  private readonly versionList: ReadonlyArray<readonly [string, string]>;
  private readonly tokenCache = new Map<string, { info: TokenInfo; until: number }>();
  private readonly dbWaiters = new Set<() => void>();
  private readonly background = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private span = 0;

  constructor(opts: GlanceServerOptions) {
    this.opts = opts;
    this.deps = {
      registry: opts.registry,
      store: opts.store,
      schemas: opts.schemas,
      metadefs: new MetadefStore(opts.schemas),
      stores: opts.stores,
      fault: opts.fault,
      delays: opts.delays,
      log: opts.log,
      db: (call, area) => this.db(call, area),
      faultSpan: () => this.span,
    };
    this.versionList = versionsFor(opts.stores);
    this.server = createServer({ requestTimeout: 0 }, (req, res) => {
      void this.handle(req, res, false);
    });
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      void this.handle(req, res, true);
    });
  }

  /** Forgets validated tokens, as a glance-api restart does. */
  clearTokenCache(): void {
    this.tokenCache.clear();
  }

  /** Starts a new fault span: data stored from now on is told apart from data stored before. */
  faultSwitched(): void {
    this.span++;
  }

  /** Lets calls held by a frozen database continue. */
  releaseDatabase(): void {
    for (const release of this.dbWaiters) release();
    this.dbWaiters.clear();
  }

  /** Cancels everything in flight and waits for background imports. */
  async shutdown(): Promise<void> {
    this.closing.abort(new Error('reference server closing'));
    await Promise.allSettled([...this.background]);
  }

  private async db(call: Call, area: DbArea = 'images'): Promise<void> {
    const fault = this.opts.fault();
    if (fault === 'db-not-synced' || fault === 'db-down') throw new HttpError(500);
    // image_properties is gone: every image row is read joined with its properties.
    if (fault === 'db-half-migrated' && area === 'images') throw new HttpError(500);
    if (fault !== 'db-hung') return;
    // A frozen database: the call waits until the fault clears, the client leaves, or we close.
    await new Promise<void>((resolve, reject) => {
      const release = () => {
        call.signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.dbWaiters.delete(release);
        reject(call.signal.reason);
      };
      this.dbWaiters.add(release);
      call.signal.addEventListener('abort', onAbort, { once: true });
    });
    await this.db(call, area);
  }

  private async authenticate(call: Call): Promise<RequestContext> {
    // auth-disabled: Glance's unauthenticated-context middleware, which ignores any token sent.
    if (this.opts.auth === 'none' || this.opts.fault() === 'auth-disabled') return NOAUTH;
    const unauthorized = () =>
      new HttpError(401, undefined, {
        headers: { 'Www-Authenticate': `Keystone uri="${this.opts.keystoneBase()}"` },
      });
    const token = call.req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') throw unauthorized();
    const now = Date.now();
    const cached = this.tokenCache.get(token);
    let info: TokenInfo | undefined;
    if (cached && cached.until > now && cached.info.expiresAt.getTime() > now) {
      info = cached.info;
    } else {
      const fault = this.opts.fault();
      if (fault === 'keystone-down-no-delay-auth') {
        throw new HttpError(503, undefined, { detail: 'The Keystone service is temporarily unavailable.' });
      }
      if (fault === 'keystone-service-password-wrong') {
        await sleep(this.opts.delays.keystonePasswordWrongMs, call.signal);
        throw unauthorized();
      }
      if (fault === 'db-down') throw unauthorized();
      if (fault === 'keystone-down') {
        await sleep(this.opts.delays.keystoneDownMs, call.signal);
        throw unauthorized();
      }
      info = this.opts.keystone.lookup(token);
      if (!info) throw unauthorized();
      if (this.tokenCache.size > 10_000) {
        for (const [t, entry] of this.tokenCache) if (entry.until <= now) this.tokenCache.delete(t);
      }
      this.tokenCache.set(token, { info, until: now + TOKEN_CACHE_MS });
    }
    const roles = info.roles.map((r) => r.name);
    return {
      projectId: info.project?.id ?? null,
      userId: info.user.id,
      roles,
      isAdmin: roles.includes('admin'),
      noauth: false,
    };
  }

  private versions(call: Call, status: number): void {
    const body = pyJson({
      versions: this.versionList.map(([id, state]) => ({
        id,
        status: state,
        links: [{ rel: 'self', href: `http://${call.host}/v2/` }],
      })),
    });
    sendBody(
      call.res,
      status,
      { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
      body,
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse, expect: boolean): Promise<void> {
    const started = Date.now();
    const abort = new AbortController();
    const onClosing = () => abort.abort(this.closing.signal.reason);
    this.closing.signal.addEventListener('abort', onClosing, { once: true });
    res.once('close', () => {
      this.closing.signal.removeEventListener('abort', onClosing);
      if (!res.writableFinished) abort.abort(new Error('client went away'));
      this.opts.log(
        `glance ${req.method} ${req.url} ${res.writableFinished ? res.statusCode : 'aborted'} ${Date.now() - started}ms`,
      );
    });
    const url = new URL(req.url ?? '/', 'http://glance.invalid');
    const call: Call = {
      req,
      res,
      method: req.method ?? 'GET',
      url,
      host: req.headers.host ?? `127.0.0.1:${(this.server.address() as { port?: number } | null)?.port ?? 0}`,
      requestId: undefined,
      ctx: NOAUTH,
      expect,
      continued: false,
      signal: abort.signal,
      startedAt: started,
    };
    try {
      await this.dispatch(call);
    } catch (err) {
      if (call.signal.aborted || res.destroyed) {
        if (!res.writableFinished) res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        sendError(call, err, { requestId: call.requestId !== undefined });
        return;
      }
      this.opts.log(
        `glance ${call.method} ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (res.headersSent) res.destroy();
      else sendError(call, new HttpError(500), { requestId: call.requestId !== undefined });
    }
  }

  private async dispatch(call: Call): Promise<void> {
    const path = call.url.pathname;
    if (path === '/healthcheck') {
      sendBody(call.res, 200, { 'Content-Type': 'text/plain; charset=UTF-8', 'Content-Length': '2' }, 'OK');
      return;
    }
    if (path === '/versions') {
      this.versions(call, 200);
      return;
    }
    const v2 = /^\/v2(?:\.(\d+))?(\/.*)?$/.exec(path);
    if (!v2 || (v2[1] !== undefined && !this.versionList.some(([id]) => id === `v2.${v2[1]}`))) {
      // Version negotiation: anything that is not a supported version gets the choices.
      this.versions(call, 300);
      return;
    }
    call.ctx = await this.authenticate(call);
    call.requestId = newRequestId();
    const rest = v2[2] ?? '';
    if (rest === '') {
      sendBody(call.res, 302, {
        'Content-Type': 'text/plain; charset=utf8',
        Location: `http://${call.host}/v2/`,
        'X-Openstack-Request-Id': call.requestId,
        'Content-Length': '0',
      });
      return;
    }
    let segments: string[];
    try {
      segments = rest.slice(1).split('/').map(decodeURIComponent);
    } catch {
      throw new HttpError(404);
    }
    const table = this.route(call, segments);
    if (!table) throw new HttpError(404);
    const action = table[call.method];
    if (!action) {
      throw new HttpError(405, undefined, {
        template: { kind: 'method', method: call.method },
        headers: { Allow: Object.keys(table).join(', ') },
      });
    }
    await action();
  }

  private track(p: Promise<void>): void {
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private route(call: Call, s: string[]): RouteTable | undefined {
    const d = this.deps;
    const [a, id = '', c, e] = s;
    const n = s.length;
    if (a === 'images') {
      if (n === 1) return { GET: () => listImages(d, call), POST: () => createImage(d, call) };
      if (id === '') return undefined;
      if (n === 2) {
        return {
          GET: () => showImage(d, call, id),
          PATCH: () => updateImage(d, call, id),
          DELETE: () => deleteImage(d, call, id),
        };
      }
      if (n === 3 && c === 'file')
        return { GET: () => downloadImage(d, call, id), PUT: () => uploadImage(d, call, id) };
      if (n === 3 && c === 'stage') return { PUT: () => stageImage(d, call, id) };
      if (n === 3 && c === 'import') return { POST: () => importImage(d, call, id, (p) => this.track(p)) };
      if (n === 3 && c === 'members')
        return { GET: () => listMembers(d, call, id), POST: () => addMember(d, call, id) };
      if (n === 3 && c === 'tasks') return { GET: () => imageTasks(d, call, id) };
      if (n === 4 && c === 'actions' && e === 'deactivate')
        return { POST: () => deactivateImage(d, call, id) };
      if (n === 4 && c === 'actions' && e === 'reactivate')
        return { POST: () => reactivateImage(d, call, id) };
      if (n === 4 && c === 'tags' && e)
        return { PUT: () => addTag(d, call, id, e), DELETE: () => deleteTag(d, call, id, e) };
      if (n === 4 && c === 'members' && e) {
        return {
          GET: () => showMember(d, call, id, e),
          PUT: () => updateMember(d, call, id, e),
          DELETE: () => deleteMember(d, call, id, e),
        };
      }
      return undefined;
    }
    if (a === 'schemas' && n >= 2) {
      const name = s.slice(1).join('/');
      return d.schemas.bodies.has(name) ? { GET: () => schema(d, call, name) } : undefined;
    }
    if (a === 'info') {
      if (n === 2 && id === 'import') return { GET: () => infoImport(call) };
      if (n === 2 && id === 'stores') return { GET: () => infoStores(d, call) };
      if (n === 3 && id === 'stores' && c === 'detail') return { GET: () => infoStoresDetail(d, call) };
      if (n === 2 && id === 'usage') return { GET: () => infoUsage(call) };
      return undefined;
    }
    // DELETE /v2/stores/{store_id}/{image_id}: routed whatever the configuration, as in Zed's router.
    if (a === 'stores')
      return n === 3 && id && c ? { DELETE: () => deleteFromStore(d, call, id, c) } : undefined;
    // Routed whether or not a cache is configured; Allow lists the methods in the router's order.
    // Paths deeper than /cache/{image_id} (nodes, a trailing slash) are not routes at all.
    if (a === 'cache') {
      if (n === 1) return { GET: () => cacheState(call), DELETE: () => clearCache(call) };
      if (n === 2 && id)
        return { DELETE: () => deleteCacheEntry(d, call, id), PUT: () => queueImage(d, call, id) };
      return undefined;
    }
    if (a === 'tasks') {
      if (n === 1) return { GET: () => listTasks(d, call), POST: () => createTask(call) };
      if (n === 2 && id) return { GET: () => showTask(d, call, id), DELETE: () => deleteTask(call) };
      return undefined;
    }
    if (a === 'metadefs') return this.metadefRoute(call, s.slice(1));
    return undefined;
  }

  private metadefRoute(call: Call, s: string[]): RouteTable | undefined {
    const d = this.deps;
    const [kind, ns, sub, item] = s;
    const n = s.length;
    if (n === 1 && kind === 'resource_types') return { GET: () => md.listResourceTypes(d, call) };
    if (kind !== 'namespaces') return undefined;
    if (n === 1) return { GET: () => md.listNamespaces(d, call), POST: () => md.createNamespace(d, call) };
    if (!ns) return undefined;
    if (n === 2) {
      return {
        GET: () => md.showNamespace(d, call, ns),
        PUT: () => md.updateNamespace(d, call, ns),
        DELETE: () => md.deleteNamespace(d, call, ns),
      };
    }
    if (n === 3 && sub === 'objects')
      return { GET: () => md.listObjects(d, call, ns), POST: () => md.createObject(d, call, ns) };
    if (n === 3 && sub === 'properties')
      return { GET: () => md.listProperties(d, call, ns), POST: () => md.createProperty(d, call, ns) };
    if (n === 3 && sub === 'tags') {
      return {
        GET: () => md.listTags(d, call, ns),
        POST: () => md.createTags(d, call, ns),
        DELETE: () => md.deleteTags(d, call, ns),
      };
    }
    if (n === 3 && sub === 'resource_types')
      return { GET: () => md.listAssociations(d, call, ns), POST: () => md.createAssociation(d, call, ns) };
    if (n !== 4 || !item) return undefined;
    if (sub === 'objects') {
      return {
        GET: () => md.showObject(d, call, ns, item),
        PUT: () => md.updateObject(d, call, ns, item),
        DELETE: () => md.deleteObject(d, call, ns, item),
      };
    }
    if (sub === 'properties') {
      return {
        GET: () => md.showProperty(d, call, ns, item),
        PUT: () => md.updateProperty(d, call, ns, item),
        DELETE: () => md.deleteProperty(d, call, ns, item),
      };
    }
    if (sub === 'tags') {
      return {
        GET: () => md.showTag(d, call, ns, item),
        POST: () => md.createTag(d, call, ns, item),
        PUT: () => md.updateTag(d, call, ns, item),
        DELETE: () => md.deleteTag(d, call, ns, item),
      };
    }
    if (sub === 'resource_types') return { DELETE: () => md.deleteAssociation(d, call, ns, item) };
    return undefined;
  }
}
