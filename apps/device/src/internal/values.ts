import type { Value, Value__Output } from '../generated/lattice/device/v1/Value.js';

/** A shadow or parameter value: what the wire's `Value` oneof carries. */
export type Scalar = number | string | boolean;

/** A map of scalars, as kept in shadows and command records. */
export type ScalarMap = Record<string, Scalar>;

/** Wire values → plain scalars; entries without a value are left out. */
export function fromWireValues(values: Readonly<Record<string, Value__Output>> | null | undefined): ScalarMap {
  const out: ScalarMap = {};
  if (!values) return out;
  for (const key of Object.keys(values)) {
    const v = values[key];
    if (v === undefined) continue;
    if (v.kind === 'number' && typeof v.number === 'number') out[key] = v.number;
    else if (v.kind === 'string' && typeof v.string === 'string') out[key] = v.string;
    else if (v.kind === 'bool' && typeof v.bool === 'boolean') out[key] = v.bool;
  }
  return out;
}

/** Plain scalars → wire values. */
export function toWireValues(values: Readonly<ScalarMap>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const key of Object.keys(values)) {
    const v = values[key];
    if (typeof v === 'number') out[key] = { number: v };
    else if (typeof v === 'string') out[key] = { string: v };
    else if (typeof v === 'boolean') out[key] = { bool: v };
  }
  return out;
}

/** True when the value is a scalar the wire can carry. */
export function isScalar(value: unknown): value is Scalar {
  return (
    (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' || typeof value === 'boolean'
  );
}

/** A JSON object of scalars (HTTP bodies), or a list of problems. */
export function scalarMapFrom(value: unknown, field: string): ScalarMap {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${field} must be an object`);
  const out: ScalarMap = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!isScalar(v)) throw new TypeError(`${field}.${key} must be a number, string or boolean`);
    out[key] = v;
  }
  return out;
}

/** int64 fields arrive as strings (`--longs String`); numbers in JavaScript's safe range. */
export function toMs(value: string | number | null | undefined): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
