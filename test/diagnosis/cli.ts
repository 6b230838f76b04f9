import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/glance-harness.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI with a clean OS_* environment plus `env`. */
export function cli(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...clean, HOME: cwd, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })),
  );
}

/** doctor's first failing line (✘). */
export function firstDoctorFailure(r: CliResult): string | undefined {
  return r.stdout.split('\n').find((l) => l.startsWith('✘'));
}

/** run's first failing line: a FAIL check line, or the line saying why no check could run. */
export function firstRunFailure(r: CliResult): string | undefined {
  return `${r.stdout}\n${r.stderr}`.split('\n').find((l) => /^\s*FAIL |^unreachable: |^error: /.test(l));
}

/** The line names the cause as doctor prints it: `cause <id>:` or `cause <id> (confirmed):`. */
export function namesCause(line: string | undefined, id: string): boolean {
  return line !== undefined && (line.includes(`cause ${id}:`) || line.includes(`cause ${id} (`));
}
