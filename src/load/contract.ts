/** The scenarios shipped in scenarios/, one question each. */
export const SCENARIOS = ['large-upload', 'churn', 'download'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Per scenario: the Rate metric that counts failed iterations, and the throughput metric charted. */
export const SCENARIO_METRICS: Record<ScenarioName, { failure: string; throughput: string; unit: string }> = {
  'large-upload': { failure: 'upload_failed', throughput: 'upload_mbps', unit: 'MB/s per upload' },
  churn: { failure: 'churn_failed', throughput: 'http_reqs', unit: 'requests/s' },
  download: { failure: 'download_failed', throughput: 'download_mbps', unit: 'MB/s per download' },
};

/** Metrics copied into summary.json's `load.metrics` when the scenario reports them. */
export const KEY_METRICS = [
  'upload_mbps',
  'upload_bytes',
  'time_to_active',
  'upload_failed',
  'download_mbps',
  'download_bytes',
  'download_failed',
  'churn_failed',
  'http_req_duration{op:create}',
  'http_req_duration{op:show}',
  'http_req_duration{op:list}',
  'http_req_duration{op:delete}',
  'iterations',
  'dropped_iterations',
  'data_sent',
  'data_received',
  'checks',
] as const;

/**
 * Environment names the scenarios read (scenarios/lib/glance.js and the scenario files). Secrets
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
