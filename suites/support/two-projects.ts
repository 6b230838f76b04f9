// Fixtures for checks that need a second user in another project (sharing, member views).
import { homedir } from 'node:os';
import { resolveConfig } from '../../src/config/index.js';
import type { GlanceClient } from '../../src/glance/index.js';
import { connect, type Target } from '../../src/target.js';
import { test as base } from '../fixtures.js';

/** Who a client acts as: its project and roles, from its Keystone token. */
export interface Principal {
  glance: GlanceClient;
  projectId: string;
  roles: readonly string[];
  isAdmin: boolean;
}

/** The alternate user, or why there is none (the reason a check is skipped with). */
export type AltUser = { user: Principal; reason?: undefined } | { user?: undefined; reason: string };

function principal(target: Target): Principal | undefined {
  const token = target.session?.peek();
  if (!token?.projectId) return undefined;
  return {
    glance: target.glance,
    projectId: token.projectId,
    roles: token.roles,
    isAdmin: token.roles.includes('admin'),
  };
}

interface Workers {
  altTarget: Target | string;
}

interface Tests {
  /** The primary user (owner of what the checks create). */
  me: Principal | undefined;
  alt: AltUser;
}

export const test = base.extend<Tests, Workers>({
  altTarget: [
    async ({ target: _primary }, use) => {
      const flags = JSON.parse(process.env.GH_FLAGS ?? '{}');
      const cfg = resolveConfig({ flags, env: process.env, cwd: process.cwd(), homeDir: homedir() });
      if (!cfg.alt) {
        await use(
          'no second user configured: set OS_ALT_USERNAME, OS_ALT_PASSWORD and OS_ALT_PROJECT_NAME ' +
            '(or --os-alt-cloud NAME) for a user in another project',
        );
        return;
      }
      const altTarget = await connect(cfg.alt, _primary.http.recorder);
      await use(altTarget);
      await altTarget.close();
    },
    { scope: 'worker' },
  ],
  me: async ({ target, glance: _recording }, use) => {
    await use(principal(target));
  },
  alt: async ({ altTarget, me, exchanges: _recording }, use) => {
    if (typeof altTarget === 'string') {
      await use({ reason: altTarget });
      return;
    }
    const user = principal(altTarget);
    if (!user) await use({ reason: 'the second user has no project-scoped token' });
    else if (!me)
      await use({ reason: 'the primary user has no project-scoped token (auth type none or token)' });
    else if (user.projectId === me.projectId)
      await use({
        reason: `the second user is in the primary user's project ${me.projectId}: sharing needs two projects`,
      });
    else await use({ user });
  },
});
