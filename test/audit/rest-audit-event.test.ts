import type { AuditEvent } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../../src/auth/auth-context.ts';
import { buildAlertAuditEvent } from '../../src/audit/alert-audit-event.ts';
import { describeChanges } from '../../src/audit/changed-elements.ts';
import {
  buildRestAuditEvent,
  type RestAuditInput,
  type RestInteraction,
} from '../../src/audit/rest-audit-event.ts';
import {
  buildSecurityAuditEvent,
  type SecurityEventKind,
} from '../../src/audit/security-audit-event.ts';
import { extractCompartments } from '../../src/search/compartment.ts';
import { extractIndex } from '../../src/search/extract.ts';
import { validateResource } from '../../src/validation/validate-resource.ts';
import { server } from './audit-fixtures.ts';

const marker = 'Qzxvbrmt';
const recorded = new Date('2025-03-04T10:00:00Z');
const physician: AuthContext = {
  tokenId: 'jti-1',
  issuer: 'https://ward.test',
  user: { id: 'u-doc', roles: ['physician'], fhirUser: 'Practitioner/pr1' },
  clientId: 'app-1',
  scopes: ['user/*.rs'],
  purposeOfUse: ['TREAT'],
};

function build(overrides: Partial<RestAuditInput>): AuditEvent {
  return buildRestAuditEvent({
    interaction: 'read',
    outcome: { status: 200 },
    recorded,
    auth: physician,
    network: { address: '192.0.2.10' },
    patients: [],
    requestId: 'req-1',
    server,
    ...overrides,
  });
}

const obs = (versionId?: number) => ({ type: 'Observation', id: 'o1', versionId });
const codes = (e: AuditEvent) => ({
  type: e.type?.code,
  subtype: e.subtype?.map((c) => c.code),
  action: e.action,
  outcome: e.outcome,
});
const entityRoles = (e: AuditEvent) => (e.entity ?? []).map((x) => x.role?.code ?? x.type?.code);
const balp = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

