import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import type { LockoutPolicy, LoginLockout } from './lockout.ts';
import type { RecordSecurityEvent, SecurityEvent } from './login-events.ts';
import { buildPageCsp, renderPage } from './pages/page-layout.ts';
import type { SessionPolicy, SessionStore } from './session-store.ts';

/** What {@link registerLoginRoutes} needs from the rest of Ward. */
export interface LoginDeps {
  db: Db;
  keyRing: KeyRing;
  /** The FHIR base URL; `aud` must equal it. */
  fhirBaseUrl: string;
  /** True when browsers reach Ward over HTTPS (cookies become `Secure` and `__Host-`). */
  isHttps: boolean;
  /** What a set of roles allows: S1's `allowedScopesFor` bound to the role file. */
  allowedScopesFor(roles: readonly string[]): string[];
  /** Whether a Patient with this id exists (for the patient picker). */
  patientExists(patientId: string): Promise<boolean>;
  recordSecurityEvent: RecordSecurityEvent;
  sessionPolicy?: SessionPolicy;
  lockoutPolicy?: LockoutPolicy;
  now?: () => Date;
}

/** The deps plus the stores built from them, shared by the flow's handlers. */
export interface LoginContext {
  deps: LoginDeps;
  sessions: SessionStore;
  lockout: LoginLockout;
  now(): Date;
}

/**
 * Each page's CSP, applied by the login routes' onSend hook after the app-wide security headers
 * have set the API's stricter one.
 */
const pageCsps = new WeakMap<FastifyReply, string>();

/** The CSP of the page this reply sends, if it sends one. */
export function findPageCsp(reply: FastifyReply): string | undefined {
  return pageCsps.get(reply);
}

/** Sends a server-rendered page with its own CSP nonce. */
export function sendPage(
  reply: FastifyReply,
  page: {
    title: string;
    body: string;
    status?: number;
    formTargets?: string[];
    idleTimeoutMs?: number;
  },
): FastifyReply {
  const nonce = randomBytes(16).toString('base64');
  const idle = page.idleTimeoutMs === undefined ? undefined : toIdleTimers(page.idleTimeoutMs);
  const html = renderPage({ title: page.title, nonce, body: page.body, idle });
  pageCsps.set(reply, buildPageCsp(nonce, page.formTargets));
  return reply
    .code(page.status ?? 200)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** Warn two minutes before the server would end the session; reload just after it has. */
function toIdleTimers(idleTimeoutMs: number) {
  const warnBeforeMs = Math.min(2 * 60_000, idleTimeoutMs / 2);
  return {
    warnAfterMs: idleTimeoutMs - warnBeforeMs,
    reloadAfterMs: idleTimeoutMs + 1000,
    minutesLeft: Math.max(1, Math.round(warnBeforeMs / 60_000)),
  };
}

/** 303 See Other: the browser follows with a GET, so a reload never re-posts a form. */
export function redirectTo(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).header('cache-control', 'no-store').send();
}

/** Hands an event to the audit layer and logs it structurally, by our ids only. */
export async function reportSecurityEvent(
  context: LoginContext,
  request: FastifyRequest,
  event: Omit<SecurityEvent, 'at' | 'sourceIp' | 'userAgent'>,
): Promise<void> {
  const full: SecurityEvent = {
    ...event,
    at: context.now(),
    sourceIp: request.ip,
    ...(typeof request.headers['user-agent'] === 'string'
      ? { userAgent: request.headers['user-agent'].slice(0, 256) }
      : {}),
  };
  request.log.info(
    {
      securityEvent: event.type,
      userId: event.userId,
      clientId: event.clientId,
      reason: event.reason,
    },
    'security event',
  );
  await context.deps.recordSecurityEvent(full);
}

/** A form field as a string; anything else (arrays, objects) is absent. */
export function readField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The query (GET) or form (POST) parameters as a plain record. */
export function readParams(request: FastifyRequest): Record<string, unknown> {
  const source = request.method === 'POST' ? request.body : request.query;
  return typeof source === 'object' && source !== null ? { ...source } : {};
}
