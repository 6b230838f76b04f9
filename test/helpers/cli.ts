// Runs the glance-harness CLI as a user would, for the end-to-end tests: a child process with the
// caller's environment minus every OS_* variable (so the machine's own cloud never leaks in).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReferenceServer } from '../../src/reference/index.js';

export const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  out: string;
  ms: number;
}

export interface CliOptions {
  /** Working directory, also HOME; reports go to <cwd>/reports unless env says otherwise. */
  cwd: string;
  env?: Record<string, string>;
}

/** Starts the CLI; `done` settles when it exits. */
export function spawnCli(
  args: string[],
  opts: CliOptions,
): { child: ChildProcess; done: Promise<CliResult> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: {
      ...clean,
      HOME: opts.cwd,
      GLANCE_HARNESS_REPORTS_DIR: join(opts.cwd, 'reports'),
      ...opts.env,
    },
  });
  let stdout = '';
  let stderr = '';
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    out += d.toString();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, out, ms: Date.now() - started })),
  );
  return { child, done };
}

/** Runs the CLI to its end. */
export function runCli(args: string[], opts: CliOptions): Promise<CliResult> {
  return spawnCli(args, opts).done;
}

/** An openrc's worth of OS_* variables for one of the reference's users (admin by default). */
export function referenceEnv(
  ref: ReferenceServer,
  role: 'admin' | 'member' = 'admin',
): Record<string, string> {
  const user = ref.users.find((u) => u.role === role);
  if (!user) throw new Error(`the reference has no ${role} user`);
  return {
    OS_AUTH_URL: ref.keystoneUrl,
    OS_USERNAME: user.name,
    OS_PASSWORD: user.password,
    OS_PROJECT_NAME: user.project,
    OS_USER_DOMAIN_NAME: user.domain,
    OS_PROJECT_DOMAIN_NAME: user.domain,
    OS_REGION_NAME: 'RegionOne',
  };
}
