import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One delivery as the receiver saw it. */
export interface Delivery {
  readonly path: string;
  readonly key: string;
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
  readonly atMs: number;
}

/** A local webhook receiver counting effects by idempotency key. */
export interface WebhookReceiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Distinct idempotency keys seen (effects, once each). */
  keys(): Set<string>;
  /** Keys delivered more than once (retries after a takeover). */
  redelivered(): string[];
  /** Holds the next request to `path` (only that one) until {@link release}; resolves when it arrives. */
  hold(path: string): Promise<void>;
  release(): void;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1, port 0. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  let held: { path: string; waiting: ServerResponse[]; arrived: () => void; released: boolean } | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const path = req.url ?? '/';
      deliveries.push({
        path,
        key: String(req.headers['x-lattice-idempotency-key'] ?? ''),
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        headers: req.headers,
        atMs: Date.now(),
      });
      if (held !== undefined && !held.released && held.path === path && held.waiting.length === 0) {
        held.waiting.push(res);
        held.arrived();
        return;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    keys: () => new Set(deliveries.map((d) => d.key)),
    redelivered() {
      const seen = new Map<string, number>();
      for (const d of deliveries) seen.set(d.key, (seen.get(d.key) ?? 0) + 1);
      return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
    },
    hold(path) {
      return new Promise<void>((resolve) => {
        held = { path, waiting: [], arrived: resolve, released: false };
      });
    },
    release() {
      if (held === undefined) return;
      held.released = true;
      for (const res of held.waiting) res.writeHead(204).end();
      held.waiting = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        this_release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  function this_release(): void {
    if (held === undefined) return;
    held.released = true;
    for (const res of held.waiting) res.destroy();
  }
}
