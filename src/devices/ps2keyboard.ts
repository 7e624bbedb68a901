// The IBM PS/2 (MF II) keyboard as it sits behind an 8042: the commands the host sends it, its
// 16-byte output buffer, scan code sets 1 and 2, and typematic repeat.
//
// From the IBM PS/2 Hardware Interface Technical Reference, "Keyboards (101- and 102-Key)":
// the command set (0xED set LEDs, 0xEE echo, 0xF0 select scan code set, 0xF2 read ID → AB 83,
// 0xF3 typematic rate/delay, 0xF4 enable, 0xF5 default disable, 0xF6 set default, 0xFE resend,
// 0xFF reset → ACK then 0xAA after the basic assurance test), the typematic rate formula
// (period = (8 + A) × 2^B × 4.17 ms with A = bits 0–2, B = bits 3–4; delay = (1 + bits 5–6) ×
// 250 ms; default 10.9 characters/s after 500 ms), the scan code tables of sets 1 and 2
// (including the Print Screen and Pause sequences, which depend on Ctrl, Shift and Alt), and
// the buffer overrun code (0x00 in set 2, 0xFF in set 1).
//
// Left out: scan code set 3 (0xF0 03 is answered with Resend, so a host falls back to set 2), the
// set-3 key-type commands 0xF7–0xFD (answered with Resend), and the "fake shift" codes real
// keyboards wrap around the cursor-block keys while Shift or Num Lock is active.

import type { MachineClock, Timer } from '../hw/clock.js';
import { bytesToHex, hexToBytes, stateNumber, type Device, type DeviceState } from '../hw/device.js';

/** Where the keyboard reports its LEDs: the VMM connects this to the input/console server. */
export interface Ps2KeyboardBackend {
  /** LED bits as the guest set them: LED_SCROLL_LOCK | LED_NUM_LOCK | LED_CAPS_LOCK. */
  setLeds(leds: number): void;
}

export const LED_SCROLL_LOCK = 0x01;
export const LED_NUM_LOCK = 0x02;
export const LED_CAPS_LOCK = 0x04;

export const KBD_ACK = 0xfa;
export const KBD_RESEND = 0xfe;
export const KBD_BAT_OK = 0xaa;
export const KBD_ECHO = 0xee;
export const KBD_ID = [0xab, 0x83] as const;

/** The default typematic byte: 10.9 characters per second after 500 ms. */
export const DEFAULT_TYPEMATIC = 0x2b;
const QUEUE_SIZE = 16;

/**
 * Every key by its W3C `KeyboardEvent.code`, with its set-1 and set-2 make codes. A code above
 * 0xFF carries the 0xE0 prefix in its high byte. The break code is derived: set 1 sets bit 7 of
 * the last byte, set 2 puts 0xF0 before it. PrintScreen and Pause are built in `scancodes`.
 */
