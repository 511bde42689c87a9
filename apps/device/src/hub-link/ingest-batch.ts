import type { Clock } from '@lattice/core';
import type { PlatformEvent } from '@lattice/events';
import type { Counter } from '@lattice/telemetry';
import type { DeviceEvents } from '../internal/device-events.js';
import type { ScalarMap } from '../internal/values.js';
import type { ShadowReport, ShadowStore } from '../stores/device-stores.interfaces.js';

const MAX_IN_FLIGHT = 50_000;
/**
 * Frames read from all streams in one event-loop turn after which readers wait for the next
 * turn. Frames already queued on a stream are read in one run of microtasks, so without a
 * budget an overloaded instance spent seconds per turn and answered health checks, metrics
 * and new connections that late; readers that wait let HTTP/2 flow control hold the hubs.
 */
const MAX_FRAMES_PER_TURN = 1000;

/** A validated telemetry or event frame, waiting for the end of the event-loop turn. */
interface Entry {
  readonly kind: 'telemetry' | 'event';
  readonly event: PlatformEvent;
  readonly report: ShadowReport | undefined;
}

/**
 * Coalesces the telemetry and device events of every hub stream read in one event-loop
 * turn: one shadow write for the batch (`reportMany`, one Redis round trip), then the bus
 * events in arrival order. Nothing is dropped or held past the turn; batches are written one
 * after another, so the order of frames, shadow merges and events is kept per stream.
 *
 * @example
 * ```ts
 * const batch = new IngestBatch(shadows, events, clock, counters, (err, n) => dropped.inc(n));
 * batch.telemetry(homeId, hubId, deviceId, tsMs, values);
 * await batch.flush(); // before anything that must observe the shadow
 * ```
 */
export class IngestBatch {
  private entries: Entry[] = [];
  private telemetryCount = 0;
  private eventCount = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** Frames queued or being written; above {@link MAX_IN_FLIGHT} readers wait (backpressure). */
  private inFlight = 0;
  /** Telemetry and event frames read in this turn. */
  private turnFrames = 0;
  private nextTurnStarted: Promise<void> | undefined;

  constructor(
    private readonly shadows: ShadowStore,
    private readonly events: DeviceEvents,
    private readonly clock: Clock,
    private readonly frames: { readonly telemetry: Counter; readonly event: Counter },
    /** Telemetry frames whose shadow merge failed (they are dropped, as a failed frame is). */
    private readonly onReportFailed: (error: unknown, frames: number) => void,
  ) {}

  /** True while frames wait for the end of the turn. */
  get pending(): boolean {
    return this.entries.length > 0;
  }

  /**
   * True when the store or bus falls behind (too many frames queued or being written): hub
   * streams then wait for {@link IngestBatch.flush} before reading more, which pushes back on
   * the hubs through HTTP/2 flow control instead of growing memory.
   */
  get saturated(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT;
  }

  /** True once this turn read its budget of frames: readers should wait for {@link IngestBatch.nextTurn}. */
  get turnFull(): boolean {
    return this.turnFrames >= MAX_FRAMES_PER_TURN;
  }

  /** Resolves in the next event-loop turn, after I/O had its chance (and this turn's frames are on their way). */
  nextTurn(): Promise<void> {
    this.nextTurnStarted ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.nextTurnStarted = undefined;
        this.turnFrames = 0;
        resolve();
      }),
    );
    return this.nextTurnStarted;
  }

  /** Counts a received telemetry or event frame (valid or not) in `lattice_device_frames_total`, once per turn. */
  received(kind: 'telemetry' | 'event'): void {
    if (kind === 'telemetry') this.telemetryCount++;
    else this.eventCount++;
    this.turnFrames++;
    this.schedule();
  }

  /** Queues a validated telemetry frame: a shadow merge, then a `device.telemetry` event. */
  telemetry(homeId: string, hubId: string, deviceId: string, tsMs: number, values: ScalarMap): void {
    this.push({
      kind: 'telemetry',
      report: { deviceId, values },
      event: { type: 'device.telemetry', tsMs, homeId, hubId, deviceId, data: { values } },
    });
  }

  /** Queues a validated event frame: a `device.event` event. */
  event(homeId: string, hubId: string, deviceId: string, tsMs: number, type: string, values: ScalarMap): void {
    this.push({
      kind: 'event',
      report: undefined,
      event: { type: 'device.event', tsMs, homeId, hubId, deviceId, data: { event: type, values } },
    });
  }

  /** Writes what is queued now; resolves once it and every earlier batch are written. */
  flush(): Promise<void> {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    this.countFrames();
    if (this.entries.length > 0) {
      const entries = this.entries;
      this.entries = [];
      // A failed batch must not stop the ones after it (write() handles its own errors; this is a last resort).
      this.tail = this.tail
        .then(() => this.write(entries))
        .then(undefined, (error: unknown) => this.onReportFailed(error, 0));
    }
    return this.tail;
  }

  private push(entry: Entry): void {
    this.inFlight++;
    this.entries.push(entry);
    this.schedule();
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      this.turnFrames = 0;
      void this.flush();
    });
  }

  private countFrames(): void {
    if (this.telemetryCount > 0) this.frames.telemetry.inc(this.telemetryCount);
    if (this.eventCount > 0) this.frames.event.inc(this.eventCount);
    this.telemetryCount = 0;
    this.eventCount = 0;
  }

  private async write(entries: readonly Entry[]): Promise<void> {
    try {
      const reports: ShadowReport[] = [];
      for (const e of entries) if (e.report !== undefined) reports.push(e.report);
      let reported = true;
      try {
        if (reports.length > 0) await this.shadows.reportMany(reports, this.clock.now());
      } catch (error) {
        reported = false;
        this.onReportFailed(error, reports.length);
      }
      // A telemetry event says the shadow took the values, so it goes out only if it did.
      const events: PlatformEvent[] = [];
      for (const e of entries) if (reported || e.kind === 'event') events.push(e.event);
      this.events.publishAll(events);
    } finally {
      this.inFlight -= entries.length;
    }
  }
}
