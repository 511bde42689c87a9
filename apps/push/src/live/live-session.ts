import type { WebSocket } from 'ws';
import type { PushMessage } from '../push.interfaces.js';
import type { StreamEntry } from '../stores/push-store.interfaces.js';

/** What a session needs from the channel that holds it. */
export interface SessionHost {
  read(
    userId: string,
    afterOffset: number,
  ): Promise<{ epoch: string; headOffset: number; entries: readonly StreamEntry[] }>;
  delivered(session: LiveSession, message: PushMessage): void;
  /** The message's part of a frame (`"id":...}`), serialised once per message for every session. */
  frameTail(message: PushMessage): string;
  acknowledged(session: LiveSession, messageIds: readonly string[]): void;
  nowMs(): number;
  maxBufferedBytes: number;
}

/**
 * Unacknowledged messages kept per device for its acks; beyond this the oldest are forgotten
 * (they stay "delivered" in the status, and are replayed only on a reconnect). It bounds what a
 * device that never acknowledges costs: 256 entries of a message id each.
 */
export const MAX_IN_FLIGHT = 256;

/**
 * One device's live channel. Offsets are per user stream; everything it sends passes through
 * one promise chain so frames leave strictly in offset order. A notice for the very next offset
 * with nothing queued before it is sent at once (the chain is for reads from the store): that is
 * every notice of a session that keeps up, so a broadcast writes its frames in one pass.
 */
export class LiveSession {
  alive = true;
  private lastSent = 0;
  private epoch = '';
  /** The epoch as a JSON string, for the frames. */
  private epochJson = '""';
  /**
   * Sent and not yet acknowledged, oldest first: frames leave in increasing offsets, so this
   * is a queue, and a cumulative ack takes from its head. Two plain arrays rather than a Map:
   * they are most of what a session keeps alive between messages.
   */
  private inFlightOffsets: number[] = [];
  private inFlightIds: string[] = [];
  private inFlightHead = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Steps in the chain not finished yet. */
  private queued = 0;

  constructor(
    readonly ws: WebSocket,
    readonly userId: string,
    readonly deviceId: string,
    private readonly host: SessionHost,
  ) {}

  /** Welcomes the device and replays what it missed after `offset` of `epoch`, or reports a reset. */
  start(offset: number | undefined, epoch: string | undefined): void {
    this.enqueue(async () => {
      const read = await this.host.read(this.userId, offset ?? 0);
      this.setEpoch(read.epoch);
      if (epoch !== undefined && epoch !== read.epoch) {
        // History was lost (new stream): the app reloads; we continue from the head.
        this.lastSent = read.headOffset;
        this.frame({ type: 'reset', epoch: read.epoch, offset: read.headOffset });
        return;
      }
      this.frame({ type: 'welcome', epoch: read.epoch, offset: read.headOffset, device: this.deviceId });
      this.lastSent = offset ?? 0;
      await this.replay(read.entries, read.headOffset);
    });
  }

  /** A fan-out notice for this user: the message sits at `offset` of `epoch`. */
  notify(offset: number, epoch: string, message: PushMessage): void {
    if (this.queued === 0 && epoch === this.epoch && offset <= this.lastSent + 1) {
      // Nothing before it is in the chain: the next offset goes out now, one already sent is done.
      if (offset > this.lastSent) this.deliver(offset, message);
      return;
    }
    this.enqueue(async () => {
      if (epoch !== this.epoch) {
        const read = await this.host.read(this.userId, 0);
        this.setEpoch(read.epoch);
        this.lastSent = read.headOffset;
        this.frame({ type: 'reset', epoch: read.epoch, offset: read.headOffset });
        return;
      }
      if (offset <= this.lastSent) return;
      if (offset > this.lastSent + 1) {
        // A gap: entries this session has not seen (another notice lost, or still in flight).
        const read = await this.host.read(this.userId, this.lastSent);
        await this.replay(
          read.entries.filter((e) => e.offset < offset),
          offset - 1,
        );
      }
      this.deliver(offset, message);
    });
  }

  /** Sends the message at the next offset unless it expired on the way (TTL 0 goes out now). */
  private deliver(offset: number, message: PushMessage): void {
    if (message.ttlSeconds === 0 || message.expiresAtMs > this.host.nowMs()) this.send(offset, message);
    this.lastSent = offset;
  }

