import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redeemAuthorizationCode } from '../../src/auth/authorize-code.ts';
import { createClient } from '../../src/auth/clients.ts';
import {
  buildAuthorizeQuery,
  buildLoginFixture,
  createMfaUser,
  makePkce,
  testPassword,
  type LoginFixture,
} from '../auth/login-fixture.ts';

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) {
  console.warn(`skipping the browser tests: no Chromium at ${chromiumPath} (.ci/run installs it)`);
}

describe.skipIf(!hasChromium)('login pages in Chromium', () => {
  let fixture: LoginFixture;
  let appOrigin: string;
  let appServer: Server;
  let redirectUri: string;
  let userDataDir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    fixture = await buildLoginFixture();
    await fixture.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = fixture.app.server.address() as AddressInfo;

    // The SMART app's redirect target: another origin, as a real app is.
    appServer = createServer((_req, res) => res.end('app callback'));
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    redirectUri = `${appOrigin}/callback`;
    await createClient(fixture.db, {
      clientId: 'browser-app',
      name: 'Browser App',
      type: 'public',
      redirectUris: [redirectUri],
      allowedScopes: ['launch/patient', 'patient/*.rs', 'openid', 'fhirUser'],
    });

    userDataDir = await mkdtemp(join(tmpdir(), 'ward-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      baseURL: `http://127.0.0.1:${port}`,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => appServer?.close(resolve));
    await fixture?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  it('logs in with password and TOTP, picks a patient, warns at 13 minutes, consents, lands with a code', async () => {
    const user = await createMfaUser(fixture, {
      email: 'browser.nurse@example.invalid',
      roles: ['physician'],
    });
    const pkce = makePkce();
    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.clock.install();

    const query = buildAuthorizeQuery({
      client_id: 'browser-app',
      redirect_uri: redirectUri,
      code_challenge: pkce.challenge,
      scope: 'launch/patient patient/Observation.rs openid',
    });
    await page.goto(`/auth/authorize?${query}`);
    await expect.poll(() => page.title()).toBe('Sign in – Ward');
    await page.getByLabel('E-mail').fill('browser.nurse@example.invalid');
    await page.getByLabel('Password').fill(testPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByLabel('Authentication code').fill(user.codeAt(fixture.clock.now));
    await page.getByRole('button', { name: 'Verify' }).click();

    await page.getByLabel('Patient id').fill('pat-42');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Allow access?');

    const warning = page.locator('#idle-warning');
    expect(await warning.isVisible()).toBe(false);
    await page.clock.fastForward('12:50');
    expect(await warning.isVisible()).toBe(false);
    await page.clock.fastForward('00:15');
    await expect.poll(() => warning.isVisible()).toBe(true);
    expect(await page.getByRole('alert').textContent()).toContain('signed out in 2');

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.origin === appOrigin);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe('st-123');

    const grant = await redeemAuthorizationCode(fixture.db, {
      code: landed.searchParams.get('code')!,
      codeVerifier: pkce.verifier,
      clientId: 'browser-app',
      redirectUri,
      now: fixture.clock.now,
    });
    expect(grant).toMatchObject({ userId: user.id, patient: 'pat-42' });
    expect(cspViolations).toEqual([]);
  }, 60_000);

  it('reloads to the login page when the idle timeout has passed', async () => {
    const user = await createMfaUser(fixture, {
      email: 'idle.browser@example.invalid',
      roles: ['physician'],
    });
    // A new sign-in, not the first test's session.
    await browser.clearCookies();
    const page = await browser.newPage();
    await page.clock.install();
    const query = buildAuthorizeQuery({
      client_id: 'browser-app',
      redirect_uri: redirectUri,
      code_challenge: makePkce().challenge,
      scope: 'launch/patient patient/Observation.rs',
    });
    await page.goto(`/auth/authorize?${query}`);
    await page.getByLabel('E-mail').fill('idle.browser@example.invalid');
    await page.getByLabel('Password').fill(testPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Authentication code').fill(user.codeAt(fixture.clock.now));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.title()).toBe('Choose a patient – Ward');

    // The server's clock moves past the timeout; the page's timer fires its reload.
    fixture.clock.now = new Date(fixture.clock.now.getTime() + 15 * 60_000 + 2000);
    await page.clock.fastForward('15:02');

    await expect.poll(() => page.title()).toBe('Sign in – Ward');
    expect(await page.getByRole('alert').textContent()).toContain('inactivity');
  }, 60_000);
});
