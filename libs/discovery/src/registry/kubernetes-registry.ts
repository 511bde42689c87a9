import { readFileSync } from 'node:fs';
import { systemClock, type Clock, type ClockTimer } from '@lattice/core';
import type * as KubernetesClient from '@kubernetes/client-node';
import type { DiscoveryV1Api, KubeConfig, V1EndpointSlice, Watch } from '@kubernetes/client-node';
import { DiscoveryReadOnlyRegistryError } from '../discovery.errors.js';
import type {
  InstanceDescriptor,
  InstanceStatus,
  ServiceInstance,
  ServiceSnapshot,
} from '../instance/service-instance.js';
import { assertDescriptor, byInstanceId, settle, toInstance } from '../internal/instances.js';
import { WatcherSet } from '../internal/watcher-set.js';
import type { LeaseOptions, RegistryHealth, RegistryWatcher, ServiceRegistry } from './service-registry.interfaces.js';

/**
 * Options of {@link KubernetesRegistry}.
 *
 * @example
 * ```ts
 * new KubernetesRegistry({ namespace: 'lattice', labelSelector: 'lattice.dev/discovery=true' });
 * ```
 */
export interface KubernetesRegistryOptions {
  /** Cluster access. @default KubeConfig.loadFromDefault() (in-cluster service account, else ~/.kube/config) */
  kubeConfig?: KubeConfig;
  /** Namespace whose EndpointSlices are read. @default the pod's namespace, else the kubeconfig context's, else 'default' */
  namespace?: string;
  /** Slices (copied from their Service's labels) that Lattice discovers. @default 'lattice.dev/discovery=true' */
  labelSelector?: string;
  /** Wait before listing or watching again after an error. @default 1000 */
  retryDelayMs?: number;
  /** @default systemClock */
  clock?: Clock;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The Kubernetes client, loaded when a registry first reads, not with the lib: it costs ~72 MB of
 * RSS (27 MB of heap) in every process that imports it, and only the kubernetes backend uses it.
 */
let kubernetesClient: Promise<typeof KubernetesClient> | undefined;
const loadKubernetesClient = (): Promise<typeof KubernetesClient> =>
  (kubernetesClient ??= import('@kubernetes/client-node'));

/**
 * Discovery from Kubernetes EndpointSlices: one list + watch of the namespace's slices that
 * carry the Lattice label (with bookmarks; a `410 Gone` relists; a closed watch resumes from
 * the last resource version). Endpoint conditions map to status: ready → UP, terminating
 * and serving → OUT_OF_SERVICE, terminating → DOWN, not ready → STARTING; the zone comes
 * from the endpoint's topology. Registration is a no-op (Kubernetes registers pods) and
 * status changes are refused.
 *
 * @example
 * ```ts
 * const registry = new KubernetesRegistry({ namespace: 'lattice' });
 * const { instances } = await registry.snapshot('device'); // from the `device` Service's slices
 * ```
 */
export class KubernetesRegistry implements ServiceRegistry {
  readonly kind = 'kubernetes';
  /** Given, or the default kubeconfig once the client is loaded. */
  private config: KubeConfig | undefined;
  /** Known at construction unless it comes from the default kubeconfig's context (read in `loop`). */
  private readonly namespace: string | undefined;
  private readonly labelSelector: string;
  private readonly retryDelayMs: number;
  private readonly clock: Clock;
  private readonly watchers = new WatcherSet();
  private readonly slices = new Map<string, V1EndpointSlice>();
  private readonly firstSeen = new Map<string, number>();
  private resourceVersion = '';
  private hasSynced = false;
  private connected = false;
  private stopped = false;
  private running: Promise<void> | undefined;
  private synced: Promise<void>;
  private markSynced!: () => void;
  private abort: AbortController | undefined;
  private retryTimer: ClockTimer | undefined;
  private wakeRetry: (() => void) | undefined;
  private endWatch: (() => void) | undefined;
  private lastError: Error | undefined;

  constructor(options: KubernetesRegistryOptions = {}) {
    this.config = options.kubeConfig;
    this.namespace =
      options.namespace ??
      podNamespace() ??
      (this.config === undefined ? undefined : (contextNamespace(this.config) ?? 'default'));
    this.labelSelector = options.labelSelector ?? 'lattice.dev/discovery=true';
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.clock = options.clock ?? systemClock;
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
  }

  /** A no-op returning the instance as given: Kubernetes registers pods through their Service. */
  register(descriptor: InstanceDescriptor, _lease: LeaseOptions): Promise<ServiceInstance> {
    return settle(() => {
      assertDescriptor(descriptor);
      return toInstance(descriptor, this.clock.now());
    });
  }

