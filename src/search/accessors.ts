import { splitTopLevel } from './fhirpath-split.ts';
import { isKnownType, isTypeOf, normalizeTypeName, resolveStep } from './accessors-model.ts';

/**
 * Direct accessors for the simple FHIRPath expressions that most R4 search parameters use
 * (`Patient.name.family`, `(Observation.value as Quantity)`, `Observation.effective`,
 * `Patient.telecom.where(system='email')`, `Observation.subject.where(resolve() is Patient)`).
 * Each is compiled once, at load time, into plain property reads with the value's FHIR type
 * known statically; expressions outside this subset are left to the FHIRPath engine
 * (accessors-fhirpath.ts). Evaluating the engine for every parameter costs about ten times more.
 */

/** One value an expression selected, with its FHIR type (`HumanName`, `dateTime`, ...). */
export interface TypedValue {
  type: string;
  value: unknown;
}

/** Selects the values of one expression from a resource or from a context element. */
export type Accessor = (input: unknown) => TypedValue[];

/** Where an expression starts: a model path (a type name or a backbone path) and its type. */
export interface AccessorBase {
  modelPath: string;
  type: string;
}

type Op = (values: unknown[]) => unknown[];

interface Lane extends AccessorBase {
  ops: Op[];
}

type Step =
  | { op: 'child'; name: string }
  | { op: 'ofType'; type: string }
  | { op: 'whereEq'; field: string; literal: string }
  | { op: 'whereRefType'; type: string };

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const whereEq = /^where\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'([^'\\]*)'\s*\)$/;
const whereResolveIs = /^where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)$/;
const typeFilter = /^(?:as|ofType)\(\s*([A-Za-z]+)\s*\)$/;
const parenAs = /^\(([^()]+)\s+as\s+([A-Za-z]+)\)(.*)$/;

/**
 * Compiles `expression` into a direct accessor, or returns undefined when it uses anything
 * outside the supported subset. Relative expressions (composite components) start at `base`.
 */
export function compileAccessor(
  expression: string,
  resourceType: string,
  base?: AccessorBase,
): Accessor | undefined {
  const lanes: Lane[] = [];
  for (const term of splitTopLevel(expression, '|')) {
    const termLanes = compileTerm(term, resourceType, base);
    if (!termLanes) return undefined;
    lanes.push(...termLanes);
  }
  return (input) => runLanes(lanes, input);
}

/** The static start of a simple path such as `Observation.component`, for its components. */
export function describeBase(path: string, resourceType: string): AccessorBase | undefined {
  const lanes = compileTerm(path, resourceType, undefined);
  if (lanes?.length !== 1 || lanes[0] === undefined) return undefined;
  return { modelPath: lanes[0].modelPath, type: lanes[0].type };
}

/**
 * The resource type a reference string points at, for `resolve() is Type` without resolving:
 * `Type/id`, `Type/id/_history/v`, or an absolute URL ending so.
 */
export function referenceTargetType(reference: unknown): string | undefined {
  if (typeof reference !== 'string') return undefined;
  const match =
    /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(
      reference,
    );
  return match?.[1];
}

function runLanes(lanes: Lane[], input: unknown): TypedValue[] {
  const out: TypedValue[] = [];
  for (const lane of lanes) {
    let values: unknown[] = [input];
    for (const op of lane.ops) {
      values = op(values);
      if (values.length === 0) break;
    }
    for (const value of values) out.push({ type: lane.type, value });
  }
  return out;
}

function compileTerm(
  term: string,
  resourceType: string,
  base: AccessorBase | undefined,
): Lane[] | undefined {
  const steps = parseTerm(term.trim());
  if (!steps) return undefined;

  const [first, ...rest] = steps;
  let lanes: Lane[];
  if (first?.op === 'child' && first.name === resourceType && isKnownType(resourceType)) {
    lanes = [{ modelPath: resourceType, type: resourceType, ops: [] }];
  } else if (base) {
    lanes = [{ ...base, ops: [] }];
    if (first) rest.unshift(first);
  } else {
    return undefined;
  }

  for (const step of rest) {
    const next = applyStep(lanes, step);
    if (!next) return undefined;
    lanes = next;
  }
  return lanes;
}

function applyStep(lanes: Lane[], step: Step): Lane[] | undefined {
  const out: Lane[] = [];
  for (const lane of lanes) {
    if (step.op === 'child') {
      const target = resolveStep(lane.modelPath, step.name);
      if (target.kind === 'unknown') return undefined;
      if (target.kind === 'single') {
        out.push({
          modelPath: target.modelPath,
          type: target.type,
          ops: [...lane.ops, get(step.name)],
        });
      } else {
        for (const o of target.options) {
          out.push({ modelPath: o.modelPath, type: o.type, ops: [...lane.ops, get(o.jsonKey)] });
        }
      }
    } else if (step.op === 'ofType') {
      if (isTypeOf(lane.type, normalizeTypeName(step.type))) out.push(lane);
    } else if (step.op === 'whereEq') {
      out.push({ ...lane, ops: [...lane.ops, filterEq(step.field, step.literal)] });
    } else {
      if (lane.type !== 'Reference') return undefined;
      out.push({ ...lane, ops: [...lane.ops, filterReferenceType(step.type)] });
    }
  }
  return out;
}

function parseTerm(term: string): Step[] | undefined {
  const asMatch = parenAs.exec(term);
  if (asMatch) {
    const [, inner = '', type = '', tail = ''] = asMatch;
    const head = parsePath(inner.trim());
    if (!head) return undefined;
    if (tail.trim() === '') return [...head, { op: 'ofType', type }];
    if (!tail.startsWith('.')) return undefined;
    const rest = parsePath(tail.slice(1));
    return rest ? [...head, { op: 'ofType', type }, ...rest] : undefined;
  }
  return parsePath(term);
}

function parsePath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  for (const segment of splitTopLevel(path, '.')) {
    const step = parseSegment(segment);
    if (!step) return undefined;
    steps.push(step);
  }
  return steps;
}

function parseSegment(segment: string): Step | undefined {
  if (identifier.test(segment)) return { op: 'child', name: segment };
  const eq = whereEq.exec(segment);
  if (eq) return { op: 'whereEq', field: eq[1] ?? '', literal: eq[2] ?? '' };
  const resolveIs = whereResolveIs.exec(segment);
  if (resolveIs) return { op: 'whereRefType', type: resolveIs[1] ?? '' };
  const filter = typeFilter.exec(segment);
  if (filter) return { op: 'ofType', type: filter[1] ?? '' };
  return undefined;
}

function get(key: string): Op {
  return (values) => {
    const out: unknown[] = [];
    for (const v of values) {
      if (v === null || typeof v !== 'object') continue;
      const child = (v as Record<string, unknown>)[key];
      if (child === undefined || child === null) continue;
      if (!Array.isArray(child)) out.push(child);
      else for (const item of child) if (item !== null && item !== undefined) out.push(item);
    }
    return out;
  };
}

function filterEq(field: string, literal: string): Op {
  return (values) =>
    values.filter(
      (v) =>
        typeof v === 'object' && v !== null && (v as Record<string, unknown>)[field] === literal,
    );
}

function filterReferenceType(type: string): Op {
  return (values) =>
    values.filter(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        referenceTargetType((v as Record<string, unknown>).reference) === type,
    );
}
