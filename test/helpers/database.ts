import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { inject } from 'vitest';

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** Drops the database and closes the client. */
  close(): Promise<void>;
}

/**
 * A fresh, uniquely named database on the run's engine (test/setup/global-database.ts), so
 * test files and tests never see each other's data.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  const client = new MongoClient(inject('mongodbUri'));
  await client.connect();
  const db = client.db(`test_${randomBytes(6).toString('hex')}`);

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    try {
      await db.dropDatabase();
    } finally {
      await client.close();
    }
  };
  return { client, db, close: () => (closing ??= close()) };
}
