import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { AlertWebhook } from '../../src/audit/alert-webhook.ts';
import { AuditTrail } from '../../src/audit/audit-trail.ts';
import type { AuditWriter } from '../../src/audit/audit-writer.ts';
import { BreachDetector } from '../../src/audit/breach-detector.ts';
import type { BreachOptions } from '../../src/audit/breach-options.ts';
import type { RestAuditInput } from '../../src/audit/rest-audit-event.ts';
import { getUserRisk } from '../../src/audit/user-risk.ts';
import { openAuditFixture, server, type AuditFixture } from './audit-fixtures.ts';

const marker = 'Qzxvbrmt';
const workday = new Date('2025-07-01T14:00:00Z'); // a Tuesday, 10:00 in New York

let database: TestDatabase;
let db: Db;
let fixture: AuditFixture;
let writer: AuditWriter;

beforeEach(async () => {
  database = await openTestDatabase();
  db = database.db;
  fixture = await openAuditFixture(db);
  writer = fixture.newWriter({ batchWindowMs: 1 });
});
afterEach(async () => {
  await writer.close();
  await database.close();
});

function newTrail(options: Partial<BreachOptions> = {}, webhook?: AlertWebhook): AuditTrail {
  const detector = new BreachDetector(db, fixture.keyRing.blindIndex, {
    businessHours: {
      timeZone: 'America/New_York',
      days: [1, 2, 3, 4, 5],
      start: '08:00',
      end: '18:00',
    },
    ...options,
  });
  return new AuditTrail({ writer, server, log: fixture.log, detector, webhook });
}

function search(at: Date, address = '192.0.2.10', userId = 'u-1'): RestAuditInput {
  return {
    interaction: 'search',
    outcome: { status: 200 },
    recorded: at,
    auth: {
      tokenId: 't',
      issuer: 'https://ward.test',
      user: { id: userId, roles: ['physician'] },
      clientId: 'app',
      scopes: [],
      breakGlass: { reason: `patient ${marker} crashing`, expiresAt: at },
    },
    network: { address },
    resource: { type: 'Observation' },
    patients: [`Patient/${marker}`],
    query: `subject=Patient/${marker}&code=1234`,
    requestId: 'r',
    server,
  };
}

function failedLogin(at: Date, userId = 'u-1') {
  return {
    kind: 'login' as const,
    outcome: { status: 401, code: 'login' },
    userId,
    address: '198.51.100.7',
    recorded: at,
    server,
  };
}

const later = (minutes: number) => new Date(workday.getTime() + minutes * 60_000);
// Requests moments apart: their rule checks run concurrently, in any order.
const moments = (seconds: number) => new Date(workday.getTime() + seconds * 1000);

/** Security Alert AuditEvents stored for a rule, found through their search index (subtype). */
async function alertsStored(rule: string): Promise<number> {
  return db.collection('resources').countDocuments({ type: 'AuditEvent', 'search.code': rule });
}

const findingRules = async () =>
  (await db.collection('audit_findings').find({}).toArray()).map((f) => f.rule).sort();

