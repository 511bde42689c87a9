// A local HTTP server speaking the Kubernetes list and watch protocol for
// discovery.k8s.io/v1 EndpointSlices, with the real object shapes: resource versions,
// label selectors, watch events streamed as JSON lines, BOOKMARK events, "410 Gone" for
// a compacted history (as an ERROR event, like the API server), and watches it can end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface Event {
  readonly rv: number;
  readonly type: EventType;
  readonly object: V1EndpointSlice;
}

export class FakeKubeApi {
  private server: Server | undefined;
  private rv = 1000;
  private compactedThrough = 0;
  private readonly slices = new Map<string, V1EndpointSlice>();
  private readonly history: Event[] = [];
  private readonly watches = new Set<{ res: ServerResponse; selector: string | null; bookmarks: boolean }>();
  private failures: { kind: 'list' | 'watch'; status: number }[] = [];
  /** What clients asked for: `list` or `watch@<resourceVersion>`. */
  readonly requests: string[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'test-token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace: 'lattice' }],
      currentContext: 'fake',
    });
    return config;
  }

  /** Creates or replaces a slice (ADDED / MODIFIED). */
  apply(slice: V1EndpointSlice): void {
    const name = slice.metadata!.name!;
    const type: EventType = this.slices.has(name) ? 'MODIFIED' : 'ADDED';
    const stored: V1EndpointSlice = {
      ...slice,
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { ...slice.metadata, namespace: 'lattice', resourceVersion: String(++this.rv) },
    };
    this.slices.set(name, stored);
    this.emit({ rv: this.rv, type, object: stored });
  }

  delete(name: string): void {
    const slice = this.slices.get(name);
    if (slice === undefined) return;
    this.slices.delete(name);
    const object = { ...slice, metadata: { ...slice.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ rv: this.rv, type: 'DELETED', object });
  }

  /** Forgets the event history: watches from an older version now get 410 Gone. */
  compact(): void {
    this.compactedThrough = this.rv;
    this.history.length = 0;
  }

  /** Moves the resource version on without any event the selector matches (other objects changed). */
  bumpVersion(by = 5): void {
    this.rv += by;
  }

  /** Sends a BOOKMARK with the current version to watches that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.watches)
      if (w.bookmarks)
        this.write(w.res, {
          type: 'BOOKMARK',
          object: {
            kind: 'EndpointSlice',
            apiVersion: 'discovery.k8s.io/v1',
            metadata: { resourceVersion: String(this.rv) },
          },
        });
  }

  /** Ends every open watch (as the API server does on its watch timeout). */
  closeWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  /** The next request of that kind fails with `status`. */
  failNext(kind: 'list' | 'watch', status: number): void {
    this.failures.push({ kind, status });
  }

  get watchCount(): number {
    return this.watches.size;
  }

  async stop(): Promise<void> {
    this.closeWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== '/apis/discovery.k8s.io/v1/namespaces/lattice/endpointslices' || req.method !== 'GET') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify(status(404, 'NotFound', 'not found')));
      return;
    }
    if (req.headers.authorization !== 'Bearer test-token') {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify(status(401, 'Unauthorized', 'no token')));
      return;
    }
    const selector = url.searchParams.get('labelSelector');
    const watching = url.searchParams.get('watch') === 'true';
    const failure = this.failures.findIndex((f) => f.kind === (watching ? 'watch' : 'list'));
    if (failure >= 0) {
      const { status: code } = this.failures.splice(failure, 1)[0]!;
      res
        .writeHead(code, { 'content-type': 'application/json' })
        .end(JSON.stringify(status(code, 'InternalError', 'injected')));
      return;
    }
    if (!watching) {
      this.requests.push('list');
      const items = [...this.slices.values()].filter((s) => matches(s, selector));
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'EndpointSliceList',
          apiVersion: 'discovery.k8s.io/v1',
          metadata: { resourceVersion: String(this.rv) },
          items,
        }),
      );
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    this.requests.push(`watch@${from}`);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders(); // the API server answers a watch at once, events follow
    if (from < this.compactedThrough) {
      this.write(res, {
        type: 'ERROR',
        object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedThrough})`),
      });
      res.end();
      return;
    }
    for (const event of this.history) if (event.rv > from && matches(event.object, selector)) this.write(res, event);
    const watch = { res, selector, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true' };
    this.watches.add(watch);
    res.on('close', () => this.watches.delete(watch));
  }

  private emit(event: Event): void {
    this.history.push(event);
    for (const w of this.watches) if (matches(event.object, w.selector)) this.write(w.res, event);
  }

  private write(res: ServerResponse, event: { type: string; object: unknown }): void {
    res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }
}

function matches(slice: V1EndpointSlice, selector: string | null): boolean {
  if (selector === null || selector === '') return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return slice.metadata?.labels?.[key!] === value;
  });
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** An EndpointSlice of `service` as the EndpointSlice controller writes it. */
export function endpointSlice(
  name: string,
  service: string,
  endpoints: {
    ip: string;
    pod?: string;
    zone?: string;
    ready?: boolean;
    serving?: boolean;
    terminating?: boolean;
  }[],
  ports: { name?: string; port: number }[] = [{ name: 'http', port: 8080 }],
  labels: Record<string, string> = { 'lattice.dev/discovery': 'true' },
): V1EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: {
      name,
      labels: {
        'kubernetes.io/service-name': service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
        ...labels,
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service, uid: `uid-${service}` }],
    },
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: {
        ready: e.ready ?? true,
        serving: e.serving ?? e.ready ?? true,
        terminating: e.terminating ?? false,
      },
      ...(e.pod === undefined ? {} : { targetRef: { kind: 'Pod', name: e.pod, namespace: 'lattice' } }),
      ...(e.zone === undefined ? {} : { zone: e.zone }),
      nodeName: 'node-1',
    })),
    ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
  };
}
