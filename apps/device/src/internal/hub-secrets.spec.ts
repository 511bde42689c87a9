import { describe, expect, it } from '@jest/globals';
import { hashHubSecret, newHubSecret, verifyHubSecret } from './hub-secrets.js';

describe('hub secrets', () => {
  it('stores a salted, peppered scrypt hash that verifies only the same secret and pepper', async () => {
    const secret = newHubSecret();
    const a = await hashHubSecret(secret, 'pepper-pepper-pepper', 1024);
    const b = await hashHubSecret(secret, 'pepper-pepper-pepper', 1024);
    expect(a).toMatch(/^scrypt\$1024\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b); // a new salt every time
    expect(a).not.toContain(secret);
    expect(await verifyHubSecret(secret, a, 'pepper-pepper-pepper')).toBe(true);
    expect(await verifyHubSecret(`${secret}x`, a, 'pepper-pepper-pepper')).toBe(false);
    expect(await verifyHubSecret(secret, a, 'another-pepper-value')).toBe(false);
    expect(await verifyHubSecret(secret, 'plain', 'pepper-pepper-pepper')).toBe(false);
  });
});
