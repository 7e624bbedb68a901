// The Intel 8042 keyboard controller of the IBM PC AT and PS/2: data port 0x60, status/command port
// 0x64, the keyboard interface on IRQ 1 and the auxiliary (mouse) interface on IRQ 12.
//
// What matters, from the IBM PC AT and PS/2 technical references (keyboard controller chapters)
// and the Intel 8042 data sheet: the status register bits (OBF, IBF, SYS, A2 command/data,
// keyboard inhibit, AUX OBF, time-out, parity), the controller RAM whose byte 0 is the command
// byte (read with 0x20–0x3F, written with 0x60–0x7F), the controller commands 0xA4–0xFF, the
// output port (bit 0 system reset, active low; bit 1 the A20 gate; bits 4/5 the two OBF
// interrupts), and the translation of keyboard scan code set 2 into set 1 when command byte bit 6
// is set: every keyboard byte goes through a fixed 256-entry table, and a 0xF0 break prefix is
// swallowed and turns into bit 7 of the next translated byte.
//
// The auxiliary port: when no aux device is connected the controller answers as a PC without a
// mouse: a byte written with 0xD4 gets 0xFE in the aux output buffer with the time-out bit set.
// A PS/2 mouse model can be connected as a Ps2Device.

import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { IrqLine } from '../hw/irq.js';

/** A device on one of the controller's PS/2 ports (the keyboard, a mouse). */
export interface Ps2Device {
  /** A byte from the controller to the device: a command or a command's parameter. */
  write(byte: number): void;
  /** Takes the next byte the device has for the controller, or returns -1 when it has none. */
  read(): number;
  /** The controller gives the device a function to call whenever it has queued bytes. */
  connect(dataReady: () => void): void;
}

/** The two output-port lines a PC wires to the rest of the machine. */
export interface I8042Backend {
  /** The A20 gate (output port bit 1) changed. */
  onA20(enabled: boolean): void;
  /** The controller pulled the CPU reset line (output port bit 0 low). */
  onReset(): void;
}

export const DATA_PORT = 0x60;
export const STATUS_PORT = 0x64;

export const STATUS_OBF = 0x01;
export const STATUS_IBF = 0x02;
export const STATUS_SYS = 0x04;
export const STATUS_A2 = 0x08;
/** 1 = keyboard not inhibited (the keylock switch is open). */
export const STATUS_UNLOCKED = 0x10;
export const STATUS_AUX_OBF = 0x20;
export const STATUS_TIMEOUT = 0x40;
export const STATUS_PARITY = 0x80;

export const CB_KBD_IRQ = 0x01;
export const CB_AUX_IRQ = 0x02;
export const CB_SYS = 0x04;
export const CB_DISABLE_KBD = 0x10;
export const CB_DISABLE_AUX = 0x20;
export const CB_TRANSLATE = 0x40;

export const OUTPUT_RESET = 0x01;
export const OUTPUT_A20 = 0x02;
const OUTPUT_KBD_OBF = 0x10;
const OUTPUT_AUX_OBF = 0x20;

/**
 * Input port (command 0xC0): keyboard not inhibited (bit 7), no manufacturing jumper (bit 5),
 * second 256 KiB of planar RAM present (bit 4), colour display (bit 6 clear).
 */
const INPUT_PORT = 0xb0;

/** The 8042's set-2 → set-1 translation: index a set-2 byte, get the set-1 byte. */
export const SET2_TO_SET1 = Uint8Array.from([
  0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
  0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
  0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
  0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
  0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
  0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
  0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
  0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
  // 0x80–0xFF pass through, except F7 (0x83) and Alt+SysRq (0x84), the two set-2 codes above 0x7F.
  0x80, 0x81, 0x82, 0x41, 0x54, ...Array.from({ length: 0x7b }, (_, i) => 0x85 + i),
]);

/** Translates a whole set-2 byte sequence as the controller would (for tests and host tools). */
export function translateSet2ToSet1(bytes: readonly number[]): number[] {
  const out: number[] = [];
  let breakPrefix = false;
  for (const byte of bytes) {
    if (byte === 0xf0) {
      breakPrefix = true;
      continue;
    }
    out.push(SET2_TO_SET1[byte & 0xff] | (breakPrefix ? 0x80 : 0));
    breakPrefix = false;
  }
  return out;
}

