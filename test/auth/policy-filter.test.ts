import type { Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { isEnforceableFilter, resourceMatchesFilters } from '../../src/auth/policy-filter.ts';
import { categorySystem, observation, patient } from './policy-fixtures.ts';

const vital = observation('p1', 'vital-signs');

describe('resourceMatchesFilters', () => {
  it.each([
    ['system|code', `${categorySystem}|vital-signs`, true],
    ['code alone', 'vital-signs', true],
    ['system|', `${categorySystem}|`, true],
    [
      'one of several alternatives',
      `${categorySystem}|laboratory,${categorySystem}|vital-signs`,
      true,
    ],
    ['another code', `${categorySystem}|laboratory`, false],
    ['the code under another system', 'http://example.org/other|vital-signs', false],
    ['|code (no system) when the coding has one', '|vital-signs', false],
    ['a malformed value', 'a|b|c', false],
  ])('on category, %s matches: %s', (_why, value, expected) => {
    expect(resourceMatchesFilters(vital, [[['category', value]]])).toBe(expected);
  });

  it('matches a primitive code parameter such as status', () => {
    expect(resourceMatchesFilters(vital, [[['status', 'final']]])).toBe(true);
    expect(resourceMatchesFilters(vital, [[['status', 'preliminary']]])).toBe(false);
  });

  it('needs every condition of an AND-list and any one of the lists', () => {
    const lab = `${categorySystem}|laboratory`;
    const both = [
      ['category', 'vital-signs'],
      ['status', 'final'],
    ] as const;
    expect(resourceMatchesFilters(vital, [both])).toBe(true);
    expect(
      resourceMatchesFilters(vital, [
        [
          ['category', 'vital-signs'],
          ['status', 'amended'],
        ],
      ]),
    ).toBe(false);
    expect(resourceMatchesFilters(vital, [[['category', lab]], both])).toBe(true);
    expect(resourceMatchesFilters(vital, [[['category', lab]], [['status', 'amended']]])).toBe(
      false,
    );
  });

  it('lets everything through when there are no filters', () => {
    expect(resourceMatchesFilters(vital, [])).toBe(true);
  });

  describe('when the filter is not a plain token parameter (fail closed)', () => {
    const withIdentifier: Patient = { ...patient('p1'), identifier: [{ value: 'MRN-1' }] };

    it.each([
      ['a reference parameter', vital, 'subject', 'Patient/p1'],
      ['a date parameter', { ...vital, effectiveDateTime: '2030-01-01' }, 'date', '2030-01-01'],
      ['a modifier', vital, 'category:not', 'laboratory'],
      ['an unknown parameter', vital, 'no-such-param', 'x'],
      ['a protected token (identifier)', withIdentifier, 'identifier', 'MRN-1'],
      [
        'a type without definitions',
        { resourceType: 'Condition', subject: { reference: 'Patient/p1' } },
        'category',
        'x',
      ],
    ] as const)('denies %s', (_why, resource, name, value) => {
      expect(resourceMatchesFilters(resource as never, [[[name, value]]])).toBe(false);
      expect(isEnforceableFilter(resource.resourceType, [[name, value]])).toBe(false);
    });
  });

  it('calls a filter of token conditions enforceable', () => {
    const filter = [
      ['category', `${categorySystem}|vital-signs`],
      ['code', 'http://loinc.org|8867-4'],
    ] as const;
    expect(isEnforceableFilter('Observation', filter)).toBe(true);
    expect(resourceMatchesFilters(vital, [filter])).toBe(true);
    expect(isEnforceableFilter('Observation', [['category', 'a|b|c']])).toBe(false);
  });
});
