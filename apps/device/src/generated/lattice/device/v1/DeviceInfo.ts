// Original file: proto/lattice/device/v1/types.proto

export interface DeviceInfo {
  deviceId?: string;
  model?: string;
  capabilities?: string[];
}

export interface DeviceInfo__Output {
  deviceId: string;
  model: string;
  capabilities: string[];
}
