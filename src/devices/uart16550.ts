// The 16550A UART (National/TI PC16550D): eight byte-wide registers at a base port, 16-byte receive
// and transmit FIFOs, the baud-rate generator and the prioritised interrupt output.
//
// Datasheet sections that matter here: "Register Description" (the register table and the DLAB
// overlay), 8.4 FIFO Control Register (FIFO enable clears both FIFOs, trigger levels 1/4/8/14),
// 8.5 Interrupt Identification Register (table 4: priority, source and reset control of each
// interrupt), 8.6 Interrupt Enable Register (enabling ETBEI while THRE is set interrupts at once),
// 8.7 Modem Control Register (loopback: the four modem outputs are forced inactive and looped to
// the four modem inputs), 8.8 Line Status Register (errors are revealed when their character
// reaches the top of the receive FIFO; bit 7) and "FIFO Interrupt Mode Operation" (the character
// timeout: four character times without input or read). On a PC the IRQ pin reaches the PIC only
// through a buffer enabled by OUT2, so the interrupt output is gated by MCR bit 3 (option).

import type { MachineClock, Timer } from '../hw/clock.js';
import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { IrqLine } from '../hw/irq.js';

/** Where transmitted bytes go: the VMM connects this to the serial server. */
export interface UartBackend {
  transmit(byte: number): void;
}

export interface Uart16550Options {
  /** Device name, e.g. "COM1" (default "uart16550@0x<base>"). */
  name?: string;
  backend?: UartBackend;
  /**
   * Instant mode: a written byte leaves at once and received bytes enter the FIFO as fast as it
   * takes them, instead of one frame time (10 bit times at 8N1) per byte. The character timeout
   * still runs in guest time.
   */
  instant?: boolean;
  /** PC wiring: the IRQ pin drives the line only while MCR OUT2 is set (default true). */
  out2GatesIrq?: boolean;
}

/** The standard PC serial ports. */
export const PC_SERIAL_PORTS = [
  { name: 'COM1', base: 0x3f8, irq: 4 },
  { name: 'COM2', base: 0x2f8, irq: 3 },
] as const;

/** The 1.8432 MHz crystal of a PC serial port; the baud rate is this / 16 / divisor. */
export const UART_CLOCK_HZ = 1_843_200;
export const FIFO_SIZE = 16;

export const IER_RDI = 0x01;
export const IER_THRI = 0x02;
export const IER_RLSI = 0x04;
export const IER_MSI = 0x08;

export const IIR_NO_INT = 0x01;
export const IIR_MSI = 0x00;
export const IIR_THRI = 0x02;
export const IIR_RDI = 0x04;
export const IIR_RLSI = 0x06;
export const IIR_TIMEOUT = 0x0c;
export const IIR_FIFOS_ENABLED = 0xc0;

export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;
const FCR_DMA_MODE = 0x08;
const FCR_TRIGGER = 0xc0;

export const LCR_DLAB = 0x80;

export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const LSR_FIFO_ERROR = 0x80;
const LSR_CHAR_ERRORS = LSR_PE | LSR_FE | LSR_BI;

export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

export class Uart16550 implements Device, PortHandler {
  readonly name: string;
  backend: UartBackend;
  instant: boolean;
  private readonly out2GatesIrq: boolean;

  ier = 0;
  lcr = 0;
  mcr = 0;
  scr = 0;
  /** The divisor latch (DLM:DLL). */
  divisor = 12;
  /** FIFO enable, DMA mode and trigger bits as last programmed (the clear bits self-clear). */
  fcr = 0;
  /** OE and the PE/FE/BI of characters that reached the top of the FIFO, until LSR is read. */
  private lineErrors = 0;
  /** MSR bits 0–3. */
  private msrDeltas = 0;
  /** CTS/DSR/RI/DCD from the host side (MSR bit positions). A connected terminal by default. */
  private hostLines = MSR_CTS | MSR_DSR | MSR_DCD;
  /** The modem inputs as the chip last saw them (host lines or the loopback). */
  private lines = 0;
  private thriPending = false;
  private timeoutPending = false;
  private lastRbr = 0;

