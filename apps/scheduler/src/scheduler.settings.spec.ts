import { describe, expect, it } from '@jest/globals';
import { resolveSchedulerSettings, SCHEDULER_SETTINGS_DEFAULTS } from './scheduler.settings.js';

describe('resolveSchedulerSettings', () => {
  it('claims ahead by 50 ms and keeps 32 connections per webhook origin by default', () => {
    expect(resolveSchedulerSettings({})).toMatchObject({ claimAheadMs: 50, webhookConnectionsPerOrigin: 32 });
    expect(SCHEDULER_SETTINGS_DEFAULTS.claimAheadMs).toBe(50);
  });

  it('refuses a look-ahead that is not well inside the lease', () => {
    expect(() => resolveSchedulerSettings({ claimAheadMs: 500 }, { leaseMs: 1000 })).toThrow(
      'claimAheadMs: must be below half of leaseMs',
    );
    expect(resolveSchedulerSettings({ claimAheadMs: 499 }, { leaseMs: 1000 }).claimAheadMs).toBe(499);
  });
});
