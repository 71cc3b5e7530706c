import type { Resource } from 'fhir/r4';
import { FhirError, type FailureIssue } from '../fhir/fhir-error.ts';
import { toElementPath } from './element-path.ts';
import { findEmptyElements } from './empty-elements.ts';
import { resourceTypes } from './generated/r4-validators.js';
import { isJsonObject } from './json-object.ts';
import { findNestedResources } from './nested-resources.ts';
import { toSchemaIssues } from './schema-issues.ts';
import { getTypeValidator } from './type-validators.ts';

// Enough to fix a resource in one round trip without answering a hostile body with a huge outcome.
const maxIssues = 20;

const knownTypes: ReadonlySet<string> = new Set(resourceTypes);

// http://hl7.org/fhir/R4/datatypes.html#id
const fhirIdPattern = /^[A-Za-z0-9\-.]{1,64}$/;

/** Whether `id` follows the FHIR id rule: 1 to 64 letters, digits, `-` or `.`. */
export function isValidFhirId(id: string): boolean {
  return fhirIdPattern.test(id);
}

/**
 * Whether the R4 JSON schema defines `type` as a resource type. Any R4 type passes, not only the
 * ones Ward serves: the REST layer tells "unknown type" from "type not served here".
 */
export function isSupportedResourceType(type: string): boolean {
  return knownTypes.has(type);
}

/**
 * Checks a parsed request body before it is stored: a JSON object of type `expectedType` that
 * conforms to the official R4 JSON schema (unknown elements included), has a valid id if any, and
 * has no empty or null elements. Nested resources (contained, Bundle entries) are checked against
 * their own types.
 *
 * @throws FhirError `invalidInput` (400) with one issue per problem, at most 20, each naming the
 *   element in `expression` (e.g. `Patient.name[0].given[1]`) and never quoting its value;
 *   `notFound` (404) when `expectedType` is not an R4 resource type.
 */
export function validateResource(
  resource: unknown,
  expectedType: string,
): asserts resource is Resource {
  if (!isSupportedResourceType(expectedType)) {
    throw new FhirError('notFound', 'Unknown resource type');
  }
  if (!isJsonObject(resource)) {
    const diagnostics = 'The body must be a JSON object holding one resource';
    throw new FhirError('invalidInput', diagnostics, {
      issues: [{ diagnostics, code: 'structure' }],
    });
  }
  checkResourceType(resource, expectedType);

  const issues = [...checkId(resource, expectedType), ...findEmptyElements(resource, expectedType)];
  const found = new Set(issues.map((issue) => issue.expression));
  for (const issue of checkSchema(resource, expectedType)) {
    if (!found.has(issue.expression)) issues.push(issue);
  }
  if (issues.length > 0) throw toValidationError(issues);
}

function checkResourceType(resource: Record<string, unknown>, expectedType: string): void {
  const expression = `${expectedType}.resourceType`;
  if (typeof resource.resourceType !== 'string') {
    const diagnostics = 'The resource has no resourceType';
    throw new FhirError('invalidInput', diagnostics, {
      issues: [{ diagnostics, expression, code: 'required' }],
    });
  }
  if (resource.resourceType !== expectedType) {
    const diagnostics = 'The resourceType does not match the resource type of the request';
    throw new FhirError('invalidInput', diagnostics, {
      issues: [{ diagnostics, expression, code: 'invalid' }],
    });
  }
}

function checkId(resource: Record<string, unknown>, prefix: string): FailureIssue[] {
  if (typeof resource.id !== 'string' || isValidFhirId(resource.id)) return [];
  const diagnostics = 'The id must be 1 to 64 letters, digits, "-" or "."';
  return [{ diagnostics, expression: `${prefix}.id`, code: 'invalid' }];
}

/** Schema issues of `resource`, then, once it is sound, of each resource nested in it. */
function checkSchema(resource: Record<string, unknown>, prefix: string): FailureIssue[] {
  const type = String(resource.resourceType);
  const validate = getTypeValidator(type);
  if (!validate(resource)) return toSchemaIssues(validate.errors ?? [], prefix);

  const issues: FailureIssue[] = [];
  for (const nested of findNestedResources(resource)) {
    const at = toElementPath(prefix, nested.segments);
    if (typeof nested.resourceType === 'string' && isSupportedResourceType(nested.resourceType)) {
      issues.push(...checkSchema(nested.resource, at));
    } else {
      const diagnostics = 'Unknown resource type';
      issues.push({ diagnostics, expression: `${at}.resourceType`, code: 'invalid' });
    }
    if (issues.length >= maxIssues) break;
  }
  return issues;
}

function toValidationError(issues: FailureIssue[]): FhirError {
  const shown = issues.slice(0, maxIssues);
  const count = issues.length > maxIssues ? `more than ${maxIssues}` : String(issues.length);
  const diagnostics = `The resource is not valid FHIR R4 (${count} problems)`;
  return new FhirError('invalidInput', diagnostics, { issues: shown });
}
