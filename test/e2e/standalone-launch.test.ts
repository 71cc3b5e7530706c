import type { Bundle, Observation } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import { computeTotp, toTotpStep } from '../../src/auth/totp.ts';
import { decodeBase32 } from '../../src/auth/totp-base32.ts';
import { enrolMfa } from '../../src/auth/users-admin.ts';
import { createUser, ensureUserIndexes } from '../../src/auth/users.ts';
import { CookieJar, makePkce, readHiddenField } from '../auth/login-fixture.ts';
import {
  readJson,
  seedPatientWithObservations,
  startLiveWard,
  type LiveWard,
} from './live-ward.ts';

const redirectUri = 'http://127.0.0.1:9/callback';
const password = 'correct horse battery staple';
const formType = { 'content-type': 'application/x-www-form-urlencoded' };

describe('a SMART standalone launch with PKCE against the live server', () => {
  let ward: LiveWard;
  let own: Awaited<ReturnType<typeof seedPatientWithObservations>>;
  let other: Awaited<ReturnType<typeof seedPatientWithObservations>>;
  let totpSecret: Buffer;
  const jar = new CookieJar();

  beforeAll(async () => {
    ward = await startLiveWard();
    own = await seedPatientWithObservations(ward, 'Launch');
    other = await seedPatientWithObservations(ward, 'Stranger');
    await ensureUserIndexes(ward.db);
    const userId = await createUser(ward.db, ward.keyRing, {
      email: 'patient@example.invalid',
      password,
      roles: ['patient'],
      fhirUser: `Patient/${own.patientId}`,
    });
    const uri = await enrolMfa(ward.db, ward.keyRing, userId);
    totpSecret = decodeBase32(new URL(uri).searchParams.get('secret')!)!;
    await createClient(ward.db, {
      clientId: 'smart-app',
      name: 'Smart App',
      type: 'public',
      redirectUris: [redirectUri],
      allowedScopes: ['launch/patient', 'openid', 'fhirUser', 'offline_access', 'patient/*.rs'],
    });
  });
  afterAll(() => ward.close());

  async function browse(path: string, form?: Record<string, string>): Promise<Response> {
    const res = await ward.send(path, {
      method: form ? 'POST' : 'GET',
      headers: { cookie: jar.header(), ...(form ? formType : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    jar.store(res.headers.getSetCookie());
    return res;
  }

  const tokenRequest = (fields: Record<string, string>) =>
    ward.send('/auth/token', {
      method: 'POST',
      headers: formType,
      body: new URLSearchParams(fields).toString(),
    });

  async function launch(): Promise<Record<string, unknown>> {
    const pkce = makePkce();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'smart-app',
      redirect_uri: redirectUri,
      scope:
        'launch/patient openid fhirUser offline_access patient/Observation.rs patient/Patient.rs',
      state: 'state-1',
      aud: ward.fhirAudience,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const start = await browse(`/auth/authorize?${query}`);
    const loginPage = await browse(start.headers.get('location')!);
    const request = readHiddenField(await loginPage.text(), 'request');
    const csrf = () => jar.get('ward_csrf')!;

    const afterLogin = await browse('/auth/login', {
      request,
      csrf: csrf(),
      email: 'patient@example.invalid',
      password,
    });
    expect(afterLogin.headers.get('location')).toBe(`/auth/mfa?request=${request}`);
    const code = computeTotp(totpSecret, toTotpStep(Date.now()));
    const afterMfa = await browse('/auth/mfa', { request, csrf: csrf(), code });
    // A patient user's own record is the launch context: no picker.
    expect(afterMfa.headers.get('location')).toBe(`/auth/consent?request=${request}`);
    await (await browse(afterMfa.headers.get('location')!)).text();
    const done = await browse('/auth/consent', { request, csrf: csrf(), decision: 'approve' });

    const callback = new URL(done.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    expect(callback.searchParams.get('state')).toBe('state-1');
    const token = await tokenRequest({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: redirectUri,
      client_id: 'smart-app',
      code_verifier: pkce.verifier,
    });
    expect(token.status).toBe(200);
    return readJson(token);
  }

  // One sign-in for both tests: a second TOTP code in the same 30 s step is refused as a replay.
  let launched: Promise<Record<string, unknown>> | undefined;
  const launchOnce = () => (launched ??= launch());

  it('ends in a token for the own patient that reads her Observations and no one else’s', async () => {
    const token = await launchOnce();
    expect(token).toMatchObject({ token_type: 'Bearer', patient: own.patientId });
    const access = token.access_token as string;

    const mine = (await (
      await ward.send(`/fhir/Observation?patient=${own.patientId}`, { token: access })
    ).json()) as Bundle<Observation>;
    expect(mine.entry?.map((e) => e.resource!.id).sort()).toEqual([own.vitalId, own.labId].sort());
    const theirs = await ward.send(`/fhir/Observation?patient=${other.patientId}`, {
      token: access,
    });
    expect(((await theirs.json()) as Bundle).entry ?? []).toEqual([]);
    expect((await ward.send(`/fhir/Observation/${other.labId}`, { token: access })).status).toBe(
      404,
    );
  });

  it('rotates the refresh token, refuses the old one and refuses a wider scope', async () => {
    const first = await launchOnce();
    const refresh = (token: string, scope?: string) =>
      tokenRequest({
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: 'smart-app',
        ...(scope ? { scope } : {}),
      });

    const escalated = await refresh(first.refresh_token as string, 'patient/*.cruds');
    expect(escalated.status).toBe(400);
    expect((await readJson(escalated)).error).toBe('invalid_scope');

    const second = await refresh(first.refresh_token as string);
    expect(second.status).toBe(200);
    const rotated = await readJson(second);
    expect(rotated.refresh_token).toBeTypeOf('string');
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const reads = await ward.send(`/fhir/Patient/${own.patientId}`, {
      token: rotated.access_token as string,
    });
    expect(reads.status).toBe(200);

    const replayed = await refresh(first.refresh_token as string);
    expect(replayed.status).toBe(400);
  });
});
