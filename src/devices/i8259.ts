// Intel 8259A programmable interrupt controller, as the PC/AT wires two of them: the master at
// ports 0x20/0x21 drives the CPU's INTR, the slave at 0xA0/0xA1 feeds the master's IR2, so ISA
// IRQ 8–15 arrive through the slave. The CPU asks `hasInterrupt()` and, when it takes the
// interrupt, `acknowledge()` performs the INTA cycle and returns the vector.
//
// Datasheet sections that matter (Intel 8259A, order no. 231468): "Interrupt Sequence" (what the
// two INTA pulses do to IRR/ISR), "Initialization Command Words" (ICW1–ICW4 and the order they
// are expected in), "Operation Command Words" (OCW1 mask, OCW2 EOI/rotate, OCW3 read register,
// poll, special mask), "Fully Nested Mode", "Automatic Rotation", "Special Mask Mode", "Poll
// Command", "Special Fully Nested Mode", "Edge and Level Triggered Modes" (a request that is gone
// by the time of INTA gets the IR7 vector: the spurious interrupt), "Cascade Mode".
//
// Edge-triggered inputs latch a rising edge in IRR until INTA, as emulators conventionally do
// (the real part forgets a request that drops before INTA; a pulse from IrqLine would be lost).
// The master's IR2 is such an input too, fed by the slave's INT: a slave request withdrawn
// between INTR and INTA still gets IR2 answered, and the slave then gives its IR7 vector
// (spurious IRQ 15). Level-triggered inputs follow their line: ICW1 LTIM for a whole chip, or
// the per-line ELCR (ports 0x4D0/0x4D1) of later chipsets, which the PC/AT and QEMU's isapc do
// not have. 8080/8085 mode (ICW4 bit 0 clear), buffered mode and ICW3 slave IDs are stored only:
// the PC runs 8086 mode with the slave on IR2.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { IrqSink } from '../hw/irq.js';

/** The master input the slave's INT output is wired to. */
export const CASCADE_IRQ = 2;

export interface I8259Options {
  /** Registers the edge/level control registers at 0x4D0/0x4D1 (PIIX and later; not on isapc). */
  elcr?: boolean;
  /** Initial ELCR contents, bit n = IRQ n level-triggered (only with `elcr`). */
  elcrValue?: number;
}

/** Where the next byte written to the data port goes while initialising. */
const enum InitStep {
  Ready = 0,
  Icw2 = 1,
  Icw3 = 2,
  Icw4 = 3,
}

/** One 8259A. Lines are 0–7 of this chip. */
class Pic8259Chip {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Levels of the input pins, for edge detection and level-triggered requests. */
  inputLevels = 0;
  /** The IR with the lowest priority (7 after ICW1; moved by rotation). */
  lowestPriority = 7;
  vectorBase = 0;
  initStep = InitStep.Ready;
  icw1 = 0;
  icw3 = 0;
  icw4 = 0;
  /** OCW3 RIS: the base port reads ISR (true) or IRR (false). */
  readIsr = false;
  /** OCW3 P: the next read of either port is a poll. */
  poll = false;
  specialMask = false;
  /** OCW2 R with EOI bits 000/100: rotate when auto-EOI ends an interrupt. */
  rotateOnAutoEoi = false;
  /** Per-line level-trigger mask from the ELCR. */
  elcr = 0;
  /** ELCR bits the machine lets software change. */
  readonly elcrWritable: number;

  constructor(
    readonly isMaster: boolean,
    elcrWritable: number,
  ) {
    this.elcrWritable = elcrWritable;
  }

  get autoEoi(): boolean {
    return (this.icw4 & 0x02) !== 0;
  }

  get specialFullyNested(): boolean {
    return (this.icw4 & 0x10) !== 0;
  }

  get singleMode(): boolean {
    return (this.icw1 & 0x02) !== 0;
  }

  /** Lines whose requests follow the input level. */
  get levelMask(): number {
    return (this.icw1 & 0x08) !== 0 ? 0xff : this.elcr;
  }

