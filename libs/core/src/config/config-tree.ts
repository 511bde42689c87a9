/** A configuration tree: nested objects of values, as read from YAML, JSON or the environment. */
export type ConfigTree = Record<string, unknown>;

/** True for a plain object (the nodes of a {@link ConfigTree}); arrays are values. */
export function isConfigTree(value: unknown): value is ConfigTree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges `override` over `base`: objects merge key by key, anything else (arrays included)
 * is replaced. Neither input is changed.
 *
 * @example
 * ```ts
 * mergeConfigTrees({ server: { host: '0.0.0.0', port: 80 } }, { server: { port: 3002 } });
 * // { server: { host: '0.0.0.0', port: 3002 } }
 * ```
 */
export function mergeConfigTrees(base: ConfigTree, override: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isConfigTree(current) && isConfigTree(value) ? mergeConfigTrees(current, value) : value;
  }
  return out;
}

/**
 * A value from the environment, typed: integers and decimals become numbers (not ones with
 * a leading zero, like `007`), `true`/`false` booleans, `{…}`/`[…]` parsed JSON; the rest text.
 */
export function parseEnvironmentValue(value: string): unknown {
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

/** `ZONE_CODE` → `zoneCode`: one segment of an environment variable name as a config key. */
function keyOf(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The tree holding `value` at `path`. */
export function configTreeAt(path: readonly string[], value: unknown): ConfigTree {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as ConfigTree;
}

/**
 * The configuration set by environment variables with the given prefixes, later prefixes
 * winning: with prefix `LATTICE__`, `LATTICE__SHUTDOWN__GRACE_PERIOD_MS=5000` sets
 * `shutdown.gracePeriodMs` to the number 5000 (`__` separates keys; `_` inside a key
 * becomes camelCase). This is the one environment binding every Lattice lib uses.
 *
 * @example
 * ```ts
 * configTreeFromEnvironment(['LATTICE__', 'LATTICE_DEVICE__'], process.env);
 * ```
 */
export function configTreeFromEnvironment(
  prefixes: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ConfigTree {
  let tree: ConfigTree = {};
  for (const prefix of prefixes) {
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || !name.startsWith(prefix)) continue;
      const path = name.slice(prefix.length).split('__').filter(Boolean).map(keyOf);
      if (path.length > 0) tree = mergeConfigTrees(tree, configTreeAt(path, parseEnvironmentValue(value)));
    }
  }
  return tree;
}

/** The prefix of one app's variables: `LATTICE_<APP>__`, the app name upper-cased, other characters as `_`. */
export function appEnvironmentPrefix(app: string): string {
  return `LATTICE_${app.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__`;
}
