/**
 * Authentication events the login flow reports (HIPAA.md "Audit controls": login, logout,
 * lock-out, timeout). The audit layer turns them into AuditEvents; they carry our own ids and
 * never an e-mail address or any other PHI.
 */
export const securityEventTypes = {
  loginSucceeded: 'login-succeeded',
  loginFailed: 'login-failed',
  mfaFailed: 'mfa-failed',
  lockedOut: 'locked-out',
  logout: 'logout',
  sessionTimedOut: 'session-timed-out',
  sessionEndedByPolicy: 'session-ended-by-policy',
} as const;
export type SecurityEventType = (typeof securityEventTypes)[keyof typeof securityEventTypes];

export interface SecurityEvent {
  type: SecurityEventType;
  at: Date;
  /** Absent when the e-mail matched no user: we do not record what was typed. */
  userId?: string;
  clientId?: string;
  /** Our own short reason code, e.g. `bad-password`, `locked`, `mfa-not-enrolled`. */
  reason?: string;
  /** Sessions ended by the single-session policy. */
  endedSessions?: number;
  sourceIp?: string;
  userAgent?: string;
}

/**
 * Receives security events. It is awaited: when the audit layer cannot record the event the
 * request fails (DESIGN.md "Fail closed").
 */
export type RecordSecurityEvent = (event: SecurityEvent) => Promise<void>;
