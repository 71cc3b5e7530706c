import type { BlindIndexFn, IndexEntry } from './index-entry.ts';

/** An index entry before its parameter code is attached (also the shape of composite parts). */
export type EntryBody = IndexEntry extends infer E
  ? E extends unknown
    ? Omit<E, 'p'>
    : never
  : never;

/** What a value converter needs to know about the parameter it indexes for. */
export interface ExtractContext {
  /** Parameter code; also the blind-index purpose, so each parameter has its own HMAC domain. */
  code: string;
  isProtected: boolean;
  blind: BlindIndexFn;
}

/** Narrows a JSON value to an object whose fields can be read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The non-empty strings among a field that may hold one string or an array of them. */
export function readStrings(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v !== '');
}

/** A field's value when it is a non-empty string. */
export function readString(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
