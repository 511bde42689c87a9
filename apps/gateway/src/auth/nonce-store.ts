import type { Redis } from 'ioredis';

/**
 * Remembers SaaS nonces for the replay window. `claim` answers true the first time a
 * nonce is seen within `ttlMs`, false for a replay.
 *
 * @example
 * ```ts
 * if (!(await store.claim(`${key}:${nonce}`, 300_000))) throw new GatewayUnauthenticatedError('nonce reused');
 * ```
 */
export interface NonceStore {
  claim(nonce: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * One process's nonces, expired lazily and swept when the map grows.
 *
 * @example
 * ```ts
 * const store = new MemoryNonceStore(() => Date.now());
 * ```
 */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  claim(nonce: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const until = this.seen.get(nonce);
    if (until !== undefined && until > now) return Promise.resolve(false);
    if (this.seen.size >= 100_000) for (const [k, v] of this.seen) if (v <= now) this.seen.delete(k);
    this.seen.set(nonce, now + ttlMs);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    this.seen.clear();
    return Promise.resolve();
  }
}

/**
 * Nonces shared by every gateway instance: `SET key 1 PX ttl NX` (the client is the caller's).
 *
 * @example
 * ```ts
 * const store = new RedisNonceStore(redis, 'lattice:gateway:nonce:');
 * ```
 */
export class RedisNonceStore implements NonceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'lattice:gateway:nonce:',
  ) {}

  async claim(nonce: string, ttlMs: number): Promise<boolean> {
    const reply = await this.redis.set(this.prefix + nonce, '1', 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
