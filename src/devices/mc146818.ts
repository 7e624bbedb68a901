// Motorola MC146818A real-time clock with 114 bytes of battery-backed CMOS RAM, as the PC/AT
// wires it: port 0x70 selects a byte (bit 7 of that write masks NMI on the board, not in the
// chip), port 0x71 reads or writes it; the chip's IRQ pin is ISA IRQ 8.
//
// Datasheet sections that matter (Motorola MC146818A): "Time, Calendar and Alarm Locations"
// (Table 3: BCD or binary, 12-hour with bit 7 = PM, alarm bytes 0xC0–0xFF are "don't care"),
// "Update Cycle" (UIP rises 244 µs before an update that lasts 1984 µs with a 32.768 kHz time
// base; SET inhibits updates), "Register A" (DV2–DV0: 010 runs a 32.768 kHz crystal, 11x holds
// the divider in reset and the first update comes 500 ms after release; RS3–RS0, Table 4:
// periodic rates), "Register B" (SET also clears UIE; DM; 24/12; DSE), "Register C" (IRQF = PF·PIE
// + AF·AIE + UF·UIE; reading clears every flag), "Register D" (VRT), "Interrupts" and "RESET".
//
// The time is kept as calendar seconds plus the phase of the divider chain in guest time
// (MachineClock, ns); the registers and flags are worked out when read. A Timer wakes the chip
// only for the next flag whose interrupt is enabled, and only while IRQF is clear.
// Not modelled: daylight-saving switching (DSE is stored only), the square-wave pin (SQWE),
// a day-of-week register that disagrees with the date (it is derived from the date), and the
// MC146818A's "every year divisible by 4 is a leap year" (the Gregorian calendar is used).

import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { MachineClock, Timer } from '../hw/clock.js';
import type { IoPorts } from '../hw/ioports.js';
import type { IrqLine } from '../hw/irq.js';

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** The IBM PC/AT's century byte. */
export const CMOS_CENTURY = 0x32;

export const REG_A_UIP = 0x80;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_B_DSE = 0x01;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_UF = 0x10;
export const REG_D_VRT = 0x80;

const NS_PER_SECOND = 1e9;
/** The time base: a 32.768 kHz crystal. */
const TIME_BASE_HZ = 32768;
/** UIP is high from 244 µs before an update to the end of the update (1984 µs). */
export const UIP_LEAD_NS = 244_000;
export const UPDATE_CYCLE_NS = 1_984_000;
/** With the divider released from reset, the first update comes after this long. */
const FIRST_UPDATE_NS = 500_000_000;
/** Register A's DV bits for a 32.768 kHz crystal: the only setting that keeps time on a PC. */
const DIVIDER_NORMAL = 0x20;

/** Register A rate select → period in time-base clocks (Table 4; 0 = none). */
export function periodicClocks(rate: number): number {
  if (rate === 0) return 0;
  if (rate <= 2) return 1 << (rate + 6); // 256 and 128 Hz: as rates 8 and 9 with this crystal
  return 1 << (rate - 1);
}

function toBcd(value: number): number {
  return (Math.floor(value / 10) % 10 << 4) | value % 10;
}

function fromBcd(value: number): number {
  return (value >> 4) * 10 + (value & 15);
}

/** Time-base clocks in `ns` of divider time (exact for large ns). */
function clocksIn(ns: number): number {
  const seconds = Math.floor(ns / NS_PER_SECOND);
  const rest = ns - seconds * NS_PER_SECOND;
  return seconds * TIME_BASE_HZ + Math.floor((rest * TIME_BASE_HZ) / NS_PER_SECOND);
}

/** The divider time (ns) at which clock number `clocks` has happened. */
function clockTime(clocks: number): number {
  const seconds = Math.floor(clocks / TIME_BASE_HZ);
  const rest = clocks - seconds * TIME_BASE_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((rest * NS_PER_SECOND) / TIME_BASE_HZ);
}

/** The registers a time write may touch, with the century byte handled the same way. */
function isTimeRegister(index: number): boolean {
  return index === RTC_SECONDS || index === RTC_MINUTES || index === RTC_HOURS || (index >= RTC_DAY_OF_WEEK && index <= RTC_YEAR);
}

