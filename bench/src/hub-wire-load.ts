// A lean load generator for the device bench's ingest phase: hubs that speak the hub link's
// wire themselves (HTTP/2 frames with gRPC length prefixes over a plain socket, as h2load or
// ghz do) instead of through grpc-js's client. The device server cannot tell them from the
// simulator's hubs: same auth metadata, hello, telemetry and ping frames, flow control
// respected, commands answered. What they save is the client side's CPU: on this machine a
// grpc-js client spends ~27 µs per frame before any simulator code, a raw socket write ~9 µs,
// and on 2 cores shared with the server that difference decides what the server can be shown
// to ingest.
import { connect, type Socket } from 'node:net';
import {
  encodeTelemetryFrame,
  plainHubLinkContract,
  type CloudFrame,
  type HubFrame,
  type SimulatedHubCredentials,
} from '@lattice-platform/device';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
// HTTP/2 frame types and flags (RFC 9113 §6).
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const DEFAULT_WINDOW = 65_535;
/** The one stream a hub opens: its Connect call. */
const STREAM_ID = 1;
/** Received bytes after which the hub gives the server its window back. */
const WINDOW_REFILL = 16_384;
const TICK_MS = 10;

/** Counters in the simulator's shape, so the bench reads both alike. */
export interface WireLoadStats {
  connected: number;
  connects: number;
  welcomes: number;
  telemetrySent: number;
  /** Frames not sent because the server's flow-control window was closed. */
  windowBlocked: number;
  commandsAnswered: number;
  streamErrors: Record<string, number>;
}

interface WireHub {
  readonly creds: SimulatedHubCredentials;
  readonly devices: readonly string[];
  socket: Socket | undefined;
  online: boolean;
  inbound: Buffer;
  grpcInbound: Buffer;
  connectionWindow: number;
  streamWindow: number;
  initialWindow: number;
  unacknowledgedBytes: number;
  lastSentMs: number;
  heartbeatMs: number;
  nextDevice: number;
  attempt: number;
  reconnect: NodeJS.Timeout | undefined;
}

const connectMethod = plainHubLinkContract().definition['Connect']!;
const encodeHubFrame = connectMethod.requestSerialize as (frame: HubFrame) => Buffer;
const decodeCloudFrame = connectMethod.responseDeserialize as (bytes: Buffer) => CloudFrame;

/**
 * Hubs on raw sockets, sending telemetry at a total rate spread evenly over the online hubs
 * from one timer (not a timer per hub), owed by elapsed time like the simulator's.
 */
export class WireHubLoad {
  readonly stats: WireLoadStats = {
    connected: 0,
    connects: 0,
    welcomes: 0,
    telemetrySent: 0,
    windowBlocked: 0,
    commandsAnswered: 0,
    streamErrors: {},
  };
  private readonly hubs: WireHub[];
  private readonly host: string;
  private readonly port: number;
  private ratePerHub = 0;
  private rateStartedMs = 0;
  private owedSent = 0;
  private cursor = 0;
  private stopped = false;
  private readonly tick: NodeJS.Timeout;
  private readonly sweep: NodeJS.Timeout;

  constructor(target: string, hubs: readonly SimulatedHubCredentials[], devicesPerHub: number) {
    const [host = '127.0.0.1', port = '0'] = target.split(':');
    this.host = host;
    this.port = Number(port);
    this.hubs = hubs.map((creds) => ({
      creds,
      devices: Array.from({ length: devicesPerHub }, (_, i) => `${creds.hubId}-dev-${i}`),
      socket: undefined,
      online: false,
      ...freshConnection(),
      lastSentMs: 0,
      heartbeatMs: 30_000,
      nextDevice: 0,
      attempt: 0,
      reconnect: undefined,
    }));
    this.tick = setInterval(() => this.sendOwed(), TICK_MS);
    // Pings for hubs that have been quiet for half a heartbeat interval (the server closes
    // a hub silent for three).
    this.sweep = setInterval(() => this.pingQuiet(), 1000);
  }

  /** Connects every hub, spread over `spreadMs`. */
  start(spreadMs: number): void {
    this.hubs.forEach((hub, i) => {
      hub.reconnect = setTimeout(() => this.connect(hub), Math.floor((i / this.hubs.length) * spreadMs));
    });
  }

