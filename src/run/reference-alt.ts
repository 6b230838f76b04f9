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

/** The reader account the run asks the embedded reference for: reader role only, in project demo. */
export const REFERENCE_READER = { name: 'reader', project: 'demo', roles: ['reader'] } as const;

/** OS_READER_* for the embedded reference's reader user, so RBAC checks run there without set-up. */
export function referenceReaderEnv(ref: ReferenceServer): Record<string, string> {
  const reader = ref.users.find((u) => u.role === 'reader');
  if (!reader) return {};
  return {
    OS_READER_AUTH_URL: ref.keystoneUrl,
    OS_READER_USERNAME: reader.name,
    OS_READER_PASSWORD: reader.password,
    OS_READER_PROJECT_NAME: reader.project,
    OS_READER_USER_DOMAIN_NAME: reader.domain,
    OS_READER_PROJECT_DOMAIN_NAME: reader.domain,
  };
}
