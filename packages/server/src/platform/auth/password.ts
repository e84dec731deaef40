import { type Algorithm, hash, verify } from '@node-rs/argon2';
import { InputError } from '../errors.js';

/**
 * argon2id at the OWASP Password Storage Cheat Sheet minimum (m = 19 MiB, t = 2, p = 1): about
 * 20 ms per hash on the reference machine, so the login route is rate-limited separately.
 */
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const ARGON2_OPTIONS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

// The most common passwords that meet the length rule; a password on this list is refused.
const COMMON_PASSWORDS = new Set([
  'password1234',
  'password12345',
  'password123456',
  '123456789012',
  '1234567890123',
  'qwertyuiop123',
  'qwerty123456',
  'iloveyou1234',
  'administrator',
  'changeme1234',
  'letmein12345',
  'welcome12345',
  'passwordpassword',
  'abc123456789',
  '111111111111',
  '000000000000',
  'aaaaaaaaaaaa',
  'slipwayslipway',
]);

/** Throws InputError naming the rule when a new password is unacceptable (ASVS 6.2). */
export function checkPasswordPolicy(password: string, username: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new InputError(`Password must be at least ${PASSWORD_MIN_LENGTH} characters long`, { field: 'password' });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new InputError(`Password must be at most ${PASSWORD_MAX_LENGTH} characters long`, { field: 'password' });
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    throw new InputError('Password is too common; choose another', { field: 'password' });
  }
  if (username.length >= 3 && lower.includes(username.toLowerCase())) {
    throw new InputError('Password must not contain the username', { field: 'password' });
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification, for unknown users, so response timing does not
 * tell whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('slipway-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
