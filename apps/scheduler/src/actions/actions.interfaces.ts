/** A device command; `commandId` is the firing's idempotency key, so a retried firing is one command. */
export interface DeviceCommandRequest {
  readonly commandId: string;
  readonly homeId: string;
  readonly deviceId: string;
  readonly method: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly timeoutMs: number;
}

/** A desired-state change of a device. */
export interface DesiredStateRequest {
  readonly idempotencyKey: string;
  readonly homeId: string;
  readonly deviceId: string;
  readonly desired: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The device side of actions (DeviceService over gRPC in production).
 *
 * @example
 * ```ts
 * await devices.sendCommand({ commandId: 'r-1#0@1700000000000/0', homeId, deviceId, method: 'on', params: {}, timeoutMs: 5000 });
 * ```
 */
export interface DeviceActions {
  sendCommand(request: DeviceCommandRequest): Promise<void>;
  updateDesired(request: DesiredStateRequest): Promise<void>;
}
/** Injection token of {@link DeviceActions}. */
export const DeviceActions = Symbol('LATTICE:SCHEDULER:DEVICE_ACTIONS');

/** A push notification to every user of a home. */
export interface PushRequest {
  readonly idempotencyKey: string;
  readonly homeId: string;
  readonly title: string;
  readonly body: string;
  readonly ruleId: string;
}

/**
 * The push side of actions (the push app's `POST /push/messages`).
 *
 * @example
 * ```ts
 * await push.send({ idempotencyKey, homeId: 'h-1', title: 'Door open', body: '', ruleId: 'r-1' });
 * ```
 */
export interface PushActions {
  send(request: PushRequest): Promise<void>;
}
/** Injection token of {@link PushActions}. */
export const PushActions = Symbol('LATTICE:SCHEDULER:PUSH_ACTIONS');

/** An outbound webhook call. */
export interface WebhookRequest {
  readonly idempotencyKey: string;
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  readonly body: Readonly<Record<string, unknown>>;
  /** HMAC-SHA256 key; without it the request is unsigned. */
  readonly secret?: string;
}

/**
 * Outbound webhooks.
 *
 * @example
 * ```ts
 * await webhooks.call({ idempotencyKey, url: 'https://example.com/hook', method: 'POST', body: {}, secret });
 * ```
 */
export interface Webhooks {
  call(request: WebhookRequest): Promise<void>;
}
/** Injection token of {@link Webhooks}. */
export const Webhooks = Symbol('LATTICE:SCHEDULER:WEBHOOKS');
