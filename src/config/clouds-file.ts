import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Document, Node as YamlNode } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import type { Source } from './types.js';

export type FileKind = 'clouds.yaml' | 'secure.yaml';

/** One setting read from a file: the parsed value, its literal text when it was a scalar, and where it is. */
export interface FileLeaf {
  readonly value: unknown;
  /** Source text of a plain scalar, so `project_id: 0123` stays "0123" rather than 123. */
  readonly text?: string;
  readonly source: Source & { kind: FileKind };
  readonly line?: number;
}

/** A `regions:` item, normalised: `RegionOne` and `{name: RegionOne, values: {...}}` alike. */
export interface RegionDef {
  readonly name: string;
  readonly leaves: ReadonlyMap<string, FileLeaf>;
}

export interface RegionList {
  readonly source: Source & { kind: FileKind };
  readonly regions: readonly RegionDef[];
}

/** A cloud entry flattened to dotted keys (`auth.auth_url`), so clouds and secure merge key by key. */
export interface FlatCloud {
  readonly leaves: Map<string, FileLeaf>;
  regions?: RegionList;
}

export interface LoadedFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly clouds: ReadonlyMap<string, FlatCloud>;
}

const EXTENSIONS = ['yaml', 'yml', 'json'] as const;

/** Directories searched, in order, after any OS_CLIENT_*_FILE: cwd, user config dirs, then the site dir. */
export function searchDirs(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  homeDir: string,
  systemDir: string,
): string[] {
  const dirs = [cwd];
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) dirs.push(join(xdg, 'openstack'));
  dirs.push(join(homeDir, '.config', 'openstack'), systemDir);
  return [...new Set(dirs.map((dir) => resolve(dir)))];
}

/** Every path tried for `clouds` or `secure`, first hit wins. */
export function candidatePaths(
  explicit: string | undefined,
  dirs: readonly string[],
  base: string,
): string[] {
  const paths = explicit === undefined ? [] : [explicit];
  for (const dir of dirs) for (const ext of EXTENSIONS) paths.push(join(dir, `${base}.${ext}`));
  return paths;
}

/** The first of `paths` that is a regular file. */
export function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find(isFile);
}

/** True when `path` exists and is a regular file (not a directory, not missing). */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Read and validate a clouds.yaml or secure.yaml; every problem is a ConfigError naming the file and line. */
export function loadCloudsFile(path: string, kind: FileKind): LoadedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError(`Cannot read ${kind} file ${path}: ${code}`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    // The library's message carries a code frame of the file, which may show a password: keep only the reason.
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.code;
    const pos = first.linePos?.[0];
    const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
    throw new ConfigError(`Cannot parse ${path}${where}: ${reason}`);
  }
  return { path, kind, clouds: readClouds(new FileReader(path, kind, doc, lineCounter)) };
}

class FileReader {
  constructor(
    readonly path: string,
    readonly kind: FileKind,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  lineOf(node: YamlNode | null | undefined): number | undefined {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  fail(node: YamlNode | null | undefined, message: string): ConfigError {
    const line = this.lineOf(node);
    return new ConfigError(`${this.path}${line === undefined ? '' : ` line ${line}`}: ${message}`);
  }

  deref(node: unknown): YamlNode | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as YamlNode | undefined) ?? null;
    return node as YamlNode;
  }

  /** Pairs of a mapping node with string keys; null when the node is empty. */
  entries(node: YamlNode | null, what: string): Array<[string, YamlNode | null, YamlNode | null]> | null {
    if (node === null || (isScalar(node) && node.value === null)) return null;
    if (!isMap(node)) throw this.fail(node, `${what} must be a mapping (got ${describeNode(node)})`);
    return node.items.map((pair) => {
      const keyNode = this.deref(pair.key);
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      return [key, keyNode, this.deref(pair.value)];
    });
  }
}

function describeNode(node: YamlNode): string {
  if (isSeq(node)) return 'a list';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return node.value === null ? 'nothing' : `a ${typeof node.value}`;
  return 'something else';
}

