import type { Clock } from '@lattice/core';
import type { MetricsRegistry } from '@lattice/telemetry';

/** Options of a Lattice gRPC server. */
export interface GrpcServerOptions {
  /** Address to bind. @default '0.0.0.0' */
  host?: string;
  /** Port to bind; 0 picks a free one (read it back from `port`). @default 50051 */
  port?: number;
  /** Largest message received or sent, in bytes. @default 4194304 (4 MiB) */
  maxMessageBytes?: number;
  /** Interval of server keepalive pings on idle connections, in ms. @default 30000 */
  keepaliveTimeMs?: number;
  /** How long to wait for a keepalive ping answer before closing, in ms. @default 10000 */
  keepaliveTimeoutMs?: number;
  /** Smallest ping interval allowed from clients, in ms (faster pings are answered with GOAWAY). @default 10000 */
  minClientPingIntervalMs?: number;
  /** Serve grpc.reflection.v1 and v1alpha. @default true */
  reflection?: boolean;
  /** Accept the Lattice fast path (unary calls multiplexed over long-lived streams). @default true */
  fastPath?: boolean;
  /**
   * Length of the queue of connections the kernel completes before the server accepts them
   * (capped by `net.core.somaxconn`). Raise it for servers that must absorb connection storms,
   * e.g. tens of thousands of devices reconnecting at once: past the queue the kernel drops
   * handshakes and clients wait for retransmissions, often past their connect timeout. When
   * set, the server listens on its own socket (one address: `host` as given) and hands each
   * connection to grpc-js.
   * @default grpc-js's listener (Node's 511)
   */
  listenBacklog?: number;
  /** Request-duration histograms go here (`lattice_rpc_server_duration_seconds`). @default none */
  metrics?: MetricsRegistry;
  /** Clock for deadlines and drain timers. @default systemClock */
  clock?: Clock;
}

/** Defaults of {@link GrpcServerOptions} (one constant, merged once). */
export const GRPC_SERVER_DEFAULTS = {
  host: '0.0.0.0',
  port: 50051,
  maxMessageBytes: 4 * 1024 * 1024,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  minClientPingIntervalMs: 10_000,
  reflection: true,
  fastPath: true,
} as const;
