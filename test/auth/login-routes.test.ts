import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redeemAuthorizationCode } from '../../src/auth/authorize-code.ts';
import { createLaunchContext } from '../../src/auth/launch-context.ts';
import {
  buildAuthorizeQuery,
  buildLoginFixture,
  CookieJar,
  createMfaUser,
  formHeaders,
  makePkce,
  readHiddenField,
  testPassword,
  testRedirectUri,
  type LoginFixture,
} from './login-fixture.ts';

describe('GET /auth/authorize', () => {
  let fixture: LoginFixture;

  beforeEach(async () => {
    fixture = await buildLoginFixture();
  });
  afterEach(() => fixture.close());

  const get = (query: string) => fixture.app.inject({ url: `/auth/authorize?${query}` });

  it('shows an error page and never redirects for an unregistered redirect URI', async () => {
    const res = await get(
      buildAuthorizeQuery({
        code_challenge: makePkce().challenge,
        redirect_uri: 'https://evil.example/cb',
      }),
    );

    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('shows an error page for an unknown client', async () => {
    const res = await get(
      buildAuthorizeQuery({ code_challenge: makePkce().challenge, client_id: 'nobody' }),
    );

    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });

  it.each([
    ['plain PKCE', 'invalid_request', { code_challenge_method: 'plain' }],
    ['a missing challenge', 'invalid_request', { code_challenge: undefined }],
    ['a missing aud', 'invalid_request', { aud: undefined }],
    ['another aud', 'invalid_request', { aud: 'https://other.example/fhir' }],
    ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
    ['a missing scope', 'invalid_scope', { scope: undefined }],
  ])('sends %s back to the app as %s with the state', async (_name, error, params) => {
    const res = await get(buildAuthorizeQuery({ code_challenge: makePkce().challenge, ...params }));
    const location = new URL(res.headers.location as string);

    expect(res.statusCode).toBe(303);
    expect(`${location.origin}${location.pathname}`).toBe(testRedirectUri);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('st-123');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('refuses an unknown launch id', async () => {
    const res = await get(
      buildAuthorizeQuery({ code_challenge: makePkce().challenge, launch: 'no-such-launch' }),
    );

    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('sends a valid request to the login page with a strict CSP', async () => {
    const res = await get(buildAuthorizeQuery({ code_challenge: makePkce().challenge }));
    expect(res.statusCode).toBe(303);
    const login = await fixture.app.inject({ url: res.headers.location as string });
    const csp = login.headers['content-security-policy'] as string;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];

    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('<html lang="en">');
    expect(login.body).toContain('<label for="password">');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(login.body).toContain(`<style nonce="${nonce}">`);
    expect(login.headers['set-cookie']).toEqual([
      expect.stringMatching(/^ward_csrf=.*HttpOnly; SameSite=Lax$/),
    ]);
  });
});

describe('the login flow', () => {
  let fixture: LoginFixture;
  let jar: CookieJar;

  beforeEach(async () => {
    fixture = await buildLoginFixture();
    jar = new CookieJar();
  });
  afterEach(() => fixture.close());

  async function request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await fixture.app.inject({
      method,
      url,
      headers: { cookie: jar.header(), ...(form ? formHeaders : {}) },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    jar.store(res.headers['set-cookie']);
    return res;
  }

  async function startAuthorize(params: Record<string, string | undefined> = {}) {
    const pkce = makePkce();
    const res = await request(
      'GET',
      `/auth/authorize?${buildAuthorizeQuery({ code_challenge: pkce.challenge, ...params })}`,
    );
    const page = await request('GET', res.headers.location as string);
    return { pkce, page, requestId: readHiddenField(page.body, 'request') };
  }

  async function signIn(requestId: string, email: string, password = testPassword) {
    return request('POST', '/auth/login', {
      request: requestId,
      csrf: jar.get('ward_csrf')!,
      email,
      password,
    });
  }

  async function enterCode(requestId: string, code: string) {
    return request('POST', '/auth/mfa', { request: requestId, csrf: jar.get('ward_csrf')!, code });
  }

  it('signs a clinician in, picks a patient, asks consent and redirects with a code', async () => {
    const user = await createMfaUser(fixture, {
      email: 'Nurse.One@Example.invalid',
      roles: ['nurse'],
      fhirUser: 'Practitioner/pr-1',
    });
    const { pkce, requestId } = await startAuthorize({
      scope: 'launch/patient patient/Observation.rs openid',
      nonce: 'n-1',
    });

    const afterPassword = await signIn(requestId, 'nurse.one@example.invalid');
    expect(afterPassword.headers.location).toBe(`/auth/mfa?request=${requestId}`);
    const afterCode = await enterCode(requestId, user.codeAt(fixture.clock.now));
    expect(afterCode.headers.location).toBe(`/auth/patient?request=${requestId}`);
    expect(jar.get('ward_session')).toBeDefined();

    const picker = await request('GET', afterCode.headers.location as string);
    expect(picker.body).toContain('id="idle-warning"');
    const afterPick = await request('POST', '/auth/patient', {
      request: requestId,
      csrf: jar.get('ward_csrf')!,
      patient: 'pat-7',
    });
    const consent = await request('GET', afterPick.headers.location as string);
    expect(consent.body).toContain('Test App');
    expect(consent.body).toContain('Patient/pat-7');
    expect(consent.headers['content-security-policy']).toContain(
      "form-action 'self' http://127.0.0.1:9",
    );

    const done = await request('POST', '/auth/consent', {
      request: requestId,
      csrf: jar.get('ward_csrf')!,
      decision: 'approve',
    });
    const location = new URL(done.headers.location as string);
    expect(location.searchParams.get('state')).toBe('st-123');
    const grant = await redeemAuthorizationCode(fixture.db, {
      code: location.searchParams.get('code')!,
      codeVerifier: pkce.verifier,
      clientId: 'test-app',
      redirectUri: testRedirectUri,
      now: fixture.clock.now,
    });
    expect(grant).toMatchObject({
      userId: user.id,
      patient: 'pat-7',
      nonce: 'n-1',
      fhirUser: 'Practitioner/pr-1',
    });
    // The nurse's role allows vital signs only: the grant is narrowed, not the request.
    expect(grant!.scopes).toContain('launch/patient');
    expect(grant!.scopes.some((s) => s.startsWith('patient/Observation.rs?category='))).toBe(true);
    expect(fixture.events.map((e) => e.type)).toEqual(['login-succeeded']);
  });

  it("puts a patient user's own record in context without a picker", async () => {
    const user = await createMfaUser(fixture, {
      email: 'pat@example.invalid',
      roles: ['patient'],
      fhirUser: 'Patient/pat-9',
    });
    const { requestId } = await startAuthorize();
    await signIn(requestId, 'pat@example.invalid');
    const afterCode = await enterCode(requestId, user.codeAt(fixture.clock.now));

    expect(afterCode.headers.location).toBe(`/auth/consent?request=${requestId}`);
    const consent = await request('GET', afterCode.headers.location as string);
    expect(consent.body).toContain('Patient/pat-9');
  });

  it('refuses an EHR launch of another patient for a patient user', async () => {
    const user = await createMfaUser(fixture, {
      email: 'pat@example.invalid',
      roles: ['patient'],
      fhirUser: 'Patient/pat-9',
    });
    const launch = await createLaunchContext(
      fixture.db,
      { patient: 'pat-other' },
      fixture.clock.now,
    );
    const { requestId } = await startAuthorize({ launch, scope: 'launch patient/Observation.rs' });
    await signIn(requestId, 'pat@example.invalid');
    const afterCode = await enterCode(requestId, user.codeAt(fixture.clock.now));

    expect(new URL(afterCode.headers.location as string).searchParams.get('error')).toBe(
      'access_denied',
    );
  });

  it('answers a wrong password and an unknown e-mail alike, and keeps the e-mail out of logs', async () => {
    await createMfaUser(fixture, { email: 'marker.qzxv@example.invalid', roles: ['nurse'] });
    const { requestId } = await startAuthorize();

    const wrong = await signIn(requestId, 'marker.qzxv@example.invalid', 'not the password!');
    const unknown = await signIn(requestId, 'nobody.qzxv@example.invalid');

    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body.replace(/(value|nonce)="[^"]*"/g, '')).toBe(
      unknown.body.replace(/(value|nonce)="[^"]*"/g, ''),
    );
    expect(fixture.events.map((e) => e.reason)).toEqual(['bad-password', 'unknown-user']);
    expect(fixture.logLines().join('\n')).not.toContain('qzxv');
    expect(JSON.stringify(fixture.events)).not.toContain('qzxv');
  });

  it('locks the account after five failures, even with the right password then', async () => {
    const user = await createMfaUser(fixture, { email: 'lock@example.invalid', roles: ['nurse'] });
    const { requestId } = await startAuthorize();
    for (let i = 0; i < 5; i += 1)
      await signIn(requestId, 'lock@example.invalid', 'wrong password!!');

    const locked = await signIn(requestId, 'lock@example.invalid');

    expect(locked.statusCode).toBe(401);
    expect(fixture.events.filter((e) => e.type === 'locked-out')).toEqual([
      expect.objectContaining({ userId: user.id }),
    ]);
    expect(fixture.events.at(-1)).toMatchObject({ type: 'login-failed', reason: 'locked' });
  });

  it('refuses a wrong TOTP code and a replayed one', async () => {
    const user = await createMfaUser(fixture, {
      email: 'mfa@example.invalid',
      roles: ['physician'],
    });
    const { requestId } = await startAuthorize();
    await signIn(requestId, 'mfa@example.invalid');

    const wrong = await enterCode(
      requestId,
      '000000' === user.codeAt(fixture.clock.now) ? '111111' : '000000',
    );
    expect(wrong.statusCode).toBe(401);
    expect(fixture.events.at(-1)).toMatchObject({ type: 'mfa-failed', userId: user.id });

    const right = await enterCode(requestId, user.codeAt(fixture.clock.now));
    expect(right.statusCode).toBe(303);

    await signIn(requestId, 'mfa@example.invalid');
    const replay = await enterCode(requestId, user.codeAt(fixture.clock.now));
    expect(replay.statusCode).toBe(401);
  });

  it('refuses a login without an enrolled second factor', async () => {
    const { createUser } = await import('../../src/auth/users.ts');
    await createUser(fixture.db, fixture.keyRing, {
      email: 'nomfa@example.invalid',
      password: testPassword,
      roles: ['billing'],
    });
    const { requestId } = await startAuthorize();

    const res = await signIn(requestId, 'nomfa@example.invalid');

    expect(res.statusCode).toBe(403);
    expect(jar.get('ward_mfa')).toBeUndefined();
    expect(fixture.events.at(-1)).toMatchObject({ reason: 'mfa-not-enrolled' });
  });

  it('refuses a form without the CSRF token', async () => {
    await createMfaUser(fixture, { email: 'csrf@example.invalid', roles: ['nurse'] });
    const { requestId } = await startAuthorize();

    const res = await request('POST', '/auth/login', {
      request: requestId,
      csrf: 'forged',
      email: 'csrf@example.invalid',
      password: testPassword,
    });

    expect(res.statusCode).toBe(403);
    expect(fixture.events).toEqual([]);
  });

  it('ends an idle session server-side after 15 minutes and sends the user back to login', async () => {
    const user = await createMfaUser(fixture, { email: 'idle@example.invalid', roles: ['nurse'] });
    const { requestId } = await startAuthorize();
    await signIn(requestId, 'idle@example.invalid');
    await enterCode(requestId, user.codeAt(fixture.clock.now));

    fixture.clock.now = new Date(fixture.clock.now.getTime() + 15 * 60_000 + 1);
    const res = await request('GET', `/auth/patient?request=${requestId}`);

    expect(res.headers.location).toBe(`/auth/login?request=${requestId}&ended=idle`);
    expect(jar.get('ward_session')).toBeUndefined();
    expect(fixture.events.at(-1)).toMatchObject({ type: 'session-timed-out', userId: user.id });
  });

  it('denies when the user declines, with the state', async () => {
    const user = await createMfaUser(fixture, {
      email: 'deny@example.invalid',
      roles: ['patient'],
      fhirUser: 'Patient/pat-1',
    });
    const { requestId } = await startAuthorize();
    await signIn(requestId, 'deny@example.invalid');
    await enterCode(requestId, user.codeAt(fixture.clock.now));

    const res = await request('POST', '/auth/consent', {
      request: requestId,
      csrf: jar.get('ward_csrf')!,
      decision: 'deny',
    });
    const location = new URL(res.headers.location as string);

    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('st-123');
  });
});

describe('when the single-session policy is on', () => {
  it('ends the first browser session when the user signs in again elsewhere', async () => {
    const fixture = await buildLoginFixture({
      sessionPolicy: { idleTimeoutMs: 15 * 60_000, isSingleSession: true },
    });
    try {
      const user = await createMfaUser(fixture, {
        email: 'single@example.invalid',
        roles: ['physician'],
      });
      const signInWith = async (jar: CookieJar, step: number) => {
        const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
          const res = await fixture.app.inject({
            method,
            url,
            headers: { cookie: jar.header(), ...(form ? formHeaders : {}) },
            ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
          });
          jar.store(res.headers['set-cookie']);
          return res;
        };
        const start = await send(
          'GET',
          `/auth/authorize?${buildAuthorizeQuery({ code_challenge: makePkce().challenge, scope: 'user/Patient.rs' })}`,
        );
        const page = await send('GET', start.headers.location as string);
        const requestId = readHiddenField(page.body, 'request');
        await send('POST', '/auth/login', {
          request: requestId,
          csrf: jar.get('ward_csrf')!,
          email: 'single@example.invalid',
          password: testPassword,
        });
        const at = new Date(fixture.clock.now.getTime() + step * 30_000);
        await send('POST', '/auth/mfa', {
          request: requestId,
          csrf: jar.get('ward_csrf')!,
          code: user.codeAt(at),
        });
        return { send, requestId };
      };

      const first = await signInWith(new CookieJar(), 0);
      await signInWith(new CookieJar(), 1);
      const again = await first.send('GET', `/auth/consent?request=${first.requestId}`);

      expect(again.headers.location).toBe(`/auth/login?request=${first.requestId}`);
      expect(fixture.events.map((e) => e.type)).toEqual([
        'login-succeeded',
        'login-succeeded',
        'session-ended-by-policy',
      ]);
    } finally {
      await fixture.close();
    }
  });
});
