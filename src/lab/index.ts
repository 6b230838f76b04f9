// The Glance lab: a real Glance from Debian packages on 127.0.0.1 (src/lab/lab.sh), with faults on demand.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDir } from '../config/lab.js';

/** Absolute path of lab.sh, found next to this module. */
export const LAB_SCRIPT = fileURLToPath(new URL('./lab.sh', import.meta.url));

export { DEFAULT_LAB_DIR, LAB_DIR_ENV } from '../config/lab.js';

/** Where the lab's services listen; all loopback, fixed by lab.sh. */
export const LAB_ENDPOINTS = {
  keystone: 'http://127.0.0.1:5000/v3',
  glance: 'http://127.0.0.1:9292',
  proxy: 'http://127.0.0.1:8080',
  /** Only after `lab up --with-horizon`. */
  horizon: 'http://127.0.0.1:8081',
} as const;

/** Environment variable that puts the lab's Horizon in `direct` upload mode (default `legacy`). */
export const LAB_HORIZON_UPLOAD_MODE_ENV = 'GLANCE_HARNESS_LAB_HORIZON_UPLOAD_MODE';

/** Cloud names in the lab's clouds.yaml. */
export const LAB_CLOUDS = {
  admin: 'glance-lab-admin',
  demo: 'glance-lab-demo',
  proxyAdmin: 'glance-lab-proxy-admin',
} as const;

/**
 * The newest-release lab (`lab up --release newest`, src/lab/newest.sh): Glance from PyPI under uwsgi,
 * using the Zed lab's MariaDB and Keystone. The catalog's image endpoint stays the Zed lab's; its client
 * files reach `glance` through OS_IMAGE_ENDPOINT_OVERRIDE / image_endpoint_override.
 */
export const NEWEST_LAB = {
  glanceVersion: '33.0.0',
  glance: 'http://127.0.0.1:9293',
  /** GLANCE_HARNESS_NEWEST_LAB_DIR moves it (newest.sh reads the same variable). */
  dir: '/var/lib/glance-harness/lab-newest',
  clouds: { admin: 'glance-newest-admin', member: 'glance-newest-member', reader: 'glance-newest-reader' },
  openrc: { admin: 'openrc-newest-admin', member: 'openrc-newest-member', reader: 'openrc-newest-reader' },
} as const;

/** Faults `lab break` injects, in the order `lab.sh faults` prints them. */
export const LAB_FAULTS = [
  'db-not-synced',
  'db-down',
  'keystone-service-password-wrong',
  'keystone-down',
  'auth-disabled',
  'glance-down',
  'store-unwritable',
  'store-removed',
  'store-full',
  'store-mount-lost',
  'proxy-body-limit',
  'swift-unmounted',
  'db-half-migrated',
  'catalog-wrong-port',
  'store-data-lost',
  'image-size-cap',
  'store-small',
] as const;
export type LabFault = (typeof LAB_FAULTS)[number];

/** Files of a lab state directory that other commands read. */
export interface LabPaths {
  readonly dir: string;
  readonly openrcAdmin: string;
  readonly openrcDemo: string;
  readonly cloudsYaml: string;
  /** `mysql://glance_harness_ro:…@127.0.0.1:3306/glance`, SELECT on the glance schema only. */
  readonly dbReadonlyUrl: string;
  /** Glance's file store (`[fs] filesystem_store_datadir`). */
  readonly store: string;
  readonly logs: string;
  /** Name of the active fault, absent when none. */
  readonly fault: string;
}

/**
 * Paths of the lab's state. `dir` defaults to GLANCE_HARNESS_LAB_DIR, then /var/lib/glance-harness/lab,
 * the same rule lab.sh applies.
 */
export function labPaths(dir: string = labDir()): LabPaths {
  const root = path.resolve(dir);
  return Object.freeze({
    dir: root,
    openrcAdmin: path.join(root, 'openrc-admin'),
    openrcDemo: path.join(root, 'openrc-demo'),
    cloudsYaml: path.join(root, 'clouds.yaml'),
    dbReadonlyUrl: path.join(root, 'db-readonly.url'),
    store: path.join(root, 'store'),
    logs: path.join(root, 'logs'),
    fault: path.join(root, 'fault'),
  });
}

/**
 * Runs `lab.sh <args>` with the terminal attached and resolves to its exit code: 0 ok, 1 failed or
 * unhealthy, 2 not Debian or not root, 64 usage; 128+n when killed by signal n.
 */
export function runLab(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', [LAB_SCRIPT, ...args], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(exitCodeOf(code, signal)));
  });
}

/** What a captured lab.sh run printed. */
export interface LabRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lab.sh <args>` with its output captured instead of shown (tests, reports). */
export function runLabCaptured(args: readonly string[]): Promise<LabRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', [LAB_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({
        code: exitCodeOf(code, signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}