  powerOn(): void {
    this.irr = 0;
    this.isr = 0;
    this.imr = 0;
    this.lowestPriority = 7;
    this.vectorBase = 0;
    this.initStep = InitStep.Ready;
    this.icw1 = 0;
    this.icw3 = 0;
    this.icw4 = 0;
    this.readIsr = false;
    this.poll = false;
    this.specialMask = false;
    this.rotateOnAutoEoi = false;
    // inputLevels are the wires, not the chip: they survive a reset. The ELCR belongs to the
    // chipset and is cleared by it (PIIX: 0 at reset).
    this.elcr = 0;
    this.irr = this.inputLevels & this.levelMask;
  }

  setInput(line: number, level: boolean): void {
    const bit = 1 << line;
    if (level) {
      if ((this.inputLevels & bit) === 0) this.irr |= bit;
      this.inputLevels |= bit;
    } else {
      this.inputLevels &= ~bit;
      if ((this.levelMask & bit) !== 0) this.irr &= ~bit;
    }
  }

  /** Rank of `line` in the current priority order: 0 is the highest. */
  private rank(line: number): number {
    return (line - this.lowestPriority - 1) & 7;
  }

  /** The highest-priority line set in `mask`, or -1. */
  private highest(mask: number): number {
    if (mask === 0) return -1;
    for (let r = 0; r < 8; r++) {
      const line = (this.lowestPriority + 1 + r) & 7;
      if ((mask & (1 << line)) !== 0) return line;
    }
    return -1;
  }

  /**
   * The line this chip would present at INTA now, or -1 ("Fully Nested Mode": a request
   * interrupts only a lower-priority service routine).
   */
  pending(): number {
    const request = this.highest(this.irr & ~this.imr);
    if (request < 0) return -1;
    // In special mask mode a masked in-service level does not block anything (OCW3 SMM).
    let inService = this.specialMask ? this.isr & ~this.imr : this.isr;
    // Special fully nested mode: the master lets a higher slave request through while the
    // cascade input is in service.
    if (this.isMaster && this.specialFullyNested) inService &= ~(1 << CASCADE_IRQ);
    const blocking = this.highest(inService);
    if (blocking >= 0 && this.rank(blocking) <= this.rank(request)) return -1;
    return request;
  }

