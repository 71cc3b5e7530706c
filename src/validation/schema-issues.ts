import type { ErrorObject } from 'ajv';
import type { FailureIssue } from '../fhir/fhir-error.ts';
import { toElementPath, toPointerSegments, toSafeName } from './element-path.ts';

/**
 * Turns ajv's errors into issues in our own words, one per element. Diagnostics name what is
 * wrong with the element, never its value (values are PHI); `expression` names the element.
 */
export function toSchemaIssues(errors: readonly ErrorObject[], prefix: string): FailureIssue[] {
  const byExpression = new Map<string, FailureIssue>();

  for (const error of errors) {
    // `if` only reports that its `else` branch failed; that branch's own errors say why.
    if (error.keyword === 'if') continue;

    const issue = toSchemaIssue(error, prefix);
    if (!byExpression.has(issue.expression)) byExpression.set(issue.expression, issue);
  }
  return [...byExpression.values()];
}

function toSchemaIssue(error: ErrorObject, prefix: string): FailureIssue & { expression: string } {
  const at = toElementPath(prefix, toPointerSegments(error.instancePath));
  const params: Record<string, unknown> = error.params;

  switch (error.keyword) {
    case 'additionalProperties':
      return {
        expression: `${at}.${toSafeName(String(params.additionalProperty))}`,
        diagnostics: 'Unknown element: the R4 definition of this type has no such element',
        code: 'structure',
      };
    case 'required':
      return {
        expression: `${at}.${toSafeName(String(params.missingProperty))}`,
        diagnostics: 'Required element is missing',
        code: 'required',
      };
    case 'type':
      return {
        expression: at,
        diagnostics: `Wrong JSON type: this element must be ${describeType(params.type)}`,
        code: 'structure',
      };
    default:
      return { expression: at, diagnostics: describeValueProblem(error.keyword), code: 'invalid' };
  }
}

function describeType(type: unknown): string {
  const names: Record<string, string> = {
    array: 'an array',
    object: 'an object',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
  };
  return typeof type === 'string' ? (names[type] ?? type) : 'of another type';
}

function describeValueProblem(keyword: string): string {
  switch (keyword) {
    case 'pattern':
      return 'Value does not have the format of its FHIR data type';
    case 'enum':
      return 'Value is not one of the codes this element allows';
    case 'const':
      return 'Value differs from the fixed value this element requires';
    case 'minimum':
    case 'maximum':
      return 'Number is outside the range of its FHIR data type';
    default:
      return 'Element does not conform to the R4 JSON schema';
  }
}
