/**
 * A configuration value that is always current: read `.value` where you use it instead of
 * copying it in a constructor. Made by `ConfigService.live()`.
 *
 * @example
 * ```ts
 * private readonly rps = this.config.live('rateLimit.rps', 100);
 * handle() { if (this.count > this.rps.value) throw new TooManyRequests(); }
 * ```
 */
export class LiveValue<T> {
  constructor(private readonly read: () => T) {}

  /** The current value (an in-memory read). */
  get value(): T {
    return this.read();
  }
}
