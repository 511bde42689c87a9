// Original file: proto/lattice/device/v1/types.proto

export interface Value {
  number?: number | string;
  string?: string;
  bool?: boolean;
  kind?: 'number' | 'string' | 'bool';
}

export interface Value__Output {
  number?: number;
  string?: string;
  bool?: boolean;
  kind?: 'number' | 'string' | 'bool';
}
