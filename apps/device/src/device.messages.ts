/** Every message the device app puts into its errors: what happened and how to fix it. */
export const DeviceMessages = {
  unauthenticated: (): string => 'unauthenticated',
  replaced: (): string => 'replaced by a newer connection',
  heartbeatMissed: (silentMs: number): string =>
    `no frame from the hub for ${silentMs} ms (three heartbeat intervals); reconnect and send a ping at least every heartbeat_interval_ms`,
  overflow: (frames: number): string =>
    `the hub reads too slowly: ${frames} frames are waiting to be sent; the stream is closed, reconnect and keep reading`,
  draining: (): string => 'this device instance is shutting down; reconnect (another instance takes over)',
  deviceNotFound: (deviceId: string): string => `Device ${deviceId} does not exist in the caller's homes.`,
  hubNotFound: (hubId: string): string => `Hub ${hubId} does not exist in the caller's homes.`,
  commandNotFound: (commandId: string): string => `Command ${commandId} does not exist in the caller's homes.`,
  hubOffline: (hubId: string): string =>
    `Hub ${hubId} is offline; send the command with queue_ttl_ms (queueTtlMs) to deliver it when the hub reconnects.`,
  hubNotHeld: (hubId: string): string =>
    `Hub ${hubId} is not connected to this instance (its route moved); re-read the route and retry.`,
  commandTimeout: (commandId: string, timeoutMs: number): string =>
    `Command ${commandId} got no result from the hub within ${timeoutMs} ms; its status is TIMEOUT.`,
  commandConflict: (commandId: string): string =>
    `Command id ${commandId} is already used for another device or method; pick a new command id.`,
  hubDisconnected: (): string => 'the hub disconnected before answering',
  invalidRequest: (problem: string): string => `Invalid request: ${problem}.`,
  missingIdentity: (): string =>
    'The request carries no caller identity (x-lattice-user and x-lattice-homes headers); call through the gateway.',
} as const;
