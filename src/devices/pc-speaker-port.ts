// System control port B of the PC/AT (port 0x61), the glue logic around the 8254's counter 2
// and the speaker. IBM PC/AT Technical Reference, "System Board I/O Address Map" / port 61h:
//   write: bit 0 timer 2 GATE, bit 1 speaker data enable, bit 2 RAM parity check disable,
//          bit 3 I/O channel check disable (bits 4–7 are ignored);
//   read:  bits 0–3 as written, bit 4 toggles with every DRAM refresh request (every 15.085 µs,
//          paced by counter 1 on the original board), bit 5 counter 2 OUT, bit 6 I/O channel check,
//          bit 7 RAM parity error (never raised here).
// BIOSes time short delays by the refresh toggle and calibrate with counter 2: mode 0, GATE on,
// poll bit 5 until OUT goes high.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { MachineClock } from '../hw/clock.js';
import type { IoPorts } from '../hw/ioports.js';
import type { I8254 } from './i8254.js';

/** Interval between refresh requests, each of which flips bit 4, in ns. */
export const REFRESH_PERIOD_NS = 15085;

export class PcSpeakerPort implements Device {
  readonly name = 'system control port B';
  /** Bits 0–3 as last written. */
  private control = 0;
  /** Told when the speaker's input changes: on when data is enabled, else silent (for an audio backend). */
  onSpeakerEnable: (gate: boolean, dataEnabled: boolean) => void = () => undefined;

  constructor(
    private readonly clock: MachineClock,
    private readonly pit: I8254,
  ) {}

  attach(io: IoPorts): void {
    io.register('system control port B', 0x61, 1, {
      read: () => this.read(),
      write: (_port, _size, value) => this.write(value),
    });
  }

  read(): number {
    const refresh = Math.floor(this.clock.now / REFRESH_PERIOD_NS) & 1;
    return this.control | (refresh << 4) | (this.pit.output(2) ? 0x20 : 0);
  }

  write(value: number): void {
    const old = this.control;
    this.control = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
    if ((old ^ this.control) & 3) this.onSpeakerEnable((this.control & 1) !== 0, (this.control & 2) !== 0);
  }

  reset(): void {
    this.write(0);
  }

  saveState(): DeviceState {
    return { control: this.control };
  }

  restoreState(state: DeviceState): void {
    const control = stateNumber(state, this.name, 'control');
    if (!Number.isInteger(control) || control < 0 || control > 0x0f) throw new Error(`saved state of ${this.name}: field control is ${control}, not 0–15`);
    this.control = control;
    this.pit.setGate(2, (control & 1) !== 0);
  }
}