function readClouds(reader: FileReader): Map<string, FlatCloud> {
  const clouds = new Map<string, FlatCloud>();
  const root = reader.entries(reader.deref(reader.doc.contents), 'the top level');
  const cloudsNode = root?.find(([key]) => key === 'clouds')?.[2] ?? null;
  for (const [name, keyNode, entryNode] of reader.entries(cloudsNode, 'clouds') ?? []) {
    const entry = reader.entries(entryNode, `clouds.${name}`);
    if (entry === null)
      throw reader.fail(entryNode ?? keyNode, `clouds.${name} must be a mapping of settings`);
    const cloud: FlatCloud = { leaves: new Map() };
    for (const [key, keyNode2, valueNode] of entry) {
      if (key === 'regions') {
        cloud.regions = readRegions(reader, name, valueNode ?? keyNode2);
      } else if (key === 'auth') {
        const auth = reader.entries(valueNode, `clouds.${name}.auth`) ?? [];
        for (const [authKey, , authValue] of auth)
          flatten(reader, ['auth', authKey], authValue, cloud.leaves, '');
      } else {
        flatten(reader, [key], valueNode, cloud.leaves, '');
      }
    }
    clouds.set(name, cloud);
  }
  return clouds;
}

function readRegions(reader: FileReader, cloud: string, node: YamlNode | null): RegionList {
  const where = `clouds.${cloud}.regions`;
  if (node === null || !isSeq(node)) {
    throw reader.fail(node, `${where} must be a list of region names or {name, values} mappings`);
  }
  const regions = node.items.map((raw, index): RegionDef => {
    const item = reader.deref(raw);
    if (isScalar(item) && (typeof item.value === 'string' || typeof item.value === 'number')) {
      return { name: String(item.value), leaves: new Map() };
    }
    const pairs = isMap(item) ? reader.entries(item, `${where}[${index}]`) : null;
    const nameNode = pairs?.find(([key]) => key === 'name')?.[2];
    if (
      pairs === null ||
      !isScalar(nameNode) ||
      nameNode.value === null ||
      typeof nameNode.value === 'object'
    ) {
      throw reader.fail(item, `${where}[${index}] must be a region name or a mapping with a name`);
    }
    const leaves = new Map<string, FileLeaf>();
    const valuesNode = pairs.find(([key]) => key === 'values')?.[2] ?? null;
    for (const [key, , value] of reader.entries(valuesNode, `${where}[${index}].values`) ?? []) {
      flatten(reader, [key], value, leaves, `regions[${index}].values.`);
    }
    return { name: String(nameNode.value), leaves };
  });
  return { source: { kind: reader.kind, path: reader.path, key: 'regions' }, regions };
}

function flatten(
  reader: FileReader,
  keyPath: string[],
  node: YamlNode | null,
  out: Map<string, FileLeaf>,
  sourcePrefix: string,
): void {
  const key = keyPath.join('.');
  if (isMap(node)) {
    for (const [child, , value] of reader.entries(node, key) ?? []) {
      flatten(reader, [...keyPath, child], value, out, sourcePrefix);
    }
    return;
  }
  if (node === null || (isScalar(node) && (node.value === null || node.value === ''))) return;
  const source = { kind: reader.kind, path: reader.path, key: `${sourcePrefix}${key}` };
  const line = reader.lineOf(node);
  if (isScalar(node)) {
    const text = node.type === 'PLAIN' && typeof node.source === 'string' ? node.source : undefined;
    out.set(key, { value: node.value, ...(text === undefined ? {} : { text }), source, line });
  } else {
    out.set(key, { value: node.toJSON(), source, line });
  }
}

/** Copy of `base` with `over` merged key by key, as secure.yaml merges over clouds.yaml. */
export function mergeClouds(base: FlatCloud | undefined, over: FlatCloud | undefined): FlatCloud {
  const leaves = new Map(base?.leaves ?? []);
  if (over !== undefined) overlay(leaves, over.leaves);
  const regions = over?.regions ?? base?.regions;
  return regions === undefined ? { leaves } : { leaves, regions };
}

/** Put `over` on top of `target`; a value replaces whatever mapping or scalar sat at or under its key. */
export function overlay(target: Map<string, FileLeaf>, over: ReadonlyMap<string, FileLeaf>): void {
  for (const [key, leaf] of over) {
    for (const existing of [...target.keys()]) {
      if (existing.startsWith(`${key}.`) || key.startsWith(`${existing}.`)) target.delete(existing);
    }
    target.set(key, leaf);
  }
}
