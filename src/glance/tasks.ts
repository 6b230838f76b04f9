import type { ApiResponse, CallOptions, GlanceTransport } from './base.js';
import { imageId, seg } from './base.js';
import type { Task } from './types.js';

/** Tasks (api-ref: image/v2 "Tasks"). */
export class TasksClient {
  constructor(private readonly t: GlanceTransport) {}

  /** List tasks: GET /v2/tasks (admin-only by default policy). */
  async list(opts: CallOptions = {}): Promise<ApiResponse<{ tasks: Task[] }>> {
    return this.t.call({ method: 'GET', path: '/v2/tasks', ...opts });
  }

  /** Show task details: GET /v2/tasks/{task_id}. */
  async show(id: string, opts: CallOptions = {}): Promise<ApiResponse<Task>> {
    return this.t.call({ method: 'GET', path: `/v2/tasks/${seg(id)}`, ...opts });
  }

  /** Show image tasks: GET /v2/images/{image_id}/tasks (API 2.12+). */
  async listForImage(id: string, opts: CallOptions = {}): Promise<ApiResponse<{ tasks: Task[] }>> {
    return this.t.call({
      method: 'GET',
      path: `/v2/images/${imageId(id, 'GET /v2/images/{image_id}/tasks', opts)}/tasks`,
      ...opts,
    });
  }
}