const KEYS = {
  Escape: [0x01, 0x76],
  F1: [0x3b, 0x05],
  F2: [0x3c, 0x06],
  F3: [0x3d, 0x04],
  F4: [0x3e, 0x0c],
  F5: [0x3f, 0x03],
  F6: [0x40, 0x0b],
  F7: [0x41, 0x83],
  F8: [0x42, 0x0a],
  F9: [0x43, 0x01],
  F10: [0x44, 0x09],
  F11: [0x57, 0x78],
  F12: [0x58, 0x07],
  // F13–F24 as in Microsoft's Keyboard Scan Code Specification (some Linux tables differ).
  F13: [0x64, 0x08],
  F14: [0x65, 0x10],
  F15: [0x66, 0x18],
  F16: [0x67, 0x20],
  F17: [0x68, 0x28],
  F18: [0x69, 0x30],
  F19: [0x6a, 0x38],
  F20: [0x6b, 0x40],
  F21: [0x6c, 0x48],
  F22: [0x6d, 0x50],
  F23: [0x6e, 0x57],
  F24: [0x76, 0x5f],
  PrintScreen: [0xe037, 0xe07c],
  ScrollLock: [0x46, 0x7e],
  Pause: [0x45, 0x77],

  Backquote: [0x29, 0x0e],
  Digit1: [0x02, 0x16],
  Digit2: [0x03, 0x1e],
  Digit3: [0x04, 0x26],
  Digit4: [0x05, 0x25],
  Digit5: [0x06, 0x2e],
  Digit6: [0x07, 0x36],
  Digit7: [0x08, 0x3d],
  Digit8: [0x09, 0x3e],
  Digit9: [0x0a, 0x46],
  Digit0: [0x0b, 0x45],
  Minus: [0x0c, 0x4e],
  Equal: [0x0d, 0x55],
  IntlYen: [0x7d, 0x6a],
  Backspace: [0x0e, 0x66],

  Tab: [0x0f, 0x0d],
  KeyQ: [0x10, 0x15],
  KeyW: [0x11, 0x1d],
  KeyE: [0x12, 0x24],
  KeyR: [0x13, 0x2d],
  KeyT: [0x14, 0x2c],
  KeyY: [0x15, 0x35],
  KeyU: [0x16, 0x3c],
  KeyI: [0x17, 0x43],
  KeyO: [0x18, 0x44],
  KeyP: [0x19, 0x4d],
  BracketLeft: [0x1a, 0x54],
  BracketRight: [0x1b, 0x5b],
  Backslash: [0x2b, 0x5d],

  CapsLock: [0x3a, 0x58],
  KeyA: [0x1e, 0x1c],
  KeyS: [0x1f, 0x1b],
  KeyD: [0x20, 0x23],
  KeyF: [0x21, 0x2b],
  KeyG: [0x22, 0x34],
  KeyH: [0x23, 0x33],
  KeyJ: [0x24, 0x3b],
  KeyK: [0x25, 0x42],
  KeyL: [0x26, 0x4b],
  Semicolon: [0x27, 0x4c],
  Quote: [0x28, 0x52],
  Enter: [0x1c, 0x5a],

  ShiftLeft: [0x2a, 0x12],
  IntlBackslash: [0x56, 0x61],
  KeyZ: [0x2c, 0x1a],
  KeyX: [0x2d, 0x22],
  KeyC: [0x2e, 0x21],
  KeyV: [0x2f, 0x2a],
  KeyB: [0x30, 0x32],
  KeyN: [0x31, 0x31],
  KeyM: [0x32, 0x3a],
  Comma: [0x33, 0x41],
  Period: [0x34, 0x49],
  Slash: [0x35, 0x4a],
  IntlRo: [0x73, 0x51],
  ShiftRight: [0x36, 0x59],

  ControlLeft: [0x1d, 0x14],
  MetaLeft: [0xe05b, 0xe01f],
  AltLeft: [0x38, 0x11],
  NonConvert: [0x7b, 0x67],
  Space: [0x39, 0x29],
  Convert: [0x79, 0x64],
  KanaMode: [0x70, 0x13],
  AltRight: [0xe038, 0xe011],
  MetaRight: [0xe05c, 0xe027],
  ContextMenu: [0xe05d, 0xe02f],
  ControlRight: [0xe01d, 0xe014],
  // The Korean keys send a make code only.
  Lang1: [0xf2, 0xf2],
  Lang2: [0xf1, 0xf1],

  Insert: [0xe052, 0xe070],
  Home: [0xe047, 0xe06c],
  PageUp: [0xe049, 0xe07d],
  Delete: [0xe053, 0xe071],
  End: [0xe04f, 0xe069],
  PageDown: [0xe051, 0xe07a],
  ArrowUp: [0xe048, 0xe075],
  ArrowLeft: [0xe04b, 0xe06b],
  ArrowDown: [0xe050, 0xe072],
  ArrowRight: [0xe04d, 0xe074],

  NumLock: [0x45, 0x77],
  NumpadDivide: [0xe035, 0xe04a],
  NumpadMultiply: [0x37, 0x7c],
  NumpadSubtract: [0x4a, 0x7b],
  Numpad7: [0x47, 0x6c],
  Numpad8: [0x48, 0x75],
  Numpad9: [0x49, 0x7d],
  NumpadAdd: [0x4e, 0x79],
  Numpad4: [0x4b, 0x6b],
  Numpad5: [0x4c, 0x73],
  Numpad6: [0x4d, 0x74],
  Numpad1: [0x4f, 0x69],
  Numpad2: [0x50, 0x72],
  Numpad3: [0x51, 0x7a],
  NumpadEnter: [0xe01c, 0xe05a],
  Numpad0: [0x52, 0x70],
  NumpadDecimal: [0x53, 0x71],
  NumpadEqual: [0x59, 0x0f],
  NumpadComma: [0x7e, 0x6d],

  AudioVolumeMute: [0xe020, 0xe023],
  AudioVolumeDown: [0xe02e, 0xe021],
  AudioVolumeUp: [0xe030, 0xe032],
  MediaPlayPause: [0xe022, 0xe034],
  MediaStop: [0xe024, 0xe03b],
  MediaTrackPrevious: [0xe010, 0xe015],
  MediaTrackNext: [0xe019, 0xe04d],
  MediaSelect: [0xe06d, 0xe050],
  LaunchMail: [0xe06c, 0xe048],
  LaunchApp1: [0xe06b, 0xe040],
  LaunchApp2: [0xe021, 0xe02b],
  BrowserSearch: [0xe065, 0xe010],
  BrowserHome: [0xe032, 0xe03a],
  BrowserBack: [0xe06a, 0xe038],
  BrowserForward: [0xe069, 0xe030],
  BrowserStop: [0xe068, 0xe028],
  BrowserRefresh: [0xe067, 0xe020],
  BrowserFavorites: [0xe066, 0xe018],
  Power: [0xe05e, 0xe037],
  Sleep: [0xe05f, 0xe03f],
  WakeUp: [0xe063, 0xe05e],
} as const satisfies Record<string, readonly [number, number]>;

