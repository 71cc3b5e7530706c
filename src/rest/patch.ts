import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Resource } from 'fhir/r4';
// fast-json-patch is CommonJS whose named exports Node cannot detect: take its default export.
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { FhirError } from '../fhir/fhir-error.ts';
import { isJsonObject } from '../validation/json-object.ts';
import { requireInteraction } from './interactions.ts';
import { jsonPatchMediaType } from './negotiation.ts';
import { readForCaller } from './read.ts';
import { readIfMatch, toWritableResource } from './request-body.ts';
import { pathParam, sendWriteResult } from './respond.ts';
import type { RestContext } from './rest-context.ts';
import { storeNewVersion } from './write.ts';

const { applyPatch, JsonPatchError } = fastJsonPatch;

/**
 * patch: `PATCH [base]/[type]/[id]` with a JSON Patch document (RFC 6902) in
 * `application/json-patch+json` (http://hl7.org/fhir/R4/http.html#patch). The patched resource
 * is validated and written like an update, compare-and-set on the version it was computed from,
 * so a concurrent write makes the patch fail (412) instead of silently undoing the other one.
 * FHIRPath Patch (a Parameters body) is not supported: 415.
 */
export function patchHandler(ctx: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = requireInteraction(pathParam(request, 'type'), 'patch');
    const id = pathParam(request, 'id');
    const ifMatch = readIfMatch(request);
    const operations = readJsonPatch(request);
    const access = { interaction: 'patch' as const, resourceType: type, id };
    const narrowing = ctx.guard.checkType(request, { ...access, isPreCheck: true });
    const current = await readForCaller(ctx, type, id, narrowing);
    const previous = current.resource!;
    // A stored resource outside the grant looks missing, as it does to a read.
    ctx.guard.checkVisible(request, { ...access, resource: previous, previous });

    const patched = toWritableResource(applyOperations(previous, operations), type);
    if (patched.id !== id) {
      throw new FhirError('unprocessable', 'a patch may not change the resource id', {
        issues: [{ diagnostics: 'a patch may not change the resource id', expression: `${type}.id` }],
      });
    }
    const narrowed = ctx.guard.checkWrite(request, { ...access, resource: patched, previous });
    const { shown } = await storeNewVersion(ctx, request, {
      interaction: 'patch',
      resource: { ...patched, id },
      previous,
      ifMatch: ifMatch ?? current.versionId,
      narrowing: narrowed,
    });
    return sendWriteResult(request, reply, shown, 200);
  };
}

const operationNames = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
const maxOperations = 1000;

/** The body as a list of RFC 6902 operations, or a 400 saying which one is malformed. */
function readJsonPatch(request: FastifyRequest): Operation[] {
  const contentType = String(request.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (contentType.toLowerCase() !== jsonPatchMediaType) {
    throw new FhirError('unsupportedMediaType', `send a JSON Patch document as ${jsonPatchMediaType}`);
  }
  const body: unknown = request.body;
  if (!Array.isArray(body) || body.length === 0 || body.length > maxOperations) {
    throw new FhirError('invalidInput', `a JSON Patch document is an array of 1 to ${maxOperations} operations`);
  }
  body.forEach((operation: unknown, index) => {
    if (!isOperation(operation)) {
      throw new FhirError('invalidInput', `JSON Patch operation ${index} is malformed`);
    }
  });
  return body as Operation[];
}

/** Only the six operations of RFC 6902 §4, with the members each requires. */
function isOperation(value: unknown): boolean {
  if (!isJsonObject(value)) return false;
  const { op, path, from } = value;
  if (typeof op !== 'string' || !operationNames.has(op) || !isPointer(path)) return false;
  if ((op === 'move' || op === 'copy') && !isPointer(from)) return false;
  if ((op === 'add' || op === 'replace' || op === 'test') && !Object.hasOwn(value, 'value')) return false;
  return true;
}

/** No FHIR element bears these names; as pointer segments they could only reach prototypes. */
const bannedSegments = new Set(['__proto__', 'constructor', 'prototype']);

function isPointer(value: unknown): boolean {
  if (typeof value !== 'string' || (value !== '' && !value.startsWith('/'))) return false;
  return !value.split('/').some((segment) => bannedSegments.has(segment));
}

/**
 * Applies the operations to a copy of the stored resource. A failed `test`, or a path that does
 * not exist in this resource, is a 422: the document is well formed but cannot apply here.
 */
function applyOperations(resource: Resource, operations: Operation[]): unknown {
  try {
    // Validate each operation, leave the stored copy untouched, and (a second net behind
    // isPointer) refuse prototype paths.
    return applyPatch(resource, operations, true, false, true).newDocument;
  } catch (err) {
    if (!(err instanceof JsonPatchError)) throw err;
    // The library's message can quote the values under test: say only which operation failed.
    const diagnostics =
      err.name === 'TEST_OPERATION_FAILED'
        ? `JSON Patch operation ${err.index ?? '?'} (test) failed`
        : `JSON Patch operation ${err.index ?? '?'} cannot be applied to this resource`;
    throw new FhirError('unprocessable', diagnostics);
  }
}
