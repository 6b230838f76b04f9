import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type IJob, Job } from 'kubernetes-models/batch/v1/Job';
import {
  type IPersistentVolumeClaim,
  PersistentVolumeClaim,
} from 'kubernetes-models/v1/PersistentVolumeClaim';
import { parse } from 'yaml';
import { UsageError } from '../../src/errors.js';
import { K8S_CLAIM, K8S_SECRET, type K8sEmitInput, type K8sFile, k8sManifests } from '../../src/load/k8s.js';

const work = mkdtempSync(join(tmpdir(), 'gh-load-k8s-'));
after(() => rmSync(work, { recursive: true, force: true }));

const REPO = join(import.meta.dirname, '..', '..');
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const base: K8sEmitInput = {
  scenario: 'large-upload',
  runId: '20261203-101502-a1b2',
  parallelism: 4,
  loadArgs: ['--size', '1GiB', '--vus', '4', '--iterations', '8'],
  image: 'registry.example/glance-harness:0.1.0',
};

function file(files: K8sFile[], name: string): string {
  const f = files.find((x) => x.name === name);
  assert.ok(f, `no ${name} among ${files.map((x) => x.name).join(', ')}`);
  return f.content;
}

/** Parsed as kubectl reads it: YAML 1.1, one document, no duplicate keys. */
function manifest<T>(files: K8sFile[], name: string): T {
  return parse(file(files, name), { version: '1.1', strict: true, uniqueKeys: true }) as T;
}

function podOf(job: IJob) {
  const pod = job.spec?.template.spec;
  assert.ok(pod, 'no pod template spec');
  return pod;
}

function containerOf(job: IJob) {
  const pod = podOf(job);
  assert.equal(pod.containers.length, 1);
  return pod.containers[0]!;
}

function scriptOf(job: IJob): string {
  const command = containerOf(job).command ?? [];
  assert.deepEqual(command.slice(0, 2), ['sh', '-c']);
  assert.equal(command.length, 3);
  return command[2]!;
}

