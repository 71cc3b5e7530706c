import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createAccessPolicy } from '../../src/auth/policy.ts';
import type { AccessNarrowing, AccessRequest } from '../../src/auth/policy-types.ts';
import type { ScopeFilter } from '../../src/auth/scope-filter.ts';
import {
  auditEvent,
  categorySystem,
  observation,
  patient,
  roleConfig,
  tokenFor,
} from './policy-fixtures.ts';

/**
 * The permission matrix of the default roles (config/roles.v1.json, shared/HIPAA.md role table):
 * every role × resource kind × interaction × own/other patient, decided by `authorize` on tokens
 * granted the way the authorization server grants them. The patient user's own patient is p1.
 */

const policy = createAccessPolicy(roleConfig, { now: () => new Date('2030-01-01T10:00:00Z') });

const kinds = {
  Patient: (id: string): Resource => patient(id),
  'Observation (vital signs)': (id: string): Resource => observation(id, 'vital-signs'),
  'Observation (laboratory)': (id: string): Resource => observation(id, 'laboratory'),
  AuditEvent: (id: string): Resource => auditEvent(id),
} as const;
type Kind = keyof typeof kinds;

/** Groups of single-resource interactions, by the SMART letter they need. */
const groups = {
  r: ['read', 'vread', 'history'],
  c: ['create'],
  u: ['update', 'patch'],
  d: ['delete'],
} as const;
type Letter = keyof typeof groups;

/** Letters each role holds on each kind, for its own patient (p1) and another (p2). */
const expected: Record<string, Record<Kind, { own: string; other: string }>> = {
  physician: {
    Patient: { own: 'rcud', other: 'rcud' },
    'Observation (vital signs)': { own: 'rcud', other: 'rcud' },
    'Observation (laboratory)': { own: 'rcud', other: 'rcud' },
    AuditEvent: { own: '', other: '' },
  },
  nurse: {
    Patient: { own: 'r', other: 'r' },
    'Observation (vital signs)': { own: 'rcu', other: 'rcu' },
    'Observation (laboratory)': { own: '', other: '' },
    AuditEvent: { own: '', other: '' },
  },
  patient: {
    Patient: { own: 'r', other: '' },
    'Observation (vital signs)': { own: 'r', other: '' },
    'Observation (laboratory)': { own: 'r', other: '' },
    AuditEvent: { own: 'r', other: '' },
  },
  billing: {
    Patient: { own: 'r', other: 'r' },
    'Observation (vital signs)': { own: '', other: '' },
    'Observation (laboratory)': { own: '', other: '' },
    AuditEvent: { own: '', other: '' },
  },
  admin: {
    Patient: { own: '', other: '' },
    'Observation (vital signs)': { own: '', other: '' },
    'Observation (laboratory)': { own: '', other: '' },
    AuditEvent: { own: 'r', other: 'r' },
  },
  compliance: {
    Patient: { own: '', other: '' },
    'Observation (vital signs)': { own: '', other: '' },
    'Observation (laboratory)': { own: '', other: '' },
    AuditEvent: { own: 'r', other: 'r' },
  },
};

function requestFor(interaction: string, resource: Resource): AccessRequest {
  const base = { resourceType: resource.resourceType, id: resource.id };
  switch (interaction) {
    case 'create':
      return { ...base, interaction, resource };
    case 'update':
    case 'patch':
      return { ...base, interaction, resource, previous: resource };
    case 'delete':
      return { ...base, interaction, previous: resource };
    default:
      return { ...base, interaction: interaction as 'read' | 'vread' | 'history', resource };
  }
}

const cells = Object.entries(expected).flatMap(([role, byKind]) =>
  Object.entries(byKind).flatMap(([kind, letters]) =>
    (['own', 'other'] as const).flatMap((whose) =>
      (Object.keys(groups) as Letter[]).flatMap((letter) =>
        groups[letter].map((interaction) => ({
          role,
          kind: kind as Kind,
          whose,
          interaction,
          isAllowed: letters[whose].includes(letter),
        })),
      ),
    ),
  ),
);

describe('default role permission matrix', () => {
  it.each(cells)(
    '$role × $kind ($whose patient) × $interaction → allowed: $isAllowed',
    ({ role, kind, whose, interaction, isAllowed }) => {
      const resource = kinds[kind](whose === 'own' ? 'p1' : 'p2');
      const decision = policy.authorize(tokenFor(role), requestFor(interaction, resource));
      expect(decision.allowed).toBe(isAllowed);
      if (!decision.allowed) expect(decision.reason).not.toMatch(/p1|p2|Testperson/);
    },
  );

  const vitalSigns: ScopeFilter[] = [[['category', `${categorySystem}|vital-signs`]]];
  const own = { compartment: 'Patient/p1', filters: [] };
  const all = { filters: [] };
  const billingMask = [...(roleConfig.fieldMasks.get('billing')?.get('Patient') ?? [])];
  const masked = { filters: [], fieldMask: billingMask };

  /** What searches and type-level history of each type come out as: denied, or their narrowing. */
  const collections: Record<string, Record<string, AccessNarrowing | undefined>> = {
    physician: { Patient: all, Observation: all, AuditEvent: undefined },
    nurse: { Patient: all, Observation: { filters: vitalSigns }, AuditEvent: undefined },
    patient: { Patient: own, Observation: own, AuditEvent: own },
    billing: { Patient: masked, Observation: undefined, AuditEvent: undefined },
    admin: { Patient: undefined, Observation: undefined, AuditEvent: all },
    compliance: { Patient: undefined, Observation: undefined, AuditEvent: all },
  };
  const searches = Object.entries(collections).flatMap(([role, byType]) =>
    Object.entries(byType).flatMap(([resourceType, narrowing]) =>
      (['search', 'history'] as const).map((interaction) => ({
        role,
        resourceType,
        interaction,
        narrowing,
      })),
    ),
  );

  it.each(searches)(
    '$role × $resourceType × $interaction (type level)',
    ({ role, resourceType, interaction, narrowing }) => {
      const decision = policy.authorize(tokenFor(role), { interaction, resourceType });
      if (narrowing === undefined) expect(decision.allowed).toBe(false);
      else expect(decision).toEqual({ allowed: true, narrowing, isBreakGlass: false });
    },
  );
});
