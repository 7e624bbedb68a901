// The ARM PrimeCell UART PL011 (ARM DDI 0183, "PrimeCell UART (PL011) Technical Reference
// Manual"), the serial port of QEMU's `virt` and Versatile Express boards.
//
// TRM sections that matter here: 3.2 register summary; 3.3.1 UARTDR (bits 8–11 carry the FE, PE,
// BE and OE of the character read); 3.3.2 UARTRSR/UARTECR; 3.3.3 UARTFR; 3.3.6/3.3.7 the baud
// rate divisors (baud = UARTCLK / (16 × (IBRD + FBRD/64))); 3.3.7 UARTLCR_H (FEN: FIFOs on; off,
// they are one-character holding registers; changing FEN flushes them); 3.3.8 UARTCR; 3.3.9
// UARTIFLS (trigger levels 1/8 … 7/8 of the 16-entry FIFOs); 3.3.10–3.3.13 the interrupt
// registers; 3.4 interrupts: the receive interrupt follows the FIFO level, the receive timeout
// fires when the FIFO is not empty and nothing arrived for 32 bit periods, the transmit interrupt
// is raised when the transmit FIFO drains down through the trigger level (not merely because it is
// empty, which is why Linux primes it) and cleared by filling above the level or by UARTICR.
//
// Deliberate differences from the TRM, following QEMU's virt (hw/char/pl011.c), because software
// written for QEMU relies on them: characters are sent and received whether or not UARTEN, TXE and
// RXE are set (Linux's earlycon writes UARTDR of a UART nobody enabled), unless the option
// `honourEnable` asks for the TRM's behaviour. Transmission takes one frame time per character in
// guest time (BUSY and the FIFO fill as on the chip) unless `instant`, which sends at once as QEMU
// does. Received bytes wait beyond the FIFO until it has room (flow control toward the host), so
// the overrun error only arises through receiveWithError.

import type { MachineClock, Timer } from '../hw/clock.js';
import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IrqLine } from '../hw/irq.js';
import type { MmioHandler } from '../hw/memory.js';
import type { UartBackend } from './uart16550.js';

export type { UartBackend } from './uart16550.js';

export const PL011_DR = 0x00;
export const PL011_RSR = 0x04;
export const PL011_FR = 0x18;
export const PL011_ILPR = 0x20;
export const PL011_IBRD = 0x24;
export const PL011_FBRD = 0x28;
export const PL011_LCR_H = 0x2c;
export const PL011_CR = 0x30;
export const PL011_IFLS = 0x34;
export const PL011_IMSC = 0x38;
export const PL011_RIS = 0x3c;
export const PL011_MIS = 0x40;
export const PL011_ICR = 0x44;
export const PL011_DMACR = 0x48;
/** The eight PrimeCell identification bytes at 0xFE0–0xFFC: UARTPeriphID0–3 (part 0x011, ARM, revision r1p5) and UARTPCellID0–3. */
export const PL011_ID = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1] as const;

export const FR_CTS = 0x001;
export const FR_DSR = 0x002;
export const FR_DCD = 0x004;
export const FR_BUSY = 0x008;
export const FR_RXFE = 0x010;
export const FR_TXFF = 0x020;
export const FR_RXFF = 0x040;
export const FR_TXFE = 0x080;
export const FR_RI = 0x100;

/** UARTDR error bits (and UARTRSR bits 0–3 shifted down by 8). */
export const DR_FE = 0x100;
export const DR_PE = 0x200;
export const DR_BE = 0x400;
export const DR_OE = 0x800;

export const LCR_H_BRK = 0x01;
export const LCR_H_PEN = 0x02;
export const LCR_H_STP2 = 0x08;
export const LCR_H_FEN = 0x10;

export const CR_UARTEN = 0x0001;
export const CR_LBE = 0x0080;
export const CR_TXE = 0x0100;
export const CR_RXE = 0x0200;
export const CR_DTR = 0x0400;
export const CR_RTS = 0x0800;
export const CR_OUT1 = 0x1000;
export const CR_OUT2 = 0x2000;

