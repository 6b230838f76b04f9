import { readFileSync } from 'node:fs';
import { describeError, InputError } from '../errors.js';

/** One `key = value` assignment, with the line it starts on (1-based). */
export interface OsloEntry {
  value: string;
  line: number;
}

/** A parsed oslo.config file (glance-api.conf, keystone.conf): sections of keys, repeats kept in order. */
export interface OsloIni {
  readonly path: string;
  readonly sections: ReadonlyMap<string, ReadonlyMap<string, readonly OsloEntry[]>>;
  /** The effective value: the last assignment of the key in the section, as oslo.config reads it. */
  get(section: string, key: string): OsloEntry | undefined;
  /** Every assignment of the key, in file order (multi-valued options). */
  getAll(section: string, key: string): readonly OsloEntry[];
  hasSection(section: string): boolean;
}

/**
 * Parses oslo.config's INI dialect the way oslo_config.iniparser does: `=` or `:` (whichever comes
 * first) separates key from value; `#` and `;` start a comment only at the start of a line (no inline
 * comments); an indented line continues the previous value (joined with a newline); a blank line
 * ends a value; repeated keys are all kept. Errors name the file and the line.
 */
export function parseOsloIni(text: string, path: string): OsloIni {
  const sections = new Map<string, Map<string, OsloEntry[]>>();
  let section: Map<string, OsloEntry[]> | undefined;
  let pending: { key: string; parts: string[]; line: number } | undefined;
  const fail = (line: number, why: string): never => {
    throw new InputError(`${path}:${line}: ${why}`);
  };
  const flush = (): void => {
    if (!pending || !section) return;
    const list = section.get(pending.key) ?? [];
    list.push({ value: unquote(pending.parts.join('\n')), line: pending.line });
    section.set(pending.key, list);
    pending = undefined;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trimEnd();
    if (line === '') {
      flush();
      return;
    }
    const first = line[0] as string;
    if (first === ' ' || first === '\t') {
      if (!pending) {
        if (line.trim().startsWith('#') || line.trim().startsWith(';')) return;
        fail(lineNo, 'continuation line without a key above it');
      }
      pending?.parts.push(line.trim());
      return;
    }
    flush();
    if (first === '[') {
      const m = /^\[([^\]]*)\]\s*$/.exec(line);
      if (!m) fail(lineNo, `malformed section header "${line}"`);
      const name = (m?.[1] ?? '').trim();
      if (name === '') fail(lineNo, 'empty section name');
      section = sections.get(name) ?? new Map<string, OsloEntry[]>();
      sections.set(name, section);
      return;
    }
    if (first === '#' || first === ';') return;
    const at = line.search(/[=:]/);
    if (at < 0) fail(lineNo, `no "=" or ":" in "${line}"`);
    const key = line.slice(0, at).trim();
    if (key === '') fail(lineNo, `empty key in "${line}"`);
    if (!section) fail(lineNo, `"${key}" is outside any [section]`);
    pending = { key, parts: [line.slice(at + 1).trim()], line: lineNo };
  });
  flush();

  return {
    path,
    sections,
    get: (s, k) => sections.get(s)?.get(k)?.at(-1),
    getAll: (s, k) => sections.get(s)?.get(k) ?? [],
    hasSection: (s) => sections.has(s),
  };
}

/** Reads and parses a file; an unreadable file is an InputError naming it. */
export function readOsloIni(path: string): OsloIni {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  return parseOsloIni(text, path);
}

function unquote(value: string): string {
  if (value.length >= 2) {
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q)) return value.slice(1, -1);
  }
  return value;
}
