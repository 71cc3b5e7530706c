import type { AuditEvent, AuditEventEntity, Coding } from 'fhir/r4';
import type { AuthContext } from '../auth/auth-context.ts';
import {
  auditActions,
  codeSystems,
  entityKinds,
  eventTypes,
  type AuditAction,
} from './audit-codes.ts';
import {
  buildAgents,
  buildPurposeOfEvent,
  buildSecurityLabels,
  buildSource,
  describeOutcome,
  toOutcomeCode,
  type AuditOutcomeInput,
  type AuditServer,
} from './audit-parts.ts';

/** The RESTful interactions Ward audits, with their BALP action. */
const interactions = {
  create: auditActions.create,
  read: auditActions.read,
  vread: auditActions.read,
  update: auditActions.update,
  patch: auditActions.update,
  delete: auditActions.delete,
  search: auditActions.execute,
  'history-instance': auditActions.read,
  'history-type': auditActions.read,
  'history-system': auditActions.read,
  capabilities: auditActions.read,
  batch: auditActions.execute,
  transaction: auditActions.execute,
  operation: auditActions.execute,
} as const satisfies Record<string, AuditAction>;

export type RestInteraction = keyof typeof interactions;

/** One changed element of an update or patch, its values as keyed hashes (changed-elements.ts). */
export interface ChangedElement {
  path: string;
  oldHash?: string;
  newHash?: string;
}

/** What the REST layer knows about one interaction once it has been answered. */
export interface RestAuditInput {
  interaction: RestInteraction;
  outcome: AuditOutcomeInput;
  recorded: Date;
  auth?: AuthContext;
  network: { address: string };
  resource?: { type: string; id?: string; versionId?: string | number };
  /** `Patient/<id>` of every patient whose data was disclosed or touched. */
  patients: string[];
  /** The raw query string of a search, stored base64 in the query entity. */
  query?: string;
  changedElements?: ChangedElement[];
  requestId: string;
  server: AuditServer;
}

const balpProfile = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.';

/** BALP profiles describe successful events; a refusal claims none. */
const profiles: Partial<Record<RestInteraction, string>> = {
  create: 'Create',
  read: 'Read',
  vread: 'Read',
  update: 'Update',
  patch: 'Update',
  delete: 'Delete',
  search: 'Query',
};

/**
 * A FHIR R4 AuditEvent for one RESTful interaction, following IHE BALP
 * (https://profiles.ihe.net/ITI/BALP/content.html#3571-restful-activities): type `rest`, subtype
 * the restful-interaction code, the user, client and server agents, the resource with its
 * version, one entity per patient (so `AuditEvent?patient=X` finds every disclosure of X's
 * data), the search query base64 and the request id. It never carries resource content or
 * `Reference.display`.
 */
export function buildRestAuditEvent(input: RestAuditInput): AuditEvent {
  const { auth, outcome, resource } = input;
  const purposeOfEvent = buildPurposeOfEvent(auth);
  const security = buildSecurityLabels(auth);
  const profile = toProfile(input);
  const meta = {
    ...(profile ? { profile: [profile] } : {}),
    ...(security.length ? { security } : {}),
  };
  return {
    resourceType: 'AuditEvent',
    ...(Object.keys(meta).length ? { meta } : {}),
    type: eventTypes.rest,
    subtype: [toSubtype(input.interaction, resource?.type)],
    action: interactions[input.interaction],
    recorded: input.recorded.toISOString(),
    outcome: toOutcomeCode(outcome.status),
    outcomeDesc: describeOutcome(outcome),
    ...(purposeOfEvent.length ? { purposeOfEvent } : {}),
    agent: buildAgents(auth, input.network.address, input.server),
    source: buildSource(input.server),
    entity: buildEntities(input),
  };
}

function toSubtype(interaction: RestInteraction, type: string | undefined): Coding {
  // R4 restful-interaction splits search by level; BALP records the level searched.
  const code = interaction === 'search' ? (type ? 'search-type' : 'search-system') : interaction;
  return { system: codeSystems.restfulInteraction, code };
}

function toProfile(input: RestAuditInput): string | undefined {
  const name = profiles[input.interaction];
  if (!name || input.outcome.status >= 400) return undefined;
  return `${balpProfile}${input.patients.length ? 'Patient' : ''}${name}`;
}

function buildEntities(input: RestAuditInput): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  const { resource } = input;
  if (resource?.id) {
    const version = resource.versionId !== undefined ? `/_history/${resource.versionId}` : '';
    entities.push({
      what: { reference: `${resource.type}/${resource.id}${version}` },
      type: entityKinds.resource.type,
      role: entityKinds.resource.role,
      ...(input.changedElements?.length ? { detail: input.changedElements.map(toDetail) } : {}),
    });
  }
  for (const patient of new Set(input.patients)) {
    entities.push({
      what: { reference: patient },
      type: entityKinds.patient.type,
      role: entityKinds.patient.role,
    });
  }
  if (input.query !== undefined) {
    entities.push({
      type: entityKinds.query.type,
      role: entityKinds.query.role,
      // FHIR forbids empty strings: a search without parameters has a query entity, no query.
      ...(input.query ? { query: Buffer.from(input.query, 'utf8').toString('base64') } : {}),
      ...(resource?.type ? { detail: [{ type: 'resourceType', valueString: resource.type }] } : {}),
    });
  }
  entities.push({
    what: { identifier: { value: input.requestId } },
    type: entityKinds.transaction.type,
  });
  return entities;
}

/** A changed element as an entity detail: the element path, the hashes of its old and new value. */
function toDetail(change: ChangedElement): NonNullable<AuditEventEntity['detail']>[number] {
  const hashes = [`old=${change.oldHash ?? 'absent'}`, `new=${change.newHash ?? 'absent'}`];
  return { type: `changed:${change.path}`, valueString: hashes.join(' ') };
}
