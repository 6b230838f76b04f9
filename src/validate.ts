import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Root of the schemas/ folder shipped with the harness. */
export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

/** Release families with pinned Glance schemas under schemas/glance/<family>/. */
export const PINNED_FAMILIES = ['zed', '2026.2'] as const;
export type PinnedFamily = (typeof PINNED_FAMILIES)[number];

/** Keywords Glance's served schemas carry that are not JSON Schema. */
const GLANCE_KEYWORDS = ['is_base', 'links', 'name'];

/** Glance's default `hashing_algorithm`. */
export const DEFAULT_HASH_ALGO = 'sha512';

export interface RegistryOptions {
  /** The target's configured `hashing_algorithm`: the only os_hash_algo the strict image schema accepts. */
  hashAlgo?: string;
}

export interface ValidationResult {
  valid: boolean;
  /** "/size must be integer", one per error, data path first. */
  errors: string[];
}

type FormatsPlugin = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under NodeNext its function sits on the default property.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

/**
 * The one ajv instance, compiled once. Registries, in order: harness schemas (schemas/harness),
 * pinned Glance schemas per release as Glance serves them (schemas/glance/<family>, keyed
 * `glance/<family>/<name>`), the harness's stricter schemas for the same release
 * (schemas/glance/<family>/strict, keyed `glance/<family>/strict/<name>`), then live schemas
 * fetched from the target (keyed `live/<name>`).
 */
export class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Pinned and strict schemas compile on first use: a test worker pays only for what its checks use. */
  private readonly lazy = new Map<string, () => ValidateFunction>();
  private readonly raw = new Map<string, Record<string, unknown>>();
  readonly hashAlgo: string;

  constructor(
    private readonly dir: string = SCHEMAS_DIR,
    options: RegistryOptions = {},
  ) {
    this.hashAlgo = options.hashAlgo ?? DEFAULT_HASH_ALGO;
    this.ajv = new Ajv({
      allErrors: true,
      strictTypes: false,
      strict: 'log',
      logger: false,
      allowUnionTypes: true,
    });
    addFormats(this.ajv);
    this.ajv.addVocabulary(GLANCE_KEYWORDS);
    this.loadHarness();
    for (const family of PINNED_FAMILIES) {
      this.loadPinned(family);
      this.loadStrict(family);
    }
  }

  private loadHarness(): void {
    const dir = join(this.dir, 'harness');
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      this.add(`harness/${basename(file, '.json')}`, JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
  }

  private loadPinned(family: PinnedFamily): void {
    const dir = join(this.dir, 'glance', family);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const name = basename(file, '.json').replace(/^metadefs-/, 'metadefs/');
      const key = `glance/${family}/${name}`;
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      this.raw.set(key, schema);
      this.lazy.set(key, () => {
        const { $id: _ignored, ...body } = schema;
        return this.ajv.compile(body);
      });
    }
  }

  /** Strict schemas reference each other by $id (`image` from `images`), so all are added before compiling. */
  private loadStrict(family: PinnedFamily): void {
    const dir = join(this.dir, 'glance', family, 'strict');
    const keys: string[] = [];
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const key = `glance/${family}/strict/${basename(file, '.json')}`;
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
      if (schema.$id !== key) throw new Error(`${join(dir, file)}: $id must be "${key}"`);
      if (key.endsWith('/image')) pinHashAlgo(schema, this.hashAlgo);
      this.ajv.addSchema(schema);
      this.raw.set(key, schema);
      keys.push(key);
    }
    for (const key of keys) {
      this.lazy.set(key, () => {
        const fn = this.ajv.getSchema(key);
        if (!fn) throw new Error(`strict schema ${key} did not compile`);
        return fn;
      });
    }
  }

  /** Registers and compiles a schema under a key (a live schema replaces an older one). */
  add(key: string, schema: Record<string, unknown>): void {
    const { $id: _ignored, ...body } = schema;
    this.compiled.set(key, this.ajv.compile(body));
    this.lazy.delete(key);
    this.raw.set(key, schema);
  }

  /** The compiled validator of a key, compiling it on first use. */
  private validator(key: string): ValidateFunction | undefined {
    let fn = this.compiled.get(key);
    const make = this.lazy.get(key);
    if (!fn && make) {
      fn = make();
      this.compiled.set(key, fn);
      this.lazy.delete(key);
    }
    return fn;
  }

  /** The schema document registered under a key, as loaded. */
  source(key: string): Record<string, unknown> | undefined {
    return this.raw.get(key);
  }

  has(key: string): boolean {
    return this.compiled.has(key) || this.lazy.has(key);
  }

  keys(): string[] {
    return [...this.compiled.keys(), ...this.lazy.keys()];
  }

  /** Validates data against a registered schema; an unknown key is a programming error. */
  validate(key: string, data: unknown): ValidationResult {
    const fn = this.validator(key);
    if (!fn) throw new Error(`No schema registered as "${key}" (have: ${this.keys().join(', ')})`);
    const valid = fn(data) as boolean;
    return { valid, errors: valid ? [] : formatErrors(fn.errors ?? []) };
  }
}

