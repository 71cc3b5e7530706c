import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await buildTestApp();
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
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location.startsWith(`${base}/Patient/`)).toBe(true);

    const read = await fetch(location.replace(/\/_history\/1$/, ''));
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
    expect(read.headers.get('x-frame-options')).toBe('DENY');
    const body = await read.json();

    const updated = await fetch(`${base}/Patient/${body.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json', 'if-match': read.headers.get('etag')! },
      body: JSON.stringify({ ...body, gender: 'male' }),
    });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
  });

  it('answers a truncated chunked body with a 400 OperationOutcome', async () => {
    const res = await fetch(`${base}/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{"resourceType":"Patient","name":[{"family":',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });
});
