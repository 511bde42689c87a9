import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ReadinessCheck } from '../health/readiness.decorator.js';

export const REDIS_CONNECTION = 'LATTICE:BOOT:REDIS';

/**
 * Injects the application's shared ioredis connection (`LATTICE_REDIS_URL`), or `null`
 * when the backend is `memory`. Boot closes it last on shutdown.
 */
export const InjectRedis = (): PropertyDecorator & ParameterDecorator => Inject(REDIS_CONNECTION);

export function createRedisConnection(url: string, app: string): Redis {
  return new Redis(url, {
    connectionName: `lattice:${app}`,
    // Commands wait for a reconnect rather than fail at once; callers add their own deadlines.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
}

/** Readiness of, and the shutdown of, the shared Redis connection. */
@Injectable()
export class RedisConnectionLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CONNECTION) private readonly redis: Redis | null) {}

  @ReadinessCheck('redis')
  async ping(): Promise<Record<string, unknown>> {
    if (this.redis === null) return { backend: 'memory' };
    await this.redis.ping();
    return { backend: 'redis' };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis === null) return;
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
