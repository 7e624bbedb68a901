// The ARMv7 Generic Timer of a Cortex-A15 (ARM ARM DDI 0406C, chapter B8, and the CP15 registers
// of B4.1.21-B4.1.35): the 64-bit system counter at CNTFRQ = 62.5 MHz (QEMU's rate: one tick every
// 16 ns of guest time), the virtual count (CNTVOFF is 0: there is no Hyp mode to set it), and the
// physical and virtual timers, each a 64-bit compare value CVAL with its 32-bit down-counting view
// TVAL and a control register (ENABLE, IMASK, ISTATUS). A timer's output is a level: high while it
// is enabled, unmasked and the count has reached CVAL; the machine wires the outputs to its
// interrupt controller (virt: PPI 14 and PPI 11, GIC IDs 30 and 27). Guest time comes from the
// machine's clock, which also fires a timer at the guest time the count reaches CVAL.
//
// PL0 access follows CNTKCTL (PL0PCTEN, PL0VCTEN, PL0VTEN, PL0PTEN); the Hyp registers (opc1 4,
// CNTVOFF, CNTHP_*) are UNDEFINED, as on a core without the Virtualization Extensions in use.

import type { IrqLine } from '../../hw/irq.js';
import type { MachineClock, Timer } from '../../hw/clock.js';
import type { TimerRegisters } from './coprocessor.js';

export const GENERIC_TIMER_FREQUENCY = 62_500_000;
const NS_PER_TICK = 1e9 / GENERIC_TIMER_FREQUENCY;
const TWO_32 = 4294967296;

/** CNTKCTL bits (B4.1.26). */
const PL0PCTEN = 1 << 0;
const PL0VCTEN = 1 << 1;
const PL0VTEN = 1 << 8;
const PL0PTEN = 1 << 9;

/** CNTx_CTL bits (B4.1.28). */
const CTL_ENABLE = 1;
const CTL_IMASK = 2;
const CTL_ISTATUS = 4;

export interface GenericTimerHost {
  clock: MachineClock;
  /** Guest time in ns up to the instruction executing (the machine catches its clock up first). */
  now(): number;
  physical: IrqLine;
  virtual: IrqLine;
}

class TimerChannel {
  control = 0;
  compareLow = 0;
  compareHigh = 0;
  private readonly timer: Timer;

  constructor(
    private readonly owner: GenericTimer,
    name: string,
    private readonly output: IrqLine,
  ) {
    this.timer = owner.host.clock.createTimer(name, () => this.update());
  }

  reset(): void {
    this.control = 0;
    this.compareLow = 0;
    this.compareHigh = 0;
    this.update();
  }

  /** CVAL as a number (exact below 2^53, and any larger value is beyond every count anyway). */
  get compare(): number {
    return this.compareHigh * TWO_32 + this.compareLow;
  }

  met(count: number): boolean {
    return count >= this.compare;
  }

  /** ISTATUS reads 1 only while the timer is enabled (the ARM ARM leaves it UNKNOWN otherwise; QEMU reads 0). */
  readControl(): number {
    return this.control | ((this.control & CTL_ENABLE) !== 0 && this.met(this.owner.count()) ? CTL_ISTATUS : 0);
  }

  writeControl(value: number): void {
    this.control = value & (CTL_ENABLE | CTL_IMASK);
    this.update();
  }

  /** TVAL: CVAL - count, as a signed 32-bit value. */
  readTimerValue(): number {
    const count = this.owner.count();
    return (this.compareLow - (count % TWO_32)) | 0;
  }

  writeTimerValue(value: number): void {
    // CVAL = count + SignExtend(TVAL), modulo 2^64.
    const compare = this.owner.count() + (value | 0);
    if (compare >= 0) this.setCompare(compare % TWO_32, Math.floor(compare / TWO_32));
    else this.setCompare(compare + TWO_32, 0xffffffff);
  }

  setCompare(low: number, high: number): void {
    this.compareLow = low >>> 0;
    this.compareHigh = high >>> 0;
    this.update();
  }