  /** Telemetry frames per second per online hub (the total follows the hubs online). */
  setTelemetryRate(ratePerHub: number): void {
    this.ratePerHub = ratePerHub;
    this.rateStartedMs = Date.now();
    this.owedSent = 0;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.tick);
    clearInterval(this.sweep);
    for (const hub of this.hubs) {
      if (hub.reconnect) clearTimeout(hub.reconnect);
      hub.socket?.destroy();
    }
  }

  private connect(hub: WireHub): void {
    hub.reconnect = undefined;
    if (this.stopped) return;
    this.stats.connects++;
    Object.assign(hub, freshConnection());
    const socket = connect(this.port, this.host);
    hub.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onBytes(hub, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.ended(hub, socket, 'UNAVAILABLE'));
    const headers = requestHeaders(this.host, this.port, hub.creds);
    const hello = encodeHubFrame({
      hello: {
        firmware: 'wire-load-1.0.0',
        devices: hub.devices.map((deviceId) => ({
          deviceId,
          model: 'sim-sensor',
          capabilities: ['temperature', 'battery'],
        })),
      },
    });
    socket.write(
      Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0)), frame(HEADERS, END_HEADERS, STREAM_ID, headers)]),
    );
    this.sendMessage(hub, hello);
  }

  private ended(hub: WireHub, socket: Socket, reason: string): void {
    if (hub.socket !== socket) return;
    hub.socket = undefined;
    socket.destroy();
    if (hub.online) this.stats.connected--;
    hub.online = false;
    if (this.stopped) return;
    this.stats.streamErrors[reason] = (this.stats.streamErrors[reason] ?? 0) + 1;
    const ceiling = Math.min(10_000, 1000 * 2 ** hub.attempt++);
    hub.reconnect = setTimeout(() => this.connect(hub), ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private sendOwed(): void {
    if (this.ratePerHub <= 0 || this.stats.connected === 0) return;
    const total = this.ratePerHub * this.stats.connected;
    const owed = Math.floor(((Date.now() - this.rateStartedMs) / 1000) * total) - this.owedSent;
    // A stall is not made up beyond a second's worth.
    const burst = Math.min(owed, Math.ceil(total));
    this.owedSent += Math.max(0, owed);
    const now = Date.now();
    for (let sent = 0, scanned = 0; sent < burst && scanned < this.hubs.length; scanned++) {
      const hub = this.hubs[this.cursor] as WireHub;
      this.cursor = (this.cursor + 1) % this.hubs.length;
      if (!hub.online) continue;
      const deviceId = hub.devices[hub.nextDevice++ % hub.devices.length] as string;
      const values = { temperature: 20 + Math.round(Math.random() * 50) / 10, battery: 97 };
      if (this.sendMessage(hub, encodeTelemetryFrame(deviceId, now, values))) this.stats.telemetrySent++;
      else this.stats.windowBlocked++;
      sent++;
    }
  }

  private pingQuiet(): void {
    const now = Date.now();
    for (const hub of this.hubs) {
      if (hub.online && now - hub.lastSentMs >= hub.heartbeatMs / 2) {
        this.sendMessage(hub, encodeHubFrame({ ping: { tsMs: String(now) } }));
      }
    }
  }

  /** One gRPC message in one DATA frame; false when flow control does not allow it now. */
  private sendMessage(hub: WireHub, message: Buffer): boolean {
    const socket = hub.socket;
    const size = 5 + message.length;
    if (socket === undefined || size > hub.connectionWindow || size > hub.streamWindow) return false;
    hub.connectionWindow -= size;
    hub.streamWindow -= size;
    const out = Buffer.allocUnsafe(9 + size);
    writeFrameHeader(out, size, DATA, 0, STREAM_ID);
    out[9] = 0; // not compressed
    out.writeUInt32BE(message.length, 10);
    message.copy(out, 14);
    socket.write(out);
    hub.lastSentMs = Date.now();
    return true;
  }

  private onBytes(hub: WireHub, chunk: Buffer): void {
    let buffer = hub.inbound.length === 0 ? chunk : Buffer.concat([hub.inbound, chunk]);
    while (buffer.length >= 9) {
      const length = buffer.readUIntBE(0, 3);
      if (buffer.length < 9 + length) break;
      const type = buffer[3] as number;
      const flags = buffer[4] as number;
      const streamId = buffer.readUInt32BE(5) & 0x7fffffff;
      const payload = buffer.subarray(9, 9 + length);
      buffer = buffer.subarray(9 + length);
      const socket = hub.socket;
      if (socket === undefined) return;
      if (type === SETTINGS && (flags & ACK) === 0) {
        for (let at = 0; at + 6 <= payload.length; at += 6) {
          if (payload.readUInt16BE(at) === SETTINGS_INITIAL_WINDOW_SIZE) {
            const initial = payload.readUInt32BE(at + 2);
            hub.streamWindow += initial - hub.initialWindow;
            hub.initialWindow = initial;
          }
        }
        socket.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
      } else if (type === PING && (flags & ACK) === 0) {
        socket.write(frame(PING, ACK, 0, payload));
      } else if (type === WINDOW_UPDATE) {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (streamId === 0) hub.connectionWindow += increment;
        else if (streamId === STREAM_ID) hub.streamWindow += increment;
      } else if (type === DATA && streamId === STREAM_ID) {
        this.onData(
          hub,
          socket,
          flags & PADDED ? payload.subarray(1, payload.length - (payload[0] as number)) : payload,
        );
        hub.unacknowledgedBytes += length;
        if (hub.unacknowledgedBytes >= WINDOW_REFILL) {
          const increment = Buffer.alloc(4);
          increment.writeUInt32BE(hub.unacknowledgedBytes);
          socket.write(
            Buffer.concat([frame(WINDOW_UPDATE, 0, 0, increment), frame(WINDOW_UPDATE, 0, STREAM_ID, increment)]),
          );
          hub.unacknowledgedBytes = 0;
        }
        if (flags & END_STREAM) return this.ended(hub, socket, 'ENDED');
      } else if (type === HEADERS && streamId === STREAM_ID && flags & END_STREAM) {
        // Trailers: the server ended the call (its status is in HPACK we do not decode).
        return this.ended(hub, socket, 'ENDED');
      } else if (type === RST_STREAM || type === GOAWAY) {
        return this.ended(hub, socket, type === GOAWAY ? 'GOAWAY' : 'RST_STREAM');
      }
    }
    hub.inbound = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
  }

  private onData(hub: WireHub, socket: Socket, data: Buffer): void {
    let buffer = hub.grpcInbound.length === 0 ? data : Buffer.concat([hub.grpcInbound, data]);
    while (buffer.length >= 5 && buffer.length >= 5 + buffer.readUInt32BE(1)) {
      const length = buffer.readUInt32BE(1);
      const message = decodeCloudFrame(buffer.subarray(5, 5 + length));
      buffer = buffer.subarray(5 + length);
      if (message.frame === 'welcome') {
        hub.attempt = 0;
        hub.heartbeatMs = Number(message.welcome?.heartbeatIntervalMs ?? 30_000) || 30_000;
        if (!hub.online) this.stats.connected++;
        hub.online = true;
        this.stats.welcomes++;
      } else if (message.frame === 'command' && message.command) {
        const { commandId } = message.command;
        this.sendMessage(
          hub,
          encodeHubFrame({ commandResult: { commandId, status: 'SUCCEEDED', result: {}, error: '' } }),
        );
        this.stats.commandsAnswered++;
      }
      if (hub.socket !== socket) return;
    }
    hub.grpcInbound = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
  }
}

/** What a new HTTP/2 connection starts with: nothing buffered, the protocol's default windows. */
function freshConnection(): Pick<
  WireHub,
  'inbound' | 'grpcInbound' | 'connectionWindow' | 'streamWindow' | 'initialWindow' | 'unacknowledgedBytes'
> {
  return {
    inbound: Buffer.alloc(0),
    grpcInbound: Buffer.alloc(0),
    connectionWindow: DEFAULT_WINDOW,
    streamWindow: DEFAULT_WINDOW,
    initialWindow: DEFAULT_WINDOW,
    unacknowledgedBytes: 0,
  };
}

function requestHeaders(host: string, port: number, creds: SimulatedHubCredentials): Buffer {
  // Literal fields without indexing and new names only: valid HPACK that needs no table.
  return Buffer.concat(
    [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', connectMethod.path],
      [':authority', `${host}:${port}`],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['x-hub-id', creds.hubId],
      ['authorization', `Bearer ${creds.secret}`],
    ].map(([name, value]) => literalField(name as string, value as string)),
  );
}

function literalField(name: string, value: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const v = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([0x00]), hpackLength(n.length), n, hpackLength(v.length), v]);
}

/** An HPACK string length: a 7-bit prefix integer, Huffman bit clear (RFC 7541 §5.1). */
function hpackLength(value: number): Buffer {
  if (value < 127) return Buffer.from([value]);
  const bytes = [127];
  let rest = value - 127;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  writeFrameHeader(out, payload.length, type, flags, streamId);
  payload.copy(out, 9);
  return out;
}

function writeFrameHeader(out: Buffer, length: number, type: number, flags: number, streamId: number): void {
  out.writeUIntBE(length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId, 5);
}
