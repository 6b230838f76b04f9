import { spawnSync } from 'node:child_process';

/** True when `qemu-img` runs (Debian: qemu-utils). */
export const hasQemuImg: boolean = spawnSync('qemu-img', ['--version'], { encoding: 'utf8' }).status === 0;

export interface QemuResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `qemu-img <args>` and returns its exit status and output. */
export function qemuImg(...args: string[]): QemuResult {
  const res = spawnSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Runs `qemu-img <args> --output=json`, failing with its stderr unless it exits 0. */
export function qemuImgJson<T>(...args: string[]): T {
  const res = qemuImg(...args, '--output=json');
  if (res.status !== 0)
    throw new Error(`qemu-img ${args.join(' ')} exited ${res.status}: ${res.stderr.trim()}`);
  return JSON.parse(res.stdout) as T;
}
