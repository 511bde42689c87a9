// Original file: proto/lattice/device/v1/device_service.proto

export interface ProvisionHubRequest {
  homeId?: string;
}

export interface ProvisionHubRequest__Output {
  homeId: string;
}
