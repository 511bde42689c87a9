import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import type { Logger } from '@lattice/telemetry';
import { DiscoveryNotRegisteredError } from '../discovery.errors.js';
import type { InstanceDescriptor, InstanceStatus, ServiceInstance } from '../instance/service-instance.js';
import { assertDescriptor } from '../internal/instances.js';
import type { ServiceRegistry } from '../registry/service-registry.interfaces.js';

/**
 * Lease settings of an {@link InstanceRegistrar}.
 *
 * @example
 * ```ts
 * new InstanceRegistrar(registry, me, { leaseTtlMs: 15_000, renewIntervalMs: 5_000 });
 * ```
 */
export interface RegistrarOptions {
  /** Lease length: the registry drops the instance this long after its last renewal. @default 15000 */
  leaseTtlMs?: number;
  /** How often the lease is renewed; keep it well under the TTL. @default 5000 */
  renewIntervalMs?: number;
  /** @default systemClock */
  clock?: Clock;
  logger?: Logger;
}

export const REGISTRAR_DEFAULTS = { leaseTtlMs: 15_000, renewIntervalMs: 5_000 } as const;

/**
 * Keeps one instance registered: registers it, renews its lease on an interval (and
 * registers again when the registry forgot it, e.g. after a Redis restart), and
 * deregisters it on {@link stop}. The status set with {@link setStatus} (OUT_OF_SERVICE to
 * drain by hand) survives re-registration. DiscoveryModule runs one from boot's hooks.
 *
 * @example
 * ```ts
 * const registrar = new InstanceRegistrar(registry, { service: 'device', instanceId: 'd1', host: '10.0.0.5', ports: { grpc: 50052 } });
 * await registrar.start();
 * await registrar.setStatus('OUT_OF_SERVICE'); // callers stop picking it
 * await registrar.stop(); // on shutdown, before draining
 * ```
 */
export class InstanceRegistrar {
  private readonly leaseTtlMs: number;
  private readonly renewIntervalMs: number;
  private readonly clock: Clock;
  private timer: ClockTimer | undefined;
  private current: InstanceStatus;
  private running = false;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly registry: ServiceRegistry,
    readonly descriptor: InstanceDescriptor,
    private readonly options: RegistrarOptions = {},
  ) {
    assertDescriptor(descriptor);
    this.leaseTtlMs = options.leaseTtlMs ?? REGISTRAR_DEFAULTS.leaseTtlMs;
    this.renewIntervalMs = options.renewIntervalMs ?? REGISTRAR_DEFAULTS.renewIntervalMs;
    this.clock = options.clock ?? systemClock;
    this.current = descriptor.status ?? 'UP';
  }

  /** The status this instance announces. */
  get status(): InstanceStatus {
    return this.current;
  }

  /** True between {@link start} and {@link stop}. */
  get registered(): boolean {
    return this.running;
  }

  /**
   * Registers and starts renewing. If the registry is unreachable the instance still starts
   * (as a Eureka client does): it resolves `undefined`, and every renewal tries to register
   * again until the registry answers, so a Redis outage at start-up causes no crash loop.
   */
  async start(): Promise<ServiceInstance | undefined> {
    this.running = true;
    try {
      const instance = await this.registry.register(
        { ...this.descriptor, status: this.current },
        { leaseTtlMs: this.leaseTtlMs },
      );
      this.options.logger?.info(
        { service: instance.service, instanceId: instance.instanceId, leaseTtlMs: this.leaseTtlMs },
        'discovery: instance registered',
      );
      return instance;
    } catch (error) {
      this.options.logger?.warn(
        { err: error, service: this.descriptor.service, instanceId: this.descriptor.instanceId },
        'discovery: registration failed (registry unreachable?); retrying with every lease renewal',
      );
      return undefined;
    } finally {
      this.schedule();
    }
  }

  /** Sets the announced status (OUT_OF_SERVICE drains by hand, UP brings it back). */
  async setStatus(status: InstanceStatus): Promise<void> {
    if (!this.running) throw new DiscoveryNotRegisteredError(`set the status to ${status}`);
    this.current = status;
    const known = await this.registry.setStatus(this.descriptor.service, this.descriptor.instanceId, status);
    if (!known) await this.registry.register({ ...this.descriptor, status }, { leaseTtlMs: this.leaseTtlMs });
  }

  /** Renews now (the timer calls this); registers again if the registry no longer knows the instance. */
  renewNow(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** Stops renewing and deregisters; never throws (a failed deregistration only leaves the lease to expire). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    this.running = false;
    await this.renewing?.catch(() => undefined);
    try {
      await this.registry.deregister(this.descriptor.service, this.descriptor.instanceId);
      this.options.logger?.info(
        { service: this.descriptor.service, instanceId: this.descriptor.instanceId },
        'discovery: instance deregistered',
      );
    } catch (error) {
      this.options.logger?.warn(
        { err: error, service: this.descriptor.service, instanceId: this.descriptor.instanceId },
        'discovery: deregistration failed; the lease will expire instead',
      );
    }
  }

  private async renewOnce(): Promise<void> {
    const { service, instanceId } = this.descriptor;
    try {
      const known = await this.registry.renew(service, instanceId, { leaseTtlMs: this.leaseTtlMs });
      if (!known && this.running) {
        await this.registry.register({ ...this.descriptor, status: this.current }, { leaseTtlMs: this.leaseTtlMs });
        this.options.logger?.warn(
          { service, instanceId },
          'discovery: lease was unknown to the registry; registered again',
        );
      }
    } catch (error) {
      this.options.logger?.warn({ err: error, service, instanceId }, 'discovery: lease renewal failed; retrying');
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock
      .setTimeout(() => {
        void this.renewNow().finally(() => this.schedule());
      }, this.renewIntervalMs)
      .unref();
  }
}
