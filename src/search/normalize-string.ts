/**
 * Folding for string search: "case and accent insensitive" and white space collapsed
 * (http://hl7.org/fhir/R4/search.html#string). The same function folds stored values and query
 * values, so both sides agree.
 */

/** Letters that Unicode decomposition does not split into a base letter plus marks. */
const extraFolds: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

const plainAscii = /^[\x20-\x7e]*$/;
const marks = /\p{M}/gu;
const extras = /[ßæœøłđðþı]/g;
const spaces = /\s+/g;

/** Lower case, accents removed, white space collapsed to single spaces and trimmed. */
export function foldText(text: string): string {
  if (plainAscii.test(text)) return text.toLowerCase().replace(spaces, ' ').trim();
  return text
    .normalize('NFD')
    .replace(marks, '')
    .toLowerCase()
    .replace(extras, (ch) => extraFolds[ch] ?? ch)
    .replace(spaces, ' ')
    .trim();
}
