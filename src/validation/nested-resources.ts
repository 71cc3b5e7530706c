import { isJsonObject } from './json-object.ts';

/** A resource inside another: a contained resource, a Bundle entry, a Parameters part. */
export interface NestedResource {
  resource: Record<string, unknown>;
  resourceType: unknown;
  /** Where it sits, relative to the resource that holds it. */
  segments: (string | number)[];
}

/**
 * Finds the resources directly inside `resource`, not those inside them. Call it only on a
 * resource that passed its schema: there, `additionalProperties: false` admits a `resourceType`
 * key only where the schema expects a resource, so every such object is one.
 */
export function findNestedResources(resource: Record<string, unknown>): NestedResource[] {
  const found: NestedResource[] = [];
  const path: (string | number)[] = [];

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let index = 0; index < node.length; index++) {
        path.push(index);
        visit(node[index]);
        path.pop();
      }
      return;
    }
    if (!isJsonObject(node)) return;

    if (path.length > 0 && 'resourceType' in node) {
      found.push({ resource: node, resourceType: node.resourceType, segments: [...path] });
      return;
    }
    for (const name in node) {
      path.push(name);
      visit(node[name]);
      path.pop();
    }
  };

  visit(resource);
  return found;
}