  /** Always true: there is no lease to renew. */
  renew(_service: string, _instanceId: string, _lease: LeaseOptions): Promise<boolean> {
    return Promise.resolve(true);
  }

  /** A no-op (false): Kubernetes removes terminating pods from the slices. */
  deregister(_service: string, _instanceId: string): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** Refused with `DiscoveryReadOnlyRegistryError`: drain a pod by failing its readiness probe instead. */
  setStatus(_service: string, _instanceId: string, _status: InstanceStatus): Promise<boolean> {
    return Promise.reject(new DiscoveryReadOnlyRegistryError(this.kind, 'setStatus'));
  }

  /** The service's endpoints; the first call waits for the initial list (and rejects if it fails). */
  async snapshot(service: string): Promise<ServiceSnapshot> {
    await this.ensureSynced();
    return this.read(service);
  }

  async services(): Promise<string[]> {
    await this.ensureSynced();
    const names = new Set<string>();
    for (const slice of this.slices.values()) {
      const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (name !== undefined && this.read(name).instances.length > 0) names.add(name);
    }
    return [...names].sort();
  }

  watch(service: string, watcher: RegistryWatcher): () => void {
    const stop = this.watchers.add(service, watcher);
    this.start();
    void this.synced.then(() => {
      if (this.watchers.has(service, watcher)) watcher.onSnapshot(this.read(service));
    });
    return stop;
  }

  health(): RegistryHealth {
    return { kind: this.kind, connected: this.connected && !this.stopped, selfPreservation: [] };
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.endWatch?.();
    this.watchers.clear();
    await this.running;
  }

  private start(): void {
    if (this.running !== undefined || this.stopped) return;
    this.running = this.loop();
  }

  private async ensureSynced(): Promise<void> {
    this.start();
    if (this.hasSynced) return;
    // Not synced yet: wait for the first list, or fail with the error that prevents it.
    const failed = new Promise<never>((_, reject) => {
      const check = (): void => {
        if (this.hasSynced || this.stopped) return;
        if (this.lastError !== undefined) reject(this.lastError);
        else setTimeout(check, 20).unref();
      };
      check();
    });
    return Promise.race([this.synced, failed]);
  }

