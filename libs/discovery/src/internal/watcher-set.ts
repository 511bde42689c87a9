import type { ServiceSnapshot } from '../instance/service-instance.js';
import type { RegistryWatcher } from '../registry/service-registry.interfaces.js';
import { snapshotFingerprint } from './instances.js';

/**
 * Watchers per service, with change coalescing: several changes in one tick deliver one
 * snapshot, and a snapshot equal to the last one delivered (ignoring lease times) is not
 * delivered again.
 */
export class WatcherSet {
  private readonly byService = new Map<string, Set<RegistryWatcher>>();
  private readonly lastDelivered = new Map<string, string>();
  private readonly pending = new Map<string, () => ServiceSnapshot>();

  add(service: string, watcher: RegistryWatcher): () => void {
    let set = this.byService.get(service);
    if (set === undefined) {
      set = new Set();
      this.byService.set(service, set);
    }
    set.add(watcher);
    return () => {
      const current = this.byService.get(service);
      current?.delete(watcher);
      if (current?.size === 0) {
        this.byService.delete(service);
        this.lastDelivered.delete(service);
      }
    };
  }

  has(service: string, watcher: RegistryWatcher): boolean {
    return this.byService.get(service)?.has(watcher) ?? false;
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  /** Delivers `read()` to the service's watchers on the next microtask, once per tick. */
  schedule(service: string, read: () => ServiceSnapshot): void {
    if (!this.byService.has(service)) return;
    const already = this.pending.has(service);
    this.pending.set(service, read);
    if (already) return;
    queueMicrotask(() => {
      const reader = this.pending.get(service);
      this.pending.delete(service);
      if (reader !== undefined) this.deliver(reader());
    });
  }

  /** Delivers a snapshot now if it differs from the last one (or `force`). */
  deliver(snapshot: ServiceSnapshot, force = false): void {
    const set = this.byService.get(snapshot.service);
    if (set === undefined) return;
    const fingerprint = snapshotFingerprint(snapshot.instances, snapshot.selfPreservation);
    if (!force && this.lastDelivered.get(snapshot.service) === fingerprint) return;
    this.lastDelivered.set(snapshot.service, fingerprint);
    for (const watcher of [...set]) {
      try {
        watcher.onSnapshot(snapshot);
      } catch {
        // A failing listener must not stop the others from hearing about the change.
      }
    }
  }

  /** Tells every watcher of every service that the registry is unreachable. */
  error(error: Error): void {
    for (const [service, set] of this.byService) {
      this.lastDelivered.delete(service);
      for (const watcher of [...set]) {
        try {
          watcher.onError?.(error);
        } catch {
          // see deliver()
        }
      }
    }
  }

  clear(): void {
    this.byService.clear();
    this.lastDelivered.clear();
    this.pending.clear();
  }
}
