import type { HubFrame__Output } from '../generated/lattice/device/v1/HubFrame.js';
import type { Value__Output } from '../generated/lattice/device/v1/Value.js';

// Wire types of the protobuf encoding.
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
// Varints longer than this are not safe integers; such frames take the generic path.
const MAX_SAFE_VARINT_BYTES = 7;

/** Thrown inside the decoder to give up on the fast path; never leaves it. */
const NOT_FAST = new Error('not a plain telemetry frame');

/**
 * Decodes a `HubFrame` that carries only `telemetry` (most of a hub link's traffic) straight
 * into the shape the generic decoder gives (`--longs String --defaults --oneofs`), without
 * the intermediate message objects. Anything else — other frame types, unknown fields,
 * unusual encodings, malformed bytes — returns undefined and takes the generic decoder, so
 * the two always agree (a property test checks it).
 *
 * @example
 * ```ts
 * const frame = decodeTelemetryFrame(buffer) ?? genericDecode(buffer);
 * ```
 */
export function decodeTelemetryFrame(buffer: Buffer): HubFrame__Output | undefined {
  try {
    const reader = new Reader(buffer, 0, buffer.length);
    if (reader.pos >= reader.end || reader.varint() !== ((2 << 3) | BYTES)) return undefined;
    const length = reader.varint();
    if (reader.pos + length !== reader.end) return undefined;
    const telemetry = readTelemetry(new Reader(buffer, reader.pos, reader.end));
    return { telemetry, frame: 'telemetry' };
  } catch {
    // NOT_FAST, or bytes this decoder does not understand: the generic decoder decides.
    return undefined;
  }
}

function readTelemetry(reader: Reader): NonNullable<HubFrame__Output['telemetry']> {
  let deviceId = '';
  let tsMs = '0';
  const values: Record<string, Value__Output> = {};
  while (reader.pos < reader.end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | BYTES)) deviceId = reader.string();
    else if (tag === ((2 << 3) | VARINT)) tsMs = String(reader.varint());
    else if (tag === ((3 << 3) | BYTES)) readEntry(reader.sub(), values);
    else throw NOT_FAST;
  }
  return { deviceId, tsMs, values };
}

function readEntry(reader: Reader, into: Record<string, Value__Output>): void {
  let key = '';
  let value: Value__Output | undefined;
  while (reader.pos < reader.end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | BYTES)) key = reader.string();
    else if (tag === ((2 << 3) | BYTES)) value = readValue(reader.sub());
    else throw NOT_FAST;
  }
  // A map entry without a value, or a key the object model treats specially, is rare: generic path.
  if (value === undefined || key === '__proto__') throw NOT_FAST;
  into[key] = value;
}

function readValue(reader: Reader): Value__Output {
  let value: Value__Output | undefined;
  while (reader.pos < reader.end) {
    // More than one member of the oneof set: leave the tie-breaking to the generic decoder.
    if (value !== undefined) throw NOT_FAST;
    const tag = reader.varint();
    if (tag === ((1 << 3) | FIXED64)) value = { number: reader.double(), kind: 'number' };
    else if (tag === ((2 << 3) | BYTES)) value = { string: reader.string(), kind: 'string' };
    else if (tag === ((3 << 3) | VARINT)) value = { bool: reader.varint() !== 0, kind: 'bool' };
    else throw NOT_FAST;
  }
  if (value === undefined) throw NOT_FAST;
  return value;
}

class Reader {
  constructor(
    private readonly buffer: Buffer,
    public pos: number,
    public readonly end: number,
  ) {}

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < MAX_SAFE_VARINT_BYTES; i++) {
      if (this.pos >= this.end) throw NOT_FAST;
      const byte = this.buffer[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw NOT_FAST;
  }

  sub(): Reader {
    const length = this.varint();
    const start = this.pos;
    if (start + length > this.end) throw NOT_FAST;
    this.pos += length;
    return new Reader(this.buffer, start, start + length);
  }

  string(): string {
    const r = this.sub();
    return this.buffer.toString('utf8', r.pos, r.end);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw NOT_FAST;
    const value = this.buffer.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }
}
