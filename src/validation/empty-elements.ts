import type { FailureIssue } from '../fhir/fhir-error.ts';
import { toElementPath } from './element-path.ts';
import { isJsonObject } from './json-object.ts';

// Deeper than any R4 resource needs; stops a hostile body from exhausting the stack.
const maxDepth = 100;

const unalignedNull = 'Null is only allowed where the twin array has a value';

/**
 * Finds what FHIR JSON forbids but the R4 schema lets through: empty strings, arrays and
 * objects, and null anywhere except as the padding of a primitive array and its `_` twin.
 * http://hl7.org/fhir/R4/json.html ("no empty elements", and #primitive for the null padding)
 */
export function findEmptyElements(
  resource: Record<string, unknown>,
  prefix: string,
): FailureIssue[] {
  const issues: FailureIssue[] = [];
  // One stack of path segments, copied only when a problem is reported: this walk runs on every
  // write, so it allocates nothing per element.
  const path: (string | number)[] = [];
  const report = (diagnostics: string): void => {
    issues.push({ diagnostics, expression: toElementPath(prefix, path), code: 'invalid' });
  };

  const visitObject = (node: Record<string, unknown>): void => {
    if (path.length > maxDepth) return report('Element is nested too deeply');

    let isEmpty = true;
    for (const name in node) {
      isEmpty = false;
      const value = node[name];
      path.push(name);
      if (Array.isArray(value)) visitArray(value, node[twinOf(name)]);
      else visitValue(value);
      path.pop();
    }
    if (isEmpty) report('Element is an empty object');
  };

  const visitArray = (items: unknown[], twin: unknown): void => {
    if (items.length === 0) return report('Element is an empty array');

    for (let index = 0; index < items.length; index++) {
      const item = items[index];
      path.push(index);
      if (item !== null) visitValue(item);
      else if (!hasValueAt(twin, index)) report(unalignedNull);
      path.pop();
    }
  };

  const visitValue = (value: unknown): void => {
    if (value === null) return report('Element is null');
    if (value === '') return report('Element is an empty string');
    if (Array.isArray(value)) return visitArray(value, undefined);
    if (isJsonObject(value)) visitObject(value);
  };

  visitObject(resource);
  return issues;
}

/** `given` and `_given` carry a repeating primitive's values and extensions side by side. */
function twinOf(name: string): string {
  return name.charCodeAt(0) === 95 /* _ */ ? name.slice(1) : `_${name}`;
}

function hasValueAt(twin: unknown, index: number): boolean {
  return Array.isArray(twin) && twin[index] !== null && twin[index] !== undefined;
}
