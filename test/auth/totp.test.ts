import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  computeTotp,
  findMatchingTotpStep,
  toTotpStep,
  buildOtpauthUri,
} from '../../src/auth/totp.ts';
import { decodeBase32, encodeBase32 } from '../../src/auth/totp-base32.ts';
import { verifyUserTotp } from '../../src/auth/totp-verify.ts';
import { enrolMfa } from '../../src/auth/users-admin.ts';
import { createUser, findUserById } from '../../src/auth/users.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { randomBytes } from 'node:crypto';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to the hash's key length.
const seeds = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const vectors: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(vectors)('matches the RFC test vectors at T=%i', (seconds, sha1, sha256, sha512) => {
    const step = toTotpStep(seconds * 1000);

    expect(computeTotp(seeds.sha1, step, 8, 'sha1')).toBe(sha1);
    expect(computeTotp(seeds.sha256, step, 8, 'sha256')).toBe(sha256);
    expect(computeTotp(seeds.sha512, step, 8, 'sha512')).toBe(sha512);
    expect(computeTotp(seeds.sha1, step)).toBe(sha1.slice(2));
  });

  it('accepts one step of drift either way and no more', () => {
    const at = 1_111_111_111_000;
    const code = computeTotp(seeds.sha1, toTotpStep(at));

    expect(findMatchingTotpStep(seeds.sha1, code, at - 30_000)).toBe(toTotpStep(at));
    expect(findMatchingTotpStep(seeds.sha1, code, at + 30_000)).toBe(toTotpStep(at));
    expect(findMatchingTotpStep(seeds.sha1, code, at + 61_000)).toBeUndefined();
    expect(findMatchingTotpStep(seeds.sha1, '12345', at)).toBeUndefined();
  });

  it('round-trips base32 and builds an otpauth URI apps can read', () => {
    const secret = randomBytes(20);
    const uri = new URL(buildOtpauthUri(secret, 'Ward', 'user-1'));

    expect(decodeBase32(encodeBase32(secret))).toEqual(secret);
    expect(encodeBase32(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeBase32(uri.searchParams.get('secret')!)).toEqual(secret);
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});

describe('verifyUserTotp', () => {
  let database: TestDatabase;
  let keyRing: KeyRing;

  beforeEach(async () => {
    database = await openTestDatabase();
    keyRing = await KeyRing.open(database.db, randomBytes(32));
  });
  afterEach(() => database.close());

  it('accepts a code once and refuses its replay and older codes', async () => {
    const id = await createUser(database.db, keyRing, {
      email: 'totp.user@example.invalid',
      password: 'a long enough passphrase',
      roles: ['nurse'],
    });
    const secret = decodeBase32(
      new URL(await enrolMfa(database.db, keyRing, id)).searchParams.get('secret')!,
    )!;
    const at = Date.UTC(2030, 0, 1, 10);
    const code = computeTotp(secret, toTotpStep(at));
    const earlier = computeTotp(secret, toTotpStep(at) - 1);

    expect(
      await verifyUserTotp(database.db, keyRing, (await findUserById(database.db, id))!, code, at),
    ).toBe(true);
    expect(
      await verifyUserTotp(database.db, keyRing, (await findUserById(database.db, id))!, code, at),
    ).toBe(false);
    expect(
      await verifyUserTotp(
        database.db,
        keyRing,
        (await findUserById(database.db, id))!,
        earlier,
        at,
      ),
    ).toBe(false);
  });

  it('lets only one of two racing verifications of the same code win', async () => {
    const id = await createUser(database.db, keyRing, {
      email: 'race.user@example.invalid',
      password: 'a long enough passphrase',
      roles: ['nurse'],
    });
    const secret = decodeBase32(
      new URL(await enrolMfa(database.db, keyRing, id)).searchParams.get('secret')!,
    )!;
    const at = Date.UTC(2030, 0, 1, 10);
    const user = (await findUserById(database.db, id))!;
    const code = computeTotp(secret, toTotpStep(at));

    const results = await Promise.all([
      verifyUserTotp(database.db, keyRing, user, code, at),
      verifyUserTotp(database.db, keyRing, user, code, at),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('stores the secret encrypted, bound to the user', async () => {
    const id = await createUser(database.db, keyRing, {
      email: 'enc.user@example.invalid',
      password: 'a long enough passphrase',
      roles: ['billing'],
    });
    const secret = decodeBase32(
      new URL(await enrolMfa(database.db, keyRing, id)).searchParams.get('secret')!,
    )!;
    const stored = (await findUserById(database.db, id))!;

    expect(JSON.stringify(stored)).not.toContain(secret.toString('base64'));
    await expect(keyRing.decrypt(stored.mfa.secret!, 'user-totp/someone-else')).rejects.toThrow();
    expect(await keyRing.decrypt(stored.mfa.secret!, `user-totp/${id}`)).toEqual(secret);
  });
});
