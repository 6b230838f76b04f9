/**
 * The accounts the reference Keystone starts with: the built-in admin and demo, the users of a
 * users file (YAML or JSON) or of the `users` option, then `extraMembers` member users, each in a
 * project of its own. Every problem is a one-line ConfigError naming the file and the entry.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';

/** The roles an account can be given; Keystone's bootstrap makes admin imply member, member imply reader. */
export const ROLE_NAMES = ['reader', 'member', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** One account as a users file or a caller gives it. */
export interface AccountSpec {
  name: string;
  /** Generated (and shown in the banner) when absent. */
  password?: string;
  /** Default: a project named after the user. */
  project?: string;
  /** Default: member. */
  roles?: ReadonlyArray<RoleName>;
  /** Only Default exists. */
  domain?: 'Default';
}

/** An account to seed, every field settled. */
export interface Account {
  readonly name: string;
  readonly password: string;
  readonly passwordGenerated: boolean;
  readonly project: string;
  /** The roles assigned on the project (a token also carries the roles they imply). */
  readonly roles: ReadonlyArray<RoleName>;
}

/** The most extra member users `extraMembers` may ask for. */
export const MAX_EXTRA_MEMBERS = 1000;

const FIELDS = ['name', 'password', 'project', 'roles', 'domain'];
const BUILT_IN: ReadonlyArray<Omit<Account, 'password' | 'passwordGenerated'>> = [
  { name: 'admin', project: 'admin', roles: ['reader', 'member', 'admin'] },
  { name: 'demo', project: 'demo', roles: ['reader', 'member'] },
];

function generatedPassword(): string {
  return randomBytes(12).toString('base64url');
}

function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** The built-in admin (project admin, reader+member+admin) and demo (project demo, reader+member), passwords generated. */
export function builtInAccounts(): Account[] {
  return BUILT_IN.map((b) => ({ ...b, password: generatedPassword(), passwordGenerated: true }));
}

/** Checks a users document (a list of users, or a mapping with a `users` list) and returns its entries. */
export function parseAccounts(doc: unknown, source: string): AccountSpec[] {
  const fail = (message: string): never => {
    throw new ConfigError(`${source}: ${message}`);
  };
  const list =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'users' in doc
      ? (doc as { users: unknown }).users
      : doc;
  if (!Array.isArray(list)) return fail('expected a list of users, or a mapping with a "users" list');
  const firstSeen = new Map<string, number>();
  return list.map((entry: unknown, i): AccountSpec => {
    const at = `users[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      return fail(`${at} must be a mapping with at least a name (got ${shown(entry)})`);
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).find((k) => !FIELDS.includes(k));
    if (unknown !== undefined) fail(`${at}: unknown field "${unknown}" (known: ${FIELDS.join(', ')})`);
    let where = at;
    const text = (field: string, max: number): string | undefined => {
      const v = e[field];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string')
        return fail(`${where}.${field} must be a string (got ${shown(v)}; quote it)`);
      if (v.trim() === '' || v.length > max)
        return fail(`${where}.${field} must be 1 to ${max} characters, not blank (got ${shown(v)})`);
      return v;
    };
    const name = text('name', 255);
    if (name === undefined) return fail(`${at}: name is required`);
    where = `${at} (${name})`;
    const earlier = firstSeen.get(name);
    if (earlier !== undefined) fail(`${where}: the name "${name}" is already used by users[${earlier}]`);
    firstSeen.set(name, i);
    const password = text('password', 4096);
    const project = text('project', 64);
    const domain = text('domain', 64);
    if (domain !== undefined && domain !== 'Default' && domain !== 'default')
      fail(`${where}.domain must be Default, the only domain (got ${shown(domain)})`);
    const spec: AccountSpec = { name };
    if (password !== undefined) spec.password = password;
    if (project !== undefined) spec.project = project;
    if (domain !== undefined) spec.domain = 'Default';
    if (e.roles !== undefined && e.roles !== null) {
      const raw = typeof e.roles === 'string' ? [e.roles] : e.roles;
      if (!Array.isArray(raw) || raw.length === 0)
        fail(`${where}.roles must list one or more of ${ROLE_NAMES.join(', ')} (got ${shown(e.roles)})`);
      const roles = (raw as unknown[]).map((r) => {
        const known = ROLE_NAMES.find((n) => n === r);
        if (!known) fail(`${where}.roles: unknown role ${shown(r)} (known: ${ROLE_NAMES.join(', ')})`);
        return known as RoleName;
      });
      spec.roles = ROLE_NAMES.filter((n) => roles.includes(n));
    }
    return spec;
  });
}

/** Reads and checks a users file (YAML, or JSON, which YAML reads too). */
export async function readUsersFile(path: string): Promise<AccountSpec[]> {
  const source = `users file ${path}`;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${source}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const first = err instanceof YAMLParseError ? err.message.split('\n')[0]?.replace(/:$/, '') : String(err);
    throw new ConfigError(`${source}: not valid YAML or JSON: ${first}`, { cause: err });
  }
  return parseAccounts(doc, source);
}

/** The accounts to seed: admin and demo (unless the users name them), the given users, then member1…memberN. */
export async function resolveAccounts(opts: {
  users?: string | ReadonlyArray<AccountSpec>;
  extraMembers?: number;
}): Promise<Account[]> {
  const specs =
    opts.users === undefined
      ? []
      : typeof opts.users === 'string'
        ? await readUsersFile(opts.users)
        : parseAccounts(opts.users, 'users option');
  const extra = opts.extraMembers ?? 0;
  if (!Number.isInteger(extra) || extra < 0 || extra > MAX_EXTRA_MEMBERS)
    throw new ConfigError(
      `extraMembers must be an integer from 0 to ${MAX_EXTRA_MEMBERS} (got ${shown(extra)})`,
    );
  const settle = (spec: AccountSpec, base?: Omit<Account, 'password' | 'passwordGenerated'>): Account => ({
    name: spec.name,
    password: spec.password ?? generatedPassword(),
    passwordGenerated: spec.password === undefined,
    project: spec.project ?? base?.project ?? spec.name,
    roles: spec.roles ?? base?.roles ?? ['member'],
  });
  const accounts = BUILT_IN.map((b) => settle(specs.find((s) => s.name === b.name) ?? { name: b.name }, b));
  for (const spec of specs) if (!BUILT_IN.some((b) => b.name === spec.name)) accounts.push(settle(spec));
  for (let i = 1; i <= extra; i++) {
    const name = `member${i}`;
    if (accounts.some((a) => a.name === name)) {
      const from = typeof opts.users === 'string' ? `users file ${opts.users}` : 'users option';
      throw new ConfigError(
        `${from} names "${name}", which the ${extra} extra member users would also create`,
      );
    }
    accounts.push(settle({ name, project: name, roles: ['member'] }));
  }
  return accounts;
}
