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

const EMPTY = Buffer.alloc(0);

/**
 * The bytes of method names and metadata objects that many calls share (a client's frozen
 * base metadata), encoded once per writer instead of once per call.
 */
class SharedBytes {
  private readonly methods = new Map<string, Buffer>();
  private readonly frozen = new WeakMap<object, Buffer>();

  method(name: string): Buffer {
    let bytes = this.methods.get(name);
    if (bytes === undefined) {
      bytes = Buffer.from(name);
      // Method names come from contracts (a bounded set); anything else is not kept.
      if (this.methods.size < 1_024) this.methods.set(name, bytes);
    }
    return bytes;
  }

  metadata(metadata: Record<string, string>): Buffer {
    // Only a frozen object can be known to hold what it held when it was encoded.
    if (!Object.isFrozen(metadata)) return metadataBytes(metadata);
    let bytes = this.frozen.get(metadata);
    if (bytes === undefined) this.frozen.set(metadata, (bytes = metadataBytes(metadata)));
    return bytes;
  }
}

function metadataBytes(metadata: Record<string, string>): Buffer {
  for (const _ in metadata) return Buffer.from(JSON.stringify(metadata));
  return EMPTY;
}

/** An envelope's variable parts, as bytes (payloads are bytes already). */
interface Parts {
  readonly text: Buffer;
  readonly meta: Buffer;
}

const NO_PARTS: Parts = { text: EMPTY, meta: EMPTY };

function partsOf(envelope: Envelope, shared: SharedBytes): Parts {
  switch (envelope.kind) {
    case Kind.Request:
      return { text: shared.method(envelope.method), meta: shared.metadata(envelope.metadata) };
    case Kind.Error:
      return { text: Buffer.from(envelope.details), meta: shared.metadata(envelope.metadata) };
    default:
      return NO_PARTS;
  }
}

/** Encoded size of an envelope (without its length prefix). */
function sizeOf(envelope: Envelope, parts: Parts): number {
  switch (envelope.kind) {
    case Kind.Hello:
    case Kind.Cancel:
      return 5;
    case Kind.Request:
      return 5 + 4 + 2 + parts.text.length + 4 + parts.meta.length + envelope.payload.length;
    case Kind.Response:
      return 5 + envelope.payload.length;
    case Kind.Error:
      return 5 + 2 + 4 + parts.text.length + 4 + parts.meta.length;
  }
}

/** Writes an envelope at `o`; returns the offset after it. */
function writeEnvelope(out: Buffer, o: number, envelope: Envelope, parts: Parts): number {
  o = out.writeUInt8(envelope.kind, o);
  o = out.writeUInt32BE(envelope.callId, o);
  switch (envelope.kind) {
    case Kind.Hello:
    case Kind.Cancel:
      return o;
    case Kind.Request:
      o = out.writeUInt32BE(envelope.remainingMs, o);
      o = out.writeUInt16BE(parts.text.length, o);
      o += parts.text.copy(out, o);
      o = out.writeUInt32BE(parts.meta.length, o);
      o += parts.meta.copy(out, o);
      return o + envelope.payload.copy(out, o);
    case Kind.Response:
      return o + envelope.payload.copy(out, o);
    case Kind.Error:
      o = out.writeUInt16BE(envelope.code, o);
      o = out.writeUInt32BE(parts.text.length, o);
      o += parts.text.copy(out, o);
      o = out.writeUInt32BE(parts.meta.length, o);
      return o + parts.meta.copy(out, o);
  }
}

/** Encodes one envelope (without its length prefix). */
export function encode(envelope: Envelope): Buffer {
  const parts = partsOf(envelope, new SharedBytes());
  const out = Buffer.allocUnsafe(sizeOf(envelope, parts));
  writeEnvelope(out, 0, envelope, parts);
  return out;
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
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') continue;
      // `__proto__` is a valid metadata key; assigned, it would set the prototype and be lost.
      if (k === '__proto__')
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      else out[k] = v;
    }
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

/**
 * Batches writes made in the same turn of the event loop into one stream message, each
 * envelope encoded straight into it (no buffer of its own per call).
 */
export class FrameWriter {
  private queue: Envelope[] = [];
  private scheduled = false;
  private readonly shared = new SharedBytes();

  // Whole turns are batched on purpose: smaller batches measured slower (more stream messages).
  constructor(private readonly write: (frame: Buffer) => void) {}

  send(envelope: Envelope): void {
    this.queue.push(envelope);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
  }

  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    const envelopes = this.queue;
    this.queue = [];
    if (envelopes.length === 0) return;
    const parts: Parts[] = new Array<Parts>(envelopes.length);
    let size = 0;
    for (let i = 0; i < envelopes.length; i++) {
      parts[i] = partsOf(envelopes[i]!, this.shared);
      size += 4 + sizeOf(envelopes[i]!, parts[i]!);
    }
    const out = Buffer.allocUnsafe(size);
    let o = 0;
    for (let i = 0; i < envelopes.length; i++) {
      const start = o + 4;
      o = writeEnvelope(out, start, envelopes[i]!, parts[i]!);
      out.writeUInt32BE(o - start, start - 4);
    }
    this.write(out);
  };
}

/** Identity (de)serializers: fast-path stream messages are already bytes. */
export const passThrough = {
  serialize: (value: Buffer): Buffer => value,
  deserialize: (value: Buffer): Buffer => value,
};
