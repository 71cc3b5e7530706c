import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';

/**
 * Allow-listed log serializers (STYLE.md, "Logging"). The raw URL is never logged: the query
 * string of a FHIR search is patient data, and so may be a client-chosen id in the path.
 */
export const logSerializers = {
  req: (req: FastifyRequest) => ({
    id: req.id,
    method: req.method,
    route: req.routeOptions?.url ?? '(no route)',
  }),
  res: (reply: Pick<FastifyReply, 'statusCode'>) => ({ statusCode: reply.statusCode }),
  // Driver and jose messages can quote stored values or token claims: keep only what we minted.
  err: (err: Error & { code?: unknown }) => ({
    type: err.name,
    message: err instanceof FhirError ? err.message : '(omitted: may quote data)',
    code: typeof err.code === 'string' || typeof err.code === 'number' ? err.code : undefined,
    stack: stripMessage(err) ?? '',
  }),
};

/** The stack without its first line, which repeats the (possibly value-bearing) message. */
function stripMessage(err: Error): string | undefined {
  return err.stack?.split('\n').slice(1).join('\n');
}

/** Second net behind the serializers: paths that must never reach a log line. */
export const logRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.url',
  'req.query',
  'req.body',
];
