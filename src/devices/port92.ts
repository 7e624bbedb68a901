// System control port A (port 0x92), the "fast A20 and reset" port of the PS/2 and of every PC
// chipset since. IBM PS/2 Hardware Interface Technical Reference, "System Control Port A":
//   bit 0 alternate hot reset: a 0→1 transition resets the processor (the bit reads back);
//   bit 1 alternate gate A20: 1 lets address line 20 through, 0 forces it to zero;
//   bit 3 CMOS/password security lock; bits 6–7 fixed-disk activity light (stored, no effect).
// The machine ORs bit 1 with the keyboard controller's A20 output and performs the reset.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts } from '../hw/ioports.js';

export interface Port92Callbacks {
  /** A20 gating as this port asks for it. */
  onA20(enabled: boolean): void;
  /** The fast reset pulse: the machine resets the CPU (not the memory). */
  onReset(): void;
}

export class Port92 implements Device {
  readonly name = 'port92';
  private value = 0;

  constructor(private readonly callbacks: Port92Callbacks) {}

  attach(io: IoPorts): void {
    io.register('port92', 0x92, 1, {
      read: () => this.value,
      write: (_port, _size, value) => this.write(value),
    });
  }

  get a20(): boolean {
    return (this.value & 2) !== 0;
  }

  write(value: number): void {
    const old = this.value;
    this.value = value & 0xff;
    if ((old ^ this.value) & 2) this.callbacks.onA20(this.a20);
    if ((this.value & 1) !== 0 && (old & 1) === 0) this.callbacks.onReset();
  }

  /** Power-on: A20 gated off, reset bit clear (reported if A20 was on). */
  reset(): void {
    const wasOn = this.a20;
    this.value = 0;
    if (wasOn) this.callbacks.onA20(false);
  }

  saveState(): DeviceState {
    return { value: this.value };
  }

  restoreState(state: DeviceState): void {
    const value = stateNumber(state, this.name, 'value');
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new Error(`saved state of ${this.name}: field value is ${value}, not a byte`);
    const changed = (this.value ^ value) & 2;
    this.value = value;
    if (changed) this.callbacks.onA20(this.a20);
  }
}
