import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore, sessionsCollectionName } from '../../src/auth/session-store.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

const minute = 60_000;
const start = Date.UTC(2030, 0, 1, 10);
const at = (minutes: number) => new Date(start + minutes * minute);

describe('SessionStore', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(() => database.close());

  it('keeps a session alive while used and ends it after 15 idle minutes', async () => {
    const store = new SessionStore(database.db);
    const { token } = await store.start('user-a', at(0));

    expect((await store.resume(token, at(14))).status).toBe('active');
    expect((await store.resume(token, at(28))).status).toBe('active');
    expect((await store.resume(token, at(43.1))).status).toBe('timed-out');
    expect((await store.resume(token, at(43.2))).status).toBe('none');

    const stored = await database.db.collection(sessionsCollectionName).findOne({});
    expect(stored).toMatchObject({
      userId: 'user-a',
      endReason: 'idle-timeout',
      endedAt: at(43.1),
    });
  });

  it('honours a configured idle timeout across store instances', async () => {
    const policy = { idleTimeoutMs: 5 * minute, isSingleSession: false };
    const { token } = await new SessionStore(database.db, policy).start('user-a', at(0));

    expect((await new SessionStore(database.db, policy).resume(token, at(6))).status).toBe(
      'timed-out',
    );
  });

  it('stores only a hash of the cookie value', async () => {
    const { token } = await new SessionStore(database.db).start('user-a', at(0));
    const stored = await database.db.collection(sessionsCollectionName).findOne({});

    expect(JSON.stringify(stored)).not.toContain(token);
  });

  describe('when the single-session policy is on', () => {
    it("ends the user's other sessions at login and leaves other users alone", async () => {
      const store = new SessionStore(database.db, {
        idleTimeoutMs: 15 * minute,
        isSingleSession: true,
      });
      const first = await store.start('user-a', at(0));
      const other = await store.start('user-b', at(0));
      const second = await store.start('user-a', at(1));

      expect(second.endedOthers).toBe(1);
      expect((await store.resume(first.token, at(2))).status).toBe('none');
      expect((await store.resume(second.token, at(2))).status).toBe('active');
      expect((await store.resume(other.token, at(2))).status).toBe('active');
    });
  });

  it('ends a session at logout, once', async () => {
    const store = new SessionStore(database.db);
    const { token } = await store.start('user-a', at(0));

    expect(await store.end(token, 'logout', at(1))).toBe(true);
    expect(await store.end(token, 'logout', at(1))).toBe(false);
    expect((await store.resume(token, at(1))).status).toBe('none');
  });
});
