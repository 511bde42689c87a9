 
// Original file: proto/lattice/test/v1/echo.proto

export interface EchoRequest {
  message?: string;
  sleepMs?: number;
  failCode?: string;
  count?: number;
}

export interface EchoRequest__Output {
  message: string;
  sleepMs: number;
  failCode: string;
  count: number;
}
