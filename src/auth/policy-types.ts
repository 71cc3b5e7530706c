import type { Resource } from 'fhir/r4';
import type { ScopeFilter } from './scope-filter.ts';

export const interactions = [
  'read',
  'vread',
  'search',
  'history',
  'create',
  'update',
  'delete',
  'patch',
] as const;
/** The FHIR RESTful interactions the policy decides on (http://hl7.org/fhir/R4/http.html). */
export type Interaction = (typeof interactions)[number];

/** What the REST layer asks the policy about one interaction. */
export interface AccessRequest {
  interaction: Interaction;
  resourceType: string;
  /** Logical id for instance-level interactions; with it, `history` is instance history (`r`). */
  id?: string;
  /**
   * The stored version for reads; the new body for create, update and patch. A read decided
   * without it is only a pre-check: decide again with the stored version, or check it against the
   * narrowing, before it leaves (each version, for instance history).
   */
  resource?: Resource;
  /** The stored version an update, patch or delete replaces. */
  previous?: Resource;
  /** Patient compartments of `resource` (`Patient/<id>`), when the caller already has them. */
  compartments?: string[];
  /** Patient compartments of `previous`, when the caller already has them. */
  previousCompartments?: string[];
  /**
   * Decide on type and action alone, before the stored version is read (a patch, whose new body
   * the server computes from it). Only a pre-check: the write is decided again with both versions.
   */
  isPreCheck?: boolean;
}

/** How an allowed interaction must be narrowed before and after it touches data. */
export interface AccessNarrowing {
  /** `Patient/<id>`: every result and every written version must belong to this compartment. */
  compartment?: string;
  /**
   * OR of AND-lists of token search parameters from granular scopes: a search adds them to its
   * query, and a single resource must match one list (`resourceMatchesFilters`). Empty: none.
   */
  filters: ScopeFilter[];
  /** Only these top-level elements may leave the server (plus `resourceType`). */
  fieldMask?: string[];
}

/** The policy's answer. `reason` is our own wording: no PHI, no values from the request. */
export type AccessDecision =
  | { allowed: false; reason: string }
  | {
      allowed: true;
      narrowing: AccessNarrowing;
      /** The decision was made while an emergency-access grant was in force: audit marks it. */
      isBreakGlass: boolean;
    };
