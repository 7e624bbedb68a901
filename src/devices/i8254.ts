// Intel 8254 programmable interval timer, as the PC/AT wires it: ports 0x40–0x42 are counters
// 0–2, 0x43 the control word; all three count a 1.193182 MHz clock (14.31818 MHz / 12). Counter
// 0's OUT is IRQ 0; counter 1 once paced DRAM refresh; counter 2's GATE and OUT are reached
// through system control port B (0x61, see pc-speaker-port.ts) and drive the speaker.
//
// Datasheet sections that matter (Intel 8254, order no. 231164): "Control Word Format", "Write
// Operations" (the LSB/MSB flip-flop; in mode 0 the first byte of a two-byte count stops the
// counter), "Read Operations" (counter latch command; a second latch before the first is read is
// ignored), "Read-Back Command" and "Status Byte" (OUT, NULL COUNT), "Mode Definitions" with the
// GATE table (modes 0 and 4 pause while GATE is low, modes 2 and 3 force OUT high and reload on
// GATE's rising edge, modes 1 and 5 are triggered by it), and "the count is loaded into the
// counting element on the CLK pulse after it was written" (one extra clock before counting).
//
// Nothing happens per clock: a counter keeps the clock edge at which its counting element was
// loaded and derives the count and OUT from the guest time (MachineClock, ns). One Timer follows
// counter 0 from one OUT edge to the next, so that IRQ 0 rises and falls at the right guest time.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { MachineClock, Timer } from '../hw/clock.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { IrqLine } from '../hw/irq.js';

/** The counters' input clock on the PC, in Hz. */
export const PIT_HZ = 1193182;
const NS_PER_SECOND = 1e9;

/** How many input clock edges have happened by guest time `ns` (exact for any ns below 2^53). */
export function pitTicksAt(ns: number): number {
  const seconds = Math.floor(ns / NS_PER_SECOND);
  const rest = ns - seconds * NS_PER_SECOND;
  return seconds * PIT_HZ + Math.floor((rest * PIT_HZ) / NS_PER_SECOND);
}

/** The earliest guest time (ns) at which edge number `tick` has happened. */
export function pitTickTime(tick: number): number {
  const seconds = Math.floor(tick / PIT_HZ);
  const rest = tick - seconds * PIT_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((rest * NS_PER_SECOND) / PIT_HZ);
}

function fromBcd(value: number): number {
  return ((value >> 12) & 15) * 1000 + ((value >> 8) & 15) * 100 + ((value >> 4) & 15) * 10 + (value & 15);
}

function toBcd(value: number): number {
  return (Math.floor(value / 1000) % 10 << 12) | (Math.floor(value / 100) % 10 << 8) | (Math.floor(value / 10) % 10 << 4) | value % 10;
}

/** What the counting element is doing. */
const enum Phase {
  /** No count since the control word (or, in modes 1 and 5, waiting for a trigger). */
  Idle = 0,
  Counting = 1,
  /** Held by GATE low (modes 0, 2, 3, 4). */
  Paused = 2,
}

/** Read latch states: which byte of the latched count comes next. */
const enum Latch {
  None = 0,
  LowOnly = 1,
  HighOnly = 2,
  WordLow = 3,
  WordHigh = 4,
}

/** OUT of a counter `e` clocks after its element was loaded with `n` (e ≥ 0). */
function outputAt(mode: number, n: number, e: number): boolean {
  switch (mode) {
    case 0:
    case 1:
      return e >= n;
    case 2:
      return n === 1 || e % n !== n - 1;
    case 3:
      return e % n < Math.ceil(n / 2);
    default:
      return e !== n;
  }
}

/** The first e' > e at which OUT differs from outputAt(mode, n, e); Infinity when it never does. */
function nextOutputChange(mode: number, n: number, e: number): number {
  switch (mode) {
    case 0:
    case 1:
      return e < n ? n : Number.POSITIVE_INFINITY;
    case 2: {
      if (n === 1) return Number.POSITIVE_INFINITY;
      const p = e % n;
      return p < n - 1 ? e + (n - 1 - p) : e + 1;
    }
    case 3: {
      if (n === 1) return Number.POSITIVE_INFINITY;
      const high = Math.ceil(n / 2);
      const p = e % n;
      return p < high ? e + (high - p) : e + (n - p);
    }
    default:
      return e < n ? n : e === n ? n + 1 : Number.POSITIVE_INFINITY;
  }
}

