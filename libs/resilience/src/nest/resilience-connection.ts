import { Injectable, Optional } from '@nestjs/common';
import { InjectLogger, type Logger } from '@lattice/telemetry';
import { Redis } from 'ioredis';

/** The app's logger when TelemetryModule is present (a factory cannot use InjectLogger() itself). */
@Injectable()
export class ResilienceLogger {
  constructor(@Optional() @InjectLogger() readonly logger?: Logger) {}
}

/** The Redis client of the module: given by the app (not ours to close) or opened from a URL (closed on shutdown). */
export class ResilienceConnection {
  readonly redis: Redis | undefined;
  private readonly owned: boolean;

  constructor(redis: Redis | string | undefined) {
    if (typeof redis === 'string') {
      this.redis = new Redis(redis, { maxRetriesPerRequest: 1 });
      this.owned = true;
    } else {
      this.redis = redis;
      this.owned = false;
    }
  }

  async close(): Promise<void> {
    if (!this.owned || this.redis === undefined) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
