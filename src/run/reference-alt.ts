import type { ReferenceServer } from '../reference/index.js';

/** OS_ALT_* for the embedded reference's member user, so sharing checks run there without set-up. */
export function referenceAltEnv(ref: ReferenceServer): Record<string, string> {
  const demo = ref.users.find((u) => u.role === 'member');
  if (!demo) return {};
  return {
    OS_ALT_AUTH_URL: ref.keystoneUrl,
    OS_ALT_USERNAME: demo.name,
    OS_ALT_PASSWORD: demo.password,
    OS_ALT_PROJECT_NAME: demo.project,
    OS_ALT_USER_DOMAIN_NAME: demo.domain,
    OS_ALT_PROJECT_DOMAIN_NAME: demo.domain,
  };
}