/** The counting element `e` clocks after it was loaded with `n`, in 0 … modulus-1. */
function elementAt(mode: number, n: number, e: number, modulus: number): number {
  switch (mode) {
    case 2:
      return (n - (e % n)) % modulus;
    case 3: {
      // Decrements by two; the high half of an odd count is one clock longer ("Mode 3").
      const high = Math.ceil(n / 2);
      const p = e % n;
      const value = p < high ? n - 2 * p : n - 2 * (p - high) - (n & 1);
      return Math.max(value, 0) % modulus;
    }
    default:
      return (((n - e) % modulus) + modulus) % modulus;
  }
}

class Counter {
  /** Mode 0–5 (control word values 6 and 7 are modes 2 and 3). */
  mode = 0;
  bcd = false;
  /** RW bits: 1 LSB only, 2 MSB only, 3 LSB then MSB. */
  access = 3;
  /** The control word's low six bits, for the status byte. */
  controlBits = 0x30;
  /** The count register as written (BCD digits when `bcd`). */
  countRegister = 0;
  /** A two-byte write has delivered its LSB. */
  writeHighNext = false;
  writeLow = 0;
  /** A two-byte read of the live count has returned its LSB. */
  readHighNext = false;
  latch = Latch.None;
  latchedCount = 0;
  statusLatched = false;
  latchedStatus = 0;
  gate = true;
  /** A count was written since the control word (modes 1 and 5 need one before a trigger). */
  countWritten = false;
  /** NULL COUNT: a count was written and has not yet reached the counting element. */
  nullCount = true;
  /** Clock edge at which the written count reaches the element; -1 while that waits for a trigger. */
  countLoadTick = -1;
  phase = Phase.Idle;
  /** OUT while Idle, and while Counting before the element is loaded. */
  idleOutput = false;
  /** The element's value while Idle, and while Counting before it is loaded. */
  heldValue = 0;
  /** The count the element runs with (1 … 65536, or 1 … 10000 in BCD). */
  n = 65536;
  /** Clock edge at which the element held `n` (e = 0). */
  loadTick = 0;
  /** e at the moment GATE paused the counter. */
  pausedElapsed = 0;
  /** Modes 2 and 3: a count written while counting takes over at the end of the cycle. */
  pendingN = 0;
  pendingTick = -1;

  get modulus(): number {
    return this.bcd ? 10000 : 65536;
  }

  /** The count register as a count: 0 means the largest one. */
  private get writtenCount(): number {
    if (this.bcd) return fromBcd(this.countRegister) || 10000;
    return this.countRegister || 65536;
  }

  powerOn(gate: boolean): void {
    this.mode = 0;
    this.bcd = false;
    this.access = 3;
    this.controlBits = 0x30;
    this.countRegister = 0;
    this.writeHighNext = false;
    this.writeLow = 0;
    this.readHighNext = false;
    this.latch = Latch.None;
    this.latchedCount = 0;
    this.statusLatched = false;
    this.latchedStatus = 0;
    this.gate = gate;
    this.countWritten = false;
    this.nullCount = true;
    this.countLoadTick = -1;
    this.phase = Phase.Idle;
    this.idleOutput = false;
    this.heldValue = 0;
    this.n = 65536;
    this.loadTick = 0;
    this.pausedElapsed = 0;
    this.pendingN = 0;
    this.pendingTick = -1;
  }

  /** Brings the derived state up to clock edge `tick`: a pending count takes over, NULL COUNT clears. */
  advance(tick: number): void {
    if (this.pendingTick >= 0 && tick >= this.pendingTick) {
      this.n = this.pendingN;
      this.loadTick = this.pendingTick;
      this.pendingTick = -1;
    }
    if (this.nullCount && this.countLoadTick >= 0 && tick >= this.countLoadTick) this.nullCount = false;
  }

  private elapsed(tick: number): number {
    return this.phase === Phase.Paused ? this.pausedElapsed : tick - this.loadTick;
  }

  output(tick: number): boolean {
    if (this.phase === Phase.Idle) return this.idleOutput;
    if (this.phase === Phase.Paused && (this.mode === 2 || this.mode === 3)) return true;
    const e = this.elapsed(tick);
    return e < 0 ? this.idleOutput : outputAt(this.mode, this.n, e);
  }

  /** The counting element, in binary. */
  value(tick: number): number {
    if (this.phase === Phase.Idle) return this.heldValue;
    const e = this.elapsed(tick);
    return e < 0 ? this.heldValue : elementAt(this.mode, this.n, e, this.modulus);
  }

