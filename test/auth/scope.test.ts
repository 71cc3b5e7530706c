import { describe, expect, it } from 'vitest';
import { formatScope, parseScope } from '../../src/auth/scope.ts';

const vitalSigns = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

describe('parseScope', () => {
  describe('with valid scopes', () => {
    it.each([
      ['patient/Observation.read', 'patient/Observation.rs'],
      ['user/*.write', 'user/*.cud'],
      ['system/*.*', 'system/*.cruds'],
      ['user/Patient.*', 'user/Patient.cruds'],
      ['patient/Observation.rs', 'patient/Observation.rs'],
      ['user/Observation.cruds', 'user/Observation.cruds'],
      ['system/Patient.c', 'system/Patient.c'],
      ['user/Observation.ud', 'user/Observation.ud'],
      ['patient/*.s', 'patient/*.s'],
      [`user/Observation.rs?category=${vitalSigns}`, `user/Observation.rs?category=${vitalSigns}`],
      [
        'patient/Observation.rs?status=final&category=laboratory',
        'patient/Observation.rs?category=laboratory&status=final',
      ],
      [
        'user/Observation.rs?code=http%3A%2F%2Floinc.org%7C8867-4',
        'user/Observation.rs?code=http://loinc.org|8867-4',
      ],
      ['user/Observation.rs?code=a%26b', 'user/Observation.rs?code=a%26b'],
    ])('reads %s as %s', (scope, normalized) => {
      const parsed = parseScope(scope);
      expect(parsed).toBeDefined();
      expect(formatScope(parsed!)).toBe(normalized);
    });

    it('splits a granular query into an AND-list of decoded pairs', () => {
      expect(parseScope(`user/Observation.rs?category=${vitalSigns}&status=final`)).toEqual({
        kind: 'resource',
        context: 'user',
        resourceType: 'Observation',
        actions: 'rs',
        filter: [
          ['category', vitalSigns],
          ['status', 'final'],
        ],
      });
    });

    it.each([
      'openid',
      'fhirUser',
      'launch',
      'launch/patient',
      'launch/encounter',
      'offline_access',
      'online_access',
    ])('knows the context scope %s', (scope) => {
      expect(parseScope(scope)).toEqual({ kind: 'context', name: scope });
    });
  });

  describe('with invalid scopes', () => {
    it.each([
      ['letters out of order', 'patient/Observation.sr'],
      ['letters out of order (cud)', 'user/Observation.dcu'],
      ['a repeated letter', 'patient/Observation.rrs'],
      ['an unknown letter', 'patient/Observation.rx'],
      ['an empty permission', 'patient/Observation.'],
      ['no permission', 'patient/Observation'],
      ['an unknown v1 word', 'patient/Observation.delete'],
      ['a mixed v1/v2 permission', 'patient/Observation.readwrite'],
      ['an unknown context', 'admin/Observation.rs'],
      ['a lower-case type', 'patient/observation.rs'],
      ['a wildcard context', '*/Observation.rs'],
      ['a granular v1 scope', 'patient/Observation.read?category=laboratory'],
      ['an empty query', 'user/Observation.rs?'],
      ['a query part without a value', 'user/Observation.rs?category='],
      ['a query part without a name', 'user/Observation.rs?=laboratory'],
      ['a query part without =', 'user/Observation.rs?category'],
      ['bad percent-encoding', 'user/Observation.rs?code=%E0%A4%A'],
      ['a space', 'user/Observation.rs openid'],
      ['a backslash (not NQCHAR)', 'user/Observation.rs?code=a\\,b'],
      ['an unknown bare scope', 'profile'],
      ['an empty string', ''],
      ['case changes of a context scope', 'OpenID'],
      ['a launch context SMART does not define', 'launch/practitioner'],
    ])('refuses %s: %s', (_why, scope) => {
      expect(parseScope(scope)).toBeUndefined();
    });

    it('refuses an overlong scope', () => {
      expect(parseScope(`user/Observation.rs?code=${'x'.repeat(1100)}`)).toBeUndefined();
    });
  });
});
