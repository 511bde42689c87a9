import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ClockTimer } from '@lattice/core';
import { EventBus, InjectEventBus } from '@lattice/events';
import { InjectLogger, MetricsRegistry, type Counter, type Logger } from '@lattice/telemetry';
import { ProviderError } from '../push.errors.js';
import type { FallbackTask } from '../stores/push-store.interfaces.js';
import { PushRuntime } from './push-runtime.js';

/** Fallbacks claimed (and sent concurrently) at a time. */
const FALLBACK_BATCH = 100;

/**
 * Offline fallback: a message not delivered live to any device of a user within
 * `push.fallback.delayMs` goes to the user's provider devices (APNs, FCM, webhook). The schedule
 * lives in the store, so a restarted replica (or another one) picks it up. Dead tokens are
 * removed; 429/5xx back off with jitter (at least the provider's Retry-After).
 */
@Injectable()
export class FallbackWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: ClockTimer | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly outcomes: Counter;

  constructor(
    @Inject(PushRuntime) private readonly runtime: PushRuntime,
    @InjectEventBus() private readonly events: EventBus,
    metrics: MetricsRegistry,
    @InjectLogger() private readonly logger: Logger,
  ) {
    this.outcomes = metrics.counter({
      name: 'lattice_push_fallback_total',
      help: 'Offline provider sends, by provider and outcome (delivered, token_removed, retry, failed)',
      labelNames: ['provider', 'outcome'],
    });
  }

  onApplicationBootstrap(): void {
    if (this.runtime.settings.fallback.enabled) this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.runtime.clock.clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Processes every fallback due now, a batch at a time until a batch comes back short (also
   * called by tests). One batch per poll capped the fallbacks at 100 a second, so a burst of
   * undelivered messages (a broadcast to users who are offline) waited minutes for its provider.
   */
  async runOnce(): Promise<number> {
    const { messages, clock, settings } = this.runtime;
    let handled = 0;
    for (;;) {
      const tasks = await messages.claimFallbacks(clock.now(), FALLBACK_BATCH, settings.fallback.leaseMs);
      await Promise.all(tasks.map((task) => this.handle(task)));
      handled += tasks.length;
      if (tasks.length < FALLBACK_BATCH || this.stopped) return handled;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.runtime.clock.setTimeout(() => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'push fallback round failed'))
        .finally(() => this.schedule());
    }, this.runtime.settings.fallback.pollIntervalMs);
    this.timer.unref();
  }

  private async handle(task: FallbackTask): Promise<void> {
    const { messages, directory, clock, providers, settings, backoffs } = this.runtime;
    const message = await messages.get(task.messageId);
    const now = clock.now();
    if (
      message === undefined ||
      message.expiresAtMs <= now ||
      (await messages.deliveredToUser(task.messageId, task.userId))
    )
      return messages.completeFallback(task);
    const settled = new Set(
      (await messages.states(task.messageId))
        .filter((s) => s.userId === task.userId && s.state !== 'pending')
        .map((s) => s.deviceId),
    );
    const devices = (await directory.devices(task.userId)).filter(
      (d) => d.provider !== 'ws' && d.token !== undefined && !settled.has(d.deviceId),
    );
    let retryAfter: number | undefined;
    for (const device of devices) {
      const provider = providers.get(device.provider);
      if (provider === undefined) continue;
      try {
        await provider.send(device, message, task.userId);
        this.outcomes.inc({ provider: provider.name, outcome: 'delivered' });
        await messages.setState(message.id, task.userId, device.deviceId, 'delivered', clock.now());
        if (settings.receipts.enabled)
          await this.events
            .publish({
              type: 'push.receipt',
              tsMs: clock.now(),
              data: {
                messageId: message.id,
                userId: task.userId,
                deviceId: device.deviceId,
                state: 'delivered',
                provider: provider.name,
              },
            })
            .catch(() => undefined);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        if (error.data.tokenInvalid) {
          this.outcomes.inc({ provider: provider.name, outcome: 'token_removed' });
          await directory.removeDevice(task.userId, device.deviceId);
          await messages.setState(message.id, task.userId, device.deviceId, 'failed', clock.now());
        } else if (error.retryable && task.attempt < settings.fallback.maxAttempts) {
          this.outcomes.inc({ provider: provider.name, outcome: 'retry' });
          retryAfter = Math.max(retryAfter ?? 0, error.data.retryAfterMs ?? 0);
        } else {
          this.outcomes.inc({ provider: provider.name, outcome: 'failed' });
          await messages.setState(message.id, task.userId, device.deviceId, 'failed', clock.now());
        }
        this.logger.info({ id: message.id, provider: provider.name, code: error.data.reason }, error.message);
      }
    }
    if (retryAfter === undefined) return messages.completeFallback(task);
    const delay = backoffs.get(settings.fallback.backoff).delayMs(task.attempt, settings.fallback, retryAfter);
    await messages.rescheduleFallback(task, now + delay);
  }
}
