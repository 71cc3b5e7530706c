import { Ajv } from 'ajv';

/** Role names: lower case words; no leading underscore, so none can shadow `__proto__`. */
const roleName = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' } as const;
const scopeList = {
  type: 'array',
  items: { type: 'string', minLength: 1, maxLength: 1024 },
  uniqueItems: true,
} as const;

/** The shape of `config/roles.v1.json`. Scope syntax is checked after this, by `parseScope`. */
const roleFileSchema = {
  type: 'object',
  required: ['version', 'roles'],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    description: { type: 'string' },
    roles: {
      type: 'object',
      propertyNames: roleName,
      additionalProperties: scopeList,
    },
    fieldMasks: {
      type: 'object',
      propertyNames: roleName,
      additionalProperties: {
        type: 'object',
        propertyNames: { type: 'string', pattern: '^[A-Z][A-Za-z]{0,63}$' },
        additionalProperties: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { type: 'string', pattern: '^[a-z][A-Za-z0-9]{0,63}$' },
        },
      },
    },
    breakGlass: {
      type: 'object',
      required: ['roles', 'scopes'],
      additionalProperties: false,
      properties: {
        roles: { type: 'array', items: roleName, uniqueItems: true },
        scopes: scopeList,
        durationMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
      },
    },
  },
} as const;

/** The file as it is on disk once it passed the schema. */
export interface RoleFile {
  version: 1;
  description?: string;
  roles: Record<string, string[]>;
  fieldMasks?: Record<string, Record<string, string[]>>;
  breakGlass?: { roles: string[]; scopes: string[]; durationMinutes?: number };
}

/** Validator of a parsed role file; its `errors` name paths, never values. */
export const validateRoleFile = new Ajv({ allErrors: true, strict: true }).compile<RoleFile>(
  roleFileSchema,
);
