import { Ajv } from 'ajv';
import { R4_SCHEMA_ID, type PreparedR4Schema } from './r4-schema.ts';

/** The `$id` under which the validator of one resource type is compiled. */
export function toValidatorId(resourceType: string): string {
  return `urn:ward:validator:${resourceType}`;
}

/**
 * One ajv instance holding the prepared R4 definitions, with the options both the build-time
 * generator (`source: true`) and the run-time fallback use, so the two give the same verdicts.
 */
export function createR4Ajv(prepared: PreparedR4Schema, options: { source: boolean }): Ajv {
  return new Ajv({
    // The official schema is draft-06 with keywords ajv's strict mode does not expect.
    strict: false,
    // One issue per problem (capped later); the request body limit bounds the work.
    allErrors: true,
    // Our own wording replaces ajv's messages, so they need not be generated.
    messages: false,
    code: { source: options.source, esm: true },
    // The generator checks the prepared schema against the meta-schema; the run-time fallback,
    // compiling the same schema, skips that ~0.3 s.
    validateSchema: options.source,
    schemas: [{ $id: R4_SCHEMA_ID, definitions: prepared.definitions }],
  });
}

/** Adds the schema that validates one resource type, a `$ref` into the shared definitions. */
export function addTypeSchema(ajv: Ajv, resourceType: string): string {
  const id = toValidatorId(resourceType);
  ajv.addSchema({ $id: id, $ref: `${R4_SCHEMA_ID}#/definitions/${resourceType}` });
  return id;
}
