import type { FastifyReply } from 'fastify';
import {
  deletePendingAuthorization,
  setPendingPatient,
  type PendingAuthorization,
} from './authorize-pending.ts';
import { buildErrorRedirect } from './authorize-request.ts';
import { redirectTo, type LoginContext } from './login-context.ts';
import type { UserDocument } from './users.ts';

/** The Patient id a patient user is, or `undefined` for everyone else. */
export function findOwnPatientId(user: UserDocument): string | undefined {
  return user.fhirUser?.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : undefined;
}

/**
 * The step after a successful sign-in: settle the patient in context, then ask for consent.
 * A patient user's context is always their own record; a launch context for another patient
 * is refused rather than narrowed, so the app learns it cannot have it.
 */
export async function continueAuthorization(
  context: LoginContext,
  reply: FastifyReply,
  pending: PendingAuthorization,
  user: UserDocument,
): Promise<FastifyReply> {
  const ownPatient = findOwnPatientId(user);
  if (ownPatient !== undefined) {
    if (pending.patient !== undefined && pending.patient !== ownPatient) {
      return refuseAuthorization(
        context,
        reply,
        pending,
        'access_denied',
        'the launch patient is not the signed-in patient',
      );
    }
    if (pending.patient === undefined) {
      await setPendingPatient(context.deps.db, pending._id, { patient: ownPatient });
    }
    return redirectTo(reply, `/auth/consent?request=${pending._id}`);
  }

  if (pending.scopes.includes('launch/patient') && pending.patient === undefined) {
    return redirectTo(reply, `/auth/patient?request=${pending._id}`);
  }
  return redirectTo(reply, `/auth/consent?request=${pending._id}`);
}

/** Ends the request and sends the error back to the app (its redirect URI is verified). */
export async function refuseAuthorization(
  context: LoginContext,
  reply: FastifyReply,
  pending: PendingAuthorization,
  error: string,
  description: string,
): Promise<FastifyReply> {
  await deletePendingAuthorization(context.deps.db, pending._id);
  return redirectTo(
    reply,
    buildErrorRedirect(pending.redirectUri, error, description, pending.state),
  );
}
