import type { ChildProcess } from 'node:child_process';

/** A redis-server a test owns. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ChildProcess;
  /** SIGTERM, then SIGKILL after 2 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;

/** Starts redis-server on `port` (or a free one) and resolves once it answers PING. */
export function startRedis(port?: number): Promise<TestRedis>;
