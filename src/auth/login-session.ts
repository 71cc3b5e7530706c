import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie, readCookie } from './login-cookies.ts';
import { redirectTo, reportSecurityEvent, type LoginContext } from './login-context.ts';
import { securityEventTypes } from './login-events.ts';
import { sessionEndReasons } from './session-store.ts';
import { findUserById, type UserDocument } from './users.ts';

/**
 * The signed-in user behind the session cookie, or `undefined` after answering with a
 * redirect to the login page. An idle session is ended here and the timeout reported; a
 * disabled user's session is ended too.
 */
export async function requireSessionUser(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
  requestId: string,
): Promise<UserDocument | undefined> {
  const user = await findSessionUser(context, request, reply);
  if (user === 'timed-out') {
    redirectTo(reply, `/auth/login?request=${requestId}&ended=idle`);
    return undefined;
  }
  if (!user) {
    redirectTo(reply, `/auth/login?request=${requestId}`);
    return undefined;
  }
  return user;
}

/** Like {@link requireSessionUser} without answering: for pages that work either way. */
export async function findSessionUser(
  context: LoginContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<UserDocument | 'timed-out' | undefined> {
  const { isHttps } = context.deps;
  const token = readCookie(request, 'session', isHttps);
  const lookup = await context.sessions.resume(token, context.now());
  if (lookup.status === 'none') return undefined;

  const userId = lookup.session.userId;
  if (lookup.status === 'timed-out') {
    clearCookie(reply, 'session', isHttps);
    await reportSecurityEvent(context, request, {
      type: securityEventTypes.sessionTimedOut,
      userId,
      reason: sessionEndReasons.idleTimeout,
    });
    return 'timed-out';
  }

  const user = await findUserById(context.deps.db, userId);
  if (!user || user.disabled) {
    await context.sessions.end(token!, sessionEndReasons.userDisabled, context.now());
    clearCookie(reply, 'session', isHttps);
    return undefined;
  }
  return user;
}
