import { createHash } from 'node:crypto';
import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import { Redis, type RedisOptions } from 'ioredis';
import type {
  InstanceDescriptor,
  InstanceStatus,
  ServiceInstance,
  ServiceSnapshot,
} from '../instance/service-instance.js';
import type { SelfPreservationSettings } from '../internal/eviction.js';
import { assertDescriptor, isInstanceStatus } from '../internal/instances.js';
import { DEREGISTER, EVICT_AND_READ, REGISTER, RENEW, SET_STATUS } from '../internal/redis-scripts.js';
import { WatcherSet } from '../internal/watcher-set.js';
import {
  SELF_PRESERVATION_DEFAULTS,
  SWEEP_INTERVAL_DEFAULT_MS,
  type LeaseRegistryOptions,
} from './registry.options.js';
import type { LeaseOptions, RegistryHealth, RegistryWatcher, ServiceRegistry } from './service-registry.interfaces.js';

/**
 * Options of {@link RedisRegistry}: a `client` or a `url`.
 *
 * @example
 * ```ts
 * new RedisRegistry({ client: redis, keyPrefix: 'prod:discovery:', resyncIntervalMs: 30_000 });
 * ```
 */
export interface RedisRegistryOptions extends LeaseRegistryOptions {
  /** An ioredis client to use (not closed by the registry); the pub/sub connection is its duplicate. */
  client?: Redis;
  /** A Redis URL to connect to when no client is given. @default 'redis://127.0.0.1:6379' */
  url?: string;
  /** Prefix of every key and channel. @default 'lattice:discovery:' */
  keyPrefix?: string;
  /** Full re-read of every watched service, healing missed notifications. @default 10000 */
  resyncIntervalMs?: number;
  /** Commands on the registry's own connection fail after this long (e.g. a frozen server). @default 2000 */
  commandTimeoutMs?: number;
}

type Script = { readonly source: string; readonly sha: string };
const script = (source: string): Script => ({ source, sha: createHash('sha1').update(source).digest('hex') });
const SCRIPTS = {
  register: script(REGISTER),
  renew: script(RENEW),
  deregister: script(DEREGISTER),
  setStatus: script(SET_STATUS),
  evictAndRead: script(EVICT_AND_READ),
};

/** Slack after a known lease expiry before a watcher re-reads, so the lease has surely lapsed. */
const EXPIRY_SLACK_MS = 50;

/**
 * The registry on Redis (standalone or Sentinel through ioredis): atomic register, renew
 * and evict in Lua; expired leases evicted by readers and by a sweeper (one process at a
 * time, by a lock); changes announced on pub/sub so watchers see them within a second; a
 * periodic full resync heals missed notifications; Eureka-style self-preservation.
 *
 * @example
 * ```ts
 * const registry = new RedisRegistry({ url: 'redis://127.0.0.1:6379' });
 * await registry.register({ service: 'device', instanceId: 'd1', host: '10.0.0.5', ports: { grpc: 50052 } }, { leaseTtlMs: 15_000 });
 * registry.watch('device', { onSnapshot: (s) => console.log(s.instances.map((i) => i.instanceId)) });
 * ```
 */
export class RedisRegistry implements ServiceRegistry {
  readonly kind = 'redis';
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private subscriber: Redis | undefined;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly preservation: SelfPreservationSettings;
  private readonly sweepIntervalMs: number;
  private readonly resyncIntervalMs: number;
  private readonly watchers = new WatcherSet();
  private readonly preserving = new Set<string>();
  private readonly expiryTimers = new Map<string, ClockTimer>();
  private readonly refreshing = new Map<string, { again: boolean }>();
  private readonly processId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private sweepTimer: ClockTimer | undefined;
  private resyncTimer: ClockTimer | undefined;
  private connected = false;
  private closed = false;
  private readonly onReady = (): void => {
    this.connected = true;
    this.resyncAll();
  };
  private readonly onDown = (): void => {
    if (!this.connected) return;
    this.connected = false;
    this.watchers.error(new Error('the Redis connection of the registry is down'));
  };

