import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import { startLiveWard, type LiveWard } from './live-ward.ts';

const appOrigin = 'https://app.example.test';
const strangerOrigin = 'https://evil.example.test';

describe('CORS on the live server', () => {
  let ward: LiveWard;
  let token: string;

  beforeAll(async () => {
    ward = await startLiveWard();
    await createClient(ward.db, {
      clientId: 'browser-app',
      name: 'Browser App',
      type: 'public',
      redirectUris: [`${appOrigin}/callback`],
      allowedScopes: ['patient/*.rs'],
      origins: [appOrigin],
    });
    token = await ward.token({ scopes: ['system/*.rs'] });
  });
  afterAll(() => ward.close());

  const preflight = (path: string, origin: string) =>
    ward.send(path, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  for (const path of ['/fhir/Patient', '/auth/token']) {
    it(`answers a preflight to ${path} from a registered origin`, async () => {
      const res = await preflight(path, appOrigin);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(appOrigin);
      expect(res.headers.get('vary')).toContain('Origin');
      const allowed = res.headers.get('access-control-allow-headers')!;
      for (const name of ['authorization', 'content-type', 'prefer', 'if-match']) {
        expect(allowed).toContain(name);
      }
    });

    it(`gives a preflight to ${path} from another origin no CORS header`, async () => {
      const res = await preflight(path, strangerOrigin);
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    });
  }

  it('lets a registered origin read a FHIR answer and its Location, ETag and Content-Location', async () => {
    const res = await ward.send('/fhir/Patient', {
      method: 'POST',
      token: await ward.token({ scopes: ['system/Patient.c'] }),
      headers: { origin: appOrigin, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'other' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(appOrigin);
    const read = await ward.send('/fhir/Patient?_count=1', {
      token,
      headers: { origin: appOrigin },
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(read.headers.get('vary')).toContain('Origin');
    const exposed = read.headers.get('access-control-expose-headers')!;
    for (const name of ['location', 'etag', 'content-location']) expect(exposed).toContain(name);
  });

  it('adds CORS headers to the token endpoint for a registered origin, even on an error', async () => {
    const res = await ward.send('/auth/token', {
      method: 'POST',
      headers: { origin: appOrigin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=nope&client_id=browser-app',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBe(appOrigin);
  });

  it('gives other origins, and other paths, no CORS headers', async () => {
    const stranger = await ward.send('/fhir/Patient', {
      token,
      headers: { origin: strangerOrigin },
    });
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    const login = await ward.send('/auth/authorize', { headers: { origin: appOrigin } });
    expect(login.headers.get('access-control-allow-origin')).toBeNull();
  });
});
