/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/require-await -- raw grpc-js clients and streaming handlers in tests */
import { fileURLToPath } from 'node:url';
import { LatticeError } from '@lattice/core';
import { currentTraceIds } from '@lattice/telemetry';
import {
  GrpcServer,
  loadGrpcService,
  type GrpcImplementation,
  type GrpcServerOptions,
  type GrpcStub,
} from '@lattice/rpc';
import type { EchoClient, EchoHandlers } from './generated/lattice/test/v1/Echo.js';
import type { EchoReply } from './generated/lattice/test/v1/EchoReply.js';

export const ECHO_PROTO = fileURLToPath(new URL('../../../proto/lattice/test/v1/echo.proto', import.meta.url));
export const echoContract = loadGrpcService({ protoPath: ECHO_PROTO, package: 'lattice.test.v1', service: 'Echo' });

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new LatticeError('TEST_ABORTED', 'aborted', { status: 499 }));
    });
  });
}

/** The Echo service of the tests; `nextHop` is the stub Relay calls. */
export function echoImplementation(
  instance: string,
  nextHop?: () => GrpcStub<EchoClient>,
): GrpcImplementation<EchoHandlers> {
  const reply = async (
    request: { message: string; sleepMs: number; failCode: string },
    context: { remainingMs(): number; caller: string | undefined; signal: AbortSignal },
  ): Promise<EchoReply> => {
    await sleep(request.sleepMs, context.signal);
    if (request.failCode) throw new LatticeError(request.failCode, `failed with ${request.failCode}`, { status: 404 });
    const remaining = context.remainingMs();
    return {
      message: request.message,
      instance,
      deadlineRemainingMs: Number.isFinite(remaining) ? Math.round(remaining) : -1,
      traceId: currentTraceIds()?.traceId ?? '',
      caller: context.caller ?? '',
    };
  };
  return {
    Say: reply,
    Write: reply,
    Relay: async (request, context) => {
      if (!nextHop) throw new LatticeError('TEST_NO_NEXT_HOP', 'no next hop', { status: 412 });
      await sleep(request.sleepMs, context.signal);
      const next = await nextHop().Say({ message: request.message });
      const own = await reply({ ...request, sleepMs: 0 }, context);
      return {
        ...own,
        nextHopDeadlineRemainingMs: next.deadlineRemainingMs,
        message: `${next.instance}:${next.message}`,
      };
    },
    Count: async function* (request) {
      for (let i = 0; i < request.count; i += 1) yield { message: `${request.message}-${i}`, instance };
      if (request.failCode) throw new LatticeError(request.failCode, 'stream failed', { status: 409 });
    },
    Collect: async (requests) => {
      const parts: string[] = [];
      for await (const r of requests) parts.push(r.message);
      return { message: parts.join(','), instance };
    },
    Chat: async function* (requests) {
      for await (const r of requests) yield { message: r.message.toUpperCase(), instance };
    },
  };
}

/** Starts an Echo server on a free loopback port. */
export async function startEcho(
  instance: string,
  options: GrpcServerOptions = {},
  nextHop?: () => GrpcStub<EchoClient>,
): Promise<GrpcServer> {
  const server = new GrpcServer({ host: '127.0.0.1', port: 0, ...options });
  server.addService<EchoHandlers>(echoContract, echoImplementation(instance, nextHop));
  await server.start();
  server.onRegister();
  return server;
}
