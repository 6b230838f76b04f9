// Fixtures for checks that need a second user in another project (sharing, member views).
import type { GlanceClient } from '../../src/glance/index.js';
import type { PrincipalInfo } from '../../src/run/context.js';
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

function principal(glance: GlanceClient, info: PrincipalInfo): Principal | undefined {
  if (!info.projectId) return undefined;
  return { glance, projectId: info.projectId, roles: info.roles, isAdmin: info.roles.includes('admin') };
}

interface Workers {
  altTarget: Principal | string;
}

interface Tests {
  /** The primary user (owner of what the checks create). */
  me: Principal | undefined;
  alt: AltUser;
}

export const test = base.extend<Tests, Workers>({
  altTarget: [
    async ({ run }, use) => {
      const alt = run.ctx.alt;
      if ('error' in alt) throw new Error(alt.error);
      if ('skipReason' in alt) {
        await use(alt.skipReason);
        return;
      }
      const glance = run.clientFor(alt.ok.name, alt.ok.endpoint);
      await use(principal(glance, alt.ok) ?? 'the second user has no project-scoped token');
    },
    { scope: 'worker' },
  ],
  me: async ({ run, glance }, use) => {
    await use(principal(glance, run.ctx.primary));
  },
  alt: async ({ altTarget, me, exchanges: _recording }, use) => {
    if (typeof altTarget === 'string') {
      await use({ reason: altTarget });
      return;
    }
    const user = altTarget;
    if (!me) await use({ reason: 'the primary user has no project-scoped token (auth type none or token)' });
    else if (user.projectId === me.projectId)
      await use({
        reason: `the second user is in the primary user's project ${me.projectId}: sharing needs two projects`,
      });
    else await use({ user });
  },
});

/** The second user as a project member (not an admin); skips the check with the reason otherwise. */
export function memberOf(alt: AltUser): Principal {
  test.skip(!alt.user, alt.reason ?? '');
  const member = alt.user as Principal;
  test.skip(member.isAdmin, 'the second user is an admin: this check needs a project member');
  return member;
}
