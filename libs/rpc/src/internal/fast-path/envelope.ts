/**
 * Fast-path framing: one gRPC stream message carries a batch of envelopes, each
 * `u32 length` + envelope. An envelope starts with `u8 kind` and `u32 callId`.
 */
export const FAST_PATH_METHOD = '/lattice.rpc.v1.FastPath/Open';

export const enum Kind {
  Hello = 0,
  Request = 1,
  Response = 2,
  Error = 3,
  Cancel = 4,
}

/** No deadline on the wire. */
export const NO_DEADLINE = 0xffffffff;

export type Envelope =
  | { kind: Kind.Hello; callId: number }
  | { kind: Kind.Cancel; callId: number }
  | {
      kind: Kind.Request;
      callId: number;
      remainingMs: number;
      method: string;
      metadata: Record<string, string>;
      payload: Buffer;
    }
  | { kind: Kind.Response; callId: number; payload: Buffer }
  | { kind: Kind.Error; callId: number; code: number; details: string; metadata: Record<string, string> };

function metaBytes(metadata: Record<string, string>): Buffer {
  const keys = Object.keys(metadata);
  return keys.length === 0 ? EMPTY : Buffer.from(JSON.stringify(metadata));
}

const EMPTY = Buffer.alloc(0);

/** Encodes one envelope (without its length prefix). */
export function encode(envelope: Envelope): Buffer {
  switch (envelope.kind) {
    case Kind.Hello:
    case Kind.Cancel: {
      const out = Buffer.allocUnsafe(5);
      out.writeUInt8(envelope.kind, 0);
      out.writeUInt32BE(envelope.callId, 1);
      return out;
    }
    case Kind.Request: {
      const method = Buffer.from(envelope.method);
      const meta = metaBytes(envelope.metadata);
      const out = Buffer.allocUnsafe(5 + 4 + 2 + method.length + 4 + meta.length + envelope.payload.length);
      let o = out.writeUInt8(envelope.kind, 0);
      o = out.writeUInt32BE(envelope.callId, o);
      o = out.writeUInt32BE(envelope.remainingMs, o);
      o = out.writeUInt16BE(method.length, o);
      o += method.copy(out, o);
      o = out.writeUInt32BE(meta.length, o);
      o += meta.copy(out, o);
      envelope.payload.copy(out, o);
      return out;
    }
    case Kind.Response: {
      const out = Buffer.allocUnsafe(5 + envelope.payload.length);
      out.writeUInt8(envelope.kind, 0);
      out.writeUInt32BE(envelope.callId, 1);
      envelope.payload.copy(out, 5);
      return out;
    }
    case Kind.Error: {
      const details = Buffer.from(envelope.details);
      const meta = metaBytes(envelope.metadata);
      const out = Buffer.allocUnsafe(5 + 2 + 4 + details.length + 4 + meta.length);
      let o = out.writeUInt8(envelope.kind, 0);
      o = out.writeUInt32BE(envelope.callId, o);
      o = out.writeUInt16BE(envelope.code, o);
      o = out.writeUInt32BE(details.length, o);
      o += details.copy(out, o);
      o = out.writeUInt32BE(meta.length, o);
      meta.copy(out, o);
      return out;
    }
  }
}

/** Decodes one envelope; throws on malformed input. */
export function decode(buf: Buffer): Envelope {
  const kind = buf.readUInt8(0) as Kind;
  const callId = buf.readUInt32BE(1);
  switch (kind) {
    case Kind.Hello:
    case Kind.Cancel:
      return { kind, callId };
    case Kind.Request: {
      let o = 5;
      const remainingMs = buf.readUInt32BE(o);
      o += 4;
      const methodLength = buf.readUInt16BE(o);
      o += 2;
      const method = buf.toString('utf8', o, o + methodLength);
      o += methodLength;
      const metaLength = buf.readUInt32BE(o);
      o += 4;
      const metadata = parseMeta(buf, o, metaLength);
      o += metaLength;
      return { kind, callId, remainingMs, method, metadata, payload: buf.subarray(o) };
    }
    case Kind.Response:
      return { kind, callId, payload: buf.subarray(5) };
    case Kind.Error: {
      let o = 5;
      const code = buf.readUInt16BE(o);
      o += 2;
      const detailsLength = buf.readUInt32BE(o);
      o += 4;
      const details = buf.toString('utf8', o, o + detailsLength);
      o += detailsLength;
      const metaLength = buf.readUInt32BE(o);
      o += 4;
      return { kind, callId, code, details, metadata: parseMeta(buf, o, metaLength) };
    }
    default:
      throw new Error(`unknown fast-path envelope kind ${String(kind)}`);
  }
}

function parseMeta(buf: Buffer, offset: number, length: number): Record<string, string> {
  if (length === 0) return {};
  const parsed: unknown = JSON.parse(buf.toString('utf8', offset, offset + length));
  const out: Record<string, string> = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Packs encoded envelopes into one stream message. */
export function pack(parts: readonly Buffer[]): Buffer {
  let size = 0;
  for (const p of parts) size += 4 + p.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const p of parts) {
    o = out.writeUInt32BE(p.length, o);
    o += p.copy(out, o);
  }
  return out;
}

/** Splits one stream message into envelopes. */
export function unpack(frame: Buffer): Envelope[] {
  const out: Envelope[] = [];
  let o = 0;
  while (o + 4 <= frame.length) {
    const length = frame.readUInt32BE(o);
    o += 4;
    out.push(decode(frame.subarray(o, o + length)));
    o += length;
  }
  return out;
}

/** Batches writes made in the same turn of the event loop into one stream message. */
export class FrameWriter {
  private queue: Buffer[] = [];
  private scheduled = false;

  // Whole turns are batched on purpose: smaller batches measured slower (more stream messages).
  constructor(private readonly write: (frame: Buffer) => void) {}

  send(envelope: Envelope): void {
    this.queue.push(encode(envelope));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private readonly flush = (): void => {
    const parts = this.queue;
    this.queue = [];
    if (parts.length > 0) this.write(pack(parts));
  };
}

/** Identity (de)serializers: fast-path stream messages are already bytes. */
export const passThrough = {
  serialize: (value: Buffer): Buffer => value,
  deserialize: (value: Buffer): Buffer => value,
};
