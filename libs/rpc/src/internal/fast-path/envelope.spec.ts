import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decode, encode, FrameWriter, Kind, unpack, type Envelope } from './envelope.js';

const text = fc.string({ maxLength: 40 });
const metadata = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), text, { maxKeys: 4 });
const payload = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes));
const callId = fc.integer({ min: 0, max: 0xfffffffe });

const envelope: fc.Arbitrary<Envelope> = fc.oneof(
  callId.map((id) => ({ kind: Kind.Hello as const, callId: id })),
  callId.map((id) => ({ kind: Kind.Cancel as const, callId: id })),
  fc.record({
    kind: fc.constant(Kind.Request as const),
    callId,
    remainingMs: fc.integer({ min: 0, max: 0xffffffff }),
    method: fc.string({ minLength: 1, maxLength: 60 }),
    metadata,
    payload,
  }),
  fc.record({ kind: fc.constant(Kind.Response as const), callId, payload }),
  fc.record({
    kind: fc.constant(Kind.Error as const),
    callId,
    code: fc.integer({ min: 0, max: 16 }),
    details: text,
    metadata,
  }),
);

/** The writer's turn: resolves with the stream messages it wrote. */
async function written(send: (writer: FrameWriter) => void): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  const writer = new FrameWriter((frame) => frames.push(frame));
  send(writer);
  await new Promise((resolve) => setImmediate(resolve));
  return frames;
}

describe('fast-path envelopes', () => {
  it('decode(encode(e)) is e for every kind', () => {
    fc.assert(fc.property(envelope, (e) => expect(decode(encode(e))).toEqual(e)));
  });

  it('keeps a metadata key named __proto__ as a key', () => {
    const e: Envelope = {
      kind: Kind.Error,
      callId: 1,
      code: 2,
      details: '',
      metadata: JSON.parse('{"__proto__":"x"}'),
    };
    const decoded = decode(encode(e));
    expect(decoded.kind === Kind.Error && Object.entries(decoded.metadata)).toEqual([['__proto__', 'x']]);
  });

  it('writes the envelopes of one turn as one message, in order, each as encode() makes it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(envelope, { minLength: 1, maxLength: 20 }), async (envelopes) => {
        const frames = await written((writer) => envelopes.forEach((e) => writer.send(e)));
        expect(frames).toHaveLength(1);
        expect(unpack(frames[0]!)).toEqual(envelopes);
      }),
      { numRuns: 50 },
    );
  });

  it('sends shared frozen metadata and per-call metadata alike', async () => {
    const base = Object.freeze({ 'lattice-caller': 'scheduler' });
    const own: Record<string, string> = { 'lattice-caller': 'push' };
    const request = (id: number, meta: Record<string, string>): Envelope => ({
      kind: Kind.Request,
      callId: id,
      remainingMs: 100,
      method: '/lattice.device.v1.DeviceService/GetDevice',
      metadata: meta,
      payload: Buffer.from([id]),
    });
    const frames = await written((writer) => {
      writer.send(request(1, base));
      writer.send(request(2, base));
      writer.send(request(3, own));
    });
    const metas = unpack(frames[0]!).map((e) => (e.kind === Kind.Request ? e.metadata : undefined));
    expect(metas).toEqual([base, base, own]);
  });
});
