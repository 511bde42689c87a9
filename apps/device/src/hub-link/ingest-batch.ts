import type { Clock } from '@lattice/core';
import type { PlatformEvent } from '@lattice/events';
import type { Counter } from '@lattice/telemetry';
import type { DeviceEvents } from '../internal/device-events.js';
import type { ScalarMap } from '../internal/values.js';
import type { ShadowReport, ShadowStore } from '../stores/device-stores.interfaces.js';

const MAX_IN_FLIGHT = 50_000;

const TELEMETRY = 'device.telemetry';

/**
 * The validated frames of one turn: the shadow merges of its telemetry, and the bus events of
 * every frame in arrival order (no object per frame beyond what the store and the bus take).
 */
interface Batch {
  readonly reports: ShadowReport[];
  readonly events: PlatformEvent[];
}

/**
 * Coalesces the telemetry and device events of every hub stream read in one event-loop
 * turn: one shadow write for the batch (`reportMany`, one Redis round trip), then the bus
 * events in arrival order. Nothing is dropped or held past the turn; batches are written one
 * after another, so the order of frames, shadow merges and events is kept per stream.
 *
 * The batch holds no frame past its turn: a frame handed to a reader has already been read off
 * its socket, so holding it for a later turn saves nothing and keeps the transport reading
 * (the hub link's read budget holds connections instead, see ReadThrottle).
 * With thousands of slow streams HTTP/2 flow control needs ~80 KB of backlog per stream before
 * it holds a hub back, so an instance that held frames past its budget kept reading every
 * socket at the offered rate, buffered the rest, and spent its CPU on the growing heap (24k
 * frames/s offered, 8k ingested). Handling every frame read stops reading at the socket
 * instead: an instance behind leaves frames in the kernel and, past that, at the hubs.
 *
 * @example
 * ```ts
 * const batch = new IngestBatch(shadows, events, clock, counters, (err, n) => dropped.inc(n));
 * batch.telemetry(homeId, hubId, deviceId, tsMs, values);
 * await batch.flush(); // before anything that must observe the shadow
 * ```
 */
export class IngestBatch {
  private batch: Batch = { reports: [], events: [] };
  private telemetryCount = 0;
  private eventCount = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private tail: Promise<void> = Promise.resolve();
  /** Frames queued or being written; above {@link MAX_IN_FLIGHT} readers wait (backpressure). */
  private inFlight = 0;

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
    return this.batch.events.length > 0;
  }

  /**
   * True when the store or bus falls behind (too many frames queued or being written): hub
   * streams then wait for {@link IngestBatch.flush} before reading more, which pushes back on
   * the hubs through HTTP/2 flow control instead of growing memory.
   */
  get saturated(): boolean {
    return this.inFlight >= MAX_IN_FLIGHT;
  }

  /** Counts a received telemetry or event frame (valid or not) in `lattice_device_frames_total`, once per turn. */
  received(kind: 'telemetry' | 'event'): void {
    if (kind === 'telemetry') this.telemetryCount++;
    else this.eventCount++;
    this.schedule();
  }

  /** Queues a validated telemetry frame: a shadow merge, then a `device.telemetry` event. */
  telemetry(homeId: string, hubId: string, deviceId: string, tsMs: number, values: ScalarMap): void {
    this.batch.reports.push({ deviceId, values });
    this.push({ type: TELEMETRY, tsMs, homeId, hubId, deviceId, data: { values } });
  }

  /** Queues a validated event frame: a `device.event` event. */
  event(homeId: string, hubId: string, deviceId: string, tsMs: number, type: string, values: ScalarMap): void {
    this.push({ type: 'device.event', tsMs, homeId, hubId, deviceId, data: { event: type, values } });
  }

  /** Writes what is queued now; resolves once it and every earlier batch are written. */
  flush(): Promise<void> {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    this.countFrames();
    if (this.batch.events.length > 0) {
      const batch = this.batch;
      this.batch = { reports: [], events: [] };
      // A failed batch must not stop the ones after it (write() handles its own errors; this is a last resort).
      this.tail = this.tail
        .then(() => this.write(batch))
        .then(undefined, (error: unknown) => this.onReportFailed(error, 0));
    }
    return this.tail;
  }

  private push(event: PlatformEvent): void {
    this.inFlight++;
    this.batch.events.push(event);
    this.schedule();
  }

  private schedule(): void {
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      void this.flush();
    });
  }

  private countFrames(): void {
    if (this.telemetryCount > 0) this.frames.telemetry.inc(this.telemetryCount);
    if (this.eventCount > 0) this.frames.event.inc(this.eventCount);
    this.telemetryCount = 0;
    this.eventCount = 0;
  }

  private async write({ reports, events }: Batch): Promise<void> {
    try {
      let reported = true;
      try {
        if (reports.length > 0) await this.shadows.reportMany(reports, this.clock.now());
      } catch (error) {
        reported = false;
        this.onReportFailed(error, reports.length);
      }
      // A telemetry event says the shadow took the values, so it goes out only if it did.
      this.events.publishAll(reported ? events : events.filter((e) => e.type !== TELEMETRY));
    } finally {
      this.inFlight -= events.length;
    }
  }
}
