import type { StoredVersion } from '../store/resource-store.ts';

/** The resource an AuditEvent names: type, id and version, never content. */
export function auditRef(version: Pick<StoredVersion, 'type' | 'id' | 'versionId'>) {
  return { type: version.type, id: version.id, versionId: version.versionId };
}
