import type { CloudFrame } from '../generated/lattice/device/v1/CloudFrame.js';
import type { CommandRecord } from '../stores/device-stores.interfaces.js';
import type { ClockTimer } from '@lattice/core';

/** A command written to this stream and waiting for the hub's command_result. */
export interface PendingCommand {
  readonly timer: ClockTimer;
  settle(record: CommandRecord | undefined): void;
}

/**
 * One authenticated hub stream: a bounded queue of frames to send (overflow closes the
 * stream), the hub's device ids for validating its frames, and its pending commands.
 * Kept small on purpose: an instance holds tens of thousands of these.
 */
export class HubSession {
  lastSeenMs: number;
  devices: Set<string>;
  pending: Map<string, PendingCommand> | undefined;
  private queue: CloudFrame[] = [];
  private wake: (() => void) | undefined;
  private endedWith: Error | null | undefined;

  constructor(
    readonly hubId: string,
    readonly homeId: string,
    readonly epoch: number,
    readonly sessionId: string,
    devices: Iterable<string>,
    nowMs: number,
    private readonly maxQueued: number,
    private readonly onOverflow: (session: HubSession) => Error,
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
    if (this.queue.length >= this.maxQueued) {
      this.close(this.onOverflow(this));
      return false;
    }
    this.queue.push(frame);
    this.signal();
    return true;
  }

  /** Ends the stream: with an error (its gRPC status) at once, or normally after the queued frames. */
  close(error?: Error): void {
    if (this.endedWith !== undefined) return;
    this.endedWith = error ?? null;
    if (error) this.queue = [];
    this.signal();
    this.onClosed?.(this);
  }

  /** Called once when the stream starts ending (the transport may still be flushing). */
  onClosed: ((session: HubSession) => void) | undefined;

  /** The frames to send, as the transport pulls them. */
  async *frames(): AsyncGenerator<CloudFrame> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.endedWith !== undefined) {
        if (this.endedWith !== null) throw this.endedWith;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
