import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginLockout } from '../../src/auth/lockout.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

const minute = 60_000;
const start = Date.UTC(2030, 0, 1, 10);
const at = (minutes: number) => new Date(start + minutes * minute);

describe('LoginLockout', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(() => database.close());

  it('locks after five failures counted by two processes on one database', async () => {
    const first = new LoginLockout(database.db);
    const second = new LoginLockout(database.db);

    await first.recordFailure('user-a', at(0));
    await second.recordFailure('user-a', at(1));
    await first.recordFailure('user-a', at(2));
    expect(await second.recordFailure('user-a', at(3))).toBe(false);
    expect(await second.findLockedUntil('user-a', at(3))).toBeUndefined();

    expect(await first.recordFailure('user-a', at(4))).toBe(true);
    expect(await second.findLockedUntil('user-a', at(5))).toEqual(at(19));
    expect(await first.findLockedUntil('user-b', at(5))).toBeUndefined();
  });

  it('unlocks when the lock time has passed', async () => {
    const lockout = new LoginLockout(database.db);
    for (let i = 0; i < 5; i += 1) await lockout.recordFailure('user-a', at(i));

    expect(await lockout.findLockedUntil('user-a', at(18))).toBeDefined();
    expect(await lockout.findLockedUntil('user-a', at(19))).toBeUndefined();
  });

  it('does not lock when the failures are spread over more than the window', async () => {
    const lockout = new LoginLockout(database.db);
    for (const minutes of [0, 5, 10, 15, 20]) await lockout.recordFailure('user-a', at(minutes));

    expect(await lockout.findLockedUntil('user-a', at(20))).toBeUndefined();
  });

  it('counts failures raced from two processes at once', async () => {
    const processes = [new LoginLockout(database.db), new LoginLockout(database.db)];
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => processes[i % 2]!.recordFailure('user-a', at(1))),
    );

    expect(await processes[0]!.findLockedUntil('user-a', at(2))).toBeDefined();
  });
});
