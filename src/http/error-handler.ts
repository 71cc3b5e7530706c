import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';

/**
 * Fastify's own failures, by code, as FhirErrors with our wording: its messages can quote
 * the request (a content type, a body fragment), and we never echo client input.
 */
const fastifyFailures: Record<string, () => FhirError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new FhirError('unsupportedMediaType', 'send resources as application/fhir+json'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new FhirError('tooLarge', 'the request body is too large'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new FhirError('invalidInput', 'the request body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => malformedJson(),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    new FhirError('invalidInput', 'the Content-Length does not match the body'),
  FST_ERR_BAD_URL: () => new FhirError('invalidInput', 'the URL is malformed'),
  FST_ERR_ASYNC_CONSTRAINT: () => new FhirError('invalidInput', 'the request is malformed'),
};

/** Turns every failure into an OperationOutcome with a fitting status, 500s included. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure = toFhirError(error);
    if (failure.status >= 500) {
      request.log.error({ err: error, issue: failure.code }, 'request failed');
    } else if (failure !== error) {
      request.log.info({ issue: failure.code, cause: error.code }, 'request refused');
    }
    return sendOutcome(reply, failure);
  });

  app.setNotFoundHandler((request, reply) => {
    return sendOutcome(reply, new FhirError('notFound', 'no such endpoint'));
  });
}

function toFhirError(error: FastifyError): FhirError {
  if (error instanceof FhirError) return error;
  const known = error.code ? fastifyFailures[error.code] : undefined;
  if (known) return known();
  if (error instanceof SyntaxError && error.statusCode === 400) return malformedJson();
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new FhirError('invalidInput', 'the request is malformed');
  }
  return new FhirError('internal', 'internal error');
}

function sendOutcome(reply: FastifyReply, failure: FhirError) {
  reply.request.failureCode = failure.code;
  const outcome = failure.toOperationOutcome();
  if (failure.status >= 500) {
    // The request id lets an operator find the logged cause; the body says nothing more.
    outcome.issue[0]!.diagnostics = `${failure.diagnostics} (request ${reply.request.id})`;
  }
  return reply
    .code(failure.status)
    .type('application/fhir+json; charset=utf-8')
    .send(JSON.stringify(outcome));
}

function malformedJson(): FhirError {
  return new FhirError('invalidInput', 'the request body is not well-formed JSON');
}
