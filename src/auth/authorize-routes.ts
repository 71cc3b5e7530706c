import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { issueAuthorizationCode } from './authorize-code.ts';
import { findClient } from './clients.ts';
import { continueAuthorization, refuseAuthorization } from './authorize-flow.ts';
import {
  deletePendingAuthorization,
  savePendingAuthorization,
  setPendingPatient,
  type PendingAuthorization,
} from './authorize-pending.ts';
import { validateAuthorizeRequest, buildErrorRedirect } from './authorize-request.ts';
import { hasResourceScope, selectGrantedScopes } from './authorize-scopes.ts';
import { findLaunchContext, isResourceId } from './launch-context.ts';
import { readField, readParams, redirectTo, sendPage, type LoginContext } from './login-context.ts';
import { issueCsrfToken } from './login-csrf.ts';
import { findSessionUser, requireSessionUser } from './login-session.ts';
import { readPending, readPendingForm } from './login-steps.ts';
import { renderConsentBody } from './pages/consent-page.ts';
import { renderMessageBody } from './pages/message-page.ts';
import { renderPatientBody } from './pages/patient-page.ts';
import type { UserDocument } from './users.ts';

/**
 * `/auth/authorize` (GET and POST, SMART App Launch 2.x) and the pages after sign-in: the
 * patient picker and the consent page that ends in a redirect with the code.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, context: LoginContext): void {
  const authorize = (request: FastifyRequest, reply: FastifyReply) =>
    handleAuthorize(context, request, reply);
  app.get('/auth/authorize', authorize);
  app.post('/auth/authorize', authorize);

  app.get('/auth/patient', async (request, reply) => {
    const pending = await readPending(context, request, reply, 'query');
    if (!pending) return reply;
    const user = await requireSessionUser(context, request, reply, pending._id);
    if (!user) return reply;
    return sendPatientPage(context, request, reply, pending._id);
  });

  app.post('/auth/patient', async (request, reply) => {
    const pending = await readPendingForm(context, request, reply);
    if (!pending) return reply;
    const user = await requireSessionUser(context, request, reply, pending._id);
    if (!user) return reply;
    return handlePatientChoice(context, request, reply, pending, user);
  });

  app.get('/auth/consent', async (request, reply) => {
    const pending = await readPending(context, request, reply, 'query');
    if (!pending) return reply;
    const user = await requireSessionUser(context, request, reply, pending._id);
    if (!user) return reply;
    return sendConsentPage(context, request, reply, pending, user);
  });

  app.post('/auth/consent', async (request, reply) => {
    const pending = await readPendingForm(context, request, reply);
    if (!pending) return reply;
    const user = await requireSessionUser(context, request, reply, pending._id);
    if (!user) return reply;
    return handleConsent(context, request, reply, pending, user);
  });
}

async function handleAuthorize(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { db, fhirBaseUrl } = context.deps;
  const outcome = await validateAuthorizeRequest(readParams(request), fhirBaseUrl, (clientId) =>
    findClient(db, clientId),
  );
  if (outcome.kind === 'error-page') {
    return sendPage(reply, {
      title: 'Sign-in',
      body: renderMessageBody(outcome.message),
      status: 400,
    });
  }
  if (outcome.kind === 'error-redirect') return redirectTo(reply, outcome.location);

  const authorization = outcome.request;
  const now = context.now();
  const launch = authorization.launch
    ? await findLaunchContext(db, authorization.launch, now)
    : undefined;
  if (authorization.launch && !launch) {
    const location = buildErrorRedirect(
      authorization.redirectUri,
      'invalid_request',
      'launch is unknown or expired',
      authorization.state,
    );
    return redirectTo(reply, location);
  }

  const requestId = await savePendingAuthorization(db, { ...authorization, ...launch }, now);
  const user = await findSessionUser(context, request, reply);
  if (user === undefined || user === 'timed-out') {
    return redirectTo(reply, `/auth/login?request=${requestId}`);
  }
  return continueAuthorization(
    context,
    reply,
    { ...authorization, ...launch, _id: requestId, createdAt: now },
    user,
  );
}

async function handlePatientChoice(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
  user: UserDocument,
): Promise<FastifyReply> {
  const patient = (readField(request.body, 'patient') ?? '').trim();
  if (!isResourceId(patient) || !(await context.deps.patientExists(patient))) {
    return sendPatientPage(context, request, reply, pending._id, 'No patient with that id.', 404);
  }
  await setPendingPatient(context.deps.db, pending._id, { patient });
  return continueAuthorization(context, reply, { ...pending, patient }, user);
}

async function handleConsent(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
  user: UserDocument,
): Promise<FastifyReply> {
  if (readField(request.body, 'decision') !== 'approve') {
    return refuseAuthorization(context, reply, pending, 'access_denied', 'the user denied access');
  }
  const scopes = await findGrantedScopes(context, pending, user);
  if (!scopes) return refuseUnregisteredClient(context, reply, pending);
  if (!hasResourceScope(scopes)) {
    return refuseAuthorization(
      context,
      reply,
      pending,
      'invalid_scope',
      'none of the requested scopes is allowed',
    );
  }
  if (pending.scopes.includes('launch/patient') && pending.patient === undefined) {
    return continueAuthorization(context, reply, pending, user);
  }
  // Deleting is the single-use step: of two posts of the same form only one gets a code.
  if (!(await deletePendingAuthorization(context.deps.db, pending._id))) {
    return sendPage(reply, {
      title: 'Sign-in',
      body: renderMessageBody('This request was already answered.'),
      status: 409,
    });
  }

  const code = await issueAuthorizationCode(
    context.deps.db,
    {
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      userId: user._id,
      ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
      scopes,
      ...(pending.patient ? { patient: pending.patient } : {}),
      ...(pending.encounter ? { encounter: pending.encounter } : {}),
      ...(pending.nonce ? { nonce: pending.nonce } : {}),
      authTime: user.lastLoginAt ?? context.now(),
      codeChallenge: pending.codeChallenge,
    },
    context.now(),
  );
  const location = new URL(pending.redirectUri);
  location.searchParams.set('code', code);
  if (pending.state !== undefined) location.searchParams.set('state', pending.state);
  return redirectTo(reply, location.toString());
}

function sendPatientPage(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  requestId: string,
  message?: string,
  status?: number,
): FastifyReply {
  const csrf = issueCsrfToken(request, reply, context.deps.isHttps);
  return sendPage(reply, {
    title: 'Choose a patient',
    body: renderPatientBody({ requestId, csrf }, message),
    status,
    idleTimeoutMs: context.sessions.policy.idleTimeoutMs,
  });
}

/** Ends the flow when the client was removed or disabled while its user was signing in. */
function refuseUnregisteredClient(
  context: LoginContext,
  reply: FastifyReply,
  pending: PendingAuthorization,
): Promise<FastifyReply> {
  const reason = 'the client is no longer registered';
  return refuseAuthorization(context, reply, pending, 'unauthorized_client', reason);
}

