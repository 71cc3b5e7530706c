import type { CapabilityStatementRestSecurity } from 'fhir/r4';
import { assertionAlgorithms } from './clients-assertion.ts';
import { describeEndpoints, type OAuthSettings } from './oauth-settings.ts';
import { signingAlgorithm } from './signing-keys.ts';

export interface SmartConfigurationOptions {
  /** Whether the authorization-code flow (S2b's `/auth/authorize`) is wired in. */
  hasAuthorizationCode: boolean;
  /** Scopes to advertise (the role file's, typically). */
  scopesSupported: readonly string[];
}

/** Capabilities that need the authorization-code flow (a browser and a user). */
const launchCapabilities = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'context-ehr-patient',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'sso-openid-connect',
] as const;

/** Capabilities of the token endpoint alone (SMART Backend Services, both scope syntaxes). */
const tokenCapabilities = ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'];

/**
 * The SMART discovery document (SMART App Launch 2.x §"Metadata",
 * https://hl7.org/fhir/smart-app-launch/conformance.html), listing only what Ward supports.
 */
export function buildSmartConfiguration(
  settings: OAuthSettings,
  options: SmartConfigurationOptions,
): Record<string, unknown> {
  const endpoints = describeEndpoints(settings);
  const withCode = options.hasAuthorizationCode;
  const grantTypes = [
    'client_credentials',
    ...(withCode ? ['authorization_code', 'refresh_token'] : []),
  ];
  return {
    issuer: settings.issuer,
    jwks_uri: endpoints.jwks,
    ...(withCode ? { authorization_endpoint: endpoints.authorize } : {}),
    token_endpoint: endpoints.token,
    grant_types_supported: grantTypes,
    token_endpoint_auth_methods_supported: [
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
    ],
    token_endpoint_auth_signing_alg_values_supported: [...assertionAlgorithms],
    scopes_supported: [...options.scopesSupported],
    response_types_supported: withCode ? ['code'] : [],
    ...(withCode ? { code_challenge_methods_supported: ['S256'] } : {}),
    id_token_signing_alg_values_supported: [signingAlgorithm],
    introspection_endpoint: endpoints.introspect,
    revocation_endpoint: endpoints.revoke,
    capabilities: [...(withCode ? launchCapabilities : []), ...tokenCapabilities],
  };
}

/** The OpenID Provider metadata `sso-openid-connect` points to (OIDC Discovery 1.0 §3). */
export function buildOpenIdConfiguration(settings: OAuthSettings): Record<string, unknown> {
  const endpoints = describeEndpoints(settings);
  return {
    issuer: settings.issuer,
    authorization_endpoint: endpoints.authorize,
    token_endpoint: endpoints.token,
    jwks_uri: endpoints.jwks,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [signingAlgorithm],
    code_challenge_methods_supported: ['S256'],
  };
}

/**
 * `CapabilityStatement.rest.security` of a SMART server: the SMART-on-FHIR service code, and the
 * `oauth-uris` extension that SMART 1.0 clients read (App Launch 2.x keeps it for backward
 * compatibility; `.well-known/smart-configuration` is the primary discovery document).
 * https://hl7.org/fhir/smart-app-launch/conformance.html
 */
export function buildRestSecurity(
  settings: Pick<OAuthSettings, 'issuer'>,
): CapabilityStatementRestSecurity {
  const endpoints = describeEndpoints(settings);
  const uris = (['authorize', 'token', 'introspect', 'revoke'] as const).map((url) => ({
    url,
    valueUri: endpoints[url],
  }));
  return {
    extension: [
      { url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: uris },
    ],
    cors: true,
    service: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
            code: 'SMART-on-FHIR',
          },
        ],
        text: 'OAuth2 using SMART-on-FHIR profile (SMART App Launch 2.x, Backend Services)',
      },
    ],
    description:
      'Every request but metadata and .well-known/smart-configuration needs a bearer token. ' +
      'Scopes: SMART v1 and v2, granular (?category=...), cut down to what the user\'s roles allow.',
  };
}
