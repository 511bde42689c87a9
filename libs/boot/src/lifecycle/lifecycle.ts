/** Where an application is in its life. Only `ready` answers readiness probes with 200. */
export type LifecycleState = 'created' | 'starting' | 'ready' | 'draining' | 'stopped';

/**
 * The application's lifecycle state, injectable anywhere (e.g. to refuse new streams once
 * draining has begun).
 */
export class ApplicationLifecycle {
  private current: LifecycleState = 'created';
  private readonly listeners = new Set<(state: LifecycleState) => void>();

  get state(): LifecycleState {
    return this.current;
  }

  get isReady(): boolean {
    return this.current === 'ready';
  }

  /** Called on every change; returns a function that removes the listener. */
  onChange(listener: (state: LifecycleState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal boot moves the state; applications only read it. */
  moveTo(state: LifecycleState): void {
    if (state === this.current) return;
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}

/**
 * Implemented by providers that announce the instance somewhere (a service registry):
 * called after the servers listen and before the instance reports ready.
 */
export interface OnRegister {
  onRegister(): Promise<void> | void;
}

/**
 * Implemented by providers that must withdraw the instance first on shutdown (deregister
 * from discovery, mark gRPC health NOT_SERVING): called right after readiness turns false,
 * before the listeners close.
 */
export interface OnDeregister {
  onDeregister(signal: string): Promise<void> | void;
}

/**
 * Implemented by providers that hold long-lived calls or streams (gRPC servers, WebSocket
 * hubs): called once the HTTP listener has closed; finish or close your work by `deadline`
 * (epoch ms), after which boot closes the application regardless.
 */
export interface OnDrain {
  onDrain(deadline: number): Promise<void> | void;
}
