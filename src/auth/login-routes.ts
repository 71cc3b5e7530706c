import type { FastifyInstance } from 'fastify';
import { registerAuthorizeRoutes } from './authorize-routes.ts';
import { LoginLockout } from './lockout.ts';
import { findPageCsp, type LoginContext, type LoginDeps } from './login-context.ts';
import { registerLoginSteps } from './login-steps.ts';
import { SessionStore } from './session-store.ts';

const formContentType = 'application/x-www-form-urlencoded';
/** The login forms are small; anything larger is not ours. */
const formBodyLimitBytes = 16 * 1024;

/**
 * Registers the interactive side of the authorization server: `/auth/authorize`, the login,
 * MFA, patient-picker and consent pages, and logout. Runs in its own encapsulated context so
 * its form parser and page CSP stay here. Register it after the security headers: its CSP
 * (with the per-response nonce) must replace the API's `default-src 'none'`.
 */
export async function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps): Promise<void> {
  const context: LoginContext = {
    deps,
    sessions: new SessionStore(deps.db, deps.sessionPolicy),
    lockout: new LoginLockout(deps.db, deps.lockoutPolicy),
    now: deps.now ?? (() => new Date()),
  };
  await Promise.all([context.sessions.ensureIndexes(), context.lockout.ensureIndexes()]);

  await app.register(async (auth) => {
    if (!auth.hasContentTypeParser(formContentType)) {
      auth.addContentTypeParser(
        formContentType,
        { parseAs: 'string', bodyLimit: formBodyLimitBytes },
        (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
      );
    }
    // The app-wide security headers set the API's CSP on every reply; pages need their own.
    auth.addHook('onSend', async (_request, reply, payload) => {
      const pageCsp = findPageCsp(reply);
      if (pageCsp) reply.header('content-security-policy', pageCsp);
      return payload;
    });
    registerLoginSteps(auth, context);
    registerAuthorizeRoutes(auth, context);
  });
}
