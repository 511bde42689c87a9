import type { GrpcImplementation } from '@lattice/rpc';
import type { CommandView } from '../generated/lattice/device/v1/CommandView.js';
import type { DeviceServiceHandlers } from '../generated/lattice/device/v1/DeviceService.js';
import type { DeviceView as WireDeviceView } from '../generated/lattice/device/v1/DeviceView.js';
import type { Shadow } from '../generated/lattice/device/v1/Shadow.js';
import type { HubLinkService } from '../hub-link/hub-link.service.js';
import { fromWireValues, toMs, toWireValues } from '../internal/values.js';
import type { CommandRecord } from '../stores/device-stores.interfaces.js';
import type { DeviceApi, DeviceView, ShadowView } from './device-api.js';

/** The internal `DeviceService` on top of {@link DeviceApi}. */
export function deviceServiceImplementation(
  api: DeviceApi,
  link: HubLinkService,
): GrpcImplementation<DeviceServiceHandlers> {
  return {
    ProvisionHub: async (req) => api.provisionHub(req.homeId),
    GetDevice: async (req) => toWireDevice(await api.getDevice(req.deviceId, req.homeIds)),
    ListDevices: async (req) => ({ devices: (await api.listDevices(req.homeId, req.homeIds)).map(toWireDevice) }),
    SendCommand: async (req, ctx) =>
      toWireCommand(
        await api.sendCommand(
          {
            deviceId: req.deviceId,
            method: req.method,
            params: fromWireValues(req.params),
            timeoutMs: toMs(req.timeoutMs),
            commandId: req.commandId,
            queueTtlMs: toMs(req.queueTtlMs),
          },
          req.homeIds,
          ctx.remainingMs(),
        ),
      ),
    GetCommand: async (req) => toWireCommand(await api.getCommand(req.commandId, req.homeIds)),
    GetShadow: async (req) => toWireShadow(await api.getShadow(req.deviceId, req.homeIds)),
    UpdateDesired: async (req) =>
      toWireShadow(await api.updateDesired(req.deviceId, req.homeIds, fromWireValues(req.desired), req.remove)),
    DeliverCommand: async (req) =>
      toWireCommand(
        await api.deliverHere(
          {
            commandId: req.commandId,
            hubId: req.hubId,
            deviceId: req.deviceId,
            method: req.method,
            params: fromWireValues(req.params),
          },
          toMs(req.epoch),
          toMs(req.deadlineMs),
        ),
      ),
    SyncDesired: async (req) => ({
      sent: await link.syncDesired(req.hubId, req.deviceId, toMs(req.epoch) || undefined),
    }),
    ReleaseHub: (req) => ({ released: link.release(req.hubId, toMs(req.epoch)) }),
  };
}

/** A command record on the wire. */
export function toWireCommand(record: CommandRecord): CommandView {
  return {
    commandId: record.commandId,
    deviceId: record.deviceId,
    hubId: record.hubId,
    method: record.method,
    status: record.status,
    result: toWireValues(record.result),
    error: record.error,
    createdAtMs: String(record.createdAtMs),
    updatedAtMs: String(record.updatedAtMs),
    expiresAtMs: String(record.expiresAtMs),
  };
}

function toWireShadow(shadow: ShadowView): Shadow {
  return {
    deviceId: shadow.deviceId,
    reported: toWireValues(shadow.reported),
    desired: toWireValues(shadow.desired),
    delta: toWireValues(shadow.delta),
    version: String(shadow.version),
    updatedAtMs: String(shadow.updatedAtMs),
  };
}

function toWireDevice(device: DeviceView): WireDeviceView {
  return {
    deviceId: device.deviceId,
    hubId: device.hubId,
    homeId: device.homeId,
    model: device.model,
    capabilities: [...device.capabilities],
    online: device.online,
    lastSeenMs: String(device.lastSeenMs),
    shadow: toWireShadow(device.shadow),
  };
}