  constructor(options: RedisRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.prefix = options.keyPrefix ?? 'lattice:discovery:';
    this.preservation = { ...SELF_PRESERVATION_DEFAULTS, ...options.selfPreservation };
    this.sweepIntervalMs = options.sweepIntervalMs ?? SWEEP_INTERVAL_DEFAULT_MS;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 10_000;
    const connection: RedisOptions = {
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
      connectionName: 'lattice:discovery',
    };
    if (options.client !== undefined) {
      this.redis = options.client;
      this.ownsClient = false;
      this.connected = options.client.status === 'ready';
    } else {
      this.redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', connection);
      this.ownsClient = true;
    }
    this.redis.on('ready', this.onReady);
    this.redis.on('close', this.onDown);
    this.redis.on('error', this.onDown);
    if (this.sweepIntervalMs > 0) this.scheduleSweep();
    if (this.resyncIntervalMs > 0) this.scheduleResync();
  }

  async register(descriptor: InstanceDescriptor, lease: LeaseOptions): Promise<ServiceInstance> {
    assertDescriptor(descriptor);
    const now = this.clock.now();
    const status = descriptor.status ?? 'UP';
    const stored = JSON.stringify({
      host: descriptor.host,
      ports: descriptor.ports,
      zone: descriptor.zone,
      version: descriptor.version,
      metadata: descriptor.metadata ?? {},
    });
    const k = this.keys(descriptor.service);
    const [registeredAt] = await Promise.all([
      this.run(
        SCRIPTS.register,
        [k.leases, k.instances, k.state],
        [descriptor.instanceId, stored, status, String(now), String(lease.leaseTtlMs), k.channel],
      ),
      this.redis.sadd(`${this.prefix}services`, descriptor.service),
    ]);
    return this.parseInstance(
      descriptor.service,
      descriptor.instanceId,
      stored,
      `${status} ${String(registeredAt)} ${lease.leaseTtlMs}`,
      now + lease.leaseTtlMs,
    )!;
  }

  async renew(service: string, instanceId: string, lease: LeaseOptions): Promise<boolean> {
    const k = this.keys(service);
    const result = await this.run(
      SCRIPTS.renew,
      [k.leases, k.state, k.preserving],
      [instanceId, String(this.clock.now()), String(lease.leaseTtlMs), k.channel],
    );
    return result === 1;
  }

  async deregister(service: string, instanceId: string): Promise<boolean> {
    const k = this.keys(service);
    return (await this.run(SCRIPTS.deregister, [k.leases, k.instances, k.state], [instanceId, k.channel])) === 1;
  }

  async setStatus(service: string, instanceId: string, status: InstanceStatus): Promise<boolean> {
    const k = this.keys(service);
    return (await this.run(SCRIPTS.setStatus, [k.leases, k.state], [instanceId, status, k.channel])) === 1;
  }

  async snapshot(service: string): Promise<ServiceSnapshot> {
    const reply = (await this.evict(service, true)) as [number, number, string[], (string | null)[], (string | null)[]];
    const [preserving, , members, jsons, states] = reply;
    const instances: ServiceInstance[] = [];
    for (let i = 0; i < members.length; i += 2) {
      const id = members[i]!;
      const instance = this.parseInstance(
        service,
        id,
        jsons[i / 2] ?? null,
        states[i / 2] ?? null,
        Number(members[i + 1]),
      );
      if (instance !== undefined) instances.push(instance);
    }
    instances.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    return { service, instances, selfPreservation: preserving === 1 };
  }

  async services(): Promise<string[]> {
    const names = await this.redis.smembers(`${this.prefix}services`);
    const counts = await Promise.all(names.map((name) => this.redis.zcard(this.keys(name).leases)));
    return names.filter((_, i) => counts[i]! > 0).sort();
  }

