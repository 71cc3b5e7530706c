import { describe, expect, it } from 'vitest';
import { toElementPath, toPointerSegments, toSafeName } from '../../src/validation/element-path.ts';

describe('toElementPath', () => {
  it('writes array positions as indexes', () => {
    expect(toElementPath('Patient', toPointerSegments('/name/0/given/1'))).toBe(
      'Patient.name[0].given[1]',
    );
  });

  it('names a primitive extension holder by its element, as FHIRPath does', () => {
    expect(toElementPath('Patient', ['_birthDate', 'extension', 0, 'url'])).toBe(
      'Patient.birthDate.extension[0].url',
    );
  });

  it('continues from the path of an enclosing resource', () => {
    expect(toElementPath('Bundle.entry[2].resource', ['code'])).toBe(
      'Bundle.entry[2].resource.code',
    );
  });
});

describe('toPointerSegments', () => {
  it('reads the root as no segments and unescapes ~0 and ~1', () => {
    expect(toPointerSegments('')).toEqual([]);
    expect(toPointerSegments('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
  });
});

describe('toSafeName', () => {
  it('keeps FHIR element names as they are', () => {
    expect(toSafeName('valueQuantity')).toBe('valueQuantity');
  });

  it('masks other characters and cuts long names short', () => {
    expect(toSafeName('a b.c')).toBe('a?b?c');
    expect(toSafeName('x'.repeat(100))).toHaveLength(65);
  });
});
