// The input protocol: events from a server to one VM. The VMM declares an `input` dataspace (a
// single-producer single-consumer ring, src/kernel/ring.ts) and an `events` notification; the
// input server gets write access to the ring (`input-<vm>`) and the right to signal (`events-<vm>`),
// so it can reach exactly one VM. The serial server uses the same format on a second ring,
// `serial-in`, for bytes typed into a VM's serial port.
//
// Each event is one 4-byte record [type, a, b, c]:
//   EVENT_KEY     a = bit 0: 1 down / 0 up; bit 1: paced (typed by a script: the VMM gives the
//                 stroke when the guest waits for a key); bit 2: the last event of its stroke;
//                 b | c << 8 = the key's index in KEY_CODES (src/devices/ps2keyboard.ts)
//   EVENT_CONTROL a = CONTROL_RESET (press the reset button), CONTROL_STOP (power off) or
//                 CONTROL_SCREENSHOT (render the screen into the view: src/protocols/console.ts)
//   EVENT_SERIAL  a = port (0 = COM1 / the first UART), b = the byte
// After pushing, the producer signals the VMM's notification with its bit (NOTIFY_INPUT or
// NOTIFY_SERIAL); the VMM drains the ring between slices and when the bit wakes it.
//
// Key strokes (TerminalKey: a key with its modifiers, the prefix key) are what a front end gives
// the input server; strokesToKeyEvents turns one into the down/up events the rings carry, and
// keyEventsToStroke back. A machine whose console is its serial port (MachineConsole 'serial')
// has no keyboard: the VMM types each stroke into the serial port as the bytes a VT100-style
// terminal sends for it (keyToTerminalBytes: Enter is CR, as under QEMU -nographic).

import { KEY_CODES, type KeyCode } from '../devices/ps2keyboard.js';
import { Ring } from '../kernel/ring.js';

export const EVENT_KEY = 1;
export const EVENT_CONTROL = 2;
export const EVENT_SERIAL = 3;

export const CONTROL_RESET = 1;
export const CONTROL_STOP = 2;
export const CONTROL_SCREENSHOT = 3;

/** Bits of a VMM's `events` notification. */
export const NOTIFY_INPUT = 1 << 0;
export const NOTIFY_SERIAL = 1 << 1;
export const NOTIFY_BLOCK = 1 << 2;

const RING_CAPACITY = 4096;
/** The size of an input (or serial-in) dataspace. */
export const INPUT_RING_BYTES = Ring.bytes(RING_CAPACITY);

const KEY_INDEX: ReadonlyMap<string, number> = new Map(KEY_CODES.map((code, index) => [code, index]));

export type InputEvent = { kind: 'key'; code: KeyCode; down: boolean; paced?: boolean; last?: boolean } | { kind: 'control'; action: typeof CONTROL_RESET | typeof CONTROL_STOP | typeof CONTROL_SCREENSHOT } | { kind: 'serial'; port: number; byte: number };

function ringOver(memory: Uint8Array): Ring {
  if (!(memory.buffer instanceof SharedArrayBuffer)) throw new TypeError('an input ring lives in a dataspace (a SharedArrayBuffer)');
  if (memory.length < INPUT_RING_BYTES) throw new RangeError(`an input ring needs ${INPUT_RING_BYTES} bytes, not ${memory.length}`);
  return new Ring(memory.buffer, memory.byteOffset, RING_CAPACITY);
}

export function encodeInputEvent(event: InputEvent): Uint8Array {
  switch (event.kind) {
    case 'key': {
      const index = KEY_INDEX.get(event.code) ?? 0;
      return Uint8Array.of(EVENT_KEY, (event.down ? 1 : 0) | (event.paced === true ? 2 : 0) | (event.last === true ? 4 : 0), index & 0xff, index >> 8);
    }
    case 'control':
      return Uint8Array.of(EVENT_CONTROL, event.action, 0, 0);
    case 'serial':
      return Uint8Array.of(EVENT_SERIAL, event.port, event.byte & 0xff, 0);
  }
}

