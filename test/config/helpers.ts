import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import type { ConfigFlags, ResolvedConfig } from '../../src/config/index.js';
import { resolveConfig } from '../../src/config/index.js';

/** A throw-away filesystem: a working directory, a home and a site directory, all empty. */
export interface Sandbox {
  readonly root: string;
  readonly cwd: string;
  readonly home: string;
  readonly system: string;
  /** Home's ~/.config/openstack. */
  readonly userDir: string;
  write(path: string, text: string): string;
  resolve(env?: Record<string, string | undefined>, flags?: ConfigFlags): ResolvedConfig;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'gh-config-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  const system = join(root, 'etc-openstack');
  for (const dir of [cwd, home, system]) mkdirSync(dir, { recursive: true });
  return {
    root,
    cwd,
    home,
    system,
    userDir: join(home, '.config', 'openstack'),
    write(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    resolve(env = {}, flags = {}) {
      return resolveConfig({ flags, env, cwd, homeDir: home, systemDir: system });
    },
  };
}

/** Values only, sources dropped: what a client would actually send. */
export function valuesOf(cfg: ResolvedConfig): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map(strip);
    const obj = node as Record<string, unknown>;
    if ('value' in obj && 'source' in obj) return obj.value;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, strip(v)]));
  };
  return strip({ ...cfg, warnings: undefined }) as Record<string, unknown>;
}

export const PASSWORD_ENV = {
  OS_AUTH_URL: 'https://keystone.test:5000/v3',
  OS_USERNAME: 'alice',
  OS_PASSWORD: 'hunter2-secret',
  OS_PROJECT_NAME: 'demo',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
} as const;

/** The primary user's OS_* variables (an admin on the Zed lab's Keystone) the persona tests start from. */
export const PRIMARY_ENV = {
  OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
  OS_USERNAME: 'admin',
  OS_PASSWORD: 'admin-secret-1',
  OS_PROJECT_NAME: 'admin',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
  OS_REGION_NAME: 'RegionOne',
};
