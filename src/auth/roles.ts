import { readFileSync } from 'node:fs';
import type { BreakGlassPolicy } from './break-glass.ts';
import { validateRoleFile, type RoleFile } from './roles-schema.ts';
import { parseScope } from './scope.ts';

/**
 * Roles and the SMART scopes each may hold, loaded from a versioned file
 * (`config/roles.v1.json`; DESIGN.md, "Security model"). Lookups go through Maps so that a role
 * named like an Object.prototype member can never resolve to something that is not a role.
 */
export interface RoleConfig {
  version: 1;
  /** Role → the scopes it allows (normalized strings as written in the file). */
  roles: ReadonlyMap<string, readonly string[]>;
  /** Role → resource type → the only top-level elements that role may see of that type. */
  fieldMasks: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  breakGlass: BreakGlassPolicy;
}

/** Where the default role file lives in the repository. */
export const defaultRoleFileUrl = new URL('../../config/roles.v1.json', import.meta.url);

/** Default emergency-access window (HIPAA.md asks for "a short, configured time"). */
const defaultBreakGlassMinutes = 60;

/** Reads and validates a role file; throws naming what is wrong (start-up must then stop). */
export function readRoleConfigFile(path: string | URL = defaultRoleFileUrl): RoleConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error('role file is not readable JSON', { cause });
  }
  return loadRoleConfig(parsed);
}

/**
 * Validates a parsed role file and freezes it into a RoleConfig. Refuses versions other than 1,
 * unknown keys, scopes that do not parse, and masks or break-glass entries for undefined roles.
 */
export function loadRoleConfig(input: unknown): RoleConfig {
  const version = isRecord(input) ? input.version : undefined;
  if (version !== 1) {
    throw new Error(`role file version ${String(version)} is not supported (expected 1)`);
  }
  if (!validateRoleFile(input)) {
    const paths = (validateRoleFile.errors ?? []).map((e) => e.instancePath || '/');
    throw new Error(`invalid role file at ${[...new Set(paths)].join(', ')}`);
  }

  const roles = new Map(Object.entries(input.roles));
  for (const [role, scopes] of roles) checkScopes(scopes, `/roles/${role}`);
  const fieldMasks = toFieldMasks(input, roles);
  const breakGlass = toBreakGlass(input, roles);

  return Object.freeze({ version: 1, roles, fieldMasks, breakGlass });
}

/** Every scope the given roles allow; unknown roles allow nothing. */
export function allowedScopesFor(config: RoleConfig, roles: readonly string[]): string[] {
  const allowed = new Set<string>();
  for (const role of roles) for (const scope of config.roles.get(role) ?? []) allowed.add(scope);
  return [...allowed];
}

function toFieldMasks(
  file: RoleFile,
  roles: ReadonlyMap<string, unknown>,
): RoleConfig['fieldMasks'] {
  const masks = new Map<string, ReadonlyMap<string, readonly string[]>>();
  for (const [role, byType] of Object.entries(file.fieldMasks ?? {})) {
    if (!roles.has(role)) throw new Error(`field mask at /fieldMasks/${role} names no role`);
    masks.set(role, new Map(Object.entries(byType)));
  }
  return masks;
}

function toBreakGlass(file: RoleFile, roles: ReadonlyMap<string, unknown>): BreakGlassPolicy {
  const entry = file.breakGlass;
  if (!entry) return { roles: [], scopes: [], durationMinutes: defaultBreakGlassMinutes };
  for (const role of entry.roles) {
    if (!roles.has(role)) throw new Error(`/breakGlass/roles names an undefined role ${role}`);
  }
  checkScopes(entry.scopes, '/breakGlass/scopes');
  const durationMinutes = entry.durationMinutes ?? defaultBreakGlassMinutes;
  return { roles: entry.roles, scopes: entry.scopes, durationMinutes };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkScopes(scopes: readonly string[], where: string): void {
  scopes.forEach((scope, index) => {
    if (!parseScope(scope)) throw new Error(`scope at ${where}/${index} does not parse`);
  });
}
