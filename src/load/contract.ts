// The k6 scripts' side of the contract: what the harness passes them, by name.
/**
 * Environment names the scenarios read (scenarios/k6/lib/glance.js and the k6 scripts). Secrets
 * (GH_TOKEN_KEY, GH_TOKEN) go through the environment only, never k6's command line.
 */
export const ENV_NAMES = [
  'GH_GLANCE_URL',
  'GH_RUN_ID',
  'GH_PREFIX',
  'GH_SMOKE',
  'GH_SUMMARY_FILE',
  'GH_TOKEN_URL',
  'GH_TOKEN_KEY',
  'GH_TOKEN',
  'GH_IMAGE_FILE',
  'GH_SIZE',
  'GH_SIZE_LABEL',
  'GH_IMAGE_MD5',
  'GH_IMAGE_SHA512',
  'GH_VUS',
  'GH_ITERATIONS',
  'GH_DURATION_S',
  'GH_MAX_DURATION',
  'GH_RATE',
  'GH_MIN_MBPS',
] as const;