  private readonly rxFifo = new Uint8Array(FIFO_SIZE);
  /** The PE/FE/BI bits that came with each received character. */
  private readonly rxErrors = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private readonly txFifo = new Uint8Array(FIFO_SIZE);
  private txHead = 0;
  private txCount = 0;
  private tsrFull = false;
  private tsr = 0;

  /** Bytes from the host waiting for room in the receive FIFO (byte | line errors << 8). */
  private hostQueue: number[] = [];
  private hostQueueHead = 0;

  private readonly transmitTimer: Timer;
  private readonly receiveTimer: Timer;
  private readonly timeoutTimer: Timer;

  constructor(
    readonly base: number,
    private readonly irq: IrqLine,
    clock: MachineClock,
    options: Uart16550Options = {},
  ) {
    this.name = options.name ?? `uart16550@0x${base.toString(16)}`;
    this.backend = options.backend ?? { transmit: () => undefined };
    this.instant = options.instant ?? false;
    this.out2GatesIrq = options.out2GatesIrq ?? true;
    this.transmitTimer = clock.createTimer(`${this.name} transmit`, () => this.transmitDone());
    this.receiveTimer = clock.createTimer(`${this.name} receive`, () => this.receiveFromLine());
    this.timeoutTimer = clock.createTimer(`${this.name} character timeout`, () => this.characterTimeout());
    this.reset();
  }

  /** Registers the eight ports base … base+7. */
  attach(io: IoPorts): void {
    io.register(this.name, this.base, 8, this);
  }

  reset(): void {
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.scr = 0;
    this.divisor = 12;
    this.fcr = 0;
    this.lineErrors = 0;
    this.msrDeltas = 0;
    this.thriPending = false;
    this.timeoutPending = false;
    this.lastRbr = 0;
    this.rxHead = this.rxCount = 0;
    this.rxErrors.fill(0);
    this.txHead = this.txCount = 0;
    this.tsrFull = false;
    this.tsr = 0;
    this.hostQueue = [];
    this.hostQueueHead = 0;
    this.transmitTimer.stop();
    this.receiveTimer.stop();
    this.timeoutTimer.stop();
    this.lines = this.modemInputs();
    this.updateIrq();
  }

  // ---- host side ----

  /** Bytes from the host. They wait beyond the FIFO and are fed as the guest drains it. */
  receive(bytes: Uint8Array): void {
    for (const byte of bytes) this.hostQueue.push(byte & 0xff);
    this.feed();
  }

  /** A break condition on the line: a zero character with BI (and FE, as the chip reports it). */
  receiveBreak(): void {
    this.hostQueue.push((LSR_BI | LSR_FE) << 8);
    this.feed();
  }

  /** A character that arrived with a parity or framing error. */
  receiveWithError(byte: number, error: 'parity' | 'framing'): void {
    this.hostQueue.push((byte & 0xff) | ((error === 'parity' ? LSR_PE : LSR_FE) << 8));
    this.feed();
  }

  /** How many host bytes wait beyond the FIFO (for flow control toward the server). */
  get receiveBacklog(): number {
    return this.hostQueue.length - this.hostQueueHead;
  }

  /** The modem status inputs as driven by the host side. */
  setModemLines(lines: { cts: boolean; dsr: boolean; ri: boolean; dcd: boolean }): void {
    this.hostLines = (lines.cts ? MSR_CTS : 0) | (lines.dsr ? MSR_DSR : 0) | (lines.ri ? MSR_RI : 0) | (lines.dcd ? MSR_DCD : 0);
    this.modemInputsChanged();
  }

  /**
   * Guest time one frame (start, data, parity and stop bits) takes at the programmed rate, in whole
   * ns (10 bit times at 8N1).
   */
  frameTime(): number {
    const dataBits = 5 + (this.lcr & 0x03);
    const parityBits = this.lcr & 0x08 ? 1 : 0;
    const stopBits = this.lcr & 0x04 ? (dataBits === 5 ? 1.5 : 2) : 1;
    return Math.round((1 + dataBits + parityBits + stopBits) * this.bitTime());
  }