/** A key, named by the W3C `KeyboardEvent.code` of its position ("KeyA", "Enter", "ArrowUp", …). */
export type KeyCode = keyof typeof KEYS;

export const KEY_CODES: readonly KeyCode[] = Object.keys(KEYS) as KeyCode[];
const KEY_INDEX: Readonly<Record<string, number>> = Object.fromEntries(KEY_CODES.map((code, index) => [code, index]));

export function isKeyCode(code: string): code is KeyCode {
  return Object.prototype.hasOwnProperty.call(KEYS, code);
}

/** Modifier state that changes the PrintScreen and Pause sequences. */
export interface ScancodeModifiers {
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
}

const NO_MODIFIERS: ScancodeModifiers = { ctrl: false, shift: false, alt: false };

/**
 * The bytes a key sends in scan code set 1 or 2 when pressed (`down`) or released. Pause and the
 * Korean keys have no break sequence (an empty array).
 */
export function scancodes(code: KeyCode, set: 1 | 2, down: boolean, modifiers: ScancodeModifiers = NO_MODIFIERS): number[] {
  if (code === 'Pause') {
    if (!down) return [];
    if (modifiers.ctrl) return set === 1 ? [0xe0, 0x46, 0xe0, 0xc6] : [0xe0, 0x7e, 0xe0, 0xf0, 0x7e]; // Ctrl+Pause = Break
    return set === 1 ? [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5] : [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77];
  }
  if (code === 'PrintScreen') {
    if (modifiers.alt) {
      // Alt+PrintScreen = SysRq
      if (set === 1) return down ? [0x54] : [0xd4];
      return down ? [0x84] : [0xf0, 0x84];
    }
    if (modifiers.ctrl || modifiers.shift) {
      if (set === 1) return down ? [0xe0, 0x37] : [0xe0, 0xb7];
      return down ? [0xe0, 0x7c] : [0xe0, 0xf0, 0x7c];
    }
    if (set === 1) return down ? [0xe0, 0x2a, 0xe0, 0x37] : [0xe0, 0xb7, 0xe0, 0xaa];
    return down ? [0xe0, 0x12, 0xe0, 0x7c] : [0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12];
  }
  if (!down && (code === 'Lang1' || code === 'Lang2')) return [];
  const value: number = KEYS[code][set - 1];
  const prefix = value > 0xff ? [value >>> 8] : [];
  const last = value & 0xff;
  if (down) return [...prefix, last];
  return set === 1 ? [...prefix, last | 0x80] : [...prefix, 0xf0, last];
}

/** Typematic period (ns) of a typematic byte: (8 + A) × 2^B / 240 s. */
export function typematicPeriod(typematic: number): number {
  return (((8 + (typematic & 0x07)) << ((typematic >>> 3) & 0x03)) * 1e9) / 240;
}

/** Typematic delay (ns) of a typematic byte: (1 + D) × 250 ms. */
export function typematicDelay(typematic: number): number {
  return (1 + ((typematic >>> 5) & 0x03)) * 250_000_000;
}

export interface Ps2KeyboardOptions {
  name?: string;
  backend?: Ps2KeyboardBackend;
}

