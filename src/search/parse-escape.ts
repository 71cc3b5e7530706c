/**
 * Splits a search value at every `separator` not preceded by an escaping backslash. The parts keep
 * their escapes, so a part can be split again at another separator before `unescapeValue`.
 * http://hl7.org/fhir/R4/search.html#escaping
 */
export function splitEscaped(value: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

const escapable = new Set([',', '$', '|', '\\']);

/**
 * Removes the escapes the spec defines (`\,` `\$` `\|` `\\`). Any other backslash is data and
 * stays, so a value never changes meaning by passing through here.
 */
export function unescapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    const next = value[i + 1];
    if (ch === '\\' && next !== undefined && escapable.has(next)) {
      out += next;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}
