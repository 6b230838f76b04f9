/** Environment variable that moves the lab's state directory (lab.sh reads the same one). */
export const LAB_DIR_ENV = 'GLANCE_HARNESS_LAB_DIR';

/** State directory when GLANCE_HARNESS_LAB_DIR is unset. */
export const DEFAULT_LAB_DIR = '/var/lib/glance-harness/lab';

/** The lab's state directory: GLANCE_HARNESS_LAB_DIR, else the default, the rule lab.sh applies too. */
export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return env[LAB_DIR_ENV] || DEFAULT_LAB_DIR;
}
