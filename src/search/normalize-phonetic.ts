import { foldText } from './normalize-string.ts';

/**
 * Phonetic code for the Patient `phonetic` parameter. R4 leaves the algorithm to the server
 * (http://hl7.org/fhir/R4/patient.html#search); Ward uses American Soundex as described in the
 * U.S. National Archives' rules: keep the first letter, code the rest as digits, let h and w
 * join equal codes while vowels separate them, pad or cut to four characters.
 */

const soundexDigits: Readonly<Record<string, string>> = {
  b: '1',
  f: '1',
  p: '1',
  v: '1',
  c: '2',
  g: '2',
  j: '2',
  k: '2',
  q: '2',
  s: '2',
  x: '2',
  z: '2',
  d: '3',
  t: '3',
  l: '4',
  m: '5',
  n: '5',
  r: '6',
};

/** Soundex code of a name (`Robert`, `Rupert` → `r163`); undefined when it has no letters. */
export function toSoundex(name: string): string | undefined {
  const letters = foldText(name).replace(/[^a-z]/g, '');
  const first = letters[0];
  if (first === undefined) return undefined;

  let code = first;
  let previous = soundexDigits[first] ?? '';
  for (let i = 1; i < letters.length && code.length < 4; i++) {
    const ch = letters[i] ?? '';
    const digit = soundexDigits[ch];
    if (digit === undefined) {
      // Vowels break a run of equal codes; h and w do not.
      if (ch !== 'h' && ch !== 'w') previous = '';
      continue;
    }
    if (digit !== previous) code += digit;
    previous = digit;
  }
  return code.padEnd(4, '0');
}
