import type { SecurityEvent } from '../auth/login-events.ts';
import type { TokenEvent } from '../auth/oauth-server.ts';
import type { AuditServer } from './audit-parts.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { SecurityAuditInput, SecurityEventKind } from './security-audit-event.ts';

/** Login-flow events as audit kinds, with the status the event amounts to. */
const loginEvents: Record<SecurityEvent['type'], [SecurityEventKind, number]> = {
  'login-succeeded': ['login', 200],
  'login-failed': ['login', 401],
  'mfa-failed': ['mfa-failure', 401],
  'locked-out': ['lockout', 403],
  logout: ['logout', 200],
  'session-timed-out': ['session-timeout', 200],
  'session-ended-by-policy': ['logout', 200],
};

const tokenEvents: Record<TokenEvent['type'], [SecurityEventKind, number]> = {
  'token-issued': ['token-issued', 200],
  'token-refreshed': ['token-refreshed', 200],
  'refresh-token-reused': ['token-refreshed', 400],
  'token-revoked': ['token-revoked', 200],
  'client-authentication-failed': ['token-issued', 401],
};

/** Receivers for the authorization server's events: each becomes a durable AuditEvent. */
export function auditAuthEvents(trail: AuditTrail, server: AuditServer) {
  const record = (kind: SecurityEventKind, status: number, event: Partial<SecurityAuditInput> & { at: Date }) =>
    trail.recordSecurity({
      kind,
      outcome: { status },
      userId: event.userId,
      clientId: event.clientId,
      address: event.address ?? 'unknown',
      recorded: event.at,
      server,
    });
  return {
    recordSecurityEvent: async (event: SecurityEvent) => {
      const [kind, status] = loginEvents[event.type];
      await record(kind, status, { ...event, address: event.sourceIp });
    },
    recordTokenEvent: async (event: TokenEvent) => {
      const [kind, status] = tokenEvents[event.type];
      await record(kind, status, event);
    },
  };
}
