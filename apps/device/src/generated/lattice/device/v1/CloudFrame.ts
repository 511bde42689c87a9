// Original file: proto/lattice/device/v1/hub_link.proto

import type {
  Welcome as _lattice_device_v1_Welcome,
  Welcome__Output as _lattice_device_v1_Welcome__Output,
} from '../../../lattice/device/v1/Welcome.js';
import type {
  Command as _lattice_device_v1_Command,
  Command__Output as _lattice_device_v1_Command__Output,
} from '../../../lattice/device/v1/Command.js';
import type {
  Desired as _lattice_device_v1_Desired,
  Desired__Output as _lattice_device_v1_Desired__Output,
} from '../../../lattice/device/v1/Desired.js';
import type {
  Pong as _lattice_device_v1_Pong,
  Pong__Output as _lattice_device_v1_Pong__Output,
} from '../../../lattice/device/v1/Pong.js';

export interface CloudFrame {
  welcome?: _lattice_device_v1_Welcome | null;
  command?: _lattice_device_v1_Command | null;
  desired?: _lattice_device_v1_Desired | null;
  pong?: _lattice_device_v1_Pong | null;
  frame?: 'welcome' | 'command' | 'desired' | 'pong';
}

export interface CloudFrame__Output {
  welcome?: _lattice_device_v1_Welcome__Output | null;
  command?: _lattice_device_v1_Command__Output | null;
  desired?: _lattice_device_v1_Desired__Output | null;
  pong?: _lattice_device_v1_Pong__Output | null;
  frame?: 'welcome' | 'command' | 'desired' | 'pong';
}
