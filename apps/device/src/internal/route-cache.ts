import type { Clock } from '@lattice/core';
import type { HubRoute } from '../stores/device-stores.interfaces.js';

/**
 * Hub routes (holder instance + connection epoch) remembered for a short time, so a command
 * does not read the route from the hub store every time. A stale entry is safe: the holder
 * it names refuses a hub it no longer holds at that epoch (`DEVICE_HUB_NOT_HELD`), and the
 * sender then forgets the entry and reads the current route. Routes claimed and released on
 * this instance update the cache at once; the least recently set entry goes first when full.
 *
 * @example
 * ```ts
 * const routes = new RouteCache(systemClock, 5000, 100_000);
 * const route = routes.get(hubId) ?? (await hubs.getRoute(hubId));
 * ```
 */
export class RouteCache {
  private readonly entries = new Map<string, { route: HubRoute; expiresAtMs: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** The remembered route of a hub, if still fresh. */
  get(hubId: string): HubRoute | undefined {
    const entry = this.entries.get(hubId);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.clock.now()) return entry.route;
    this.entries.delete(hubId);
    return undefined;
  }

  /** Remembers a route (an older epoch never replaces a newer one). */
  set(route: HubRoute): void {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) return;
    const current = this.entries.get(route.hubId);
    if (current !== undefined && current.route.epoch > route.epoch) return;
    this.entries.delete(route.hubId);
    this.entries.set(route.hubId, { route, expiresAtMs: this.clock.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Forgets a hub's route; with `epoch`, only if the remembered one is that connection. */
  forget(hubId: string, epoch?: number): void {
    if (epoch === undefined || this.entries.get(hubId)?.route.epoch === epoch) this.entries.delete(hubId);
  }
}
