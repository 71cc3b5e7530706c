import type { AuditEvent, AuditEventAgent, CodeableConcept, Coding } from 'fhir/r4';
import type { AuthContext } from '../auth/auth-context.ts';
import {
  agentTypes,
  applicationServer,
  auditOutcomes,
  breakGlass,
  codeSystems,
  type AuditOutcomeCode,
} from './audit-codes.ts';

/** How an interaction ended: the HTTP status and, on failure, the FHIR issue code. */
export interface AuditOutcomeInput {
  status: number;
  code?: string;
}

/** This server as the audit source (BALP `source.observer`, `source.site`). */
export interface AuditServer {
  /** Identifier of this server instance or deployment, e.g. `ward-prod-1`. */
  observer: string;
  site: string;
}

/**
 * Maps a status to the R4 outcome code: refusals and client errors are minor failures (the
 * request was handled, the action not done), server errors serious, and a failed audit or
 * storage path (503) major.
 */
export function toOutcomeCode(status: number): AuditOutcomeCode {
  if (status < 400) return auditOutcomes.success;
  if (status < 500) return auditOutcomes.minorFailure;
  if (status === 503) return auditOutcomes.majorFailure;
  return auditOutcomes.seriousFailure;
}

/** Our own wording for `outcomeDesc`: status and issue code only, never diagnostics text. */
export function describeOutcome(outcome: AuditOutcomeInput): string {
  if (outcome.status < 400) return `succeeded (HTTP ${outcome.status})`;
  const code = outcome.code ? `, issue ${outcome.code}` : '';
  return `failed (HTTP ${outcome.status}${code})`;
}

/** `who` of a Ward user: the fhirUser reference when known, always our user id. */
export function userReference(userId: string, fhirUser?: string): AuditEventAgent['who'] {
  return {
    ...(fhirUser ? { reference: fhirUser } : {}),
    identifier: { system: codeSystems.wardUser, value: userId },
  };
}

export function clientReference(clientId: string): AuditEventAgent['who'] {
  return { identifier: { system: codeSystems.wardClient, value: clientId } };
}

export function networkOf(address: string): AuditEventAgent['network'] {
  // R4 network-type: 1 machine name, 2 IP address. An address with letters only is a name.
  const isIp = /^[0-9.]+$/.test(address) || address.includes(':');
  return { address, type: isIp ? '2' : '1' };
}

function roleConcepts(roles: readonly string[]): CodeableConcept[] {
  return roles.map((role) => ({ coding: [{ system: codeSystems.wardRole, code: role }] }));
}

/**
 * The agents of a RESTful or security event per BALP: the user (requestor, with roles and
 * the token id as policy), the client application with the caller's network address, and this
 * server as the destination. Without a user (backend services) the client is the requestor.
 */
export function buildAgents(
  auth: AuthContext | undefined,
  address: string,
  server: AuditServer,
  fallback?: { userId?: string; clientId?: string },
): AuditEventAgent[] {
  const agents: AuditEventAgent[] = [];
  const userId = auth?.user?.id ?? fallback?.userId;
  const clientId = auth?.clientId ?? fallback?.clientId;
  if (userId) {
    agents.push({
      type: { coding: [agentTypes.user] },
      who: userReference(userId, auth?.user?.fhirUser),
      ...(auth?.user?.roles.length ? { role: roleConcepts(auth.user.roles) } : {}),
      ...(auth ? { policy: [auth.tokenId] } : {}),
      requestor: true,
    });
  }
  agents.push({
    type: { coding: [agentTypes.client] },
    // No client is known before authentication (a 401): the network address is all there is.
    ...(clientId ? { who: clientReference(clientId) } : {}),
    requestor: !userId,
    network: networkOf(address),
  });
  agents.push({
    type: { coding: [agentTypes.server] },
    who: { identifier: { system: codeSystems.wardDevice, value: server.observer } },
    requestor: false,
  });
  return agents;
}

export function buildSource(server: AuditServer): AuditEvent['source'] {
  return {
    site: server.site,
    observer: { identifier: { system: codeSystems.wardDevice, value: server.observer } },
    type: [applicationServer],
  };
}

/**
 * Purpose of use from the token (`system|code` or a bare v3-ActReason code such as `TREAT`),
 * plus BTG while break-glass is in force.
 */
export function buildPurposeOfEvent(auth: AuthContext | undefined): CodeableConcept[] {
  const purposes: CodeableConcept[] = (auth?.purposeOfUse ?? []).map((value) => {
    const bar = value.lastIndexOf('|');
    const system = bar > 0 ? value.slice(0, bar) : codeSystems.actReason;
    const code = bar >= 0 ? value.slice(bar + 1) : value;
    return { coding: [{ system, code }] };
  });
  if (auth?.breakGlass) purposes.push({ coding: [breakGlass], text: auth.breakGlass.reason });
  return purposes;
}

/** The security labels of an event: BTG marks every event done under break-glass. */
export function buildSecurityLabels(auth: AuthContext | undefined): Coding[] {
  return auth?.breakGlass ? [breakGlass] : [];
}
