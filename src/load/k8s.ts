import { createHash } from 'node:crypto';
// Types only (erased at run time): they make a misspelt Kubernetes field a compile error, which the
// schema validators in the tests cannot catch (the published schemas allow unknown fields).
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Document, isMap, isScalar } from 'yaml';
import { UsageError } from '../errors.js';

export interface K8sEmitInput {
  scenario: string;
  runId: string;
  /** Pods sharing the load: pod i (0-based) runs `--segment i+1/parallelism`. */
  parallelism: number;
  /** The `glance-harness load` flags that shape the profile, already validated, e.g. ['--size','1GiB','--vus','4'] (no secrets, no --segment, no --emit). */
  loadArgs: readonly string[];
  /** Container image reference of the harness, e.g. 'registry.example/glance-harness:0.1.0'. */
  image: string;
  namespace?: string;
  /** Memory one segment pod needs (its request and its limit); unset: no request or limit. */
  memoryBytes?: number;
}

export interface K8sFile {
  name: string;
  content: string;
}

/** Secret holding the operator's OS_* variables; created by hand, never written by the harness. */
export const K8S_SECRET = 'glance-harness-openrc';
/** Claim every segment writes its run directory to, and the merge reads from. */
export const K8S_CLAIM = 'glance-harness-results';

const RESULTS = '/results';
// The `node` user of docker.io/library/node images; numeric, since runAsNonRoot cannot verify a user name.
const NODE_UID = 1000;
// parseSegment's bound on n.
const MAX_SEGMENTS = 1000;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// Set by the manifests themselves, or would put a credential or a path of this machine into them.
const REFUSED_FLAGS = new Set([
  '--segment',
  '--emit',
  '--parallelism',
  '--run-id',
  '--reporter',
  '--json',
  '--reports-dir',
  '--db',
  '--glance-config',
]);

/** `s` as one POSIX sh word: bare when it holds only characters sh leaves alone, else single-quoted. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

function shortHash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/**
 * `raw` as a DNS-1123 label of at most `max` characters. When `raw` had to be cut or changed, a hash
 * of it ends the label, so two run ids never share a name.
 */
function dnsLabel(raw: string, max: number): string {
  const clean = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (clean === raw && clean.length <= max) return clean;
  const hash = shortHash(raw);
  const head = clean.slice(0, max - hash.length - 1).replace(/-+$/, '');
  return head ? `${head}-${hash}` : hash;
}

function labelValue(raw: string): string {
  return raw.length <= 63 && LABEL_VALUE.test(raw) ? raw : dnsLabel(raw, 63);
}

/** Names of the two Jobs: an Indexed Job's pod hostname is `<job name>-<index>`, also a DNS label. */
export function k8sJobNames(
  scenario: string,
  runId: string,
  parallelism: number,
): { segments: string; merge: string } {
  return {
    segments: dnsLabel(`gh-${scenario}-${runId}`, 63 - `-${parallelism - 1}`.length),
    merge: dnsLabel(`gh-${scenario}-${runId}-merge`, 63),
  };
}

function check(input: K8sEmitInput): void {
  const { parallelism: n, runId, namespace, memoryBytes } = input;
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEGMENTS)
    throw new UsageError(`--parallelism must be a whole number from 1 to ${MAX_SEGMENTS} (got "${n}")`);
  if (!RUN_ID.test(runId))
    throw new UsageError(
      `the run id must be letters, digits, ".", "_" or "-", starting with a letter or digit (got "${runId}")`,
    );
  if (!input.scenario || !input.image || /\s/.test(input.image))
    throw new UsageError(`--emit k8s needs a scenario and an image reference (got "${input.image}")`);
  if (namespace !== undefined && !(namespace.length <= 63 && DNS_LABEL.test(namespace)))
    throw new UsageError(
      `the namespace must be a DNS-1123 label of at most 63 characters (got "${namespace}")`,
    );
  if (memoryBytes !== undefined && !(Number.isFinite(memoryBytes) && memoryBytes > 0))
    throw new UsageError(
      `the memory of a segment pod must be a number of bytes above 0 (got ${memoryBytes})`,
    );
  for (const arg of input.loadArgs) {
    const flag = arg.split('=')[0]!;
    if (REFUSED_FLAGS.has(flag) || flag.startsWith('--os-'))
      throw new UsageError(
        `${flag} cannot go into --emit k8s manifests: the manifests set the run id, segment and reports ` +
          `directory themselves, and credentials come from the Secret ${K8S_SECRET}`,
      );
  }
}

