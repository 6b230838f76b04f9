import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * k6 is the operator's own engine: AGPL-3.0, a separate program, none of its code in this project.
 * The harness never fetches or builds it; it finds the one the operator installed.
 */
export const K6_HOW_TO_GET =
  "install a k6 release from Grafana's own k6 releases (grafana/k6 on GitHub), then put it on PATH or set K6_BIN";
/** `.ts`/`.js` scenarios with top-level await and k6/experimental/fs need at least this. */
const MIN_MAJOR_MINOR: readonly [number, number] = [0, 57];

export interface K6Binary {
  path: string;
  /** e.g. "v1.8.1" */
  version: string;
  /** Where it was found: K6_BIN, PATH or the Go bin directory. */
  source: 'K6_BIN' | 'PATH' | 'GOPATH';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Candidate k6 paths in order: K6_BIN, then PATH, then `$(go env GOPATH)/bin`, then ~/go/bin. */
export function k6Candidates(
  env: NodeJS.ProcessEnv,
  homeDir: string,
): Array<{ path: string; source: K6Binary['source'] }> {
  if (env.K6_BIN) return [{ path: env.K6_BIN, source: 'K6_BIN' }];
  const out: Array<{ path: string; source: K6Binary['source'] }> = [];
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
    out.push({ path: join(dir, 'k6'), source: 'PATH' });
  const gopaths = [env.GOPATH, goEnvGopath(env), join(homeDir, 'go')].filter((p): p is string => Boolean(p));
  for (const gp of gopaths)
    for (const dir of gp.split(delimiter)) out.push({ path: join(dir, 'bin', 'k6'), source: 'GOPATH' });
  return out;
}

function goEnvGopath(env: NodeJS.ProcessEnv): string | undefined {
  for (const go of ['go', '/usr/local/go/bin/go']) {
    const r = spawnSync(go, ['env', 'GOPATH'], { encoding: 'utf8', env, timeout: 10_000 });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** Parses `k6 version` output ("k6 v1.8.1 (commit/…, go1.26.8, linux/amd64)"). */
export function parseK6Version(text: string): string | undefined {
  return /\bk6 (v\d+\.\d+\.\d+\S*)/.exec(text)?.[1];
}

/**
 * Finds a usable k6 or throws ConfigError (exit 2) naming the install command.
 * K6_BIN, when set, is the only candidate: a wrong K6_BIN is an error, never silently bypassed.
 */
export function findK6(env: NodeJS.ProcessEnv, homeDir: string): K6Binary {
  const tried: string[] = [];
  for (const c of k6Candidates(env, homeDir)) {
    if (!executable(c.path)) {
      if (c.source === 'K6_BIN') tried.push(c.path);
      continue;
    }
    const r = spawnSync(c.path, ['version'], { encoding: 'utf8', timeout: 20_000 });
    const version = parseK6Version(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    if (r.status !== 0 || !version) {
      throw new ConfigError(
        `${c.path} (from ${c.source}) is not a working k6: \`k6 version\` exited ${r.status ?? r.error?.message}`,
      );
    }
    const [maj, min] = version.slice(1).split('.').map(Number) as [number, number];
    if (maj < MIN_MAJOR_MINOR[0] || (maj === MIN_MAJOR_MINOR[0] && min < MIN_MAJOR_MINOR[1])) {
      throw new ConfigError(`k6 ${version} at ${c.path} is too old (need v0.57 or later); ${K6_HOW_TO_GET}`);
    }
    return { path: c.path, version, source: c.source };
  }
  const where = env.K6_BIN
    ? `K6_BIN=${env.K6_BIN} is not an executable file`
    : 'k6 is not on PATH, K6_BIN is unset and it is not in the Go bin directory';
  throw new ConfigError(`${where}: ${K6_HOW_TO_GET}`);
}
