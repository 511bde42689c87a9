import { describe, expect, it } from '@jest/globals';
import { mergeConfigTrees as deepMerge } from '@lattice/core';
import { environmentLayer, indexInto } from './layers.js';

describe('environmentLayer', () => {
  const env = {
    LATTICE__RATE_LIMIT__RPS: '100',
    LATTICE_DEVICE__RATE_LIMIT__RPS: '200',
    LATTICE_DEVICE__FLAGS: '{"a":true}',
    LATTICE_NS_GATEWAY_ROUTES__DEFAULT_TIMEOUT_MS: '250',
    LATTICE_NS_APPLICATION__NAME: 'dev',
    OTHER: 'x',
  };

  it('binds the application namespace like boot, the app-specific variable winning', () => {
    expect(environmentLayer('device', 'application', env)).toEqual({
      rateLimit: { rps: 200 },
      flags: { a: true },
      name: 'dev',
    });
    expect(environmentLayer('push', 'application', env)).toEqual({ rateLimit: { rps: 100 }, name: 'dev' });
  });

  it('binds other namespaces by their upper-cased name', () => {
    expect(environmentLayer('device', 'gateway.routes', env)).toEqual({ defaultTimeoutMs: 250 });
    expect(environmentLayer('device', 'resilience.rules', env)).toEqual({});
  });
});

describe('deepMerge and indexInto', () => {
  it('merges objects key by key and replaces arrays', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] } }, { a: { c: [3] }, d: 1 })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });

  it('indexes dotted paths, earlier entries winning', () => {
    const index = new Map<string, unknown>();
    indexInto(index, { a: { b: { c: 1 } }, 'x.y': 2 });
    indexInto(index, { a: 'ignored', z: 3 });
    expect(Object.fromEntries(index)).toEqual({ a: { b: { c: 1 } }, 'a.b': { c: 1 }, 'a.b.c': 1, 'x.y': 2, z: 3 });
  });
});
