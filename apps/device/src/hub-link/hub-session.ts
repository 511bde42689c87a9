import type { CloudFrame } from '../generated/lattice/device/v1/CloudFrame.js';
import type { CommandRecord } from '../stores/device-stores.interfaces.js';
import type { ClockTimer } from '@lattice/core';

/** A command written to this stream and waiting for the hub's command_result. */
export interface PendingCommand {
  readonly timer: ClockTimer;
  settle(record: CommandRecord | undefined): void;
}

/** Whoever holds the sessions: told once when one starts ending, asked what an overflow is. */
export interface HubSessionOwner {
  /** Called once when the stream starts ending (the transport may still be flushing). */
  sessionClosed(session: HubSession): void;
  /** The error that ends a stream whose send queue overflowed. */
  sessionOverflowed(session: HubSession): Error;
}

type Waiter = { resolve(result: IteratorResult<CloudFrame>): void; reject(error: unknown): void };

/**
 * One authenticated hub stream: a bounded queue of frames to send (overflow closes the
 * stream), the hub's device ids for validating its frames, and its pending commands. It is
 * also the iterator the transport pulls frames from: a frame costs one settled promise (an
 * async generator costs several per frame, and its objects per stream).
 * Kept small on purpose: an instance holds tens of thousands of these.
 */
export class HubSession implements AsyncIterableIterator<CloudFrame> {
  lastSeenMs: number;
  devices: Set<string>;
  pending: Map<string, PendingCommand> | undefined;
  private queue: CloudFrame[] = [];
  private waiter: Waiter | undefined;
  private endedWith: Error | null | undefined;

  constructor(
    private readonly owner: HubSessionOwner,
    readonly hubId: string,
    readonly homeId: string,
    readonly epoch: number,
    readonly sessionId: string,
    devices: Iterable<string>,
    nowMs: number,
    private readonly maxQueued: number,
  ) {
    this.lastSeenMs = nowMs;
    this.devices = new Set(devices);
  }

  /** True once the stream is ending (closed, replaced, overflowed). */
  get closed(): boolean {
    return this.endedWith !== undefined;
  }

  /** Frames waiting to be taken by the transport. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues a frame; false when the stream is closed or this frame overflowed it (which closes it). */
  send(frame: CloudFrame): boolean {
    if (this.endedWith !== undefined) return false;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      // The transport is waiting for a frame (so nothing is queued): hand it over.
      this.waiter = undefined;
      waiter.resolve({ value: frame, done: false });
      return true;
    }
    if (this.queue.length >= this.maxQueued) {
      this.close(this.owner.sessionOverflowed(this));
      return false;
    }
    this.queue.push(frame);
    return true;
  }

  /** Ends the stream: with an error (its gRPC status) at once, or normally after the queued frames. */
  close(error?: Error): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = error ?? null;
    if (error) this.queue = [];
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) {
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
    this.owner.sessionClosed(this);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next frame to send, as the transport pulls it. */
  next(): Promise<IteratorResult<CloudFrame>> {
    const frame = this.queue.shift();
    if (frame !== undefined) return Promise.resolve({ value: frame, done: false });
    if (this.endedWith === null) return Promise.resolve({ value: undefined, done: true });
    if (this.endedWith !== undefined) return Promise.reject(this.endedWith);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The transport stopped pulling (the call ended): the stream is over. */
  return(): Promise<IteratorResult<CloudFrame>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }
}