  /** The next clock edge at which OUT may change or the state moves on; Infinity when none. */
  nextEvent(tick: number): number {
    if (this.phase !== Phase.Counting) return Number.POSITIVE_INFINITY;
    const e = tick - this.loadTick;
    let next = e < 0 ? this.loadTick : this.loadTick + nextOutputChange(this.mode, this.n, e);
    if (this.pendingTick >= 0 && this.pendingTick < next) next = this.pendingTick;
    return next;
  }

  private encoded(value: number): number {
    return this.bcd ? toBcd(value) : value & 0xffff;
  }

  private stop(tick: number, output: boolean): void {
    this.heldValue = this.value(tick);
    this.idleOutput = output;
    this.phase = Phase.Idle;
    this.pendingTick = -1;
  }

  writeControl(value: number, tick: number): void {
    const mode = (value >> 1) & 7;
    this.stop(tick, mode !== 0); // OUT's initial state: low in mode 0, high otherwise
    this.mode = mode > 5 ? mode - 4 : mode;
    this.bcd = (value & 1) !== 0;
    this.heldValue %= this.modulus;
    this.access = (value >> 4) & 3;
    this.controlBits = value & 0x3f;
    this.writeHighNext = false;
    this.readHighNext = false;
    this.latch = Latch.None;
    this.statusLatched = false;
    this.countWritten = false;
    this.nullCount = true;
    this.countLoadTick = -1;
  }

  latchCount(tick: number): void {
    if (this.latch !== Latch.None) return;
    this.latchedCount = this.encoded(this.value(tick));
    this.latch = this.access === 1 ? Latch.LowOnly : this.access === 2 ? Latch.HighOnly : Latch.WordLow;
  }

  latchStatus(tick: number): void {
    if (this.statusLatched) return;
    this.latchedStatus = (this.output(tick) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | this.controlBits;
    this.statusLatched = true;
  }

  read(tick: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.latchedStatus;
    }
    switch (this.latch) {
      case Latch.LowOnly:
        this.latch = Latch.None;
        return this.latchedCount & 0xff;
      case Latch.HighOnly:
        this.latch = Latch.None;
        return this.latchedCount >> 8;
      case Latch.WordLow:
        this.latch = Latch.WordHigh;
        return this.latchedCount & 0xff;
      case Latch.WordHigh:
        this.latch = Latch.None;
        return this.latchedCount >> 8;
      default:
        break;
    }
    const value = this.encoded(this.value(tick));
    if (this.access === 1) return value & 0xff;
    if (this.access === 2) return value >> 8;
    this.readHighNext = !this.readHighNext;
    return this.readHighNext ? value & 0xff : value >> 8;
  }

  write(value: number, tick: number): void {
    value &= 0xff;
    if (this.access === 1) {
      this.countRegister = value;
    } else if (this.access === 2) {
      this.countRegister = value << 8;
    } else if (!this.writeHighNext) {
      this.writeHighNext = true;
      this.writeLow = value;
      // Mode 0: the first byte stops the count; OUT is low until the count runs out ("Mode 0").
      if (this.mode === 0 && this.phase !== Phase.Idle) this.stop(tick, false);
      return;
    } else {
      this.writeHighNext = false;
      this.countRegister = this.writeLow | (value << 8);
    }
    this.countWrittenAt(tick);
  }

  private countWrittenAt(tick: number): void {
    this.countWritten = true;
    this.nullCount = true;
    const count = this.writtenCount;
    switch (this.mode) {
      case 0:
      case 4:
        // A new count restarts the counter on the next clock.
        this.heldValue = this.value(tick);
        this.idleOutput = this.mode === 4;
        this.n = count;
        this.pendingTick = -1;
        this.countLoadTick = tick + 1;
        if (this.gate) {
          this.phase = Phase.Counting;
          this.loadTick = tick + 1;
        } else {
          this.phase = Phase.Paused;
          this.pausedElapsed = 0;
        }
        break;
      case 2:
      case 3:
        if (this.phase === Phase.Counting && tick >= this.loadTick) {
          // Counting: the new count is used from the next reload on. (In mode 3 the chip takes
          // it at the end of the current half-cycle; here at the end of the whole cycle.)
          const cycles = Math.floor((tick - this.loadTick) / this.n) + 1;
          this.pendingN = count;
          this.pendingTick = this.loadTick + cycles * this.n;
          this.countLoadTick = this.pendingTick;
        } else {
          this.heldValue = this.value(tick);
          this.idleOutput = true;
          this.n = count;
          this.pendingTick = -1;
          this.countLoadTick = tick + 1;
          if (this.gate) {
            this.phase = Phase.Counting;
            this.loadTick = tick + 1;
          } else {
            this.phase = Phase.Paused;
            this.pausedElapsed = 0;
          }
        }
        break;
      default:
        // Modes 1 and 5 load the count at the next trigger.
        this.countLoadTick = -1;
        break;
    }
  }

