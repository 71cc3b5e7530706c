import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import { parseSearchRequest } from '../../src/search/parse.ts';
import type { ParamClause, ParsedSearch } from '../../src/search/parse-types.ts';

const lenient = { strict: false };
const strict = { strict: true };

function parse(type: string | null, query: string, options = lenient): ParsedSearch {
  return parseSearchRequest(type, [...new URLSearchParams(query)], options);
}

function onlyClause(type: string, query: string): ParamClause {
  const { clauses } = parse(type, query);
  expect(clauses).toHaveLength(1);
  const [clause] = clauses;
  if (clause?.kind !== 'param') throw new Error('expected a parameter clause');
  return clause;
}

function failure(run: () => unknown): FhirError {
  try {
    run();
  } catch (error) {
    if (error instanceof FhirError) return error;
    throw error;
  }
  throw new Error('expected a FhirError');
}

describe('parseSearchRequest', () => {
  describe('AND, OR and escaping', () => {
    it('makes a repeated parameter two clauses (AND) and commas alternatives (OR)', () => {
      const { clauses } = parse('Patient', 'gender=male,female&gender=other');
      expect(clauses).toHaveLength(2);
      const [first] = clauses as ParamClause[];
      expect(first?.values).toEqual([
        { type: 'token', code: 'male' },
        { type: 'token', code: 'female' },
      ]);
    });

    it.each([
      ['a\\,b', ['a,b']],
      ['a\\$b', ['a$b']],
      ['a\\|b', ['a|b']],
      ['a\\\\,b', ['a\\', 'b']],
      ['a\\b', ['a\\b']],
    ])('reads the escaped value %s as %j', (raw, texts) => {
      const clause = onlyClause('Patient', `family=${encodeURIComponent(raw)}`);
      expect(clause.values.map((v) => (v.type === 'string' ? v.text : undefined))).toEqual(texts);
    });

    it('keeps an escaped bar inside a token code', () => {
      const clause = onlyClause('Observation', `code=${encodeURIComponent('http://s|a\\|b')}`);
      expect(clause.values).toEqual([{ type: 'token', system: 'http://s', code: 'a|b' }]);
    });
  });

  describe('token forms', () => {
    it.each([
      ['code', { code: 'code' }],
      ['http://loinc.org|8480-6', { system: 'http://loinc.org', code: '8480-6' }],
      ['|8480-6', { system: '', code: '8480-6' }],
      ['http://loinc.org|', { system: 'http://loinc.org' }],
    ])('parses %s', (raw, expected) => {
      const clause = onlyClause('Observation', `code=${encodeURIComponent(raw)}`);
      expect(clause.values).toEqual([{ type: 'token', ...expected }]);
    });

    it.each(['a|b|c', '|'])('refuses the malformed token %s', (raw) => {
      expect(failure(() => parse('Observation', `code=${encodeURIComponent(raw)}`)).status).toBe(400);
    });
  });

  describe('modifiers', () => {
    it.each([
      ['family:exact=Ab', 'exact'],
      ['family:contains=Ab', 'contains'],
      ['gender:not=male', 'not'],
      ['code:text=blood', 'text'],
      ['birthdate:missing=true', 'missing'],
      ['_profile:below=http://x/y', 'below'],
      ['_profile:above=http://x/y', 'above'],
    ])('accepts %s', (query, modifier) => {
      const type = query.startsWith('code') ? 'Observation' : 'Patient';
      expect(onlyClause(type, query).modifier).toBe(modifier);
    });

    it('takes :[type] on a reference as the target type of a bare id', () => {
      const clause = onlyClause('Observation', 'subject:Patient=123');
      expect(clause.targetType).toBe('Patient');
      expect(clause.values).toEqual([{ type: 'reference', ref: 'Patient/123' }]);
    });

    it.each([
      ['gender:exact=male', 400],
      ['family:not=x', 400],
      ['birthdate:contains=1970', 400],
      ['subject:Medication=1', 400],
      ['birthdate:missing=maybe', 400],
      ['code:in=http://vs', 501],
      ['code:below=http://s|c', 501],
      ['code:above=http://s|c', 501],
      ['code:of-type=a|b|c', 501],
      ['subject:identifier=http://s|', 400],
      ['subject:above=Patient/1', 501],
    ])('refuses %s with %i', (query, status) => {
      const type = /^(code|subject)/.test(query) ? 'Observation' : 'Patient';
      const error = failure(() => parse(type, query));
      expect(error.status).toBe(status);
    });
  });

  describe('prefixes and ordered values', () => {
    it.each(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'])('reads the prefix %s', (prefix) => {
      const clause = onlyClause('Observation', `date=${prefix}2020-01-02`);
      expect(clause.values[0]).toMatchObject({ type: 'date', prefix });
    });

    it.each([
      ['2020', '2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'],
      ['2020-02', '2020-02-01T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
      ['2020-02-29', '2020-02-29T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
      ['2020-02-29T10:15', '2020-02-29T10:15:00.000Z', '2020-02-29T10:16:00.000Z'],
      ['2020-02-29T10:15:30+02:00', '2020-02-29T08:15:30.000Z', '2020-02-29T08:15:31.000Z'],
      ['2020-02-29T23:30:00-05:00', '2020-03-01T04:30:00.000Z', '2020-03-01T04:30:01.000Z'],
      ['2020-02-29T10:15:30.5Z', '2020-02-29T10:15:30.500Z', '2020-02-29T10:15:30.600Z'],
      ['0099', '0099-01-01T00:00:00.000Z', '0100-01-01T00:00:00.000Z'],
    ])('reads the date %s as its precision interval', (raw, lo, hi) => {
      const clause = onlyClause('Observation', `date=${encodeURIComponent(raw)}`);
      const value = clause.values[0];
      if (value?.type !== 'date') throw new Error('expected a date');
      expect([value.range.lo.toISOString(), value.range.hi.toISOString()]).toEqual([lo, hi]);
    });

    it.each([
      ['100', 100, 99.5, 100.5],
      ['1.50', 1.5, 1.495, 1.505],
      ['-2', -2, -2.5, -1.5],
      ['1e2', 100, 50, 150],
    ])('reads the quantity number %s with its implicit range', (raw, value, lo, hi) => {
      const clause = onlyClause('Observation', `value-quantity=${raw}`);
      expect(clause.values[0]).toMatchObject({ type: 'quantity', prefix: 'eq' });
      const range = clause.values[0]?.type === 'quantity' ? clause.values[0].range : undefined;
      expect(range?.n).toBe(value);
      expect(range?.lo).toBeCloseTo(lo, 10);
      expect(range?.hi).toBeCloseTo(hi, 10);
    });

    it('reads value|system|code and value||unit', () => {
      const clause = onlyClause('Observation', `value-quantity=${encodeURIComponent('gt5.4|http://unitsofmeasure.org|mg,lt3||mg')}`);
      expect(clause.values).toMatchObject([
        { prefix: 'gt', system: 'http://unitsofmeasure.org', code: 'mg' },
        { prefix: 'lt', system: undefined, code: 'mg' },
      ]);
    });

    it.each([
      'date=2020-13',
      'date=2021-02-29',
      'date=2020-01-01T25:00',
      'date=20200101',
      'date=xx2020',
      'date=2020-01-01T10:00+15:00',
      'value-quantity=abc',
      'value-quantity=1.2.3',
      'value-quantity=zz5',
      'value-quantity=5|a',
      'value-quantity=Infinity',
      'value-quantity=1e999',
      'family=',
    ])('refuses the malformed value in %s without quoting it', (query) => {
      const type = query.startsWith('family') ? 'Patient' : 'Observation';
      const error = failure(() => parse(type, query));
      expect(error.status).toBe(400);
      const value = query.split('=')[1] ?? '';
      if (value.length > 3) expect(error.diagnostics).not.toContain(value);
    });
  });

  describe('references', () => {
    it.each([
      ['Patient/1', { ref: 'Patient/1' }],
      ['1', { ref: 'Patient/1' }],
      ['Patient/1/_history/2', { ref: 'Patient/1' }],
      ['http://other.example/fhir/Patient/1', { url: 'http://other.example/fhir/Patient/1' }],
      ['https://ward.example/fhir/Patient/7', { ref: 'Patient/7' }],
    ])('reads %s on a single-target parameter', (raw, expected) => {
      const { clauses } = parseSearchRequest('Observation', [['patient', raw]], {
        strict: true,
        baseUrl: 'https://ward.example/fhir',
      });
      expect((clauses[0] as ParamClause).values).toEqual([{ type: 'reference', ...expected }]);
    });

    it('keeps a bare id untyped when the parameter has several targets', () => {
      expect(onlyClause('Observation', 'subject=abc').values).toEqual([{ type: 'reference', id: 'abc' }]);
    });

    it('refuses a value that is not Type/id', () => {
      expect(failure(() => parse('Observation', 'subject=a/b/c')).status).toBe(400);
    });
  });

  describe('composite', () => {
    it('pairs the components of code-value-quantity', () => {
      const clause = onlyClause('Observation', `code-value-quantity=${encodeURIComponent('http://loinc.org|8480-6$gt150')}`);
      expect(clause.values[0]).toMatchObject({
        type: 'composite',
        components: [
          { type: 'token', system: 'http://loinc.org', code: '8480-6' },
          { type: 'quantity', prefix: 'gt' },
        ],
      });
    });

    it('refuses a composite value with the wrong number of parts', () => {
      expect(failure(() => parse('Observation', 'code-value-quantity=abc')).status).toBe(400);
    });
  });

  describe('chains', () => {
    it('parses subject:Patient.name into a chain clause', () => {
      const [clause] = parse('Observation', 'subject:Patient.name=smith').clauses;
      expect(clause).toMatchObject({ kind: 'chain', targetType: 'Patient', next: { kind: 'param', def: { code: 'name' } } });
    });

    it('infers the only served target that has the next parameter', () => {
      const [clause] = parse('Observation', 'subject.birthdate=1970').clauses;
      expect(clause).toMatchObject({ kind: 'chain', targetType: 'Patient' });
    });

    it('parses several levels and modifiers at the end', () => {
      const [clause] = parse('AuditEvent', 'entity:Observation.patient.family:exact=X').clauses;
      expect(clause).toMatchObject({
        kind: 'chain',
        targetType: 'Observation',
        next: { kind: 'chain', targetType: 'Patient', next: { kind: 'param', modifier: 'exact' } },
      });
    });

    it('asks for a type when several served targets define the next parameter', () => {
      expect(failure(() => parse('AuditEvent', 'entity._id=1')).status).toBe(400);
    });

    it('parses _has, including nested _has', () => {
      const [clause] = parse('Patient', '_has:Observation:patient:code=1234').clauses;
      expect(clause).toMatchObject({ kind: 'has', sourceType: 'Observation', referenceParam: { code: 'patient' } });
      const [nested] = parse('Patient', '_has:Observation:patient:_has:AuditEvent:entity:type=x').clauses;
      expect(nested).toMatchObject({ kind: 'has', next: { kind: 'has', sourceType: 'AuditEvent' } });
    });
  });

  describe('result parameters', () => {
    it('reads _sort keys with direction', () => {
      const { sort } = parse('Observation', '_sort=-date,code,_id');
      expect(sort.map((k) => [k.code, k.isDescending])).toEqual([
        ['date', true],
        ['code', false],
        ['_id', false],
      ]);
    });

    it('refuses to sort by a protected parameter, saying why', () => {
      const error = failure(() => parse('Patient', '_sort=family'));
      expect(error.status).toBe(400);
      expect(error.diagnostics).toContain('blind');
    });

    it('defaults _count and caps it at the maximum', () => {
      const options = { strict: false, defaultCount: 10, maxCount: 100 };
      expect(parse('Patient', '', options).count).toBe(10);
      expect(parse('Patient', '_count=5000', options).count).toBe(100);
      expect(parse('Patient', '_count=0', options).count).toBe(0);
      expect(failure(() => parse('Patient', '_count=-1', options)).status).toBe(400);
      expect(failure(() => parse('Patient', '_count=1&_count=2', options)).status).toBe(400);
    });

    it('reads _total, _summary and _elements, refusing unknown modes', () => {
      const parsed = parse('Patient', '_total=accurate&_summary=count&_elements=name,birthDate');
      expect([parsed.total, parsed.summary, parsed.elements]).toEqual(['accurate', 'count', ['name', 'birthDate']]);
      expect(failure(() => parse('Patient', '_total=all')).status).toBe(400);
      expect(failure(() => parse('Patient', '_summary=yes')).status).toBe(400);
    });

    it('reads _include and _revinclude with :iterate and wildcards', () => {
      const parsed = parse(
        'Observation',
        '_include=Observation:subject:Patient&_include:iterate=Patient:link&_revinclude=AuditEvent:entity&_include=Observation:*',
      );
      expect(parsed.include).toMatchObject([
        { sourceType: 'Observation', param: { code: 'subject' }, targetType: 'Patient', isIterate: false },
        { sourceType: 'Patient', param: { code: 'link' }, isIterate: true },
        { sourceType: 'Observation', isIterate: false },
      ]);
      expect(parsed.include[2]?.param).toBeUndefined();
      expect(parsed.revinclude).toMatchObject([{ sourceType: 'AuditEvent', param: { code: 'entity' } }]);
      expect(failure(() => parse('Observation', '_include=Observation:code')).status).toBe(400);
    });

    it('reads _type on a system search and refuses unknown types', () => {
      expect(parse(null, '_type=Patient,Observation').resourceTypes).toEqual(['Patient', 'Observation']);
      expect(parse(null, '').resourceTypes).toEqual(['Patient', 'Observation', 'AuditEvent']);
      expect(failure(() => parse(null, '_type=Medication')).status).toBe(400);
    });

    it('takes only parameters every type of a system search shares', () => {
      const parsed = parse(null, '_type=Patient,Observation&_lastUpdated=gt2020&gender=male');
      expect(parsed.clauses).toHaveLength(1);
      expect(parsed.ignored).toEqual(['gender']);
    });

    it('keeps _cursor apart from the applied parameters', () => {
      const parsed = parse('Patient', 'gender=male&_cursor=abc');
      expect(parsed.cursor).toBe('abc');
      expect(parsed.applied).toEqual([['gender', 'male']]);
    });
  });

  describe('unknown parameters', () => {
    it('drops them in lenient mode and lists their names', () => {
      const parsed = parse('Patient', 'foo=1&gender=male&_text=x');
      expect(parsed.ignored).toEqual(['foo', '_text']);
      expect(parsed.applied).toEqual([['gender', 'male']]);
    });

    it('refuses them in strict mode, naming the parameter but not the value', () => {
      const error = failure(() => parse('Patient', 'foo=Qzxvbrmt', strict));
      expect(error.status).toBe(400);
      expect(error.diagnostics).toContain('foo');
      expect(error.diagnostics).not.toContain('Qzxvbrmt');
    });

    it('does not quote a parameter name that looks like data', () => {
      const error = failure(() => parse('Patient', `${encodeURIComponent('{"$ne":1}')}=1`, strict));
      expect(error.diagnostics).not.toContain('$ne');
    });
  });

  describe('values are data', () => {
    it('treats name[$ne] as an unknown parameter, not an operator', () => {
      expect(parse('Patient', 'name[$ne]=x').ignored).toEqual(['name[$ne]']);
      expect(failure(() => parse('Patient', 'name[$ne]=x', strict)).status).toBe(400);
    });

    it.each(['{"$gt":""}', '.*', '^a|b$', '$where'])('keeps %s as a literal string', (raw) => {
      const clause = onlyClause('Patient', `family=${encodeURIComponent(raw)}`);
      expect(clause.values).toEqual([{ type: 'string', text: raw.replace('\\', '') }]);
    });

    it('refuses non-string parameter values at the boundary', () => {
      const params = [['family', { $ne: 1 }]] as unknown as Array<[string, string]>;
      expect(failure(() => parseSearchRequest('Patient', params, lenient)).status).toBe(400);
    });
  });
});
