import { LruMap } from '../internal/lru-map.js';
import { PASS } from './flow-controllers.js';
import type { HotParamLimitOptions, LimitDecision } from './rate-limit.interfaces.js';

interface Bucket {
  tokens: number;
  lastMs: number;
}

/** A token bucket per parameter value, at most `maxKeys` values remembered (LRU). */
export class HotParamLimiter {
  private readonly buckets: LruMap<string, Bucket>;
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(options: HotParamLimitOptions) {
    this.ratePerMs = options.qps / 1_000;
    this.burst = options.burst ?? options.qps;
    this.buckets = new LruMap(options.maxKeys ?? 10_000);
  }

  get size(): number {
    return this.buckets.size;
  }

  tryAcquire(nowMs: number, param: string): LimitDecision {
    let bucket = this.buckets.get(param);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, lastMs: nowMs };
      this.buckets.set(param, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (nowMs - bucket.lastMs) * this.ratePerMs);
      bucket.lastMs = nowMs;
    }
    if (bucket.tokens < 1) return { ok: false, retryAfterMs: (1 - bucket.tokens) / this.ratePerMs };
    bucket.tokens -= 1;
    return PASS;
  }
}
