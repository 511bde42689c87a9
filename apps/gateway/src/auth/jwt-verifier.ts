import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { GatewayUnauthenticatedError } from '../gateway.errors.js';
import type { JwtOptions, Principal } from './auth.interfaces.js';

type Key = CryptoKey | KeyObject | Uint8Array;

interface CacheEntry {
  readonly principal: Principal;
  readonly exp: number;
  readonly nbf: number;
}

const CACHE_LIMIT = 10_000;

/**
 * Verifies app JWTs with jose: one pinned algorithm, `iss`/`aud`/`exp`/`nbf` checked with
 * the configured skew. Verified tokens are cached until they expire (bounded), so a
 * repeat costs a map lookup and a clock read instead of a signature check.
 *
 * @example
 * ```ts
 * const verifier = await JwtVerifier.create({ issuer: 'lattice', audience: 'lattice-api', algorithm: 'HS256', secret: 's', clockToleranceSeconds: 60 });
 * const principal = await verifier.verify(token);
 * ```
 */
export class JwtVerifier {
  private readonly cache = new Map<string, CacheEntry>();

  private constructor(
    private readonly options: JwtOptions,
    private readonly key: Key | JWTVerifyGetKey,
    /** Signing key, present only for dev tokens (memory mode). */
    private readonly signingKey: Key | undefined,
    private readonly now: () => number,
  ) {}

  /** Loads keys from the options; `generateDevKey` makes an in-memory ES256 pair when none is configured. */
  static async create(options: JwtOptions, now: () => number = Date.now, generateDevKey = false): Promise<JwtVerifier> {
    const alg = options.algorithm;
    if (alg === 'HS256') {
      if (options.secret === undefined) throw new Error('auth.jwt.secret is required for HS256');
      const secret = new TextEncoder().encode(options.secret);
      return new JwtVerifier(options, secret, secret, now);
    }
    if (options.publicKeyFile !== undefined) {
      const key = await importSPKI(readFileSync(options.publicKeyFile, 'utf8'), alg);
      const signing =
        options.privateKeyFile === undefined
          ? undefined
          : await importPKCS8(readFileSync(options.privateKeyFile, 'utf8'), alg);
      return new JwtVerifier(options, key, signing, now);
    }
    if (options.jwksUrl !== undefined) {
      return new JwtVerifier(options, createRemoteJWKSet(new URL(options.jwksUrl)), undefined, now);
    }
    if (!generateDevKey) throw new Error('no JWT key configured');
    const pair = await generateKeyPair(alg, { extractable: false });
    return new JwtVerifier(options, pair.publicKey, pair.privateKey, now);
  }

  /** A verifier over a local JWKS document (tests, or keys shipped in config). */
  static fromJwks(
    options: JwtOptions,
    jwks: Parameters<typeof createLocalJWKSet>[0],
    now: () => number = Date.now,
  ): JwtVerifier {
    return new JwtVerifier(options, createLocalJWKSet(jwks), undefined, now);
  }

  /** True when this verifier can mint tokens (dev key or configured private key). */
  get canSign(): boolean {
    return this.signingKey !== undefined;
  }

  /**
   * The principal of a token verified before and still within `exp`/`nbf` (with the skew),
   * without a promise; undefined otherwise (then call {@link verify}).
   *
   * @example
   * ```ts
   * const principal = verifier.cached(token) ?? (await verifier.verify(token));
   * ```
   */
  cached(token: string): Principal | undefined {
    const entry = this.cache.get(token);
    if (entry === undefined) return undefined;
    const now = this.now() / 1000;
    const skew = this.options.clockToleranceSeconds;
    if (now - skew < entry.exp && now + skew >= entry.nbf) return entry.principal;
    this.cache.delete(token);
    return undefined;
  }

  /** Verifies a compact JWT and returns the user principal; throws `GATEWAY_UNAUTHENTICATED`. */
  async verify(token: string): Promise<Principal> {
    const cached = this.cached(token);
    if (cached !== undefined) return cached;
    const nowMs = this.now();
    const skew = this.options.clockToleranceSeconds;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Key, {
        algorithms: [this.options.algorithm],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: skew,
        currentDate: new Date(nowMs),
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new GatewayUnauthenticatedError(reasonOf(error), error);
    }
    const principal: Principal = {
      kind: 'user',
      id: String(payload.sub),
      homes: stringList(payload['homes']),
      roles: stringList(payload['roles']),
    };
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, { principal, exp: payload.exp ?? 0, nbf: payload.nbf ?? 0 });
    return principal;
  }

  /** Mints a token (dev tokens in memory mode, tests). Throws when no signing key is loaded. */
  async sign(claims: { sub: string; homes?: string[]; roles?: string[] }, ttlSeconds = 3600): Promise<string> {
    if (this.signingKey === undefined) throw new Error('this verifier has no signing key');
    const now = Math.floor(this.now() / 1000);
    return new SignJWT({ homes: claims.homes ?? [], roles: claims.roles ?? [] })
      .setProtectedHeader({ alg: this.options.algorithm, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.signingKey);
  }
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter((v) => v !== '');
  return [];
}

/** A short, safe reason (no token contents). */
function reasonOf(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim ${(error as { claim?: string }).claim ?? ''} invalid`.replace('  ', ' ');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    default:
      return 'invalid token';
  }
}
