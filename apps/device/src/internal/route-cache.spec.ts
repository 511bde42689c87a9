import { describe, expect, it } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import { RouteCache } from './route-cache.js';

const route = (hubId: string, instanceId: string, epoch: number) => ({ hubId, instanceId, epoch, connectedAtMs: 0 });

describe('route cache', () => {
  it('remembers routes for the TTL; an older epoch never replaces a newer one', () => {
    const clock = new ManualClock(0);
    const routes = new RouteCache(clock, 1000, 10);
    expect(routes.get('h1')).toBeUndefined();
    routes.set(route('h1', 'a', 2));
    routes.set(route('h1', 'b', 1));
    expect(routes.get('h1')).toEqual(route('h1', 'a', 2));
    routes.set(route('h1', 'b', 3));
    expect(routes.get('h1')?.instanceId).toBe('b');
    clock.advance(1000);
    expect(routes.get('h1')).toBeUndefined();
    expect(routes.size).toBe(0);
  });

  it('forgets a route, or only the named connection of it', () => {
    const routes = new RouteCache(new ManualClock(), 1000, 10);
    routes.set(route('h1', 'a', 2));
    routes.forget('h1', 1);
    expect(routes.get('h1')).toBeDefined();
    routes.forget('h1', 2);
    expect(routes.get('h1')).toBeUndefined();
    routes.set(route('h1', 'a', 3));
    routes.forget('h1');
    expect(routes.get('h1')).toBeUndefined();
  });

  it('holds at most maxEntries and nothing when turned off', () => {
    const routes = new RouteCache(new ManualClock(), 1000, 2);
    for (const id of ['h1', 'h2', 'h3']) routes.set(route(id, 'a', 1));
    expect(routes.size).toBe(2);
    expect(routes.get('h1')).toBeUndefined();
    const off = new RouteCache(new ManualClock(), 0, 2);
    off.set(route('h1', 'a', 1));
    expect(off.get('h1')).toBeUndefined();
  });
});
