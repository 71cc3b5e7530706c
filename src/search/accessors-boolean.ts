import { compileAccessor, type Accessor } from './accessors.ts';

/**
 * Direct accessors for boolean search expressions made of `and`-joined tests on simple paths,
 * such as Patient `deceased`: `Patient.deceased.exists() and Patient.deceased != false`.
 * FHIRPath's three-valued logic is kept (http://hl7.org/fhirpath/N1/#boolean-logic): a
 * comparison with an empty collection is empty, `false and {}` is false, `true and {}` is empty.
 */

type Test = (input: unknown) => boolean | undefined;

const existsTest = /^(.+)\.exists\(\)$/;
const comparison = /^(.+?)\s*(!=|=)\s*(true|false|'[^'\\]*')$/;

/** Compiles the expression, or returns undefined when it is not of this form. */
export function compileBooleanAccessor(
  expression: string,
  resourceType: string,
): Accessor | undefined {
  const operands = expression.split(/\s+and\s+/);
  if (operands.length < 2) return undefined;

  const tests: Test[] = [];
  for (const operand of operands) {
    const test = compileTest(operand.trim(), resourceType);
    if (!test) return undefined;
    tests.push(test);
  }

  return (input) => {
    let result: boolean | undefined = true;
    for (const test of tests) {
      const value = test(input);
      if (value === false) return [{ type: 'boolean', value: false }];
      if (value === undefined) result = undefined;
    }
    return result === undefined ? [] : [{ type: 'boolean', value: result }];
  };
}

function compileTest(operand: string, resourceType: string): Test | undefined {
  const exists = existsTest.exec(operand);
  if (exists) {
    const read = compileAccessor(exists[1] ?? '', resourceType);
    return read && ((input) => read(input).length > 0);
  }

  const compare = comparison.exec(operand);
  if (!compare) return undefined;
  const [, path = '', operator, literalText = ''] = compare;
  const read = compileAccessor(path, resourceType);
  if (!read) return undefined;
  const literal = literalText.startsWith("'") ? literalText.slice(1, -1) : literalText === 'true';
  const isEqual = operator === '=';

  return (input) => {
    const values = read(input);
    if (values.length === 0) return undefined;
    // Values of another type than the literal's are simply unequal, as in FHIRPath.
    const equal = values.length === 1 && values[0]?.value === literal;
    return isEqual ? equal : !equal;
  };
}
