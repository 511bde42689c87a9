import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const KEY_BYTES = 32;

function derive(secret: string, salt: Buffer, pepper: string, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(`${secret}\u0000${pepper}`, salt, KEY_BYTES, { N: cost, r: 8, p: 1 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** A new hub secret: 256 random bits, base64url. */
export function newHubSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$<N>$<salt>$<hash>` of a secret, salted per hub and peppered by configuration. */
export async function hashHubSecret(secret: string, pepper: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, pepper, cost);
  return `scrypt$${cost}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time check of a secret against a stored hash; false for anything malformed. */
export async function verifyHubSecret(secret: string, stored: string, pepper: string): Promise<boolean> {
  const [scheme, costText, saltText, hashText] = stored.split('$');
  if (scheme !== 'scrypt' || !costText || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64url');
  if (expected.length !== KEY_BYTES) return false;
  const key = await derive(secret, Buffer.from(saltText, 'base64url'), pepper, Number(costText));
  return timingSafeEqual(key, expected);
}
