import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PASS } from './flow-controllers.js';
import type { ClusterLimitOptions, LimitDecision } from './rate-limit.interfaces.js';

/**
 * GCRA (generic cell rate algorithm) in one atomic script. The key holds the theoretical
 * arrival time (TAT) in ms of Redis' own clock, so instances need no clock agreement.
 * KEYS[1] = limit key; ARGV[1] = emission interval ms; ARGV[2] = burst.
 * Returns {1, 0} when allowed, {0, retryAfterMs} when not.
 */
const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 1)
return {1, 0}
`;
const GCRA_SHA = createHash('sha1').update(GCRA_LUA).digest('hex');

/**
 * A rate limit shared by every process using the same Redis key: one EVALSHA round trip per
 * call. The Redis client belongs to the caller (it is not closed here).
 *
 * @example
 * ```ts
 * const limiter = new ClusterRateLimiter(redis, { qps: 1000, burst: 50 });
 * const decision = await limiter.tryAcquire('gateway:public');
 * ```
 */
export class ClusterRateLimiter {
  private readonly intervalMs: string;
  private readonly burst: string;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: ClusterLimitOptions,
  ) {
    this.intervalMs = String(1_000 / options.qps);
    this.burst = String(Math.max(1, options.burst ?? Math.round(options.qps / 10)));
    this.prefix = options.keyPrefix ?? 'lattice:rl:';
  }

  async tryAcquire(key: string): Promise<LimitDecision> {
    const redisKey = this.prefix + key;
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(GCRA_SHA, 1, redisKey, this.intervalMs, this.burst);
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      reply = await this.redis.eval(GCRA_LUA, 1, redisKey, this.intervalMs, this.burst);
    }
    const [allowed, retryAfterMs] = reply as [number, number];
    return allowed === 1 ? PASS : { ok: false, retryAfterMs };
  }
}
