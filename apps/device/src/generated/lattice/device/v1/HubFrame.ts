// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Hello as _lattice_device_v1_Hello,
  Hello__Output as _lattice_device_v1_Hello__Output,
} from '../../../lattice/device/v1/Hello.js';
import type {
  Telemetry as _lattice_device_v1_Telemetry,
  Telemetry__Output as _lattice_device_v1_Telemetry__Output,
} from '../../../lattice/device/v1/Telemetry.js';
import type {
  DeviceEvent as _lattice_device_v1_DeviceEvent,
  DeviceEvent__Output as _lattice_device_v1_DeviceEvent__Output,
} from '../../../lattice/device/v1/DeviceEvent.js';
import type {
  DevicesChanged as _lattice_device_v1_DevicesChanged,
  DevicesChanged__Output as _lattice_device_v1_DevicesChanged__Output,
} from '../../../lattice/device/v1/DevicesChanged.js';
import type {
  CommandResult as _lattice_device_v1_CommandResult,
  CommandResult__Output as _lattice_device_v1_CommandResult__Output,
} from '../../../lattice/device/v1/CommandResult.js';
import type {
  Ping as _lattice_device_v1_Ping,
  Ping__Output as _lattice_device_v1_Ping__Output,
} from '../../../lattice/device/v1/Ping.js';

export interface HubFrame {
  hello?: _lattice_device_v1_Hello | null;
  telemetry?: _lattice_device_v1_Telemetry | null;
  event?: _lattice_device_v1_DeviceEvent | null;
  devicesChanged?: _lattice_device_v1_DevicesChanged | null;
  commandResult?: _lattice_device_v1_CommandResult | null;
  ping?: _lattice_device_v1_Ping | null;
  frame?: 'hello' | 'telemetry' | 'event' | 'devicesChanged' | 'commandResult' | 'ping';
}

export interface HubFrame__Output {
  hello?: _lattice_device_v1_Hello__Output | null;
  telemetry?: _lattice_device_v1_Telemetry__Output | null;
  event?: _lattice_device_v1_DeviceEvent__Output | null;
  devicesChanged?: _lattice_device_v1_DevicesChanged__Output | null;
  commandResult?: _lattice_device_v1_CommandResult__Output | null;
  ping?: _lattice_device_v1_Ping__Output | null;
  frame?: 'hello' | 'telemetry' | 'event' | 'devicesChanged' | 'commandResult' | 'ping';
}
