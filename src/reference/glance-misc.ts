/** Members, image tasks, info, schemas, tasks and metadefs. */
import {
  type Call,
  findImage,
  type GlanceDeps,
  notAuthorized,
  readJson,
  sendEmpty,
  sendJson,
} from './glance-core.js';
import { IMPORT_METHODS } from './glance-images.js';
import { sendBody } from './http-util.js';
import { pyJson, pyRepr } from './py-json.js';
import { dbNow, type ImageRecord, type MemberStatus, memberView, owns, taskView } from './registry.js';
import { storeDetails, storeList } from './stores.js';
import { HttpError } from './webob.js';

const MAX_MEMBERS = 128;
const MEMBER_STATUSES: ReadonlyArray<MemberStatus> = ['pending', 'accepted', 'rejected'];

function sharedImage(deps: GlanceDeps, call: Call, id: string): ImageRecord {
  const img = findImage(deps, call, id, `Image ${id} not found.`);
  if (img.visibility !== 'shared') throw new HttpError(403, 'Only shared images have members.');
  return img;
}

/** GET /v2/images/{id}/members — List image members. */
export async function listMembers(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = sharedImage(deps, call, id);
  const all = [...img.members.values()];
  const visible = owns(call.ctx, img) ? all : all.filter((m) => m.memberId === call.ctx.projectId);
  sendJson(call, 200, { members: visible.map((m) => memberView(id, m)), schema: '/v2/schemas/members' });
}

/** POST /v2/images/{id}/members — Create image member. */
export async function addMember(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  const body = await readJson(call);
  const member =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).member : undefined;
  if (typeof member !== 'string' || member === '')
    throw new HttpError(400, 'Member to be added not specified');
  await deps.db(call);
  const img = sharedImage(deps, call, id);
  if (!owns(call.ctx, img)) throw notAuthorized('add_member');
  if (img.members.has(member)) {
    throw new HttpError(409, `Member ${member} already associated with image ${id}`);
  }
  if (img.members.size >= MAX_MEMBERS) throw new HttpError(413, 'Maximum number of image members exceeded');
  const now = dbNow();
  const record = { memberId: member, status: 'pending' as MemberStatus, createdAt: now, updatedAt: now };
  img.members.set(member, record);
  sendJson(call, 200, memberView(id, record));
}

function findMember(call: Call, img: ImageRecord, memberId: string) {
  const m = img.members.get(memberId);
  if (!m || (!owns(call.ctx, img) && memberId !== call.ctx.projectId)) {
    throw new HttpError(404, `Member ${memberId} not found for image ${img.id}.`);
  }
  return m;
}

/** GET /v2/images/{id}/members/{member_id} — Show image member details. */
export async function showMember(deps: GlanceDeps, call: Call, id: string, memberId: string): Promise<void> {
  await deps.db(call);
  const img = sharedImage(deps, call, id);
  sendJson(call, 200, memberView(id, findMember(call, img, memberId)));
}

/** PUT /v2/images/{id}/members/{member_id} — Update image member (the consumer accepts or rejects). */
export async function updateMember(
  deps: GlanceDeps,
  call: Call,
  id: string,
  memberId: string,
): Promise<void> {
  const body = await readJson(call);
  const status =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>).status : undefined;
  if (!MEMBER_STATUSES.includes(status as MemberStatus)) {
    throw new HttpError(
      400,
      `Provided object does not match schema 'member': ${pyRepr(status ?? null)} is not one of ['pending', 'accepted', 'rejected']`,
    );
  }
  await deps.db(call);
  const img = sharedImage(deps, call, id);
  const m = findMember(call, img, memberId);
  if (memberId !== call.ctx.projectId && !call.ctx.isAdmin) throw notAuthorized('modify_member');
  m.status = status as MemberStatus;
  m.updatedAt = dbNow();
  sendJson(call, 200, memberView(id, m));
}

/** DELETE /v2/images/{id}/members/{member_id} — Delete image member. */
export async function deleteMember(
  deps: GlanceDeps,
  call: Call,
  id: string,
  memberId: string,
): Promise<void> {
  await deps.db(call);
  const img = sharedImage(deps, call, id);
  findMember(call, img, memberId);
  if (!owns(call.ctx, img)) throw notAuthorized('delete_member');
  img.members.delete(memberId);
  sendEmpty(call, 204);
}

/** GET /v2/images/{id}/tasks — Show image import tasks. */
export async function imageTasks(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  await deps.db(call);
  const img = findImage(deps, call, id);
  const tasks = [...img.tasks].reverse().map(taskView);
  sendJson(call, 200, { tasks });
}

