import type { Server, ServerResponse } from 'node:http';

/**
 * Counts in-flight HTTP requests and drains them on shutdown: the listener closes (new
 * connections are refused), idle keep-alive connections close, responses still in flight
 * finish with `Connection: close`, and whatever is left at the deadline is cut.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;
  private onIdle: (() => void) | undefined;

  /** The 'close' listener every tracked response shares (`this` is the response). */
  private readonly untrack: (this: ServerResponse) => void;

  constructor() {
    const inFlight = this.inFlight;
    const closed = (): void => {
      if (this.draining) this.onIdle?.();
    };
    this.untrack = function (this: ServerResponse): void {
      inFlight.delete(this);
      closed();
    };
  }

  /** Counts a request until its response closes; called for every request the server gets. */
  track(res: ServerResponse): void {
    this.inFlight.add(res);
    if (this.draining) res.shouldKeepAlive = false;
    // One shared listener ('close' fires once per response): no closure per request.
    res.on('close', this.untrack);
  }

  get activeRequests(): number {
    return this.inFlight.size;
  }

  /** Resolves with the number of requests that were still running at the deadline (cut). */
  async drain(server: Server, deadline: number): Promise<number> {
    this.draining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
    server.close();
    server.closeIdleConnections();
    if (this.inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.onIdle = () => {
          server.closeIdleConnections();
          if (this.inFlight.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
    }
    this.onIdle = undefined;
    const cut = this.inFlight.size;
    server.closeAllConnections();
    return cut;
  }
}
