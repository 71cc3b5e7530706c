import type { AuditEvent, AuditEventEntity, Coding } from 'fhir/r4';
import {
  codeSystems,
  dicomSubtypes,
  entityKinds,
  eventTypes,
  type AuditAction,
} from './audit-codes.ts';
import {
  buildAgents,
  buildSource,
  describeOutcome,
  toOutcomeCode,
  userReference,
  type AuditOutcomeInput,
  type AuditServer,
} from './audit-parts.ts';

interface SecurityKind {
  type: Coding;
  /** The DICOM subtype where one fits; Ward's own kind code is always added beside it. */
  subtype?: Coding;
  action: AuditAction;
}

/**
 * Security events of the authorization server and the session layer. Authentication events
 * follow DICOM "User Authentication" (110114) with Login/Logout subtypes; changes to who may do
 * what are "Security Alert" (110113) with the DICOM subtype that names the change.
 */
const securityKinds = {
  login: { type: eventTypes.userAuthentication, subtype: dicomSubtypes.login, action: 'E' },
  logout: { type: eventTypes.userAuthentication, subtype: dicomSubtypes.logout, action: 'E' },
  'mfa-failure': {
    type: eventTypes.userAuthentication,
    subtype: dicomSubtypes.login,
    action: 'E',
  },
  'session-timeout': {
    type: eventTypes.userAuthentication,
    subtype: dicomSubtypes.logout,
    action: 'E',
  },
  'token-issued': { type: eventTypes.userAuthentication, action: 'E' },
  'token-refreshed': { type: eventTypes.userAuthentication, action: 'E' },
  'token-revoked': { type: eventTypes.userAuthentication, action: 'E' },
  lockout: {
    type: eventTypes.securityAlert,
    subtype: dicomSubtypes.userSecurityAttributesChanged,
    action: 'U',
  },
  'role-change': {
    type: eventTypes.securityAlert,
    subtype: dicomSubtypes.securityRolesChanged,
    action: 'U',
  },
  'break-glass-start': {
    type: eventTypes.securityAlert,
    subtype: dicomSubtypes.emergencyOverrideStarted,
    action: 'E',
  },
  'break-glass-end': {
    type: eventTypes.securityAlert,
    subtype: dicomSubtypes.emergencyOverrideStopped,
    action: 'E',
  },
} as const satisfies Record<string, SecurityKind>;

export type SecurityEventKind = keyof typeof securityKinds;

export interface SecurityAuditInput {
  kind: SecurityEventKind;
  outcome: AuditOutcomeInput;
  /** The user who acted (logged in, changed a role); absent when unknown (unknown user name). */
  userId?: string;
  clientId?: string;
  /** The user acted upon (whose roles changed, who was locked out), when not the actor. */
  subjectUserId?: string;
  address: string;
  recorded: Date;
  server: AuditServer;
}

/**
 * A FHIR R4 AuditEvent for an authorization-server or session event (login, logout, MFA
 * failure, lock-out, token issue, refresh and revocation, inactivity timeout, role change).
 */
export function buildSecurityAuditEvent(input: SecurityAuditInput): AuditEvent {
  const kind: SecurityKind = securityKinds[input.kind];
  const entity: AuditEventEntity[] = [];
  if (input.subjectUserId) {
    entity.push({
      what: userReference(input.subjectUserId),
      type: entityKinds.securityUser.type,
      role: entityKinds.securityUser.role,
    });
  }
  return {
    resourceType: 'AuditEvent',
    type: kind.type,
    subtype: [
      ...(kind.subtype ? [kind.subtype] : []),
      { system: codeSystems.wardSecurityEvent, code: input.kind },
    ],
    action: kind.action,
    recorded: input.recorded.toISOString(),
    outcome: toOutcomeCode(input.outcome.status),
    outcomeDesc: describeOutcome(input.outcome),
    agent: buildAgents(undefined, input.address, input.server, {
      userId: input.userId,
      clientId: input.clientId,
    }),
    source: buildSource(input.server),
    ...(entity.length ? { entity } : {}),
  };
}

/** Whether a security event is a failed attempt to authenticate (breach rule input). */
export function isFailedLogin(input: SecurityAuditInput): boolean {
  return (input.kind === 'login' || input.kind === 'mfa-failure') && input.outcome.status >= 400;
}
