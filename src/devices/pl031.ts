// The ARM PrimeCell Real Time Clock PL031 (ARM DDI 0224, "PrimeCell Real Time Clock (PL031)
// Technical Reference Manual"): a 32-bit counter of seconds, a match register that interrupts when
// the counter reaches it, and a load register that sets the counter. On QEMU's `virt` board it
// counts seconds since 1970 (UTC), which is what Linux's rtc-pl031 and U-Boot's `date` expect.
//
// TRM 3.3: RTCDR (0x00, read-only, the counter), RTCMR (0x04, match), RTCLR (0x08, load; reads the
// last value written), RTCCR (0x0C, bit 0 starts the counter; once started, writes have no effect
// until reset), RTCIMSC/RTCRIS/RTCMIS/RTCICR (0x10–0x1C, one interrupt: the match).
//
// The counter runs in guest time (the MachineClock), starting from a calendar time the machine
// gives (`baseSeconds`, read from the host once when the machine is built; a fixed value makes a
// run reproducible). The TRM's reset value of RTCCR is 0, with the counter stopped until software
// starts it; QEMU's virt reports the RTC as permanently started (RTCCR reads 1), and U-Boot reads
// RTCDR without starting it. We start it at reset unless the option `startStopped` asks for the
// TRM's behaviour.

import type { MachineClock, Timer } from '../hw/clock.js';
import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IrqLine } from '../hw/irq.js';
import type { MmioHandler } from '../hw/memory.js';

export const PL031_DR = 0x00;
export const PL031_MR = 0x04;
export const PL031_LR = 0x08;
export const PL031_CR = 0x0c;
export const PL031_IMSC = 0x10;
export const PL031_RIS = 0x14;
export const PL031_MIS = 0x18;
export const PL031_ICR = 0x1c;
/** RTCPeriphID0–3 (part 0x031, ARM, r1p0) and RTCPCellID0–3 at 0xFE0–0xFFC. */
export const PL031_ID = [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

const NS_PER_SECOND = 1_000_000_000;

export interface Pl031Options {
  name?: string;
  /** The counter's value at guest time 0, in seconds since 1970-01-01 UTC (default: the host's clock now). */
  baseSeconds?: number;
  /** Leave the counter stopped at reset until RTCCR bit 0 is written (the TRM's reset state). Default false (QEMU). */
  startStopped?: boolean;
}

export class Pl031 implements Device, MmioHandler {
  readonly name: string;
  private readonly baseSeconds: number;
  private readonly startStopped: boolean;
  private readonly matchTimer: Timer;

  /** The counter value at guest time `loadedAt` (ns); while stopped, the counter holds `loadedValue`. */
  private loadedValue = 0;
  private loadedAt = 0;
  private started = true;
  mr = 0;
  lr = 0;
  imsc = 0;
  ris = 0;

  constructor(
    private readonly irq: IrqLine,
    private readonly clock: MachineClock,
    options: Pl031Options = {},
  ) {
    this.name = options.name ?? 'pl031';
    this.baseSeconds = Math.floor(options.baseSeconds ?? Date.now() / 1000);
    this.startStopped = options.startStopped ?? false;
    this.matchTimer = clock.createTimer(`${this.name} match`, () => this.matched());
    this.reset();
  }

  reset(): void {
    // The calendar keeps running across a reset, as a battery-backed clock does.
    this.loadedValue = (this.baseSeconds + Math.floor(this.clock.now / NS_PER_SECOND)) >>> 0;
    this.loadedAt = Math.floor(this.clock.now / NS_PER_SECOND) * NS_PER_SECOND;
    this.started = !this.startStopped;
    this.mr = 0;
    this.lr = 0;
    this.imsc = 0;
    this.ris = 0;
    this.matchTimer.stop();
    this.updateIrq();
  }

  /** The counter now (RTCDR). */
  counter(): number {
    if (!this.started) return this.loadedValue;
    return (this.loadedValue + Math.floor((this.clock.now - this.loadedAt) / NS_PER_SECOND)) >>> 0;
  }

  read(offset: number, _size: 1 | 2 | 4): number {
    switch (offset & 0xffc) {
      case PL031_DR:
        return this.counter();
      case PL031_MR:
        return this.mr;
      case PL031_LR:
        return this.lr;
      case PL031_CR:
        return this.started ? 1 : 0;
      case PL031_IMSC:
        return this.imsc;
      case PL031_RIS:
        return this.ris;
      case PL031_MIS:
        return this.ris & this.imsc;
      default:
        if (offset >= 0xfe0 && offset < 0x1000) return PL031_ID[(offset - 0xfe0) >>> 2];
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset & 0xffc) {
      case PL031_MR:
        this.mr = value >>> 0;
        this.scheduleMatch();
        break;
      case PL031_LR:
        this.lr = value >>> 0;
        this.load(value >>> 0);
        break;
      case PL031_CR:
        if (value & 1 && !this.started) {
          this.started = true;
          this.loadedAt = this.clock.now;
          this.scheduleMatch();
        }
        break;
      case PL031_IMSC:
        this.imsc = value & 1;
        this.updateIrq();
        break;
      case PL031_ICR:
        this.ris &= ~value & 1;
        this.updateIrq();
        break;
      default:
        // RTCDR, RTCRIS, RTCMIS and the IDs are read-only.
        break;
    }
  }

  /** RTCLR: the counter takes the value now and counts on from it. */
  private load(value: number): void {
    this.loadedValue = value;
    this.loadedAt = this.clock.now;
    this.scheduleMatch();
  }

  /** Arms the timer for the moment the counter next equals RTCMR (the counter wraps at 2^32). */
  private scheduleMatch(): void {
    if (!this.started) {
      this.matchTimer.stop();
      return;
    }
    const now = this.counter();
    const seconds = (this.mr - now) >>> 0;
    if (seconds === 0) {
      this.matchTimer.stop();
      this.matched();
      return;
    }
    // The next whole second after the current count began.
    const elapsed = Math.floor((this.clock.now - this.loadedAt) / NS_PER_SECOND);
    this.matchTimer.setAt(this.loadedAt + (elapsed + seconds) * NS_PER_SECOND);
  }

  private matched(): void {
    this.ris = 1;
    this.updateIrq();
  }

  private updateIrq(): void {
    this.irq.set((this.ris & this.imsc) !== 0);
  }

  saveState(): DeviceState {
    return {
      counter: this.counter(),
      countedFrom: this.loadedAt + Math.floor((this.clock.now - this.loadedAt) / NS_PER_SECOND) * NS_PER_SECOND,
      started: this.started,
      mr: this.mr,
      lr: this.lr,
      imsc: this.imsc,
      ris: this.ris,
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    this.started = state.started === true;
    this.loadedValue = number('counter') >>> 0;
    this.loadedAt = this.started ? number('countedFrom') : this.clock.now;
    this.mr = number('mr') >>> 0;
    this.lr = number('lr') >>> 0;
    this.imsc = number('imsc') & 1;
    this.ris = number('ris') & 1;
    if (this.started && ((this.mr - this.counter()) >>> 0) !== 0) this.scheduleMatch();
    else this.matchTimer.stop();
    this.updateIrq();
  }
}
