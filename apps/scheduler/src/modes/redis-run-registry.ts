import type { Redis } from 'ioredis';
import { defineScript, runScript } from '../internal/lua-script.js';
import type { RedisStoreOptions } from '../stores/redis-stores.js';
import type {
  QueueTurn,
  RuleRunEntries,
  RunAdmission,
  RunAdmissionRequest,
  RunRegistry,
} from './run-registry.interfaces.js';

// Per rule (one hash tag, so a Cluster keeps them in one slot): running zset (run id ->
// lease expiry), queue zset (run id -> order), queue lease zset (run id -> lease expiry),
// owner hash (run id -> fencing token of the firing's claim). Empty keys vanish.
const PRUNE = `
local function prune(now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
    redis.call('ZREM', KEYS[1], id); redis.call('HDEL', KEYS[4], id)
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
    redis.call('ZREM', KEYS[3], id); redis.call('ZREM', KEYS[2], id); redis.call('HDEL', KEYS[4], id)
  end
end
`;

// ARGV: runId, token, mode, max, order, now, leaseMs.
const ADMIT = defineScript(`${PRUNE}
local run, token, mode, max = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local now, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
prune(now)
local owner = tonumber(redis.call('HGET', KEYS[4], run))
if owner then
  if owner > token then return {'busy'} end
  redis.call('HSET', KEYS[4], run, token)
  if redis.call('ZSCORE', KEYS[1], run) then
    redis.call('ZADD', KEYS[1], now + lease, run)
    return {'run'}
  end
  redis.call('ZADD', KEYS[3], now + lease, run)
  return {'queued'}
end
local running, waiting = redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])
local out = {'run'}
if mode == 'single' then
  if running + waiting > 0 then return {'busy'} end
elseif mode == 'parallel' then
  if running >= max then return {'busy'} end
elseif mode == 'queued' then
  if running + waiting >= max then return {'busy'} end
  if running + waiting > 0 then
    redis.call('ZADD', KEYS[2], ARGV[5], run); redis.call('ZADD', KEYS[3], now + lease, run)
    redis.call('HSET', KEYS[4], run, token)
    return {'queued'}
  end
elseif mode == 'restart' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    redis.call('HDEL', KEYS[4], id); table.insert(out, id)
  end
  redis.call('DEL', KEYS[1])
end
redis.call('ZADD', KEYS[1], now + lease, run); redis.call('HSET', KEYS[4], run, token)
return out`);

// ARGV: runId, token, now, leaseMs.
const POLL = defineScript(`${PRUNE}
local run, now, lease = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
prune(now)
if tonumber(redis.call('HGET', KEYS[4], run)) ~= tonumber(ARGV[2]) then return 'gone' end
if redis.call('ZSCORE', KEYS[1], run) then
  redis.call('ZADD', KEYS[1], now + lease, run)
  return 'run'
end
if not redis.call('ZSCORE', KEYS[2], run) then return 'gone' end
redis.call('ZADD', KEYS[3], now + lease, run)
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZRANGE', KEYS[2], 0, 0)[1] ~= run then return 'wait' end
redis.call('ZREM', KEYS[2], run); redis.call('ZREM', KEYS[3], run); redis.call('ZADD', KEYS[1], now + lease, run)
return 'run'`);

// ARGV: runId, token, lease expiry.
const RENEW = defineScript(`
if tonumber(redis.call('HGET', KEYS[4], ARGV[1])) ~= tonumber(ARGV[2]) then return 0 end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]); return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]); return 1 end
return 0`);

// ARGV: runId, token.
const RELEASE = defineScript(`
if tonumber(redis.call('HGET', KEYS[4], ARGV[1])) ~= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1]); redis.call('ZREM', KEYS[2], ARGV[1]); redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1`);

/**
 * {@link RunRegistry} on Redis: per rule a sorted set of running entries by lease expiry, a
 * sorted set of waiting entries by order with their own leases, and the fencing token of
 * each entry; admit, poll, renew and release are single Lua scripts, atomic across replicas.
 * A rule with nothing running holds no keys.
 *
 * @example
 * ```ts
 * const registry = new RedisRunRegistry({ redis, keyPrefix: 'lattice:scheduler:' });
 * ```
 */
export class RedisRunRegistry implements RunRegistry {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(options: RedisStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix ?? 'lattice:scheduler:';
  }

  async admit(ruleId: string, runId: string, request: RunAdmissionRequest): Promise<RunAdmission> {
    const { mode, max, token, order, nowMs, leaseMs } = request;
    const reply = (await runScript(this.redis, ADMIT, this.keys(ruleId), [
      runId,
      token,
      mode,
      max,
      order,
      nowMs,
      leaseMs,
    ])) as string[];
    const [decision = 'busy', ...stopped] = reply;
    return { decision: decision as RunAdmission['decision'], stopped };
  }

  async poll(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<QueueTurn> {
    return (await runScript(this.redis, POLL, this.keys(ruleId), [runId, token, nowMs, leaseMs])) as QueueTurn;
  }

  async renew(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<boolean> {
    return (await runScript(this.redis, RENEW, this.keys(ruleId), [runId, token, nowMs + leaseMs])) === 1;
  }

  async release(ruleId: string, runId: string, token: number): Promise<void> {
    await runScript(this.redis, RELEASE, this.keys(ruleId), [runId, token]);
  }

  async entries(ruleId: string, nowMs: number): Promise<RuleRunEntries> {
    const [running, queue, leases] = this.keys(ruleId);
    const result = await this.redis
      .multi()
      .zrangebyscore(running, `(${nowMs}`, '+inf')
      .zrange(queue, '0', '-1')
      .zrangebyscore(leases, `(${nowMs}`, '+inf')
      .exec();
    const list = (index: number): string[] => (result?.[index]?.[1] as string[] | undefined) ?? [];
    const live = new Set(list(2));
    return { running: list(0).sort(), queued: list(1).filter((id) => live.has(id)) };
  }

  private keys(ruleId: string): [string, string, string, string] {
    const base = `${this.prefix}modes:{${ruleId}}:`;
    return [`${base}running`, `${base}queue`, `${base}queue-lease`, `${base}owner`];
  }
}
