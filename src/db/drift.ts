// Drift between the images table and the data behind it: active images without a location, missing files.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbSession } from './client.js';
import { type DbFinding, finding } from './findings.js';

export interface DriftFacts {
  readonly activeImages: number;
  readonly activeWithoutLocation: readonly string[];
  /** Active file:// locations whose directory exists here, so the harness runs on the Glance host. */
  readonly fileLocationsChecked: number;
  /** Active file:// locations not checked: their directory is not visible from here. */
  readonly fileLocationsUnchecked: number;
  /** `<image id> <path>` for each missing file. */
  readonly missingFiles: readonly string[];
  readonly findings: readonly DbFinding[];
}

/** The local path of a `file://` location, or undefined when it is not a plain file URL. */
export function fileLocationPath(value: string): string | undefined {
  if (!value.startsWith('file://')) return undefined;
  try {
    return fileURLToPath(value);
  } catch {
    return undefined;
  }
}

/** Whether the file of a location exists, or 'unknown' when its directory is not visible from here. */
export function locationFileState(path: string): 'present' | 'missing' | 'unknown' {
  try {
    accessSync(dirname(path), constants.X_OK);
  } catch {
    return 'unknown';
  }
  try {
    return statSync(path).isFile() ? 'present' : 'missing';
  } catch {
    return 'missing';
  }
}

/** Reads the drift facts; needs the images and image_locations tables. */
export async function readDrift(db: DbSession): Promise<DriftFacts> {
  const schema = `\`${db.spec.database}\``;
  const [count] = await db.select<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM ${schema}.images WHERE deleted = 0 AND status = 'active'`,
  );
  const orphans = await db.select<{ id: string }>(
    `SELECT i.id AS id FROM ${schema}.images i WHERE i.deleted = 0 AND i.status = 'active' AND NOT EXISTS ` +
      `(SELECT 1 FROM ${schema}.image_locations l WHERE l.image_id = i.id AND l.deleted = 0 AND l.status = 'active') ` +
      'ORDER BY i.id',
  );
  const files = await db.select<{ image_id: string; value: string }>(
    `SELECT l.image_id AS image_id, l.value AS value FROM ${schema}.image_locations l ` +
      `JOIN ${schema}.images i ON i.id = l.image_id ` +
      `WHERE l.deleted = 0 AND l.status = 'active' AND i.deleted = 0 AND l.value LIKE 'file://%' ORDER BY l.image_id`,
  );
  let checked = 0;
  let unchecked = 0;
  const missing: string[] = [];
  for (const row of files) {
    const path = fileLocationPath(String(row.value));
    const state = path === undefined ? 'unknown' : locationFileState(path);
    if (state === 'unknown') {
      unchecked++;
      continue;
    }
    checked++;
    if (state === 'missing') missing.push(`${row.image_id} ${path}`);
  }
  const withoutLocation = orphans.map((r) => String(r.id));
  const findings: DbFinding[] = [];
  if (withoutLocation.length > 0) findings.push(finding.activeWithoutLocation(withoutLocation));
  if (missing.length > 0) findings.push(finding.locationFileMissing(missing));
  return {
    activeImages: Number(count?.n ?? 0),
    activeWithoutLocation: withoutLocation,
    fileLocationsChecked: checked,
    fileLocationsUnchecked: unchecked,
    missingFiles: missing,
    findings,
  };
}