/** Sources of the byte in the output buffer and of queued controller replies. */
const FROM_KEYBOARD = 0;
const FROM_AUX = 1;
/** A reply entry flag: the byte comes with the time-out status bit (no device answered). */
const WITH_TIMEOUT = 2;

/** The commands that take a data byte through port 0x60 (besides 0x60–0x7F). */
const CMD_WRITE_OUTPUT_PORT = 0xd1;
const CMD_WRITE_KBD_BUFFER = 0xd2;
const CMD_WRITE_AUX_BUFFER = 0xd3;
const CMD_WRITE_AUX = 0xd4;

export interface I8042Options {
  name?: string;
  keyboard?: Ps2Device;
  aux?: Ps2Device;
}

export class I8042 implements Device, PortHandler {
  readonly name: string;
  /** Controller RAM; byte 0 is the command byte. */
  readonly ram = new Uint8Array(32);
  outputPort = 0xcf;
  private outputBuffer = 0;
  private outputFull = false;
  private outputFromAux = false;
  private timeout = false;
  private sys = false;
  /** A2 in the status register: the last write went to the command port. */
  private lastWriteWasCommand = true;
  /** The command waiting for its data byte, or 0. */
  private pendingCommand = 0;
  /** Controller-generated bytes waiting for the output buffer: byte | (source flags << 8). */
  private replies: number[] = [];
  /** Translation saw 0xF0 and sets bit 7 of the next byte. */
  private breakPrefix = false;
  private keyboard: Ps2Device | null = null;
  private aux: Ps2Device | null = null;

  constructor(
    private readonly keyboardIrq: IrqLine,
    private readonly auxIrq: IrqLine,
    private readonly backend: I8042Backend,
    options: I8042Options = {},
  ) {
    this.name = options.name ?? 'i8042';
    this.reset();
    if (options.keyboard) this.connectKeyboard(options.keyboard);
    if (options.aux) this.connectAux(options.aux);
  }

  attach(io: IoPorts): void {
    io.register(`${this.name} data`, DATA_PORT, 1, this);
    io.register(`${this.name} status/command`, STATUS_PORT, 1, this);
  }

  connectKeyboard(device: Ps2Device): void {
    this.keyboard = device;
    device.connect(() => this.fill());
    this.fill();
  }

  connectAux(device: Ps2Device): void {
    this.aux = device;
    device.connect(() => this.fill());
    this.fill();
  }

  get commandByte(): number {
    return this.ram[0];
  }

  get a20(): boolean {
    return (this.outputPort & OUTPUT_A20) !== 0;
  }

  reset(): void {
    this.ram.fill(0);
    this.ram[0] = CB_KBD_IRQ | CB_AUX_IRQ;
    const a20WasOff = !this.a20;
    this.outputPort = 0xcf;
    this.outputBuffer = 0;
    this.outputFull = false;
    this.outputFromAux = false;
    this.timeout = false;
    this.sys = false;
    this.lastWriteWasCommand = true;
    this.pendingCommand = 0;
    this.replies = [];
    this.breakPrefix = false;
    this.updateIrq();
    if (a20WasOff) this.backend.onA20(true);
    this.fill();
  }

  read(port: number, _size: 1 | 2 | 4): number {
    if ((port & 0xffff) === STATUS_PORT) return this.status();
    const value = this.outputBuffer;
    if (this.outputFull) {
      this.outputFull = false;
      this.outputFromAux = false;
      this.timeout = false;
      this.updateIrq();
      this.fill();
    }
    return value;
  }

  write(port: number, _size: 1 | 2 | 4, value: number): void {
    value &= 0xff;
    if ((port & 0xffff) === STATUS_PORT) {
      this.lastWriteWasCommand = true;
      this.pendingCommand = 0;
      this.command(value);
    } else {
      this.lastWriteWasCommand = false;
      this.data(value);
    }
  }