function pinHashAlgo(schema: Record<string, unknown>, algo: string): void {
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (props?.os_hash_algo) props.os_hash_algo = { ...props.os_hash_algo, enum: [null, algo] };
}

/**
 * The keys (dotted paths) where two schema documents differ: what a target's live
 * /v2/schemas/<name> changed against the pinned copy. Descriptions are compared too, since
 * Glance ships schema changes and their wording together.
 */
export function schemaDrift(pinned: unknown, live: unknown, path = ''): string[] {
  const label = path || '(root)';
  if (Array.isArray(pinned) || Array.isArray(live)) {
    if (!Array.isArray(pinned) || !Array.isArray(live)) return [label];
    const a = pinned.map((v) => JSON.stringify(v));
    const b = live.map((v) => JSON.stringify(v));
    return a.length === b.length && a.every((v, i) => v === b[i]) ? [] : [label];
  }
  if (isObject(pinned) && isObject(live)) {
    const out: string[] = [];
    for (const k of [...new Set([...Object.keys(pinned), ...Object.keys(live)])].sort()) {
      const sub = path ? `${path}.${k}` : k;
      if (!(k in pinned)) out.push(`+${sub}`);
      else if (!(k in live)) out.push(`-${sub}`);
      else out.push(...schemaDrift(pinned[k], live[k], sub));
    }
    return out;
  }
  return pinned === live ? [] : [label];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const path = e.instancePath || '/';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : e.keyword === 'const'
            ? ` (${JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue)})`
            : '';
    return `${path} ${e.message ?? e.keyword}${extra}`;
  });
}

let shared: SchemaRegistry | undefined;

/** The process-wide registry (options apply when it is first built). */
export function schemas(options: RegistryOptions = {}): SchemaRegistry {
  shared ??= new SchemaRegistry(SCHEMAS_DIR, options);
  return shared;
}

/**
 * The keys a response is checked against for `key`: itself, its strict and its live counterpart. A
 * `glance/<family>/<name>` key is read in `family` (the target's release family) when that family
 * pins the schema.
 */
export function schemaSet(
  reg: SchemaRegistry,
  key: string,
  family?: string,
): { pinned?: string; strict?: string; live?: string } {
  const m = /^glance\/([a-z0-9.]+)\/(?!strict\/)(.+)$/.exec(key);
  const moved = m && family ? `glance/${family}/${m[2]}` : key;
  const chosen = reg.has(moved) || reg.has(`glance/${family}/strict/${m?.[2]}`) ? moved : key;
  const n = /^glance\/([a-z0-9.]+)\/(?!strict\/)(.+)$/.exec(chosen);
  const out: { pinned?: string; strict?: string; live?: string } = {};
  if (reg.has(chosen)) out.pinned = chosen;
  if (n) {
    const strict = `glance/${n[1]}/strict/${n[2]}`;
    const live = `live/${n[2]}`;
    if (reg.has(strict)) out.strict = strict;
    if (reg.has(live)) out.live = live;
  }
  return out;
}
