// QEMU's ISA debug console (isa-debugcon): a write-only byte port where firmware prints its debug
// log — SeaBIOS and its VGA BIOS use port 0x402. Reading the port returns 0xE9, which is how
// firmware detects the console is there (QEMU's default read-back value).

import type { Device, DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';

export const DEBUGCON_PORT = 0x402;
export const DEBUGCON_READBACK = 0xe9;

export class IsaDebugcon implements Device, PortHandler {
  readonly name: string;

  constructor(
    private readonly output: (byte: number) => void,
    private readonly port = DEBUGCON_PORT,
  ) {
    this.name = `debugcon@0x${port.toString(16)}`;
  }

  attach(io: IoPorts): void {
    io.register(this.name, this.port, 1, this);
  }

  read(_port: number, _size: 1 | 2 | 4): number {
    return DEBUGCON_READBACK;
  }

  write(_port: number, _size: 1 | 2 | 4, value: number): void {
    // A byte-wide port: a wider OUT delivers its low byte here, as in QEMU (the rest falls on the
    // next port, which is not the console).
    this.output(value & 0xff);
  }

  reset(): void {}

  saveState(): DeviceState {
    return {};
  }

  restoreState(_state: DeviceState): void {}
}
