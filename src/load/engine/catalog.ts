// Where the scenarios are: one `.ts` file each directly under scenarios/, and their k6 scripts under
// scenarios/k6/. The CLI finds and loads them here; nothing else names one.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../../errors.js';
import { ROOT } from '../../run/run.js';
import type { Scenario } from './scenario.js';

export const SCENARIOS_DIR = join(ROOT, 'scenarios');
/** k6 scripts of the same scenarios, for `--engine k6` (valid k6 scripts that also run by hand). */
export const K6_SCENARIOS_DIR = join(SCENARIOS_DIR, 'k6');

/** Scenario names: the `.ts` files directly under scenarios/. */
export function listScenarios(dir = SCENARIOS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function scenarioPath(name: string, dir = SCENARIOS_DIR): string {
  return join(dir, `${name}.ts`);
}

/** Loads scenarios/<name>.ts; an unknown name is a usage error listing the known ones. */
export async function loadScenario(name: string, dir = SCENARIOS_DIR): Promise<Scenario> {
  const known = listScenarios(dir);
  if (!known.includes(name)) throw new UsageError(`unknown scenario "${name}" (known: ${known.join(', ')})`);
  return importScenario(scenarioPath(name, dir));
}

/**
 * A scenario by name (scenarios/<name>.ts) or by the path of an operator's own file: the file is the
 * whole scenario, wherever it lives. It is an ES module: `*.mts`, or `*.ts` below a package.json of
 * type module.
 */
export async function resolveScenario(arg: string): Promise<{ scenario: Scenario; path: string }> {
  if (!/\.m?ts$/.test(arg)) return { scenario: await loadScenario(arg), path: scenarioPath(arg) };
  const path = resolve(arg);
  if (!existsSync(path)) throw new UsageError(`scenario file ${path} does not exist`);
  return { scenario: await importScenario(path), path };
}

export async function importScenario(path: string): Promise<Scenario> {
  const mod = (await import(pathToFileURL(path).href)) as { default?: Scenario };
  const s = mod.default;
  if (!s || typeof s.iteration !== 'function' || typeof s.profile !== 'function')
    throw new UsageError(`${path} does not default-export defineScenario({...})`);
  return s;
}

/** The k6 script of a scenario, when it has one. */
export function k6ScriptOf(name: string): string | undefined {
  const path = join(K6_SCENARIOS_DIR, `${name}.js`);
  return existsSync(path) ? path : undefined;
}
