import { describe, expect, it } from '@jest/globals';
import { InvalidOptionsError } from '@lattice/core';
import { DEVELOPMENT_PEPPER, DEVICE_SETTINGS_DEFAULTS, resolveDeviceSettings } from './device-settings.js';

describe('device settings', () => {
  it('merges over the defaults', () => {
    const settings = resolveDeviceSettings({ heartbeatIntervalMs: 1000 });
    expect(settings).toEqual({ ...DEVICE_SETTINGS_DEFAULTS, heartbeatIntervalMs: 1000 });
  });

  it('lists every problem', () => {
    let error: unknown;
    try {
      resolveDeviceSettings({ hubLinkPort: -1, maxFrameBytes: 10, secretHashCost: 1000, hubSecretPepper: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    const paths = (error as InvalidOptionsError).data.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['hubLinkPort', 'maxFrameBytes', 'secretHashCost', 'hubSecretPepper']),
    );
    expect(resolveDeviceSettings({}).hubSecretPepper).toBe(DEVELOPMENT_PEPPER);
  });
});
