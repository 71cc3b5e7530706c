import type { FastifyRequest } from 'fastify';

export type ReturnPreference = 'minimal' | 'representation' | 'OperationOutcome';

/** The `return` preference of a write (http://hl7.org/fhir/R4/http.html#ops); default representation. */
export function readReturnPreference(request: FastifyRequest): ReturnPreference {
  const match = /(?:^|[,;\s])return=(minimal|representation|OperationOutcome)\b/.exec(
    preferHeader(request),
  );
  return (match?.[1] as ReturnPreference | undefined) ?? 'representation';
}

/** `Prefer: handling=strict` asks for unknown search parameters to be errors. */
export function isStrictHandling(request: FastifyRequest): boolean {
  return /(?:^|[,;\s])handling=strict\b/.test(preferHeader(request));
}

function preferHeader(request: FastifyRequest): string {
  const value = request.headers.prefer;
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
