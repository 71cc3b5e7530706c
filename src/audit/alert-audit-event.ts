import type { AuditEvent } from 'fhir/r4';
import { agentTypes, codeSystems, entityKinds, eventTypes } from './audit-codes.ts';
import { buildSource, userReference, type AuditServer } from './audit-parts.ts';
import type { BreachFinding } from './breach-finding.ts';

/**
 * A DICOM "Security Alert" (110113) AuditEvent for a breach finding: the rule as subtype, the
 * user concerned as agent and as security-user entity, the severity and counts as entity
 * details, this server as the detecting application. Outcome is success: the detection worked;
 * the finding itself is in the subtype and the description.
 */
export function buildAlertAuditEvent(finding: BreachFinding, server: AuditServer): AuditEvent {
  const details = [
    { type: 'severity', valueString: finding.severity },
    { type: 'finding', valueString: finding.id },
    ...(finding.count !== undefined ? [{ type: 'count', valueString: String(finding.count) }] : []),
    ...(finding.threshold !== undefined
      ? [{ type: 'threshold', valueString: String(finding.threshold) }]
      : []),
  ];
  return {
    resourceType: 'AuditEvent',
    type: eventTypes.securityAlert,
    subtype: [{ system: codeSystems.wardBreachRule, code: finding.rule }],
    action: 'E',
    recorded: finding.detectedAt.toISOString(),
    outcome: '0',
    outcomeDesc: finding.description,
    agent: [
      {
        type: { coding: [agentTypes.detector] },
        who: { identifier: { system: codeSystems.wardDevice, value: server.observer } },
        requestor: false,
      },
      { type: { coding: [agentTypes.user] }, who: userReference(finding.userId), requestor: false },
    ],
    source: buildSource(server),
    entity: [
      {
        what: userReference(finding.userId),
        type: entityKinds.securityUser.type,
        role: entityKinds.securityUser.role,
        detail: details,
      },
    ],
  };
}
