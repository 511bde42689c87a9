import { describe, expect, it } from '@jest/globals';
import { parseAlertRules, resolvePushSettings } from './push-settings.js';

describe('push settings', () => {
  it('fills defaults, including the default alert rules', () => {
    const settings = resolvePushSettings(undefined);
    expect(settings.defaultTtlSeconds).toBe(86_400);
    expect(settings.ws.path).toBe('/push/ws');
    expect(settings.alerts.rules.map((r) => r.title)).toEqual(['Smoke detected', 'Water leak', 'Door opened at night']);
    expect(settings.alerts.rules[0]?.types).toEqual(['device.event']);
  });

  it('lists every problem with its push.* path', () => {
    expect.assertions(2);
    try {
      resolvePushSettings({
        defaultTtlSeconds: -1,
        ws: { path: 'no-slash' },
        providers: { fcm: { endpoint: 'x', projectId: 'p' } },
      });
    } catch (error) {
      const problems = (error as { data: { problems: { path: string }[] } }).data.problems.map((p) => p.path);
      expect((error as { code: string }).code).toBe('CORE_INVALID_OPTIONS');
      expect(problems).toEqual(
        expect.arrayContaining(['push.defaultTtlSeconds', 'push.ws.path', 'push.providers.fcm.endpoint']),
      );
    }
  });

  it('accepts valid live alert rules and rejects invalid ones', () => {
    expect(parseAlertRules([{ match: { motion: true }, title: 'Motion', body: 'x' }])?.[0]?.priority).toBe('high');
    expect(parseAlertRules([{ match: {}, title: '' }])).toBeUndefined();
  });
});
