import type { Resource } from 'fhir/r4';
import type { RoleConfig } from './roles.ts';
import { parseScopes } from './scope.ts';
import { tagSubsetted } from '../fhir/subset.ts';

/**
 * Field masks: a role that may see a type only in part (billing sees Patient demographics,
 * HIPAA.md) lists the top-level elements it may see. A user with several roles sees the union of
 * what they allow, and no mask at all when one of the roles covers the type without a mask.
 */
export function fieldMaskFor(
  config: RoleConfig,
  roles: readonly string[],
  resourceType: string,
): string[] | undefined {
  const union = new Set<string>();
  for (const role of roles) {
    const mask = config.fieldMasks.get(role)?.get(resourceType);
    if (mask) mask.forEach((element) => union.add(element));
    else if (roleCoversType(config, role, resourceType)) return undefined;
  }
  return union.size ? [...union] : undefined;
}

/**
 * The resource cut down to `resourceType` and the masked elements (with their `_element`
 * primitive extensions). Names match exactly: a choice element is listed in its typed form
 * (`deceasedBoolean`). Tagged SUBSETTED (http://hl7.org/fhir/R4/search.html#summary) so that a
 * client never writes the partial resource back as if whole.
 */
export function applyFieldMask(resource: Resource, mask: readonly string[]): Resource {
  const keep = new Set(mask);
  const masked: Record<string, unknown> = { resourceType: resource.resourceType };
  for (const [key, value] of Object.entries(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (keep.has(name)) masked[key] = value;
  }
  if (keep.has('meta') && resource.meta) masked.meta = resource.meta;
  return tagSubsetted(masked as unknown as Resource);
}

function roleCoversType(config: RoleConfig, role: string, resourceType: string): boolean {
  return parseScopes(config.roles.get(role) ?? []).some(
    (scope) =>
      scope.kind === 'resource' &&
      (scope.resourceType === resourceType || scope.resourceType === '*'),
  );
}
