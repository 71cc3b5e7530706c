import type { Observation, Patient } from 'fhir/r4';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

/** A whole Ward app listening on a real loopback socket, with its address. */
export interface LiveWard extends TestApp {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The FHIR base URL tokens are issued for (`aud`). */
  fhirAudience: string;
  /** The token endpoint URL, the `aud` of client assertions. */
  tokenUrl: string;
  /** A request over the socket; `token` becomes the bearer (none when omitted). */
  send(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** Creates a resource as the system client and returns its id. */
  seed(resource: Patient | Observation): Promise<string>;
}

export async function startLiveWard(env: Record<string, string> = {}): Promise<LiveWard> {
  const test = await buildTestApp(env);
  const origin = await test.app.listen({ host: '127.0.0.1', port: 0 });
  const settings = test.app.wardAuthorization.server.settings;
  const systemToken = await test.token({ scopes: ['system/*.cruds'] });

  const send = (path: string, init: RequestInit & { token?: string } = {}) => {
    const { token, headers, ...rest } = init;
    const merged = new Headers(headers);
    if (token !== undefined) merged.set('authorization', `Bearer ${token}`);
    return fetch(`${origin}${path}`, { redirect: 'manual', ...rest, headers: merged });
  };
  const seed = async (resource: Patient | Observation) => {
    const res = await send(`/fhir/${resource.resourceType}`, {
      method: 'POST',
      token: systemToken,
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    if (res.status !== 201) throw new Error(`seeding failed with ${res.status}`);
    return ((await res.json()) as { id: string }).id;
  };
  return {
    ...test,
    origin,
    fhirAudience: settings.fhirBaseUrl,
    tokenUrl: `${settings.issuer}/token`,
    send,
    seed,
  };
}

const categorySystem = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** A patient with one vital-signs and one laboratory Observation. */
export async function seedPatientWithObservations(ward: LiveWard, family: string) {
  const patientId = await ward.seed({
    resourceType: 'Patient',
    name: [{ family, given: ['Test'] }],
    gender: 'female',
    birthDate: '1970-01-01',
    maritalStatus: { text: 'married' },
    generalPractitioner: [{ display: 'Dr Who' }],
  });
  const observation = (category: string, code: string): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: categorySystem, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
  });
  const vitalId = await ward.seed(observation('vital-signs', '8867-4'));
  const labId = await ward.seed(observation('laboratory', '2339-0'));
  return { patientId, vitalId, labId };
}

/** Parses a JSON response body as an unknown record. */
export async function readJson(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
