import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientCredentials } from './oauth-client-auth.ts';
import { OAuthError, sendOAuthError } from './oauth-error.ts';
import { readOAuthForm } from './oauth-form.ts';
import { introspectToken } from './oauth-introspect.ts';
import { revokeToken } from './oauth-revoke.ts';
import { tokenEventTypes, type AuthorizationServer } from './oauth-server.ts';
import { exchangeToken } from './oauth-token.ts';
import { buildOpenIdConfiguration, buildSmartConfiguration } from './smart-configuration.ts';

export interface OAuthRoutesOptions {
  /** Whether S2b's `/auth/authorize` is registered too; shapes the advertised capabilities. */
  hasAuthorizationCode: boolean;
}

/**
 * The token side of the authorization server: `/auth/token`, `/auth/introspect`,
 * `/auth/revoke`, `/auth/jwks`, and the discovery documents. Form parsing is registered in this
 * plugin's own scope only, so the FHIR routes keep their content types.
 */
export async function registerOAuthRoutes(
  app: FastifyInstance,
  server: AuthorizationServer,
  options: OAuthRoutesOptions,
): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.addHook('onResponse', async (request) => {
      // Hygiene only (see purgeExpiredOAuthRecords); a failure must not touch the response.
      await server.purgeIfDue().catch((error: unknown) => {
        request.log.warn({ err: error }, 'purging expired oauth records failed');
      });
    });

    scope.post('/auth/token', async (request, reply) =>
      answer(server, reply, () => exchangeToken(server, readCredentials(request))),
    );
    scope.post('/auth/introspect', async (request, reply) =>
      answer(server, reply, () => introspectToken(server, readCredentials(request))),
    );
    scope.post('/auth/revoke', async (request, reply) =>
      answer(server, reply, async () => {
        await revokeToken(server, readCredentials(request));
        return {};
      }),
    );
    scope.get('/auth/jwks', async (_request, reply) => {
      // Short caching: verifiers re-fetch on an unknown kid anyway after a rotation.
      reply.header('cache-control', 'public, max-age=60');
      return server.signingKeys.publicJwks();
    });

    const smartConfiguration = buildSmartConfiguration(server.settings, {
      hasAuthorizationCode: options.hasAuthorizationCode,
      scopesSupported: server.scopesSupported,
    });
    for (const url of [
      '/fhir/.well-known/smart-configuration',
      '/.well-known/smart-configuration',
    ]) {
      scope.get(url, async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return smartConfiguration;
      });
    }
    if (options.hasAuthorizationCode) {
      const openId = buildOpenIdConfiguration(server.settings);
      scope.get('/auth/.well-known/openid-configuration', async () => openId);
    }
  });
}

function readCredentials(request: FastifyRequest): ClientCredentials {
  const authorization = request.headers.authorization;
  return { form: readOAuthForm(request.body), ...(authorization ? { authorization } : {}) };
}

/** Runs an endpoint: its result as uncached JSON, an OAuthError as RFC 6749 §5.2 JSON. */
async function answer(
  server: AuthorizationServer,
  reply: FastifyReply,
  run: () => Promise<unknown>,
): Promise<unknown> {
  try {
    const body = await run();
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return body;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    reply.request.log.info({ oauthError: error.error }, 'oauth request refused');
    if (error.error === 'invalid_client') {
      await server.recordTokenEvent({ type: tokenEventTypes.clientAuthFailed, at: server.now() });
    }
    return sendOAuthError(reply, error);
  }
}