  private async loop(): Promise<void> {
    let api: DiscoveryV1Api;
    let watch: Watch;
    let namespace: string;
    try {
      const client = await loadKubernetesClient();
      const config = (this.config ??= defaultKubeConfig(client.KubeConfig));
      namespace = this.namespace ?? contextNamespace(config) ?? 'default';
      api = config.makeApiClient(client.DiscoveryV1Api);
      watch = new client.Watch(config);
    } catch (error) {
      this.failed(error);
      return;
    }
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.list(api, namespace);
        await this.watchOnce(watch, namespace);
      } catch (error) {
        if (this.stopped) break;
        this.failed(error);
        await this.sleep(this.retryDelayMs);
      }
    }
  }

  private async list(api: DiscoveryV1Api, namespace: string): Promise<void> {
    const list = await api.listNamespacedEndpointSlice({
      namespace,
      labelSelector: this.labelSelector,
    });
    const touched = new Set(this.serviceNames());
    this.slices.clear();
    for (const slice of list.items) this.slices.set(sliceKey(slice), slice);
    for (const name of this.serviceNames()) touched.add(name);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.connected = true;
    this.lastError = undefined;
    this.hasSynced = true;
    this.markSynced();
    for (const service of touched) this.watchers.deliver(this.read(service));
  }

  /** One watch request; resolves when the server ends it (restart from the last version) and rejects on errors. */
  private watchOnce(watch: Watch, namespace: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // close() must not wait for a watch request the server has not answered yet.
      this.endWatch = resolve;
      let finished = false;
      const done = (error: unknown): void => {
        finished = true;
        this.abort = undefined;
        this.endWatch = undefined;
        if (error === null || error === undefined) return resolve();
        if (isGone(error)) {
          this.resourceVersion = ''; // too old: list again
          return resolve();
        }
        reject(error instanceof Error ? error : new Error(`watch failed: ${JSON.stringify(error)}`));
      };
      watch
        .watch(
          `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`,
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, labelSelector: this.labelSelector },
          (phase: string, object: unknown) => this.onEvent(phase, object as V1EndpointSlice & { code?: number }),
          done,
        )
        .then(
          (controller) => {
            if (this.stopped) return controller.abort();
            if (finished) return; // the request failed; the controller is spent
            this.abort = controller;
            if (!this.connected) this.reconnected();
          },
          (error: unknown) => done(error),
        );
    });
  }

  private onEvent(phase: string, object: V1EndpointSlice & { code?: number }): void {
    if (phase === 'ERROR') {
      if (object.code === 410) this.resourceVersion = '';
      return;
    }
    const version = object.metadata?.resourceVersion;
    if (phase === 'BOOKMARK') {
      if (version !== undefined) this.resourceVersion = version;
      return;
    }
    if (!this.connected) this.connected = true;
    const key = sliceKey(object);
    const before = this.slices.get(key)?.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (phase === 'DELETED') this.slices.delete(key);
    else if (phase === 'ADDED' || phase === 'MODIFIED') this.slices.set(key, object);
    else return;
    if (version !== undefined) this.resourceVersion = version;
    const after = object.metadata?.labels?.[SERVICE_NAME_LABEL];
    for (const service of new Set([before, after]))
      if (service !== undefined) this.watchers.deliver(this.read(service));
  }

  /** A watch is established again after errors: the cache is current, so watchers hear it is fresh. */
  private reconnected(): void {
    this.connected = true;
    this.lastError = undefined;
    for (const service of this.watchers.services()) this.watchers.deliver(this.read(service));
  }

  private failed(error: unknown): void {
    this.lastError = error instanceof Error ? error : new Error(String(error));
    if (this.connected || this.resourceVersion === '') this.watchers.error(this.lastError);
    this.connected = false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = this.clock.setTimeout(resolve, ms).unref();
    });
  }

  private serviceNames(): string[] {
    const names: string[] = [];
    for (const slice of this.slices.values()) {
      const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (name !== undefined) names.push(name);
    }
    return names;
  }

  private read(service: string): ServiceSnapshot {
    const byId = new Map<string, ServiceInstance>();
    for (const slice of this.slices.values()) {
      if (slice.metadata?.labels?.[SERVICE_NAME_LABEL] !== service) continue;
      const ports: Record<string, number> = {};
      for (const [i, p] of (slice.ports ?? []).entries())
        if (p.port !== undefined) ports[p.name || (i === 0 ? 'http' : `port-${i}`)] = p.port;
      for (const endpoint of slice.endpoints) {
        const address = endpoint.addresses[0];
        if (address === undefined) continue;
        const instanceId = endpoint.targetRef?.name ?? address;
        const status = endpointStatus(endpoint.conditions);
        const existing = byId.get(instanceId);
        // The same pod can sit in two slices while they are rebalanced; prefer the UP entry.
        if (existing !== undefined && existing.status === 'UP') continue;
        const seenKey = `${service}/${instanceId}`;
        if (!this.firstSeen.has(seenKey)) this.firstSeen.set(seenKey, this.clock.now());
        const metadata: Record<string, string> = { endpointSlice: slice.metadata?.name ?? '' };
        if (endpoint.nodeName !== undefined) metadata['nodeName'] = endpoint.nodeName;
        if (endpoint.targetRef?.kind !== undefined) metadata['targetKind'] = endpoint.targetRef.kind;
        byId.set(instanceId, {
          service,
          instanceId,
          host: address,
          ports,
          ...(endpoint.zone === undefined ? {} : { zone: endpoint.zone }),
          metadata,
          status,
          registeredAtMs: this.firstSeen.get(seenKey)!,
        });
      }
    }
    return { service, instances: [...byId.values()].sort(byInstanceId), selfPreservation: false };
  }
}

function endpointStatus(
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean } | undefined,
): InstanceStatus {
  // Per the API, an unset condition means "unknown" and is read as true for ready/serving.
  const ready = conditions?.ready ?? true;
  const serving = conditions?.serving ?? ready;
  if (conditions?.terminating === true) return serving ? 'OUT_OF_SERVICE' : 'DOWN';
  return ready ? 'UP' : 'STARTING';
}

function sliceKey(slice: V1EndpointSlice): string {
  return slice.metadata?.name ?? '';
}

function isGone(error: unknown): boolean {
  const e = error as { statusCode?: number; code?: number } | null;
  return e?.statusCode === 410 || e?.code === 410;
}

function contextNamespace(config: KubeConfig): string | undefined {
  return config.getContextObject(config.getCurrentContext())?.namespace;
}

function defaultKubeConfig(KubeConfigClass: typeof KubeConfig): KubeConfig {
  const config = new KubeConfigClass();
  config.loadFromDefault();
  return config;
}

function podNamespace(): string | undefined {
  try {
    // Only present inside a pod; read once at construction.
    return readFileSync(NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
