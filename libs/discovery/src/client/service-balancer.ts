import type { Clock } from '@lattice/core';
import type { Counter, Gauge } from '@lattice/telemetry';
import { DiscoveryNoInstancesError } from '../discovery.errors.js';
import type { ServiceInstance } from '../instance/service-instance.js';
import type { InstanceStats } from '../balancers/instance-stats.js';
import type { LoadBalancer, PickContext } from '../balancers/load-balancer.interfaces.js';
import type { OutlierDetector } from '../balancers/outlier-detector.js';

/** @internal what a ServiceBalancer reads from the client's cache. */
export interface InstanceSource {
  readonly service: string;
  /** UP instances of the last snapshot (same array until the set changes); undefined before the first load. */
  up(): readonly ServiceInstance[] | undefined;
  /** Every known instance, whatever its status. */
  knownCount(): number;
  /** Resolves once the first snapshot is loaded (rejects if the registry cannot be read and nothing is cached). */
  load(): Promise<void>;
}

/**
 * Outcome of a call, reported through {@link CallHandle.end}.
 *
 * @example
 * ```ts
 * handle.end({ ok: response.status < 500 });
 * ```
 */
export interface CallOutcome {
  /** False for failures that should count towards ejection (connect errors, 5xx, timeouts). */
  readonly ok: boolean;
}

/**
 * A call in flight on one instance; end it exactly once.
 *
 * @example
 * ```ts
 * const call = balancer.begin(instance);
 * try { await send(instance); call.end({ ok: true }); } catch (e) { call.end({ ok: false }); throw e; }
 * ```
 */
export interface CallHandle {
  readonly instance: ServiceInstance;
  end(outcome: CallOutcome): void;
}

/** @internal */
export interface ServiceBalancerMetrics {
  readonly ejections: Counter<'service'>;
  readonly ejected: Gauge<'service'>;
}

/**
 * Client-side load balancing for one service (Ribbon's `ILoadBalancer`): picks among the
 * UP instances that are not ejected, feeds call outcomes back into the statistics and
 * the outlier detector. Get one from `DiscoveryClient.balancer(service)`.
 *
 * @example
 * ```ts
 * const devices = discovery.balancer('device', { strategy: 'consistent-hash' });
 * const result = await devices.execute((instance) => callDevice(instance, hubId), { key: hubId });
 * ```
 */
export class ServiceBalancer {
  private candidatesFor: readonly ServiceInstance[] | undefined;
  private outlierVersion = -1;
  private returnAt = Infinity;
  private candidates: readonly ServiceInstance[] = [];

  /** @internal built by DiscoveryClient */
  constructor(
    private readonly source: InstanceSource,
    readonly strategy: LoadBalancer,
    private readonly stats: InstanceStats,
    private readonly outliers: OutlierDetector,
    private readonly clock: Clock,
    private readonly metrics?: ServiceBalancerMetrics,
  ) {}

  get service(): string {
    return this.source.service;
  }

  /** Waits for the service's instances (first call only), then picks one. */
  async choose(context: PickContext = {}): Promise<ServiceInstance> {
    if (this.source.up() === undefined) await this.source.load();
    return this.pick(context);
  }

  /**
   * Picks synchronously from the cached instances; throws `DiscoveryNoInstancesError` when
   * none can take the call (or nothing is loaded yet: use {@link choose} for the first call).
   */
  pick(context: PickContext = {}): ServiceInstance {
    const candidates = this.currentCandidates();
    const chosen = candidates.length === 0 ? undefined : this.strategy.pick(candidates, context);
    if (chosen === undefined) throw new DiscoveryNoInstancesError(this.service, this.source.knownCount());
    return chosen;
  }

  /** Starts a call on `instance` (counts it as outstanding); end it with the outcome. */
  begin(instance: ServiceInstance): CallHandle {
    const startedAt = this.clock.now();
    this.stats.start(instance.instanceId);
    let ended = false;
    return {
      instance,
      end: (outcome) => {
        if (ended) return;
        ended = true;
        this.stats.end(instance.instanceId, this.clock.now() - startedAt, outcome.ok);
        if (outcome.ok) this.outliers.onSuccess(instance.instanceId);
        else this.recordFailure(instance.instanceId);
      },
    };
  }

  /** Chooses an instance, runs `call` on it and records the outcome (a throw counts as a failure). */
  async execute<T>(call: (instance: ServiceInstance) => Promise<T>, context: PickContext = {}): Promise<T> {
    const instance = await this.choose(context);
    const handle = this.begin(instance);
    try {
      const result = await call(instance);
      handle.end({ ok: true });
      return result;
    } catch (error) {
      handle.end({ ok: false });
      throw error;
    }
  }

  /** Ids of this service's instances ejected now. */
  ejected(): string[] {
    return this.outliers.ejected();
  }

  /** The instances a pick chooses from now: UP and not ejected (at most `maxEjectedRatio` of them ejected). */
  currentCandidates(): readonly ServiceInstance[] {
    const up = this.source.up() ?? [];
    const now = this.clock.now();
    if (up !== this.candidatesFor || this.outliers.version !== this.outlierVersion || now >= this.returnAt) {
      if (up !== this.candidatesFor) {
        // Forget instances that left, so long-lived clients do not accumulate state.
        const ids = new Set(up.map((i) => i.instanceId));
        this.stats.retain(ids);
        this.outliers.retain(ids);
      }
      this.candidatesFor = up;
      this.outlierVersion = this.outliers.version;
      this.returnAt = this.outliers.nextReturnAt(now);
      const healthy = up.filter((i) => !this.outliers.isEjected(i.instanceId, now));
      // With every instance ejected (e.g. the healthy ones left), use them all rather than none.
      this.candidates = healthy.length === 0 ? up : healthy;
      this.metrics?.ejected.set({ service: this.service }, up.length - healthy.length);
    }
    return this.candidates;
  }

  private recordFailure(instanceId: string): void {
    const population = (this.source.up() ?? []).map((i) => i.instanceId);
    if (this.outliers.onFailure(instanceId, population)) this.metrics?.ejections.inc({ service: this.service });
  }
}
