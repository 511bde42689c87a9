// Original file: proto/lattice/device/v1/device_service.proto

export interface GetDeviceRequest {
  deviceId?: string;
  homeIds?: string[];
}

export interface GetDeviceRequest__Output {
  deviceId: string;
  homeIds: string[];
}
