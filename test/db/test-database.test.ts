import { describe, expect, it } from 'vitest';

import { openTestDatabase } from '../helpers/database.ts';

describe('openTestDatabase', () => {
  it('gives each caller its own database, and drops it on close', async () => {
    const first = await openTestDatabase();
    const second = await openTestDatabase();
    await first.db.collection('marks').insertOne({ owner: 'first' });
    await second.db.collection('marks').insertOne({ owner: 'second' });

    const seenByFirst = await first.db.collection('marks').find().toArray();
    await first.close();
    const { databases } = await second.client.db('admin').admin().listDatabases({ nameOnly: true });
    await second.close();

    expect(first.db.databaseName).not.toBe(second.db.databaseName);
    expect(seenByFirst.map((d) => d.owner)).toEqual(['first']);
    expect(databases.map((d) => d.name)).not.toContain(first.db.databaseName);
    expect(databases.map((d) => d.name)).toContain(second.db.databaseName);
  });
});
