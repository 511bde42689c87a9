import { describe, expect, it } from '@jest/globals';
import { InvalidOptionsError } from '@lattice/core';
import { DEV_IDENTITY_SECRET, GATEWAY_SETTINGS_DEFAULTS, readGatewaySettings } from './gateway.settings.js';

const reader =
  (tree: Record<string, unknown>) =>
  (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], tree);

describe('readGatewaySettings', () => {
  it('accepts the defaults on memory, with the dev identity secret', () => {
    const settings = readGatewaySettings(reader(GATEWAY_SETTINGS_DEFAULTS), 'memory');
    expect(settings.identitySecret).toBe(DEV_IDENTITY_SECRET);
    expect(settings.jwt.algorithm).toBe('ES256');
  });

  it('lists every problem at once, including what redis requires', () => {
    const tree = structuredClone(GATEWAY_SETTINGS_DEFAULTS) as Record<string, Record<string, unknown>>;
    tree['gateway']!['saas'] = { partners: { 'x!': { secret: 'short' } } };
    tree['auth']!['jwt'] = { ...(tree['auth']!['jwt'] as object), clockToleranceSeconds: 9999 };
    let error: unknown;
    try {
      readGatewaySettings(reader(tree), 'redis');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).data.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'gateway.identitySecret',
        expect.stringMatching(/^gateway\.saas\.partners/),
        'auth.jwt.clockToleranceSeconds',
      ]),
    );
  });

  it('requires a key on redis and a secret for HS256', () => {
    const tree = structuredClone(GATEWAY_SETTINGS_DEFAULTS) as Record<string, Record<string, unknown>>;
    tree['gateway']!['identitySecret'] = 'a-long-enough-identity-secret';
    expect(() => readGatewaySettings(reader(tree), 'redis')).toThrow(/auth\.jwt\.publicKeyFile/);
    tree['auth']!['jwt'] = { ...(tree['auth']!['jwt'] as object), algorithm: 'HS256' };
    expect(() => readGatewaySettings(reader(tree), 'redis')).toThrow(/auth\.jwt\.secret/);
  });
});
