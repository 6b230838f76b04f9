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

/** What every file of one emitted run shares, worked out once from the checked input. */
interface K8sRun extends K8sEmitInput {
  names: { segments: string; merge: string };
  /** The run id as a label value (cut and hashed when it is not one); the annotation keeps it whole. */
  runLabel: string;
  /** `kubectl`, with --namespace when one is given: the start of every command the files print. */
  kubectl: string;
  /** The command that waits until every segment completed, before the merge. */
  waitForSegments: string;
  /** Request and limit of a segment pod, in Mi, when memoryBytes is set. */
  memory: string | undefined;
}

function kubectl(ns: string | undefined): string {
  return ns ? `kubectl --namespace ${ns}` : 'kubectl';
}

function k8sRun(input: K8sEmitInput): K8sRun {
  const names = k8sJobNames(input.scenario, input.runId, input.parallelism);
  const k = kubectl(input.namespace);
  return {
    ...input,
    names,
    runLabel: labelValue(input.runId),
    kubectl: k,
    waitForSegments: `${k} wait --for=condition=complete --timeout=24h job/${names.segments}`,
    memory: input.memoryBytes === undefined ? undefined : `${Math.ceil(input.memoryBytes / 2 ** 20)}Mi`,
  };
}

type JobSpec = NonNullable<IJob['spec']>;
type PodSpec = NonNullable<NonNullable<JobSpec['template']>['spec']>;
type Container = PodSpec['containers'][number];
type KeyComment = [path: (string | number)[], text: string];

const POD_SPEC = ['spec', 'template', 'spec'];
const CONTAINER = [...POD_SPEC, 'containers', 0];

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

/** Metadata of a Job; the run-id label is what `kubectl logs -l` and the spread constraint select on. */
function jobMetadata(run: K8sRun, name: string, component: string) {
  return {
    name,
    ...(run.namespace ? { namespace: run.namespace } : {}),
    labels: {
      'app.kubernetes.io/name': 'glance-harness',
      'app.kubernetes.io/component': component,
      'glance-harness/run-id': run.runLabel,
    },
    annotations: { 'glance-harness/run-id': run.runId },
  };
}

/** A Job whose pods carry its labels and annotations. */
function harnessJob(
  metadata: ReturnType<typeof jobMetadata>,
  counts: Omit<JobSpec, 'template'>,
  pod: PodSpec,
): IJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: {
      ...counts,
      template: { metadata: { labels: metadata.labels, annotations: metadata.annotations }, spec: pod },
    },
  };
}

/** The harness container running `script` under sh, with the results claim mounted. */
function harnessContainer(image: string, script: string, extra: Partial<Container> = {}): Container {
  return {
    name: 'glance-harness',
    image,
    command: ['sh', '-c', script],
    ...extra,
    securityContext: containerSecurity,
    ...resultsMount,
  };
}

/** A leading comment block, then the object as YAML with a comment before some keys. */
function toYaml(obj: object, header: readonly string[], comments: readonly KeyComment[]): string {
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

/**
 * The files of `load <scenario> --emit k8s`: an Indexed Job whose n pods each run one segment of the load,
 * a merge Job, the results claim, the image's Containerfile and a README. Kubernetes spreads the pods;
 * the harness never orchestrates machines itself.
 */
export function k8sManifests(input: K8sEmitInput): K8sFile[] {
  check(input);
  const run = k8sRun(input);
  return [
    { name: 'job.yaml', content: segmentJobYaml(run) },
    { name: 'merge-job.yaml', content: mergeJobYaml(run) },
    { name: 'pvc.yaml', content: claimYaml(run) },
    { name: 'Containerfile', content: containerfile() },
    { name: 'README.md', content: readme(run) },
  ];
}

/** The shell script of segment pod i: `load --segment i+1/n`, writing under its own reports directory. */
function segmentScript(run: K8sRun): string {
  return [
    'set -eu',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansion, run by the pod's shell
    ': "${JOB_COMPLETION_INDEX:?is set by Kubernetes in an Indexed Job}"',
    `export GLANCE_HARNESS_REPORTS_DIR="${RESULTS}/segment-$JOB_COMPLETION_INDEX"`,
    [
      'exec glance-harness load',
      shQuote(run.scenario),
      ...run.loadArgs.map(shQuote),
      '--run-id',
      shQuote(run.runId),
      '--segment',
      `"$((JOB_COMPLETION_INDEX+1))/${run.parallelism}"`,
      '--reporter line',
    ].join(' '),
    '',
  ].join('\n');
}

/** The Indexed Job running the n segments, spread over nodes. */
function segmentJob(run: K8sRun): IJob {
  const { parallelism: n, memory } = run;
  return harnessJob(
    jobMetadata(run, run.names.segments, 'load-segment'),
    { completionMode: 'Indexed', completions: n, parallelism: n, backoffLimit: 0 },
    {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 120,
      ...podSecurity(),
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'glance-harness/run-id': run.runLabel } },
        },
      ],
      containers: [
        harnessContainer(run.image, segmentScript(run), {
          envFrom: [{ secretRef: { name: K8S_SECRET } }],
          ...(memory ? { resources: { requests: { memory }, limits: { memory } } } : {}),
        }),
      ],
      ...resultsVolume,
    },
  );
}

