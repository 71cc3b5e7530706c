/**
 * The part of a pino / Fastify logger the audit modules use. Fields are our own ids, counts and
 * codes; never an event's content.
 */
export interface AuditLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