export class Ps2Keyboard implements Device {
  readonly name: string;
  backend: Ps2KeyboardBackend;
  scancodeSet: 1 | 2 = 2;
  leds = 0;
  typematic = DEFAULT_TYPEMATIC;
  scanning = true;
  /** The command waiting for its parameter byte (0xED, 0xF0, 0xF3), or 0. */
  private pendingCommand = 0;
  private queue: number[] = [];
  private lastSent = 0;
  private readonly held = new Uint8Array(KEY_CODES.length);
  /** Index of the key that repeats, or -1. */
  private repeatKey = -1;
  private readonly repeatTimer: Timer;
  private dataReady: () => void = () => undefined;

  constructor(clock: MachineClock, options: Ps2KeyboardOptions = {}) {
    this.name = options.name ?? 'ps2-keyboard';
    this.backend = options.backend ?? { setLeds: () => undefined };
    this.repeatTimer = clock.createTimer(`${this.name} typematic`, () => this.repeat());
    this.reset();
  }

  reset(): void {
    this.scancodeSet = 2;
    this.leds = 0;
    this.typematic = DEFAULT_TYPEMATIC;
    this.scanning = true;
    this.pendingCommand = 0;
    this.queue = [];
    this.lastSent = 0;
    this.held.fill(0);
    this.stopRepeat();
    this.backend.setLeds(0);
  }

  // ---- the controller side (Ps2Device) ----

  connect(dataReady: () => void): void {
    this.dataReady = dataReady;
  }

  /** Bytes waiting for the controller to take them. */
  get queued(): number {
    return this.queue.length;
  }

  read(): number {
    const byte = this.queue.shift();
    if (byte === undefined) return -1;
    this.lastSent = byte;
    return byte;
  }

  write(byte: number): void {
    byte &= 0xff;
    const pending = this.pendingCommand;
    this.pendingCommand = 0;
    // A byte with bit 7 set where a parameter is expected is a new command instead.
    if (pending !== 0 && !(byte & 0x80)) {
      this.parameter(pending, byte);
      return;
    }
    this.command(byte);
  }

  private parameter(command: number, value: number): void {
    switch (command) {
      case 0xed:
        this.leds = value & 0x07;
        this.respond(KBD_ACK);
        this.backend.setLeds(this.leds);
        return;
      case 0xf3:
        this.typematic = value & 0x7f;
        this.respond(KBD_ACK);
        return;
      default: // 0xF0
        if (value === 0) {
          this.respond(KBD_ACK, this.scancodeSet);
        } else if (value === 1 || value === 2) {
          this.scancodeSet = value;
          this.stopRepeat();
          this.respond(KBD_ACK);
        } else {
          // Set 3 and invalid sets: ask for the parameter again.
          this.pendingCommand = 0xf0;
          this.respond(KBD_RESEND);
        }
    }
  }

  private command(command: number): void {
    switch (command) {
      case 0xed:
      case 0xf0:
      case 0xf3:
        this.pendingCommand = command;
        this.respond(KBD_ACK);
        break;
      case 0xee:
        this.respond(KBD_ECHO);
        break;
      case 0xf2:
        this.respond(KBD_ACK, ...KBD_ID);
        break;
      case 0xf4:
        this.queue = [];
        this.scanning = true;
        this.respond(KBD_ACK);
        break;
      case 0xf5:
        this.queue = [];
        this.setDefaults();
        this.scanning = false;
        this.respond(KBD_ACK);
        break;
      case 0xf6:
        this.queue = [];
        this.setDefaults();
        this.respond(KBD_ACK);
        break;
      case 0xfe:
        this.respond(this.lastSent);
        break;
      case 0xff:
        this.queue = [];
        this.setDefaults();
        this.scanning = true;
        this.leds = 0;
        this.backend.setLeds(0);
        this.held.fill(0);
        this.respond(KBD_ACK, KBD_BAT_OK);
        break;
      default:
        this.respond(KBD_RESEND);
    }
  }

  private setDefaults(): void {
    this.scancodeSet = 2;
    this.typematic = DEFAULT_TYPEMATIC;
    this.stopRepeat();
  }

  /** Command responses always get in; the oldest bytes make room if they must. */
  private respond(...bytes: number[]): void {
    for (const byte of bytes) {
      if (this.queue.length >= QUEUE_SIZE) this.queue.shift();
      this.queue.push(byte);
    }
    this.dataReady();
  }

