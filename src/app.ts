import { randomUUID } from 'node:crypto';
import type { ServerOptions } from 'node:https';
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Db } from 'mongodb';
import { auditAuthEvents } from './audit/auth-events.ts';
import type { AuditKeys } from './audit/audit-keys.ts';
import { openAudit } from './audit/audit-setup.ts';
import { registerRequestAudit } from './audit/request-audit.ts';
import { registerRiskRoute } from './audit/risk-route.ts';
import { registerAuthorization } from './auth/authorization.ts';
import { auditBreakGlassEvents } from './auth/break-glass-route-audit.ts';
import { buildRestSecurity } from './auth/smart-configuration.ts';
import type { Authorization } from './auth/authorization.ts';
import type { Config } from './config/config.ts';
import type { KeyRing } from './crypto/key-ring.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { logRedactPaths, logSerializers } from './http/logging.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { AccessGuard } from './rest/access.ts';
import { registerFhirRoutes } from './rest/fhir-routes.ts';
import { searchIndexes } from './search/compile.ts';
import { supportsElemMatch } from './search/compile-unwind.ts';
import { createResourceIndexer } from './search/resource-indexer.ts';
import { SearchService } from './search/search-service.ts';
import { ResourceStore } from './store/resource-store.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  keyRing: KeyRing;
  /** HMAC key for paging tokens; shared by every process so links work behind a load balancer. */
  pageKey: Buffer;
  /** Where log lines go; defaults to stdout. Tests pass a capturing stream. */
  logStream?: NodeJS.WritableStream;
  /** Keys of the audit chain and its signed checkpoints (derived from the master key). */
  auditKeys: AuditKeys;
  /**
   * Benchmarks only: run without writing AuditEvents, to measure what auditing costs. Never set
   * by `npm start`; nothing in the configuration reaches it.
   */
  isAuditOffForBenchmark?: boolean;
  /** Benchmarks only: no bearer-token verification (src/auth/authorization.ts). */
  isAuthOffForBenchmark?: boolean;
  /** HTTPS options when Ward terminates TLS itself. */
  https?: ServerOptions;
  now?: () => Date;
}

const software = { name: 'Ward', version: '0.1.0' };

/** Builds the Fastify instance from its parts; no socket is opened (tests use `inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, keyRing } = deps;
  const app = Fastify({
    ...(deps.https ? { https: deps.https } : {}),
    logger: loggerOptions(config, deps.logStream),
    // Fastify's own request lines carry the raw URL; ours (registerRequestLog) do not.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.behindTlsProxy,
    return503OnClosing: true,
  });
  app.decorate('wardBaseUrl', config.baseUrl);

  registerErrorHandling(app);
  const isHttps = Boolean(deps.https) || config.behindTlsProxy;
  registerSecurityHeaders(app, { isHttps });
  registerRequestLog(app);
  registerHealthRoutes(app, db);

  const indexer = createResourceIndexer(keyRing.blindIndex, config.baseUrl);
  const audit = await openAudit({ config, db, keyRing, auditKeys: deps.auditKeys, indexer, log: app.log });
  app.addHook('onClose', async () => audit.close());
  if (!deps.isAuditOffForBenchmark) registerRequestAudit(app, audit.trail, audit.server);
  const authEvents = auditAuthEvents(audit.trail, audit.server);
  const store = new ResourceStore(db, keyRing, indexer, deps.now);
  const hasElemMatch = await supportsElemMatch(db);
  // The search indexes serve $elemMatch filters; an engine without it (FerretDB 1.x) cannot
  // use them and would only pay for them on every write.
  await store.createIndexes(hasElemMatch ? searchIndexes : []);
  const authorization = await registerAuthorization({
    app,
    config,
    db,
    keyRing,
    isHttps,
    patientExists: async (id) => store.exists('Patient', id),
    isAuthOffForBenchmark: deps.isAuthOffForBenchmark,
    ...authEvents,
    recordBreakGlassEvent: auditBreakGlassEvents(audit.trail, audit.server),
    now: deps.now,
  });
  app.decorate('wardAuthorization', authorization);
  registerRiskRoute(app, { db, verifier: authorization.server.verifier, ...audit, now: deps.now });
  const search = new SearchService(db, store, {
    hasElemMatch,
    pageKey: deps.pageKey,
    blind: keyRing.blindIndex,
    now: deps.now,
  });
  await app.register(
    async (fhir) =>
      registerFhirRoutes(fhir, {
        store,
        search,
        guard: new AccessGuard(authorization.policy),
        blind: keyRing.blindIndex,
        config,
        pageKey: deps.pageKey,
        software,
        startedAt: (deps.now ?? (() => new Date()))(),
        security: buildRestSecurity(authorization.server.settings),
      }),
    { prefix: '/fhir' },
  );
  return app;
}

function loggerOptions(
  config: Config,
  stream: NodeJS.WritableStream | undefined,
): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    serializers: logSerializers,
    redact: { paths: logRedactPaths, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}

/** One line per request: method, route pattern, status, duration; level by outcome. */
function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const fields = { req: request, res: reply, durationMs: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) request.log.error(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  });
}

/** `/healthz`: the process is alive. `/readyz`: the database answers. Outside `/fhir`. */
function registerHealthRoutes(app: FastifyInstance, db: Db): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await db.command({ ping: 1 }, { timeoutMS: 2000 });
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The authorization server and access policy, for operator tasks and tests. */
    wardAuthorization: Authorization;
  }
}