  /** The status register. IBF is never set: the model takes each byte written at once. */
  status(): number {
    return (
      (this.outputFull ? STATUS_OBF : 0) |
      (this.sys ? STATUS_SYS : 0) |
      (this.lastWriteWasCommand ? STATUS_A2 : 0) |
      STATUS_UNLOCKED |
      (this.outputFull && this.outputFromAux ? STATUS_AUX_OBF : 0) |
      (this.timeout ? STATUS_TIMEOUT : 0)
    );
  }

  private command(command: number): void {
    if (command >= 0x20 && command <= 0x3f) {
      this.reply(this.ram[command & 0x1f], FROM_KEYBOARD);
      return;
    }
    if (command >= 0x60 && command <= 0x7f) {
      this.pendingCommand = command;
      return;
    }
    if (command >= 0xf0) {
      // Pulse output port bits 0–3 low where the command's bit is 0; bit 0 is the CPU reset.
      if (!(command & OUTPUT_RESET)) this.backend.onReset();
      return;
    }
    switch (command) {
      case 0xa4: // password installed? 0xF1 = no
        this.reply(0xf1, FROM_KEYBOARD);
        break;
      case 0xa7:
        this.ram[0] |= CB_DISABLE_AUX;
        break;
      case 0xa8:
        this.ram[0] &= ~CB_DISABLE_AUX;
        this.fill();
        break;
      case 0xa9: // aux interface test: 0 = no error
        this.reply(0x00, FROM_KEYBOARD);
        break;
      case 0xaa: // self-test
        this.sys = true;
        this.reply(0x55, FROM_KEYBOARD);
        break;
      case 0xab: // keyboard interface test
        this.reply(0x00, FROM_KEYBOARD);
        break;
      case 0xad:
        this.ram[0] |= CB_DISABLE_KBD;
        break;
      case 0xae:
        this.ram[0] &= ~CB_DISABLE_KBD;
        this.fill();
        break;
      case 0xc0:
        this.reply(INPUT_PORT, FROM_KEYBOARD);
        break;
      case 0xd0:
        this.reply(this.outputPortValue(), FROM_KEYBOARD);
        break;
      case CMD_WRITE_OUTPUT_PORT:
      case CMD_WRITE_KBD_BUFFER:
      case CMD_WRITE_AUX_BUFFER:
      case CMD_WRITE_AUX:
        this.pendingCommand = command;
        break;
      case 0xdd:
        this.setOutputPort(this.outputPort & ~OUTPUT_A20);
        break;
      case 0xdf:
        this.setOutputPort(this.outputPort | OUTPUT_A20);
        break;
      case 0xe0: // test inputs: clock and data low
        this.reply(0x00, FROM_KEYBOARD);
        break;
      default:
        // Other commands (0xA1 version, 0xA5/0xA6 password, 0xC1/0xC2 polling, …) are ignored.
        break;
    }
  }

  private data(value: number): void {
    const command = this.pendingCommand;
    this.pendingCommand = 0;
    if (command >= 0x60 && command <= 0x7f) {
      this.ram[command & 0x1f] = value;
      if (command === 0x60) {
        this.sys = (value & CB_SYS) !== 0;
        this.updateIrq();
        this.fill();
      }
      return;
    }
    switch (command) {
      case CMD_WRITE_OUTPUT_PORT:
        this.setOutputPort(value);
        if (!(value & OUTPUT_RESET)) this.backend.onReset();
        return;
      case CMD_WRITE_KBD_BUFFER:
        this.reply(value, FROM_KEYBOARD);
        return;
      case CMD_WRITE_AUX_BUFFER:
        this.reply(value, FROM_AUX);
        return;
      case CMD_WRITE_AUX:
        if (this.aux) this.aux.write(value);
        else this.reply(0xfe, FROM_AUX | WITH_TIMEOUT);
        return;
      default:
        if (this.keyboard) this.keyboard.write(value);
        else this.reply(0xfe, FROM_KEYBOARD | WITH_TIMEOUT);
    }
  }

  private outputPortValue(): number {
    return (
      (this.outputPort & ~(OUTPUT_KBD_OBF | OUTPUT_AUX_OBF)) |
      (this.outputFull && !this.outputFromAux ? OUTPUT_KBD_OBF : 0) |
      (this.outputFull && this.outputFromAux ? OUTPUT_AUX_OBF : 0)
    );
  }

