import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-context.ts';
import { createAccessPolicy } from '../../src/auth/policy.ts';
import type { AccessRequest } from '../../src/auth/policy-types.ts';
import { categorySystem, observation, patient, roleConfig, tokenFor } from './policy-fixtures.ts';

const now = new Date('2030-01-01T10:00:00Z');
const policy = createAccessPolicy(roleConfig, { now: () => now });
const vitalSigns = `${categorySystem}|vital-signs`;

const backend = (scopes: string[]): AuthContext => ({
  tokenId: 't-backend',
  issuer: 'https://ward.example',
  clientId: 'hie-partner',
  scopes,
});

describe('authorize', () => {
  describe('with patient/ scopes', () => {
    const auth = tokenFor('patient');

    it('pins searches to the launch patient compartment', () => {
      const decision = policy.authorize(auth, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision).toEqual({
        allowed: true,
        narrowing: { compartment: 'Patient/p1', filters: [] },
        isBreakGlass: false,
      });
    });

    it('prefers the compartments the caller passes over extracting them', () => {
      const request: AccessRequest = {
        interaction: 'read',
        resourceType: 'Observation',
        resource: observation('p2', 'laboratory'),
        compartments: ['Patient/p1'],
      };
      expect(policy.authorize(auth, request).allowed).toBe(true);
    });

    it('refuses patient/ scopes when the token has no launch patient', () => {
      const { patient: _none, ...noPatient } = auth;
      const decision = policy.authorize(noPatient, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision.allowed).toBe(false);
    });

    it('refuses a launch patient that is not a FHIR id', () => {
      const odd = { ...auth, patient: 'p1/../p2' };
      expect(
        policy.authorize(odd, { interaction: 'search', resourceType: 'Patient' }).allowed,
      ).toBe(false);
    });
  });

  describe('with writes', () => {
    const physician = tokenFor('physician', ['patient/Observation.cruds']);
    const inContext = { ...physician, patient: 'p1' };

    it('checks the new version against the compartment', () => {
      const request: AccessRequest = {
        interaction: 'create',
        resourceType: 'Observation',
        resource: observation('p2', 'laboratory'),
      };
      expect(policy.authorize(inContext, request).allowed).toBe(false);
      const own = { ...request, resource: observation('p1', 'laboratory') };
      expect(policy.authorize(inContext, own).allowed).toBe(true);
    });

    it('checks the old version too, so a write cannot move a resource in or out', () => {
      const moveIn: AccessRequest = {
        interaction: 'update',
        resourceType: 'Observation',
        resource: observation('p1', 'laboratory', 'o1'),
        previous: observation('p2', 'laboratory', 'o1'),
      };
      expect(policy.authorize(inContext, moveIn).allowed).toBe(false);
      const moveOut = { ...moveIn, resource: moveIn.previous, previous: moveIn.resource };
      expect(policy.authorize(inContext, moveOut).allowed).toBe(false);
    });

    it('checks the stored version of a delete', () => {
      const request: AccessRequest = {
        interaction: 'delete',
        resourceType: 'Observation',
        previous: observation('p2', 'laboratory'),
      };
      expect(policy.authorize(inContext, request).allowed).toBe(false);
    });

    it('pre-checks a patch on type and action alone, and never skips a version it is given', () => {
      const preCheck: AccessRequest = { interaction: 'patch', resourceType: 'Observation', isPreCheck: true };
      expect(policy.authorize(inContext, preCheck).allowed).toBe(true);
      expect(policy.authorize(tokenFor('physician', ['patient/Observation.rs']), preCheck).allowed).toBe(false);
      const foreign = { ...preCheck, resource: observation('p2', 'laboratory'), previous: observation('p2', 'laboratory') };
      expect(policy.authorize(inContext, foreign).allowed).toBe(false);
    });

    it('refuses a create or update without the body it writes', () => {
      for (const interaction of ['create', 'update', 'patch'] as const) {
        const decision = policy.authorize(inContext, { interaction, resourceType: 'Observation' });
        expect(decision.allowed).toBe(false);
      }
    });

    it('keeps a nurse from turning a lab result into vital signs or back', () => {
      const nurse = tokenFor('nurse');
      const relabel: AccessRequest = {
        interaction: 'update',
        resourceType: 'Observation',
        resource: observation('p1', 'vital-signs', 'o1'),
        previous: observation('p1', 'laboratory', 'o1'),
      };
      expect(policy.authorize(nurse, relabel).allowed).toBe(false);
      const back = { ...relabel, resource: relabel.previous, previous: relabel.resource };
      expect(policy.authorize(nurse, back).allowed).toBe(false);
    });
  });

  describe('with granular scopes', () => {
    it('hands searches the filter and checks single resources against it', () => {
      const nurse = tokenFor('nurse');
      const search = policy.authorize(nurse, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(search).toMatchObject({
        allowed: true,
        narrowing: { filters: [[['category', vitalSigns]]] },
      });
      const lab = {
        interaction: 'read',
        resourceType: 'Observation',
        resource: observation('p1', 'laboratory'),
      } as const;
      expect(policy.authorize(nurse, lab)).toEqual({
        allowed: false,
        reason: 'the resource is outside what the granted scopes allow',
      });
    });

    it('combines several scopes for a type as OR, and a plain one lifts the filter', () => {
      const twoFilters = {
        ...tokenFor('physician'),
        scopes: [`user/Observation.rs?category=${vitalSigns}`, 'user/Observation.rs?status=final'],
      };
      const decision = policy.authorize(twoFilters, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision).toMatchObject({
        narrowing: { filters: [[['category', vitalSigns]], [['status', 'final']]] },
      });
      const plus = { ...twoFilters, scopes: [...twoFilters.scopes, 'user/Observation.s'] };
      expect(
        policy.authorize(plus, { interaction: 'search', resourceType: 'Observation' }),
      ).toMatchObject({
        narrowing: { filters: [] },
      });
    });

    it('grants nothing through a filter it cannot enforce', () => {
      const dated = { ...tokenFor('physician'), scopes: ['user/Observation.rs?date=2030'] };
      const decision = policy.authorize(dated, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision).toEqual({
        allowed: false,
        reason: 'the granted scope filters cannot be enforced on this type',
      });
    });

    it('keeps only the unpinned paths when user/ and patient/ scopes mix', () => {
      const mixed = {
        ...tokenFor('nurse'),
        patient: 'p1',
        scopes: ['patient/Observation.rs', `user/Observation.rs?category=${vitalSigns}`],
      };
      const decision = policy.authorize(mixed, {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision).toMatchObject({ narrowing: { filters: [[['category', vitalSigns]]] } });
      expect(decision.allowed && decision.narrowing.compartment).toBeUndefined();
    });
  });

  describe('with system/ scopes', () => {
    it('serves backend clients without a user', () => {
      const decision = policy.authorize(backend(['system/Observation.rs']), {
        interaction: 'search',
        resourceType: 'Observation',
      });
      expect(decision).toEqual({ allowed: true, narrowing: { filters: [] }, isBreakGlass: false });
    });

    it('never lets a user token act through a system/ scope, nor a backend through user/', () => {
      const user = { ...tokenFor('physician'), scopes: ['system/*.cruds'] };
      expect(
        policy.authorize(user, { interaction: 'search', resourceType: 'Patient' }).allowed,
      ).toBe(false);
      const client = backend(['user/*.cruds']);
      expect(
        policy.authorize(client, { interaction: 'search', resourceType: 'Patient' }).allowed,
      ).toBe(false);
    });
  });

  it('needs r for instance history and s for type history', () => {
    const readOnly = { ...tokenFor('physician'), scopes: ['user/Observation.r'] };
    expect(
      policy.authorize(readOnly, { interaction: 'history', resourceType: 'Observation', id: 'o1' })
        .allowed,
    ).toBe(true);
    expect(
      policy.authorize(readOnly, { interaction: 'history', resourceType: 'Observation' }).allowed,
    ).toBe(false);
  });

  it('refuses a resource whose type is not the requested one', () => {
    const request: AccessRequest = {
      interaction: 'read',
      resourceType: 'Patient',
      resource: observation('p1', 'laboratory'),
    };
    expect(policy.authorize(tokenFor('physician'), request).allowed).toBe(false);
  });

  it('grants nothing to a token whose scopes do not parse', () => {
    const broken = { ...tokenFor('physician'), scopes: ['user/Patient.sr', 'user/*.rx', 'openid'] };
    expect(
      policy.authorize(broken, { interaction: 'search', resourceType: 'Patient' }).allowed,
    ).toBe(false);
  });

  describe('with a field mask', () => {
    it('masks Patient for billing, and not when another role sees the type whole', () => {
      const billing = tokenFor('billing');
      const read = {
        interaction: 'read',
        resourceType: 'Patient',
        resource: patient('p1'),
      } as const;
      const decision = policy.authorize(billing, read);
      expect(decision.allowed && decision.narrowing.fieldMask).toContain('birthDate');
      expect(decision.allowed && decision.narrowing.fieldMask).not.toContain('extension');

      const both = { ...billing, user: { id: 'u2', roles: ['billing', 'physician'] } };
      const whole = policy.authorize(both, read);
      expect(whole.allowed && whole.narrowing.fieldMask).toBeUndefined();
    });
  });

  describe('with break-glass', () => {
    const nurse = tokenFor('nurse');
    const labRead = {
      interaction: 'read',
      resourceType: 'Observation',
      resource: observation('p2', 'laboratory'),
    } as const;

    it('widens a nurse to all reads while the grant is in force, and says so', () => {
      expect(policy.authorize(nurse, labRead).allowed).toBe(false);
      const glass = {
        ...nurse,
        breakGlass: { reason: 'code blue', expiresAt: new Date('2030-01-01T10:30:00Z') },
      };
      expect(policy.authorize(glass, labRead)).toEqual({
        allowed: true,
        narrowing: { filters: [] },
        isBreakGlass: true,
      });
    });

    it('grants no writes and nothing after expiry', () => {
      const glass = {
        ...nurse,
        breakGlass: { reason: 'code blue', expiresAt: new Date('2030-01-01T10:30:00Z') },
      };
      const write = {
        interaction: 'delete',
        resourceType: 'Observation',
        previous: labRead.resource,
      } as const;
      expect(policy.authorize(glass, write).allowed).toBe(false);
      const expired = { ...glass, breakGlass: { reason: 'code blue', expiresAt: now } };
      expect(policy.authorize(expired, labRead).allowed).toBe(false);
    });

    it('does nothing for a role that may not break the glass', () => {
      const billing = {
        ...tokenFor('billing'),
        breakGlass: { reason: 'x', expiresAt: new Date('2030-01-02T00:00:00Z') },
      };
      expect(policy.authorize(billing, labRead).allowed).toBe(false);
    });
  });
});