export function decodeInputEvent(record: Uint8Array): InputEvent | null {
  if (record.length !== 4) return null;
  switch (record[0]) {
    case EVENT_KEY: {
      const code = KEY_CODES[record[2] | (record[3] << 8)];
      return code === undefined ? null : { kind: 'key', code, down: (record[1] & 1) !== 0, paced: (record[1] & 2) !== 0, last: (record[1] & 4) !== 0 };
    }
    case EVENT_CONTROL:
      return record[1] === CONTROL_RESET || record[1] === CONTROL_STOP || record[1] === CONTROL_SCREENSHOT ? { kind: 'control', action: record[1] } : null;
    case EVENT_SERIAL:
      return { kind: 'serial', port: record[1], byte: record[2] };
    default:
      return null;
  }
}

/** The producer side (a server): push events; false when the ring is full (drop or retry). */
export class InputProducer {
  private readonly ring: Ring;

  constructor(memory: Uint8Array) {
    this.ring = ringOver(memory);
  }

  push(event: InputEvent): boolean {
    return this.ring.push(encodeInputEvent(event));
  }
}

/** The consumer side (the VMM). */
export class InputConsumer {
  private readonly ring: Ring;

  constructor(memory: Uint8Array) {
    this.ring = ringOver(memory);
  }

  /** The next event, or null when the ring is empty. Malformed records are skipped. */
  next(): InputEvent | null {
    for (;;) {
      const record = this.ring.peek();
      if (record === null) return null;
      const event = decodeInputEvent(record);
      this.ring.drop(record);
      if (event !== null) return event;
    }
  }
}

// ---- key strokes: what a front end gives the input server ----

/** One key pressed and released, with the modifiers held around it. */
export interface TerminalKey {
  code: KeyCode;
  shift: boolean;
  ctrl?: boolean;
  alt?: boolean;
}

/** One change of a key, as Ps2Keyboard.keyDown (down) or keyUp (!down) takes it. */
export interface KeyEvent {
  code: KeyCode;
  down: boolean;
}

/** The l4vm prefix key, Ctrl-] (byte 0x1D), as the decoder reports it. */
export const PREFIX_KEY: Readonly<TerminalKey> = { code: 'BracketRight', shift: false, ctrl: true };

export function isPrefixKey(key: TerminalKey): boolean {
  return key.code === PREFIX_KEY.code && key.ctrl === true && !key.shift && key.alt !== true;
}

/** Presses and releases each stroke's key, with Ctrl, Alt and Shift (left ones) held around it. */
export function strokesToKeyEvents(strokes: readonly TerminalKey[]): KeyEvent[] {
  const events: KeyEvent[] = [];
  for (const stroke of strokes) {
    const modifiers: KeyCode[] = [];
    if (stroke.ctrl) modifiers.push('ControlLeft');
    if (stroke.alt) modifiers.push('AltLeft');
    if (stroke.shift) modifiers.push('ShiftLeft');
    for (const code of modifiers) events.push({ code, down: true });
    events.push({ code: stroke.code, down: true }, { code: stroke.code, down: false });
    for (const code of modifiers.reverse()) events.push({ code, down: false });
  }
  return events;
}

// ---- key strokes as a terminal's bytes ----