/** Runs a script with sh, a stub glance-harness on PATH recording its argv and reports directory. */
function runScript(
  script: string,
  env: Record<string, string>,
): { status: number | null; stderr: string; argv?: string[]; reportsDir?: string } {
  const dir = mkdtempSync(join(work, 'sh-'));
  const out = join(dir, 'argv');
  writeFileSync(
    join(dir, 'glance-harness'),
    `#!/bin/sh\nprintf '%s\\0' "$@" > "$OUT"\nprintf '%s' "$GLANCE_HARNESS_REPORTS_DIR" > "$OUT.dir"\n`,
  );
  chmodSync(join(dir, 'glance-harness'), 0o755);
  const r = spawnSync('sh', ['-c', script], {
    env: { PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`, OUT: out, ...env },
    encoding: 'utf8',
  });
  if (!existsSync(out)) return { status: r.status, stderr: r.stderr };
  return {
    status: r.status,
    stderr: r.stderr,
    argv: readFileSync(out, 'utf8').split('\0').slice(0, -1),
    reportsDir: readFileSync(`${out}.dir`, 'utf8'),
  };
}

describe('load --emit k8s manifests', () => {
  const files = k8sManifests(base);
  const job = manifest<IJob>(files, 'job.yaml');
  const merge = manifest<IJob>(files, 'merge-job.yaml');
  const pvc = manifest<IPersistentVolumeClaim>(files, 'pvc.yaml');

  it('writes job.yaml, merge-job.yaml, pvc.yaml, Containerfile and README.md, each YAML file opening with a comment', () => {
    assert.deepEqual(
      files.map((f) => f.name),
      ['job.yaml', 'merge-job.yaml', 'pvc.yaml', 'Containerfile', 'README.md'],
    );
    for (const name of ['job.yaml', 'merge-job.yaml', 'pvc.yaml'])
      assert.match(file(files, name), /^# /, `${name} opens with its comment block`);
  });

  it('every manifest passes the Kubernetes schemas (kubernetes-models)', () => {
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.kind, 'Job');
    new Job(job).validate();
    assert.equal(merge.kind, 'Job');
    new Job(merge).validate();
    assert.equal(pvc.apiVersion, 'v1');
    assert.equal(pvc.kind, 'PersistentVolumeClaim');
    new PersistentVolumeClaim(pvc).validate();
  });

  it('the schema validation can fail: a Job with completions "x" or memory "lots" is rejected', () => {
    const badCompletions = { ...job, spec: { ...job.spec!, completions: 'x' } } as unknown as IJob;
    assert.throws(() => new Job(badCompletions).validate(), /completions must be integer/);
    const bad = structuredClone(job);
    podOf(bad).containers[0]!.resources = { limits: { memory: 'lots' } };
    assert.throws(() => new Job(bad).validate(), /memory/);
  });

  it('job.yaml: Indexed, completions = parallelism = n, backoffLimit 0, restartPolicy Never, non-root', () => {
    assert.equal(job.spec?.completionMode, 'Indexed');
    assert.equal(job.spec?.completions, 4);
    assert.equal(job.spec?.parallelism, 4);
    assert.equal(job.spec?.backoffLimit, 0);
    const pod = podOf(job);
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.runAsUser, 1000);
    assert.equal(containerOf(job).image, base.image);
    assert.equal(containerOf(job).resources, undefined, 'no memory given: no request or limit');
    const seven = manifest<IJob>(k8sManifests({ ...base, parallelism: 7 }), 'job.yaml');
    assert.equal(seven.spec?.completions, 7);
    assert.equal(seven.spec?.parallelism, 7);
  });

  it('job.yaml: labels name the harness and the run, on the Job and its pods', () => {
    for (const labels of [job.metadata?.labels, job.spec?.template.metadata?.labels]) {
      assert.equal(labels?.['app.kubernetes.io/name'], 'glance-harness');
      assert.equal(labels?.['glance-harness/run-id'], base.runId);
    }
    assert.equal(merge.metadata?.labels?.['glance-harness/run-id'], base.runId);
  });

  it('the segment command: sh -c, the load flags, --run-id, --segment "$((JOB_COMPLETION_INDEX+1))/n", --reporter line', () => {
    const script = scriptOf(job);
    assert.match(
      script,
      /exec glance-harness load large-upload --size 1GiB --vus 4 --iterations 8 --run-id 20261203-101502-a1b2 --segment "\$\(\(JOB_COMPLETION_INDEX\+1\)\)\/4" --reporter line/,
    );
    assert.match(script, /export GLANCE_HARNESS_REPORTS_DIR="\/results\/segment-\$JOB_COMPLETION_INDEX"/);
    assert.ok(
      !(containerOf(job).env ?? []).some((e) => e.name === 'GLANCE_HARNESS_REPORTS_DIR'),
      'the reports directory is set in the script: env values cannot expand the index',
    );
  });

  it('the segment script, run by sh for index 2 of 4, runs share 3/4 into /results/segment-2', () => {
    const r = runScript(scriptOf(job), { JOB_COMPLETION_INDEX: '2' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.argv, [
      'load',
      'large-upload',
      ...base.loadArgs,
      '--run-id',
      base.runId,
      '--segment',
      '3/4',
      '--reporter',
      'line',
    ]);
    assert.equal(r.reportsDir, '/results/segment-2');
  });

  it('the segment script stops before the harness when JOB_COMPLETION_INDEX is unset', () => {
    const r = runScript(scriptOf(job), {});
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /JOB_COMPLETION_INDEX/);
    assert.equal(r.argv, undefined, 'the harness did not run');
  });

  it('arguments with spaces, quotes, $(…), backquotes, globs and newlines reach the harness whole', () => {
    const pwned = join(work, 'pwned');
    const nasty = [
      '--size',
      '1 GiB',
      '--note',
      `it's "quoted" $(touch ${pwned}) \`touch ${pwned}\` * ~ ; exit 7`,
      '--lines',
      'one\ntwo',
      '--empty',
      '',
    ];
    const script = scriptOf(manifest<IJob>(k8sManifests({ ...base, loadArgs: nasty }), 'job.yaml'));
    const r = runScript(script, { JOB_COMPLETION_INDEX: '0' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.argv?.slice(2, 2 + nasty.length), nasty);
    assert.deepEqual(r.argv?.slice(-4), ['--segment', '1/4', '--reporter', 'line']);
    assert.equal(existsSync(pwned), false, 'nothing in an argument was executed');
  });

  it('credentials come only from the Secret glance-harness-openrc; no secret value is written anywhere', () => {
    const secrets = {
      OS_PASSWORD: 'pw-sentinel-8c1f',
      OS_APPLICATION_CREDENTIAL_SECRET: 'ac-sentinel-41d9',
      OS_TOKEN: 'tok-sentinel-77aa',
    };
    const saved = Object.fromEntries(Object.keys(secrets).map((k) => [k, process.env[k]]));
    Object.assign(process.env, secrets);
    let out: K8sFile[];
    try {
      out = k8sManifests(base);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    for (const f of out)
      for (const value of Object.values(secrets))
        assert.ok(!f.content.includes(value), `${value} in ${f.name}`);
    const c = containerOf(manifest<IJob>(out, 'job.yaml'));
    assert.deepEqual(c.envFrom, [{ secretRef: { name: K8S_SECRET } }]);
    assert.equal(c.env, undefined, 'no inline environment values');
    assert.match(
      file(out, 'job.yaml'),
      /# .*kubectl create secret generic glance-harness-openrc --from-env-file=openrc\.env/,
    );
    assert.equal(containerOf(merge).envFrom, undefined, 'the merge reads files only: no credentials');
    assert.throws(
      () => k8sManifests({ ...base, loadArgs: ['--os-password', secrets.OS_PASSWORD] }),
      (e: unknown) => e instanceof UsageError && !e.message.includes(secrets.OS_PASSWORD),
    );
  });

  it('refuses flags the manifests set themselves or that carry credentials, and a bad parallelism', () => {
    for (const loadArgs of [
      ['--segment', '1/2'],
      ['--run-id=x'],
      ['--emit', 'k8s'],
      ['--reports-dir', '/tmp/x'],
      ['--os-cloud', 'prod'],
      ['--db', 'mysql://u:p@h/glance'],
    ])
      assert.throws(() => k8sManifests({ ...base, loadArgs }), UsageError, loadArgs.join(' '));
    for (const parallelism of [0, 1001, 2.5])
      assert.throws(() => k8sManifests({ ...base, parallelism }), /--parallelism must be a whole number/);
    assert.throws(() => k8sManifests({ ...base, runId: '../x' }), /run id must be/);
  });

  it('results: one ReadWriteMany claim, mounted at /results by both Jobs; the merge names every segment', () => {
    assert.equal(pvc.metadata?.name, K8S_CLAIM);
    assert.deepEqual(pvc.spec?.accessModes, ['ReadWriteMany']);
    assert.equal(pvc.spec?.resources?.requests?.storage, '1Gi');
    assert.match(file(files, 'job.yaml'), /# .*ReadWriteMany/);
    for (const j of [job, merge]) {
      assert.deepEqual(podOf(j).volumes, [
        { name: 'results', persistentVolumeClaim: { claimName: K8S_CLAIM } },
      ]);
      assert.deepEqual(containerOf(j).volumeMounts, [{ name: 'results', mountPath: '/results' }]);
    }
    assert.equal(merge.spec?.completions, 1);
    assert.equal(merge.spec?.completionMode, undefined);
    const r = runScript(scriptOf(merge), {});
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.argv, [
      'load',
      'merge',
      ...[0, 1, 2, 3].map((i) => `/results/segment-${i}/${base.runId}`),
    ]);
    assert.equal(r.reportsDir, '/results/merged');
    assert.match(
      file(files, 'merge-job.yaml'),
      new RegExp(`# .*kubectl wait --for=condition=complete .*job/${job.metadata?.name}`),
    );
  });

  it('a 200-character run id gives DNS-1123 names of at most 63 characters, room for the pod index, distinct per run', () => {
    const longId = `20261203-101502-a1b2-${'Long_Run.ID-'.repeat(15)}end`;
    assert.ok(longId.length >= 200);
    const names = (runId: string, parallelism: number) => {
      const out = k8sManifests({ ...base, runId, parallelism });
      const j = manifest<IJob>(out, 'job.yaml');
      const m = manifest<IJob>(out, 'merge-job.yaml');
      new Job(j).validate();
      new Job(m).validate();
      return { job: j, merge: m };
    };
    const a = names(longId, 1000);
    for (const j of [a.job, a.merge]) {
      const name = j.metadata?.name ?? '';
      assert.ok(name.length <= 63 && DNS_LABEL.test(name), `Job name "${name}"`);
      assert.ok(DNS_LABEL.test(containerOf(j).name));
      const label = j.metadata?.labels?.['glance-harness/run-id'] ?? '';
      assert.ok(label.length <= 63 && LABEL_VALUE.test(label), `run-id label "${label}"`);
      assert.equal(j.metadata?.annotations?.['glance-harness/run-id'], longId, 'the full id is kept');
    }
    const hostname = `${a.job.metadata?.name}-999`;
    assert.ok(hostname.length <= 63 && DNS_LABEL.test(hostname), `pod hostname "${hostname}"`);
    assert.notEqual(a.merge.metadata?.name, a.job.metadata?.name);
    const b = names(`${longId}2`, 1000);
    assert.notEqual(b.job.metadata?.name, a.job.metadata?.name);
    assert.notEqual(
      b.job.metadata?.labels?.['glance-harness/run-id'],
      a.job.metadata?.labels?.['glance-harness/run-id'],
    );
    assert.equal(
      job.metadata?.name,
      'gh-large-upload-20261203-101502-a1b2',
      'short ids are kept as they are',
    );
    assert.equal(merge.metadata?.name, 'gh-large-upload-20261203-101502-a1b2-merge');
  });

  it('a run id YAML 1.1 would read as a boolean stays a string', () => {
    const j = manifest<IJob>(k8sManifests({ ...base, runId: 'on' }), 'job.yaml');
    assert.equal(j.metadata?.labels?.['glance-harness/run-id'], 'on');
    new Job(j).validate();
  });

  it('memoryBytes becomes the memory request and limit in Mi', () => {
    const j = manifest<IJob>(k8sManifests({ ...base, memoryBytes: 5.5 * 2 ** 30 }), 'job.yaml');
    new Job(j).validate();
    assert.deepEqual(containerOf(j).resources, {
      requests: { memory: '5632Mi' },
      limits: { memory: '5632Mi' },
    });
    assert.throws(() => k8sManifests({ ...base, memoryBytes: 0 }), UsageError);
  });

  it('a namespace goes on every object and into the README commands', () => {
    const out = k8sManifests({ ...base, namespace: 'glance-load' });
    for (const name of ['job.yaml', 'merge-job.yaml', 'pvc.yaml'])
      assert.equal(manifest<IJob>(out, name).metadata?.namespace, 'glance-load', name);
    assert.match(file(out, 'README.md'), /kubectl --namespace glance-load create secret generic/);
    assert.throws(() => k8sManifests({ ...base, namespace: 'Glance_Load' }), /namespace must be/);
  });

  it('Containerfile: node 20 slim, production dependencies, folders that exist, the bin entry on PATH, a numeric user', () => {
    const cf = file(files, 'Containerfile');
    assert.match(cf, /^FROM docker\.io\/library\/node:20-bookworm-slim$/m);
    assert.match(cf, /^COPY package\.json package-lock\.json \.\/$/m);
    assert.match(cf, /^RUN npm ci --omit=dev/m);
    const sources = [...cf.matchAll(/^COPY (\S+) \.\/\S*$/gm)].map((m) => m[1]!);
    assert.deepEqual(sources, ['bin', 'src', 'scenarios', 'schemas', 'suites', 'tsconfig.json']);
    for (const s of sources) assert.ok(existsSync(join(REPO, s)), `${s} is in the repository`);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.bin['glance-harness'], 'bin/glance-harness.js');
    assert.ok(pkg.dependencies.tsx, 'tsx is a runtime dependency: npm ci --omit=dev keeps it');
    assert.match(
      cf,
      /ln -s \/opt\/glance-harness\/bin\/glance-harness\.js \/usr\/local\/bin\/glance-harness/,
    );
    assert.match(cf, /^USER 1000:1000$/m);
  });

  it('README: build, secret, claim, job, wait, merge, summary, cleanup in that order', () => {
    const readme = file(files, 'README.md');
    const steps = [
      'podman build -f',
      `kubectl create secret generic ${K8S_SECRET} --from-env-file=openrc.env`,
      'kubectl apply -f pvc.yaml',
      'kubectl apply -f job.yaml',
      `kubectl wait --for=condition=complete --timeout=24h job/${job.metadata?.name}`,
      'kubectl apply -f merge-job.yaml',
      '/results/merged/<run id>/summary.json',
      `glance-harness cleanup --run-id ${base.runId}`,
    ];
    let at = 0;
    for (const s of steps) {
      const i = readme.indexOf(s, at);
      assert.ok(i >= 0, `"${s}" after position ${at}`);
      at = i;
    }
  });
});
