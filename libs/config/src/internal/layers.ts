import { readFileSync } from 'node:fs';
import { appEnvironmentPrefix, configTreeFromEnvironment, isConfigTree, type ConfigTree } from '@lattice/core';
import type { Properties } from '../model/release.interfaces.js';
import { parseProperties } from '../model/properties.js';

export type Tree = ConfigTree;
/** Reads a YAML/JSON file of properties (throws ConfigReleaseInvalidError with the parse problems). */
export function readPropertiesFile(path: string): Properties {
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  return parseProperties(text, path.endsWith('.json') ? 'json' : 'yaml');
}

function upperName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * The environment's layer for one namespace (the highest precedence):
 * - `application`: `LATTICE__A__B_C=v` (every app) and `LATTICE_<APPID>__A__B_C=v` (this app, wins) set `a.bC`,
 *   the same binding as @lattice/boot;
 * - any namespace: `LATTICE_NS_<NAMESPACE>__A__B_C=v` (namespace upper-cased, `.`/`-` as `_`) sets `a.bC`.
 */
export function environmentLayer(
  appId: string,
  namespace: string,
  env: Readonly<Record<string, string | undefined>>,
): Tree {
  const prefixes = [`LATTICE_NS_${upperName(namespace)}__`];
  if (namespace === 'application') prefixes.unshift('LATTICE__', appEnvironmentPrefix(appId));
  return configTreeFromEnvironment(prefixes, env);
}

/**
 * Every property reachable by a dotted key: `{ a: { b: 1 }, 'c.d': 2 }` gives `a`, `a.b` and
 * `c.d`. Earlier entries win, so calling it per namespace in order gives first-namespace-wins.
 */
export function indexInto(index: Map<string, unknown>, values: unknown, prefix = ''): void {
  if (!isConfigTree(values)) return;
  for (const [key, value] of Object.entries(values)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (!index.has(path)) index.set(path, value);
    if (isConfigTree(value)) indexInto(index, value, path);
  }
}
