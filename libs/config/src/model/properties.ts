import { parseDocument } from 'yaml';
import { ConfigReleaseInvalidError } from '../config.errors.js';
import type { Properties, PropertiesDiff, PropertyChange, PropertyValue } from './release.interfaces.js';

/**
 * The text formats a release can be written in.
 *
 * @example
 * ```ts
 * parseProperties('{"rps": 1}', 'json' satisfies ReleaseFormat);
 * ```
 */
export type ReleaseFormat = 'yaml' | 'json';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** True when `name` is a valid app id, cluster or namespace name. */
export function isValidName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Parses release content (YAML, or JSON which is also YAML) into properties. The top level
 * must be a mapping; values must be JSON values. Throws {@link ConfigReleaseInvalidError}
 * listing every problem.
 *
 * @example
 * ```ts
 * const properties = parseProperties('rateLimit:\n  rps: 100\nfeature.newUi: true\n');
 * ```
 */
export function parseProperties(text: string, format: ReleaseFormat = 'yaml'): Properties {
  let value: unknown;
  if (format === 'json') {
    try {
      value = JSON.parse(text) as unknown;
    } catch (error) {
      throw new ConfigReleaseInvalidError('JSON', [(error as Error).message], error);
    }
  } else {
    const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (document.errors.length > 0) {
      throw new ConfigReleaseInvalidError(
        'YAML',
        document.errors.map((e) => e.message.split('\n')[0] ?? e.message),
      );
    }
    value = document.toJS({ maxAliasCount: 100 }) as unknown;
  }
  return validateProperties(value, format === 'json' ? 'JSON' : 'YAML');
}

/**
 * Checks that `value` is a mapping of property names to JSON values (no functions, dates,
 * `undefined`, non-finite numbers) and returns a deep copy.
 *
 * @example
 * ```ts
 * const properties = validateProperties(JSON.parse(body));
 * ```
 */
export function validateProperties(value: unknown, what = 'properties'): Properties {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigReleaseInvalidError(what, ['(root): the top level must be a mapping of property names to values']);
  }
  const problems: string[] = [];
  const copy = copyJson(value, '', problems);
  if (problems.length > 0) throw new ConfigReleaseInvalidError(what, problems);
  return copy as Properties;
}

function copyJson(value: unknown, path: string, problems: string[]): PropertyValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push(`${path || '(root)'}: numbers must be finite`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copyJson(item, `${path}[${i}]`, problems));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, PropertyValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '') problems.push(`${path || '(root)'}: property names must not be empty`);
      out[key] = copyJson(item, path ? `${path}.${key}` : key, problems);
    }
    return out;
  }
  problems.push(
    `${path || '(root)'}: ${typeof value === 'object' ? 'this kind of object' : typeof value} is not a JSON value`,
  );
  return null;
}

/** Deep equality of JSON values. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameValue(item, other[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * What changed from `before` to `after`, by top-level property, sorted by key.
 *
 * @example
 * ```ts
 * diffProperties({ a: 1, b: 2 }, { b: 3, c: 4 });
 * // { added: [{ key: 'c', after: 4 }], removed: [{ key: 'a', before: 1 }], changed: [{ key: 'b', before: 2, after: 3 }] }
 * ```
 */
export function diffProperties(before: Properties, after: Properties): PropertiesDiff {
  const added: PropertyChange[] = [];
  const removed: PropertyChange[] = [];
  const changed: PropertyChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const inBefore = Object.hasOwn(before, key);
    const inAfter = Object.hasOwn(after, key);
    if (!inBefore) added.push({ key, after: after[key] });
    else if (!inAfter) removed.push({ key, before: before[key] });
    else if (!sameValue(before[key], after[key])) changed.push({ key, before: before[key], after: after[key] });
  }
  return { added, removed, changed };
}

/** Deep-freezes a JSON value so releases handed out cannot be mutated. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
