import type { Profile } from './engine/scenario.js';

export interface OperatorManifestInput {
  scenario: string;
  runId: string;
  prefix: string;
  endpoint: string;
  profile: Profile;
  smoke: boolean;
  /** Runner pods: k6-operator splits the load profile with execution segments, one per pod. */
  parallelism: number;
  image?: { fileName: string; size: number; sizeLabel: string; md5: string; sha512: string };
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/**
 * A k6-operator TestRun (k6.io/v1alpha1) for the scenario. The scenarios and, for large-upload and
 * download, the generated image go on a volume claim mounted at /test; the token comes from a Secret,
 * since no harness runs beside the pods to renew it (keep runs shorter than the token's life).
 */
export function operatorManifest(m: OperatorManifestInput): string {
  const p = m.profile;
  const env: Array<[string, string | number | undefined]> = [
    ['GH_GLANCE_URL', m.endpoint],
    ['GH_RUN_ID', m.runId],
    ['GH_PREFIX', m.prefix],
    ['GH_SMOKE', m.smoke ? '1' : '0'],
    ['GH_VUS', p.vus],
    ['GH_ITERATIONS', p.iterations],
    ['GH_DURATION_S', p.durationS],
    ['GH_RATE', p.rate],
    ['GH_MIN_MBPS', p.minMbps],
    ...(m.image
      ? ([
          ['GH_IMAGE_FILE', `/test/data/${m.image.fileName}`],
          ['GH_SIZE', m.image.size],
          ['GH_SIZE_LABEL', m.image.sizeLabel],
          ['GH_IMAGE_MD5', m.image.md5],
          ['GH_IMAGE_SHA512', m.image.sha512],
        ] as Array<[string, string | number]>)
      : []),
  ];
  const args = [
    ...(m.smoke ? ['--no-thresholds'] : []),
    ...env.filter(([, v]) => v !== undefined).map(([k, v]) => `-e ${k}=${v}`),
  ].join(' ');
  const name = `gh-${m.scenario}-${m.runId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63);
  return [
    `# k6-operator TestRun for glance-harness scenario ${m.scenario} (run ${m.runId}).`,
    '# Before applying:',
    '#   1. a PersistentVolumeClaim "glance-harness-load" holding the repository\'s scenarios/ folder',
    ...(m.image ? [`#      and data/${m.image.fileName} (written next to this manifest, under data/)`] : []),
    '#   2. kubectl create secret generic glance-harness-token --from-literal=token="$(openstack token issue -f value -c id)"',
    `# Images are named and tagged with the run id; afterwards: glance-harness cleanup --run-id ${m.runId}`,
    'apiVersion: k6.io/v1alpha1',
    'kind: TestRun',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  parallelism: ${m.parallelism}`,
    '  script:',
    '    volumeClaim:',
    '      name: glance-harness-load',
    `      file: scenarios/k6/${m.scenario}.js`,
    `  arguments: ${yamlString(args)}`,
    '  runner:',
    '    env:',
    '      - name: GH_TOKEN',
    '        valueFrom:',
    '          secretKeyRef:',
    '            name: glance-harness-token',
    '            key: token',
    '',
  ].join('\n');
}
