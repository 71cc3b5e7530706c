import type { AuditEvent, Bundle } from 'fhir/r4';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.ts';

/** The X-Request-Id an AuditEvent records in its transaction entity (BALP). */
export function requestIdOf(event: AuditEvent): string | undefined {
  const transaction = event.entity?.find((e) => e.type?.code === 'XrequestId');
  return transaction?.what?.identifier?.value;
}

/** AuditEvents found by a search through Ward's own API (itself an audited read). */
export async function searchAuditEvents(t: TestApp, query: string): Promise<AuditEvent[]> {
  const res = await t.app.inject({ method: 'GET', url: `/fhir/AuditEvent?${query}` });
  if (res.statusCode !== 200) throw new Error(`AuditEvent search answered ${res.statusCode}`);
  const bundle = res.json<Bundle<AuditEvent>>();
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

/** The one AuditEvent of the request that produced `res`, read back over the API. */
export async function auditEventOf(t: TestApp, res: LightMyRequestResponse): Promise<AuditEvent> {
  const requestId = res.headers['x-request-id'];
  if (typeof requestId !== 'string') throw new Error('response without x-request-id');
  const events = await searchAuditEvents(t, '_count=500&_sort=-date');
  const matching = events.filter((e) => requestIdOf(e) === requestId);
  if (matching.length !== 1) throw new Error(`${matching.length} AuditEvents for the request`);
  return matching[0]!;
}

export const entityReferences = (event: AuditEvent): string[] =>
  (event.entity ?? []).flatMap((e) => (e.what?.reference ? [e.what.reference] : []));

export const patientEntities = (event: AuditEvent): string[] =>
  (event.entity ?? [])
    .filter((e) => e.role?.code === '1')
    .flatMap((e) => (e.what?.reference ? [e.what.reference] : []))
    .sort();

/** The decoded query entity of a search event, if any. */
export function decodedQuery(event: AuditEvent): string | undefined {
  const query = event.entity?.find((e) => e.role?.code === '24')?.query;
  return query === undefined ? undefined : Buffer.from(query, 'base64').toString('utf8');
}