export interface Mc146818Options {
  /** The calendar time at guest time `clock.now` when constructed (UTC fields are used). Default: the host's time now. */
  baseTime?: Date;
  /** CMOS index that holds the century (kept in step with the year), or -1 for none. Default 0x32. */
  centuryIndex?: number;
}

export class Mc146818 implements Device {
  readonly name = 'mc146818';
  /** The CMOS bytes. 0–9 (and the century byte) hold the time only while SET freezes it; 10–13 are unused here. */
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiDisabledBit = false;
  private regA = 0x26;
  private regB = REG_B_24H;
  private regC = 0;
  /** Guest time (ns, integral) at which the divider chain was at the start of a second. */
  private dividerOrigin = 0;
  /** Calendar seconds (since 1970-01-01 00:00:00) shown from dividerOrigin for one second; the time while stopped. */
  private secondsAtOrigin = 0;
  /** Flags in register C account for everything up to this guest time. */
  private caughtUpTo = 0;
  private readonly centuryIndex: number;
  private readonly timer: Timer;

  constructor(
    private readonly clock: MachineClock,
    private readonly irq: IrqLine,
    options: Mc146818Options = {},
  ) {
    this.centuryIndex = options.centuryIndex ?? CMOS_CENTURY;
    if (this.centuryIndex !== -1 && (!Number.isInteger(this.centuryIndex) || this.centuryIndex < 0x0e || this.centuryIndex > 0x7f)) {
      throw new RangeError(`mc146818: century index ${this.centuryIndex} is not a CMOS RAM byte (0x0e–0x7f) or -1`);
    }
    this.timer = clock.createTimer('mc146818', (now) => this.catchUp(now));
    const base = options.baseTime ?? new Date();
    const ms = base.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('mc146818: the base time is not a valid date');
    const now = Math.floor(clock.now);
    this.secondsAtOrigin = Math.floor(ms / 1000);
    this.dividerOrigin = now - (ms - this.secondsAtOrigin * 1000) * 1e6;
    this.caughtUpTo = now;
    this.reset();
  }

  attach(io: IoPorts): void {
    io.register('mc146818', 0x70, 2, {
      read: (port) => (port === 0x70 ? 0xff : this.readRegister(this.index)),
      write: (port, _size, value) => {
        if (port === 0x70) {
          this.nmiDisabledBit = (value & 0x80) !== 0;
          this.index = value & 0x7f;
        } else {
          this.writeRegister(this.index, value & 0xff);
        }
      },
    });
  }

  /** Bit 7 of the last index written: the board's NMI mask. */
  get nmiDisabled(): boolean {
    return this.nmiDisabledBit;
  }

  /** Power-on contents of CMOS RAM bytes 0x0e–0x7f, as the machine fills them for the firmware. */
  setByte(index: number, value: number): void {
    this.checkRamIndex(index);
    this.cmos[index] = value & 0xff;
  }

  getByte(index: number): number {
    this.checkRamIndex(index);
    return this.cmos[index];
  }

