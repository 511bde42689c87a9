import type { CloudFrame } from '../generated/lattice/device/v1/CloudFrame.js';
import type { HubFrame__Output } from '../generated/lattice/device/v1/HubFrame.js';
import { fromWireValues, toMs, type ScalarMap } from './values.js';

// Wire types of the protobuf encoding.
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
// Varints longer than this are not safe integers; such frames take the generic path.
const MAX_SAFE_VARINT_BYTES = 7;
// Field numbers of the HubFrame and CloudFrame oneofs that take the fast paths.
const HUB_TELEMETRY = 2;
const HUB_PING = 6;
const CLOUD_PONG = 4;

/** Thrown inside the decoder to give up on the fast path; never leaves it. */
const NOT_FAST = new Error('not a plain telemetry or ping frame');

/**
 * A telemetry frame as the hub link handles it: values as plain scalars and the timestamp
 * as a number (0 when the hub sent none), so a frame is read into exactly what the shadow
 * and the bus take, without protobuf.js's message objects or a copy.
 */
export class TelemetryFrame {
  constructor(
    readonly deviceId: string,
    readonly tsMs: number,
    readonly values: ScalarMap,
  ) {}

  /** The same frame from what the generic decoder gave. */
  static of(frame: HubFrame__Output): TelemetryFrame {
    const t = frame.telemetry;
    return new TelemetryFrame(t?.deviceId ?? '', toMs(t?.tsMs), fromWireValues(t?.values));
  }
}

/**
 * Decodes the two frames that make up most of a hub link's traffic straight from the
 * bytes: `telemetry` (into a {@link TelemetryFrame}) and `ping` (into the generic
 * decoder's shape). Anything else — other frame types, unknown fields, unusual encodings,
 * malformed bytes — returns undefined and takes the generic decoder, so the result always
 * equals the generic one's (a property test checks it).
 *
 * @example
 * ```ts
 * const frame = decodeFastHubFrame(buffer) ?? genericDecode(buffer);
 * ```
 */
export function decodeFastHubFrame(buffer: Buffer): TelemetryFrame | HubFrame__Output | undefined {
  try {
    const reader = new Reader(buffer, 0, buffer.length);
    if (reader.pos >= reader.end) return undefined;
    const tag = reader.varint();
    const length = reader.varint();
    if (reader.pos + length !== reader.end) return undefined;
    const body = new Reader(buffer, reader.pos, reader.end);
    if (tag === ((HUB_TELEMETRY << 3) | BYTES)) return readTelemetry(body);
    if (tag === ((HUB_PING << 3) | BYTES)) return { ping: { tsMs: readPing(body) }, frame: 'ping' };
    return undefined;
  } catch {
    // NOT_FAST, or bytes this decoder does not understand: the generic decoder decides.
    return undefined;
  }
}

function readTelemetry(reader: Reader): TelemetryFrame {
  let deviceId = '';
  let tsMs = 0;
  const values: ScalarMap = {};
  while (reader.pos < reader.end) {
    const tag = reader.varint();
    if (tag === ((1 << 3) | BYTES)) deviceId = reader.string();
    else if (tag === ((2 << 3) | VARINT)) tsMs = reader.varint();
    else if (tag === ((3 << 3) | BYTES)) readEntry(reader.sub(), values);
    else throw NOT_FAST;
  }
  return new TelemetryFrame(deviceId, tsMs, values);
}

function readPing(reader: Reader): string {
  let tsMs = 0;
  while (reader.pos < reader.end) {
    if (reader.varint() !== ((1 << 3) | VARINT)) throw NOT_FAST;
    tsMs = reader.varint();
  }
  return String(tsMs);
}

