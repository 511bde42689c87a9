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

  /** Counts a request until its response closes; called for every request the server gets. */
  track(res: ServerResponse): void {
    this.inFlight.add(res);
    if (this.draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      this.inFlight.delete(res);
      if (this.draining) this.onIdle?.();
    });
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
