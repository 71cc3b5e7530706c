import type { AuditEvent, Bundle } from 'fhir/r4';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedScopesFor, readRoleConfigFile } from '../../src/auth/roles.ts';
import {
  readJson,
  seedPatientWithObservations,
  startLiveWard,
  type LiveWard,
} from './live-ward.ts';

const reason = 'Unconscious in ED, needs potassium result now';

describe('POST /auth/break-glass on the live server', () => {
  let ward: LiveWard;
  let seeded: Awaited<ReturnType<typeof seedPatientWithObservations>>;
  const roles = readRoleConfigFile();

  beforeAll(async () => {
    ward = await startLiveWard();
    seeded = await seedPatientWithObservations(ward, 'Emergency');
  });
  afterAll(() => ward.close());

  const userToken = (role: string) =>
    ward.token({
      user: { id: `user-${role}`, roles: [role], fhirUser: 'Practitioner/pr-9' },
      scopes: allowedScopesFor(roles, [role]),
    });

  const breakGlass = (token: string | undefined, body: string, type = 'application/json') =>
    ward.send('/auth/break-glass', {
      method: 'POST',
      ...(token ? { token } : {}),
      headers: { 'content-type': type },
      body,
    });

  async function auditEvents(): Promise<AuditEvent[]> {
    const res = await ward.send('/fhir/AuditEvent?_count=500', {
      token: await ward.token({ scopes: ['system/*.rs'] }),
    });
    const bundle = (await res.json()) as Bundle<AuditEvent>;
    return (bundle.entry ?? []).map((e) => e.resource!);
  }

  const isKind = (event: AuditEvent, kind: string) => event.subtype?.some((c) => c.code === kind);

  it('lets a nurse read a laboratory Observation she otherwise cannot, marked BTG in the audit', async () => {
    const nurse = await userToken('nurse');
    expect((await ward.send(`/fhir/Observation/${seeded.labId}`, { token: nurse })).status).toBe(
      404,
    );

    const granted = await breakGlass(
      nurse,
      new URLSearchParams({ reason }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(granted.status).toBe(200);
    expect(granted.headers.get('cache-control')).toBe('no-store');
    const body = await readJson(granted);
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({ sub: 'user-nurse', roles: ['nurse'], break_glass: { reason } });
    expect(Number(body.expires_in)).toBeGreaterThan(0);
    expect(Number(body.expires_in)).toBeLessThanOrEqual(60 * 60);

    const read = await ward.send(`/fhir/Observation/${seeded.labId}`, {
      token: body.access_token as string,
    });
    expect(read.status).toBe(200);
    const events = await auditEvents();
    const readEvent = events.find(
      (e) =>
        e.action === 'R' &&
        e.entity?.some((x) => x.what?.reference?.startsWith(`Observation/${seeded.labId}`)),
    );
    expect(readEvent?.purposeOfEvent?.flatMap((p) => p.coding ?? []).map((c) => c.code)).toContain(
      'BTG',
    );
  });

  it('stores the grant encrypted, audits its start and raises a warning without the reason', async () => {
    const physician = await userToken('physician');
    const res = await breakGlass(physician, JSON.stringify({ reason }));
    expect(res.status).toBe(200);

    const grants = await ward.db
      .collection('break_glass_grants')
      .find({ userId: 'user-physician' })
      .toArray();
    expect(grants).toHaveLength(1);
    expect(grants[0]!.scopes).toEqual(['user/*.rs']);
    expect(JSON.stringify(grants[0])).not.toContain('potassium');

    const started = (await auditEvents()).filter(
      (e) => isKind(e, 'break-glass-start') && e.outcome === '0',
    );
    expect(
      started.some((e) =>
        e.agent.some(
          (a) =>
            a.who?.identifier?.value === 'user-physician' ||
            a.who?.reference?.includes('user-physician'),
        ),
      ),
    ).toBe(true);
    const warnings = ward.logLines().filter((line) => line.includes('emergency access granted'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(JSON.parse(warnings.at(-1)!).level).toBe(40);
    expect(ward.logLines().join('\n')).not.toContain('potassium');
  });

  it('refuses roles that may not break the glass, audited as a failed start', async () => {
    const billing = await userToken('billing');
    const res = await breakGlass(billing, JSON.stringify({ reason }));
    expect(res.status).toBe(403);
    const refused = (await auditEvents()).filter(
      (e) => isKind(e, 'break-glass-start') && e.outcome !== '0',
    );
    expect(refused.length).toBeGreaterThan(0);
  });

  it('refuses a missing reason, a backend client and a request without a token', async () => {
    expect(
      (await breakGlass(await userToken('nurse'), JSON.stringify({ reason: '  ' }))).status,
    ).toBe(400);
    const system = await ward.token({ scopes: ['system/*.rs'] });
    expect((await breakGlass(system, JSON.stringify({ reason }))).status).toBe(403);
    expect((await breakGlass(undefined, JSON.stringify({ reason }))).status).toBe(401);
  });
});
