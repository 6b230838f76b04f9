import { describeError } from './errors.js';
import type { GlanceClient } from './glance/index.js';
import { GLANCE_SCHEMA_NAMES } from './glance/schemas.js';
import { type PinnedFamily, type SchemaRegistry, schemaDrift } from './validate.js';

/** What fetching the target's own schemas found, per schema name. */
export type SchemaFinding =
  | { kind: 'schema-drift'; schema: string; pinned: string; changedKeys: string[] }
  | { kind: 'schema-unavailable'; schema: string; reason: string };

export interface LiveSchemaReport {
  /** Names registered as `live/<name>`. */
  loaded: string[];
  findings: SchemaFinding[];
  /** The served bodies by name, as fetched (handed to the workers in the run context). */
  bodies?: Record<string, Record<string, unknown>>;
}

/**
 * Fetches GET /v2/schemas/<name> for every image-API schema, registers each as `live/<name>`
 * and compares it with the pinned copy. Nothing here throws: an unreachable, refused or
 * uncompilable schema is a finding, and the pinned schema still applies.
 */
export async function loadLiveSchemas(
  glance: GlanceClient,
  reg: SchemaRegistry,
  family: PinnedFamily,
): Promise<LiveSchemaReport> {
  const report: LiveSchemaReport = { loaded: [], findings: [], bodies: {} };
  // Fetched at once: a Glance slow to validate tokens makes ten sequential calls ten times as slow.
  const answers = await Promise.all(
    GLANCE_SCHEMA_NAMES.map((name) =>
      glance.schemas.show(name).then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      ),
    ),
  );
  for (const [i, name] of GLANCE_SCHEMA_NAMES.entries()) {
    let body: Record<string, unknown> | undefined;
    try {
      const answer = answers[i]!;
      if ('err' in answer) throw answer.err;
      const res = answer.res;
      if (res.status !== 200 || typeof res.body !== 'object' || res.body === null) {
        report.findings.push({
          kind: 'schema-unavailable',
          schema: name,
          reason: `GET /v2/schemas/${name} answered ${res.status}${res.body === undefined ? ' without a JSON body' : ''}`,
        });
        continue;
      }
      body = res.body;
      report.bodies![name] = structuredClone(body);
    } catch (err) {
      report.findings.push({ kind: 'schema-unavailable', schema: name, reason: describeError(err) });
      continue;
    }
    try {
      reg.add(`live/${name}`, body);
      report.loaded.push(name);
    } catch (err) {
      report.findings.push({
        kind: 'schema-unavailable',
        schema: name,
        reason: `the served schema does not compile: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    const pinnedKey = `glance/${family}/${name}`;
    const changedKeys = schemaDrift(reg.source(pinnedKey), body);
    if (changedKeys.length > 0) {
      report.findings.push({ kind: 'schema-drift', schema: name, pinned: pinnedKey, changedKeys });
    }
  }
  return report;
}

/**
 * Registers schemas another process fetched and compiled (the run context's), as `live/<name>`;
 * returns the names registered.
 */
export function addLiveSchemas(
  reg: SchemaRegistry,
  bodies: Readonly<Record<string, Record<string, unknown>>>,
): string[] {
  for (const [name, body] of Object.entries(bodies)) reg.add(`live/${name}`, structuredClone(body));
  return Object.keys(bodies);
}

/** "image: +properties.foo, properties.size.type" — one line per finding. */
export function describeFinding(f: SchemaFinding): string {
  if (f.kind === 'schema-unavailable') return `${f.schema}: live schema not used (${f.reason})`;
  const keys = f.changedKeys.slice(0, 20).join(', ');
  const more = f.changedKeys.length > 20 ? ` and ${f.changedKeys.length - 20} more` : '';
  return `${f.schema}: live /v2/schemas/${f.schema} differs from ${f.pinned} at ${keys}${more}`;
}
