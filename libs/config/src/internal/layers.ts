import { readFileSync } from 'node:fs';
import type { Properties } from '../model/release.interfaces.js';
import { parseProperties } from '../model/properties.js';

export type Tree = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else (arrays included) is replaced. */
export function deepMerge(base: Tree, override: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Reads a YAML/JSON file of properties (throws ConfigReleaseInvalidError with the parse problems). */
export function readPropertiesFile(path: string): Properties {
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  return parseProperties(text, path.endsWith('.json') ? 'json' : 'yaml');
}

function camelCase(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Numbers and booleans become typed; JSON objects and arrays are parsed; the rest stays text. */
export function parseScalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value) && !/^-?0\d/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\s*[[{]/.test(value)) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value;
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
  if (namespace === 'application') prefixes.unshift('LATTICE__', `LATTICE_${upperName(appId)}__`);
  let tree: Tree = {};
  for (const prefix of prefixes) {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || !name.startsWith(prefix)) continue;
      const path = name.slice(prefix.length).split('__').filter(Boolean).map(camelCase);
      if (path.length === 0) continue;
      const nested = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), parseScalar(value)) as Tree;
      tree = deepMerge(tree, nested);
    }
  }
  return tree;
}

/**
 * Every property reachable by a dotted key: `{ a: { b: 1 }, 'c.d': 2 }` gives `a`, `a.b` and
 * `c.d`. Earlier entries win, so calling it per namespace in order gives first-namespace-wins.
 */
export function indexInto(index: Map<string, unknown>, values: unknown, prefix = ''): void {
  if (!isPlainObject(values)) return;
  for (const [key, value] of Object.entries(values)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (!index.has(path)) index.set(path, value);
    if (isPlainObject(value)) indexInto(index, value, path);
  }
}
