import r4Model from 'fhirpath/fhir-context/r4/index.js';

/**
 * Static type lookups in the R4 model that ships with the `fhirpath` package (generated from the
 * official StructureDefinitions): element path → type, choice elements → their allowed types.
 */

/** FHIR primitive types: JSON property suffixes (`valueDateTime`) with the first letter lowered. */
const primitiveTypes = new Set([
  'base64Binary',
  'boolean',
  'canonical',
  'code',
  'date',
  'dateTime',
  'decimal',
  'id',
  'instant',
  'integer',
  'markdown',
  'oid',
  'positiveInt',
  'string',
  'time',
  'unsignedInt',
  'uri',
  'url',
  'uuid',
  'xhtml',
]);

const path2Type = r4Model.path2Type as Record<string, string | undefined>;
const choiceTypePaths = r4Model.choiceTypePaths as Record<string, string[] | undefined>;
const elsewhere = r4Model.pathsDefinedElsewhere as Record<string, string | undefined>;
const type2Parent = r4Model.type2Parent as Record<string, string | undefined>;

/**
 * Ward's spelling of a type name from any source: the model's `System.String`, FHIRPath's
 * `FHIR.dateTime`, a choice suffix `DateTime`, or a FHIRPath type specifier `Quantity`.
 */
export function normalizeTypeName(name: string): string {
  const bare = name.replace(/^(FHIR|System)\./, '');
  const lowered = bare.charAt(0).toLowerCase() + bare.slice(1);
  return primitiveTypes.has(lowered) ? lowered : bare;
}

/** What one navigation step from an element path leads to. */
export type StepTarget =
  | { kind: 'single'; modelPath: string; type: string }
  | { kind: 'choice'; options: Array<{ jsonKey: string; modelPath: string; type: string }> }
  | { kind: 'unknown' };

/** Resolves `parentPath.name` in the model; `parentPath` is a type name or a backbone path. */
export function resolveStep(parentPath: string, name: string): StepTarget {
  const path = elsewhere[`${parentPath}.${name}`] ?? `${parentPath}.${name}`;

  const choices = choiceTypePaths[path];
  if (choices) {
    const options = choices.map((suffix) => {
      const type = normalizeTypeName(suffix);
      return { jsonKey: name + suffix, modelPath: type, type };
    });
    return { kind: 'choice', options };
  }

  const raw = path2Type[path];
  if (raw === undefined) return { kind: 'unknown' };
  const type = normalizeTypeName(raw);
  const isBackbone = type === 'BackboneElement' || type === 'Element';
  return { kind: 'single', modelPath: isBackbone ? path : type, type };
}

/** True when `type` is `target` or derives from it (e.g. Age is a Quantity). */
export function isTypeOf(type: string, target: string): boolean {
  for (let t: string | undefined = type; t !== undefined; t = type2Parent[t]) {
    if (t === target) return true;
  }
  return false;
}

/** True when the model knows the resource type (so `Type.x` paths can start from it). */
export function isKnownType(name: string): boolean {
  return type2Parent[name] !== undefined;
}
