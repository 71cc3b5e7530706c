import type { Coding } from 'fhir/r4';

/** Code systems an AuditEvent uses (FHIR R4, DICOM, HL7 v3, IHE BALP). */
export const codeSystems = {
  auditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  networkType: 'http://hl7.org/fhir/network-type',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  balpEntityType: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
  /** Ward's own codes: roles, security-event kinds, breach rules. One prefix, changed here. */
  wardRole: 'urn:ward:codesystem:role',
  wardSecurityEvent: 'urn:ward:codesystem:security-event',
  wardBreachRule: 'urn:ward:codesystem:breach-rule',
  /** Identifier systems for Ward's own user and client ids. */
  wardUser: 'urn:ward:user',
  wardClient: 'urn:ward:client',
  wardDevice: 'urn:ward:device',
} as const;

const coding = (system: string, code: string, display?: string): Coding =>
  display ? { system, code, display } : { system, code };

/** `AuditEvent.type` values. https://hl7.org/fhir/R4/valueset-audit-event-type.html */
export const eventTypes = {
  rest: coding(codeSystems.auditEventType, 'rest', 'Restful Operation'),
  securityAlert: coding(codeSystems.dicom, '110113', 'Security Alert'),
  userAuthentication: coding(codeSystems.dicom, '110114', 'User Authentication'),
} as const;

/** DICOM event type codes used as `AuditEvent.subtype` for security events. */
export const dicomSubtypes = {
  login: coding(codeSystems.dicom, '110122', 'Login'),
  logout: coding(codeSystems.dicom, '110123', 'Logout'),
  emergencyOverrideStarted: coding(codeSystems.dicom, '110127', 'Emergency Override Started'),
  emergencyOverrideStopped: coding(codeSystems.dicom, '110138', 'Emergency Override Stopped'),
  securityRolesChanged: coding(codeSystems.dicom, '110136', 'Security Roles Changed'),
  userSecurityAttributesChanged: coding(
    codeSystems.dicom,
    '110137',
    'User Security Attributes Changed',
  ),
} as const;

/** `AuditEvent.action`. https://hl7.org/fhir/R4/valueset-audit-event-action.html */
export const auditActions = {
  create: 'C',
  read: 'R',
  update: 'U',
  delete: 'D',
  execute: 'E',
} as const;
export type AuditAction = (typeof auditActions)[keyof typeof auditActions];

/** `AuditEvent.outcome`. https://hl7.org/fhir/R4/valueset-audit-event-outcome.html */
export const auditOutcomes = {
  success: '0',
  minorFailure: '4',
  seriousFailure: '8',
  majorFailure: '12',
} as const;
export type AuditOutcomeCode = (typeof auditOutcomes)[keyof typeof auditOutcomes];

/** Agent types of the BALP RESTful patterns (client = source, server = destination). */
export const agentTypes = {
  user: coding(codeSystems.participationType, 'IRCP', 'information recipient'),
  client: coding(codeSystems.dicom, '110153', 'Source Role ID'),
  server: coding(codeSystems.dicom, '110152', 'Destination Role ID'),
  /** The application that detected a security alert (DICOM "Application"). */
  detector: coding(codeSystems.dicom, '110150', 'Application'),
} as const;

/** Entity type and role pairs of the BALP patterns. */
export const entityKinds = {
  patient: {
    type: coding(codeSystems.entityType, '1', 'Person'),
    role: coding(codeSystems.objectRole, '1', 'Patient'),
  },
  resource: {
    type: coding(codeSystems.entityType, '2', 'System Object'),
    role: coding(codeSystems.objectRole, '4', 'Domain Resource'),
  },
  query: {
    type: coding(codeSystems.entityType, '2', 'System Object'),
    role: coding(codeSystems.objectRole, '24', 'Query'),
  },
  securityUser: {
    type: coding(codeSystems.entityType, '1', 'Person'),
    role: coding(codeSystems.objectRole, '11', 'Security User Entity'),
  },
  transaction: {
    type: coding(codeSystems.balpEntityType, 'XrequestId', 'X-Request-Id'),
  },
} as const;

/** Break-glass, as purpose of use and as a security label (http://hl7.org/fhir/R4/security-labels.html). */
export const breakGlass = coding(codeSystems.actReason, 'BTG', 'break the glass');

/** `AuditEvent.source.type`: this server. */
export const applicationServer = coding(codeSystems.sourceType, '4', 'Application Server');
