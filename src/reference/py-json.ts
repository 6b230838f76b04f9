/**
 * Serialisation in the shape Python services put on the wire: `json.dumps` with its default
 * separators (", " and ": ") and ASCII-only output, and `repr()` for the values Glance quotes in
 * its error messages. Clients compare bodies byte for byte against captures, so the spacing
 * matters as much as the content.
 */

/** Python's `json.dumps(value)` with default arguments. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyJsonString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      parts.push(`${pyJsonString(k)}: ${pyJson(v)}`);
    }
    return `{${parts.join(', ')}}`;
  }
  return 'null';
}

function pyJsonString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) =>
    c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python's `repr()` for JSON-like values (str, int, bool, None, list, dict). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') return pyReprString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return String(value);
}

function pyFloat(n: number): string {
  const s = String(n);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's repr as pprint prints it: like repr(), but dict keys sorted. */
function sortedRepr(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedRepr).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${pyReprString(k)}: ${sortedRepr(v)}`).join(', ')}}`;
  }
  return pyRepr(value);
}

/** Python's `pprint.pformat(value, width)` for JSON-like values (dicts sorted, no compact mode). */
export function pyPformat(value: unknown, width = 72): string {
  const out: string[] = [];
  format(value, 0, 0, 0);
  return out.join('');

  function format(obj: unknown, indent: number, allowance: number, level: number): void {
    const rep = sortedRepr(obj);
    if (rep.length > width - indent - allowance) {
      if (Array.isArray(obj) && obj.length > 0) {
        out.push('[');
        items(obj, indent, allowance + 1, level + 1);
        out.push(']');
        return;
      }
      if (typeof obj === 'object' && obj !== null && !Array.isArray(obj)) {
        const entries = Object.entries(obj as Record<string, unknown>).sort(([a], [b]) =>
          a < b ? -1 : a > b ? 1 : 0,
        );
        if (entries.length > 0) {
          out.push('{');
          dictItems(entries, indent, allowance + 1, level + 1);
          out.push('}');
          return;
        }
      }
      if (typeof obj === 'string' && obj.length > 0) {
        str(obj, indent, allowance, level + 1);
        return;
      }
    }
    out.push(rep);
  }

  function dictItems(
    entries: Array<[string, unknown]>,
    indent: number,
    allowance: number,
    level: number,
  ): void {
    const inner = indent + 1;
    entries.forEach(([key, v], i) => {
      const last = i === entries.length - 1;
      const rep = pyReprString(key);
      out.push(rep, ': ');
      format(v, inner + rep.length + 2, last ? allowance : 1, level);
      if (!last) out.push(`,\n${' '.repeat(inner)}`);
    });
  }

  function items(list: unknown[], indent: number, allowance: number, level: number): void {
    const inner = indent + 1;
    list.forEach((v, i) => {
      const last = i === list.length - 1;
      if (i > 0) out.push(`,\n${' '.repeat(inner)}`);
      format(v, inner, last ? allowance : 1, level);
    });
  }

  function str(s: string, indent0: number, allowance0: number, level: number): void {
    let indent = indent0;
    let allowance = allowance0;
    if (level === 1) {
      indent += 1;
      allowance += 1;
    }
    const lines = s.split(/(?<=\n)/);
    const chunks: string[] = [];
    let maxWidth1 = width - indent;
    lines.forEach((line, i) => {
      const rep = pyReprString(line);
      const lastLine = i === lines.length - 1;
      if (lastLine) maxWidth1 -= allowance;
      if (rep.length <= maxWidth1) {
        chunks.push(rep);
        return;
      }
      const parts = line.match(/\S*\s*/g)?.filter((p, j, all) => p !== '' || j < all.length - 1) ?? [];
      let maxWidth2 = width - indent;
      let current = '';
      parts.forEach((part, j) => {
        const candidate = current + part;
        if (j === parts.length - 1 && lastLine) maxWidth2 -= allowance;
        if (pyReprString(candidate).length > maxWidth2) {
          if (current) chunks.push(pyReprString(current));
          current = part;
        } else {
          current = candidate;
        }
      });
      if (current) chunks.push(pyReprString(current));
    });
    if (chunks.length === 1) {
      out.push(pyReprString(s));
      return;
    }
    if (level === 1) out.push('(');
    chunks.forEach((c, i) => {
      if (i > 0) out.push(`\n${' '.repeat(indent)}`);
      out.push(c);
    });
    if (level === 1) out.push(')');
  }
}
