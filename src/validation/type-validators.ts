import type { Ajv } from 'ajv';
import { generatedValidators, type GeneratedValidator } from './generated/r4-validators.js';
import { addTypeSchema, createR4Ajv } from './r4-ajv.ts';
import { prepareR4Schema, readOfficialR4Schema } from './r4-schema.ts';

// Types outside the generated module (e.g. a contained Organization, a Claim in a transaction)
// compile on first use from the same prepared schema: ~0.5 s once, then milliseconds per type.
const compiled = new Map<string, GeneratedValidator>();
let runtimeAjv: Ajv | undefined;

/**
 * The validator of one R4 resource type: compiled at build time for the types Ward serves,
 * otherwise compiled once on first use. The caller checks that the type exists in the schema.
 */
export function getTypeValidator(resourceType: string): GeneratedValidator {
  if (Object.hasOwn(generatedValidators, resourceType)) {
    const generated = generatedValidators[resourceType];
    if (generated) return generated;
  }

  const cached = compiled.get(resourceType);
  if (cached) return cached;

  runtimeAjv ??= createR4Ajv(prepareR4Schema(readOfficialR4Schema()), { source: false });
  const validator = runtimeAjv.getSchema(addTypeSchema(runtimeAjv, resourceType));
  if (!validator) throw new Error('the R4 schema validator did not compile');
  compiled.set(resourceType, validator);
  return validator;
}