type PodSpec = NonNullable<NonNullable<NonNullable<IJob['spec']>['template']>['spec']>;

function podSecurity(): Pick<PodSpec, 'securityContext'> {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: NODE_UID,
      runAsGroup: NODE_UID,
      fsGroup: NODE_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

const containerSecurity = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

const resultsVolume = {
  volumes: [{ name: 'results', persistentVolumeClaim: { claimName: K8S_CLAIM } }],
};
const resultsMount = { volumeMounts: [{ name: 'results', mountPath: RESULTS }] };

/** A leading comment block, then the object as YAML with a comment before some keys (path → text). */
function toYaml(
  obj: object,
  header: readonly string[],
  comments: Array<[(string | number)[], string]>,
): string {
  // YAML 1.1 as Kubernetes reads it: a run id such as "on" or "no" is quoted, not taken for a boolean.
  const doc = new Document(obj, { version: '1.1', aliasDuplicateObjects: false });
  for (const [path, text] of comments) {
    const parent = doc.getIn(path.slice(0, -1), true);
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1))
      : undefined;
    if (!pair || !isScalar(pair.key)) throw new Error(`no key ${path.join('.')} to comment on`);
    pair.key.commentBefore = ` ${text}`;
  }
  return `${header.map((l) => `#${l ? ` ${l}` : ''}`).join('\n')}\n${doc.toString({ lineWidth: 0 })}`;
}

function kubectl(ns: string | undefined): string {
  return ns ? `kubectl --namespace ${ns}` : 'kubectl';
}

/**
 * The files of `load <scenario> --emit k8s`: an Indexed Job whose n pods each run one segment of the load,
 * a merge Job, the results claim, the image's Containerfile and a README. Kubernetes spreads the pods;
 * the harness never orchestrates machines itself.
 */
