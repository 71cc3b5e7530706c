import type { Document } from 'mongodb';
import type { BlindIndexFn } from './index-entry.ts';

/** Conditions on the fields of ONE index entry (`s`, `lo`, `c.1.n`, ...), without `p`. */
export type EntryMatch = Record<string, unknown>;

/**
 * One compiled clause. `entry`: some index entry of parameter `p` satisfies `match` (or, when
 * negated, none does); `document`: a condition on the stored document's own fields.
 * Keeping this form apart from MongoDB syntax lets the same clauses run as `$elemMatch` on
 * MongoDB and as `$unwind` stages on FerretDB 1.x, which lacks field conditions in `$elemMatch`.
 */
export type Condition =
  | { kind: 'entry'; p: string; match: EntryMatch; isNegated: boolean }
  | { kind: 'document'; filter: Document };

export interface CompileOptions {
  /** Longest folded prefix whose HMAC the index stores for protected strings (E's cap). */
  protectedPrefixCap?: number;
  /** "Now" for the `ap` prefix on dates. */
  now?: Date;
  /**
   * Results of chained and reverse-chained clauses, run beforehand by the search service:
   * for a chain, the `Type/id` of the targets that matched; for `_has`, the `Type/id` the
   * matching sources refer to. See `describeChainStep`.
   */
  chainResults?: ReadonlyMap<object, readonly string[]>;
}

export interface CompileContext {
  blind: BlindIndexFn;
  protectedPrefixCap: number;
  now: Date;
}
