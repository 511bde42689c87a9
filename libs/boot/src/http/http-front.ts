import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMiddleware } from '@lattice/telemetry';

/**
 * Serves a request ahead of Nest's router; returns `true` when it took the request (it must
 * then answer it), `false` to let the next handler or Nest have it.
 */
export type FrontHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The app's HTTP server entry in front of Nest: hot paths (a proxy, an ingest endpoint) can
 * skip Nest's router and middleware while health, metrics and every other route stay on
 * Nest. Requests served here are still counted by boot's graceful drain: on SIGTERM they get
 * `Connection: close` and the grace period to finish, like Nest's own. Register handlers
 * during bootstrap; they are tried in registration order. Boot's request metric and span are
 * not applied here; a handler that wants them runs the request through
 * {@link HttpFront.requestTelemetry}.
 *
 * @example
 * ```ts
 * @Injectable()
 * class Ingest implements OnApplicationBootstrap {
 *   constructor(private readonly front: HttpFront) {}
 *   onApplicationBootstrap(): void {
 *     this.front.use((req, res) => {
 *       if (req.method !== 'POST' || req.url !== '/ingest') return false;
 *       req.resume().on('end', () => res.writeHead(202).end());
 *       return true;
 *     });
 *   }
 * }
 * ```
 */
export class HttpFront {
  private handlers: readonly FrontHandler[] = [];

  /**
   * @param requestTelemetry the request metric and server span that boot gives Nest's routes
   *   (`createHttpTelemetry`): a handler that wants its requests counted and traced like
   *   Nest's runs them through it.
   * @param tracesRequests whether that middleware makes a span active per request (see
   *   `telemetry.tracing`): a handler that reads the body from the socket's events must then
   *   bind them to the request's context to keep the span active.
   */
  constructor(
    readonly requestTelemetry: HttpMiddleware = (_req, _res, next) => next(),
    readonly tracesRequests = false,
  ) {}

  /** Adds a handler; the returned function removes it. */
  use(handler: FrontHandler): () => void {
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /** Offers a request to the handlers; `false` when none took it. */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    const handlers = this.handlers;
    for (let i = 0; i < handlers.length; i++) if (handlers[i]!(req, res)) return true;
    return false;
  }
}
