import { describe, expect, it } from '@jest/globals';
import { MetricConflictError, MetricsRegistry } from '@lattice/telemetry';

describe('MetricsRegistry', () => {
  it('returns the same metric for the same name and labels, so libs can ask wherever they need it', async () => {
    const metrics = new MetricsRegistry({ processMetrics: false });
    const a = metrics.counter({ name: 'calls_total', help: 'Calls', labelNames: ['outcome'] });
    const b = metrics.counter({ name: 'calls_total', help: 'Calls', labelNames: ['outcome'] });
    expect(a).toBe(b);
    a.inc({ outcome: 'ok' });
    b.inc({ outcome: 'ok' });
    expect(await metrics.render()).toContain('calls_total{outcome="ok"} 2');
  });

  it('refuses a second metric with the same name but another type or label set', () => {
    const metrics = new MetricsRegistry({ processMetrics: false });
    metrics.counter({ name: 'x_total', help: 'X', labelNames: ['a'] });
    expect(() => metrics.gauge({ name: 'x_total', help: 'X', labelNames: ['a'] })).toThrow(MetricConflictError);
    expect(() => metrics.counter({ name: 'x_total', help: 'X', labelNames: ['b'] })).toThrow(MetricConflictError);
  });

  it('keeps registries apart: two apps in one process do not see each other', async () => {
    const one = new MetricsRegistry({ processMetrics: false });
    const two = new MetricsRegistry({ processMetrics: false });
    one.gauge({ name: 'only_in_one', help: 'x' }).set(1);
    expect(await two.render()).not.toContain('only_in_one');
  });

  it('collects process metrics by default', async () => {
    const metrics = new MetricsRegistry();
    const text = await metrics.render();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
