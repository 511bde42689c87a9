// Original file: proto/lattice/device/v1/device_service.proto

export interface GetCommandRequest {
  commandId?: string;
  homeIds?: string[];
}

export interface GetCommandRequest__Output {
  commandId: string;
  homeIds: string[];
}
