/**
 * The cache management API (/v2/cache, /v2/cache/{image_id}) of a Zed without image_cache_dir:
 * router.py routes it whatever the configuration, and cached_images.py answers every call that
 * gets past its checks with "not supported at this site". Each handler keeps the order of those
 * checks — image lookup, then policy, then the missing cache — because that order decides the answer.
 */
import { type Call, findImage, type GlanceDeps, notAuthorized } from './glance-core.js';
import { canSee } from './registry.js';
import { HttpError } from './webob.js';

/** CacheController._enforce's answer once the policy lets the caller through. */
const NO_CACHE = 'Caching via API is not supported at this site.';

/** The cache policies (cache_list, cache_delete, cache_image) are role:admin in Zed. */
function enforce(call: Call, policy: string): void {
  if (!call.ctx.roles.includes('admin')) throw notAuthorized(policy);
  throw new HttpError(404, NO_CACHE);
}

/** The route's body_reject: wsgi.Resource refuses a GET that carries a body before the controller runs. */
function rejectBody(call: Call): void {
  if (Number(call.req.headers['content-length'] ?? 0) > 0) {
    throw new HttpError(400, 'A body is not expected with this request.');
  }
}

/** GET /v2/cache — Query cache status. */
export function cacheState(call: Call): void {
  rejectBody(call);
  enforce(call, 'cache_list');
}

/** DELETE /v2/cache — Clear images from cache (the clear-target header is read only after the policy). */
export function clearCache(call: Call): void {
  enforce(call, 'cache_delete');
}

/** PUT /v2/cache/{image_id} — Queue image for caching: the image must be one the caller sees. */
export async function queueImage(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  findImage(deps, call, id, `Image ${id} not found.`);
  enforce(call, 'cache_image');
}

/**
 * DELETE /v2/cache/{image_id} — Delete image from cache. For an image the caller cannot see,
 * delete_cache_entry asks the cache whether it holds the id; with no cache configured that is a
 * method call on None, so Glance answers 500 (whatever the id, 'clean' and 'prune' included).
 */
export async function deleteCacheEntry(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = deps.registry.get(id);
  if (!img || !canSee(call.ctx, img)) throw new HttpError(500);
  enforce(call, 'cache_delete');
}
