import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSecurityHeaders } from '../../src/http/security-headers.ts';

const expectedAlways = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

let app: FastifyInstance;

async function buildTinyApp(isHttps: boolean): Promise<FastifyInstance> {
  app = Fastify({ logger: false });
  registerSecurityHeaders(app, { isHttps });

  app.get('/fhir/Patient/:id', async (_request, reply) => {
    // A route that tries to make PHI cacheable must not win.
    reply.header('cache-control', 'public, max-age=600');
    return { resourceType: 'Patient', id: 'example-1' };
  });
  app.get('/fhir/Patient/:id/_history', async () => {
    throw new Error('boom');
  });
  app.get('/.well-known/smart-configuration', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=3600');
    return { issuer: 'https://ward.example.org' };
  });
  app.get('/healthz', async () => ({ ok: true }));

  await app.ready();
  return app;
}

afterEach(async () => {
  await app.close();
});

describe('registerSecurityHeaders', () => {
  it.each([
    ['a FHIR read', '/fhir/Patient/example-1?_format=json'],
    ['a failing FHIR request', '/fhir/Patient/example-1/_history'],
    ['an unknown FHIR path', '/fhir/Nothing'],
    ['a path outside /fhir', '/healthz'],
  ])('sets the frame, sniffing, CSP and referrer headers on %s', async (_label, url) => {
    await buildTinyApp(false);

    const response = await app.inject({ method: 'GET', url });

    expect(response.headers).toMatchObject(expectedAlways);
  });

  it('sends Cache-Control no-store on FHIR responses, overriding the route', async () => {
    await buildTinyApp(false);

    const read = await app.inject({ method: 'GET', url: '/fhir/Patient/example-1' });
    const failed = await app.inject({ method: 'GET', url: '/fhir/Patient/example-1/_history' });

    expect(read.headers['cache-control']).toBe('no-store');
    expect(failed.statusCode).toBe(500);
    expect(failed.headers['cache-control']).toBe('no-store');
  });

  it('defaults to no-store outside /fhir but keeps a policy the route chose', async () => {
    await buildTinyApp(false);

    const health = await app.inject({ method: 'GET', url: '/healthz' });
    const smart = await app.inject({ method: 'GET', url: '/.well-known/smart-configuration' });

    expect(health.headers['cache-control']).toBe('no-store');
    expect(smart.headers['cache-control']).toBe('public, max-age=3600');
  });

  it('sends Strict-Transport-Security for a year with subdomains when serving HTTPS', async () => {
    await buildTinyApp(true);

    const response = await app.inject({ method: 'GET', url: '/fhir/Patient/example-1' });

    expect(response.headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('omits Strict-Transport-Security over plain HTTP', async () => {
    await buildTinyApp(false);

    const response = await app.inject({ method: 'GET', url: '/fhir/Patient/example-1' });

    expect(response.headers).not.toHaveProperty('strict-transport-security');
  });
});
