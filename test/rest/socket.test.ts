import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
let base: string;
let authorization: string;
beforeAll(async () => {
  t = await buildTestApp();
  authorization = `Bearer ${await t.token({ scopes: ['system/Patient.cruds'] })}`;
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `${address}/fhir`;
});
afterAll(async () => {
  await t.close();
});

describe('over a real socket', () => {
  it('creates, reads and updates a Patient with real HTTP headers', async () => {
    const created = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', authorization },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location.startsWith(`${base}/Patient/`)).toBe(true);

    const read = await fetch(location.replace(/\/_history\/1$/, ''), { headers: { authorization } });
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
    expect(read.headers.get('x-frame-options')).toBe('DENY');
    const body = await read.json();

    const updated = await fetch(`${base}/Patient/${body.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', 'if-match': read.headers.get('etag')!, authorization },
      body: JSON.stringify({ ...body, gender: 'male' }),
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
  });

  it('answers a truncated chunked body with a 400 OperationOutcome', async () => {
    const res = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization },
      body: '{"resourceType":"Patient","name":[{"family":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('answers 401 with WWW-Authenticate and no data without a token', async () => {
    const res = await fetch(`${base}/Patient`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });
});
