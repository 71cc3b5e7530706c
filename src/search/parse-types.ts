import type { SearchParamDef } from './definitions.ts';
import type { DateInterval } from './normalize-date.ts';
import type { NumberRange } from './normalize-number.ts';

/**
 * The abstract syntax of a FHIR search request, as `parseSearchRequest` builds it and
 * `compileFilter` consumes it. http://hl7.org/fhir/R4/search.html
 */

/** Modifiers Ward understands; which ones a parameter type allows is in parse-modifiers.ts. */
export type Modifier =
  | 'exact'
  | 'contains'
  | 'missing'
  | 'not'
  | 'text'
  | 'identifier'
  | 'above'
  | 'below'
  | 'type';

/** Comparison prefixes of ordered types. http://hl7.org/fhir/R4/search.html#prefix */
export const prefixes = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof prefixes)[number];

/** A search date as the half-open UTC interval its precision implies, as stored values are. */
export interface DateRange extends DateInterval {
  /** The value as given, normalized to its precision (`1970`, `1970-03`, `1970-03-05`, ...). */
  normalized: string;
}

export interface StringValue {
  type: 'string';
  text: string;
}
export interface TokenValue {
  type: 'token';
  /** Undefined when no `|` was given; `''` for `|code` (explicitly no system). */
  system?: string;
  /** Undefined for `system|`. */
  code?: string;
}
/** `:text` on a token: the text of the coding, matched like a string. */
export interface TokenTextValue {
  type: 'token-text';
  text: string;
}
export interface ReferenceValue {
  type: 'reference';
  /** `Type/id` when the type is known (given, from `:[type]`, or the only target). */
  ref?: string;
  /** The bare id when no type is known. */
  id?: string;
  /** An absolute URL that is not under this server's base. */
  url?: string;
  /** `:identifier`: the `Reference.identifier` asked for; `system` '' means "no system". */
  identifier?: { system?: string; value: string };
}
export interface DateValue {
  type: 'date';
  prefix: Prefix;
  range: DateRange;
}
export interface NumberValue {
  type: 'number';
  prefix: Prefix;
  range: NumberRange;
}
export interface QuantityValue {
  type: 'quantity';
  prefix: Prefix;
  range: NumberRange;
  system?: string;
  /** With a system: the unit code. Without (`value||unit`): a code or a unit text. */
  code?: string;
}
export interface UriValue {
  type: 'uri';
  uri: string;
}
export interface MissingValue {
  type: 'missing';
  isMissing: boolean;
}
export interface CompositeValue {
  type: 'composite';
  /** One value per component, in definition order. */
  components: ComponentValue[];
}

export type ComponentValue =
  | StringValue
  | TokenValue
  | DateValue
  | NumberValue
  | QuantityValue
  | UriValue
  | ReferenceValue;

export type ParamValue = ComponentValue | TokenTextValue | MissingValue | CompositeValue;

/** One parameter occurrence: its values are alternatives (OR); clauses combine with AND. */
export interface ParamClause {
  kind: 'param';
  def: SearchParamDef;
  modifier?: Modifier;
  /** The resource type named by a `:[type]` modifier on a reference. */
  targetType?: string;
  values: ParamValue[];
}

/**
 * `subject:Patient.name=x`: resources whose reference `def` points at a `targetType` resource
 * matching `next`. Executed by running `next` first (see compile-chain.ts).
 */
export interface ChainClause {
  kind: 'chain';
  def: SearchParamDef;
  targetType: string;
  next: Clause;
}

/**
 * `_has:Observation:patient:code=x`: resources that `sourceType` resources matching `next`
 * refer to through `referenceParam`.
 */
export interface HasClause {
  kind: 'has';
  sourceType: string;
  referenceParam: SearchParamDef;
  next: Clause;
}

export type Clause = ParamClause | ChainClause | HasClause;

export interface SortKey {
  /** `_id`, `_lastUpdated` or a parameter code. */
  code: string;
  def?: SearchParamDef;
  isDescending: boolean;
}

export interface IncludeSpec {
  sourceType: string;
  /** Undefined for the wildcard `*`: every reference parameter of the source type. */
  param?: SearchParamDef;
  targetType?: string;
  isIterate: boolean;
}

export const totalModes = ['none', 'estimate', 'accurate'] as const;
export type TotalMode = (typeof totalModes)[number];
export const summaryModes = ['true', 'count', 'data', 'text', 'false'] as const;
export type SummaryMode = (typeof summaryModes)[number];

/** A parsed search request: filter clauses (AND) and the result parameters. */
export interface ParsedSearch {
  /** The type searched, or for a system search the `_type` list (all served types if absent). */
  resourceTypes: string[];
  clauses: Clause[];
  sort: SortKey[];
  count: number;
  total?: TotalMode;
  summary?: SummaryMode;
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** The raw page token (`_cursor`), read with `readPageToken`. */
  cursor?: string;
  /** The parameters applied, as given (name, value), for the self link. Excludes `_cursor`. */
  applied: Array<[string, string]>;
  /** Parameter names dropped in lenient mode (names only; values may be PHI). */
  ignored: string[];
}