  /** The INTA pulses for `line`: into ISR (unless auto-EOI), out of IRR if edge-triggered. */
  acknowledge(line: number): void {
    const bit = 1 << line;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowestPriority = line;
    } else {
      this.isr |= bit;
    }
    if ((this.levelMask & bit) === 0) this.irr &= ~bit;
  }

  /** Poll command: the poll word, and the acknowledge it implies. */
  pollRead(): number {
    this.poll = false;
    const line = this.pending();
    if (line < 0) return 0x07; // no request: I bit clear; the level bits are 7 as for a spurious IR7
    this.acknowledge(line);
    return 0x80 | line;
  }

  writeCommand(value: number): void {
    if ((value & 0x10) !== 0) {
      // ICW1 (datasheet "Initialization Command Words"): IMR cleared, IR7 lowest priority,
      // special mask mode off, IRR selected for reading, ICW4 zero unless IC4 asks for one.
      this.icw1 = value;
      this.icw4 = 0;
      this.imr = 0;
      this.isr = 0;
      // The edge sense circuit is reset: a line must go low and high again to request.
      this.irr = this.inputLevels & this.levelMask;
      this.lowestPriority = 7;
      this.specialMask = false;
      this.readIsr = false;
      this.poll = false;
      this.rotateOnAutoEoi = false;
      this.initStep = InitStep.Icw2;
      return;
    }
    if ((value & 0x08) !== 0) {
      // OCW3.
      if ((value & 0x04) !== 0) this.poll = true;
      if ((value & 0x02) !== 0) this.readIsr = (value & 0x01) !== 0;
      if ((value & 0x40) !== 0) this.specialMask = (value & 0x20) !== 0;
      return;
    }
    // OCW2: R, SL, EOI in bits 7–5; the level in bits 2–0.
    const level = value & 7;
    switch (value >> 5) {
      case 0b001: // non-specific EOI
        this.endOfInterrupt(false);
        break;
      case 0b101: // rotate on non-specific EOI
        this.endOfInterrupt(true);
        break;
      case 0b011: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 0b111: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.lowestPriority = level;
        break;
      case 0b100:
        this.rotateOnAutoEoi = true;
        break;
      case 0b000:
        this.rotateOnAutoEoi = false;
        break;
      case 0b110: // set priority: `level` becomes the lowest
        this.lowestPriority = level;
        break;
      default: // 0b010: no operation
        break;
    }
  }

  /** Non-specific EOI: ends the highest-priority level in service (not a masked one in special mask mode). */
  private endOfInterrupt(rotate: boolean): void {
    const line = this.highest(this.specialMask ? this.isr & ~this.imr : this.isr);
    if (line < 0) return;
    this.isr &= ~(1 << line);
    if (rotate) this.lowestPriority = line;
  }

  writeData(value: number): void {
    switch (this.initStep) {
      case InitStep.Icw2:
        // In 8086 mode T7–T3 of the vector come from ICW2; IR number fills T2–T0.
        this.vectorBase = value & 0xf8;
        this.initStep = this.singleMode ? (this.icw1 & 0x01 ? InitStep.Icw4 : InitStep.Ready) : InitStep.Icw3;
        return;
      case InitStep.Icw3:
        this.icw3 = value;
        this.initStep = this.icw1 & 0x01 ? InitStep.Icw4 : InitStep.Ready;
        return;
      case InitStep.Icw4:
        this.icw4 = value;
        this.initStep = InitStep.Ready;
        return;
      default:
        this.imr = value;
    }
  }

  readCommand(): number {
    if (this.poll) return this.pollRead();
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    if (this.poll) return this.pollRead();
    return this.imr;
  }

  save(): DeviceState {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      inputLevels: this.inputLevels,
      lowestPriority: this.lowestPriority,
      vectorBase: this.vectorBase,
      initStep: this.initStep,
      icw1: this.icw1,
      icw3: this.icw3,
      icw4: this.icw4,
      readIsr: this.readIsr ? 1 : 0,
      poll: this.poll ? 1 : 0,
      specialMask: this.specialMask ? 1 : 0,
      rotateOnAutoEoi: this.rotateOnAutoEoi ? 1 : 0,
      elcr: this.elcr,
    };
  }

  restore(state: DeviceState, what: string): void {
    const byte = (field: string): number => {
      const value = stateNumber(state, what, field);
      if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new Error(`saved state of ${what}: field ${field} is ${value}, not a byte`);
      return value;
    };
    this.irr = byte('irr');
    this.isr = byte('isr');
    this.imr = byte('imr');
    this.inputLevels = byte('inputLevels');
    this.lowestPriority = byte('lowestPriority') & 7;
    this.vectorBase = byte('vectorBase') & 0xf8;
    const step = byte('initStep');
    if (step > InitStep.Icw4) throw new Error(`saved state of ${what}: field initStep is ${step}, not 0–3`);
    this.initStep = step;
    this.icw1 = byte('icw1');
    this.icw3 = byte('icw3');
    this.icw4 = byte('icw4');
    this.readIsr = byte('readIsr') !== 0;
    this.poll = byte('poll') !== 0;
    this.specialMask = byte('specialMask') !== 0;
    this.rotateOnAutoEoi = byte('rotateOnAutoEoi') !== 0;
    this.elcr = byte('elcr') & this.elcrWritable;
  }
}

/**
 * The master/slave pair of the PC/AT. It is the CPU's interrupt controller and the IrqSink of the
 * ISA IRQ lines 0–15 (line 2 is the cascade and is not an input; ISA IRQ2 devices use line 9).
 */
export class I8259 implements Device, IrqSink {
  readonly name = 'i8259';
  private readonly master: Pic8259Chip;
  private readonly slave: Pic8259Chip;
  private readonly hasElcr: boolean;
  private readonly initialElcr: number;
  private outputLevel = false;
  /** Told when the INT output to the CPU changes (for waking a halted CPU). */
  onInterruptChange: (level: boolean) => void = () => undefined;

  constructor(options: I8259Options = {}) {
    this.hasElcr = options.elcr === true;
    // IRQ 0, 1, 2, 8 and 13 stay edge-triggered on the chipsets that have an ELCR (PIIX ELCR1/ELCR2).
    this.master = new Pic8259Chip(true, this.hasElcr ? 0xf8 : 0);
    this.slave = new Pic8259Chip(false, this.hasElcr ? 0xde : 0);
    this.initialElcr = this.hasElcr ? (options.elcrValue ?? 0) & 0xdef8 : 0;
    this.reset();
  }

