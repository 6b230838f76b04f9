import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/** Root of the schemas/ folder shipped with the harness. */
export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

/** Release families with pinned Glance schemas under schemas/glance/<family>/. */
export const PINNED_FAMILIES = ['zed'] as const;
export type PinnedFamily = (typeof PINNED_FAMILIES)[number];

/** Keywords Glance's served schemas carry that are not JSON Schema. */
const GLANCE_KEYWORDS = ['is_base', 'links', 'name'];

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
 * pinned Glance schemas per release (schemas/glance/<family>, keyed `glance/<family>/<name>`),
 * then live schemas fetched from the target (keyed `live/<name>`).
 */
export class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly dir: string = SCHEMAS_DIR) {
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
    for (const family of PINNED_FAMILIES) this.loadPinned(family);
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
      this.add(`glance/${family}/${name}`, JSON.parse(readFileSync(join(dir, file), 'utf8')));
    }
  }

  /** Registers and compiles a schema under a key (a live schema replaces an older one). */
  add(key: string, schema: Record<string, unknown>): void {
    const { $id: _ignored, ...body } = schema;
    this.compiled.set(key, this.ajv.compile(body));
  }

  has(key: string): boolean {
    return this.compiled.has(key);
  }

  keys(): string[] {
    return [...this.compiled.keys()];
  }

  /** Validates data against a registered schema; an unknown key is a programming error. */
  validate(key: string, data: unknown): ValidationResult {
    const fn = this.compiled.get(key);
    if (!fn) throw new Error(`No schema registered as "${key}" (have: ${this.keys().join(', ')})`);
    const valid = fn(data) as boolean;
    return { valid, errors: valid ? [] : formatErrors(fn.errors ?? []) };
  }
}

function formatErrors(errors: readonly ErrorObject[]): string[] {
  return errors.map((e) => {
    const path = e.instancePath || '/';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})`
          : '';
    return `${path} ${e.message ?? e.keyword}${extra}`;
  });
}

let shared: SchemaRegistry | undefined;

/** The process-wide registry. */
export function schemas(): SchemaRegistry {
  shared ??= new SchemaRegistry();
  return shared;
}
