import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedScopesFor, loadRoleConfig, readRoleConfigFile } from '../../src/auth/roles.ts';
import { intersectScopes } from '../../src/auth/scope-intersect.ts';

const minimal = () => ({ version: 1, roles: { nurse: ['user/Patient.rs', 'openid'] } });

describe('readRoleConfigFile', () => {
  it('loads the shipped config/roles.v1.json', () => {
    const config = readRoleConfigFile();
    expect([...config.roles.keys()].sort()).toEqual([
      'admin',
      'billing',
      'compliance',
      'nurse',
      'patient',
      'physician',
    ]);
    expect(config.breakGlass).toEqual({
      roles: ['physician', 'nurse'],
      scopes: ['user/*.rs'],
      durationMinutes: 60,
    });
  });

  it('refuses a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-roles-'));
    const path = join(dir, 'roles.json');
    writeFileSync(path, '{ "version": 1, ');
    expect(() => readRoleConfigFile(path)).toThrow('role file is not readable JSON');
  });
});

describe('loadRoleConfig', () => {
  it('accepts a minimal file and gives nobody break-glass by default', () => {
    const config = loadRoleConfig(minimal());
    expect(config.roles.get('nurse')).toEqual(['user/Patient.rs', 'openid']);
    expect(config.breakGlass.roles).toEqual([]);
    expect(config.fieldMasks.size).toBe(0);
  });

  it.each([2, '1', undefined, 0])('refuses version %s', (version) => {
    expect(() => loadRoleConfig({ ...minimal(), version })).toThrow(/version .* is not supported/);
  });

  it.each([
    ['not an object', []],
    ['null', null],
  ])('refuses a file that is %s', (_why, input) => {
    expect(() => loadRoleConfig(input)).toThrow(/not supported/);
  });

  it.each([
    ['an unknown top-level key', { ...minimal(), extra: true }, /invalid role file at \//],
    [
      'a role that is not a list',
      { version: 1, roles: { nurse: 'user/Patient.rs' } },
      /\/roles\/nurse/,
    ],
    [
      'a role name shadowing Object.prototype',
      { version: 1, roles: { __proto__x: [] } },
      /\/roles/,
    ],
    ['a repeated scope', { version: 1, roles: { nurse: ['openid', 'openid'] } }, /\/roles\/nurse/],
    [
      'a field mask element that is not an element name',
      { ...minimal(), fieldMasks: { nurse: { Patient: ['name.given'] } } },
      /\/fieldMasks\/nurse\/Patient/,
    ],
    [
      'a break-glass duration of a day and more',
      { ...minimal(), breakGlass: { roles: ['nurse'], scopes: [], durationMinutes: 1441 } },
      /\/breakGlass\/durationMinutes/,
    ],
  ])('refuses %s', (_why, input, message) => {
    expect(() => loadRoleConfig(input)).toThrow(message);
  });

  it('refuses a scope that does not parse, naming where it is', () => {
    const input = { version: 1, roles: { nurse: ['openid', 'user/Patient.sr'] } };
    expect(() => loadRoleConfig(input)).toThrow('scope at /roles/nurse/1 does not parse');
  });

  it('refuses masks and break-glass entries for roles it does not define', () => {
    const masks = { ...minimal(), fieldMasks: { billing: { Patient: ['name'] } } };
    expect(() => loadRoleConfig(masks)).toThrow('/fieldMasks/billing names no role');
    const glass = { ...minimal(), breakGlass: { roles: ['physician'], scopes: ['user/*.rs'] } };
    expect(() => loadRoleConfig(glass)).toThrow(/undefined role physician/);
  });

  it('refuses a break-glass scope that does not parse', () => {
    const input = { ...minimal(), breakGlass: { roles: ['nurse'], scopes: ['user/*.rx'] } };
    expect(() => loadRoleConfig(input)).toThrow('scope at /breakGlass/scopes/0 does not parse');
  });
});

describe('allowedScopesFor', () => {
  const config = readRoleConfigFile();

  it('unites the scopes of several roles, each once', () => {
    const both = allowedScopesFor(config, ['admin', 'compliance']);
    expect(both).toEqual(['user/AuditEvent.rs', 'openid', 'fhirUser', 'online_access']);
  });

  it('allows nothing for unknown roles, including Object.prototype names', () => {
    expect(allowedScopesFor(config, ['superuser', 'constructor', 'toString'])).toEqual([]);
  });
});

describe('the default roles', () => {
  const config = readRoleConfigFile();
  const grant = (role: string, requested: string[]) =>
    intersectScopes(requested, allowedScopesFor(config, [role]));
  const vitalSigns =
    'category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

  it('give a physician clinical read/write but no audit trail', () => {
    expect(grant('physician', ['user/Patient.cruds', 'user/Observation.*'])).toEqual([
      'user/Patient.cruds',
      'user/Observation.cruds',
    ]);
    expect(grant('physician', ['user/AuditEvent.rs'])).toEqual([]);
  });

  it('give a nurse patients read and vital signs read/write only', () => {
    expect(grant('nurse', ['user/Patient.*', 'user/Observation.*'])).toEqual([
      'user/Patient.rs',
      `user/Observation.crus?${vitalSigns}`,
    ]);
    expect(grant('nurse', ['user/Observation.rs?category=laboratory'])).toEqual([]);
  });

  it('give a patient their own compartment to read and no user scopes', () => {
    expect(grant('patient', ['patient/*.cruds', 'user/*.rs', 'launch/patient'])).toEqual([
      'patient/*.rs',
      'patient/Appointment.crus',
      'launch/patient',
    ]);
  });

  it('give billing Patient read but no observations', () => {
    expect(grant('billing', ['user/Patient.rs', 'user/Observation.rs'])).toEqual([
      'user/Patient.rs',
    ]);
    expect(config.fieldMasks.get('billing')?.get('Patient')).toContain('address');
    expect(config.fieldMasks.get('billing')?.get('Patient')).not.toContain('extension');
  });

  it.each(['admin', 'compliance'])('give %s the audit trail and no clinical data', (role) => {
    expect(grant(role, ['user/*.rs'])).toEqual(['user/AuditEvent.rs']);
  });
});
