import type { Observation, Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { compileBooleanAccessor } from '../../src/search/accessors-boolean.ts';
import { compileAccessor, describeBase } from '../../src/search/accessors.ts';

describe('compileAccessor', () => {
  it('reads every JSON form of a choice element with its type', () => {
    const read = compileAccessor('Observation.effective', 'Observation');
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: {},
      effectivePeriod: { start: '2020' },
    };
    expect(read?.(obs)).toEqual([{ type: 'Period', value: { start: '2020' } }]);
  });

  it('narrows a choice with as, ofType and the (x as T) form', () => {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: {},
      valueCodeableConcept: { text: 'pos' },
    };
    expect(
      compileAccessor('(Observation.value as CodeableConcept).text', 'Observation')?.(obs),
    ).toEqual([{ type: 'string', value: 'pos' }]);
    expect(compileAccessor('Observation.value.ofType(Quantity)', 'Observation')?.(obs)).toEqual([]);
  });

  it('filters by a field value and by reference target type', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      telecom: [
        { system: 'phone', value: '1' },
        { system: 'email', value: 'a@b' },
      ],
    };
    const email = compileAccessor("Patient.telecom.where(system='email')", 'Patient');
    expect(email?.(patient).map((v) => v.value)).toEqual([{ system: 'email', value: 'a@b' }]);
  });

  it('reads relative expressions from a backbone element', () => {
    const base = describeBase('Observation.component', 'Observation');
    const read = base && compileAccessor('value.as(Quantity)', 'Observation', base);
    expect(read?.({ code: {}, valueQuantity: { value: 3 } })).toEqual([
      { type: 'Quantity', value: { value: 3 } },
    ]);
  });

  it('declines what it cannot compile, so the FHIRPath engine takes it', () => {
    expect(compileAccessor('Patient.name.first()', 'Patient')).toBeUndefined();
    expect(compileAccessor('Patient.noSuchElement', 'Patient')).toBeUndefined();
    expect(
      compileAccessor("Patient.name.where(use='official' or use='usual')", 'Patient'),
    ).toBeUndefined();
  });
});

describe('compileBooleanAccessor', () => {
  const deceased = compileBooleanAccessor(
    'Patient.deceased.exists() and Patient.deceased != false',
    'Patient',
  );

  it('follows FHIRPath three-valued logic for deceased', () => {
    const read = (p: Partial<Patient>) => deceased?.({ resourceType: 'Patient', ...p });
    expect(read({})).toEqual([{ type: 'boolean', value: false }]);
    expect(read({ deceasedBoolean: false })).toEqual([{ type: 'boolean', value: false }]);
    expect(read({ deceasedBoolean: true })).toEqual([{ type: 'boolean', value: true }]);
    expect(read({ deceasedDateTime: '2020-01-01' })).toEqual([{ type: 'boolean', value: true }]);
  });
});