  setGate(level: boolean, tick: number): void {
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        if (!level && this.phase === Phase.Counting) {
          this.pausedElapsed = Math.max(0, tick - this.loadTick);
          this.phase = Phase.Paused;
        } else if (level && this.phase === Phase.Paused) {
          this.loadTick = tick - this.pausedElapsed;
          this.phase = Phase.Counting;
        }
        break;
      case 2:
      case 3:
        if (!level && this.phase === Phase.Counting) {
          this.pausedElapsed = Math.max(0, tick - this.loadTick);
          this.phase = Phase.Paused;
          this.pendingTick = -1;
          if (this.nullCount) this.countLoadTick = tick + 1;
        } else if (level && this.phase === Phase.Paused) {
          // A rising GATE reloads the element from the count register on the next clock.
          this.heldValue = this.value(tick);
          this.idleOutput = true;
          this.n = this.writtenCount;
          this.loadTick = tick + 1;
          this.phase = Phase.Counting;
          if (this.nullCount) this.countLoadTick = tick + 1;
        }
        break;
      default:
        if (level && this.countWritten) {
          // Trigger: OUT goes low (mode 1) on the clock that loads the count; retriggerable.
          const output = this.output(tick);
          this.heldValue = this.value(tick);
          this.idleOutput = output;
          this.n = this.writtenCount;
          this.loadTick = tick + 1;
          this.phase = Phase.Counting;
          this.countLoadTick = tick + 1;
        }
        break;
    }
  }

  save(): DeviceState {
    return {
      mode: this.mode,
      bcd: this.bcd,
      access: this.access,
      controlBits: this.controlBits,
      countRegister: this.countRegister,
      writeHighNext: this.writeHighNext,
      writeLow: this.writeLow,
      readHighNext: this.readHighNext,
      latch: this.latch,
      latchedCount: this.latchedCount,
      statusLatched: this.statusLatched,
      latchedStatus: this.latchedStatus,
      gate: this.gate,
      countWritten: this.countWritten,
      nullCount: this.nullCount,
      countLoadTick: this.countLoadTick,
      phase: this.phase,
      idleOutput: this.idleOutput,
      heldValue: this.heldValue,
      n: this.n,
      loadTick: this.loadTick,
      pausedElapsed: this.pausedElapsed,
      pendingN: this.pendingN,
      pendingTick: this.pendingTick,
    };
  }

  restore(state: DeviceState, what: string): void {
    const flag = (field: string): boolean => {
      const value = state[field];
      if (typeof value !== 'boolean') throw new Error(`saved state of ${what}: field ${field} is not a boolean`);
      return value;
    };
    const integer = (field: string, min: number, max: number): number => {
      const value = stateNumber(state, what, field);
      if (!Number.isInteger(value) || value < min || value > max) throw new Error(`saved state of ${what}: field ${field} is ${value}, outside ${min}…${max}`);
      return value;
    };
    const tick = (field: string): number => integer(field, -1, Number.MAX_SAFE_INTEGER);
    this.mode = integer('mode', 0, 5);
    this.bcd = flag('bcd');
    this.access = integer('access', 1, 3);
    this.controlBits = integer('controlBits', 0, 0x3f);
    this.countRegister = integer('countRegister', 0, 0xffff);
    this.writeHighNext = flag('writeHighNext');
    this.writeLow = integer('writeLow', 0, 0xff);
    this.readHighNext = flag('readHighNext');
    this.latch = integer('latch', Latch.None, Latch.WordHigh);
    this.latchedCount = integer('latchedCount', 0, 0xffff);
    this.statusLatched = flag('statusLatched');
    this.latchedStatus = integer('latchedStatus', 0, 0xff);
    this.gate = flag('gate');
    this.countWritten = flag('countWritten');
    this.nullCount = flag('nullCount');
    this.countLoadTick = tick('countLoadTick');
    this.phase = integer('phase', Phase.Idle, Phase.Paused);
    this.idleOutput = flag('idleOutput');
    this.heldValue = integer('heldValue', 0, 0xffff);
    this.n = integer('n', 1, 65536);
    this.loadTick = integer('loadTick', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    this.pausedElapsed = integer('pausedElapsed', 0, Number.MAX_SAFE_INTEGER);
    this.pendingN = integer('pendingN', 0, 65536);
    this.pendingTick = tick('pendingTick');
  }
}