/** job.yaml: the segment Job, headed by the steps to take before applying it. */
function segmentJobYaml(run: K8sRun): string {
  const { scenario, runId, parallelism: n, image, kubectl: k } = run;
  const header = [
    `glance-harness load ${scenario}, run ${runId}: ${n} pod(s), pod i running share i+1 of ${n} (--segment).`,
    'Before applying (README.md next to this file has every step):',
    `  1. the image ${image}, built from the Containerfile next to this file`,
    `  2. the Secret ${K8S_SECRET}, from the OS_* variables of your openrc (credentials never go in here):`,
    "       (. ./openrc.sh && env | grep '^OS_') > openrc.env",
    `       ${k} create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
    '       rm openrc.env',
    `  3. ${k} apply -f pvc.yaml`,
    `Then: ${k} apply -f job.yaml && ${run.waitForSegments}`,
    'and apply merge-job.yaml.',
  ];
  return toYaml(segmentJob(run), header, segmentJobComments(run));
}

/** Why the segment Job's fields are set as they are, key by key. */
function segmentJobComments(run: K8sRun): KeyComment[] {
  const { parallelism: n, kubectl: k } = run;
  const memory: KeyComment[] = run.memory
    ? [
        [
          [...CONTAINER, 'resources'],
          "One segment's memory budget: request and limit alike, so the pod is not evicted mid-run",
        ],
      ]
    : [];
  return [
    [
      ['spec', 'completionMode'],
      `Indexed: the pods get JOB_COMPLETION_INDEX 0…${n - 1}, and each runs its own share of the load`,
    ],
    [
      ['spec', 'backoffLimit'],
      '0: a failed segment is not rerun, since a rerun would add its share of the load a second time',
    ],
    [
      [...POD_SPEC, 'terminationGracePeriodSeconds'],
      'Time to delete the images this segment created when the pod is stopped (SIGTERM)',
    ],
    [
      [...POD_SPEC, 'topologySpreadConstraints'],
      'Spread the segments over nodes, so they do not share one network link',
    ],
    [
      [...CONTAINER, 'command'],
      'The reports directory is set in the script: env values cannot do arithmetic on the index',
    ],
    [
      [...CONTAINER, 'envFrom'],
      `OS_* credentials: ${k} create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
    ],
    ...memory,
    [
      [...POD_SPEC, 'volumes'],
      `Every pod writes ${RESULTS}/segment-<index>/ on the same claim: it must be ReadWriteMany`,
    ],
  ];
}

/** The merge pod's script: every segment's run directory, named one by one. */
function mergeScript(run: K8sRun): string {
  const segmentDirs = Array.from(
    { length: run.parallelism },
    (_, i) => `${RESULTS}/segment-${i}/${shQuote(run.runId)}`,
  );
  return [
    'set -eu',
    `export GLANCE_HARNESS_REPORTS_DIR=${RESULTS}/merged`,
    `exec glance-harness load merge ${segmentDirs.join(' ')}`,
    '',
  ].join('\n');
}

function mergeJob(run: K8sRun): IJob {
  return harnessJob(
    jobMetadata(run, run.names.merge, 'load-merge'),
    { completions: 1, parallelism: 1, backoffLimit: 0 },
    {
      restartPolicy: 'Never',
      ...podSecurity(),
      containers: [harnessContainer(run.image, mergeScript(run))],
      ...resultsVolume,
    },
  );
}

/** merge-job.yaml: the merge Job, to apply once every segment completed. */
function mergeJobYaml(run: K8sRun): string {
  return toYaml(
    mergeJob(run),
    [
      `Merges the ${run.parallelism} segment(s) of run ${run.runId} into one summary and re-evaluates the thresholds.`,
      `Apply after every segment completed: ${run.waitForSegments}`,
      `Result: ${RESULTS}/merged/<run id>/summary.json on the claim ${K8S_CLAIM}.`,
    ],
    [
      [
        [...CONTAINER, 'command'],
        'Every segment by name: a segment that wrote nothing fails the merge instead of shrinking it',
      ],
    ],
  );
}

function resultsClaim(run: K8sRun): IPersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: K8S_CLAIM,
      ...(run.namespace ? { namespace: run.namespace } : {}),
      labels: { 'app.kubernetes.io/name': 'glance-harness' },
    },
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
  };
}

/** pvc.yaml: the results claim, shared by every run and kept between them. */
function claimYaml(run: K8sRun): string {
  return toYaml(
    resultsClaim(run),
    [
      'Results of glance-harness load runs; one claim serves every run (each writes its own run directory).',
      `Kept between runs: ${run.kubectl} delete pvc ${K8S_CLAIM} when done.`,
    ],
    [
      [
        ['spec', 'accessModes'],
        'ReadWriteMany: pods on different nodes write at once (needs a class such as NFS or CephFS; set storageClassName if it is not the default)',
      ],
      [['spec', 'resources'], 'Summaries and metrics only: no image data is written here'],
    ],
  );
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

/** README.md: every step from building the image to cleaning up, with this run's names filled in. */
function readme(run: K8sRun): string {
  const { scenario, runId, parallelism: n, image, names, runLabel, kubectl: k } = run;
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
    `   ${run.waitForSegments}`,
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
