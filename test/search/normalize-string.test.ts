import { describe, expect, it } from 'vitest';
import { toSoundex } from '../../src/search/normalize-phonetic.ts';
import { foldText } from '../../src/search/normalize-string.ts';

describe('foldText', () => {
  it('removes accents and case', () => {
    expect(foldText('Zoë Ñúñez-ÅSTRÖM')).toBe('zoe nunez-astrom');
  });

  it('folds letters that decomposition keeps whole', () => {
    expect(foldText('Straße Ørsted Łukasz')).toBe('strasse orsted lukasz');
  });

  it('collapses and trims white space', () => {
    expect(foldText('  Mary \t  Ann\n')).toBe('mary ann');
  });
});

describe('toSoundex', () => {
  it('codes names that sound alike the same', () => {
    expect(toSoundex('Robert')).toBe('r163');
    expect(toSoundex('Rupert')).toBe('r163');
  });

  it('applies the h/w and first-letter rules', () => {
    expect(toSoundex('Ashcraft')).toBe('a261');
    expect(toSoundex('Pfister')).toBe('p236');
    expect(toSoundex('Tymczak')).toBe('t522');
    expect(toSoundex('Lee')).toBe('l000');
  });

  it('ignores accents and has no code for a name without letters', () => {
    expect(toSoundex('Müller')).toBe(toSoundex('Muller'));
    expect(toSoundex('123')).toBeUndefined();
  });
});