export class I8254 implements Device {
  readonly name = 'i8254';
  private readonly counters: Counter[] = [new Counter(), new Counter(), new Counter()];
  private readonly timer: Timer;

  constructor(
    private readonly clock: MachineClock,
    /** Counter 0's OUT (IRQ 0 on the PC). */
    private readonly irq0: IrqLine,
  ) {
    this.timer = clock.createTimer('i8254 counter 0', () => this.updateIrq0());
    this.reset();
  }

  attach(io: IoPorts): void {
    const ports: PortHandler = {
      read: (port) => this.readPort(port),
      write: (port, _size, value) => this.writePort(port, value),
    };
    io.register('i8254', 0x40, 4, ports);
  }

  private get tick(): number {
    return pitTicksAt(this.clock.now);
  }

  private counterAt(index: number, tick: number): Counter {
    const counter = this.counters[index];
    counter.advance(tick);
    return counter;
  }

  readPort(port: number): number {
    const index = port & 3;
    if (index === 3) return 0xff; // the control word register cannot be read
    const tick = this.tick;
    const value = this.counterAt(index, tick).read(tick);
    return value;
  }

  writePort(port: number, value: number): void {
    const index = port & 3;
    const tick = this.tick;
    value &= 0xff;
    if (index !== 3) {
      this.counterAt(index, tick).write(value, tick);
    } else if ((value & 0xc0) === 0xc0) {
      // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 1–3 pick counters.
      for (let i = 0; i < 3; i++) {
        if ((value & (2 << i)) === 0) continue;
        const counter = this.counterAt(i, tick);
        if ((value & 0x20) === 0) counter.latchCount(tick);
        if ((value & 0x10) === 0) counter.latchStatus(tick);
      }
      return;
    } else {
      const counter = this.counterAt(value >> 6, tick);
      if ((value & 0x30) === 0) {
        counter.latchCount(tick);
        return;
      }
      counter.writeControl(value, tick);
      if (value >> 6 !== 0) return;
    }
    if (index === 0 || index === 3) this.updateIrq0();
  }

  /** Drives GATE of counter 0–2 (on the PC only counter 2's is not tied high: port 0x61 bit 0). */
  setGate(index: number, level: boolean): void {
    const tick = this.tick;
    this.counterAt(index, tick).setGate(level, tick);
    if (index === 0) this.updateIrq0();
  }

  gate(index: number): boolean {
    return this.counters[index].gate;
  }

  /** OUT of counter 0–2 now. */
  output(index: number): boolean {
    const tick = this.tick;
    return this.counterAt(index, tick).output(tick);
  }

  /** The counting element of counter 0–2 now, as the counter would show it (BCD when counting BCD). */
  count(index: number): number {
    const tick = this.tick;
    const counter = this.counterAt(index, tick);
    const value = counter.value(tick);
    return counter.bcd ? toBcd(value) : value;
  }

  /** Sets IRQ 0 to counter 0's OUT and arms the timer for its next change. */
  private updateIrq0(): void {
    const tick = this.tick;
    const counter = this.counterAt(0, tick);
    this.irq0.set(counter.output(tick));
    const next = counter.nextEvent(tick);
    if (Number.isFinite(next)) this.timer.setAt(pitTickTime(next));
    else this.timer.stop();
  }

  reset(): void {
    // The 8254's power-on state is undefined; here every counter waits idle in mode 0 (OUT low).
    // GATE 0 and 1 are tied high on the PC; GATE 2 is port 0x61 bit 0, which resets to 0.
    this.counters[0].powerOn(true);
    this.counters[1].powerOn(true);
    this.counters[2].powerOn(false);
    this.updateIrq0();
  }

  saveState(): DeviceState {
    return { counters: this.counters.map((counter) => counter.save()) };
  }

  restoreState(state: DeviceState): void {
    const saved = state.counters;
    if (!Array.isArray(saved) || saved.length !== 3) throw new Error('saved state of i8254: field counters is not a list of three counters');
    saved.forEach((entry, i) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new Error(`saved state of i8254: counter ${i} is not an object`);
      this.counters[i].restore(entry, `i8254 counter ${i}`);
    });
    this.updateIrq0();
  }
}
