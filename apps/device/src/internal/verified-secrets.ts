import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '@lattice/core';

interface Verified {
  /** The stored hash the secret was checked against: a new secret (new hash) misses. */
  readonly storedHash: string;
  readonly expiresAtMs: number;
}

/**
 * Remembers, for a bounded time and number of hubs, that a hub's secret matched its stored
 * hash, so a reconnecting hub skips the scrypt check. Entries are keyed by an HMAC of
 * (hub id, secret) under a random key of this process: the raw secret is never kept, and
 * the keys are useless outside it. A wrong secret has another key, so it always pays the
 * full check; the least recently used entry goes first when the cache is full.
 *
 * @example
 * ```ts
 * const cache = new VerifiedSecrets(systemClock, 600_000, 50_000);
 * const key = cache.key(hubId, secret);
 * if (!cache.has(key, hub.secretHash)) { if (await verifyHubSecret(...)) cache.add(key, hub.secretHash); }
 * ```
 */
export class VerifiedSecrets {
  private readonly entries = new Map<string, Verified>();
  private readonly hmacKey = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The cache key of a (hub id, secret) pair. */
  key(hubId: string, secret: string): string {
    return createHmac('sha256', this.hmacKey).update(hubId).update('\u0000').update(secret).digest('base64url');
  }

  /** True when this pair was verified against `storedHash` within the TTL (and refreshes its place). */
  has(key: string, storedHash: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    if (entry.storedHash !== storedHash || entry.expiresAtMs <= this.clock.now()) return false;
    this.entries.set(key, entry);
    return true;
  }

  /** Records a successful check. */
  add(key: string, storedHash: string): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { storedHash, expiresAtMs: this.clock.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
