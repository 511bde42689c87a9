import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigCoordinates, NamespaceState } from '../model/release.interfaces.js';

/**
 * The local file cache of the last good state of each namespace (Apollo's local cache): one
 * JSON file per app/cluster/namespace, replaced atomically (write + rename).
 */
export class FileCache {
  constructor(private readonly dir: string) {}

  private file(at: ConfigCoordinates): string {
    return join(this.dir, `${at.appId}+${at.cluster}+${at.namespace}.json`);
  }

  async write(at: ConfigCoordinates, state: NamespaceState): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = this.file(at);
    const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, JSON.stringify(state));
    await rename(temporary, target);
  }

  /** The cached state, or undefined when there is none or it cannot be read. */
  async read(at: ConfigCoordinates): Promise<NamespaceState | undefined> {
    try {
      const state = JSON.parse(await readFile(this.file(at), 'utf8')) as NamespaceState;
      if (typeof state.revision !== 'number') return undefined;
      return state;
    } catch {
      return undefined;
    }
  }
}
