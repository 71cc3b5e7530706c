import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyClientSecret } from '../../src/auth/clients-secret.ts';
import { createClient, disableClient, findClient } from '../../src/auth/clients.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { form, openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

describe('clients', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(async () => {
    await database.close();
  });

  const app = {
    name: 'Test app',
    type: 'confidential' as const,
    redirectUris: ['https://app.test/cb'],
    allowedScopes: ['user/Patient.rs'],
  };

  it('stores a confidential client’s secret only as a salted scrypt hash', async () => {
    const { client, secret } = await createClient(database.db, app);

    const stored = await findClient(database.db, client._id);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(secret!);
    expect(stored!.secretHash).toMatch(/^scrypt\$/);
    expect(await verifyClientSecret(secret!, stored!.secretHash!)).toBe(true);
    expect(await verifyClientSecret(`${secret}x`, stored!.secretHash!)).toBe(false);
  });

  it('salts each hash, so equal secrets never look alike', async () => {
    const first = await createClient(database.db, app);
    const second = await createClient(database.db, app);

    expect(first.client.secretHash).not.toBe(second.client.secretHash);
  });

  it('finds no disabled client', async () => {
    const { client } = await createClient(database.db, app);

    expect(await disableClient(database.db, client._id)).toBe(true);

    expect(await findClient(database.db, client._id)).toBeUndefined();
  });

  it('refuses a registration that carries a private key, or a backend without keys', async () => {
    const privateJwk = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', d: 'secret-part' };

    await expect(
      createClient(database.db, { ...app, type: 'backend', jwks: { keys: [privateJwk] } }),
    ).rejects.toThrow(/invalid client registration/);
    await expect(createClient(database.db, { ...app, type: 'backend' })).rejects.toThrow(
      /needs jwks or jwksUri/,
    );
  });
});

describe('client authentication at /auth/token', () => {
  let fixture: OAuthFixture;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
  });
  afterEach(async () => {
    await fixture.close();
  });

  it('accepts client_secret_post and refuses two methods at once', async () => {
    const { client, secret } = await createClient(fixture.database.db, {
      name: 'Test app',
      type: 'confidential',
      redirectUris: ['https://app.test/cb'],
      allowedScopes: ['user/Patient.rs'],
    });
    const fields = { grant_type: 'refresh_token', refresh_token: 'unknown', client_id: client._id };

    const post = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({ ...fields, client_secret: secret! }),
    });
    const both = form({ ...fields, client_secret: secret! });
    const twice = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: both.payload,
      headers: {
        ...both.headers,
        authorization: `Basic ${Buffer.from(`${client._id}:${secret}`).toString('base64')}`,
      },
    });

    // Authenticated, so the grant itself is judged: the refresh token is unknown.
    expect(post.json()).toMatchObject({ error: 'invalid_grant' });
    expect(twice.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('refuses a disabled client', async () => {
    const { client, secret } = await createClient(fixture.database.db, {
      name: 'Test app',
      type: 'confidential',
      redirectUris: ['https://app.test/cb'],
      allowedScopes: ['user/Patient.rs'],
    });
    await disableClient(fixture.database.db, client._id);

    const res = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({
        grant_type: 'refresh_token',
        refresh_token: 'unknown',
        client_id: client._id,
        client_secret: secret!,
      }),
    });

    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});
