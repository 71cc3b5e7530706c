import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { FhirError } from '../fhir/fhir-error.ts';

/**
 * An EHR launch context (SMART App Launch, "EHR launch"): the EHR creates one, passes its id
 * to the app as `launch`, and the app hands it back to `/auth/authorize`, where it supplies
 * the patient (and encounter) in context.
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
export interface LaunchContext {
  patient: string;
  encounter?: string;
}

interface LaunchContextDocument extends LaunchContext {
  _id: string;
  createdAt: Date;
}

export const launchContextsCollectionName = 'launch_contexts';
/** An app starts right after the EHR launches it; an old id is refused. */
const launchContextLifetimeMs = 10 * 60_000;
const resourceIdPattern = /^[A-Za-z0-9\-.]{1,64}$/;

/** Stores a launch context and returns its opaque id (the `launch` parameter). */
export async function createLaunchContext(
  db: Db,
  context: LaunchContext,
  now: Date = new Date(),
): Promise<string> {
  if (!isResourceId(context.patient)) {
    throw new FhirError('invalidInput', 'the launch patient must be a Patient id');
  }
  if (context.encounter !== undefined && !isResourceId(context.encounter)) {
    throw new FhirError('invalidInput', 'the launch encounter must be an Encounter id');
  }
  const id = randomBytes(18).toString('base64url');
  const doc: LaunchContextDocument = { _id: id, ...context, createdAt: now };
  await db.collection<LaunchContextDocument>(launchContextsCollectionName).insertOne(doc);
  return id;
}

/** The context behind a `launch` id, or `undefined` when unknown or expired. */
export async function findLaunchContext(
  db: Db,
  id: string,
  now: Date,
): Promise<LaunchContext | undefined> {
  const doc = await db
    .collection<LaunchContextDocument>(launchContextsCollectionName)
    .findOne({ _id: id });
  if (!doc || now.getTime() - doc.createdAt.getTime() > launchContextLifetimeMs) return undefined;
  return { patient: doc.patient, ...(doc.encounter ? { encounter: doc.encounter } : {}) };
}

/** A FHIR logical id (http://hl7.org/fhir/R4/datatypes.html#id). */
export function isResourceId(value: string): boolean {
  return resourceIdPattern.test(value);
}