/** Interrupt bits of UARTIMSC, UARTRIS, UARTMIS and UARTICR. */
export const INT_RIM = 0x001;
export const INT_CTSM = 0x002;
export const INT_DCDM = 0x004;
export const INT_DSRM = 0x008;
export const INT_RX = 0x010;
export const INT_TX = 0x020;
export const INT_RT = 0x040;
export const INT_FE = 0x080;
export const INT_PE = 0x100;
export const INT_BE = 0x200;
export const INT_OE = 0x400;
const INT_ALL = 0x7ff;

export const PL011_FIFO_SIZE = 16;
/** The UART clock QEMU's virt gives the PL011 ("apb-pclk", 24 MHz). */
export const PL011_VIRT_CLOCK_HZ = 24_000_000;

/** UARTIFLS trigger levels in characters for the selects 0–4 (1/8, 1/4, 1/2, 3/4, 7/8 of 16). */
const TRIGGER_LEVELS = [2, 4, 8, 12, 14] as const;

export interface Pl011Options {
  name?: string;
  backend?: UartBackend;
  /** Send each character at once (as QEMU does) instead of one frame time per character. Default true. */
  instant?: boolean;
  /** Transmit and receive only while UARTEN and TXE/RXE are set, as the TRM says. Default false (QEMU). */
  honourEnable?: boolean;
  /** UARTCLK in Hz (default 24 MHz, QEMU virt's apb-pclk). */
  clockHz?: number;
}

export class Pl011 implements Device, MmioHandler {
  readonly name: string;
  backend: UartBackend;
  instant: boolean;
  private readonly honourEnable: boolean;
  private readonly clockHz: number;

  ibrd = 0;
  fbrd = 0;
  lcrH = 0;
  cr = CR_TXE | CR_RXE;
  ifls = 0x12;
  imsc = 0;
  /** UARTRIS: the raw interrupt state. */
  ris = 0;
  dmacr = 0;
  ilpr = 0;
  /** UARTRSR bits 0–3 (FE, PE, BE, OE) of the last character read, plus OE as it happens. */
  private rsr = 0;
  /**
   * The modem status inputs as FR bits (CTS, DSR, DCD, RI) from the host side. All inactive until
   * setModemLines says otherwise, so UARTFR reads 0x90 after reset as under QEMU.
   */
  private hostLines = 0;

