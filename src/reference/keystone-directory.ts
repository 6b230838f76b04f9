/**
 * What the reference Keystone knows: roles (with the implications `keystone-manage bootstrap`
 * creates), projects and users of the Default domain, and role assignments of users on projects.
 * No HTTP here; conflicts raise the Keystone errors their API answers with.
 */
import { randomBytes } from 'node:crypto';
import { conflict } from './keystone-errors.js';

/** A 32-hex-digit id, as Keystone's uuid4().hex. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export interface Role {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  /** Roles made by bootstrap carry the immutable option. */
  readonly immutable: boolean;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
}

export interface IdentityUser {
  readonly id: string;
  readonly name: string;
  /** null for a user created without one: it cannot authenticate by password. */
  readonly password: string | null;
  defaultProjectId: string | null;
  readonly enabled: boolean;
  /** Attributes Keystone keeps in `extra` (email, description, …), in the order given. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** One role of one user on one project. */
export interface Grant {
  readonly userId: string;
  readonly projectId: string;
  readonly roleId: string;
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Users, projects, roles and the grants between them, for the Default domain. */
export class Directory {
  private readonly roleList: Role[] = [];
  /** Prior role id -> the role it implies. */
  private readonly implications = new Map<string, string>();
  private readonly projectMap = new Map<string, Project>();
  private readonly userMap = new Map<string, IdentityUser>();
  private grantList: Grant[] = [];

  constructor() {
    // Keystone lists a token's roles in id order; ids drawn in this order read reader, admin, member as captured.
    const [reader = '', admin = '', member = ''] = [hexId(), hexId(), hexId()].sort();
    this.roleList.push(
      { id: reader, name: 'reader', description: null, immutable: true },
      { id: admin, name: 'admin', description: null, immutable: true },
      { id: member, name: 'member', description: null, immutable: true },
    );
    this.implications.set(admin, member);
    this.implications.set(member, reader);
  }

  /** Every role, in id order. */
  roles(): Role[] {
    return [...this.roleList].sort(byId);
  }

  roleById(id: string): Role | undefined {
    return this.roleList.find((r) => r.id === id);
  }

  /** Role names compare without case, as the lab's MySQL collation does. */
  roleByName(name: string): Role | undefined {
    const wanted = name.toLowerCase();
    return this.roleList.find((r) => r.name.toLowerCase() === wanted);
  }

  /** The role this one implies, if any. */
  implied(roleId: string): Role | undefined {
    const next = this.implications.get(roleId);
    return next === undefined ? undefined : this.roleById(next);
  }

  createRole(name: string, description: string | null): Role {
    if (this.roleByName(name)) throw conflict('role', `Duplicate entry found with name ${name}`);
    const role: Role = { id: hexId(), name, description, immutable: false };
    this.roleList.push(role);
    return role;
  }

  /** Every project, in id order. */
  projects(): Project[] {
    return [...this.projectMap.values()].sort(byId);
  }

  project(id: string): Project | undefined {
    return this.projectMap.get(id);
  }

  projectByName(name: string): Project | undefined {
    for (const p of this.projectMap.values()) if (p.name === name) return p;
    return undefined;
  }

  createProject(fields: { name: string; description?: string; enabled?: boolean }): Project {
    const id = hexId();
    if (this.projectByName(fields.name)) {
      throw conflict(
        'project',
        `it is not permitted to have two projects with either the same name or same id in the same domain: name is ${fields.name}, project id ${id}`,
      );
    }
    const project: Project = {
      id,
      name: fields.name,
      description: fields.description ?? '',
      enabled: fields.enabled ?? true,
    };
    this.projectMap.set(id, project);
    return project;
  }

  /** Removes the project, its grants, and its place as any user's default project. */
  deleteProject(id: string): Project | undefined {
    const project = this.projectMap.get(id);
    if (!project) return undefined;
    this.projectMap.delete(id);
    this.grantList = this.grantList.filter((g) => g.projectId !== id);
    for (const u of this.userMap.values()) if (u.defaultProjectId === id) u.defaultProjectId = null;
    return project;
  }

  /** Every user, in id order. */
  users(): IdentityUser[] {
    return [...this.userMap.values()].sort(byId);
  }

  user(id: string): IdentityUser | undefined {
    return this.userMap.get(id);
  }

  userByName(name: string): IdentityUser | undefined {
    for (const u of this.userMap.values()) if (u.name === name) return u;
    return undefined;
  }

  createUser(fields: {
    name: string;
    password?: string | null;
    defaultProjectId?: string | null;
    enabled?: boolean;
    extra?: Record<string, unknown>;
  }): IdentityUser {
    if (this.userByName(fields.name)) {
      throw conflict('user', `Duplicate entry found with name ${fields.name} at domain ID default`);
    }
    const user: IdentityUser = {
      id: hexId(),
      name: fields.name,
      password: fields.password ?? null,
      defaultProjectId: fields.defaultProjectId ?? null,
      enabled: fields.enabled ?? true,
      extra: { ...fields.extra },
    };
    this.userMap.set(user.id, user);
    return user;
  }

  /** Removes the user and its grants. */
  deleteUser(id: string): IdentityUser | undefined {
    const user = this.userMap.get(id);
    if (!user) return undefined;
    this.userMap.delete(id);
    this.grantList = this.grantList.filter((g) => g.userId !== id);
    return user;
  }

  /** Every grant, oldest first. */
  grants(): readonly Grant[] {
    return this.grantList;
  }

  hasGrant(userId: string, projectId: string, roleId: string): boolean {
    return this.grantList.some(
      (g) => g.userId === userId && g.projectId === projectId && g.roleId === roleId,
    );
  }

  /** Assigns the role; assigning it again changes nothing (Keystone answers 204 both times). */
  grant(userId: string, projectId: string, roleId: string): void {
    if (!this.hasGrant(userId, projectId, roleId)) this.grantList.push({ userId, projectId, roleId });
  }

  /** Removes the assignment; false when there was none. */
  revoke(userId: string, projectId: string, roleId: string): boolean {
    const before = this.grantList.length;
    this.grantList = this.grantList.filter(
      (g) => !(g.userId === userId && g.projectId === projectId && g.roleId === roleId),
    );
    return this.grantList.length !== before;
  }

  /** The roles assigned to the user on the project, oldest first. */
  assignedRoles(userId: string, projectId: string): Role[] {
    return this.grantList
      .filter((g) => g.userId === userId && g.projectId === projectId)
      .map((g) => this.roleById(g.roleId))
      .filter((r): r is Role => r !== undefined);
  }

  /** The assigned roles and every role they imply, in id order: what a token scoped there carries. */
  effectiveRoles(userId: string, projectId: string): Role[] {
    const seen = new Map<string, Role>();
    for (let role of this.assignedRoles(userId, projectId)) {
      for (let hops = 0; hops < 10 && !seen.has(role.id); hops++) {
        seen.set(role.id, role);
        const next = this.implied(role.id);
        if (!next) break;
        role = next;
      }
    }
    return [...seen.values()].sort(byId);
  }

  /** Projects where the user has at least one role, in id order. */
  projectsOf(userId: string): Project[] {
    const ids = new Set(this.grantList.filter((g) => g.userId === userId).map((g) => g.projectId));
    return this.projects().filter((p) => ids.has(p.id));
  }
}