export function k8sManifests(input: K8sEmitInput): K8sFile[] {
  check(input);
  const { scenario, runId, parallelism: n, image, namespace } = input;
  const names = k8sJobNames(scenario, runId, n);
  const runLabel = labelValue(runId);
  const k = kubectl(namespace);
  const meta = (name: string, component: string) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: {
      'app.kubernetes.io/name': 'glance-harness',
      'app.kubernetes.io/component': component,
      'glance-harness/run-id': runLabel,
    },
    annotations: { 'glance-harness/run-id': runId },
  });
  const segMeta = meta(names.segments, 'load-segment');
  const mergeMeta = meta(names.merge, 'load-merge');
  const wait = `${k} wait --for=condition=complete --timeout=24h job/${names.segments}`;

  const script = [
    'set -eu',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion, run by the pod's shell
    ': "${JOB_COMPLETION_INDEX:?is set by Kubernetes in an Indexed Job}"',
    `export GLANCE_HARNESS_REPORTS_DIR="${RESULTS}/segment-$JOB_COMPLETION_INDEX"`,
    [
      'exec glance-harness load',
      shQuote(scenario),
      ...input.loadArgs.map(shQuote),
      '--run-id',
      shQuote(runId),
      '--segment',
      `"$((JOB_COMPLETION_INDEX+1))/${n}"`,
      '--reporter line',
    ].join(' '),
    '',
  ].join('\n');
  const memory = input.memoryBytes === undefined ? undefined : `${Math.ceil(input.memoryBytes / 2 ** 20)}Mi`;
  const job: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: segMeta,
    spec: {
      completionMode: 'Indexed',
      completions: n,
      parallelism: n,
      backoffLimit: 0,
      template: {
        metadata: { labels: segMeta.labels, annotations: segMeta.annotations },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 120,
          ...podSecurity(),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { 'glance-harness/run-id': runLabel } },
            },
          ],
          containers: [
            {
              name: 'glance-harness',
              image,
              command: ['sh', '-c', script],
              envFrom: [{ secretRef: { name: K8S_SECRET } }],
              ...(memory ? { resources: { requests: { memory }, limits: { memory } } } : {}),
              securityContext: containerSecurity,
              ...resultsMount,
            },
          ],
          ...resultsVolume,
        },
      },
    },
  };
  const podPath = ['spec', 'template', 'spec'];
  const jobYaml = toYaml(
    job,
    [
      `glance-harness load ${scenario}, run ${runId}: ${n} pod(s), pod i running share i+1 of ${n} (--segment).`,
      'Before applying (README.md next to this file has every step):',
      `  1. the image ${image}, built from the Containerfile next to this file`,
      `  2. the Secret ${K8S_SECRET}, from the OS_* variables of your openrc (credentials never go in here):`,
      "       (. ./openrc.sh && env | grep '^OS_') > openrc.env",
      `       ${k} create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
      '       rm openrc.env',
      `  3. ${k} apply -f pvc.yaml`,
      `Then: ${k} apply -f job.yaml && ${wait}`,
      'and apply merge-job.yaml.',
    ],
    [
      [
        ['spec', 'completionMode'],
        `Indexed: the pods get JOB_COMPLETION_INDEX 0…${n - 1}, and each runs its own share of the load`,
      ],
      [
        ['spec', 'backoffLimit'],
        '0: a failed segment is not rerun, since a rerun would add its share of the load a second time',
      ],
      [
        [...podPath, 'terminationGracePeriodSeconds'],
        'Time to delete the images this segment created when the pod is stopped (SIGTERM)',
      ],
      [
        [...podPath, 'topologySpreadConstraints'],
        'Spread the segments over nodes, so they do not share one network link',
      ],
      [
        [...podPath, 'containers', 0, 'command'],
        'The reports directory is set in the script: env values cannot do arithmetic on the index',
      ],
      [
        [...podPath, 'containers', 0, 'envFrom'],
        `OS_* credentials: ${k} create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
      ],
      ...(memory
        ? ([
            [
              [...podPath, 'containers', 0, 'resources'],
              "One segment's memory budget: request and limit alike, so the pod is not evicted mid-run",
            ],
          ] as Array<[(string | number)[], string]>)
        : []),
      [
        [...podPath, 'volumes'],
        `Every pod writes ${RESULTS}/segment-<index>/ on the same claim: it must be ReadWriteMany`,
      ],
    ],
  );

  const segmentDirs = Array.from({ length: n }, (_, i) => `${RESULTS}/segment-${i}/${shQuote(runId)}`);
  const mergeScript = [
    'set -eu',
    `export GLANCE_HARNESS_REPORTS_DIR=${RESULTS}/merged`,
    `exec glance-harness load merge ${segmentDirs.join(' ')}`,
    '',
  ].join('\n');
  const mergeJob: IJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: mergeMeta,
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      template: {
        metadata: { labels: mergeMeta.labels, annotations: mergeMeta.annotations },
        spec: {
          restartPolicy: 'Never',
          ...podSecurity(),
          containers: [
            {
              name: 'glance-harness',
              image,
              command: ['sh', '-c', mergeScript],
              securityContext: containerSecurity,
              ...resultsMount,
            },
          ],
          ...resultsVolume,
        },
      },
    },
  };
  const mergeYaml = toYaml(
    mergeJob,
    [
      `Merges the ${n} segment(s) of run ${runId} into one summary and re-evaluates the thresholds.`,
      `Apply after every segment completed: ${wait}`,
      `Result: ${RESULTS}/merged/<run id>/summary.json on the claim ${K8S_CLAIM}.`,
    ],
    [
      [
        [...podPath, 'containers', 0, 'command'],
        'Every segment by name: a segment that wrote nothing fails the merge instead of shrinking it',
      ],
    ],
  );

  const pvc: IPersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: K8S_CLAIM,
      ...(namespace ? { namespace } : {}),
      labels: { 'app.kubernetes.io/name': 'glance-harness' },
    },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  };
  const pvcYaml = toYaml(
    pvc,
    [
      'Results of glance-harness load runs; one claim serves every run (each writes its own run directory).',
      `Kept between runs: ${k} delete pvc ${K8S_CLAIM} when done.`,
    ],
    [
      [
        ['spec', 'accessModes'],
        'ReadWriteMany: pods on different nodes write at once (needs a class such as NFS or CephFS; set storageClassName if it is not the default)',
      ],
      [['spec', 'resources'], 'Summaries and metrics only: no image data is written here'],
    ],
  );

  return [
    { name: 'job.yaml', content: jobYaml },
    { name: 'merge-job.yaml', content: mergeYaml },
    { name: 'pvc.yaml', content: pvcYaml },
    { name: 'Containerfile', content: containerfile() },
    { name: 'README.md', content: readme(input, names, runLabel) },
  ];
}