describe('buildRestAuditEvent', () => {
  const rows: Array<{
    interaction: RestInteraction;
    input: Partial<RestAuditInput>;
    expected: ReturnType<typeof codes>;
    roles: string[];
    profile?: string;
  }> = [
    {
      interaction: 'create',
      input: { outcome: { status: 201 }, resource: obs(1), patients: ['Patient/p1'] },
      expected: { type: 'rest', subtype: ['create'], action: 'C', outcome: '0' },
      roles: ['4', '1', 'XrequestId'],
      profile: 'PatientCreate',
    },
    {
      interaction: 'read',
      input: { resource: obs(3), patients: ['Patient/p1'] },
      expected: { type: 'rest', subtype: ['read'], action: 'R', outcome: '0' },
      roles: ['4', '1', 'XrequestId'],
      profile: 'PatientRead',
    },
    {
      interaction: 'vread',
      input: { resource: obs(2) },
      expected: { type: 'rest', subtype: ['vread'], action: 'R', outcome: '0' },
      roles: ['4', 'XrequestId'],
      profile: 'Read',
    },
    {
      interaction: 'update',
      input: { resource: obs(4), patients: ['Patient/p1'] },
      expected: { type: 'rest', subtype: ['update'], action: 'U', outcome: '0' },
      roles: ['4', '1', 'XrequestId'],
      profile: 'PatientUpdate',
    },
    {
      interaction: 'patch',
      input: { resource: obs(5) },
      expected: { type: 'rest', subtype: ['patch'], action: 'U', outcome: '0' },
      roles: ['4', 'XrequestId'],
      profile: 'Update',
    },
    {
      interaction: 'delete',
      input: { outcome: { status: 204 }, resource: obs(6), patients: ['Patient/p1'] },
      expected: { type: 'rest', subtype: ['delete'], action: 'D', outcome: '0' },
      roles: ['4', '1', 'XrequestId'],
      profile: 'PatientDelete',
    },
    {
      interaction: 'search',
      input: {
        resource: { type: 'Observation' },
        query: 'code=1234',
        patients: ['Patient/a', 'Patient/b'],
      },
      expected: { type: 'rest', subtype: ['search-type'], action: 'E', outcome: '0' },
      roles: ['1', '1', '24', 'XrequestId'],
      profile: 'PatientQuery',
    },
    {
      interaction: 'search',
      input: { query: '_lastUpdated=gt2025' },
      expected: { type: 'rest', subtype: ['search-system'], action: 'E', outcome: '0' },
      roles: ['24', 'XrequestId'],
      profile: 'Query',
    },
    {
      interaction: 'history-instance',
      input: { resource: obs() },
      expected: { type: 'rest', subtype: ['history-instance'], action: 'R', outcome: '0' },
      roles: ['4', 'XrequestId'],
    },
    {
      interaction: 'history-type',
      input: { resource: { type: 'Observation' } },
      expected: { type: 'rest', subtype: ['history-type'], action: 'R', outcome: '0' },
      roles: ['XrequestId'],
    },
    {
      interaction: 'history-system',
      input: {},
      expected: { type: 'rest', subtype: ['history-system'], action: 'R', outcome: '0' },
      roles: ['XrequestId'],
    },
    {
      interaction: 'capabilities',
      input: { auth: undefined },
      expected: { type: 'rest', subtype: ['capabilities'], action: 'R', outcome: '0' },
      roles: ['XrequestId'],
    },
    {
      interaction: 'read',
      input: {
        outcome: { status: 403, code: 'forbidden' },
        resource: obs(),
        patients: ['Patient/p1'],
      },
      expected: { type: 'rest', subtype: ['read'], action: 'R', outcome: '4' },
      roles: ['4', '1', 'XrequestId'],
    },
    {
      interaction: 'search',
      input: {
        outcome: { status: 401, code: 'login' },
        auth: undefined,
        resource: { type: 'Patient' },
        query: '',
      },
      expected: { type: 'rest', subtype: ['search-type'], action: 'E', outcome: '4' },
      roles: ['24', 'XrequestId'],
    },
    {
      interaction: 'create',
      input: { outcome: { status: 500, code: 'exception' }, resource: { type: 'Observation' } },
      expected: { type: 'rest', subtype: ['create'], action: 'C', outcome: '8' },
      roles: ['XrequestId'],
    },
    {
      interaction: 'update',
      input: { outcome: { status: 503, code: 'transient' }, resource: obs() },
      expected: { type: 'rest', subtype: ['update'], action: 'U', outcome: '12' },
      roles: ['4', 'XrequestId'],
    },
  ];

  it.each(rows)('$interaction → $expected.subtype, outcome $expected.outcome', (row) => {
    const event = build({ interaction: row.interaction, ...row.input });
    expect(codes(event)).toEqual(row.expected);
    expect(entityRoles(event)).toEqual(row.roles);
    expect(event.meta?.profile).toEqual(row.profile ? [`${balp}${row.profile}`] : undefined);
    expect(() => validateResource(event, 'AuditEvent')).not.toThrow();
    expect(JSON.stringify(event)).not.toContain('"display":"John');
  });

  it('names the user, client and server agents with roles, token id and network address', () => {
    const event = build({ resource: obs(1) });
    expect(event.agent).toEqual([
      {
        type: { coding: [expect.objectContaining({ code: 'IRCP' })] },
        who: {
          reference: 'Practitioner/pr1',
          identifier: { system: 'urn:ward:user', value: 'u-doc' },
        },
        role: [{ coding: [{ system: 'urn:ward:codesystem:role', code: 'physician' }] }],
        policy: ['jti-1'],
        requestor: true,
      },
      {
        type: { coding: [expect.objectContaining({ code: '110153' })] },
        who: { identifier: { system: 'urn:ward:client', value: 'app-1' } },
        requestor: false,
        network: { address: '192.0.2.10', type: '2' },
      },
      expect.objectContaining({ type: { coding: [expect.objectContaining({ code: '110152' })] } }),
    ]);
    expect(event.source).toMatchObject({
      site: 'test-site',
      observer: { identifier: { value: 'ward-test-1' } },
    });
    expect(event.purposeOfEvent).toEqual([
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] },
    ]);
    expect(event.entity?.[0]?.what).toEqual({ reference: 'Observation/o1/_history/1' });
  });

  it('makes a backend service (no user) the requestor through its client agent', () => {
    const event = build({ auth: { ...physician, user: undefined } });
    expect(event.agent?.map((a) => a.requestor)).toEqual([true, false]);
  });

  it('records the search query base64, never in clear', () => {
    const query = `name=${marker}&birthdate=1970-01-01`;
    const event = build({ interaction: 'search', resource: { type: 'Patient' }, query });
    const entity = event.entity?.find((e) => e.role?.code === '24');
    expect(Buffer.from(entity!.query!, 'base64').toString('utf8')).toBe(query);
    expect(JSON.stringify(event)).not.toContain(marker);
  });

  it('records one patient entity per patient, so AuditEvent?patient=X finds each', () => {
    const event = build({
      interaction: 'search',
      resource: { type: 'Observation' },
      query: 'code=x',
      patients: ['Patient/a', 'Patient/b', 'Patient/a'],
    });
    expect(extractCompartments({ ...event, id: 'e1' })).toEqual(['Patient/a', 'Patient/b']);
    const index = extractIndex({ ...event, id: 'e1' }, (_p, v) => `h(${v})`);
    const patients = index.filter((e) => e.p === 'patient').map((e) => ('ref' in e ? e.ref : ''));
    expect(patients).toEqual(['Patient/a', 'Patient/b']);
  });

  it('marks break-glass access as purpose of use and as a security label', () => {
    const breakGlass = { reason: 'unconscious patient', expiresAt: recorded };
    const event = build({ auth: { ...physician, purposeOfUse: [], breakGlass } });
    expect(event.purposeOfEvent).toEqual([
      { coding: [expect.objectContaining({ code: 'BTG' })], text: 'unconscious patient' },
    ]);
    expect(event.meta?.security).toEqual([expect.objectContaining({ code: 'BTG' })]);
  });

  it('records changed elements with keyed hashes of old and new values, never the values', () => {
    const before = {
      resourceType: 'Patient' as const,
      id: 'p',
      birthDate: '1970-01-01',
      gender: 'male' as const,
    };
    const after = { ...before, birthDate: '1971-02-02', name: [{ family: marker }] };
    const changes = describeChanges(
      before,
      after,
      (purpose, value) => `k:${purpose.length}:${value.length}`,
    );
    expect(changes.map((c) => c.path)).toEqual(['Patient.birthDate', 'Patient.name']);
    expect(changes[1]).not.toHaveProperty('oldHash');

    const event = build({
      interaction: 'update',
      resource: { type: 'Patient', id: 'p', versionId: 2 },
      changedElements: changes,
    });
    const details = event.entity?.[0]?.detail ?? [];
    expect(details.map((d) => d.type)).toEqual([
      'changed:Patient.birthDate',
      'changed:Patient.name',
    ]);
    expect(JSON.stringify(event)).not.toMatch(new RegExp(`${marker}|1970-01-01|1971-02-02`));
  });
});

