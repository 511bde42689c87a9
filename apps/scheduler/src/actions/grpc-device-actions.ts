import { fileURLToPath } from 'node:url';
import type { DiscoveryClient } from '@lattice/discovery';
import { GrpcClient, loadGrpcService } from '@lattice/rpc';
import { ActionFailedError } from '../scheduler.errors.js';
import type { DesiredStateRequest, DeviceActions, DeviceCommandRequest } from './actions.interfaces.js';

type WireValue = { number: number } | { string: string } | { bool: boolean };
interface DeviceServiceStub {
  SendCommand(
    request: Record<string, unknown>,
    options?: { timeoutMs?: number },
  ): Promise<{ status?: string; error?: string }>;
  UpdateDesired(request: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<unknown>;
}

/** The repository's proto root (same depth from src/ and dist/). */
const PROTO_ROOT = fileURLToPath(new URL('../../../../proto', import.meta.url));

function toWire(values: Readonly<Record<string, string | number | boolean>>): Record<string, WireValue> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      typeof v === 'number' ? { number: v } : typeof v === 'boolean' ? { bool: v } : { string: v },
    ]),
  );
}

/**
 * {@link DeviceActions} over the device app's `lattice.device.v1.DeviceService`
 * (`SendCommand` is idempotent by `command_id`, which carries the firing id).
 *
 * @example
 * ```ts
 * const devices = new GrpcDeviceActions({ discovery });
 * await devices.close();
 * ```
 */
export class GrpcDeviceActions implements DeviceActions {
  private readonly client: GrpcClient;
  private readonly stub: DeviceServiceStub;

  constructor(options: { discovery?: DiscoveryClient; address?: string; service?: string }) {
    this.client = new GrpcClient({
      service: options.service ?? 'device',
      contract: loadGrpcService({
        protoPath: 'lattice/device/v1/device_service.proto',
        package: 'lattice.device.v1',
        service: 'DeviceService',
        includeDirs: [PROTO_ROOT],
      }),
      ...(options.discovery ? { discovery: options.discovery } : {}),
      ...(options.address ? { address: options.address } : {}),
      idempotentMethods: ['SendCommand'],
      caller: 'scheduler',
    });
    this.stub = this.client.stub() as unknown as DeviceServiceStub;
  }

  async sendCommand(command: DeviceCommandRequest): Promise<void> {
    const result = await this.stub.SendCommand(
      {
        deviceId: command.deviceId,
        homeIds: [command.homeId],
        method: command.method,
        params: toWire(command.params),
        timeoutMs: String(command.timeoutMs),
        commandId: command.commandId,
      },
      { timeoutMs: command.timeoutMs + 1000 },
    );
    if (result.status !== undefined && result.status !== 'SUCCEEDED' && result.status !== 'QUEUED') {
      throw new ActionFailedError(
        'device_command',
        `${result.status}${result.error ? `: ${result.error}` : ''}`,
        false,
      );
    }
  }

  async updateDesired(change: DesiredStateRequest): Promise<void> {
    await this.stub.UpdateDesired({
      deviceId: change.deviceId,
      homeIds: [change.homeId],
      desired: toWire(change.desired),
      remove: [],
    });
  }

  /** Closes the gRPC channels. */
  close(): Promise<void> {
    return this.client.close();
  }
}