function containerfile(): string {
  return [
    '# The glance-harness image for `load --emit k8s`. Build it from the repository root:',
    '#   podman build -f <this folder>/Containerfile -t <image> .',
    '# The harness runs its TypeScript sources through tsx (a runtime dependency): no build step.',
    'FROM docker.io/library/node:20-bookworm-slim',
    'WORKDIR /opt/glance-harness',
    'COPY package.json package-lock.json ./',
    'RUN npm ci --omit=dev && npm cache clean --force',
    '# One COPY per folder: COPY of several folders would merge their contents into one.',
    'COPY bin ./bin',
    'COPY src ./src',
    'COPY scenarios ./scenarios',
    'COPY schemas ./schemas',
    'COPY suites ./suites',
    'COPY tsconfig.json ./',
    'RUN ln -s /opt/glance-harness/bin/glance-harness.js /usr/local/bin/glance-harness',
    '# The Jobs give the command (sh -c); no entrypoint of the node image in between.',
    'ENTRYPOINT []',
    'CMD ["glance-harness", "--help"]',
    `# The image's node user, by number so that runAsNonRoot can verify it.`,
    `USER ${NODE_UID}:${NODE_UID}`,
    '',
  ].join('\n');
}

function readme(input: K8sEmitInput, names: { segments: string; merge: string }, runLabel: string): string {
  const { scenario, runId, parallelism: n, image } = input;
  const k = kubectl(input.namespace);
  return [
    `# glance-harness load ${scenario} on Kubernetes (run ${runId})`,
    '',
    `The Job in \`job.yaml\` starts ${n} pod(s); pod i runs \`glance-harness load ${scenario} --segment i+1/${n}\`,`,
    `so together they apply the whole load profile once. Each writes its run directory under`,
    `\`/results/segment-<i>/\` on the claim \`${K8S_CLAIM}\`; \`merge-job.yaml\` then merges them into one`,
    'summary and re-evaluates the thresholds. A failed segment is not rerun (`backoffLimit: 0`).',
    '',
    '1. Build and push the image, from the repository root:',
    '',
    '   ```sh',
    `   podman build -f <this folder>/Containerfile -t ${image} .`,
    `   podman push ${image}`,
    '   ```',
    '',
    '2. Create the Secret with your credentials (the OS_* variables of your openrc), and the claim',
    '   (it needs a storage class offering ReadWriteMany, such as NFS or CephFS):',
    '',
    '   ```sh',
    "   (. ./openrc.sh && env | grep '^OS_') > openrc.env",
    `   ${k} create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
    '   rm openrc.env',
    `   ${k} apply -f pvc.yaml`,
    '   ```',
    '',
    '   OS_CACERT, if set, names a file: the pods need it at the same path, or drop it from openrc.env.',
    '',
    '3. Run the segments and wait for all of them:',
    '',
    '   ```sh',
    `   ${k} apply -f job.yaml`,
    `   ${k} wait --for=condition=complete --timeout=24h job/${names.segments}`,
    '   ```',
    '',
    `   Progress: \`${k} logs -l glance-harness/run-id=${runLabel} --prefix --max-log-requests=${Math.max(5, n)}\`.`,
    '   A failed segment fails the Job, which then never completes: the wait lasts until its timeout.',
    `   \`${k} get job/${names.segments}\` shows Failed, and \`${k} describe job/${names.segments}\` which index.`,
    '',
    '4. Merge:',
    '',
    '   ```sh',
    `   ${k} apply -f merge-job.yaml`,
    `   ${k} wait --for=condition=complete --timeout=1h job/${names.merge}`,
    `   ${k} logs job/${names.merge}`,
    '   ```',
    '',
    `   The merged summary is \`/results/merged/<run id>/summary.json\` on the claim; to copy it out, mount`,
    `   \`${K8S_CLAIM}\` in any pod and use \`${k} cp\`.`,
    '',
    '5. Clean up: the segments delete what they created; this sweeps whatever a killed pod left, with the',
    '   same OS_* credentials, then removes the Jobs:',
    '',
    '   ```sh',
    `   glance-harness cleanup --run-id ${shQuote(runId)}`,
    `   ${k} delete job ${names.segments} ${names.merge}`,
    '   ```',
    '',
  ].join('\n');
}