/** The scopes the consent would grant, or `undefined` when the client is gone or disabled. */
async function findGrantedScopes(
  context: LoginContext,
  pending: PendingAuthorization,
  user: UserDocument,
): Promise<string[] | undefined> {
  const client = await findClient(context.deps.db, pending.clientId);
  if (!client) return undefined;
  const roleAllowance = context.deps.allowedScopesFor(user.roles);
  return selectGrantedScopes(pending.scopes, roleAllowance, client.allowedScopes);
}

async function sendConsentPage(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
  user: UserDocument,
): Promise<FastifyReply> {
  const scopes = await findGrantedScopes(context, pending, user);
  if (!scopes) return refuseUnregisteredClient(context, reply, pending);
  const csrf = issueCsrfToken(request, reply, context.deps.isHttps);
  const view = {
    clientName: pending.clientName,
    scopes,
    ...(pending.patient ? { patient: pending.patient } : {}),
  };
  return sendPage(reply, {
    title: 'Allow access?',
    body: renderConsentBody({ requestId: pending._id, csrf }, view),
    formTargets: [toFormTarget(pending.redirectUri)],
    idleTimeoutMs: context.sessions.policy.idleTimeoutMs,
  });
}

/** A CSP source for the redirect URI: its origin, or its scheme for a custom-scheme app. */
function toFormTarget(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin === 'null' ? url.protocol : url.origin;
}
