import type { AuditEvent, Observation, Patient } from 'fhir/r4';
import type { AuthContext } from '../../src/auth/auth-context.ts';
import { allowedScopesFor, readRoleConfigFile } from '../../src/auth/roles.ts';
import { intersectScopes } from '../../src/auth/scope-intersect.ts';

/** Synthetic, obviously fake resources for policy tests. */

export const categorySystem = 'http://terminology.hl7.org/CodeSystem/observation-category';

export const roleConfig = readRoleConfigFile();

export function patient(id: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    active: true,
    name: [{ family: 'Testperson', given: ['Zed'] }],
    birthDate: '1970-01-01',
    gender: 'unknown',
    maritalStatus: { text: 'unknown' },
    extension: [{ url: 'http://example.org/fake-race', valueString: 'fake' }],
    contact: [{ name: { family: 'Kin' } }],
  };
}

export function observation(
  patientId: string,
  category: string,
  id = `o-${patientId}`,
): Observation {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [{ coding: [{ system: categorySystem, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: `Patient/${patientId}` },
  };
}

export function auditEvent(patientId: string): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    id: `a-${patientId}`,
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
    recorded: '2030-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Practitioner/d1' }, requestor: true }],
    source: { observer: { reference: 'Device/ward' } },
    entity: [{ what: { reference: `Patient/${patientId}` } }],
  };
}

/**
 * A token for a user of one default role, with the scopes a broad request gets through the role
 * (the way the authorization server grants them), and `p1` as launch patient for patient users.
 */
export function tokenFor(role: string, requested?: string[]): AuthContext {
  const isPatient = role === 'patient';
  const wanted = requested ?? (isPatient ? ['patient/*.cruds'] : ['user/*.cruds']);
  return {
    tokenId: `t-${role}`,
    issuer: 'https://ward.example',
    clientId: 'app',
    user: {
      id: `u-${role}`,
      roles: [role],
      fhirUser: isPatient ? 'Patient/p1' : 'Practitioner/d1',
    },
    scopes: intersectScopes(wanted, allowedScopesFor(roleConfig, [role])),
    ...(isPatient ? { patient: 'p1' } : {}),
  };
}
