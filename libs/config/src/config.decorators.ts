import { Inject } from '@nestjs/common';
import { ConfigStore } from './store/config-store.interfaces.js';

/** Where @ConfigValue keeps its list on a class prototype (class metadata, like Nest's). */
export const CONFIG_VALUE_METADATA = Symbol.for('lattice:config:value');

export interface ConfigValueBinding {
  readonly property: string | symbol;
  readonly key: string;
  readonly fallback: unknown;
}

/**
 * Turns a property of a provider or controller into a live view of a configuration key:
 * every read returns the current value (an in-memory lookup), so a change needs no
 * restart. Bound once the module initialises (from `onModuleInit` on; in a constructor use
 * `ConfigService.live()` instead). Needs {@link ConfigModule} in the application.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class Throttle {
 *   @ConfigValue('rateLimit.rps', 100) declare readonly rps: number;
 * }
 * ```
 */
export function ConfigValue(key: string, fallback?: unknown): PropertyDecorator {
  return (target, property) => {
    const own = Object.hasOwn(target, CONFIG_VALUE_METADATA)
      ? ((target as Record<symbol, ConfigValueBinding[]>)[CONFIG_VALUE_METADATA] ?? [])
      : [];
    if (!Object.hasOwn(target, CONFIG_VALUE_METADATA)) {
      Object.defineProperty(target, CONFIG_VALUE_METADATA, { value: own, enumerable: false });
    }
    own.push({ property, key, fallback });
  };
}

/**
 * Injects the {@link ConfigStore} the application's ConfigModule reads (to publish from
 * inside a service, e.g. an admin job).
 *
 * @example
 * ```ts
 * constructor(@InjectConfigStore() private readonly store: ConfigStore) {}
 * ```
 */
export const InjectConfigStore = (): PropertyDecorator & ParameterDecorator => Inject(ConfigStore);
