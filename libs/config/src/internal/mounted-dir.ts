import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Clock, ClockTimer } from '@lattice/core';
import type { Properties } from '../model/release.interfaces.js';
import { sameValue } from '../model/properties.js';
import { readPropertiesFile } from './layers.js';

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface MountedDirEvents {
  /** A namespace's file changed (or appeared, or disappeared: `undefined`). */
  changed(namespace: string, properties: Properties | undefined): void;
  /** A namespace's file cannot be read or parsed; the previous layer stays. */
  failed(namespace: string, file: string, error: unknown): void;
}

/**
 * A mounted directory (a Kubernetes ConfigMap volume) with one file per namespace,
 * `<namespace>.yaml|.yml|.json`. Watched with fs.watch (ConfigMap updates swap a `..data`
 * symlink, which the directory watch sees) and re-read every `pollMs` as a safety net for
 * file systems where watching is unreliable.
 */
export class MountedDir {
  private readonly current = new Map<string, Properties | undefined>();
  private readonly failedFiles = new Map<string, string>();
  private watcher: FSWatcher | undefined;
  private pollTimer: ClockTimer | undefined;
  private debounce: ClockTimer | undefined;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly namespaces: readonly string[],
    private readonly clock: Clock,
    private readonly pollMs: number,
    private readonly events: MountedDirEvents,
  ) {}

  /** Reads the files once (without events) and returns each namespace's layer. */
  load(): Map<string, Properties | undefined> {
    for (const namespace of this.namespaces) {
      const { properties, error, file } = this.read(namespace);
      if (error !== undefined) {
        this.failedFiles.set(namespace, describe(error));
        this.events.failed(namespace, file!, error);
      }
      this.current.set(namespace, properties);
    }
    return new Map(this.current);
  }

  start(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => this.scheduleRescan());
      this.watcher.on('error', () => undefined);
    } catch {
      // The directory may not exist yet (volume mounted later); polling covers it.
    }
    this.schedulePoll();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    if (this.pollTimer) this.clock.clearTimeout(this.pollTimer);
    if (this.debounce) this.clock.clearTimeout(this.debounce);
  }

  /** Re-reads every file and reports the namespaces whose layer changed. */
  rescan(): void {
    if (this.closed) return;
    for (const namespace of this.namespaces) {
      const { properties, error, file } = this.read(namespace);
      if (error !== undefined) {
        const signature = describe(error);
        // Report a broken file once, not on every poll.
        if (this.failedFiles.get(namespace) !== signature) this.events.failed(namespace, file!, error);
        this.failedFiles.set(namespace, signature);
        continue;
      }
      this.failedFiles.delete(namespace);
      if (!sameValue(properties, this.current.get(namespace))) {
        this.current.set(namespace, properties);
        this.events.changed(namespace, properties);
      }
    }
  }

  private scheduleRescan(): void {
    if (this.closed || this.debounce) return;
    // Several events arrive for one ConfigMap update; read once they settle.
    this.debounce = this.clock.setTimeout(() => {
      this.debounce = undefined;
      this.rescan();
    }, 50);
    this.debounce.unref();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.rescan();
      this.schedulePoll();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  private read(namespace: string): { properties?: Properties; error?: unknown; file?: string } {
    for (const extension of EXTENSIONS) {
      const file = join(this.dir, `${namespace}${extension}`);
      if (!existsSync(file)) continue;
      try {
        return { properties: readPropertiesFile(file), file };
      } catch (error) {
        return { error, file };
      }
    }
    return {};
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(error);
}