  /** Sets the output level and, while it is enabled and not yet due, the clock timer for when it is. */
  update(): void {
    const count = this.owner.count();
    const enabled = (this.control & CTL_ENABLE) !== 0;
    const met = this.met(count);
    this.output.set(enabled && met && (this.control & CTL_IMASK) === 0);
    if (enabled && !met && this.compareHigh < 0x200000) {
      this.timer.setAt(Math.ceil(this.compare * NS_PER_TICK));
    } else if (this.timer.active) {
      this.timer.stop();
    }
  }
}

export class GenericTimer implements TimerRegisters {
  frequency = GENERIC_TIMER_FREQUENCY;
  kernelControl = 0;
  readonly physical: TimerChannel;
  readonly virtual: TimerChannel;

  constructor(readonly host: GenericTimerHost) {
    this.physical = new TimerChannel(this, 'cntp', host.physical);
    this.virtual = new TimerChannel(this, 'cntv', host.virtual);
  }

  /** The system count: guest time in ticks. */
  count(): number {
    return Math.floor(this.host.now() / NS_PER_TICK);
  }

  reset(): void {
    this.frequency = GENERIC_TIMER_FREQUENCY;
    this.kernelControl = 0;
    this.physical.reset();
    this.virtual.reset();
  }

  read(opc1: number, crm: number, opc2: number, transfer: Int32Array, privileged: boolean): boolean {
    if (opc1 !== 0) return false;
    const k = this.kernelControl;
    if (crm === 0 && opc2 === 0) {
      if (!privileged && (k & (PL0PCTEN | PL0VCTEN)) === 0) return false;
      transfer[0] = this.frequency;
      return true;
    }
    if (crm === 1 && opc2 === 0) {
      if (!privileged) return false;
      transfer[0] = this.kernelControl;
      return true;
    }
    const channel = crm === 2 ? this.physical : crm === 3 ? this.virtual : null;
    if (channel === null || opc2 > 1) return false;
    if (!privileged && (k & (crm === 2 ? PL0PTEN : PL0VTEN)) === 0) return false;
    transfer[0] = opc2 === 0 ? channel.readTimerValue() : channel.readControl();
    return true;
  }

  write(opc1: number, crm: number, opc2: number, value: number, privileged: boolean): boolean {
    if (opc1 !== 0) return false;
    if (crm === 0 && opc2 === 0) {
      if (!privileged) return false;
      this.frequency = value >>> 0;
      return true;
    }
    if (crm === 1 && opc2 === 0) {
      if (!privileged) return false;
      this.kernelControl = value & 0x3ff;
      return true;
    }
    const channel = crm === 2 ? this.physical : crm === 3 ? this.virtual : null;
    if (channel === null || opc2 > 1) return false;
    if (!privileged && (this.kernelControl & (crm === 2 ? PL0PTEN : PL0VTEN)) === 0) return false;
    if (opc2 === 0) channel.writeTimerValue(value);
    else channel.writeControl(value);
    return true;
  }

  /** MRRC: CNTPCT (opc1 0), CNTVCT (1), CNTP_CVAL (2), CNTV_CVAL (3). */
  read64(opc1: number, transfer: Int32Array, privileged: boolean): boolean {
    const k = this.kernelControl;
    if (opc1 === 0 || opc1 === 1) {
      if (!privileged && (k & (opc1 === 0 ? PL0PCTEN : PL0VCTEN)) === 0) return false;
      const count = this.count();
      transfer[0] = count % TWO_32 | 0;
      transfer[1] = Math.floor(count / TWO_32) | 0;
      return true;
    }
    if (opc1 === 2 || opc1 === 3) {
      if (!privileged && (k & (opc1 === 2 ? PL0PTEN : PL0VTEN)) === 0) return false;
      const channel = opc1 === 2 ? this.physical : this.virtual;
      transfer[0] = channel.compareLow | 0;
      transfer[1] = channel.compareHigh | 0;
      return true;
    }
    return false;
  }

  write64(opc1: number, low: number, high: number, privileged: boolean): boolean {
    if (opc1 !== 2 && opc1 !== 3) return false;
    if (!privileged && (this.kernelControl & (opc1 === 2 ? PL0PTEN : PL0VTEN)) === 0) return false;
    (opc1 === 2 ? this.physical : this.virtual).setCompare(low, high);
    return true;
  }
}
