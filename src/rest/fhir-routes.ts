import type { FastifyInstance, HTTPMethods, RouteHandlerMethod } from 'fastify';
import type { CapabilityStatementRestSecurity } from 'fhir/r4';
import { FhirError } from '../fhir/fhir-error.ts';
import type { RestContext } from './rest-context.ts';
import { buildCapabilityStatement } from './capabilities.ts';
import { historyHandler } from './history.ts';
import { jsonMediaTypes, jsonPatchMediaType } from './negotiation.ts';
import { patchHandler } from './patch.ts';
import { readHandler, vreadHandler } from './read.ts';
import { baseUrlOf, sendFhir } from './respond.ts';
import { compartmentSearchHandler, searchHandler } from './search.ts';
import { createHandler, deleteHandler, updateHandler } from './write.ts';

export interface FhirRouteDeps extends RestContext {
  software: { name: string; version: string };
  startedAt: Date;
  security: CapabilityStatementRestSecurity;
}

type RouteTable = Record<string, Partial<Record<HTTPMethods, RouteHandlerMethod>>>;

const checkedMethods: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The FHIR REST API under `/fhir` (http://hl7.org/fhir/R4/http.html). */
export async function registerFhirRoutes(app: FastifyInstance, deps: FhirRouteDeps) {
  registerJsonBodies(app, deps.config.maxBodyBytes);

  const history = historyHandler(deps);
  const search = searchHandler(deps);
  const routes: RouteTable = {
    '/': { GET: search },
    '/metadata': {
      GET: async (request, reply) =>
        sendFhir(request, reply, 200, buildCapabilityStatement({ ...deps, baseUrl: baseUrlOf(request) })),
    },
    '/_history': { GET: history },
    '/:type': { GET: search, POST: createHandler(deps) },
    '/:type/_search': { POST: search },
    '/:type/_history': { GET: history },
    '/:type/:id': {
      GET: readHandler(deps),
      PUT: updateHandler(deps),
      PATCH: patchHandler(deps),
      DELETE: deleteHandler(deps),
    },
    '/:type/:id/_history': { GET: history },
    '/:type/:id/:compartmentType': { GET: compartmentSearchHandler(deps) },
    '/:type/:id/_history/:vid': { GET: vreadHandler(deps) },
  };

  for (const [url, handlers] of Object.entries(routes)) {
    const allowed = Object.keys(handlers) as HTTPMethods[];
    for (const method of allowed) app.route({ method, url, handler: handlers[method]! });
    const others = checkedMethods.filter((m) => !allowed.includes(m));
    if (others.length > 0) {
      app.route({ method: others, url, handler: methodNotAllowed(allowed) });
    }
  }
}

function methodNotAllowed(allowed: HTTPMethods[]): RouteHandlerMethod {
  return async (_request, reply) => {
    reply.header('allow', allowed.join(', '));
    throw new FhirError('methodNotAllowed', 'this method is not allowed on this endpoint');
  };
}

/**
 * FHIR JSON and JSON Patch bodies through Fastify's hardened JSON parser, which refuses
 * `__proto__` and `constructor.prototype` keys; form bodies (for `_search`) as text. Others: 415.
 */
function registerJsonBodies(app: FastifyInstance, maxBodyBytes: number) {
  app.removeAllContentTypeParsers();
  const parse = app.getDefaultJsonParser('error', 'error');
  for (const type of [...jsonMediaTypes, jsonPatchMediaType]) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: maxBodyBytes }, parse);
  }
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    (_request, body, done) => done(null, body),
  );
}
