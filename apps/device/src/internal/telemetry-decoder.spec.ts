import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { MethodDefinition } from '@grpc/grpc-js';
import { plainHubLinkContract } from '../grpc/device.contracts.js';
import { decodeTelemetryFrame } from './telemetry-decoder.js';

const connect = plainHubLinkContract().definition['Connect'] as MethodDefinition<unknown, unknown>;
const encode = (frame: unknown): Buffer => connect.requestSerialize(frame);
const generic = (buffer: Buffer): unknown => connect.requestDeserialize(buffer);

const value = fc.oneof(
  fc.record({ number: fc.double() }),
  fc.record({ string: fc.string() }),
  fc.record({ bool: fc.boolean() }),
);
const telemetry = fc.record({
  deviceId: fc.string(),
  tsMs: fc.oneof(fc.constant('0'), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String)),
  values: fc.dictionary(fc.string(), value),
});

describe('telemetry fast decoder', () => {
  it('decodes telemetry frames exactly as the generic decoder does (fast-check)', () => {
    let fast = 0;
    fc.assert(
      fc.property(telemetry, (t) => {
        const buffer = encode({ telemetry: t });
        const mine = decodeTelemetryFrame(buffer);
        if (mine !== undefined) fast++;
        expect(mine ?? generic(buffer)).toEqual(generic(buffer));
      }),
      { numRuns: 500 },
    );
    expect(fast).toBeGreaterThan(250); // most frames do take the fast path
  });

  it('leaves every other frame, and bytes it does not understand, to the generic decoder', () => {
    const typical = encode({
      telemetry: { deviceId: 'd-1', tsMs: '1700000000000', values: { t: { number: 20.5 }, on: { bool: true } } },
    });
    expect(decodeTelemetryFrame(typical)).toEqual({
      frame: 'telemetry',
      telemetry: {
        deviceId: 'd-1',
        tsMs: '1700000000000',
        values: { t: { number: 20.5, kind: 'number' }, on: { bool: true, kind: 'bool' } },
      },
    });
    expect(decodeTelemetryFrame(encode({ ping: { tsMs: '5' } }))).toBeUndefined();
    expect(
      decodeTelemetryFrame(encode({ event: { deviceId: 'd', tsMs: '1', type: 'x', values: {} } })),
    ).toBeUndefined();
    expect(decodeTelemetryFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toBeUndefined();
    expect(decodeTelemetryFrame(typical.subarray(0, typical.length - 3))).toBeUndefined();
    expect(decodeTelemetryFrame(Buffer.alloc(0))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const mine = decodeTelemetryFrame(buffer);
        if (mine !== undefined) expect(mine).toEqual(generic(buffer));
      }),
      { numRuns: 1000 },
    );
  });
});
