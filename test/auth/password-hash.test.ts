import { describe, expect, it } from 'vitest';
import { findPasswordProblem, hashPassword, verifyPassword } from '../../src/auth/password-hash.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('a long enough passphrase');

    expect(await verifyPassword('a long enough passphrase', stored)).toBe(true);
    expect(await verifyPassword('a long enough passphrasf', stored)).toBe(false);
  });

  it('stores scrypt with its cost parameters and a per-user salt, never the password', async () => {
    const [first, second] = await Promise.all([
      hashPassword('the same password'),
      hashPassword('the same password'),
    ]);

    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('password');
  });

  it('never matches a malformed or tampered hash', async () => {
    const stored = await hashPassword('a long enough passphrase');
    const expensive = stored.replace('$32768$', '$1073741824$');

    expect(await verifyPassword('a long enough passphrase', 'plain-text')).toBe(false);
    expect(await verifyPassword('a long enough passphrase', expensive)).toBe(false);
  });

  it('asks for at least 12 characters', () => {
    expect(findPasswordProblem('short-pass1')).toMatch(/at least 12/);
    expect(findPasswordProblem('twelve chars')).toBeUndefined();
  });
});
