import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';

/**
 * CORS for registered SMART apps only (issue #4; https://fetch.spec.whatwg.org/#http-cors-protocol).
 * A browser app may call `/fhir/*` and `/auth/token` from an origin listed in its client
 * registration (`clients.origins`); any other origin gets no CORS header, so the browser keeps
 * the answer from the page. No credentials mode: SMART apps send bearer tokens, not cookies.
 */

export interface CorsOptions {
  /** The registered origins of enabled clients; called at most once per `cacheMs`. */
  loadOrigins: () => Promise<ReadonlySet<string>>;
  cacheMs?: number;
  now?: () => number;
}

const allowedMethods = 'GET, HEAD, POST, PUT, PATCH, DELETE';
// SMART apps send bearer tokens and FHIR bodies; conditional writes use If-Match.
const allowedHeaders = 'authorization, content-type, prefer, if-match, if-none-exist, accept';
const exposedHeaders = 'location, etag, content-location, last-modified, www-authenticate';
const preflightMaxAgeSec = 600;

/** Registers the CORS hook; run it before the bearer check so preflights need no token. */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  const matchRegistered = cacheOrigins(options);

  app.addHook('onRequest', async (request, reply) => {
    if (!isCorsPath(request.url)) return;
    reply.header('vary', 'Origin');
    const header = request.headers.origin;
    const origin = typeof header === 'string' ? await matchRegistered(header) : undefined;

    if (isPreflight(request)) {
      if (origin) allowPreflight(reply, origin);
      return reply.code(204).send();
    }
    if (origin) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', exposedHeaders);
    }
  });
}

/** Origins registered by enabled clients, read from the `clients` collection. */
export async function loadRegisteredOrigins(db: Db): Promise<ReadonlySet<string>> {
  const cursor = db
    .collection<{ origins?: unknown; disabled?: boolean }>('clients')
    .find({ disabled: { $ne: true } }, { projection: { origins: 1 } });
  const origins = new Set<string>();
  for await (const client of cursor) {
    if (!Array.isArray(client.origins)) continue;
    for (const origin of client.origins) {
      const normalized = typeof origin === 'string' ? normalizeOrigin(origin) : undefined;
      if (normalized) origins.add(normalized);
    }
  }
  return origins;
}

/**
 * The registered origin an `Origin` header names, if any; the list is reloaded at most every
 * `cacheMs` (default 5 s), so a new registration takes effect within seconds.
 */
function cacheOrigins(options: CorsOptions): (origin: string) => Promise<string | undefined> {
  const cacheMs = options.cacheMs ?? 5000;
  const now = options.now ?? Date.now;
  let cached: { origins: ReadonlySet<string>; loadedAt: number } | undefined;
  let loading: Promise<ReadonlySet<string>> | undefined;

  return async (origin) => {
    const normalized = normalizeOrigin(origin);
    if (!normalized) return undefined;
    if (!cached || now() - cached.loadedAt >= cacheMs) {
      loading ??= options.loadOrigins().finally(() => (loading = undefined));
      cached = { origins: await loading, loadedAt: now() };
    }
    return cached.origins.has(normalized) ? normalized : undefined;
  };
}

/** `scheme://host[:port]` in URL-standard form; `undefined` for `null` or anything else. */
function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

function allowPreflight(reply: FastifyReply, origin: string): void {
  reply.header('access-control-allow-origin', origin);
  reply.header('access-control-allow-methods', allowedMethods);
  reply.header('access-control-allow-headers', allowedHeaders);
  reply.header('access-control-max-age', String(preflightMaxAgeSec));
}

function isPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined
  );
}

function isCorsPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path === '/auth/token' || path === '/fhir' || path.startsWith('/fhir/');
}
