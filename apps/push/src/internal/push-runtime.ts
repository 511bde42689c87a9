import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '@lattice/core';
import type { DeviceProvider } from '../push.interfaces.js';
import { MemoryFanout } from '../fanout/memory-fanout.js';
import { RedisFanout } from '../fanout/redis-fanout.js';
import type { PushFanout } from '../fanout/fanout.interfaces.js';
import { MemoryDirectoryStore, MemoryMessageStore } from '../stores/memory-stores.js';
import { RedisDirectoryStore, RedisMessageStore } from '../stores/redis-stores.js';
import type { DirectoryStore, MessageStore } from '../stores/push-store.interfaces.js';
import { ApnsProvider } from '../providers/apns.provider.js';
import { FcmProvider } from '../providers/fcm.provider.js';
import { WebhookProvider } from '../providers/webhook.provider.js';
import { BackoffRegistry } from '../providers/backoff.js';
import type { PushProvider } from '../providers/push-provider.interfaces.js';
import type { PushSettings } from './push-settings.js';

/** Everything stateful of one push instance, built once from `push.*` and the backend. */
export class PushRuntime {
  readonly instanceId: string;
  readonly messages: MessageStore;
  readonly directory: DirectoryStore;
  readonly fanout: PushFanout;
  readonly providers = new Map<DeviceProvider, PushProvider>();
  readonly backoffs = new BackoffRegistry();

  constructor(
    readonly settings: PushSettings,
    redis: Redis | null,
    readonly clock: Clock = systemClock,
  ) {
    this.instanceId = settings.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const store = {
      clock,
      maxStreamLength: settings.store.maxStreamLength,
      retentionSeconds: settings.store.retentionSeconds,
    };
    if (redis === null) {
      const directory = new MemoryDirectoryStore();
      this.messages = new MemoryMessageStore({ ...store, directory });
      this.directory = directory;
      this.fanout = new MemoryFanout();
    } else {
      const keyPrefix = settings.store.keyPrefix;
      this.messages = new RedisMessageStore({ ...store, redis, keyPrefix });
      this.directory = new RedisDirectoryStore({ redis, keyPrefix });
      this.fanout = new RedisFanout({ client: redis, channel: `${keyPrefix}fanout` });
    }
    const { webhook, apns, fcm } = settings.providers;
    if (webhook !== undefined) this.providers.set('webhook', new WebhookProvider(webhook, clock));
    if (apns !== undefined) this.providers.set('apns', new ApnsProvider(apns, clock));
    if (fcm !== undefined) this.providers.set('fcm', new FcmProvider(fcm, clock));
    // Fails at start-up for an unknown strategy name, not at the first back-off.
    this.backoffs.get(settings.fallback.backoff);
  }

  async close(): Promise<void> {
    for (const provider of this.providers.values()) provider.close();
    await this.fanout.close();
    await this.messages.close();
    await this.directory.close();
  }
}
