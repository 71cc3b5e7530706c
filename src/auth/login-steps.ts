import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { findPendingAuthorization, type PendingAuthorization } from './authorize-pending.ts';
import { continueAuthorization } from './authorize-flow.ts';
import { clearCookie, readCookie, setCookie } from './login-cookies.ts';
import {
  readField,
  redirectTo,
  reportSecurityEvent,
  sendPage,
  type LoginContext,
} from './login-context.ts';
import { endLoginChallenge, findLoginChallenge, startLoginChallenge } from './login-challenge.ts';
import { hasValidCsrfToken, issueCsrfToken } from './login-csrf.ts';
import { securityEventTypes } from './login-events.ts';
import { renderLoginBody } from './pages/login-page.ts';
import { renderMessageBody } from './pages/message-page.ts';
import { renderMfaBody } from './pages/mfa-page.ts';
import { spendVerificationTime, verifyPassword } from './password-hash.ts';
import { verifyUserTotp } from './totp-verify.ts';
import { findUserByEmail, findUserById, getUsers } from './users.ts';

/** One wording for every password-step failure, so it reveals neither accounts nor locks. */
const loginFailedMessage = 'Sign-in failed. Check your e-mail and password, or try again later.';
const idleEndedMessage = 'Your session ended after a period of inactivity. Please sign in again.';
const expiredRequestMessage =
  'This sign-in request has expired or is unknown. Go back to the app and start again.';

/** Login (e-mail + password), MFA (TOTP) and logout. */
export function registerLoginSteps(app: FastifyInstance, context: LoginContext): void {
  app.get('/auth/login', async (request, reply) => {
    const pending = await readPending(context, request, reply, 'query');
    if (!pending) return reply;
    const query = request.query as Record<string, unknown>;
    const message = query.ended === 'idle' ? idleEndedMessage : undefined;
    return sendLoginPage(context, request, reply, pending._id, message);
  });

  app.post('/auth/login', async (request, reply) => {
    const pending = await readPendingForm(context, request, reply);
    if (!pending) return reply;
    return handlePassword(context, request, reply, pending);
  });

  app.get('/auth/mfa', async (request, reply) => {
    const pending = await readPending(context, request, reply, 'query');
    if (!pending) return reply;
    return sendMfaPage(context, request, reply, pending._id);
  });

  app.post('/auth/mfa', async (request, reply) => {
    const pending = await readPendingForm(context, request, reply);
    if (!pending) return reply;
    return handleTotp(context, request, reply, pending);
  });

  app.post('/auth/logout', async (request, reply) => {
    const { isHttps } = context.deps;
    if (!hasValidCsrfToken(request, readField(request.body, 'csrf'), isHttps)) {
      return sendPage(reply, {
        title: 'Sign out',
        body: renderMessageBody('The form expired.'),
        status: 403,
      });
    }
    const token = readCookie(request, 'session', isHttps);
    const lookup = await context.sessions.resume(token, context.now());
    if (
      lookup.status === 'active' &&
      (await context.sessions.end(token!, 'logout', context.now()))
    ) {
      await reportSecurityEvent(context, request, {
        type: securityEventTypes.logout,
        userId: lookup.session.userId,
        reason: 'logout',
      });
    }
    clearCookie(reply, 'session', isHttps);
    return sendPage(reply, { title: 'Signed out', body: renderMessageBody('You are signed out.') });
  });
}

async function handlePassword(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
): Promise<FastifyReply> {
  const { db, keyRing } = context.deps;
  const email = readField(request.body, 'email') ?? '';
  const password = readField(request.body, 'password') ?? '';
  const now = context.now();
  const fail = async (reason: string, userId?: string) => {
    const event = {
      type: securityEventTypes.loginFailed,
      userId,
      clientId: pending.clientId,
      reason,
    };
    await reportSecurityEvent(context, request, event);
    return sendLoginPage(context, request, reply, pending._id, loginFailedMessage, 401);
  };

  const user = email.length <= 320 ? await findUserByEmail(db, keyRing, email) : undefined;
  if (!user) {
    await spendVerificationTime(password);
    return fail('unknown-user');
  }
  if (await context.lockout.findLockedUntil(user._id, now)) return fail('locked', user._id);

  const isPasswordRight = await verifyPassword(password, user.passwordHash);
  if (user.disabled) return fail('disabled', user._id);
  if (!isPasswordRight) {
    await recordFailure(context, request, user._id, pending.clientId);
    return fail('bad-password', user._id);
  }
  if (!user.mfa.enrolled) {
    // HIPAA.md "MFA for all PHI access": every role reads PHI, so no login without a second factor.
    await reportSecurityEvent(context, request, {
      type: securityEventTypes.loginFailed,
      userId: user._id,
      clientId: pending.clientId,
      reason: 'mfa-not-enrolled',
    });
    const message = 'Your account has no authenticator app enrolled. Ask your administrator.';
    return sendLoginPage(context, request, reply, pending._id, message, 403);
  }

  const challenge = await startLoginChallenge(db, user._id, now);
  setCookie(reply, 'mfaChallenge', challenge, context.deps.isHttps, 300);
  return redirectTo(reply, `/auth/mfa?request=${pending._id}`);
}

