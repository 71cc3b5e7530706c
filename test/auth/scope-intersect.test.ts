import { describe, expect, it } from 'vitest';
import { intersectScopes } from '../../src/auth/scope-intersect.ts';

const categories = 'http://terminology.hl7.org/CodeSystem/observation-category';
const vitalSigns = `category=${categories}|vital-signs`;

describe('intersectScopes', () => {
  it.each([
    [
      'a wildcard request under a typed allowance',
      ['patient/*.rs'],
      ['patient/Observation.rs'],
      ['patient/Observation.rs'],
    ],
    [
      'a typed request under a wildcard allowance',
      ['patient/Observation.cruds'],
      ['patient/*.rs'],
      ['patient/Observation.rs'],
    ],
    ['wildcards on both sides', ['user/*.*'], ['user/*.read'], ['user/*.rs']],
    [
      'v1 read against v2 letters',
      ['patient/Observation.read'],
      ['patient/Observation.rs'],
      ['patient/Observation.rs'],
    ],
    ['v1 write against read-only', ['user/Patient.write'], ['user/Patient.rs'], []],
    [
      'letters only in common',
      ['user/Patient.cruds'],
      ['user/Patient.rs', 'user/Patient.cu'],
      ['user/Patient.crus'],
    ],
    [
      'a plain request under a filtered allowance',
      ['user/Observation.cruds'],
      [`user/Observation.rs?${vitalSigns}`],
      [`user/Observation.rs?${vitalSigns}`],
    ],
    [
      'a filter equal to the allowed one',
      [`user/Observation.rs?${vitalSigns}`],
      [`user/Observation.rs?${vitalSigns}`],
      [`user/Observation.rs?${vitalSigns}`],
    ],
    [
      'a filter narrower by an added condition',
      [`user/Observation.r?${vitalSigns}&status=final`],
      [`user/Observation.rs?${vitalSigns}`],
      [`user/Observation.r?${vitalSigns}&status=final`],
    ],
    [
      'a system|code filter under a code-only allowance',
      [`user/Observation.rs?${vitalSigns}`],
      ['user/Observation.rs?category=vital-signs'],
      [`user/Observation.rs?${vitalSigns}`],
    ],
    [
      'a system|code filter under a system| allowance',
      [`user/Observation.rs?${vitalSigns}`],
      [`user/Observation.rs?category=${categories}|`],
      [`user/Observation.rs?${vitalSigns}`],
    ],
    [
      'a filtered request under a plain allowance',
      ['user/Observation.rs?category=laboratory'],
      ['user/Observation.cruds'],
      ['user/Observation.rs?category=laboratory'],
    ],
    [
      'a patient request under a user allowance',
      ['patient/Observation.rs'],
      ['user/Observation.cruds'],
      ['patient/Observation.rs'],
    ],
    [
      'context scopes the role allows',
      ['openid', 'fhirUser', 'launch/patient'],
      ['openid', 'launch/patient'],
      ['openid', 'launch/patient'],
    ],
  ])('grants %s', (_why, requested, allowed, granted) => {
    expect(intersectScopes(requested, allowed)).toEqual(granted);
  });

  describe('when the request asks for more than the role allows', () => {
    it('gives a patient patient/*.rs for patient/*.cruds', () => {
      expect(intersectScopes(['patient/*.cruds'], ['patient/*.rs', 'launch/patient'])).toEqual([
        'patient/*.rs',
      ]);
    });

    it.each([
      ['a user scope from a patient allowance', ['user/*.rs'], ['patient/*.rs']],
      ['a system scope from a user allowance', ['system/Patient.rs'], ['user/Patient.cruds']],
      ['a user scope from a system allowance', ['user/Patient.rs'], ['system/Patient.rs']],
      ['another type', ['user/AuditEvent.rs'], ['user/Patient.rs', 'user/Observation.rs']],
      [
        'a wider filter',
        ['user/Observation.rs?category=vital-signs'],
        [`user/Observation.rs?${vitalSigns}`],
      ],
      [
        'a different filter',
        ['user/Observation.rs?category=laboratory'],
        [`user/Observation.rs?${vitalSigns}`],
      ],
      [
        'a filter on another parameter',
        ['user/Observation.rs?status=final'],
        [`user/Observation.rs?${vitalSigns}`],
      ],
      [
        'an alternative beyond the allowed one',
        [`user/Observation.rs?category=${categories}|vital-signs,${categories}|laboratory`],
        [`user/Observation.rs?${vitalSigns}`],
      ],
      ['a context scope the role lacks', ['offline_access', 'launch'], ['openid']],
      ['a malformed scope', ['user/Patient.sr', 'user/Patient.rr'], ['user/Patient.cruds']],
      ['anything when the allowance is malformed', ['user/Patient.rs'], ['user/Patient.sr']],
    ])('grants nothing for %s', (_why, requested, allowed) => {
      expect(intersectScopes(requested, allowed)).toEqual([]);
    });
  });

  it('keeps each allowed filter apart when a wildcard request meets several', () => {
    const allowed = [
      `user/Observation.rs?${vitalSigns}`,
      `user/Observation.cu?${vitalSigns}`,
      'user/Patient.rs',
    ];
    expect(intersectScopes(['user/*.cruds', 'openid'], allowed)).toEqual([
      `user/Observation.crus?${vitalSigns}`,
      'user/Patient.rs',
    ]);
  });

  it('lists each granted scope once', () => {
    expect(
      intersectScopes(
        ['user/Patient.read', 'user/Patient.rs', 'openid', 'openid'],
        ['user/Patient.*', 'openid'],
      ),
    ).toEqual(['user/Patient.rs', 'openid']);
  });
});
