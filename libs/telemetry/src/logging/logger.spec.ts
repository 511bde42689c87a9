import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { createLogger, LatticeLogger, startTracing, withSpan, type TracingHandle } from '@lattice/telemetry';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  let tracing: TracingHandle;
  beforeAll(async () => {
    tracing = await startTracing({ serviceName: 'logger-spec' });
  });
  afterAll(() => tracing.release());

  it('writes the active span trace id and span id on lines logged inside it, and none outside', async () => {
    const out = capture();
    const log = createLogger({ app: 'device', destination: out.stream });
    let spanTraceId = '';
    let spanId = '';
    await withSpan('hub.connect', async (span) => {
      spanTraceId = span.spanContext().traceId;
      spanId = span.spanContext().spanId;
      await Promise.resolve(); // across an await, the span is still active
      log.info({ hubId: 'h-1' }, 'hub connected');
    });
    log.info('outside');
    const [inside, outside] = out.lines();
    expect(spanTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(spanTraceId).not.toBe('00000000000000000000000000000000');
    expect(inside).toMatchObject({
      app: 'device',
      trace_id: spanTraceId,
      span_id: spanId,
      hubId: 'h-1',
      msg: 'hub connected',
    });
    expect(outside).not.toHaveProperty('trace_id');
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('adapts Nest log calls: context, error stacks, and framework chatter at debug', () => {
    const out = capture();
    const nest = new LatticeLogger(createLogger({ app: 'gateway', destination: out.stream, level: 'info' }));
    nest.log('Mapped {/x, GET} route', 'RouterExplorer');
    nest.log('routes reloaded', 'RouteTable');
    nest.error('boom', 'Error: boom\n    at handler (x.ts:1:1)', 'ExceptionsHandler');
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ severity: 'info', context: 'RouteTable', msg: 'routes reloaded' });
    expect(lines[1]).toMatchObject({ severity: 'error', context: 'ExceptionsHandler', msg: 'boom' });
    expect(String(lines[1]!['stack'])).toContain('at handler');
  });
});
