// Original file: proto/lattice/device/v1/device_service.proto

export interface ListDevicesRequest {
  homeId?: string;
  homeIds?: string[];
}

export interface ListDevicesRequest__Output {
  homeId: string;
  homeIds: string[];
}
