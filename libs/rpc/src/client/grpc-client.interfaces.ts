import type { Clock } from '@lattice/core';
import type { DiscoveryClient } from '@lattice/discovery';
import type { CircuitBreakerOptions } from '@lattice/resilience';
import type { MetricsRegistry } from '@lattice/telemetry';
import type { GrpcServiceContract } from '../grpc/grpc.interfaces.js';

/** Options of a discovery-aware gRPC client for one service. */
export interface GrpcClientOptions {
  /** Service name in discovery, e.g. `device`. */
  service: string;
  /** The gRPC service to call (from `loadGrpcService`). */
  contract: GrpcServiceContract;
  /** Discovery client that lists and watches the service's instances. Required unless `address` is set. */
  discovery?: DiscoveryClient;
  /** Fixed `host:port` to call instead of discovery (tests, external services). @default none */
  address?: string;
  /** Name of the instance port carrying gRPC. @default 'grpc' */
  portName?: string;
  /** Load-balancing strategy name from discovery's balancer registry. @default 'p2c' */
  balancer?: string;
  /** Deadline of each call unless the call says otherwise, in ms. @default 5000 */
  timeoutMs?: number;
  /** Methods that may be retried on UNAVAILABLE, on top of those marked idempotent in the .proto. @default [] */
  idempotentMethods?: readonly string[];
  /** Attempts of an idempotent call (first try included). @default 3 */
  maxAttempts?: number;
  /** Breaker per instance + method; `false` turns it off. @default resilience defaults */
  breaker?: CircuitBreakerOptions | false;
  /** Use the Lattice fast path for unary calls when the server offers it. @default true */
  fastPath?: boolean;
  /** Long-lived fast-path streams per instance. @default 2 */
  fastPathStreams?: number;
  /** This service's name, sent as `lattice-caller` metadata. @default none */
  caller?: string;
  /** Largest message sent or received, in bytes. @default 4194304 (4 MiB) */
  maxMessageBytes?: number;
  /** Keepalive ping interval on each channel, in ms. @default 30000 */
  keepaliveTimeMs?: number;
  /** Request-duration histograms go here (`lattice_rpc_client_duration_seconds`). @default none */
  metrics?: MetricsRegistry;
  /** Clock for deadlines. @default systemClock */
  clock?: Clock;
}

/** Defaults of {@link GrpcClientOptions} (one constant, merged once). */
export const GRPC_CLIENT_DEFAULTS = {
  portName: 'grpc',
  balancer: 'p2c',
  timeoutMs: 5000,
  maxAttempts: 3,
  fastPath: true,
  fastPathStreams: 2,
  maxMessageBytes: 4 * 1024 * 1024,
  keepaliveTimeMs: 30_000,
} as const;