describe('breach rules', () => {
  it('failed logins: 5 in an hour raise nothing, the 6th raises one finding and one alert', async () => {
    const trail = newTrail({ newAddress: false });
    for (let n = 0; n < 5; n++) await trail.recordSecurity(failedLogin(later(n)));
    await trail.settle();
    expect(await findingRules()).toEqual([]);

    await trail.recordSecurity(failedLogin(later(10)));
    await trail.settle();
    // A 7th in the same window is the same finding, not a second one.
    await trail.recordSecurity(failedLogin(later(11)));
    await trail.settle();
    expect(await findingRules()).toEqual(['failed-logins']);
    expect(await alertsStored('failed-logins')).toBe(1);
    const warn = fixture.logs.find((l) => l.message === 'security alert');
    expect(warn?.fields).toMatchObject({
      rule: 'failed-logins',
      severity: 'medium',
      count: 6,
      threshold: 5,
    });
  });

  it('failed logins outside the window do not count', async () => {
    const trail = newTrail({ newAddress: false });
    for (let n = 0; n < 5; n++) await trail.recordSecurity(failedLogin(later(n)));
    await trail.recordSecurity(failedLogin(later(70)));
    await trail.settle();
    expect(await findingRules()).toEqual([]);
  });

  it('forgets signals that no window can count any more', async () => {
    const trail = newTrail({ newAddress: false });
    await trail.recordRest(search(later(0)), 60);
    await trail.recordSecurity(failedLogin(later(1)));
    await trail.settle();
    const signals = db.collection('audit_signals');
    expect(await signals.countDocuments({})).toBe(2);

    await trail.recordRest(search(later(3 * 60)), 1);
    await trail.settle();
    expect(await signals.find({}).toArray()).toMatchObject([{ kind: 'records', n: 1 }]);
  });

  it('records: 100 in an hour raise nothing, the 101st raises a high finding', async () => {
    const trail = newTrail({ newAddress: false });
    await trail.recordRest(search(later(0)), 60);
    await trail.recordRest(search(later(5)), 40);
    await trail.settle();
    expect(await findingRules()).toEqual([]);

    await trail.recordRest(search(later(6)), 1);
    await trail.settle();
    const [finding] = await db.collection('audit_findings').find({}).toArray();
    expect(finding).toMatchObject({
      rule: 'bulk-access',
      severity: 'high',
      count: 101,
      threshold: 100,
    });
  });

  it('business hours: in the configured zone, daylight saving time included', async () => {
    const trail = newTrail({ newAddress: false });
    await trail.recordRest(search(new Date('2025-07-01T12:00:00Z'))); // 08:00 EDT, opening
    await trail.recordRest(search(new Date('2025-01-07T22:59:00Z'))); // 17:59 EST
    await trail.settle();
    expect(await findingRules()).toEqual([]);

    await trail.recordRest(search(new Date('2025-07-01T22:00:00Z'))); // 18:00 EDT, closed
    await trail.settle();
    expect(await findingRules()).toEqual(['off-hours-access']);

    await trail.recordRest(search(new Date('2025-07-05T15:00:00Z'))); // Saturday
    await trail.settle();
    expect(await findingRules()).toEqual(['off-hours-access', 'off-hours-access']);
  });

  it('new address: the first address is the baseline, a second one is a finding', async () => {
    const trail = newTrail();
    await trail.recordRest(search(later(0), '192.0.2.10'));
    await trail.recordRest(search(later(1), '192.0.2.10'));
    await trail.recordRest(search(later(1), '203.0.113.9', 'u-2'));
    await trail.settle();
    expect(await findingRules()).toEqual([]);

    await trail.recordRest(search(later(2), '203.0.113.9'));
    await trail.settle();
    expect(await findingRules()).toEqual(['new-address']);
    const stored = JSON.stringify(await db.collection('audit_addresses').find({}).toArray());
    expect(stored).not.toContain('203.0.113.9');
  });

  it('privilege change: every successful role change is a finding', async () => {
    const trail = newTrail({ newAddress: false });
    const change = {
      kind: 'role-change' as const,
      outcome: { status: 200 },
      userId: 'admin-1',
      subjectUserId: 'u-9',
      address: '192.0.2.1',
      recorded: later(0),
      server,
    };
    await trail.recordSecurity({ ...change, outcome: { status: 403, code: 'forbidden' } });
    await trail.settle();
    expect(await findingRules()).toEqual([]);

    await trail.recordSecurity(change);
    await trail.settle();
    const [finding] = await db.collection('audit_findings').find({}).toArray();
    expect(finding).toMatchObject({ rule: 'privilege-change', user: 'u-9' });
  });

  it('scores a user from their findings and recommends an action', async () => {
    const trail = newTrail({ newAddress: false });
    expect(await getUserRisk(db, 'u-1', { now: later(60) })).toMatchObject({
      score: 0,
      level: 'none',
    });
    for (let n = 0; n < 6; n++) await trail.recordSecurity(failedLogin(moments(n)));
    await trail.recordRest(search(later(7)), 101);
    await trail.settle();

    const risk = await getUserRisk(db, 'u-1', { now: later(60) });
    expect(risk.score).toBe(75);
    expect(risk.level).toBe('critical');
    expect(risk.recommendedAction).toMatch(/suspend/);
    expect(risk.findings.map((f) => f.rule)).toEqual(['bulk-access', 'failed-logins']);
    expect((await getUserRisk(db, 'u-2', { now: later(60) })).score).toBe(0);
  });
});

describe('alert webhook', () => {
  let receiver: FastifyInstance;
  let bodies: string[];
  let failuresLeft: number;

  beforeEach(async () => {
    bodies = [];
    receiver = Fastify();
    receiver.post('/hook', async (request, reply) => {
      bodies.push(JSON.stringify(request.body));
      if (failuresLeft-- > 0) return reply.code(503).send();
      return reply.code(204).send();
    });
    await receiver.listen({ host: '127.0.0.1', port: 0 });
  });
  afterEach(() => receiver.close());

  const url = () => `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}/hook`;

  it('retries until delivered and keeps PHI out of payloads, logs and alert events', async () => {
    failuresLeft = 2;
    const webhook = new AlertWebhook({ url: url(), baseDelayMs: 5 }, fixture.log);
    const trail = newTrail({ newAddress: false }, webhook);
    await trail.recordRest(search(later(0)), 150);
    await trail.settle();

    expect(bodies).toHaveLength(3);
    expect(JSON.parse(bodies[2]!)).toMatchObject({
      type: 'ward.security-alert',
      rule: 'bulk-access',
      severity: 'high',
      userId: 'u-1',
      count: 150,
    });
    const refusals = fixture.logs.filter((l) => l.message === 'alert webhook refused');
    expect(refusals.map((l) => l.fields.attempt)).toEqual([1, 2]);

    const outbound = [...bodies, JSON.stringify(fixture.logs)].join('\n');
    for (const secret of [marker, '192.0.2.10', url()]) expect(outbound).not.toContain(secret);
  });

  it('gives up after the configured attempts and logs it', async () => {
    failuresLeft = 100;
    const webhook = new AlertWebhook({ url: url(), baseDelayMs: 1, maxAttempts: 3 }, fixture.log);
    const trail = newTrail({ newAddress: false }, webhook);
    await trail.recordSecurity({
      kind: 'role-change',
      outcome: { status: 200 },
      userId: 'u-3',
      address: '192.0.2.1',
      recorded: later(0),
      server,
    });
    await trail.settle();

    expect(bodies).toHaveLength(3);
    const gaveUp = fixture.logs.find((l) => l.message === 'alert webhook gave up');
    expect(gaveUp?.fields).toMatchObject({ attempts: 3 });
    expect(await alertsStored('privilege-change')).toBe(1);
  });

  it('logs an unreachable webhook without failing the audited request', async () => {
    const webhook = new AlertWebhook(
      { url: 'http://127.0.0.1:9/hook', baseDelayMs: 1, maxAttempts: 2 },
      fixture.log,
    );
    const trail = newTrail({ newAddress: false }, webhook);
    await expect(trail.recordRest(search(later(0)), 101)).resolves.toMatch(/-1$/);
    await trail.settle();
    const messages = fixture.logs.map((l) => l.message);
    expect(messages.filter((m) => m === 'alert webhook unreachable')).toHaveLength(2);
    expect(messages).toContain('alert webhook gave up');
  });
});