// The US layout: each row unshifted, then shifted, key by key.
const US_ROWS: readonly [string, string, readonly KeyCode[]][] = [
  ['`1234567890-=', '~!@#$%^&*()_+', ['Backquote', 'Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Digit0', 'Minus', 'Equal']],
  ['qwertyuiop[]\\', 'QWERTYUIOP{}|', ['KeyQ', 'KeyW', 'KeyE', 'KeyR', 'KeyT', 'KeyY', 'KeyU', 'KeyI', 'KeyO', 'KeyP', 'BracketLeft', 'BracketRight', 'Backslash']],
  ["asdfghjkl;'", 'ASDFGHJKL:"', ['KeyA', 'KeyS', 'KeyD', 'KeyF', 'KeyG', 'KeyH', 'KeyJ', 'KeyK', 'KeyL', 'Semicolon', 'Quote']],
  ['zxcvbnm,./', 'ZXCVBNM<>?', ['KeyZ', 'KeyX', 'KeyC', 'KeyV', 'KeyB', 'KeyN', 'KeyM', 'Comma', 'Period', 'Slash']],
  [' ', ' ', ['Space']],
];

/** The stroke of each printable ASCII character (0x20–0x7E) on a US keyboard, by character code. */
export const US_ASCII_KEYS: readonly (Readonly<TerminalKey> | undefined)[] = (() => {
  const table: (TerminalKey | undefined)[] = new Array<TerminalKey | undefined>(128).fill(undefined);
  for (const [plain, shifted, codes] of US_ROWS) {
    codes.forEach((code, index) => {
      table[plain.charCodeAt(index)] = { code, shift: false };
      if (shifted !== plain) table[shifted.charCodeAt(index)] = { code, shift: true };
    });
  }
  return table;
})();

// The bytes a VT100-style terminal sends for a key: what a serial console expects to receive.
const TERMINAL_SEQUENCES: Readonly<Partial<Record<KeyCode, string>>> = {
  Enter: '\r',
  NumpadEnter: '\r',
  Tab: '\t',
  Backspace: '\x7f',
  Escape: '\x1b',
  ArrowUp: '\x1b[A',
  ArrowDown: '\x1b[B',
  ArrowRight: '\x1b[C',
  ArrowLeft: '\x1b[D',
  Home: '\x1b[H',
  End: '\x1b[F',
  Insert: '\x1b[2~',
  Delete: '\x1b[3~',
  PageUp: '\x1b[5~',
  PageDown: '\x1b[6~',
};

/** What a terminal would send for `key` (for typing into a serial port); empty when nothing. */
export function keyToTerminalBytes(key: TerminalKey): Uint8Array {
  const sequence = TERMINAL_SEQUENCES[key.code];
  if (sequence !== undefined) return new TextEncoder().encode(sequence);
  for (let character = 0x20; character < 0x7f; character++) {
    const ascii = US_ASCII_KEYS[character];
    if (ascii === undefined || ascii.code !== key.code || ascii.shift !== key.shift) continue;
    if (key.ctrl === true) {
      // Ctrl with a letter or one of @[\]^_ gives the control byte.
      const upper = character & ~0x20;
      return upper >= 0x40 && upper <= 0x5f ? Uint8Array.of(upper & 0x1f) : new Uint8Array(0);
    }
    return Uint8Array.of(character);
  }
  return new Uint8Array(0);
}

const MODIFIERS: Readonly<Partial<Record<KeyCode, 'shift' | 'ctrl' | 'alt'>>> = {
  ShiftLeft: 'shift',
  ShiftRight: 'shift',
  ControlLeft: 'ctrl',
  ControlRight: 'ctrl',
  AltLeft: 'alt',
  AltRight: 'alt',
};

/**
 * The stroke that a stroke's key events (strokesToKeyEvents of one key: modifiers down, the key
 * down and up, modifiers up) press: the first key going down that is not a modifier, with the
 * modifiers down at that moment. Null when only modifiers move.
 */
export function keyEventsToStroke(events: readonly KeyEvent[]): TerminalKey | null {
  const held = { shift: false, ctrl: false, alt: false };
  for (const event of events) {
    const modifier = MODIFIERS[event.code];
    if (modifier !== undefined) held[modifier] = event.down;
    else if (event.down) return { code: event.code, shift: held.shift, ctrl: held.ctrl, alt: held.alt };
  }
  return null;
}
