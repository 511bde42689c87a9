import { InvalidOptionsError } from '@lattice/core';
import { isValidName } from '../model/properties.js';
import type { ConfigCoordinates, GrayTargets, PublishInput } from '../model/release.interfaces.js';

/** Checks coordinates and meta of a change; listed problems, as for options. */
export function checkCoordinates(at: ConfigCoordinates): void {
  const problems = [];
  for (const field of ['appId', 'cluster', 'namespace'] as const) {
    const value: unknown = at[field];
    if (typeof value !== 'string' || !isValidName(value)) {
      problems.push({
        path: field,
        message: 'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
      });
    }
  }
  if (problems.length > 0) throw new InvalidOptionsError('config coordinates', problems);
}

export function checkChange(input: Pick<PublishInput, 'author'> & Partial<ConfigCoordinates>): void {
  if (typeof input.author !== 'string' || input.author.trim() === '') {
    throw new InvalidOptionsError('config release', [{ path: 'author', message: 'must name who makes the change' }]);
  }
}

export function checkTargets(targets: GrayTargets): void {
  const ids = targets.instanceIds ?? [];
  const labels = Object.entries(targets.labels ?? {});
  if (ids.length === 0 && labels.length === 0) {
    throw new InvalidOptionsError('gray release', [
      { path: 'targets', message: 'give at least one instance id or label, or publish a main release instead' },
    ]);
  }
}

export function coordinatesOf(at: ConfigCoordinates): ConfigCoordinates {
  return { appId: at.appId, cluster: at.cluster, namespace: at.namespace };
}
