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
    // ioredis arms this timer even for a socket that already closed (a failed connect), and
    // then never clears it; a short one keeps shutdown from waiting on a dead socket.
    disconnectTimeout: 250,
    // Commands issued in one event-loop turn go out as one pipeline (same order, one write and one
    // read instead of one each): the scheduler's replicas spent 409 → 274 µs of CPU per firing
    // and Redis 69 → 34 µs (bench: scheduler). Blocking reads use their own duplicate connections.
    enableAutoPipelining: true,
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
    await closeRedis(this.redis);
  }
}

/** QUIT when connected (lets pending replies arrive), otherwise drop the socket; resolves once closed. */
export async function closeRedis(redis: Redis | null, timeoutMs = 2_000): Promise<void> {
  if (redis === null || redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  if (redis.status === 'ready') {
    const timer = setTimeout(() => redis.disconnect(), timeoutMs);
    await redis.quit().catch(() => redis.disconnect());
    clearTimeout(timer);
  } else {
    redis.disconnect();
  }
  // Between reconnect attempts there is no socket: disconnect() only cancels the retry and
  // no 'end' event follows, so wait only while a socket may still be open.
  if (['connecting', 'connect', 'ready', 'close'].includes(redis.status)) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
}
