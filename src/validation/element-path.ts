/**
 * Turns a JSON location inside a resource into a FHIRPath-style element expression with indexes,
 * e.g. `/name/0/given/1` under `Patient` into `Patient.name[0].given[1]`. A primitive's extension
 * holder `_birthDate` is named by its element, `Patient.birthDate`, as FHIRPath does.
 * http://hl7.org/fhirpath/N1/#paths-and-polymorphic-items
 */
export function toElementPath(prefix: string, segments: readonly (string | number)[]): string {
  let path = prefix;
  for (const segment of segments) {
    path += isIndex(segment) ? `[${segment}]` : `.${toElementName(String(segment))}`;
  }
  return path;
}

/** Splits an RFC 6901 JSON pointer (as ajv reports `instancePath`) into its segments. */
export function toPointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * A property name the client sent, fit to quote in an issue. Names are not PHI (values are), but
 * an unknown key is arbitrary text, so it is cut short and limited to the characters of FHIR
 * element names.
 */
export function toSafeName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, '?');
  return cleaned.length > 64 ? `${cleaned.slice(0, 64)}…` : cleaned;
}

function toElementName(segment: string): string {
  return toSafeName(segment.startsWith('_') ? segment.slice(1) : segment);
}

// FHIR element names never consist of digits alone, so such a segment is an array index.
function isIndex(segment: string | number): boolean {
  return typeof segment === 'number' || /^\d+$/.test(segment);
}