/** GET /v2/info/import — Import methods. */
export function infoImport(call: Call): void {
  sendJsonTypeFirst(call, {
    'import-methods': { description: 'Import methods available.', type: 'array', value: [...IMPORT_METHODS] },
  });
}

/** Zed's answer to store discovery without enabled_backends (discovery.py get_stores; capture 6-19). */
function noMultiStore(deps: GlanceDeps): void {
  if (!deps.stores.multi) throw new HttpError(404, 'Multi backend is not supported at this site.');
}

/** GET /v2/info/stores — Stores, in enabled_backends order; http marked read-only. */
export function infoStores(deps: GlanceDeps, call: Call): void {
  noMultiStore(deps);
  sendJsonTypeFirst(call, { stores: storeList(deps.stores) });
}

/** GET /v2/info/stores/detail — Store details (admin only; the multi-store check comes first). */
export function infoStoresDetail(deps: GlanceDeps, call: Call): void {
  noMultiStore(deps);
  if (!call.ctx.isAdmin) throw notAuthorized('stores_info_detail');
  sendJsonTypeFirst(call, { stores: storeDetails(deps.stores, deps.store.dir) });
}

/** GET /v2/info/usage — Quota usage (no unified limits configured: empty). */
export function infoUsage(call: Call): void {
  sendJson(call, 200, { usage: {} });
}

/** Info answers put Content-Type before Content-Length, as captured. */
function sendJsonTypeFirst(call: Call, body: unknown): void {
  const text = pyJson(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (call.requestId) headers['X-Openstack-Request-Id'] = call.requestId;
  sendBody(call.res, 200, headers, text);
}

/** GET /v2/schemas/{name} — the captured schema, byte for byte. */
export function schema(deps: GlanceDeps, call: Call, name: string): void {
  const body = deps.schemas.bodies.get(name);
  if (body === undefined) throw new HttpError(404);
  sendBody(
    call.res,
    200,
    {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(body)),
      ...(call.requestId ? { 'X-Openstack-Request-Id': call.requestId } : {}),
    },
    body,
  );
}

/**
 * Zed's tasks_api_access rule is role-based ("role:admin"): a Keystone admin passes (checked live on
 * the lab), a member is refused, and so is the noauth context, which is admin but has no roles.
 */
function tasksApi(call: Call): void {
  if (!call.ctx.roles.includes('admin')) throw notAuthorized('tasks_api_access');
}

const TASK_STATUSES = ['pending', 'processing', 'success', 'failure'];

/** GET /v2/tasks — List tasks (admin): stubs of every image task, newest first. */
export async function listTasks(deps: GlanceDeps, call: Call): Promise<void> {
  tasksApi(call);
  const status = call.url.searchParams.get('status');
  if (status !== null && !TASK_STATUSES.includes(status))
    throw new HttpError(400, `Invalid status value: ${pyRepr(status).slice(1, -1)}`);
  await deps.db(call, 'tasks');
  const stubs = deps.registry
    .all()
    .flatMap((img) => img.tasks)
    .filter((t) => status === null || t.status === status)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map((t) => {
      const v = taskView(t);
      return {
        id: v.id,
        type: v.type,
        status: v.status,
        owner: v.owner,
        expires_at: v.expires_at,
        created_at: v.created_at,
        updated_at: v.updated_at,
        self: `/v2/tasks/${t.id}`,
        schema: '/v2/schemas/task',
      };
    });
  sendJson(call, 200, { tasks: stubs, first: '/v2/tasks', schema: '/v2/schemas/tasks' });
}

/** GET /v2/tasks/{id} — Show task (admin). */
export async function showTask(deps: GlanceDeps, call: Call, id: string): Promise<void> {
  tasksApi(call);
  await deps.db(call, 'tasks');
  const task = deps.registry
    .all()
    .flatMap((img) => img.tasks)
    .find((t) => t.id === id);
  if (!task) throw new HttpError(404, `Could not find task ${id}`);
  sendJson(call, 200, { ...taskView(task), self: `/v2/tasks/${id}`, schema: '/v2/schemas/task' });
}

/** POST /v2/tasks — Create task (admin). Only the missing-type refusal is emulated. */
export async function createTask(call: Call): Promise<void> {
  tasksApi(call);
  const body = (await readJson(call)) as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || body.type === undefined)
    throw new HttpError(400, "Task 'type' is required");
  throw new HttpError(501, 'The embedded reference does not run tasks created through /v2/tasks.');
}

/** DELETE /v2/tasks/{id} — never allowed: tasks expire on their own. */
export function deleteTask(call: Call): never {
  tasksApi(call);
  throw new HttpError(
    405,
    'This operation is currently not permitted on Glance Tasks. They are auto deleted after reaching the time based on their expires_at property.',
    { headers: { Allow: 'GET' }, template: { kind: 'bare' } },
  );
}