  // ---- the host side ----

  keyDown(code: KeyCode): void {
    const index = KEY_INDEX[code];
    if (!this.scanning || this.held[index]) return;
    this.held[index] = 1;
    this.sendKey(code, true);
    this.stopRepeat();
    if (code !== 'Pause' && code !== 'Lang1' && code !== 'Lang2') {
      this.repeatKey = index;
      this.repeatTimer.setAfter(typematicDelay(this.typematic));
    }
  }

  keyUp(code: KeyCode): void {
    const index = KEY_INDEX[code];
    if (!this.held[index]) return;
    this.held[index] = 0;
    if (this.repeatKey === index) this.stopRepeat();
    if (this.scanning) this.sendKey(code, false);
  }

  /** Whether the host has the key down, as far as the keyboard knows. */
  isHeld(code: KeyCode): boolean {
    return this.held[KEY_INDEX[code]] !== 0;
  }

  private repeat(): void {
    const code = KEY_CODES[this.repeatKey];
    if (code === undefined || !this.scanning) return;
    this.sendKey(code, true);
    this.repeatTimer.setAfter(typematicPeriod(this.typematic));
  }

  private stopRepeat(): void {
    this.repeatKey = -1;
    this.repeatTimer.stop();
  }

  private sendKey(code: KeyCode, down: boolean): void {
    const modifiers: ScancodeModifiers = {
      ctrl: this.isHeld('ControlLeft') || this.isHeld('ControlRight'),
      shift: this.isHeld('ShiftLeft') || this.isHeld('ShiftRight'),
      alt: this.isHeld('AltLeft') || this.isHeld('AltRight'),
    };
    const bytes = scancodes(code, this.scancodeSet, down, modifiers);
    if (bytes.length === 0) return;
    const room = QUEUE_SIZE - this.queue.length;
    if (bytes.length <= room) {
      this.queue.push(...bytes);
    } else {
      // The buffer overflowed: the keyboard puts one overrun code in a 17th position.
      const overrun = this.scancodeSet === 1 ? 0xff : 0x00;
      if (this.queue.length <= QUEUE_SIZE && this.queue[this.queue.length - 1] !== overrun) this.queue.push(overrun);
    }
    this.dataReady();
  }

  saveState(): DeviceState {
    return {
      scancodeSet: this.scancodeSet,
      leds: this.leds,
      typematic: this.typematic,
      scanning: this.scanning ? 1 : 0,
      pendingCommand: this.pendingCommand,
      queue: [...this.queue],
      lastSent: this.lastSent,
      held: bytesToHex(this.held),
      repeatKey: this.repeatKey,
      repeatAt: this.repeatTimer.active ? this.repeatTimer.deadline : null,
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    const set = number('scancodeSet');
    if (set !== 1 && set !== 2) throw new Error(`saved state of ${this.name}: field scancodeSet is ${set}, not 1 or 2`);
    this.scancodeSet = set;
    this.leds = number('leds') & 0x07;
    this.typematic = number('typematic') & 0x7f;
    this.scanning = number('scanning') !== 0;
    this.pendingCommand = number('pendingCommand') & 0xff;
    const queue = state.queue;
    if (!Array.isArray(queue) || queue.length > QUEUE_SIZE + 1 || !queue.every((byte) => typeof byte === 'number')) {
      throw new Error(`saved state of ${this.name}: field queue is not a list of at most ${QUEUE_SIZE} bytes`);
    }
    this.queue = queue.map((byte) => Number(byte) & 0xff);
    this.lastSent = number('lastSent') & 0xff;
    const held = state.held;
    if (typeof held !== 'string') throw new Error(`saved state of ${this.name}: field held is not a string`);
    hexToBytes(held, this.held, this.name);
    const repeatKey = number('repeatKey');
    this.repeatKey = repeatKey >= 0 && repeatKey < KEY_CODES.length ? repeatKey : -1;
    const repeatAt = state.repeatAt;
    if (repeatAt === null) this.repeatTimer.stop();
    else if (typeof repeatAt === 'number') this.repeatTimer.setAt(repeatAt);
    else throw new Error(`saved state of ${this.name}: field repeatAt is neither a guest time nor null`);
    this.backend.setLeds(this.leds);
    if (this.queue.length > 0) this.dataReady();
  }
}
