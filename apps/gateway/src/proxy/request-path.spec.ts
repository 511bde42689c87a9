import { describe, expect, it } from '@jest/globals';
import { checkRequestTarget } from './request-path.js';
import { GatewayBadPathError } from '../gateway.errors.js';

describe('checkRequestTarget', () => {
  it('splits path and query of plain targets', () => {
    expect(checkRequestTarget('/api/v1/devices/d%20x?a=1&b=%2F')).toEqual({
      path: '/api/v1/devices/d%20x',
      query: 'a=1&b=%2F',
    });
    expect(checkRequestTarget('/api/')).toEqual({ path: '/api/', query: '' });
  });

  it.each([
    ['/api/../admin', 'dot segment'],
    ['/api/./x', 'dot segment'],
    ['/api/%2e%2e/admin', 'dot segment'],
    ['/api/%2E%2E/admin', 'dot segment'],
    ['/api/a%2fb', 'encoded slash'],
    ['/api/a%5Cb', 'encoded slash'],
    ['/api/%252e%252e/x', 'double'],
    ['/api/a%zz', 'malformed'],
    ['/api/a\\b', 'backslash'],
    ['/api//x', 'empty segment'],
    ['/api/%00', 'NUL'],
    ['http://evil/api', 'absolute'],
    ['*', 'absolute'],
  ])('refuses %s', (target, why) => {
    expect(() => checkRequestTarget(target)).toThrow(GatewayBadPathError);
    try {
      checkRequestTarget(target);
    } catch (e) {
      expect((e as Error).message.toLowerCase()).toContain(why.toLowerCase().split(' ')[0]);
    }
  });
});
