import type { AuditServer } from '../audit/audit-parts.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { RecordBreakGlassEvent } from './break-glass-route.ts';

/**
 * Emergency-access attempts as durable Security Alert AuditEvents (`break-glass-start`, DICOM
 * "Emergency Override Started"), granted or refused; the status says which.
 */
export function auditBreakGlassEvents(
  trail: AuditTrail,
  server: AuditServer,
): RecordBreakGlassEvent {
  return async (event) => {
    await trail.recordSecurity({
      kind: 'break-glass-start',
      outcome: { status: event.status },
      userId: event.userId,
      clientId: event.clientId,
      address: event.address,
      recorded: event.at,
      server,
    });
  };
}
