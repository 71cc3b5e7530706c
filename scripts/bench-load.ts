import autocannon from 'autocannon';
import type { BenchServer } from './bench-child.ts';
import { fhirJson } from './bench-seed.ts';

export const scenarioNames = ['read', 'search', 'token', 'update', 'create'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** The search of the search scenario: a token match and a small page (issue #5 benchmark). */
export const searchQuery = 'gender=female&_count=10';

/** What one server sends for a scenario; the i-th request of a run gets `request(i)`. */
export interface ScenarioPlan {
  method: 'GET' | 'POST' | 'PUT';
  /** Defaults to FHIR JSON. */
  contentType?: string;
  /** Sent as is, e.g. `Bearer …`; Ward answers nothing under /fhir without it. */
  authorization?: string;
  request(i: number): { path: string; body?: string };
  /**
   * At most this many connections, whatever the run's setting: on FerretDB every search scans
   * the whole collection (it pushes down only `_id` filters), so ten searches in flight would
   * each outlast the run and none would be counted.
   */
  maxConnections?: number;
}

export interface LoadOptions {
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/** One scenario against one server: the client's view and the server process's own CPU time. */
export interface ScenarioResult {
  scenario: ScenarioName;
  server: BenchServer['kind'];
  seconds: number;
  connections: number;
  /** 2xx responses per second over the measured run. */
  requestsPerSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** User + system CPU of the server process between the samples taken around the run. */
  serverCpuMicros: number;
  /** HTTP requests the server handled (to the end) between those samples. */
  serverRequests: number;
  serverCpuMicrosPerRequest: number;
}

/**
 * The request plan for a FHIR scenario: reads and updates walk the seeded ids round-robin;
 * updates PUT the seeded Patient back under its id (no If-Match); creates cycle through the
 * Patients; searches repeat `searchQuery`. (The token scenario is planned in bench-token.ts.)
 */
export function planScenario(
  scenario: Exclude<ScenarioName, 'token'>,
  basePath: string,
  seeded: { ids: readonly string[]; patients: readonly Record<string, unknown>[] },
): ScenarioPlan {
  const { ids, patients } = seeded;
  const pathOf = (i: number) => `${basePath}/Patient/${ids[i % ids.length]}`;
  if (scenario === 'read') return { method: 'GET', request: (i) => ({ path: pathOf(i) }) };
  if (scenario === 'search') {
    const path = `${basePath}/Patient?${searchQuery}`;
    return { method: 'GET', request: () => ({ path }), maxConnections: 2 };
  }

  if (scenario === 'create') {
    const bodies = patients.map((p) => JSON.stringify(p));
    const path = `${basePath}/Patient`;
    return { method: 'POST', request: (i) => ({ path, body: bodies[i % bodies.length] }) };
  }

  const bodies = ids.map((id, k) => JSON.stringify({ ...patients[k % patients.length], id }));
  return { method: 'PUT', request: (i) => ({ path: pathOf(i), body: bodies[i % ids.length] }) };
}

/** Warms the server up (unmeasured), then runs the scenario for `seconds` and samples CPU. */
export async function runScenario(
  server: BenchServer,
  scenario: ScenarioName,
  plan: ScenarioPlan,
  options: LoadOptions,
): Promise<ScenarioResult> {
  if (options.warmupSeconds > 0) await fireLoad(server, plan, options.warmupSeconds, options);

  // Each sample waits until the server has nothing in flight: the warm-up's last requests fall
  // before the window, and the requests cut off when the load stops still count inside it.
  const before = await server.sample();
  const result = await fireLoad(server, plan, options.seconds, options);
  const after = await server.sample();

  const cpu = after.userMicros - before.userMicros + (after.systemMicros - before.systemMicros);
  const requests = after.requests - before.requests;
  return {
    scenario,
    server: server.kind,
    seconds: options.seconds,
    connections: connectionsFor(plan, options),
    requestsPerSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    serverCpuMicros: cpu,
    serverRequests: requests,
    serverCpuMicrosPerRequest: requests > 0 ? cpu / requests : Number.NaN,
  };
}

function fireLoad(
  server: BenchServer,
  plan: ScenarioPlan,
  seconds: number,
  options: LoadOptions,
): Promise<autocannon.Result> {
  let next = 0;
  const origin = new URL(server.baseUrl).origin;
  const headers: Record<string, string> = { accept: fhirJson };
  if (plan.method !== 'GET') headers['content-type'] = plan.contentType ?? fhirJson;
  if (plan.authorization) headers.authorization = plan.authorization;
  return autocannon({
    url: origin,
    connections: connectionsFor(plan, options),
    // Slow engine answers count as late, not as errors; the run's duration still bounds the load.
    timeout: 60,
    duration: seconds,
    method: plan.method,
    headers,
    requests: [
      {
        setupRequest: (request) => {
          const { path, body } = plan.request(next++);
          return body === undefined ? { ...request, path } : { ...request, path, body };
        },
      },
    ],
  });
}

function connectionsFor(plan: ScenarioPlan, options: LoadOptions): number {
  return Math.min(options.connections, plan.maxConnections ?? options.connections);
}
