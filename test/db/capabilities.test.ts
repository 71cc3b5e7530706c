import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { detectCapabilities } from '../../src/db/capabilities.ts';
import { openTestDatabase } from '../helpers/database.ts';
import type { TestDatabase } from '../helpers/database.ts';

describe('detectCapabilities', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase();
  });

  afterEach(async () => {
    await database.close();
  });

  it('names the engine and its version, and whether a transaction commits', async () => {
    const capabilities = await detectCapabilities(database.client);

    expect(capabilities.version).toMatch(/^v?\d+\.\d+\.\d+/);
    const kind = inject('databaseEngine');
    if (kind === 'ferretdb') {
      // FerretDB 1.x has no multi-document transactions (DESIGN.md "Databases").
      expect(capabilities).toMatchObject({ engine: 'ferretdb', transactions: false });
    } else if (kind === 'mongodb-memory-server') {
      expect(capabilities).toMatchObject({ engine: 'mongodb', transactions: true });
    }
  });

  it('leaves no probe collection behind', async () => {
    await detectCapabilities(database.client);

    const names = await database.client.db().listCollections({}, { nameOnly: true }).toArray();
    expect(names.map((c) => c.name)).not.toContain('ward_capability_probe');
  });
});
