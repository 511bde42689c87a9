import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { JwtVerifier } from './jwt-verifier.js';
import type { JwtOptions } from './auth.interfaces.js';

const SECRET = 'a-hs256-secret-of-at-least-32-characters!';
const NOW = Date.parse('2026-06-01T12:00:00Z');
const nowS = NOW / 1000;
const base = (over: Partial<JwtOptions> = {}): JwtOptions => ({
  issuer: 'lattice',
  audience: 'lattice-api',
  algorithm: 'HS256',
  secret: SECRET,
  clockToleranceSeconds: 60,
  ...over,
});

function sign(
  key: Parameters<SignJWT['sign']>[0],
  alg: string,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ homes: ['h1'], roles: ['user'], ...claims })
    .setProtectedHeader({ alg, ...header })
    .setSubject('u1')
    .setIssuer(claims.iss ?? 'lattice')
    .setAudience((claims.aud as string | undefined) ?? 'lattice-api')
    .setIssuedAt(nowS)
    .setExpirationTime(claims.exp ?? nowS + 600)
    .sign(key);
}

const hs = new TextEncoder().encode(SECRET);
const reasonOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'accepted';
  } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
};

describe('JwtVerifier', () => {
  it('accepts a good token and reads sub, homes and roles', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    await expect(v.verify(await sign(hs, 'HS256'))).resolves.toEqual({
      kind: 'user',
      id: 'u1',
      homes: ['h1'],
      roles: ['user'],
    });
  });

  it('refuses an expired token, tolerating 60 s of skew', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { exp: nowS - 30 })))).toBe('accepted');
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { exp: nowS - 61 })))).toMatch(
      /GATEWAY_UNAUTHENTICATED.*expired/,
    );
  });

  it('refuses a token that is not yet valid (nbf beyond the skew)', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { nbf: nowS + 120 })))).toMatch(/claim nbf/);
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { nbf: nowS + 30 })))).toBe('accepted');
  });

  it('refuses alg none', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${enc({ alg: 'none' })}.${enc({ sub: 'u1', iss: 'lattice', aud: 'lattice-api', exp: nowS + 600 })}.`;
    expect(await reasonOf(v.verify(token))).toMatch(/GATEWAY_UNAUTHENTICATED/);
  });

  it('refuses another algorithm than the pinned one (HS256 signed with the public key: key confusion)', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(join(tmpdir(), 'gw-jwt-'));
    writeFileSync(join(dir, 'pub.pem'), await exportSPKI(pair.publicKey));
    const v = await JwtVerifier.create(base({ algorithm: 'ES256', publicKeyFile: join(dir, 'pub.pem') }), () => NOW);
    expect(await reasonOf(v.verify(await sign(pair.privateKey, 'ES256')))).toBe('accepted');
    const confused = await sign(new TextEncoder().encode(await exportSPKI(pair.publicKey)), 'HS256');
    expect(await reasonOf(v.verify(confused))).toMatch(/algorithm not allowed/);
    const hsVerifier = await JwtVerifier.create(base(), () => NOW);
    expect(await reasonOf(hsVerifier.verify(await sign(pair.privateKey, 'ES256')))).toMatch(/algorithm not allowed/);
  });

  it('refuses a wrong audience or issuer', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { aud: 'someone-else' })))).toMatch(/claim aud/);
    expect(await reasonOf(v.verify(await sign(hs, 'HS256', { iss: 'evil' })))).toMatch(/claim iss/);
  });

  it('refuses a bad signature', async () => {
    const v = await JwtVerifier.create(base(), () => NOW);
    const other = await sign(new TextEncoder().encode('another-secret-of-at-least-32-chars!!'), 'HS256');
    expect(await reasonOf(v.verify(other))).toMatch(/bad signature/);
    const good = await sign(hs, 'HS256');
    const tampered = good.slice(0, -3) + (good.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(await reasonOf(v.verify(tampered))).toMatch(/GATEWAY_UNAUTHENTICATED/);
  });

  it('keeps refusing an expired token that was cached while valid', async () => {
    let now = NOW;
    const v = await JwtVerifier.create(base(), () => now);
    const token = await sign(hs, 'HS256', { exp: nowS + 10 });
    await v.verify(token);
    now = NOW + 80_000;
    expect(await reasonOf(v.verify(token))).toMatch(/expired/);
  });

  it('answers a verified token from the cache without a promise, until it expires', async () => {
    let now = NOW;
    const v = await JwtVerifier.create(base(), () => now);
    const token = await sign(hs, 'HS256', { exp: nowS + 10 });
    expect(v.cached(token)).toBeUndefined();
    const principal = await v.verify(token);
    expect(v.cached(token)).toBe(principal);
    expect(v.cached(`${token}x`)).toBeUndefined();
    now = NOW + 80_000;
    expect(v.cached(token)).toBeUndefined();
  });

  it('verifies RS256 and EdDSA from PEM files, and keys from a JWKS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-jwt-'));
    for (const alg of ['RS256', 'EdDSA'] as const) {
      const pair = await generateKeyPair(alg, { extractable: true });
      writeFileSync(join(dir, `${alg}.pem`), await exportSPKI(pair.publicKey));
      writeFileSync(join(dir, `${alg}.key`), await exportPKCS8(pair.privateKey));
      const v = await JwtVerifier.create(
        base({
          algorithm: alg,
          secret: undefined,
          publicKeyFile: join(dir, `${alg}.pem`),
          privateKeyFile: join(dir, `${alg}.key`),
        }),
        () => NOW,
      );
      expect(await reasonOf(v.verify(await sign(pair.privateKey, alg)))).toBe('accepted');
      expect(await reasonOf(v.verify(await v.sign({ sub: 'dev' })))).toBe('accepted');
    }
    const pair = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    const v = JwtVerifier.fromJwks(base({ algorithm: 'ES256' }), { keys: [jwk] }, () => NOW);
    expect(await reasonOf(v.verify(await sign(pair.privateKey, 'ES256', {}, { kid: 'k1' })))).toBe('accepted');
  });
});
