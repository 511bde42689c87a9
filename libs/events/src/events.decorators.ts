import { Inject } from '@nestjs/common';
import { EventBus } from './bus/event-bus.interfaces.js';

/**
 * Injects the application's {@link EventBus} (boot provides it: Redis Streams on the redis
 * backend, in-process on the memory backend).
 *
 * @example
 * ```ts
 * constructor(@InjectEventBus() private readonly events: EventBus) {}
 * ```
 */
export const InjectEventBus = (): PropertyDecorator & ParameterDecorator => Inject(EventBus);