  private checkRamIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0x0e || index > 0x7f) {
      throw new RangeError(`mc146818: CMOS index 0x${index.toString(16)} is not RAM; RAM is 0x0e–0x7f (0x00–0x0d are clock registers)`);
    }
  }

  /** The PC/AT checksum: the sum of bytes 0x10–0x2d, big-endian in 0x2e/0x2f. */
  updateChecksum(): void {
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.cmos[i];
    this.cmos[0x2e] = (sum >> 8) & 0xff;
    this.cmos[0x2f] = sum & 0xff;
  }

  /** The calendar time the chip shows now (UTC fields). */
  dateTime(): Date {
    return new Date(this.currentSeconds(this.clock.now) * 1000);
  }

  private get dividerRunning(): boolean {
    return (this.regA & 0x70) === DIVIDER_NORMAL;
  }

  private get updating(): boolean {
    return this.dividerRunning && (this.regB & REG_B_SET) === 0;
  }

  /** Whole seconds of divider time since the origin. */
  private secondsSinceOrigin(now: number): number {
    return Math.floor((now - this.dividerOrigin) / NS_PER_SECOND);
  }

  private currentSeconds(now: number): number {
    if ((this.regB & REG_B_SET) !== 0) return this.secondsFromRegisters(this.cmos, this.regB);
    if (!this.dividerRunning) return this.secondsAtOrigin;
    return this.secondsAtOrigin + this.secondsSinceOrigin(now);
  }

  private encode(value: number, regB: number): number {
    return (regB & REG_B_DM) !== 0 ? value : toBcd(value);
  }

  private decode(value: number, regB: number): number {
    return (regB & REG_B_DM) !== 0 ? value : fromBcd(value);
  }

  private encodeHours(hours: number, regB: number): number {
    if ((regB & REG_B_24H) !== 0) return this.encode(hours, regB);
    return this.encode(hours % 12 || 12, regB) | (hours >= 12 ? 0x80 : 0);
  }

  private decodeHours(value: number, regB: number): number {
    if ((regB & REG_B_24H) !== 0) return this.decode(value, regB);
    return (this.decode(value & 0x7f, regB) % 12) + ((value & 0x80) !== 0 ? 12 : 0);
  }

  /** Register `index` (a time register or the century byte) for calendar seconds `seconds`. */
  private timeRegister(index: number, seconds: number, regB: number): number {
    const date = new Date(seconds * 1000);
    switch (index) {
      case RTC_SECONDS:
        return this.encode(date.getUTCSeconds(), regB);
      case RTC_MINUTES:
        return this.encode(date.getUTCMinutes(), regB);
      case RTC_HOURS:
        return this.encodeHours(date.getUTCHours(), regB);
      case RTC_DAY_OF_WEEK:
        return this.encode(date.getUTCDay() + 1, regB);
      case RTC_DAY_OF_MONTH:
        return this.encode(date.getUTCDate(), regB);
      case RTC_MONTH:
        return this.encode(date.getUTCMonth() + 1, regB);
      case RTC_YEAR:
        return this.encode(date.getUTCFullYear() % 100, regB);
      default:
        return this.encode(Math.floor(date.getUTCFullYear() / 100) % 100, regB);
    }
  }

  /** Calendar seconds from time registers in `bytes` (the day of week is not consulted). */
  private secondsFromRegisters(bytes: Uint8Array, regB: number): number {
    const yearInCentury = this.decode(bytes[RTC_YEAR], regB);
    const century = this.centuryIndex >= 0 ? this.decode(bytes[this.centuryIndex], regB) : yearInCentury < 70 ? 20 : 19;
    const year = century * 100 + yearInCentury;
    // setUTCFullYear, unlike Date.UTC, does not turn years 0–99 into 1900–1999.
    const date = new Date(0);
    date.setUTCFullYear(year, this.decode(bytes[RTC_MONTH], regB) - 1, this.decode(bytes[RTC_DAY_OF_MONTH], regB));
    date.setUTCHours(this.decodeHours(bytes[RTC_HOURS], regB), this.decode(bytes[RTC_MINUTES], regB), this.decode(bytes[RTC_SECONDS], regB), 0);
    const ms = date.getTime();
    return Number.isFinite(ms) ? Math.floor(ms / 1000) : this.secondsAtOrigin;
  }

  /** Copies the running time into bytes 0–9 and the century byte (when SET freezes them). */
  private freezeRegisters(seconds: number, regB: number): void {
    for (const index of [RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR]) {
      this.cmos[index] = this.timeRegister(index, seconds, regB);
    }
    if (this.centuryIndex >= 0) this.cmos[this.centuryIndex] = this.timeRegister(this.centuryIndex, seconds, regB);
  }

  /** Makes the running time read `seconds` now, keeping the divider's phase. */
  private setSeconds(seconds: number, now: number): void {
    this.secondsAtOrigin = this.dividerRunning ? seconds - this.secondsSinceOrigin(now) : seconds;
  }

  private uip(now: number): boolean {
    if (!this.updating) return false;
    const phase = (now - this.dividerOrigin) % NS_PER_SECOND;
    return phase >= NS_PER_SECOND - UPDATE_CYCLE_NS - UIP_LEAD_NS;
  }

  private alarmMatches(seconds: number): boolean {
    const timeOfDay = ((seconds % 86400) + 86400) % 86400;
    const hours = Math.floor(timeOfDay / 3600);
    const minutes = Math.floor(timeOfDay / 60) % 60;
    const secs = timeOfDay % 60;
    const matches = (alarm: number, value: number, isHours: boolean): boolean =>
      alarm >= 0xc0 || (isHours ? this.decodeHours(alarm, this.regB) : this.decode(alarm, this.regB)) === value;
    return (
      matches(this.cmos[RTC_SECONDS_ALARM], secs, false) &&
      matches(this.cmos[RTC_MINUTES_ALARM], minutes, false) &&
      matches(this.cmos[RTC_HOURS_ALARM], hours, true)
    );
  }

  /** Sets the flags of register C for everything that happened up to `now`, then IRQ 8 and the timer. */
  private catchUp(now: number): void {
    this.collectFlags(now);
    this.updateInterrupt(now);
  }

  private collectFlags(now: number): void {
    const from = this.caughtUpTo;
    if (now > from) {
      this.caughtUpTo = now;
      if (this.dividerRunning) {
        const period = periodicClocks(this.regA & 0x0f);
        if (period !== 0) {
          const before = Math.floor(clocksIn(from - this.dividerOrigin) / period);
          const after = Math.floor(clocksIn(now - this.dividerOrigin) / period);
          if (after > before) this.regC |= REG_C_PF;
        }
        if ((this.regB & REG_B_SET) === 0) {
          const before = this.secondsSinceOrigin(from);
          const after = this.secondsSinceOrigin(now);
          if (after > before) {
            this.regC |= REG_C_UF;
            // The alarm is compared at each update; a day covers every pattern it can have.
            const first = Math.max(before + 1, after - 86400);
            for (let s = first; s <= after; s++) {
              if (this.alarmMatches(this.secondsAtOrigin + s)) {
                this.regC |= REG_C_AF;
                break;
              }
            }
          }
        }
      }
    }
  }

  private updateInterrupt(now: number): void {
    if ((this.regC & this.regB & (REG_C_PF | REG_C_AF | REG_C_UF)) !== 0) this.regC |= REG_C_IRQF;
    else this.regC &= ~REG_C_IRQF;
    this.schedule(now);
    // Last, so that whatever the line's listener does (read register C) leaves the state whole.
    this.irq.set((this.regC & REG_C_IRQF) !== 0);
  }

  /** Arms the timer for the next flag whose interrupt is enabled; none while IRQF is set. */
  private schedule(now: number): void {
    if ((this.regC & REG_C_IRQF) !== 0 || !this.dividerRunning) {
      this.timer.stop();
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    const period = periodicClocks(this.regA & 0x0f);
    if ((this.regB & REG_B_PIE) !== 0 && period !== 0) {
      const clocks = (Math.floor(clocksIn(now - this.dividerOrigin) / period) + 1) * period;
      next = this.dividerOrigin + clockTime(clocks);
    }
    if ((this.regB & (REG_B_UIE | REG_B_AIE)) !== 0 && (this.regB & REG_B_SET) === 0) {
      next = Math.min(next, this.dividerOrigin + (this.secondsSinceOrigin(now) + 1) * NS_PER_SECOND);
    }
    if (Number.isFinite(next)) this.timer.setAt(next);
    else this.timer.stop();
  }

  readRegister(index: number): number {
    const now = this.clock.now;
    switch (index) {
      case RTC_REG_A:
        return this.regA | (this.uip(now) ? REG_A_UIP : 0);
      case RTC_REG_B:
        return this.regB;
      case RTC_REG_C: {
        this.collectFlags(now);
        const flags = this.regC & (REG_C_PF | REG_C_AF | REG_C_UF);
        const value = flags | ((flags & this.regB) !== 0 ? REG_C_IRQF : 0);
        this.regC = 0;
        this.updateInterrupt(now);
        return value;
      }
      case RTC_REG_D:
        return REG_D_VRT;
      default:
        if ((isTimeRegister(index) || index === this.centuryIndex) && (this.regB & REG_B_SET) === 0) {
          return this.timeRegister(index, this.currentSeconds(now), this.regB);
        }
        return this.cmos[index & 0x7f];
    }
  }

  writeRegister(index: number, value: number): void {
    const now = this.clock.now;
    this.catchUp(now);
    switch (index) {
      case RTC_REG_A: {
        const wasRunning = this.dividerRunning;
        this.regA = value & 0x7f;
        // Stopping freezes the seconds; leaving reset (or any other stopped setting) brings the
        // first update half a second later.
        if (wasRunning && !this.dividerRunning) this.secondsAtOrigin += this.secondsSinceOrigin(now);
        else if (!wasRunning && this.dividerRunning) this.dividerOrigin = Math.floor(now) - FIRST_UPDATE_NS;
        break;
      }
      case RTC_REG_B: {
        const setting = (value & REG_B_SET) !== 0;
        const wasSetting = (this.regB & REG_B_SET) !== 0;
        if (setting && !wasSetting) this.freezeRegisters(this.currentSeconds(now), value);
        if (setting) value &= ~REG_B_UIE; // "Register B": SET going high clears UIE
        this.regB = value;
        // Clearing SET starts the clock from what was written, at the divider's current phase.
        if (!setting && wasSetting) this.setSeconds(this.secondsFromRegisters(this.cmos, value), now);
        break;
      }
      case RTC_REG_C:
      case RTC_REG_D:
        break; // read-only
      default:
        if ((isTimeRegister(index) || index === this.centuryIndex) && (this.regB & REG_B_SET) === 0) {
          // A write while the clock runs takes effect at once, as on the chip.
          const image = new Uint8Array(128);
          const seconds = this.currentSeconds(now);
          image.set(this.cmos);
          for (const i of [RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR]) image[i] = this.timeRegister(i, seconds, this.regB);
          if (this.centuryIndex >= 0) image[this.centuryIndex] = this.timeRegister(this.centuryIndex, seconds, this.regB);
          image[index] = value;
          this.setSeconds(this.secondsFromRegisters(image, this.regB), now);
        } else {
          this.cmos[index & 0x7f] = value;
        }
        break;
    }
    this.updateInterrupt(now);
  }

  /** The RESET pin: PIE, AIE, UIE, SQWE and every flag of register C cleared; time and RAM kept. */
  reset(): void {
    const now = this.clock.now;
    this.collectFlags(now);
    this.regB &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    this.regC = 0;
    this.index = 0;
    this.nmiDisabledBit = false;
    this.updateInterrupt(now);
  }

  saveState(): DeviceState {
    return {
      cmos: bytesToHex(this.cmos),
      index: this.index,
      nmiDisabled: this.nmiDisabledBit,
      regA: this.regA,
      regB: this.regB,
      regC: this.regC,
      dividerOrigin: this.dividerOrigin,
      secondsAtOrigin: this.secondsAtOrigin,
      caughtUpTo: this.caughtUpTo,
    };
  }

  restoreState(state: DeviceState): void {
    const cmos = state.cmos;
    if (typeof cmos !== 'string') throw new Error('saved state of mc146818: field cmos is not a string');
    const byte = (field: string): number => {
      const value = stateNumber(state, this.name, field);
      if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new Error(`saved state of mc146818: field ${field} is ${value}, not a byte`);
      return value;
    };
    const integer = (field: string): number => {
      const value = stateNumber(state, this.name, field);
      if (!Number.isSafeInteger(value)) throw new Error(`saved state of mc146818: field ${field} is ${value}, not an integer`);
      return value;
    };
    const nmi = state.nmiDisabled;
    if (typeof nmi !== 'boolean') throw new Error('saved state of mc146818: field nmiDisabled is not a boolean');
    // Everything is checked before anything changes.
    const bytes = new Uint8Array(this.cmos.length);
    hexToBytes(cmos, bytes, 'mc146818 cmos');
    const index = byte('index') & 0x7f;
    const regA = byte('regA') & 0x7f;
    const regB = byte('regB');
    const regC = byte('regC');
    const dividerOrigin = integer('dividerOrigin');
    const secondsAtOrigin = integer('secondsAtOrigin');
    const caughtUpTo = stateNumber(state, this.name, 'caughtUpTo');
    this.cmos.set(bytes);
    this.index = index;
    this.nmiDisabledBit = nmi;
    this.regA = regA;
    this.regB = regB;
    this.regC = regC;
    this.dividerOrigin = dividerOrigin;
    this.secondsAtOrigin = secondsAtOrigin;
    this.caughtUpTo = caughtUpTo;
    this.updateInterrupt(this.clock.now);
  }
}
