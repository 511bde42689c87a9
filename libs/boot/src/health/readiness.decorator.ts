import { DiscoveryService } from '@nestjs/core';

/**
 * Marks a provider method as a readiness check named by the argument. The method throws
 * (or rejects) when the dependency is unusable; what it returns is shown in the check's
 * details. `/health/ready` answers 503 while any check fails. Checks run with a 2 s timeout.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class StoreHealth {
 *   constructor(@InjectRedis() private readonly redis: Redis) {}
 *   @ReadinessCheck('store')
 *   async ping() {
 *     await this.redis.ping();
 *   }
 * }
 * ```
 */
export const ReadinessCheck = DiscoveryService.createDecorator<string>();
