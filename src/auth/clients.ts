import { randomBytes } from 'node:crypto';
import { Ajv } from 'ajv';
import type { JSONWebKeySet } from 'jose';
import type { Db } from 'mongodb';
import { generateClientSecret, hashClientSecret } from './clients-secret.ts';

/**
 * Kinds of client (SMART App Launch 2.x "client types"): `public` apps hold no secret and must
 * use PKCE; `confidential` apps authenticate with a secret; `backend` services sign JWT
 * assertions with a key from their registered JWKS (SMART Backend Services).
 */
export const clientTypes = {
  public: 'public',
  confidential: 'confidential',
  backend: 'backend',
} as const;
export type ClientType = (typeof clientTypes)[keyof typeof clientTypes];

/** A registered OAuth client, as stored in the `clients` collection. */
export interface ClientDocument {
  _id: string;
  name: string;
  type: ClientType;
  redirectUris: string[];
  /** The most this client may ever be granted, as SMART scope strings. */
  allowedScopes: string[];
  /** Public keys for `private_key_jwt`, by value ... */
  jwks?: JSONWebKeySet;
  /** ... or by URL (fetched with a timeout, cached). */
  jwksUri?: string;
  /** scrypt hash of the client secret (confidential clients). */
  secretHash?: string;
  /** Browser origins allowed by CORS for this app. */
  origins: string[];
  disabled: boolean;
  createdAt: Date;
}

/** What an operator supplies to register a client. */
export interface NewClient {
  clientId?: string;
  name: string;
  type: ClientType;
  redirectUris?: string[];
  allowedScopes: string[];
  jwks?: JSONWebKeySet;
  jwksUri?: string;
  origins?: string[];
}

const clientsCollection = 'clients';

// Plain http only for loopback, where a local test or dev JWKS server lives.
const secureUrl = '^(https://|http://(127\\.0\\.0\\.1|localhost|\\[::1\\])(:[0-9]+)?/)';

const newClientSchema = {
  type: 'object',
  required: ['name', 'type', 'allowedScopes'],
  additionalProperties: false,
  properties: {
    clientId: { type: 'string', pattern: '^[A-Za-z0-9._~-]{3,128}$' },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    type: { enum: Object.values(clientTypes) },
    redirectUris: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*:' },
    },
    allowedScopes: { type: 'array', items: { type: 'string', minLength: 1, pattern: '^\\S+$' } },
    jwks: {
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          minItems: 1,
          // A private key in a registration is a mistake we refuse rather than store.
          items: { type: 'object', required: ['kty'], not: { required: ['d'] } },
        },
      },
    },
    jwksUri: { type: 'string', pattern: secureUrl },
    origins: { type: 'array', items: { type: 'string', pattern: '^https?://[^/\\s]+$' } },
  },
} as const;

const validateNewClient = new Ajv({ allErrors: true }).compile(newClientSchema);

/**
 * Registers a client. Confidential clients get a fresh secret, returned here once and stored
 * only hashed. Throws a plain Error naming the invalid fields (operator input, CLI or admin).
 */
export async function createClient(
  db: Db,
  input: NewClient,
  now: () => Date = () => new Date(),
): Promise<{ client: ClientDocument; secret?: string }> {
  checkNewClient(input);
  const secret = input.type === clientTypes.confidential ? generateClientSecret() : undefined;
  const client: ClientDocument = {
    _id: input.clientId ?? randomBytes(12).toString('base64url'),
    name: input.name,
    type: input.type,
    redirectUris: input.redirectUris ?? [],
    allowedScopes: input.allowedScopes,
    ...(input.jwks ? { jwks: input.jwks } : {}),
    ...(input.jwksUri ? { jwksUri: input.jwksUri } : {}),
    ...(secret ? { secretHash: await hashClientSecret(secret) } : {}),
    origins: input.origins ?? [],
    disabled: false,
    createdAt: now(),
  };
  await db.collection<ClientDocument>(clientsCollection).insertOne(client);
  return { client, ...(secret ? { secret } : {}) };
}

/** Disables a client: it can no longer authenticate or obtain tokens. Returns whether it existed. */
export async function disableClient(db: Db, clientId: string): Promise<boolean> {
  const result = await db
    .collection<ClientDocument>(clientsCollection)
    .updateOne({ _id: clientId }, { $set: { disabled: true } });
  return result.matchedCount === 1;
}

/** The client with this id, or `undefined` when there is none or it is disabled (fail closed). */
export async function findClient(db: Db, clientId: string): Promise<ClientDocument | undefined> {
  const client = await db.collection<ClientDocument>(clientsCollection).findOne({ _id: clientId });
  return client && !client.disabled ? client : undefined;
}

function checkNewClient(input: NewClient): void {
  if (!validateNewClient(input)) {
    const fields = (validateNewClient.errors ?? []).map((e) => e.instancePath || e.keyword);
    throw new Error(`invalid client registration: ${[...new Set(fields)].join(', ')}`);
  }
  if (input.type === clientTypes.backend && !input.jwks && !input.jwksUri) {
    throw new Error('invalid client registration: a backend client needs jwks or jwksUri');
  }
  if (input.type !== clientTypes.backend && (input.redirectUris ?? []).length === 0) {
    throw new Error('invalid client registration: an app client needs redirectUris');
  }
}