async function handleTotp(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
): Promise<FastifyReply> {
  const { db, keyRing, isHttps } = context.deps;
  const now = context.now();
  const challenge = readCookie(request, 'mfaChallenge', isHttps);
  const userId = await findLoginChallenge(db, challenge, now);
  const user = userId ? await findUserById(db, userId) : undefined;
  if (!challenge || !user || user.disabled)
    return redirectTo(reply, `/auth/login?request=${pending._id}`);

  if (await context.lockout.findLockedUntil(user._id, now)) {
    await endLoginChallenge(db, challenge);
    return sendLoginPage(context, request, reply, pending._id, loginFailedMessage, 401);
  }

  const code = (readField(request.body, 'code') ?? '').trim();
  if (!(await verifyUserTotp(db, keyRing, user, code, now.getTime()))) {
    const isLockedNow = await recordFailure(context, request, user._id, pending.clientId);
    const event = {
      type: securityEventTypes.mfaFailed,
      userId: user._id,
      clientId: pending.clientId,
    };
    await reportSecurityEvent(context, request, event);
    if (isLockedNow) {
      await endLoginChallenge(db, challenge);
      return sendLoginPage(context, request, reply, pending._id, loginFailedMessage, 401);
    }
    const csrf = issueCsrfToken(request, reply, isHttps);
    const body = renderMfaBody(
      { requestId: pending._id, csrf },
      'That code is not valid. Try the current one.',
    );
    return sendPage(reply, { title: 'Two-step verification', body, status: 401 });
  }

  // Whoever removes the challenge owns it: a replayed form cannot start a second session.
  if (!(await endLoginChallenge(db, challenge)))
    return redirectTo(reply, `/auth/login?request=${pending._id}`);
  clearCookie(reply, 'mfaChallenge', isHttps);
  return startSession(context, request, reply, pending, user._id);
}

async function startSession(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  pending: PendingAuthorization,
  userId: string,
): Promise<FastifyReply> {
  const now = context.now();
  const { token, endedOthers } = await context.sessions.start(userId, now);
  setCookie(reply, 'session', token, context.deps.isHttps);
  await getUsers(context.deps.db).updateOne({ _id: userId }, { $set: { lastLoginAt: now } });

  const clientId = pending.clientId;
  await reportSecurityEvent(context, request, {
    type: securityEventTypes.loginSucceeded,
    userId,
    clientId,
  });
  if (endedOthers > 0) {
    await reportSecurityEvent(context, request, {
      type: securityEventTypes.sessionEndedByPolicy,
      userId,
      endedSessions: endedOthers,
      reason: 'single-session-policy',
    });
  }
  const user = await findUserById(context.deps.db, userId);
  return continueAuthorization(context, reply, pending, user!);
}

/** Counts a failure; reports the lock-out when this failure caused it. */
async function recordFailure(
  context: LoginContext,
  request: FastifyRequest,
  userId: string,
  clientId: string,
): Promise<boolean> {
  const isNewLock = await context.lockout.recordFailure(userId, context.now());
  if (isNewLock) {
    await reportSecurityEvent(context, request, {
      type: securityEventTypes.lockedOut,
      userId,
      clientId,
    });
  }
  return isNewLock;
}

function sendLoginPage(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  requestId: string,
  message?: string,
  status?: number,
): FastifyReply {
  const csrf = issueCsrfToken(request, reply, context.deps.isHttps);
  return sendPage(reply, {
    title: 'Sign in',
    body: renderLoginBody({ requestId, csrf }, message),
    status,
  });
}

function sendMfaPage(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  requestId: string,
): FastifyReply {
  const csrf = issueCsrfToken(request, reply, context.deps.isHttps);
  return sendPage(reply, {
    title: 'Two-step verification',
    body: renderMfaBody({ requestId, csrf }),
  });
}

/** The pending request named in the query or form; answers with an error page when absent. */
export async function readPending(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  from: 'query' | 'body',
): Promise<PendingAuthorization | undefined> {
  const source = from === 'query' ? request.query : request.body;
  const pending = await findPendingAuthorization(
    context.deps.db,
    readField(source, 'request'),
    context.now(),
  );
  if (!pending) {
    sendPage(reply, {
      title: 'Sign-in',
      body: renderMessageBody(expiredRequestMessage),
      status: 400,
    });
  }
  return pending;
}

/** A form post: the CSRF token must match, then the pending request must exist. */
export async function readPendingForm(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PendingAuthorization | undefined> {
  if (!hasValidCsrfToken(request, readField(request.body, 'csrf'), context.deps.isHttps)) {
    const body = renderMessageBody('The form expired. Go back to the app and start again.');
    sendPage(reply, { title: 'Sign-in', body, status: 403 });
    return undefined;
  }
  return readPending(context, request, reply, 'body');
}
