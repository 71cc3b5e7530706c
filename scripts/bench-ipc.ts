/**
 * Messages between `npm run bench` and its server children (`bench-server.ts`). They travel over
 * the Node IPC channel of `child_process.fork`, so no admin route is added to either server.
 */

/** What the parent asks of a child. */
export type ParentMessage = { kind: 'sample' } | { kind: 'stop' };

/** What a child tells the parent. */
export type ChildMessage =
  | { kind: 'ready'; port: number; basePath: string; credentials?: WardCredentials }
  | { kind: 'sample'; sample: ServerSample }
  | { kind: 'failed'; message: string };

/** The child's own CPU accounting and how many HTTP requests it has handled so far. */
export interface ServerSample {
  /** `process.cpuUsage().user`, microseconds since the child started. */
  userMicros: number;
  /** `process.cpuUsage().system`, microseconds since the child started. */
  systemMicros: number;
  /** Requests received so far; none is in flight when the sample is taken. */
  requests: number;
}

/**
 * What a Ward child hands the load generator: a `system/*.cruds` access token for the FHIR
 * scenarios, and a backend client (private JWK, bench-only) for the token-endpoint scenario.
 */
export interface WardCredentials {
  accessToken: string;
  clientId: string;
  tokenUrl: string;
  privateJwk: Record<string, unknown>;
}

/**
 * `ward-unaudited` is Ward built with `isAuditOffForBenchmark`, to measure what audit costs;
 * `ward-unauthenticated` with `isAuthOffForBenchmark`, to measure what token verification costs.
 */
export const serverKinds = ['ward', 'ward-unaudited', 'ward-unauthenticated', 'baseline'] as const;
export type ServerKind = (typeof serverKinds)[number];

export function isServerKind(value: unknown): value is ServerKind {
  return serverKinds.some((kind) => kind === value);
}

export function isParentMessage(value: unknown): value is ParentMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'sample' || kind === 'stop';
}

export function isChildMessage(value: unknown): value is ChildMessage {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'ready' || kind === 'sample' || kind === 'failed';
}