  /** One bit time in ns: divisor × 16 cycles of the 1.8432 MHz clock (divisor 0 counts as 65536). */
  bitTime(): number {
    const divisor = this.divisor === 0 ? 0x10000 : this.divisor;
    return (divisor * 16 * 1e9) / UART_CLOCK_HZ;
  }

  // ---- guest side ----

  read(port: number, _size: 1 | 2 | 4): number {
    switch ((port - this.base) & 7) {
      case 0:
        return this.lcr & LCR_DLAB ? this.divisor & 0xff : this.readRbr();
      case 1:
        return this.lcr & LCR_DLAB ? this.divisor >>> 8 : this.ier;
      case 2:
        return this.readIir();
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return this.readLsr();
      case 6:
        return this.readMsr();
      default:
        return this.scr;
    }
  }

  write(port: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff;
    switch ((port - this.base) & 7) {
      case 0:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff00) | value;
        else this.writeThr(value);
        break;
      case 1:
        if (this.lcr & LCR_DLAB) this.divisor = (this.divisor & 0xff) | (value << 8);
        else this.writeIer(value);
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        this.lcr = value;
        break;
      case 4:
        this.writeMcr(value);
        break;
      case 5:
        // LSR writes are for factory test only (datasheet 8.8); the model ignores them.
        break;
      case 6:
        // MSR is read-only.
        break;
      default:
        this.scr = value;
    }
  }

  private get fifoEnabled(): boolean {
    return (this.fcr & FCR_ENABLE) !== 0;
  }

  /** Without FIFOs the receiver and the transmitter each hold one character. */
  private get capacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  private get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  private readRbr(): number {
    if (this.rxCount === 0) return this.lastRbr;
    const byte = this.rxFifo[this.rxHead];
    this.rxErrors[this.rxHead] = 0;
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    this.lastRbr = byte;
    if (this.rxCount > 0) this.revealTopErrors();
    // Reading a character clears the timeout indication and restarts its timer (datasheet, FIFO
    // interrupt mode operation).
    this.timeoutPending = false;
    if (this.fifoEnabled && this.rxCount > 0) this.timeoutTimer.setAfter(4 * this.frameTime());
    else this.timeoutTimer.stop();
    this.feed();
    this.updateIrq();
    return byte;
  }

  private readIir(): number {
    const id = this.currentInterrupt();
    // Table 4: the THRE interrupt is reset by reading IIR when it is the source.
    if (id === IIR_THRI) {
      this.thriPending = false;
      this.updateIrq();
    }
    return id | (this.fifoEnabled ? IIR_FIFOS_ENABLED : 0);
  }

  private readLsr(): number {
    let errorsInFifo = (this.lineErrors & LSR_CHAR_ERRORS) !== 0;
    for (let i = 0; i < this.rxCount && !errorsInFifo; i++) if (this.rxErrors[(this.rxHead + i) % FIFO_SIZE] !== 0) errorsInFifo = true;
    const transmitterEmpty = this.txCount === 0;
    const value =
      (this.rxCount > 0 ? LSR_DR : 0) |
      this.lineErrors |
      (transmitterEmpty ? LSR_THRE : 0) |
      (transmitterEmpty && !this.tsrFull ? LSR_TEMT : 0) |
      (this.fifoEnabled && errorsInFifo ? LSR_FIFO_ERROR : 0);
    this.lineErrors = 0;
    if (this.rxCount > 0) this.rxErrors[this.rxHead] = 0;
    this.updateIrq();
    return value;
  }

  private readMsr(): number {
    const value = this.msrDeltas | this.lines;
    this.msrDeltas = 0;
    this.updateIrq();
    return value;
  }

  private writeThr(value: number): void {
    this.thriPending = false;
    if (this.instant && !this.tsrFull && this.txCount === 0) {
      this.emit(value);
      this.thriPending = true;
      this.updateIrq();
      return;
    }
    if (this.txCount < this.capacity) {
      this.txFifo[(this.txHead + this.txCount) % FIFO_SIZE] = value;
      this.txCount++;
    } else if (!this.fifoEnabled) {
      // Without FIFOs a write to a full THR replaces the character waiting there.
      this.txFifo[this.txHead] = value;
    }
    if (!this.tsrFull) this.loadShiftRegister();
    this.updateIrq();
  }

  private writeIer(value: number): void {
    const enabledThri = value & IER_THRI & ~this.ier;
    this.ier = value & 0x0f;
    // 8.6: enabling the THRE interrupt while THR is empty interrupts at once.
    if (enabledThri && this.txCount === 0) this.thriPending = true;
    this.updateIrq();
  }

  private writeFcr(value: number): void {
    const enable = value & FCR_ENABLE;
    if (enable !== (this.fcr & FCR_ENABLE)) {
      this.clearReceiveFifo();
      this.clearTransmitFifo();
    }
    if (enable) {
      // 8.4: the other FCR bits are programmed only together with FCR0 = 1.
      if (value & FCR_CLEAR_RX) this.clearReceiveFifo();
      if (value & FCR_CLEAR_TX) this.clearTransmitFifo();
      this.fcr = value & (FCR_ENABLE | FCR_DMA_MODE | FCR_TRIGGER);
    } else {
      this.fcr = 0;
    }
    this.feed();
    this.updateIrq();
  }

  private writeMcr(value: number): void {
    const wasLoopback = this.loopback;
    this.mcr = value & 0x1f;
    this.modemInputsChanged();
    if (wasLoopback && !this.loopback) this.feed();
    this.updateIrq();
  }

  private clearReceiveFifo(): void {
    this.rxHead = this.rxCount = 0;
    this.rxErrors.fill(0);
    this.timeoutPending = false;
    this.timeoutTimer.stop();
  }

  private clearTransmitFifo(): void {
    if (this.txCount > 0) this.thriPending = true;
    this.txHead = this.txCount = 0;
  }

  /** Moves the next character from THR/the FIFO into the shift register and starts its frame. */
  private loadShiftRegister(): void {
    if (this.txCount === 0) return;
    this.tsr = this.txFifo[this.txHead];
    this.txHead = (this.txHead + 1) % FIFO_SIZE;
    this.txCount--;
    this.tsrFull = true;
    if (this.txCount === 0) this.thriPending = true;
    if (this.instant) this.transmitDone();
    else this.transmitTimer.setAfter(this.frameTime());
  }

  private transmitDone(): void {
    if (!this.tsrFull) return;
    this.tsrFull = false;
    this.emit(this.tsr);
    this.loadShiftRegister();
    this.updateIrq();
  }

  /**
   * A character leaves the shift register: to the line, or in loopback to our own receiver. Only
   * the word length the LCR selects goes out, as on the real chip (PC16550D "Line Control
   * Register", bits 0–1); QEMU passes the whole byte on, so a guest that prints without setting
   * 8 data bits shows clean text there and masked bytes here.
   */
  private emit(byte: number): void {
    const mask = (1 << (5 + (this.lcr & 0x03))) - 1;
    if (this.loopback) this.receiveCharacter(byte & mask, 0);
    else this.backend.transmit(byte & mask);
  }

  /** Feeds waiting host bytes into the receive FIFO while it has room (not in loopback). */
  private feed(): void {
    if (this.loopback || this.receiveBacklog === 0 || this.rxCount >= this.capacity) return;
    if (this.instant) {
      while (this.receiveBacklog > 0 && this.rxCount < this.capacity) this.receiveCharacter(...this.takeHostByte());
    } else if (!this.receiveTimer.active) {
      this.receiveTimer.setAfter(this.frameTime());
    }
  }

  private receiveFromLine(): void {
    if (this.loopback || this.receiveBacklog === 0 || this.rxCount >= this.capacity) return;
    this.receiveCharacter(...this.takeHostByte());
    this.feed();
  }

  private takeHostByte(): [number, number] {
    const entry = this.hostQueue[this.hostQueueHead++];
    if (this.hostQueueHead >= 1024 && this.hostQueueHead * 2 >= this.hostQueue.length) {
      this.hostQueue = this.hostQueue.slice(this.hostQueueHead);
      this.hostQueueHead = 0;
    }
    return [entry & 0xff, entry >>> 8];
  }

  private receiveCharacter(byte: number, errors: number): void {
    if (this.rxCount >= this.capacity) {
      // 8.8 OE: with FIFOs the character in the shift register is lost; without, it replaces RBR.
      this.lineErrors |= LSR_OE;
      if (!this.fifoEnabled) {
        this.rxFifo[this.rxHead] = byte;
        this.rxErrors[this.rxHead] = errors;
        this.revealTopErrors();
      }
    } else {
      const index = (this.rxHead + this.rxCount) % FIFO_SIZE;
      this.rxFifo[index] = byte;
      this.rxErrors[index] = errors;
      this.rxCount++;
      if (this.rxCount === 1) this.revealTopErrors();
    }
    if (this.fifoEnabled && !this.timeoutPending) this.timeoutTimer.setAfter(4 * this.frameTime());
    this.updateIrq();
  }

  /** 8.8: a character's PE/FE/BI show in LSR once it is at the top of the FIFO. */
  private revealTopErrors(): void {
    this.lineErrors |= this.rxErrors[this.rxHead];
  }

  private characterTimeout(): void {
    if (this.fifoEnabled && this.rxCount > 0) {
      this.timeoutPending = true;
      this.updateIrq();
    }
  }

  private modemInputs(): number {
    if (!this.loopback) return this.hostLines;
    // 8.7: in loopback RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.
    return (
      (this.mcr & MCR_RTS ? MSR_CTS : 0) |
      (this.mcr & MCR_DTR ? MSR_DSR : 0) |
      (this.mcr & MCR_OUT1 ? MSR_RI : 0) |
      (this.mcr & MCR_OUT2 ? MSR_DCD : 0)
    );
  }

  private modemInputsChanged(): void {
    const now = this.modemInputs();
    const changed = now ^ this.lines;
    if (changed & MSR_CTS) this.msrDeltas |= MSR_DCTS;
    if (changed & MSR_DSR) this.msrDeltas |= MSR_DDSR;
    if (changed & MSR_DCD) this.msrDeltas |= MSR_DDCD;
    if (changed & MSR_RI && !(now & MSR_RI)) this.msrDeltas |= MSR_TERI;
    this.lines = now;
    this.updateIrq();
  }

  /** The highest-priority pending interrupt as IIR bits 0–3 (table 4). */
  private currentInterrupt(): number {
    if (this.ier & IER_RLSI && this.lineErrors & (LSR_OE | LSR_CHAR_ERRORS)) return IIR_RLSI;
    if (this.ier & IER_RDI) {
      const trigger = this.fifoEnabled ? TRIGGER_LEVELS[this.fcr >>> 6] : 1;
      if (this.rxCount >= trigger) return IIR_RDI;
      if (this.timeoutPending) return IIR_TIMEOUT;
    }
    if (this.ier & IER_THRI && this.thriPending) return IIR_THRI;
    if (this.ier & IER_MSI && this.msrDeltas) return IIR_MSI;
    return IIR_NO_INT;
  }

  private updateIrq(): void {
    // In loopback the OUT2 pin is forced inactive (8.7), which on a PC disconnects the IRQ.
    const gated = this.out2GatesIrq && (!(this.mcr & MCR_OUT2) || this.loopback);
    this.irq.set(!gated && this.currentInterrupt() !== IIR_NO_INT);
  }

  saveState(): DeviceState {
    const rx = new Uint8Array(FIFO_SIZE);
    const rxErrors = new Uint8Array(FIFO_SIZE);
    for (let i = 0; i < this.rxCount; i++) {
      rx[i] = this.rxFifo[(this.rxHead + i) % FIFO_SIZE];
      rxErrors[i] = this.rxErrors[(this.rxHead + i) % FIFO_SIZE];
    }
    const tx = new Uint8Array(FIFO_SIZE);
    for (let i = 0; i < this.txCount; i++) tx[i] = this.txFifo[(this.txHead + i) % FIFO_SIZE];
    const pending = this.hostQueue.slice(this.hostQueueHead);
    return {
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      scr: this.scr,
      divisor: this.divisor,
      fcr: this.fcr,
      lineErrors: this.lineErrors,
      msrDeltas: this.msrDeltas,
      hostLines: this.hostLines,
      lines: this.lines,
      thriPending: this.thriPending ? 1 : 0,
      timeoutPending: this.timeoutPending ? 1 : 0,
      lastRbr: this.lastRbr,
      rxFifo: bytesToHex(rx),
      rxErrors: bytesToHex(rxErrors),
      rxCount: this.rxCount,
      txFifo: bytesToHex(tx),
      txCount: this.txCount,
      tsrFull: this.tsrFull ? 1 : 0,
      tsr: this.tsr,
      hostQueue: pending,
      transmitAt: timerDeadline(this.transmitTimer),
      receiveAt: timerDeadline(this.receiveTimer),
      timeoutAt: timerDeadline(this.timeoutTimer),
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    this.ier = number('ier') & 0x0f;
    this.lcr = number('lcr') & 0xff;
    this.mcr = number('mcr') & 0x1f;
    this.scr = number('scr') & 0xff;
    this.divisor = number('divisor') & 0xffff;
    this.fcr = number('fcr') & 0xff;
    this.lineErrors = number('lineErrors') & 0x1e;
    this.msrDeltas = number('msrDeltas') & 0x0f;
    this.hostLines = number('hostLines') & 0xf0;
    this.lines = number('lines') & 0xf0;
    this.thriPending = number('thriPending') !== 0;
    this.timeoutPending = number('timeoutPending') !== 0;
    this.lastRbr = number('lastRbr') & 0xff;
    this.rxCount = boundedCount(number('rxCount'), this.name, 'rxCount');
    this.txCount = boundedCount(number('txCount'), this.name, 'txCount');
    this.rxHead = this.txHead = 0;
    hexToBytes(stateString(state, this.name, 'rxFifo'), this.rxFifo, this.name);
    hexToBytes(stateString(state, this.name, 'rxErrors'), this.rxErrors, this.name);
    hexToBytes(stateString(state, this.name, 'txFifo'), this.txFifo, this.name);
    this.tsrFull = number('tsrFull') !== 0;
    this.tsr = number('tsr') & 0xff;
    const queue = state.hostQueue;
    if (!Array.isArray(queue) || !queue.every((entry) => typeof entry === 'number')) {
      throw new Error(`saved state of ${this.name}: field hostQueue is not a list of numbers`);
    }
    this.hostQueue = queue.map((entry) => Number(entry) & 0xffff);
    this.hostQueueHead = 0;
    restoreTimer(this.transmitTimer, state.transmitAt, this.name, 'transmitAt');
    restoreTimer(this.receiveTimer, state.receiveAt, this.name, 'receiveAt');
    restoreTimer(this.timeoutTimer, state.timeoutAt, this.name, 'timeoutAt');
    this.updateIrq();
  }
}

function timerDeadline(timer: Timer): number | null {
  return timer.active ? timer.deadline : null;
}

function restoreTimer(timer: Timer, value: DeviceState[string] | undefined, device: string, field: string): void {
  if (value === null) timer.stop();
  else if (typeof value === 'number') timer.setAt(value);
  else throw new Error(`saved state of ${device}: field ${field} is neither a guest time nor null`);
}

function stateString(state: DeviceState, device: string, field: string): string {
  const value = state[field];
  if (typeof value !== 'string') throw new Error(`saved state of ${device}: field ${field} is not a string`);
  return value;
}

function boundedCount(value: number, device: string, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > FIFO_SIZE) {
    throw new Error(`saved state of ${device}: field ${field} is ${value}, not a FIFO count 0…${FIFO_SIZE}`);
  }
  return value;
}
