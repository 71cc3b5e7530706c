import { describe, expect, it } from 'vitest';
import { applyFieldMask, fieldMaskFor } from '../../src/auth/policy-field-mask.ts';
import { patient, roleConfig } from './policy-fixtures.ts';

describe('fieldMaskFor', () => {
  it('masks Patient for billing and leaves types billing cannot see alone', () => {
    expect(fieldMaskFor(roleConfig, ['billing'], 'Patient')).toContain('name');
    expect(fieldMaskFor(roleConfig, ['billing'], 'Claim')).toBeUndefined();
  });

  it('drops the mask when another role of the user sees the type whole', () => {
    expect(fieldMaskFor(roleConfig, ['billing', 'nurse'], 'Patient')).toBeUndefined();
    expect(fieldMaskFor(roleConfig, ['nurse', 'billing'], 'Patient')).toBeUndefined();
  });

  it('keeps the mask when the other role has no access to the type', () => {
    expect(fieldMaskFor(roleConfig, ['admin', 'billing'], 'Patient')).toContain('address');
  });
});

describe('applyFieldMask', () => {
  const mask = fieldMaskFor(roleConfig, ['billing'], 'Patient') ?? [];

  it('keeps demographics and drops everything else, tagging the result SUBSETTED', () => {
    const source = {
      ...patient('p1'),
      _birthDate: { extension: [{ url: 'http://example.org/x', valueString: 'x' }] },
    };
    const masked = applyFieldMask(source, mask);
    expect(Object.keys(masked).sort()).toEqual(
      [
        '_birthDate',
        'active',
        'birthDate',
        'gender',
        'id',
        'maritalStatus',
        'meta',
        'name',
        'resourceType',
      ].sort(),
    );
    expect(masked.meta?.tag).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' },
    ]);
  });

  it('does not copy meta unless the mask lists it, and never tags twice', () => {
    const source = { ...patient('p1'), meta: { versionId: '3', source: 'http://example.org/src' } };
    expect(applyFieldMask(source, ['name']).meta).toEqual({
      tag: [
        { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' },
      ],
    });
    const once = applyFieldMask(source, mask);
    expect(applyFieldMask(once, mask).meta?.tag).toHaveLength(1);
    expect(once.meta?.versionId).toBe('3');
  });
});
