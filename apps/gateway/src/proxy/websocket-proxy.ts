import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { LatticeError, PROBLEM_CONTENT_TYPE, statusTitle, toProblem, type Clock } from '@lattice/core';
import { GatewayNotFoundError } from '../gateway.errors.js';
import type { GatewayProxy } from './gateway-proxy.js';
import { requestIdOf, upstreamRequestHeaders } from './http-headers.js';
import { checkRequestTarget } from './request-path.js';
import type { UpstreamResolver } from './upstreams.js';

/**
 * Proxies WebSocket upgrades on routes with `websocket: true`: the same path checks, route
 * match, authentication (Authorization header or `access_token` query parameter) and tenant
 * check as HTTP, then a raw TCP tunnel to the upstream that carries the handshake and every
 * frame both ways. Refusals are problem+json HTTP answers before the upgrade.
 *
 * @example
 * ```ts
 * const ws = new WebSocketProxy(proxy, upstreams, clock);
 * server.on('upgrade', (req, socket, head) => ws.handle(req, socket, head));
 * ```
 */
export class WebSocketProxy {
  private readonly tunnels = new Set<Duplex>();

  constructor(
    private readonly proxy: GatewayProxy,
    private readonly upstreams: UpstreamResolver,
    private readonly clock: Clock,
    private readonly connectTimeoutMs = 5_000,
  ) {}

  /** Open tunnels (both sides counted once). */
  get open(): number {
    return this.tunnels.size;
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.upgrade(req, socket, head).catch((error: unknown) =>
      refuse(socket, error, requestIdOf(req.headers, this.proxy.ids)),
    );
  }

  /** Closes every tunnel (shutdown). */
  closeAll(): void {
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const requestId = requestIdOf(req.headers, this.proxy.ids);
    const { path, query } = checkRequestTarget(req.url);
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket') throw new GatewayNotFoundError();
    const match = this.proxy.matchRoute(req, path, query);
    if (match === undefined || !match.route.websocket) throw new GatewayNotFoundError();
    const params = new URLSearchParams(query);
    const token = params.get('access_token') ?? undefined;
    const principal = await this.proxy.authenticate(
      match.route,
      req,
      query === '' ? path : `${path}?${query}`,
      Buffer.alloc(0),
      req.headers.authorization === undefined ? token : undefined,
    );
    this.proxy.checkTenant(match, principal);
    params.delete('access_token');
    const upstreamQuery = params.toString();
    const upstream = await this.upstreams.resolve(match.route.target);
    const url = new URL(upstream.origin);
    const headers = upstreamRequestHeaders(req, requestId, this.proxy.ids, true);
    if (principal !== undefined) Object.assign(headers, this.proxy.identityFor(principal));
    headers['host'] = url.host;
    const target = match.route.rewritePath(path, match.captures) + (upstreamQuery === '' ? '' : `?${upstreamQuery}`);
    let head1 = `GET ${target} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      for (const v of Array.isArray(value) ? value : [value]) head1 += `${name}: ${v.replace(/[\r\n]/g, '')}\r\n`;
    }
    head1 += '\r\n';

    const upstreamSocket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
      const timer = this.clock.setTimeout(() => s.destroy(new Error('connect timeout')), this.connectTimeoutMs);
      s.once('connect', () => {
        this.clock.clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (error) => {
        this.clock.clearTimeout(timer);
        reject(error);
      });
    }).catch((error: unknown) => {
      upstream.done(false);
      throw new LatticeError(
        'GATEWAY_UPSTREAM_UNAVAILABLE',
        'The WebSocket service could not be reached; retry later.',
        {
          status: 502,
          retryable: true,
          cause: error,
        },
      );
    });
    upstream.done(true);
    if (socket.destroyed) {
      upstreamSocket.destroy();
      return;
    }
    upstreamSocket.setNoDelay(true);
    this.tunnels.add(socket);
    this.tunnels.add(upstreamSocket);
    const teardown = (): void => {
      socket.destroy();
      upstreamSocket.destroy();
      this.tunnels.delete(socket);
      this.tunnels.delete(upstreamSocket);
    };
    socket.on('close', teardown);
    upstreamSocket.on('close', teardown);
    upstreamSocket.on('error', teardown);
    upstreamSocket.write(head1);
    if (head.length > 0) upstreamSocket.write(head);
    // The upstream's 101 (or its refusal) and then the frames flow back unchanged.
    upstreamSocket.pipe(socket);
    socket.pipe(upstreamSocket);
  }
}

function refuse(socket: Duplex, error: unknown, requestId: string): void {
  if (socket.destroyed || !socket.writable) return;
  const problem = toProblem(error);
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${statusTitle(problem.status)}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