  /** Receive FIFO entries: the character in bits 0–7 and its FE/PE/BE/OE in bits 8–11, as UARTDR reads them. */
  private readonly rxFifo = new Uint16Array(PL011_FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private readonly txFifo = new Uint8Array(PL011_FIFO_SIZE);
  private txHead = 0;
  private txCount = 0;
  /** A character is in the transmit shift register (FR.BUSY). */
  private shifting = false;
  private shiftRegister = 0;

  /** Host bytes waiting for room in the receive FIFO (byte | error bits). */
  private hostQueue: number[] = [];
  private hostQueueHead = 0;

  private readonly transmitTimer: Timer;
  private readonly timeoutTimer: Timer;

  constructor(
    private readonly irq: IrqLine,
    clock: MachineClock,
    options: Pl011Options = {},
  ) {
    this.name = options.name ?? 'pl011';
    this.backend = options.backend ?? { transmit: () => undefined };
    this.instant = options.instant ?? true;
    this.honourEnable = options.honourEnable ?? false;
    this.clockHz = options.clockHz ?? PL011_VIRT_CLOCK_HZ;
    this.transmitTimer = clock.createTimer(`${this.name} transmit`, () => this.transmitDone());
    this.timeoutTimer = clock.createTimer(`${this.name} receive timeout`, () => this.receiveTimeout());
    this.reset();
  }

  reset(): void {
    this.ibrd = 0;
    this.fbrd = 0;
    this.lcrH = 0;
    this.cr = CR_TXE | CR_RXE;
    this.ifls = 0x12;
    this.imsc = 0;
    this.ris = 0;
    this.dmacr = 0;
    this.ilpr = 0;
    this.rsr = 0;
    this.rxHead = this.rxCount = 0;
    this.txHead = this.txCount = 0;
    this.shifting = false;
    this.shiftRegister = 0;
    this.hostQueue = [];
    this.hostQueueHead = 0;
    this.transmitTimer.stop();
    this.timeoutTimer.stop();
    this.updateIrq();
  }

  // ---- host side ----

  /** Bytes from the host; they enter the receive FIFO as it has room. */
  receive(bytes: Uint8Array): void {
    for (const byte of bytes) this.hostQueue.push(byte & 0xff);
    this.feed();
  }

  /** A break on the line: a zero character with BE. */
  receiveBreak(): void {
    this.hostQueue.push(DR_BE);
    this.feed();
  }

  /** A character with a framing, parity or overrun error (the last as if the host had overrun us). */
  receiveWithError(byte: number, error: 'framing' | 'parity' | 'overrun'): void {
    this.hostQueue.push((byte & 0xff) | (error === 'framing' ? DR_FE : error === 'parity' ? DR_PE : DR_OE));
    this.feed();
  }

  get receiveBacklog(): number {
    return this.hostQueue.length - this.hostQueueHead;
  }

  /** The modem status inputs from the host side. */
  setModemLines(lines: { cts: boolean; dsr: boolean; dcd: boolean; ri: boolean }): void {
    const before = this.modemInputs();
    this.hostLines = (lines.cts ? FR_CTS : 0) | (lines.dsr ? FR_DSR : 0) | (lines.dcd ? FR_DCD : 0) | (lines.ri ? FR_RI : 0);
    this.modemChanged(before);
  }

  /** One bit time in ns at the programmed divisor (TRM 3.3.6); a zero divisor counts as the largest. */
  bitTime(): number {
    const divisor = this.ibrd === 0 ? 0x10000 : this.ibrd + this.fbrd / 64;
    return (16 * divisor * 1e9) / this.clockHz;
  }

  /** Start, data, parity and stop bits of one frame, in ns. */
  frameTime(): number {
    const dataBits = 5 + ((this.lcrH >>> 5) & 3);
    const parity = this.lcrH & LCR_H_PEN ? 1 : 0;
    const stop = this.lcrH & LCR_H_STP2 ? 2 : 1;
    return Math.round((1 + dataBits + parity + stop) * this.bitTime());
  }

  // ---- guest side ----

  read(offset: number, _size: 1 | 2 | 4): number {
    switch (offset & 0xffc) {
      case PL011_DR:
        return this.readData();
      case PL011_RSR:
        return this.rsr;
      case PL011_FR:
        return this.flags();
      case PL011_ILPR:
        return this.ilpr;
      case PL011_IBRD:
        return this.ibrd;
      case PL011_FBRD:
        return this.fbrd;
      case PL011_LCR_H:
        return this.lcrH;
      case PL011_CR:
        return this.cr;
      case PL011_IFLS:
        return this.ifls;
      case PL011_IMSC:
        return this.imsc;
      case PL011_RIS:
        return this.ris;
      case PL011_MIS:
        return this.ris & this.imsc;
      case PL011_DMACR:
        return this.dmacr;
      default:
        if (offset >= 0xfe0 && offset < 0x1000) return PL011_ID[(offset - 0xfe0) >>> 2];
        return 0;
    }
  }

  write(offset: number, _size: 1 | 2 | 4, value: number): void {
    switch (offset & 0xffc) {
      case PL011_DR:
        this.writeData(value & 0xff);
        break;
      case PL011_RSR:
        // UARTECR: any write clears the error flags.
        this.rsr = 0;
        break;
      case PL011_ILPR:
        this.ilpr = value & 0xff;
        break;
      case PL011_IBRD:
        this.ibrd = value & 0xffff;
        break;
      case PL011_FBRD:
        this.fbrd = value & 0x3f;
        break;
      case PL011_LCR_H:
        this.writeLineControl(value & 0xff);
        break;
      case PL011_CR:
        this.writeControl(value & 0xffff);
        break;
      case PL011_IFLS:
        this.ifls = value & 0x3f;
        this.updateLevels();
        break;
      case PL011_IMSC:
        this.imsc = value & INT_ALL;
        this.updateIrq();
        break;
      case PL011_ICR:
        this.ris &= ~value;
        this.updateIrq();
        break;
      case PL011_DMACR:
        // DMA handshake bits are stored; no DMA controller is attached on virt.
        this.dmacr = value & 0x07;
        break;
      default:
        // UARTFR, RIS, MIS and the ID registers are read-only.
        break;
    }
  }

  private get fifoEnabled(): boolean {
    return (this.lcrH & LCR_H_FEN) !== 0;
  }

  private get capacity(): number {
    return this.fifoEnabled ? PL011_FIFO_SIZE : 1;
  }

  private get loopback(): boolean {
    return (this.cr & CR_LBE) !== 0;
  }

  private get transmitEnabled(): boolean {
    return !this.honourEnable || (this.cr & (CR_UARTEN | CR_TXE)) === (CR_UARTEN | CR_TXE);
  }

  private get receiveEnabled(): boolean {
    return !this.honourEnable || (this.cr & (CR_UARTEN | CR_RXE)) === (CR_UARTEN | CR_RXE);
  }

  private receiveTrigger(): number {
    return this.fifoEnabled ? (TRIGGER_LEVELS[this.ifls >>> 3] ?? 8) : 1;
  }

  private transmitTrigger(): number {
    return this.fifoEnabled ? (TRIGGER_LEVELS[this.ifls & 7] ?? 8) : 0;
  }

  private flags(): number {
    let fr = this.modemInputs();
    if (this.rxCount === 0) fr |= FR_RXFE;
    if (this.rxCount >= this.capacity) fr |= FR_RXFF;
    if (this.txCount === 0) fr |= FR_TXFE;
    if (this.txCount >= this.capacity) fr |= FR_TXFF;
    if (this.shifting || this.txCount > 0) fr |= FR_BUSY;
    return fr;
  }

  private readData(): number {
    if (this.rxCount === 0) return 0;
    const entry = this.rxFifo[this.rxHead];
    this.rxHead = (this.rxHead + 1) % PL011_FIFO_SIZE;
    this.rxCount--;
    this.rsr = (entry >>> 8) & 0x0f;
    // 3.4: the receive interrupt clears once the level falls below the trigger, the timeout once
    // the FIFO is empty.
    if (this.rxCount < this.receiveTrigger()) this.ris &= ~INT_RX;
    if (this.rxCount === 0) {
      this.ris &= ~INT_RT;
      this.timeoutTimer.stop();
    } else {
      this.timeoutTimer.setAfter(32 * this.bitTime());
    }
    this.feed();
    this.updateIrq();
    return entry;
  }

  private writeData(byte: number): void {
    if (!this.transmitEnabled) return;
    if (this.txCount >= this.capacity) return; // a write to a full FIFO is lost (3.3.1)
    this.txFifo[(this.txHead + this.txCount) % PL011_FIFO_SIZE] = byte;
    this.txCount++;
    if (this.txCount > this.transmitTrigger()) this.ris &= ~INT_TX;
    if (!this.shifting) this.loadShiftRegister();
    this.updateIrq();
  }

  private writeLineControl(value: number): void {
    if ((value ^ this.lcrH) & LCR_H_FEN) {
      // 3.3.7: FEN changes flush both FIFOs.
      this.rxHead = this.rxCount = 0;
      this.txHead = this.txCount = 0;
      this.ris &= ~(INT_RX | INT_RT);
      this.timeoutTimer.stop();
    }
    const breakStarts = value & LCR_H_BRK & ~this.lcrH;
    this.lcrH = value;
    if (breakStarts && this.loopback) this.putReceived(DR_BE);
    this.feed();
    this.updateLevels();
  }

  private writeControl(value: number): void {
    const before = this.modemInputs();
    const wasLoopback = this.loopback;
    this.cr = value;
    this.modemChanged(before);
    if (wasLoopback && !this.loopback) this.feed();
    if (this.transmitEnabled && !this.shifting) this.loadShiftRegister();
    this.updateIrq();
  }

  private loadShiftRegister(): void {
    if (this.txCount === 0 || !this.transmitEnabled) return;
    const before = this.txCount;
    this.shiftRegister = this.txFifo[this.txHead];
    this.txHead = (this.txHead + 1) % PL011_FIFO_SIZE;
    this.txCount--;
    this.shifting = true;
    // 3.4 UARTTXINTR: raised as the FIFO drains to the trigger level (or empties, without FIFOs).
    // In instant mode every character drains through the level as it leaves, as QEMU raises it.
    const trigger = this.transmitTrigger();
    if ((before > trigger || this.instant) && this.txCount <= trigger) this.ris |= INT_TX;
    if (this.instant) this.transmitDone();
    else this.transmitTimer.setAfter(this.frameTime());
  }

  private transmitDone(): void {
    if (!this.shifting) return;
    this.shifting = false;
    const byte = this.shiftRegister;
    if (this.loopback) this.putReceived(byte);
    else this.backend.transmit(byte);
    this.loadShiftRegister();
    this.updateIrq();
  }

  /** Moves waiting host bytes into the receive FIFO while it has room. */
  private feed(): void {
    if (this.loopback || !this.receiveEnabled) return;
    while (this.receiveBacklog > 0 && this.rxCount < this.capacity) {
      const entry = this.hostQueue[this.hostQueueHead++];
      this.putReceived(entry);
    }
    if (this.hostQueueHead >= 1024 && this.hostQueueHead * 2 >= this.hostQueue.length) {
      this.hostQueue = this.hostQueue.slice(this.hostQueueHead);
      this.hostQueueHead = 0;
    }
  }

  private putReceived(entry: number): void {
    if (this.rxCount >= this.capacity) {
      // 3.3.2 OE: the FIFO was full; the character is lost, the flag is set at once.
      this.rsr |= 0x08;
      this.ris |= INT_OE;
      this.updateIrq();
      return;
    }
    this.rxFifo[(this.rxHead + this.rxCount) % PL011_FIFO_SIZE] = entry;
    this.rxCount++;
    if (entry & DR_FE) this.ris |= INT_FE;
    if (entry & DR_PE) this.ris |= INT_PE;
    if (entry & DR_BE) this.ris |= INT_BE;
    if (entry & DR_OE) this.ris |= INT_OE;
    if (this.rxCount >= this.receiveTrigger()) this.ris |= INT_RX;
    this.timeoutTimer.setAfter(32 * this.bitTime());
    this.updateIrq();
  }

  private receiveTimeout(): void {
    if (this.rxCount > 0) {
      this.ris |= INT_RT;
      this.updateIrq();
    }
  }

  /** After IFLS or FEN changes: the receive interrupt follows the new level. */
  private updateLevels(): void {
    if (this.rxCount >= this.receiveTrigger()) this.ris |= INT_RX;
    else this.ris &= ~INT_RX;
    this.updateIrq();
  }

  /** FR's CTS/DSR/DCD/RI: the host lines, or in loopback the outputs RTS, DTR, OUT1 and OUT2 (TRM 3.3.8). */
  private modemInputs(): number {
    if (!this.loopback) return this.hostLines;
    return (this.cr & CR_RTS ? FR_CTS : 0) | (this.cr & CR_DTR ? FR_DSR : 0) | (this.cr & CR_OUT1 ? FR_DCD : 0) | (this.cr & CR_OUT2 ? FR_RI : 0);
  }

  private modemChanged(before: number): void {
    const changed = before ^ this.modemInputs();
    if (changed & FR_CTS) this.ris |= INT_CTSM;
    if (changed & FR_DSR) this.ris |= INT_DSRM;
    if (changed & FR_DCD) this.ris |= INT_DCDM;
    if (changed & FR_RI) this.ris |= INT_RIM;
    this.updateIrq();
  }

  private updateIrq(): void {
    this.irq.set((this.ris & this.imsc) !== 0);
  }

  saveState(): DeviceState {
    const rx: number[] = [];
    for (let i = 0; i < this.rxCount; i++) rx.push(this.rxFifo[(this.rxHead + i) % PL011_FIFO_SIZE]);
    const tx = new Uint8Array(this.txCount);
    for (let i = 0; i < this.txCount; i++) tx[i] = this.txFifo[(this.txHead + i) % PL011_FIFO_SIZE];
    return {
      ibrd: this.ibrd,
      fbrd: this.fbrd,
      lcrH: this.lcrH,
      cr: this.cr,
      ifls: this.ifls,
      imsc: this.imsc,
      ris: this.ris,
      dmacr: this.dmacr,
      ilpr: this.ilpr,
      rsr: this.rsr,
      hostLines: this.hostLines,
      rxFifo: rx,
      txFifo: bytesToHex(tx),
      shifting: this.shifting,
      shiftRegister: this.shiftRegister,
      hostQueue: this.hostQueue.slice(this.hostQueueHead),
      transmitAt: Number.isFinite(this.transmitTimer.deadline) ? this.transmitTimer.deadline : -1,
      timeoutAt: Number.isFinite(this.timeoutTimer.deadline) ? this.timeoutTimer.deadline : -1,
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    const list = (field: string): number[] => {
      const value = state[field];
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) throw new Error(`saved state of ${this.name}: field ${field} is not a list of numbers`);
      return value as number[];
    };
    this.ibrd = number('ibrd') & 0xffff;
    this.fbrd = number('fbrd') & 0x3f;
    this.lcrH = number('lcrH') & 0xff;
    this.cr = number('cr') & 0xffff;
    this.ifls = number('ifls') & 0x3f;
    this.imsc = number('imsc') & INT_ALL;
    this.ris = number('ris') & INT_ALL;
    this.dmacr = number('dmacr') & 7;
    this.ilpr = number('ilpr') & 0xff;
    this.rsr = number('rsr') & 0x0f;
    this.hostLines = number('hostLines') & (FR_CTS | FR_DSR | FR_DCD | FR_RI);
    const rx = list('rxFifo');
    if (rx.length > PL011_FIFO_SIZE) throw new Error(`saved state of ${this.name}: field rxFifo holds more than ${PL011_FIFO_SIZE} characters`);
    this.rxHead = 0;
    this.rxCount = rx.length;
    rx.forEach((entry, index) => (this.rxFifo[index] = entry & 0xfff));
    const txHex = state.txFifo;
    if (typeof txHex !== 'string' || txHex.length > PL011_FIFO_SIZE * 2) throw new Error(`saved state of ${this.name}: field txFifo is not valid`);
    const tx = new Uint8Array(txHex.length / 2);
    hexToBytes(txHex, tx, this.name);
    this.txHead = 0;
    this.txCount = tx.length;
    this.txFifo.set(tx);
    this.shifting = state.shifting === true;
    this.shiftRegister = number('shiftRegister') & 0xff;
    this.hostQueue = list('hostQueue').slice();
    this.hostQueueHead = 0;
    const transmitAt = number('transmitAt');
    const timeoutAt = number('timeoutAt');
    if (transmitAt >= 0) this.transmitTimer.setAt(transmitAt);
    else this.transmitTimer.stop();
    if (timeoutAt >= 0) this.timeoutTimer.setAt(timeoutAt);
    else this.timeoutTimer.stop();
    this.updateIrq();
  }
}
