import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';


/**
 * Every failure kind Ward answers with, its HTTP status and its FHIR issue code side by side.
 * http://hl7.org/fhir/R4/valueset-issue-type.html
 */
const failures = {
  invalidInput: { status: 400, code: 'invalid' },
  unprocessable: { status: 422, code: 'processing' },
  unauthenticated: { status: 401, code: 'login' },
  forbidden: { status: 403, code: 'forbidden' },
  notFound: { status: 404, code: 'not-found' },
  methodNotAllowed: { status: 405, code: 'not-supported' },
  notAcceptable: { status: 406, code: 'not-supported' },
  conflict: { status: 409, code: 'conflict' },
  gone: { status: 410, code: 'deleted' },
  preconditionFailed: { status: 412, code: 'conflict' },
  tooLarge: { status: 413, code: 'too-costly' },
  unsupportedMediaType: { status: 415, code: 'not-supported' },
  unsupported: { status: 501, code: 'not-supported' },
  unavailable: { status: 503, code: 'transient' },
  internal: { status: 500, code: 'exception' },
} as const;

export type FailureKind = keyof typeof failures;

/** One issue of a failure: our own wording and, where known, the FHIRPath of the element. */
export interface FailureIssue {
  diagnostics: string;
  expression?: string;
  code?: OperationOutcomeIssue['code'];
}

/**
 * The one error class of Ward. `diagnostics` is our own wording: it never quotes resource
 * content, query values or driver messages, because those can be PHI.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly code: OperationOutcomeIssue['code'];
  readonly issues: readonly FailureIssue[];

  constructor(
    readonly kind: FailureKind,
    readonly diagnostics: string,
    options?: ErrorOptions & { issues?: FailureIssue[] },
  ) {
    super(diagnostics, options);
    this.name = 'FhirError';
    this.status = failures[kind].status;
    this.code = failures[kind].code;
    this.issues = options?.issues?.length ? options.issues : [{ diagnostics }];
  }

  toOperationOutcome(): OperationOutcome {
    return {
      resourceType: 'OperationOutcome',
      issue: this.issues.map((issue) => ({
        severity: 'error',
        code: issue.code ?? this.code,
        diagnostics: issue.diagnostics,
        ...(issue.expression ? { expression: [issue.expression] } : {}),
      })),
    };
  }
}

/** An OperationOutcome that reports success or information, e.g. for `Prefer: return=OperationOutcome`. */
export function informationOutcome(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics }],
  };
}
