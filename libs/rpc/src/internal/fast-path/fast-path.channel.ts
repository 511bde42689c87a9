import {
  status as Status,
  type Client,
  type ClientDuplexStream,
  type Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import type { Clock, ClockTimer } from '@lattice/core';
import type { WireError } from '../status.js';
import { FAST_PATH_METHOD, FrameWriter, Kind, NO_DEADLINE, passThrough, unpack } from './envelope.js';

interface Pending {
  resolve(payload: Buffer): void;
  reject(error: WireError): void;
  deadlineMs: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

class FastStream {
  ready = false;
  dead = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly writer: FrameWriter;
  // One timer for the earliest deadline instead of one per call (a cost at tens of thousands of calls/s).
  private timer: ClockTimer | undefined;
  private timerAtMs = Infinity;

  constructor(
    private readonly call: ClientDuplexStream<Buffer, Buffer>,
    private readonly clock: Clock,
    private readonly onUnsupported: () => void,
  ) {
    this.writer = new FrameWriter((frame) => {
      if (!this.dead) call.write(frame);
    });
    call.on('data', (frame: Buffer) => this.receive(frame));
    call.on('error', (error: ServiceError) => {
      if (error.code === Status.UNIMPLEMENTED) this.onUnsupported();
      this.fail(`fast-path stream failed: ${error.details || error.message}`);
    });
    call.on('end', () => this.fail('fast-path stream ended by the server'));
    this.writer.send({ kind: Kind.Hello, callId: 0 });
  }

  get size(): number {
    return this.pending.size;
  }

  request(
    method: string,
    payload: Buffer,
    metadata: Record<string, string>,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const callId = this.nextId;
      this.nextId = this.nextId >= 0xfffffffe ? 1 : this.nextId + 1;
      const finite = Number.isFinite(deadlineMs);
      const remaining = finite ? Math.max(0, Math.ceil(deadlineMs - this.clock.now())) : NO_DEADLINE;
      const entry: Pending = { resolve, reject, deadlineMs, signal, onAbort: undefined };
      if (signal) {
        entry.onAbort = () => {
          this.settle(callId);
          this.writer.send({ kind: Kind.Cancel, callId });
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a wire status, typed by the client
          reject({ code: Status.CANCELLED, details: 'cancelled by the caller', metadata: {} });
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(callId, entry);
      if (finite && deadlineMs < this.timerAtMs) this.arm(deadlineMs);
      this.writer.send({ kind: Kind.Request, callId, remainingMs: remaining, method, metadata, payload });
    });
  }

  private arm(atMs: number): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = this.clock.setTimeout(this.expire, Math.max(0, atMs - this.clock.now()));
    this.timer.unref();
  }

  /** Fails the calls whose deadline passed (telling the server) and re-arms for the next one. */
  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerAtMs = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const [callId, entry] of this.pending) {
      if (entry.deadlineMs <= now) {
        this.settle(callId);
        this.writer.send({ kind: Kind.Cancel, callId });
        entry.reject({ code: Status.DEADLINE_EXCEEDED, details: 'deadline exceeded', metadata: {} });
      } else if (entry.deadlineMs < next) next = entry.deadlineMs;
    }
    if (next !== Infinity) this.arm(next);
  };

  close(): void {
    this.fail('client closed');
    this.call.cancel();
  }

  private settle(callId: number): Pending | undefined {
    const entry = this.pending.get(callId);
    if (entry === undefined) return undefined;
    this.pending.delete(callId);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    return entry;
  }

  private receive(frame: Buffer): void {
    for (const envelope of unpack(frame)) {
      if (envelope.kind === Kind.Hello) this.ready = true;
      else if (envelope.kind === Kind.Response) this.settle(envelope.callId)?.resolve(envelope.payload);
      else if (envelope.kind === Kind.Error) {
        this.settle(envelope.callId)?.reject({
          code: envelope.code,
          details: envelope.details,
          metadata: envelope.metadata,
        });
      }
    }
  }

  private fail(details: string): void {
    this.dead = true;
    this.ready = false;
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject({ code: Status.UNAVAILABLE, details, metadata: {} });
    }
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAtMs = Infinity;
  }
}

/**
 * The client side of the fast path for one instance: a few long-lived bidi streams, each
 * carrying many concurrent unary calls as envelopes. Until the server has answered the hello
 * (or if it does not serve the fast path) calls take plain gRPC.
 */
export class FastPathChannel {
  private streams: FastStream[] = [];
  private unsupported = false;
  private closed = false;
  private next = 0;
  private openedAtMs = -Infinity;

  constructor(
    private readonly client: Client,
    private readonly streamCount: number,
    private readonly metadata: () => Metadata,
    private readonly clock: Clock,
  ) {}

  /** A ready stream, or undefined (then use plain gRPC); (re)opens streams as needed. */
  pick(): FastStream | undefined {
    if (this.unsupported || this.closed) return undefined;
    // Reopen broken streams at most once a second so a dead instance is not hammered.
    const now = this.clock.now();
    if ((this.streams.length === 0 || this.streams.some((s) => s.dead)) && now - this.openedAtMs >= 1000) {
      this.openedAtMs = now;
      this.open();
    }
    for (let i = 0; i < this.streams.length; i += 1) {
      this.next = (this.next + 1) % this.streams.length;
      const stream = this.streams[this.next];
      if (stream?.ready) return stream;
    }
    return undefined;
  }

  close(): void {
    this.closed = true;
    for (const s of this.streams) s.close();
    this.streams = [];
  }

  private open(): void {
    const alive = this.streams.filter((s) => !s.dead);
    while (alive.length < this.streamCount) {
      const call = this.client.makeBidiStreamRequest(
        FAST_PATH_METHOD,
        passThrough.serialize,
        passThrough.deserialize,
        this.metadata(),
      );
      alive.push(
        new FastStream(call, this.clock, () => {
          this.unsupported = true;
        }),
      );
    }
    this.streams = alive;
  }
}
