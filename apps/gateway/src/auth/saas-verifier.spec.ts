import { describe, expect, it } from '@jest/globals';
import { MemoryNonceStore } from './nonce-store.js';
import { SaasVerifier, signSaasRequest } from './saas-verifier.js';

const partner = { key: 'acme', secret: 'acme-secret-0123456789' };
const NOW = Date.parse('2026-06-01T12:00:00Z');

function verifier(now = NOW): SaasVerifier {
  return new SaasVerifier(
    () => ({ acme: { secret: partner.secret, homes: ['h1'] } }),
    new MemoryNonceStore(() => now),
    () => now,
  );
}

describe('SaasVerifier', () => {
  const body = Buffer.from('{"title":"hi"}');
  it('accepts a signed request and names the partner', async () => {
    const headers = signSaasRequest(partner, 'POST', '/api/v1/push/messages?x=1', body, NOW, 'nonce-0001');
    await expect(verifier().verify('POST', '/api/v1/push/messages?x=1', headers, body)).resolves.toMatchObject({
      kind: 'saas',
      saasKey: 'acme',
      homes: ['h1'],
    });
  });

  it('refuses a replayed nonce', async () => {
    const v = verifier();
    const headers = signSaasRequest(partner, 'GET', '/api/v1/rules', Buffer.alloc(0), NOW, 'nonce-0002');
    await v.verify('GET', '/api/v1/rules', headers, Buffer.alloc(0));
    await expect(v.verify('GET', '/api/v1/rules', headers, Buffer.alloc(0))).rejects.toThrow(/nonce reused/);
  });

  it('refuses a timestamp outside the 5-minute window, either way', async () => {
    for (const skew of [-301_000, 301_000]) {
      const headers = signSaasRequest(partner, 'GET', '/api/v1/rules', Buffer.alloc(0), NOW + skew, `nonce-s${skew}`);
      await expect(verifier().verify('GET', '/api/v1/rules', headers, Buffer.alloc(0))).rejects.toThrow(/window/);
    }
    const ok = signSaasRequest(partner, 'GET', '/api/v1/rules', Buffer.alloc(0), NOW - 290_000, 'nonce-ok01');
    await expect(verifier().verify('GET', '/api/v1/rules', ok, Buffer.alloc(0))).resolves.toBeDefined();
  });

  it('refuses a tampered body, path, method or unknown key', async () => {
    const headers = signSaasRequest(partner, 'POST', '/api/v1/push/messages', body, NOW, 'nonce-0003');
    await expect(
      verifier().verify('POST', '/api/v1/push/messages', headers, Buffer.from('{"title":"HI"}')),
    ).rejects.toThrow(/bad signature/);
    await expect(verifier().verify('POST', '/api/v1/push/other', headers, body)).rejects.toThrow(/bad signature/);
    await expect(verifier().verify('PUT', '/api/v1/push/messages', headers, body)).rejects.toThrow(/bad signature/);
    await expect(
      verifier().verify('POST', '/api/v1/push/messages', { ...headers, 'x-lattice-key': 'nobody' }, body),
    ).rejects.toThrow(/unknown key/);
    await expect(verifier().verify('POST', '/api/v1/push/messages', {}, body)).rejects.toThrow(/missing/);
  });

  it('does not burn the nonce of a request whose signature fails', async () => {
    const v = verifier();
    const headers = signSaasRequest(partner, 'POST', '/p', body, NOW, 'nonce-0004');
    await expect(v.verify('POST', '/p', { ...headers, 'x-lattice-signature': '0'.repeat(64) }, body)).rejects.toThrow();
    await expect(v.verify('POST', '/p', headers, body)).resolves.toBeDefined();
  });
});