  watch(service: string, watcher: RegistryWatcher): () => void {
    const first = !this.watchers.services().includes(service);
    const stop = this.watchers.add(service, watcher);
    if (first) void this.subscribe(service);
    // The new watcher gets the current state even if it equals what others last saw.
    void this.snapshot(service).then(
      (snapshot) => {
        if (this.watchers.has(service, watcher)) watcher.onSnapshot(snapshot);
        this.armExpiryTimer(snapshot);
      },
      (error: unknown) => watcher.onError?.(error instanceof Error ? error : new Error(String(error))),
    );
    return () => {
      stop();
      if (!this.watchers.services().includes(service)) {
        void this.subscriber?.unsubscribe(this.keys(service).channel).catch(() => undefined);
        const timer = this.expiryTimers.get(service);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.expiryTimers.delete(service);
      }
    };
  }

  health(): RegistryHealth {
    return {
      kind: this.kind,
      connected: this.connected && !this.closed,
      selfPreservation: [...this.preserving].sort(),
    };
  }

  /**
   * Evicts lapsed leases of every service. The sweeper calls this on its interval in the
   * one process holding the sweep lock; returns the number of instances evicted.
   */
  async sweep(): Promise<number> {
    const names = await this.redis.smembers(`${this.prefix}services`);
    let evicted = 0;
    for (const name of names) evicted += ((await this.evict(name, false)) as [number, number])[1];
    return evicted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of [this.sweepTimer, this.resyncTimer, ...this.expiryTimers.values()])
      if (timer !== undefined) this.clock.clearTimeout(timer);
    this.expiryTimers.clear();
    this.watchers.clear();
    this.redis.off('ready', this.onReady);
    this.redis.off('close', this.onDown);
    this.redis.off('error', this.onDown);
    const quit = async (redis: Redis): Promise<void> => {
      if (redis.status === 'end') return;
      await redis.quit().catch(() => redis.disconnect());
    };
    if (this.subscriber !== undefined) await quit(this.subscriber);
    if (this.ownsClient) await quit(this.redis);
  }

  private keys(
    service: string,
  ): Record<'leases' | 'instances' | 'state' | 'evicted' | 'preserving' | 'channel', string> {
    const base = `${this.prefix}{${service}}:`;
    return {
      leases: `${base}leases`,
      instances: `${base}instances`,
      state: `${base}state`,
      evicted: `${base}evicted`,
      preserving: `${base}preserving`,
      channel: `${this.prefix}changes:${service}`,
    };
  }

  private async evict(service: string, read: boolean): Promise<unknown> {
    const k = this.keys(service);
    const reply = (await this.run(
      SCRIPTS.evictAndRead,
      [k.leases, k.instances, k.state, k.evicted, k.preserving],
      [
        String(this.clock.now()),
        String(this.preservation.windowMs),
        String(this.preservation.thresholdRatio),
        String(this.preservation.minInstances),
        k.channel,
        read ? '1' : '0',
      ],
    )) as [number, ...unknown[]];
    if (reply[0] === 1) this.preserving.add(service);
    else this.preserving.delete(service);
    return reply;
  }

  /** EVALSHA, loading the script on NOSCRIPT (after a restart or failover). */
  private async run(s: Script, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.redis.eval(s.source, keys.length, ...keys, ...args);
    }
  }

  private parseInstance(
    service: string,
    instanceId: string,
    json: string | null,
    state: string | null,
    expiresAt: number,
  ): ServiceInstance | undefined {
    if (json === null || state === null) return undefined;
    const [status, registeredAt, ttl] = state.split(' ');
    const stored = JSON.parse(json) as Pick<InstanceDescriptor, 'host' | 'ports' | 'zone' | 'version' | 'metadata'>;
    return {
      service,
      instanceId,
      host: stored.host,
      ports: stored.ports,
      ...(stored.zone === undefined || stored.zone === null ? {} : { zone: stored.zone }),
      ...(stored.version === undefined || stored.version === null ? {} : { version: stored.version }),
      metadata: stored.metadata ?? {},
      status: isInstanceStatus(status) ? status : 'DOWN',
      registeredAtMs: Number(registeredAt),
      leaseExpiresAtMs: expiresAt,
      leaseTtlMs: Number(ttl),
    };
  }

  private async subscribe(service: string): Promise<void> {
    if (this.subscriber === undefined) {
      this.subscriber = this.redis.duplicate({ connectionName: 'lattice:discovery:watch' });
      this.subscriber.on('message', (channel: string) => {
        const changesPrefix = `${this.prefix}changes:`;
        if (channel.startsWith(changesPrefix)) this.refresh(channel.slice(changesPrefix.length));
      });
      // ioredis resubscribes after a reconnect; what changed meanwhile comes from a resync.
      this.subscriber.on('ready', () => this.resyncAll());
      this.subscriber.on('error', () => undefined);
    }
    await this.subscriber.subscribe(this.keys(service).channel).catch(() => undefined);
  }

  /** Re-reads a watched service and delivers the result if it changed; one read at a time per service. */
  private refresh(service: string): void {
    if (this.closed || !this.watchers.services().includes(service)) return;
    const inFlight = this.refreshing.get(service);
    if (inFlight !== undefined) {
      inFlight.again = true;
      return;
    }
    const state = { again: false };
    this.refreshing.set(service, state);
    void this.snapshot(service)
      .then(
        (snapshot) => {
          // A read that works means the registry is back even without a reconnect (a frozen server thawed).
          this.connected = true;
          this.watchers.deliver(snapshot);
          this.armExpiryTimer(snapshot);
        },
        () => this.onDown(),
      )
      .finally(() => {
        this.refreshing.delete(service);
        if (state.again) this.refresh(service);
      });
  }

  /** Readers evict lazily: re-read just after the earliest known lease expiry of a watched service. */
  private armExpiryTimer(snapshot: ServiceSnapshot): void {
    const previous = this.expiryTimers.get(snapshot.service);
    if (previous !== undefined) this.clock.clearTimeout(previous);
    this.expiryTimers.delete(snapshot.service);
    if (this.closed || !this.watchers.services().includes(snapshot.service)) return;
    let earliest = Infinity;
    for (const i of snapshot.instances) if ((i.leaseExpiresAtMs ?? Infinity) < earliest) earliest = i.leaseExpiresAtMs!;
    if (earliest === Infinity) return;
    // While preserving, lapsed leases stay: look again each window rather than in a busy loop.
    const delay = snapshot.selfPreservation
      ? this.preservation.windowMs
      : Math.max(EXPIRY_SLACK_MS, earliest - this.clock.now() + EXPIRY_SLACK_MS);
    const timer = this.clock.setTimeout(() => {
      this.expiryTimers.delete(snapshot.service);
      this.refresh(snapshot.service);
    }, delay);
    timer.unref();
    this.expiryTimers.set(snapshot.service, timer);
  }

  private resyncAll(): void {
    for (const service of this.watchers.services()) this.refresh(service);
  }

  private scheduleResync(): void {
    this.resyncTimer = this.clock
      .setTimeout(() => {
        this.resyncAll();
        if (!this.closed) this.scheduleResync();
      }, this.resyncIntervalMs)
      .unref();
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.clock
      .setTimeout(() => {
        void this.sweepIfLeader().finally(() => {
          if (!this.closed) this.scheduleSweep();
        });
      }, this.sweepIntervalMs)
      .unref();
  }

  /** One sweeper per interval across all processes: whoever takes the lock sweeps. */
  private async sweepIfLeader(): Promise<void> {
    if (!this.connected) return;
    try {
      const lock = await this.redis.set(
        `${this.prefix}sweeper`,
        this.processId,
        'PX',
        Math.max(1, this.sweepIntervalMs - 10),
        'NX',
      );
      if (lock === 'OK') await this.sweep();
    } catch {
      // Unreachable now; the next tick tries again and readers evict lazily meanwhile.
    }
  }
}
