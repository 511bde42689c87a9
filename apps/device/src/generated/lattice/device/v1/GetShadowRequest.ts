// Original file: proto/lattice/device/v1/device_service.proto

export interface GetShadowRequest {
  deviceId?: string;
  homeIds?: string[];
}

export interface GetShadowRequest__Output {
  deviceId: string;
  homeIds: string[];
}
