import { type CliResult, runCli } from '../helpers/cli.js';

export type { CliResult };

/** Runs the CLI with a clean OS_* environment plus `env`. */
export function cli(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  return runCli(args, { cwd, env });
}

/** doctor's first failing line (✘). */
export function firstDoctorFailure(r: CliResult): string | undefined {
  return r.stdout.split('\n').find((l) => l.startsWith('✘'));
}

/** run's first failing line: a FAIL check line (`[n/N t] FAIL …`), or the line saying why no check could run. */
export function firstRunFailure(r: CliResult): string | undefined {
  return r.out
    .split('\n')
    .find((l) => /^(?:\[\d+\/\d+ [\d.]+s\] )?FAIL |^(?:unreachable|auth-refused): |^error: /.test(l));
}

/** The line names the cause as doctor prints it: `cause <id>:` or `cause <id> (confirmed):`. */
export function namesCause(line: string | undefined, id: string): boolean {
  return line !== undefined && (line.includes(`cause ${id}:`) || line.includes(`cause ${id} (`));
}
