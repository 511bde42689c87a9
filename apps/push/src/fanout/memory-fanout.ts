import type { FanoutNotice, PushFanout } from './fanout.interfaces.js';

/**
 * In-process fan-out (`LATTICE_BACKEND=memory`): every handler of this instance gets every notice.
 *
 * @example
 * ```ts
 * const fanout = new MemoryFanout();
 * ```
 */
export class MemoryFanout implements PushFanout {
  private readonly handlers = new Set<(notice: FanoutNotice) => void>();

  publish(notice: FanoutNotice): Promise<void> {
    for (const handler of this.handlers) handler(notice);
    return Promise.resolve();
  }

  subscribe(handler: (notice: FanoutNotice) => void): Promise<() => void> {
    this.handlers.add(handler);
    return Promise.resolve(() => this.handlers.delete(handler));
  }

  close(): Promise<void> {
    this.handlers.clear();
    return Promise.resolve();
  }
}
