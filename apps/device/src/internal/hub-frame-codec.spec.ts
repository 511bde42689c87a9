import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { MethodDefinition } from '@grpc/grpc-js';
import { plainHubLinkContract } from '../grpc/device.contracts.js';
import type { HubFrame__Output } from '../generated/lattice/device/v1/HubFrame.js';
import { decodeFastHubFrame, encodeFastCloudFrame, encodeTelemetryFrame, TelemetryFrame } from './hub-frame-codec.js';
import type { ScalarMap } from './values.js';

const connect = plainHubLinkContract().definition['Connect'] as MethodDefinition<unknown, unknown>;
const encodeHub = (frame: unknown): Buffer => connect.requestSerialize(frame);
const decodeHub = (buffer: Buffer): HubFrame__Output => connect.requestDeserialize(buffer) as HubFrame__Output;
const encodeCloud = (frame: unknown): Buffer => connect.responseSerialize(frame);
const decodeCloud = (buffer: Buffer): unknown => connect.responseDeserialize(buffer);

/** What the hub link makes of the generic decoder's output. */
function generic(buffer: Buffer): unknown {
  const frame = decodeHub(buffer);
  return frame.frame === 'telemetry' ? TelemetryFrame.of(frame) : frame;
}

const value = fc.oneof(
  fc.record({ number: fc.double() }),
  fc.record({ string: fc.string() }),
  fc.record({ bool: fc.boolean() }),
);
const int64 = fc.oneof(fc.constant('0'), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String));
const telemetry = fc.record({ deviceId: fc.string(), tsMs: int64, values: fc.dictionary(fc.string(), value) });
const scalars = fc.dictionary(
  fc.string().filter((k) => k !== '__proto__'),
  fc.oneof(fc.double(), fc.string(), fc.boolean()),
);

describe('hub frame fast codec', () => {
  it('decodes telemetry frames into what the generic decoder gives (fast-check)', () => {
    let fast = 0;
    fc.assert(
      fc.property(telemetry, (t) => {
        const buffer = encodeHub({ telemetry: t });
        const mine = decodeFastHubFrame(buffer);
        if (mine !== undefined) fast++;
        expect(mine ?? generic(buffer)).toEqual(generic(buffer));
      }),
      { numRuns: 500 },
    );
    expect(fast).toBeGreaterThan(250); // most frames do take the fast path
  });

  it('decodes ping frames as the generic decoder does (fast-check)', () => {
    fc.assert(
      fc.property(int64, (tsMs) => {
        const buffer = encodeHub({ ping: { tsMs } });
        expect(decodeFastHubFrame(buffer) ?? generic(buffer)).toEqual(generic(buffer));
      }),
      { numRuns: 300 },
    );
    expect(decodeFastHubFrame(encodeHub({ ping: { tsMs: '1700000000000' } }))).toEqual({
      frame: 'ping',
      ping: { tsMs: '1700000000000' },
    });
  });

  it('leaves every other frame, and bytes it does not understand, to the generic decoder', () => {
    const typical = encodeHub({
      telemetry: { deviceId: 'd-1', tsMs: '1700000000000', values: { t: { number: 20.5 }, on: { bool: true } } },
    });
    expect(decodeFastHubFrame(typical)).toEqual(new TelemetryFrame('d-1', 1_700_000_000_000, { t: 20.5, on: true }));
    expect(
      decodeFastHubFrame(encodeHub({ event: { deviceId: 'd', tsMs: '1', type: 'x', values: {} } })),
    ).toBeUndefined();
    expect(decodeFastHubFrame(encodeHub({ hello: { firmware: '1', devices: [] } }))).toBeUndefined();
    expect(decodeFastHubFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]))).toBeUndefined();
    expect(decodeFastHubFrame(typical.subarray(0, typical.length - 3))).toBeUndefined();
    expect(decodeFastHubFrame(Buffer.alloc(0))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const mine = decodeFastHubFrame(buffer);
        if (mine !== undefined) expect(mine).toEqual(generic(buffer));
      }),
      { numRuns: 1000 },
    );
  });

  it('encodes pongs into bytes the generic decoder reads as the generic encoding (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(int64, fc.integer({ min: 0 })), (tsMs) => {
        const frame = { pong: { tsMs } };
        const mine = encodeFastCloudFrame(frame);
        expect(decodeCloud(mine ?? encodeCloud(frame))).toEqual(decodeCloud(encodeCloud(frame)));
      }),
      { numRuns: 300 },
    );
    expect(encodeFastCloudFrame({ pong: { tsMs: '42' } })).toBeDefined();
    expect(encodeFastCloudFrame({ pong: { tsMs: '-1' } })).toBeUndefined();
    expect(encodeFastCloudFrame({ welcome: { sessionId: 's', heartbeatIntervalMs: '1000' } })).toBeUndefined();
  });

  it('encodes telemetry as the generic encoder does (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        scalars,
        (deviceId, tsMs, values: ScalarMap) => {
          const wire: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(values)) {
            wire[k] = typeof v === 'number' ? { number: v } : typeof v === 'string' ? { string: v } : { bool: v };
          }
          const expected = decodeHub(encodeHub({ telemetry: { deviceId, tsMs: String(tsMs), values: wire } }));
          expect(decodeHub(encodeTelemetryFrame(deviceId, tsMs, values))).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
