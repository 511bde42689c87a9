import { LatticeError } from '@lattice/core';
import { ConfigBackendUnavailableError, ConfigBadRequestError, ConfigReleaseNotFoundError } from '../config.errors.js';
import {
  diffProperties,
  isValidName,
  parseProperties,
  validateProperties,
  type ReleaseFormat,
} from '../model/properties.js';
import type {
  ConfigCoordinates,
  GrayTargets,
  NamespaceState,
  Properties,
  PropertiesDiff,
  Release,
  ReleaseMeta,
} from '../model/release.interfaces.js';
import type { ConfigStore } from '../store/config-store.interfaces.js';

/** Release content as text (YAML or JSON) or as an already parsed object. */
export type ReleaseContent =
  { readonly text: string; readonly format?: ReleaseFormat } | { readonly properties: unknown };

/** The result of a diff between two releases. */
export interface ReleaseDiff extends PropertiesDiff {
  readonly from: number;
  readonly to: number;
}

/**
 * The administrative operations shared by the CLI and the HTTP API: every input is checked
 * (and content parsed) before the store is touched, so a refused request changes nothing.
 */
export class ConfigAdmin {
  constructor(
    private readonly store: ConfigStore,
    private readonly deadlineMs = 5_000,
  ) {}

  publish(
    at: ConfigCoordinates,
    content: ReleaseContent,
    meta: ReleaseMeta,
    expectedRevision?: number,
  ): Promise<Release> {
    checkRequest(at, meta);
    const properties = toProperties(content);
    return this.call('publishing', () =>
      this.store.publish({
        ...at,
        ...meta,
        properties,
        ...(expectedRevision === undefined ? {} : { expectedRevision }),
      }),
    );
  }

  gray(at: ConfigCoordinates, content: ReleaseContent, targets: GrayTargets, meta: ReleaseMeta): Promise<Release> {
    checkRequest(at, meta);
    const problems: string[] = [];
    const ids = targets.instanceIds ?? [];
    const labels = targets.labels ?? {};
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) {
      problems.push('targets.instanceIds: must be a list of instance ids');
    }
    if (typeof labels !== 'object' || Object.values(labels).some((v) => typeof v !== 'string')) {
      problems.push('targets.labels: must map label names to string values');
    }
    if (problems.length === 0 && ids.length === 0 && Object.keys(labels).length === 0) {
      problems.push('targets: give at least one instance id or label');
    }
    if (problems.length > 0) throw new ConfigBadRequestError(problems);
    const properties = toProperties(content);
    return this.call('publishing a gray release', () =>
      this.store.publishGray({ ...at, ...meta, properties, targets: { instanceIds: ids, labels } }),
    );
  }

  promote(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    checkRequest(at, meta);
    return this.call('promoting the gray release', () => this.store.promoteGray(at, meta));
  }

  abandon(at: ConfigCoordinates, meta: ReleaseMeta): Promise<Release> {
    checkRequest(at, meta);
    return this.call('abandoning the gray release', () => this.store.abandonGray(at, meta));
  }

  rollback(at: ConfigCoordinates, toVersion: number, meta: ReleaseMeta): Promise<Release> {
    checkRequest(at, meta);
    checkVersion('toVersion', toVersion);
    return this.call('rolling back', () => this.store.rollback(at, toVersion, meta));
  }

  state(at: ConfigCoordinates): Promise<NamespaceState> {
    checkRequest(at);
    return this.call('reading the namespace', () => this.store.state(at));
  }

  async release(at: ConfigCoordinates, version: number): Promise<Release> {
    checkRequest(at);
    checkVersion('version', version);
    const release = await this.call('reading a release', () => this.store.release(at, version));
    if (release === null) throw new ConfigReleaseNotFoundError(at, version);
    return release;
  }

  history(at: ConfigCoordinates, limit?: number): Promise<Release[]> {
    checkRequest(at);
    if (limit !== undefined) checkVersion('limit', limit);
    return this.call('reading the history', () => this.store.history(at, limit));
  }

  /** The diff from release `from` to release `to` (default: the current main release). */
  async diff(at: ConfigCoordinates, from: number, to?: number): Promise<ReleaseDiff> {
    checkRequest(at);
    checkVersion('from', from);
    if (to !== undefined) checkVersion('to', to);
    const before = await this.release(at, from);
    let after: Release;
    if (to === undefined) {
      const { main } = await this.state(at);
      if (main === null) throw new ConfigReleaseNotFoundError(at, 0);
      after = main;
    } else {
      after = await this.release(at, to);
    }
    return { from: before.version, to: after.version, ...diffProperties(before.properties, after.properties) };
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.deadlineMs} ms`)), this.deadlineMs);
        }),
      ]);
    } catch (error) {
      if (LatticeError.isLatticeError(error)) throw error;
      throw new ConfigBackendUnavailableError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }
}

function toProperties(content: ReleaseContent): Properties {
  if ('text' in content) {
    if (typeof content.text !== 'string') throw new ConfigBadRequestError(['content: must be YAML or JSON text']);
    return parseProperties(content.text, content.format ?? 'yaml');
  }
  return validateProperties(content.properties, 'JSON');
}

function checkRequest(at: ConfigCoordinates, meta?: ReleaseMeta): void {
  const problems: string[] = [];
  for (const field of ['appId', 'cluster', 'namespace'] as const) {
    const value: unknown = at[field];
    if (typeof value !== 'string' || !isValidName(value)) {
      problems.push(`${field}: must be 1-128 letters, digits, ".", "_" or "-"`);
    }
  }
  if (meta !== undefined) {
    if (typeof meta.author !== 'string' || meta.author.trim() === '')
      problems.push('author: must name who makes the change');
    if (meta.comment !== undefined && typeof meta.comment !== 'string') problems.push('comment: must be text');
  }
  if (problems.length > 0) throw new ConfigBadRequestError(problems);
}

function checkVersion(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigBadRequestError([`${name}: must be a positive integer`]);
}
