import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSmartConfiguration } from '../../src/auth/smart-configuration.ts';
import { openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

describe('GET /fhir/.well-known/smart-configuration', () => {
  let fixture: OAuthFixture;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('lists the endpoints and capabilities SMART App Launch 2.x requires', async () => {
    const res = await fixture.app.inject({ url: '/fhir/.well-known/smart-configuration' });

    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      issuer: 'https://ward.test/auth',
      jwks_uri: 'https://ward.test/auth/jwks',
      authorization_endpoint: 'https://ward.test/auth/authorize',
      token_endpoint: 'https://ward.test/auth/token',
      introspection_endpoint: 'https://ward.test/auth/introspect',
      revocation_endpoint: 'https://ward.test/auth/revoke',
      token_endpoint_auth_methods_supported: [
        'private_key_jwt',
        'client_secret_basic',
        'client_secret_post',
      ],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(body.grant_types_supported.sort()).toEqual([
      'authorization_code',
      'client_credentials',
      'refresh_token',
    ]);
    expect(body.capabilities).toEqual(
      expect.arrayContaining([
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'context-ehr-patient',
        'context-standalone-patient',
        'permission-offline',
        'permission-online',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'sso-openid-connect',
      ]),
    );
    expect(body.code_challenge_methods_supported).not.toContain('plain');
  });

  it('is served at the root too, identically', async () => {
    const fhir = await fixture.app.inject({ url: '/fhir/.well-known/smart-configuration' });
    const root = await fixture.app.inject({ url: '/.well-known/smart-configuration' });

    expect(root.json()).toEqual(fhir.json());
  });

  it('advertises no browser launch when the authorization-code flow is not wired', () => {
    const body = buildSmartConfiguration(fixture.settings, {
      hasAuthorizationCode: false,
      scopesSupported: [],
    });

    expect(body.grant_types_supported).toEqual(['client_credentials']);
    expect(body.authorization_endpoint).toBeUndefined();
    expect(body.capabilities).not.toContain('launch-standalone');
    expect(body.capabilities).toContain('client-confidential-asymmetric');
  });
});