  attach(io: IoPorts): void {
    io.register('i8259 master', 0x20, 2, this.chipPorts(this.master, 0x20));
    io.register('i8259 slave', 0xa0, 2, this.chipPorts(this.slave, 0xa0));
    if (this.hasElcr) {
      const elcr: PortHandler = {
        read: (port) => (port === 0x4d0 ? this.master.elcr : this.slave.elcr),
        write: (port, _size, value) => {
          const chip = port === 0x4d0 ? this.master : this.slave;
          chip.elcr = value & chip.elcrWritable;
          this.update();
        },
      };
      io.register('i8259 elcr', 0x4d0, 2, elcr);
    }
  }

  private chipPorts(chip: Pic8259Chip, base: number): PortHandler {
    return {
      read: (port) => {
        const value = port === base ? chip.readCommand() : chip.readData();
        this.update();
        return value;
      },
      write: (port, _size, value) => {
        if (port === base) chip.writeCommand(value & 0xff);
        else chip.writeData(value & 0xff);
        this.update();
      },
    };
  }

  reset(): void {
    this.master.powerOn();
    this.slave.powerOn();
    this.master.elcr = this.initialElcr & 0xff;
    this.slave.elcr = this.initialElcr >> 8;
    this.update();
  }

  setIrq(line: number, level: boolean): void {
    if (!Number.isInteger(line) || line < 0 || line > 15) throw new RangeError(`i8259: IRQ ${line} does not exist; the PC has IRQ 0–15`);
    if (line === CASCADE_IRQ) return; // the slave's output owns this input
    if (line < 8) this.master.setInput(line, level);
    else this.slave.setInput(line - 8, level);
    this.update();
  }

  /** True when the master asserts INT: an unmasked request outranks everything in service. */
  hasInterrupt(): boolean {
    return this.outputLevel;
  }

  /**
   * The INTA cycle: returns the vector and moves the request into service. With nothing left to
   * deliver (the request went away, or was masked) it returns the IR7 vector of the chip that
   * answered, without setting ISR: the spurious IRQ 7 or 15.
   */
  acknowledge(): number {
    let vector: number;
    const line = this.master.pending();
    if (line < 0) {
      vector = this.master.vectorBase | 7;
    } else if (line === CASCADE_IRQ && !this.master.singleMode) {
      this.master.acknowledge(line);
      const slaveLine = this.slave.pending();
      if (slaveLine < 0) {
        vector = this.slave.vectorBase | 7;
      } else {
        this.slave.acknowledge(slaveLine);
        vector = this.slave.vectorBase | slaveLine;
      }
      // The slave's INT drops during the INTA sequence; if it still has a request (auto-EOI,
      // special mask mode) the rising edge that follows requests IR2 again.
      this.master.setInput(CASCADE_IRQ, false);
    } else {
      this.master.acknowledge(line);
      vector = this.master.vectorBase | line;
    }
    this.update();
    return vector;
  }

  /**
   * The slave's INT output is the master's IR2 input, an input like any other: edge-triggered on
   * the PC, so a slave request withdrawn before INTA still makes the master answer IR2 and the
   * slave give its IR7 vector (spurious IRQ 15).
   */
  private update(): void {
    this.master.setInput(CASCADE_IRQ, this.slave.pending() >= 0);
    const level = this.master.pending() >= 0;
    if (level !== this.outputLevel) {
      this.outputLevel = level;
      this.onInterruptChange(level);
    }
  }

  /** For debuggers and tests: IRR, ISR and IMR of both chips as 16-bit masks (slave in the high byte). */
  get irr(): number {
    return this.master.irr | (this.slave.irr << 8);
  }

  get isr(): number {
    return this.master.isr | (this.slave.isr << 8);
  }

  get imr(): number {
    return this.master.imr | (this.slave.imr << 8);
  }

  saveState(): DeviceState {
    return { master: this.master.save(), slave: this.slave.save() };
  }

  restoreState(state: DeviceState): void {
    const master = state.master;
    const slave = state.slave;
    if (typeof master !== 'object' || master === null || Array.isArray(master)) throw new Error('saved state of i8259: field master is not an object');
    if (typeof slave !== 'object' || slave === null || Array.isArray(slave)) throw new Error('saved state of i8259: field slave is not an object');
    this.master.restore(master, 'i8259 master');
    this.slave.restore(slave, 'i8259 slave');
    this.update();
  }
}