describe('buildSecurityAuditEvent', () => {
  const rows: Array<[SecurityEventKind, number, string, string[], string]> = [
    ['login', 200, '110114', ['110122', 'login'], '0'],
    ['login', 401, '110114', ['110122', 'login'], '4'],
    ['mfa-failure', 401, '110114', ['110122', 'mfa-failure'], '4'],
    ['logout', 200, '110114', ['110123', 'logout'], '0'],
    ['session-timeout', 200, '110114', ['110123', 'session-timeout'], '0'],
    ['token-issued', 200, '110114', ['token-issued'], '0'],
    ['token-refreshed', 200, '110114', ['token-refreshed'], '0'],
    ['token-revoked', 200, '110114', ['token-revoked'], '0'],
    ['lockout', 200, '110113', ['110137', 'lockout'], '0'],
    ['role-change', 200, '110113', ['110136', 'role-change'], '0'],
    ['break-glass-start', 200, '110113', ['110127', 'break-glass-start'], '0'],
  ];

  it.each(rows)(
    '%s (%i) → type %s, subtypes %j, outcome %s',
    (kind, status, type, subtypes, outcome) => {
      const event = buildSecurityAuditEvent({
        kind,
        outcome: { status },
        userId: 'u-1',
        clientId: 'app-1',
        subjectUserId: kind === 'role-change' ? 'u-2' : undefined,
        address: '192.0.2.10',
        recorded,
        server,
      });
      expect(codes(event)).toMatchObject({ type, subtype: subtypes, outcome });
      expect(event.agent?.[0]?.who?.identifier?.value).toBe('u-1');
      expect(() => validateResource(event, 'AuditEvent')).not.toThrow();
    },
  );

  it('records a failed login for an unknown user with the address only', () => {
    const event = buildSecurityAuditEvent({
      kind: 'login',
      outcome: { status: 401 },
      address: '192.0.2.10',
      recorded,
      server,
    });
    expect(event.agent?.map((a) => a.type?.coding?.[0]?.code)).toEqual(['110153', '110152']);
    expect(event.agent?.[0]).toEqual(
      expect.objectContaining({ requestor: true, network: { address: '192.0.2.10', type: '2' } }),
    );
    expect(() => validateResource(event, 'AuditEvent')).not.toThrow();
  });
});

describe('buildAlertAuditEvent', () => {
  it('is a Security Alert naming the rule, severity and user, valid R4', () => {
    const event = buildAlertAuditEvent(
      {
        id: 'bulk-access/u-1/1',
        rule: 'bulk-access',
        severity: 'high',
        userId: 'u-1',
        description: '150 records returned or exported within 60 minutes (threshold 100)',
        detectedAt: recorded,
        count: 150,
        threshold: 100,
      },
      server,
    );
    expect(codes(event)).toEqual({
      type: '110113',
      subtype: ['bulk-access'],
      action: 'E',
      outcome: '0',
    });
    expect(event.entity?.[0]?.detail).toContainEqual({ type: 'severity', valueString: 'high' });
    expect(() => validateResource(event, 'AuditEvent')).not.toThrow();
  });
});
