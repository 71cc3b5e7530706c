import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet } from 'jose';
import type { Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import { clientTypes, createClient, disableClient, type ClientType } from './clients.ts';
import { rotateSigningKey } from './oauth-server.ts';
import type { OAuthSettings } from './oauth-settings.ts';
import type { RoleConfig } from './roles.ts';
import { SessionStore, sessionEndReasons } from './session-store.ts';
import { assignRole, disableUser, enrolMfa, resetMfa } from './users-admin.ts';
import { createUser, ensureUserIndexes } from './users.ts';

/** What the admin commands work on; the CLI builds it the way `src/main.ts` connects. */
export interface AdminDeps {
  db: Db;
  keyRing: KeyRing;
  roles: RoleConfig;
  oauthSettings: OAuthSettings;
  /** Asks for a password without echo (only when `--password-file` is absent). */
  promptPassword(): Promise<string>;
  /** Where results go: ids and URIs an operator needs, never a password. */
  print(line: string): void;
}

type Command = (args: string[], deps: AdminDeps) => Promise<void>;

/** The commands of `npm run admin -- <command>`, with their usage lines. */
export const adminCommands: Record<string, { usage: string; run: Command }> = {
  'create-user': {
    usage:
      'create-user --email E --role R [--role R2] [--fhir-user Patient/ID] [--npi N] [--employee-id X] [--password-file F]',
    run: runCreateUser,
  },
  'disable-user': { usage: 'disable-user USER_ID', run: runDisableUser },
  'assign-role': { usage: 'assign-role USER_ID ROLE', run: runAssignRole },
  'enrol-mfa': { usage: 'enrol-mfa USER_ID', run: runEnrolMfa },
  'reset-mfa': { usage: 'reset-mfa USER_ID', run: runResetMfa },
  'create-client': {
    usage:
      'create-client --name N --type public|confidential|backend --scope S [--scope S2] [--redirect-uri U] [--origin O] [--jwks-file F | --jwks-uri U] [--client-id ID]',
    run: runCreateClient,
  },
  'disable-client': { usage: 'disable-client CLIENT_ID', run: runDisableClient },
  'rotate-keys': { usage: 'rotate-keys', run: runRotateKeys },
};

/**
 * Runs one command. Throws a plain Error with a one-line message for bad arguments; the CLI
 * prints it and exits non-zero.
 */
export async function runAdminCommand(argv: string[], deps: AdminDeps): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? adminCommands[name] : undefined;
  if (!command) {
    const usage = Object.values(adminCommands).map((c) => `  ${c.usage}`);
    throw new Error(`usage: npm run admin -- <command>\n${usage.join('\n')}`);
  }
  await command.run(args, deps);
}

async function runCreateUser(args: string[], deps: AdminDeps): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      role: { type: 'string', multiple: true },
      'fhir-user': { type: 'string' },
      npi: { type: 'string' },
      'employee-id': { type: 'string' },
      'password-file': { type: 'string' },
    },
  });
  if (!values.email || !values.role?.length)
    throw new Error('give --email and at least one --role');
  checkRolesExist(values.role, deps.roles);

  const password = values['password-file']
    ? (await readFile(values['password-file'], 'utf8')).replace(/\r?\n$/, '')
    : await deps.promptPassword();
  await ensureUserIndexes(deps.db);
  const id = await createUser(deps.db, deps.keyRing, {
    email: values.email,
    password,
    roles: values.role,
    ...(values['fhir-user'] ? { fhirUser: values['fhir-user'] } : {}),
    ...(values.npi ? { npi: values.npi } : {}),
    ...(values['employee-id'] ? { employeeId: values['employee-id'] } : {}),
  });
  deps.print(id);
}

async function runDisableUser(args: string[], deps: AdminDeps): Promise<void> {
  const userId = readPositional(args, 1, 'disable-user USER_ID')[0]!;
  await disableUser(deps.db, userId);
  const ended = await new SessionStore(deps.db).endAllForUser(
    userId,
    sessionEndReasons.userDisabled,
    new Date(),
  );
  deps.print(`disabled; ${ended} open session(s) ended`);
}

async function runAssignRole(args: string[], deps: AdminDeps): Promise<void> {
  const [userId, role] = readPositional(args, 2, 'assign-role USER_ID ROLE');
  checkRolesExist([role!], deps.roles);
  await assignRole(deps.db, userId!, role!);
  deps.print('role assigned');
}

async function runEnrolMfa(args: string[], deps: AdminDeps): Promise<void> {
  const userId = readPositional(args, 1, 'enrol-mfa USER_ID')[0]!;
  deps.print(await enrolMfa(deps.db, deps.keyRing, userId));
}

async function runResetMfa(args: string[], deps: AdminDeps): Promise<void> {
  const userId = readPositional(args, 1, 'reset-mfa USER_ID')[0]!;
  await resetMfa(deps.db, userId);
  deps.print('MFA reset: the user cannot sign in until enrolled again');
}

async function runCreateClient(args: string[], deps: AdminDeps): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      type: { type: 'string' },
      scope: { type: 'string', multiple: true },
      'redirect-uri': { type: 'string', multiple: true },
      origin: { type: 'string', multiple: true },
      'jwks-file': { type: 'string' },
      'jwks-uri': { type: 'string' },
      'client-id': { type: 'string' },
    },
  });
  const type = Object.values(clientTypes).find((t) => t === values.type);
  if (!values.name || !type || !values.scope?.length) {
    throw new Error('give --name, --type public|confidential|backend and at least one --scope');
  }
  const jwks: unknown = values['jwks-file']
    ? JSON.parse(await readFile(values['jwks-file'], 'utf8'))
    : undefined;
  const { client, secret } = await createClient(deps.db, {
    name: values.name,
    type: type satisfies ClientType,
    allowedScopes: values.scope,
    ...(values['redirect-uri'] ? { redirectUris: values['redirect-uri'] } : {}),
    ...(values.origin ? { origins: values.origin } : {}),
    // The file's shape is checked by createClient's schema before anything is stored.
    ...(jwks ? { jwks: jwks as JSONWebKeySet } : {}),
    ...(values['jwks-uri'] ? { jwksUri: values['jwks-uri'] } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
  });
  deps.print(`client_id ${client._id}`);
  // Shown once, to the operator who registered the client; stored only hashed.
  if (secret) deps.print(`client_secret ${secret}`);
}

async function runDisableClient(args: string[], deps: AdminDeps): Promise<void> {
  const clientId = readPositional(args, 1, 'disable-client CLIENT_ID')[0]!;
  if (!(await disableClient(deps.db, clientId))) throw new Error('no such client');
  deps.print('client disabled');
}

async function runRotateKeys(args: string[], deps: AdminDeps): Promise<void> {
  readPositional(args, 0, 'rotate-keys');
  const dataKeyId = await deps.keyRing.rotate();
  const signingKeyId = await rotateSigningKey(deps.db, deps.keyRing, deps.oauthSettings);
  deps.print(`data key ${dataKeyId}; signing key ${signingKeyId}`);
}

function readPositional(args: string[], count: number, usage: string): string[] {
  if (args.length !== count || args.some((arg) => arg.startsWith('--'))) {
    throw new Error(`usage: npm run admin -- ${usage}`);
  }
  return args;
}

function checkRolesExist(roles: string[], config: RoleConfig): void {
  const unknown = roles.filter((role) => !config.roles.has(role));
  if (unknown.length > 0) throw new Error(`unknown role(s): ${unknown.join(', ')}`);
}
