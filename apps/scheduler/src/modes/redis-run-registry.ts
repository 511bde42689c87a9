import type { Redis } from 'ioredis';
import { defineScript, runScript } from '../internal/lua-script.js';
import { TurnBatch } from '@lattice/core';
import type { RedisStoreOptions } from '../stores/redis-stores.js';
import type {
  QueueTurn,
  RuleRunEntries,
  RunAdmission,
  RunAdmissionRequest,
  RunRegistry,
} from './run-registry.interfaces.js';

// Per rule (one hash tag): running zset (run id -> lease expiry), queue zset (run id ->
// order), queue lease zset (run id -> lease expiry), owner hash (run id -> fencing token of
// the firing's claim). Empty keys vanish. `k` holds one rule's four keys.
const PRUNE = `
local function prune(k, now)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', k[1], '-inf', now)) do
    redis.call('ZREM', k[1], id); redis.call('HDEL', k[4], id)
  end
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', k[3], '-inf', now)) do
    redis.call('ZREM', k[3], id); redis.call('ZREM', k[2], id); redis.call('HDEL', k[4], id)
  end
end
local function rule(i) return {KEYS[i], KEYS[i + 1], KEYS[i + 2], KEYS[i + 3]} end
`;

// Per admission: 4 keys, ARGV (runId, token, mode, max, order, now, leaseMs). The admissions
// of one turn of the event loop go in one call, applied in order (as one by one).
const ADMIT = defineScript(`${PRUNE}
local function admit(k, run, token, mode, max, order, now, lease)
  prune(k, now)
  local owner = tonumber(redis.call('HGET', k[4], run))
  if owner then
    if owner > token then return {'busy'} end
    redis.call('HSET', k[4], run, token)
    if redis.call('ZSCORE', k[1], run) then
      redis.call('ZADD', k[1], now + lease, run)
      return {'run'}
    end
    redis.call('ZADD', k[3], now + lease, run)
    return {'queued'}
  end
  local running, waiting = redis.call('ZCARD', k[1]), redis.call('ZCARD', k[2])
  local out = {'run'}
  if mode == 'single' then
    if running + waiting > 0 then return {'busy'} end
  elseif mode == 'parallel' then
    if running >= max then return {'busy'} end
  elseif mode == 'queued' then
    if running + waiting >= max then return {'busy'} end
    if running + waiting > 0 then
      redis.call('ZADD', k[2], order, run); redis.call('ZADD', k[3], now + lease, run)
      redis.call('HSET', k[4], run, token)
      return {'queued'}
    end
  elseif mode == 'restart' then
    for _, id in ipairs(redis.call('ZRANGE', k[1], 0, -1)) do
      redis.call('HDEL', k[4], id); table.insert(out, id)
    end
    redis.call('DEL', k[1])
  end
  redis.call('ZADD', k[1], now + lease, run); redis.call('HSET', k[4], run, token)
  return out
end
local out = {}
for i = 0, #KEYS / 4 - 1 do
  local a = i * 7
  out[i + 1] = admit(rule(i * 4 + 1), ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], tonumber(ARGV[a + 4]),
    ARGV[a + 5], tonumber(ARGV[a + 6]), tonumber(ARGV[a + 7]))
end
return out`);

// ARGV: runId, token, now, leaseMs.
const POLL = defineScript(`${PRUNE}
local k = rule(1)
local run, now, lease = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])
prune(k, now)
if tonumber(redis.call('HGET', k[4], run)) ~= tonumber(ARGV[2]) then return 'gone' end
if redis.call('ZSCORE', k[1], run) then
  redis.call('ZADD', k[1], now + lease, run)
  return 'run'
end
if not redis.call('ZSCORE', k[2], run) then return 'gone' end
redis.call('ZADD', k[3], now + lease, run)
if redis.call('ZCARD', k[1]) > 0 or redis.call('ZRANGE', k[2], 0, 0)[1] ~= run then return 'wait' end
redis.call('ZREM', k[2], run); redis.call('ZREM', k[3], run); redis.call('ZADD', k[1], now + lease, run)
return 'run'`);

// ARGV: runId, token, lease expiry.
const RENEW = defineScript(`
if tonumber(redis.call('HGET', KEYS[4], ARGV[1])) ~= tonumber(ARGV[2]) then return 0 end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]); return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]); return 1 end
return 0`);

// Per release: 4 keys, ARGV (runId, token). The releases of one turn go in one call.
const RELEASE = defineScript(`
for i = 0, #KEYS / 4 - 1 do
  local k, run = i * 4, ARGV[i * 2 + 1]
  if tonumber(redis.call('HGET', KEYS[k + 4], run)) == tonumber(ARGV[i * 2 + 2]) then
    redis.call('ZREM', KEYS[k + 1], run); redis.call('ZREM', KEYS[k + 2], run); redis.call('ZREM', KEYS[k + 3], run)
    redis.call('HDEL', KEYS[k + 4], run)
  end
end
return 1`);

/**
 * {@link RunRegistry} on Redis: per rule a sorted set of running entries by lease expiry, a
 * sorted set of waiting entries by order with their own leases, and the fencing token of
 * each entry; admit, poll, renew and release are single Lua scripts, atomic across replicas.
 * The admissions (and the releases) of one turn of the event loop, whatever their rules, go
 * in one script call. A rule with nothing running holds no keys.
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

  private readonly admissions = new TurnBatch<[string, string, RunAdmissionRequest], RunAdmission>(async (items) => {
    const keys = items.flatMap(([ruleId]) => this.keys(ruleId));
    const args = items.flatMap(([, runId, r]) => [runId, r.token, r.mode, r.max, r.order, r.nowMs, r.leaseMs]);
    const replies = (await runScript(this.redis, ADMIT, keys, args)) as string[][];
    return replies.map(([decision = 'busy', ...stopped]) => ({
      decision: decision as RunAdmission['decision'],
      stopped,
    }));
  });
  private readonly releases = new TurnBatch<[string, string, number], void>(async (items) => {
    const keys = items.flatMap(([ruleId]) => this.keys(ruleId));
    await runScript(
      this.redis,
      RELEASE,
      keys,
      items.flatMap(([, runId, token]) => [runId, token]),
    );
    return items.map(() => undefined);
  });

  admit(ruleId: string, runId: string, request: RunAdmissionRequest): Promise<RunAdmission> {
    return this.admissions.add([ruleId, runId, request]);
  }

  async poll(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<QueueTurn> {
    return (await runScript(this.redis, POLL, this.keys(ruleId), [runId, token, nowMs, leaseMs])) as QueueTurn;
  }

  async renew(ruleId: string, runId: string, token: number, nowMs: number, leaseMs: number): Promise<boolean> {
    return (await runScript(this.redis, RENEW, this.keys(ruleId), [runId, token, nowMs + leaseMs])) === 1;
  }

  release(ruleId: string, runId: string, token: number): Promise<void> {
    return this.releases.add([ruleId, runId, token]);
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
