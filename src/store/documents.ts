import type { EncryptedBlob } from '../crypto/encrypted-blob.ts';
import type { IndexEntry } from '../search/index-entry.ts';
import type { SortKeys } from '../search/sort-keys.ts';

/** The current version of a resource, collection `resources`. `_id` is `<type>/<id>`. */
export interface CurrentDocument {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  /** Patient compartments the resource belongs to, e.g. `Patient/123`. */
  compartments: string[];
  search: IndexEntry[];
  /** Per-parameter sort keys derived from `search` (src/search/sort.ts). */
  sort?: SortKeys;
  /** Absent on a deleted version. */
  body?: EncryptedBlob;
}

/** Every version ever written, collection `history`; never updated. `_id` is `<type>/<id>/<vid>`. */
export interface HistoryDocument {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Patient compartments of the version, so history can be narrowed to one patient. */
  compartments?: string[];
  body?: EncryptedBlob;
}

export const collectionNames = { resources: 'resources', history: 'history', keys: 'keys' } as const;

/** The additional authenticated data that binds a body to its type, id and version. */
export function bodyAad(type: string, id: string, versionId: number): string {
  return `${type}/${id}/${versionId}`;
}

/** `_id` of a current document. */
export function documentKey(type: string, id: string): string {
  return `${type}/${id}`;
}

/** `_id` of a history entry; zero-padded so keys order versions of one resource as versionId does. */
export function historyKey(type: string, id: string, versionId: number): string {
  return `${type}/${id}/${String(versionId).padStart(10, '0')}`;
}