function readEntry(reader: Reader, into: ScalarMap): void {
  let key = '';
  let value: number | string | boolean | undefined;
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

function readValue(reader: Reader): number | string | boolean {
  let value: number | string | boolean | undefined;
  while (reader.pos < reader.end) {
    // More than one member of the oneof set: leave the tie-breaking to the generic decoder.
    if (value !== undefined) throw NOT_FAST;
    const tag = reader.varint();
    if (tag === ((1 << 3) | FIXED64)) value = reader.double();
    else if (tag === ((2 << 3) | BYTES)) value = reader.string();
    else if (tag === ((3 << 3) | VARINT)) value = reader.varint() !== 0;
    else throw NOT_FAST;
  }
  if (value === undefined) throw NOT_FAST;
  return value;
}

/**
 * Encodes a `pong` CloudFrame (the answer to every heartbeat) without protobuf.js; any other
 * frame, or a timestamp that is not a non-negative safe integer, returns undefined and takes
 * the generic encoder. The bytes decode to what the generic encoder's do (a property test
 * checks it).
 *
 * @example
 * ```ts
 * const bytes = encodeFastCloudFrame(frame) ?? genericEncode(frame);
 * ```
 */
export function encodeFastCloudFrame(frame: CloudFrame): Buffer | undefined {
  const pong = frame.pong;
  if (pong === undefined || pong === null || frame.welcome != null || frame.command != null || frame.desired != null) {
    return undefined;
  }
  const raw = pong.tsMs;
  const tsMs = typeof raw === 'string' ? (/^\d{1,16}$/.test(raw) ? Number(raw) : NaN) : raw === undefined ? 0 : raw;
  if (typeof tsMs !== 'number' || !Number.isSafeInteger(tsMs) || tsMs < 0) return undefined;
  const out = Buffer.allocUnsafe(3 + varintSize(tsMs));
  out[0] = (CLOUD_PONG << 3) | BYTES;
  out[1] = out.length - 2;
  out[2] = (1 << 3) | VARINT;
  writeVarint(out, 3, tsMs);
  return out;
}

/**
 * Encodes a `telemetry` HubFrame, as a hub's firmware would, without protobuf.js (the hub
 * simulator sends tens of thousands per second). The bytes decode to the same frame the
 * generic encoder's do (a property test checks it).
 *
 * @example
 * ```ts
 * call.write(encodeTelemetryFrame('lamp-1', Date.now(), { temperature: 21.5 }));
 * ```
 */
export function encodeTelemetryFrame(deviceId: string, tsMs: number, values: Readonly<ScalarMap>): Buffer {
  if (!Number.isSafeInteger(tsMs) || tsMs < 0) throw new RangeError('tsMs must be a non-negative safe integer');
  const keys = Object.keys(values);
  const idBytes = Buffer.byteLength(deviceId);
  let body = 1 + varintSize(idBytes) + idBytes + (tsMs === 0 ? 0 : 1 + varintSize(tsMs));
  const sizes: number[] = [];
  for (const key of keys) {
    const v = values[key];
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = typeof v === 'number' ? 9 : typeof v === 'string' ? stringField(v) : 2;
    const entry = 1 + varintSize(keyBytes) + keyBytes + 1 + varintSize(valueBytes) + valueBytes;
    sizes.push(keyBytes, valueBytes, entry);
    body += 1 + varintSize(entry) + entry;
  }
  const out = Buffer.allocUnsafe(1 + varintSize(body) + body);
  let pos = writeVarint(out, 0, (HUB_TELEMETRY << 3) | BYTES);
  pos = writeVarint(out, pos, body);
  pos = writeVarint(out, pos, (1 << 3) | BYTES);
  pos = writeVarint(out, pos, idBytes);
  pos += out.write(deviceId, pos, 'utf8');
  if (tsMs !== 0) pos = writeVarint(out, writeVarint(out, pos, (2 << 3) | VARINT), tsMs);
  keys.forEach((key, i) => {
    const keyBytes = sizes[3 * i] as number;
    const valueBytes = sizes[3 * i + 1] as number;
    const entry = sizes[3 * i + 2] as number;
    pos = writeVarint(out, pos, (3 << 3) | BYTES);
    pos = writeVarint(out, pos, entry);
    pos = writeVarint(out, pos, (1 << 3) | BYTES);
    pos = writeVarint(out, pos, keyBytes);
    pos += out.write(key, pos, 'utf8');
    pos = writeVarint(out, pos, (2 << 3) | BYTES);
    pos = writeVarint(out, pos, valueBytes);
    const v = values[key];
    if (typeof v === 'number') {
      out[pos++] = (1 << 3) | FIXED64;
      pos = out.writeDoubleLE(v, pos);
    } else if (typeof v === 'string') {
      pos = writeVarint(out, pos, (2 << 3) | BYTES);
      pos = writeVarint(out, pos, Buffer.byteLength(v));
      pos += out.write(v, pos, 'utf8');
    } else {
      out[pos++] = (3 << 3) | VARINT;
      out[pos++] = v ? 1 : 0;
    }
  });
  return out;
}

function stringField(value: string): number {
  const bytes = Buffer.byteLength(value);
  return 1 + varintSize(bytes) + bytes;
}

function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  let rest = value;
  let at = pos;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
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
