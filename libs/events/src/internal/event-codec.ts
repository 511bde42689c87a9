import { InvalidEventError } from '../events.errors.js';
import type { PlatformEvent, SubscribeOptions } from '../bus/event-bus.interfaces.js';

/** Checks an event and returns its JSON form (what both adapters store). */
export function encodeEvent(event: PlatformEvent): string {
  if (typeof event.type !== 'string' || event.type.trim() === '')
    throw new InvalidEventError(String(event.type), 'the type is empty');
  if (!Number.isFinite(event.tsMs)) throw new InvalidEventError(event.type, 'tsMs is not a number');
  if (typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) {
    throw new InvalidEventError(event.type, 'data is not an object');
  }
  try {
    return JSON.stringify(event);
  } catch (error) {
    throw new InvalidEventError(event.type, `data is not JSON-serialisable (${(error as Error).message})`);
  }
}

export function decodeEvent(json: string): PlatformEvent {
  return JSON.parse(json) as PlatformEvent;
}

/** Whether a subscription's type filter lets `type` through (`device.*` matches `device.telemetry`). */
export function typeMatcher(types: readonly string[] | undefined): (type: string) => boolean {
  if (types === undefined || types.length === 0) return () => true;
  const exact = new Set(types.filter((t) => !t.endsWith('.*')));
  const prefixes = types.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}

const SUBSCRIBE_DEFAULTS = { batchSize: 64, claimIdleMs: 30_000, maxDeliveries: 5 } as const;

/** A subscription's options with defaults applied and its type filter compiled. */
export interface SubscribeSettings {
  readonly accepts: (type: string) => boolean;
  readonly batchSize: number;
  readonly claimIdleMs: number;
  readonly maxDeliveries: number;
}

export function subscribeSettings(options: SubscribeOptions): SubscribeSettings {
  return {
    accepts: typeMatcher(options.types),
    batchSize: options.batchSize ?? SUBSCRIBE_DEFAULTS.batchSize,
    claimIdleMs: options.claimIdleMs ?? SUBSCRIBE_DEFAULTS.claimIdleMs,
    maxDeliveries: options.maxDeliveries ?? SUBSCRIBE_DEFAULTS.maxDeliveries,
  };
}
