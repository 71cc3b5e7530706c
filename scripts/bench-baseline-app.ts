import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from 'mongodb';

/** One stored resource: the bare minimum, no versioning, encryption or search index. */
interface BaselineDocument {
  _id: string;
  resource: Record<string, unknown>;
}

export const baselineBasePath = '/baseline';

/**
 * The yardstick for Ward: a bare Fastify server doing, per request, the single MongoDB call the
 * interaction needs (read `findOne`, create `insertOne`, update `replaceOne`) on the same engine,
 * with the same logger level and the same media type, and none of the FHIR work (validation,
 * encryption, index extraction, history, audit). Not part of Ward.
 */
export function buildBaselineApp(db: Db): FastifyInstance {
  const patients = db.collection<BaselineDocument>('Patient');
  const app = Fastify({ logger: { level: 'warn' } });
  app.addContentTypeParser(
    'application/fhir+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );

  app.get<{ Params: { id: string } }>(`${baselineBasePath}/Patient/:id`, async (request, reply) => {
    const found = await patients.findOne({ _id: request.params.id });
    if (!found) return reply.code(404).send();
    return sendResource(reply, 200, found.resource);
  });

  app.post(`${baselineBasePath}/Patient`, async (request, reply) => {
    const resource = { ...readObject(request.body), id: randomUUID() };
    await patients.insertOne({ _id: resource.id, resource });
    return sendResource(reply, 201, resource);
  });

  app.put<{ Params: { id: string } }>(`${baselineBasePath}/Patient/:id`, async (request, reply) => {
    const resource = { ...readObject(request.body), id: request.params.id };
    await patients.replaceOne({ _id: resource.id }, { resource }, { upsert: true });
    return sendResource(reply, 200, resource);
  });
  return app;
}

function readObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw Object.assign(new Error('the body must be a JSON object'), { statusCode: 400 });
  }
  return body as Record<string, unknown>;
}

function sendResource(reply: FastifyReply, status: number, resource: Record<string, unknown>) {
  return reply.code(status).type('application/fhir+json').send(JSON.stringify(resource));
}
