import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import {
  isSupportedResourceType,
  isValidFhirId,
  validateResource,
} from '../../src/validation/validate-resource.ts';

// Obviously fake values: a test fails if any of them shows up in what a client or a log sees.
const marker = 'Qzxvbrmt';

function buildPatient(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: 'pat-1',
    name: [{ family: `${marker}son`, given: [`${marker}a`] }],
    gender: 'female',
    birthDate: '1970-01-01',
    ...extra,
  };
}

function catchFailure(resource: unknown, expectedType = 'Patient'): FhirError {
  try {
    validateResource(resource, expectedType);
  } catch (error) {
    if (error instanceof FhirError) return error;
    throw error;
  }
  throw new Error('expected the resource to be rejected');
}

function expectRejected(resource: unknown, expression: string, expectedType = 'Patient') {
  const failure = catchFailure(resource, expectedType);
  expect(failure.status).toBe(400);
  expect(failure.issues.map((issue) => issue.expression)).toContain(expression);
  expect(JSON.stringify(failure.toOperationOutcome())).not.toContain(marker);
  expect(failure.message).not.toContain(marker);
  return failure;
}

describe('validateResource', () => {
  it('accepts a well-formed Patient', () => {
    expect(() => validateResource(buildPatient(), 'Patient')).not.toThrow();
  });

  describe('when the body is not a resource', () => {
    it.each([[null], [[]], ['Patient'], [42]])('rejects %j as a body', (body) => {
      expect(catchFailure(body).status).toBe(400);
    });

    it('rejects a body without resourceType', () => {
      const { resourceType: _resourceType, ...body } = buildPatient();
      expectRejected(body, 'Patient.resourceType');
    });

    it('rejects a resourceType that differs from the type of the request', () => {
      const failure = expectRejected(buildPatient(), 'Observation.resourceType', 'Observation');
      expect(failure.issues[0]?.code).toBe('invalid');
    });

    it('answers 404 for a type the R4 schema does not define', () => {
      expect(catchFailure(buildPatient(), 'Patientt').status).toBe(404);
    });
  });

  describe('when elements have the wrong JSON type', () => {
    it('names birthDate given as a number', () => {
      const failure = expectRejected(buildPatient({ birthDate: 19700101 }), 'Patient.birthDate');
      expect(failure.issues[0]?.code).toBe('structure');
    });

    it('names a gender outside its value set', () => {
      expectRejected(buildPatient({ gender: `${marker}x` }), 'Patient.gender');
    });

    it('names a name given as a string instead of an array', () => {
      expectRejected(buildPatient({ name: `${marker}` }), 'Patient.name');
    });

    it('names a name item that is a string instead of an object', () => {
      expectRejected(buildPatient({ name: [`${marker}`] }), 'Patient.name[0]');
    });

    it('names a nested given name by its indexes', () => {
      const name = [{ family: 'Test' }, { given: ['Ann', 7] }];
      expectRejected(buildPatient({ name }), 'Patient.name[1].given[1]');
    });

    it('names a date whose format is wrong without quoting it', () => {
      expectRejected(buildPatient({ birthDate: `1970-13-01${marker}` }), 'Patient.birthDate');
    });

    it('rejects a fractional number where FHIR wants an integer', () => {
      expectRejected(buildPatient({ multipleBirthInteger: 1.5 }), 'Patient.multipleBirthInteger');
    });

    it('rejects an integer outside the 32-bit range of FHIR integers', () => {
      const patient = buildPatient({ multipleBirthInteger: 2 ** 31 });
      expectRejected(patient, 'Patient.multipleBirthInteger');
    });
  });

  describe('when an element is unknown', () => {
    it('names the unknown element at the top level', () => {
      const failure = expectRejected(buildPatient({ foo: marker }), 'Patient.foo');
      expect(failure.issues[0]?.code).toBe('structure');
      expect(failure.issues[0]?.diagnostics).toMatch(/unknown element/i);
    });

    it('names an unknown element inside a data type', () => {
      const name = [{ family: 'Test', nickname: marker }];
      expectRejected(buildPatient({ name }), 'Patient.name[0].nickname');
    });

    it('names an unknown element inside a contained resource', () => {
      const contained = [{ resourceType: 'Organization', id: 'o1', nmae: marker }];
      expectRejected(buildPatient({ contained }), 'Patient.contained[0].nmae');
    });

    it('rejects a contained resource of a type R4 does not define', () => {
      const contained = [{ resourceType: `${marker}Type`, id: 'o1' }];
      expectRejected(buildPatient({ contained }), 'Patient.contained[0].resourceType');
    });
  });

  describe('when the id breaks the FHIR id rule', () => {
    it.each([['has space'], ['x'.repeat(65)], ['under_score'], ['']])('rejects id %j', (id) => {
      expectRejected(buildPatient({ id }), 'Patient.id');
    });
  });

  describe('when elements are empty', () => {
    it('names an empty string', () => {
      expectRejected(buildPatient({ gender: '' }), 'Patient.gender');
    });

    it('names an empty array', () => {
      expectRejected(buildPatient({ telecom: [] }), 'Patient.telecom');
    });

    it('names an empty object', () => {
      expectRejected(buildPatient({ maritalStatus: {} }), 'Patient.maritalStatus');
    });

    it('names null outside a primitive array', () => {
      expectRejected(buildPatient({ birthDate: null }), 'Patient.birthDate');
    });

    it('names an empty string inside a URI, which the schema itself allows', () => {
      const identifier = [{ system: '', value: marker }];
      expectRejected(buildPatient({ identifier }), 'Patient.identifier[0].system');
    });
  });

  describe('when a repeating primitive carries extensions', () => {
    const extension = [{ url: 'http://example.org/fhir/StructureDefinition/x', valueString: 'y' }];

    it('accepts null padding aligned with the twin array', () => {
      const name = [{ given: ['Ann', null], _given: [null, { extension }] }];
      expect(() => validateResource(buildPatient({ name }), 'Patient')).not.toThrow();
    });

    it('rejects null where the twin array has no value either', () => {
      const name = [{ given: ['Ann', null], _given: [null, null] }];
      expectRejected(buildPatient({ name }), 'Patient.name[0].given[1]');
    });
  });

  it('reports several problems at once, one issue per element', () => {
    const failure = catchFailure(buildPatient({ gender: 'x', birthDate: 1, foo: 1 }));
    const expressions = failure.issues.map((issue) => issue.expression).sort();

    expect(expressions).toEqual(['Patient.birthDate', 'Patient.foo', 'Patient.gender']);
  });

  it('caps the issues at 20', () => {
    const extra = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`bad${i}`, marker]));
    const failure = catchFailure(buildPatient(extra));

    expect(failure.issues).toHaveLength(20);
    expect(failure.diagnostics).toContain('more than 20');
  });

  it('checks the entries of a Bundle against their own types', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: buildPatient(), request: { method: 'POST', url: 'Patient' } },
        { resource: buildPatient({ birthDate: 3 }), request: { method: 'POST', url: 'Patient' } },
      ],
    };
    expectRejected(bundle, 'Bundle.entry[1].resource.birthDate', 'Bundle');
  });

  // The official pattern for inline base64Binary backtracks exponentially on this value; were it
  // used again, this test would run into its timeout instead of finishing.
  it('rejects a whitespace-heavy base64 value in linear time', () => {
    const hostile = `${'AAAA  '.repeat(40)}!`;
    const extension = [{ url: 'http://example.org/x', valueBase64Binary: hostile }];
    expectRejected(buildPatient({ extension }), 'Patient.extension[0].valueBase64Binary');
  });

  it('accepts base64 with whitespace between groups', () => {
    const extension = [{ url: 'http://example.org/x', valueBase64Binary: 'QUJD RA==\nQUJD' }];
    expect(() => validateResource(buildPatient({ extension }), 'Patient')).not.toThrow();
  });
});

describe('isValidFhirId', () => {
  it.each([['a'], ['A-b.9'], ['x'.repeat(64)]])('accepts %j', (id) => {
    expect(isValidFhirId(id)).toBe(true);
  });

  const badIds = [[''], ['x'.repeat(65)], ['a b'], ['a/b'], ['a_b'], ['é']];
  it.each(badIds)('rejects %j', (id) => {
    expect(isValidFhirId(id)).toBe(false);
  });
});

describe('isSupportedResourceType', () => {
  it('knows every R4 resource type, served or not', () => {
    expect(isSupportedResourceType('Patient')).toBe(true);
    expect(isSupportedResourceType('ExplanationOfBenefit')).toBe(true);
  });

  it('knows no data types or inherited object keys', () => {
    expect(isSupportedResourceType('HumanName')).toBe(false);
    expect(isSupportedResourceType('constructor')).toBe(false);
    expect(isSupportedResourceType('patient')).toBe(false);
  });
});
