import { describe, expect, it } from '@jest/globals';
import { readIdentity, signIdentity } from './identity.js';

const headers = (user: string, signature: string) => ({
  'x-lattice-user': user,
  'x-lattice-homes': 'h1,h2',
  'x-lattice-roles': 'owner',
  'x-lattice-identity-signature': signature,
});

describe('gateway identity', () => {
  const good = signIdentity('s', 'alice', 'h1,h2', 'owner', '').toString('hex');

  it('reads a signed identity', () => {
    expect(readIdentity(headers('alice', good), 's')).toEqual({
      user: 'alice',
      homes: ['h1', 'h2'],
      roles: ['owner'],
      saasKey: '',
    });
  });

  it('refuses a signature made for another user, a wrong secret or none', () => {
    expect(() => readIdentity(headers('bob', good), 's')).toThrow(
      expect.objectContaining({ code: 'PUSH_UNAUTHENTICATED' }),
    );
    expect(() => readIdentity(headers('alice', good), 'other')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => readIdentity(headers('alice', ''), 's')).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => readIdentity(headers('alice', 'zz'), 's')).toThrow(expect.objectContaining({ status: 401 }));
  });

  it('requires a user or a SaaS key, and trusts unsigned headers only without a secret', () => {
    expect(() => readIdentity({}, undefined)).toThrow(expect.objectContaining({ data: { reason: 'missing' } }));
    expect(readIdentity({ 'x-lattice-saas-key': 'acme' }, undefined).saasKey).toBe('acme');
    expect(readIdentity(headers('carol', ''), undefined).user).toBe('carol');
  });
});