  private setOutputPort(value: number): void {
    const a20Before = this.a20;
    this.outputPort = value & 0xff;
    if (this.a20 !== a20Before) this.backend.onA20(this.a20);
  }

  private reply(byte: number, flags: number): void {
    this.replies.push(byte | (flags << 8));
    this.fill();
  }

  /**
   * Loads the output buffer when it is empty: controller replies first, then the keyboard (unless
   * disabled), then the aux device (unless disabled). A device keeps its bytes while the buffer is
   * full, as the real controller holds the clock line low.
   */
  private fill(): void {
    if (this.outputFull) return;
    const entry = this.replies.shift();
    if (entry !== undefined) {
      this.load(entry & 0xff, (entry >> 8) & FROM_AUX ? true : false, ((entry >> 8) & WITH_TIMEOUT) !== 0);
      return;
    }
    if (this.keyboard && !(this.ram[0] & CB_DISABLE_KBD)) {
      const byte = this.readKeyboard(this.keyboard);
      if (byte >= 0) {
        this.load(byte, false, false);
        return;
      }
    }
    if (this.aux && !(this.ram[0] & CB_DISABLE_AUX)) {
      const byte = this.aux.read();
      if (byte >= 0) this.load(byte & 0xff, true, false);
    }
  }

  private readKeyboard(keyboard: Ps2Device): number {
    while (true) {
      const byte = keyboard.read();
      if (byte < 0) return -1;
      if (!(this.ram[0] & CB_TRANSLATE)) return byte & 0xff;
      if (byte === 0xf0) {
        this.breakPrefix = true;
        continue;
      }
      const translated = SET2_TO_SET1[byte & 0xff] | (this.breakPrefix ? 0x80 : 0);
      this.breakPrefix = false;
      return translated;
    }
  }

  private load(byte: number, fromAux: boolean, timeout: boolean): void {
    this.outputBuffer = byte;
    this.outputFull = true;
    this.outputFromAux = fromAux;
    this.timeout = timeout;
    this.updateIrq();
  }

  private updateIrq(): void {
    this.keyboardIrq.set(this.outputFull && !this.outputFromAux && (this.ram[0] & CB_KBD_IRQ) !== 0);
    this.auxIrq.set(this.outputFull && this.outputFromAux && (this.ram[0] & CB_AUX_IRQ) !== 0);
  }

  saveState(): DeviceState {
    return {
      ram: bytesToHex(this.ram),
      outputPort: this.outputPort,
      outputBuffer: this.outputBuffer,
      outputFull: this.outputFull ? 1 : 0,
      outputFromAux: this.outputFromAux ? 1 : 0,
      timeout: this.timeout ? 1 : 0,
      sys: this.sys ? 1 : 0,
      lastWriteWasCommand: this.lastWriteWasCommand ? 1 : 0,
      pendingCommand: this.pendingCommand,
      replies: [...this.replies],
      breakPrefix: this.breakPrefix ? 1 : 0,
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    const ram = state.ram;
    if (typeof ram !== 'string') throw new Error(`saved state of ${this.name}: field ram is not a string`);
    hexToBytes(ram, this.ram, this.name);
    this.outputPort = number('outputPort') & 0xff;
    this.outputBuffer = number('outputBuffer') & 0xff;
    this.outputFull = number('outputFull') !== 0;
    this.outputFromAux = number('outputFromAux') !== 0;
    this.timeout = number('timeout') !== 0;
    this.sys = number('sys') !== 0;
    this.lastWriteWasCommand = number('lastWriteWasCommand') !== 0;
    this.pendingCommand = number('pendingCommand') & 0xff;
    const replies = state.replies;
    if (!Array.isArray(replies) || !replies.every((entry) => typeof entry === 'number')) {
      throw new Error(`saved state of ${this.name}: field replies is not a list of numbers`);
    }
    this.replies = replies.map((entry) => Number(entry) & 0xffff);
    this.breakPrefix = number('breakPrefix') !== 0;
    this.updateIrq();
    this.fill();
  }
}
