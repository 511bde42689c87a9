/**
 * Lifecycle status of an instance, as Eureka names them. Only `UP` instances receive traffic.
 *
 * @example
 * ```ts
 * const takesTraffic = (status: InstanceStatus): boolean => status === 'UP';
 * ```
 */
export type InstanceStatus = 'STARTING' | 'UP' | 'OUT_OF_SERVICE' | 'DOWN';

/**
 * The values of {@link InstanceStatus}, for code that prefers constants to string literals.
 *
 * @example
 * ```ts
 * await registration.setStatus(InstanceStatus.OUT_OF_SERVICE); // drain this instance by hand
 * ```
 */
export const InstanceStatus = {
  STARTING: 'STARTING',
  UP: 'UP',
  OUT_OF_SERVICE: 'OUT_OF_SERVICE',
  DOWN: 'DOWN',
} as const satisfies Record<InstanceStatus, InstanceStatus>;

/**
 * What an instance says about itself when it registers.
 *
 * @example
 * ```ts
 * const me: InstanceDescriptor = {
 *   service: 'device',
 *   instanceId: 'device-7f9c',
 *   host: '10.0.3.17',
 *   ports: { http: 3002, grpc: 50052 },
 *   zone: 'eu-west-1a',
 *   version: '1.4.2',
 *   metadata: { weight: '2' },
 * };
 * ```
 */
export interface InstanceDescriptor {
  /** Logical service name (`device`, `push`); lower-case letters, digits, `-`, `_` and `.`. */
  readonly service: string;
  /** Unique within the service; stays the same across lease renewals. */
  readonly instanceId: string;
  /** Host name or IP address callers connect to. */
  readonly host: string;
  /** Named ports (`http`, `grpc`, ...). */
  readonly ports: Readonly<Record<string, number>>;
  /** Availability zone, for zone-affine balancing. */
  readonly zone?: string;
  /** The deployed version of the service. */
  readonly version?: string;
  /** Free key/values; `weight` (a positive number) is read by the weighted balancer. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** @default 'UP' */
  readonly status?: InstanceStatus;
}

/**
 * An instance as a registry knows it: the descriptor plus status and lease.
 *
 * @example
 * ```ts
 * const [first] = await discovery.getInstances('device');
 * const url = `http://${first.host}:${first.ports['http']}`;
 * ```
 */
export interface ServiceInstance {
  readonly service: string;
  readonly instanceId: string;
  readonly host: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly zone?: string;
  readonly version?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly status: InstanceStatus;
  /** When the instance registered (epoch ms). */
  readonly registeredAtMs: number;
  /** When the lease runs out unless renewed (epoch ms); absent where the registry has no leases (static, Kubernetes). */
  readonly leaseExpiresAtMs?: number;
  /** The lease length the instance registered with; absent where the registry has no leases. */
  readonly leaseTtlMs?: number;
}

/**
 * A service's instances as one registry read saw them.
 *
 * @example
 * ```ts
 * const snap = await registry.snapshot('device');
 * if (snap.selfPreservation) log.warn('registry is preserving expired leases for device');
 * ```
 */
export interface ServiceSnapshot {
  readonly service: string;
  /** Every known instance, whatever its status, sorted by instance id. */
  readonly instances: readonly ServiceInstance[];
  /**
   * True while the registry is in self-preservation for this service: most leases lapsed
   * at once (a partition rather than real deaths), so the expired ones are kept.
   */
  readonly selfPreservation: boolean;
}