  /** Cumulative acknowledgement up to `offset` (of the current epoch). */
  ack(offset: number): void {
    const from = this.inFlightHead;
    let to = from;
    while (to < this.inFlightOffsets.length && this.inFlightOffsets[to]! <= offset) to++;
    if (to === from) return;
    const ids = this.inFlightIds.slice(from, to);
    this.inFlightHead = to;
    if (to === this.inFlightOffsets.length) this.forgetInFlight();
    this.host.acknowledged(this, ids);
  }

  /** Messages sent and not acknowledged yet (at most {@link MAX_IN_FLIGHT}). */
  get unacknowledged(): number {
    return this.inFlightOffsets.length - this.inFlightHead;
  }

  private remember(offset: number, id: string): void {
    this.inFlightOffsets.push(offset);
    this.inFlightIds.push(id);
    if (this.inFlightOffsets.length - this.inFlightHead > MAX_IN_FLIGHT) this.inFlightHead++;
    // The acknowledged or forgotten head is dropped once it is as long as what is still in flight.
    if (this.inFlightHead >= MAX_IN_FLIGHT) {
      this.inFlightOffsets = this.inFlightOffsets.slice(this.inFlightHead);
      this.inFlightIds = this.inFlightIds.slice(this.inFlightHead);
      this.inFlightHead = 0;
    }
  }

  private forgetInFlight(): void {
    this.inFlightOffsets.length = 0;
    this.inFlightIds.length = 0;
    this.inFlightHead = 0;
  }

  private async replay(entries: readonly StreamEntry[], upTo: number): Promise<void> {
    let batch = entries;
    for (;;) {
      for (const entry of batch) {
        if (entry.offset <= this.lastSent) continue;
        this.send(entry.offset, entry.message);
        this.lastSent = entry.offset;
      }
      const last = batch.at(-1)?.offset;
      if (last === undefined || last >= upTo) break;
      // A closed or closing socket (drain, a slow consumer cut, the device gone) takes no more:
      // the device resumes from its offset, so reading the rest of a long backlog is wasted.
      if (this.ws.readyState !== this.ws.OPEN) return;
      batch = (await this.host.read(this.userId, last)).entries.filter((e) => e.offset <= upTo);
      if (batch.length === 0) break;
    }
    this.lastSent = Math.max(this.lastSent, upTo);
  }

  /**
   * A frame is `delivered` once all of it has left the process for the device's socket. Asking
   * the socket for a callback per write costs Node a tick per socket (most of a broadcast's
   * cost), so a frame the kernel takes whole at once is recorded at once; only a frame that has
   * to wait in the socket's buffer is followed by a callback.
   */
  private send(offset: number, message: PushMessage): void {
    const { ws } = this;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.host.maxBufferedBytes) {
      // A device that does not read is cut; it reconnects with its offset and loses nothing.
      ws.close(1013, 'slow consumer: reconnect with your last offset');
      return;
    }
    this.remember(offset, message.id);
    const frame = `{"type":"message","offset":${offset},"epoch":${this.epochJson},${this.host.frameTail(message)}`;
    if (ws.bufferedAmount > 0) {
      ws.send(frame, this.writtenThen(message));
      return;
    }
    ws.send(frame);
    if (ws.bufferedAmount === 0) this.host.delivered(this, message);
    // Part of it waits in the buffer: a ping behind it says when it has left (frames go in order).
    else ws.ping(undefined, undefined, this.writtenThen(message));
  }

  private writtenThen(message: PushMessage): (error?: Error | null) => void {
    return (error) => {
      if (error === undefined || error === null) this.host.delivered(this, message);
    };
  }

  private setEpoch(epoch: string): void {
    // Offsets of another stream: an ack names an offset of the new one, never these.
    if (epoch !== this.epoch) this.forgetInFlight();
    this.epoch = epoch;
    this.epochJson = JSON.stringify(epoch);
  }

  private frame(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  private enqueue(step: () => Promise<void>): void {
    this.queued++;
    this.chain = this.chain
      .then(step)
      .catch(() => {
        // The store failed: the device reconnects and resumes from its offset.
        this.ws.close(1011, 'temporary failure: reconnect with your last offset');
      })
      .then(() => {
        this.queued--;
      });
  }
}
