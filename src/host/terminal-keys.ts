// Keys from the host to a guest's PS/2 keyboard: text given with `--keys STRING`, and the bytes a
// terminal in raw mode sends on stdin, both turned into key strokes named by W3C
// `KeyboardEvent.code` (the names Ps2Keyboard.keyDown/keyUp take), for a US keyboard layout.
//
// The `--keys` syntax (docs/keys.md):
//   - a printable ASCII character types itself, with Shift where a US keyboard needs it (A, !, {);
//   - "\n" or "\r" is Enter, "\t" Tab, "\b" Backspace, "\x1b" Escape, and the other control
//     characters 0x01–0x1A are Ctrl with their letter (0x03 is Ctrl-C);
//   - `{Name}` is a named key: `{Enter}`, `{Tab}`, `{Esc}`, `{Up}`, `{F1}`, `{PageDown}`, …, or any
//     W3C code (`{KeyA}`, `{Numpad5}`, `{ShiftLeft}`); names are not case-sensitive;
//   - modifiers go before the key, joined by "-" or "+": `{Ctrl-C}`, `{Ctrl-Alt-Delete}`,
//     `{Shift-Tab}`, `{Alt-F4}`; with a modifier a letter means its key, in either case;
//   - `{{` types "{"; a "}" outside braces types "}".
// An unknown character or name throws an Error that names it.
//
// Terminal input decoding follows xterm's "PC-style function keys" (ctlseqs, "PC-Style Function
// Keys"), the Linux console's F1–F5 (ESC [ [ A … E), and the kitty/fixterms CSI u form.

import { isKeyCode, KEY_CODES, type KeyCode } from '../devices/ps2keyboard.js';
import { US_ASCII_KEYS, type TerminalKey } from '../protocols/input.js';

// Key strokes and the prefix key are the input protocol's (src/protocols/input.ts): the input
// server interprets them; they are re-exported here for the front ends.
export { isPrefixKey, keyToTerminalBytes, PREFIX_KEY, strokesToKeyEvents, type KeyEvent, type TerminalKey } from '../protocols/input.js';

/** The stroke of each printable ASCII character on a US keyboard (the input protocol's table). */
const ASCII_KEYS = US_ASCII_KEYS;

/** The stroke that types a printable ASCII character, or undefined. */
export function asciiKey(character: number): TerminalKey | undefined {
  const key = ASCII_KEYS[character];
  return key === undefined ? undefined : { ...key };
}

/** A control byte (0x00–0x1F, 0x7F) as the key a terminal sends it for, or undefined for ESC. */
function controlKey(byte: number): TerminalKey | undefined {
  switch (byte) {
    case 0x00:
      return { code: 'Space', shift: false, ctrl: true };
    case 0x08:
    case 0x7f:
      return { code: 'Backspace', shift: false };
    case 0x09:
      return { code: 'Tab', shift: false };
    case 0x0a:
    case 0x0d:
      return { code: 'Enter', shift: false };
    case 0x1b:
      return undefined;
    case 0x1c:
      return { code: 'Backslash', shift: false, ctrl: true };
    case 0x1d:
      return { code: 'BracketRight', shift: false, ctrl: true };
    case 0x1e:
      return { code: 'Digit6', shift: true, ctrl: true };
    case 0x1f:
      return { code: 'Minus', shift: true, ctrl: true };
    default: {
      const letter = ASCII_KEYS[0x60 + byte]; // 0x01 → 'a'
      return letter === undefined ? undefined : { code: letter.code, shift: false, ctrl: true };
    }
  }
}

// Friendly names for `{Name}`, lower-cased; any W3C code works too.
const KEY_NAMES: Readonly<Record<string, KeyCode>> = {
  enter: 'Enter',
  return: 'Enter',
  tab: 'Tab',
  esc: 'Escape',
  escape: 'Escape',
  backspace: 'Backspace',
  bs: 'Backspace',
  space: 'Space',
  up: 'ArrowUp',
  down: 'ArrowDown',
  left: 'ArrowLeft',
  right: 'ArrowRight',
  home: 'Home',
  end: 'End',
  insert: 'Insert',
  ins: 'Insert',
  delete: 'Delete',
  del: 'Delete',
  pageup: 'PageUp',
  pgup: 'PageUp',
  pagedown: 'PageDown',
  pgdn: 'PageDown',
  printscreen: 'PrintScreen',
  prtsc: 'PrintScreen',
  sysrq: 'PrintScreen',
  scrolllock: 'ScrollLock',
  pause: 'Pause',
  break: 'Pause',
  capslock: 'CapsLock',
  numlock: 'NumLock',
  menu: 'ContextMenu',
  win: 'MetaLeft',
  ...Object.fromEntries(KEY_CODES.map((code) => [code.toLowerCase(), code])),
};

const MODIFIER_NAMES: Readonly<Record<string, 'ctrl' | 'alt' | 'shift'>> = {
  ctrl: 'ctrl',
  control: 'ctrl',
  ctl: 'ctrl',
  alt: 'alt',
  shift: 'shift',
};

function namedKey(name: string): TerminalKey {
  const parts = name.length > 1 ? name.split(/(?<=.)[-+](?=.)/) : [name];
  const keyName = parts.pop() ?? '';
  const key: TerminalKey = { code: 'Space', shift: false };
  for (const part of parts) {
    const modifier = MODIFIER_NAMES[part.toLowerCase()];
    if (modifier === undefined) throw new Error(`unknown modifier "${part}" in {${name}}: use Ctrl, Alt or Shift, as in {Ctrl-Alt-Delete}`);
    key[modifier] = true;
  }
  let code: KeyCode | undefined;
  if (keyName.length === 1) {
    const ascii = ASCII_KEYS[keyName.charCodeAt(0)];
    if (ascii === undefined) throw new Error(`unknown key "${keyName}" in {${name}}: no key on a US keyboard types it`);
    code = ascii.code;
    // {A} is Shift with the A key, but {Ctrl-C} and {Ctrl-c} are both Ctrl with the C key (as
    // the terminal's Ctrl-C); a shifted symbol keeps its Shift: {Ctrl-!}.
    if (ascii.shift && !(parts.length > 0 && /^[A-Za-z]$/.test(keyName))) key.shift = true;
  } else {
    code = KEY_NAMES[keyName.toLowerCase()];
    if (code === undefined && isKeyCode(keyName)) code = keyName;
  }
  if (code === undefined) throw new Error(`unknown key name {${name}}: use a name such as {Enter}, {Tab}, {Esc}, {Up}, {F1}, {PageDown}, {Ctrl-C}, or a W3C key code such as {KeyA} (docs/keys.md)`);
  key.code = code;
  return key;
}

/** Turns `--keys` text into key strokes (the syntax is at the top of this file and in docs/keys.md). */
export function textToKeyStrokes(text: string): TerminalKey[] {
  const strokes: TerminalKey[] = [];
  for (let index = 0; index < text.length; index++) {
    const character = text[index] ?? '';
    if (character === '{') {
      if (text[index + 1] === '{') {
        strokes.push({ code: 'BracketLeft', shift: true });
        index++;
        continue;
      }
      // The name runs to the next "}"; "{}}" names the "}" key.
      const close = text.indexOf('}', text[index + 1] === '}' ? index + 2 : index + 1);
      if (close < 0) throw new Error(`"{" at position ${index + 1} of the keys is not closed by "}": write {{ to type a "{"`);
      const name = text.slice(index + 1, close);
      if (name === '') throw new Error(`empty key name {} at position ${index + 1} of the keys: write {{ to type a "{"`);
      strokes.push(namedKey(name));
      index = close;
      continue;
    }
    const code = text.codePointAt(index) ?? 0;
    const key = code < 0x20 || code === 0x7f ? (code === 0x1b ? { code: 'Escape' as const, shift: false } : controlKey(code)) : asciiKey(code);
    if (key === undefined) {
      const whole = String.fromCodePoint(code);
      const hex = code.toString(16).toUpperCase().padStart(4, '0');
      throw new Error(`the character "${whole}" (U+${hex}) has no key on a US keyboard: type it another way, or name a key in braces such as {KeyA} (docs/keys.md)`);
    }
    strokes.push(key);
  }
  return strokes;
}


// xterm's CSI <n> ~ keys (ctlseqs "PC-Style Function Keys"; 1/4/7/8 as rxvt and the Linux console send them).
const TILDE_KEYS: Readonly<Record<number, KeyCode>> = {
  1: 'Home',
  2: 'Insert',
  3: 'Delete',
  4: 'End',
  5: 'PageUp',
  6: 'PageDown',
  7: 'Home',
  8: 'End',
  11: 'F1',
  12: 'F2',
  13: 'F3',
  14: 'F4',
  15: 'F5',
  17: 'F6',
  18: 'F7',
  19: 'F8',
  20: 'F9',
  21: 'F10',
  23: 'F11',
  24: 'F12',
  25: 'F13',
  26: 'F14',
  28: 'F15',
  29: 'F16',
  31: 'F17',
  32: 'F18',
  33: 'F19',
  34: 'F20',
};

// The final byte of CSI 1;<m> X and SS3 X.
const LETTER_KEYS: Readonly<Record<string, KeyCode>> = {
  A: 'ArrowUp',
  B: 'ArrowDown',
  C: 'ArrowRight',
  D: 'ArrowLeft',
  H: 'Home',
  F: 'End',
  E: 'Numpad5',
  P: 'F1',
  Q: 'F2',
  R: 'F3',
  S: 'F4',
  M: 'NumpadEnter',
};

const LINUX_CONSOLE_FUNCTION_KEYS: readonly KeyCode[] = ['F1', 'F2', 'F3', 'F4', 'F5'];

/** Longer than any key's sequence (ESC [ 1 2 3 4 5 ; 1 6 u is 12 bytes). */
const MAX_CSI_LENGTH = 32;

// The kitty protocol's codes for keys with no character (CSI <n> u): Enter, Tab, Backspace, Escape.
const CSI_U_KEYS: Readonly<Record<number, KeyCode>> = { 9: 'Tab', 13: 'Enter', 27: 'Escape', 127: 'Backspace' };

export interface TerminalKeyDecoderOptions {
  /**
   * Whether an ESC that ends a chunk is the Escape key (default true). Terminals write a whole
   * escape sequence at once, so a lone ESC at the end of a read is the key; with false it waits
   * for the next chunk or flush().
   */
  escapeAtEndIsKey?: boolean;
}

/**
 * Decodes raw-mode terminal input into key strokes. An escape sequence split across chunks is
 * kept until the rest comes; flush() gives up on it (call it when no byte came for ~50 ms).
 * Ctrl-] comes back as PREFIX_KEY for the caller to intercept; characters beyond ASCII (UTF-8)
 * have no PC key and are dropped, as are terminal reports (mouse, focus, paste brackets).
 */
export class TerminalKeyDecoder {
  private pending: number[] = [];
  /** Continuation bytes of a UTF-8 character still to skip. */
  private utf8Remaining = 0;
  private readonly escapeAtEndIsKey: boolean;

  constructor(options: TerminalKeyDecoderOptions = {}) {
    this.escapeAtEndIsKey = options.escapeAtEndIsKey ?? true;
  }

  /** Whether an incomplete escape sequence waits for more bytes. */
  get waiting(): boolean {
    return this.pending.length > 0;
  }

  feed(bytes: Uint8Array): TerminalKey[] {
    const keys: TerminalKey[] = [];
    for (const byte of bytes) {
      if (this.utf8Remaining > 0 && (byte & 0xc0) === 0x80) {
        this.utf8Remaining--;
        continue;
      }
      this.utf8Remaining = 0;
      if (this.pending.length > 0 || byte === 0x1b) {
        this.pending.push(byte);
        this.decodeEscape(keys, false);
        continue;
      }
      if (byte >= 0x80) {
        // A UTF-8 lead byte: 110xxxxx has one continuation byte, 1110xxxx two, 11110xxx three.
        this.utf8Remaining = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : byte >= 0xc0 ? 1 : 0;
        continue;
      }
      const key = byte < 0x20 || byte === 0x7f ? controlKey(byte) : asciiKey(byte);
      if (key !== undefined) keys.push(key);
    }
    if (this.escapeAtEndIsKey && this.pending.length === 1) this.flushInto(keys);
    return keys;
  }

  /** Ends a waiting escape sequence: a lone ESC is Escape, ESC with a character is Alt with it. */
  flush(): TerminalKey[] {
    const keys: TerminalKey[] = [];
    this.flushInto(keys);
    return keys;
  }

  private flushInto(keys: TerminalKey[]): void {
    if (this.pending.length === 0) return;
    this.decodeEscape(keys, true);
    if (this.pending.length > 0) {
      // An unfinished CSI or SS3 at the end: Escape, then whatever followed it as keys.
      const rest = this.pending.slice(1);
      this.pending = [];
      keys.push({ code: 'Escape', shift: false });
      for (const byte of rest) {
        const key = byte < 0x20 || byte === 0x7f ? controlKey(byte) : asciiKey(byte);
        if (key !== undefined) keys.push(key);
      }
    }
  }

  /** Decodes `pending` (which starts with ESC) if it is complete, pushing the key it makes. */
  private decodeEscape(keys: TerminalKey[], final: boolean): void {
    const sequence = this.pending;
    if (sequence.length === 1) {
      if (final) {
        keys.push({ code: 'Escape', shift: false });
        this.pending = [];
      }
      return;
    }
    const second = sequence[1] ?? 0;
    if (second === 0x5b) {
      this.decodeCsi(keys, final);
      return;
    }
    if (second === 0x4f) {
      // SS3: ESC O <letter>; ESC O alone at the end is Alt-O.
      if (sequence.length === 2) {
        if (final) {
          keys.push({ code: 'KeyO', shift: true, alt: true });
          this.pending = [];
        }
        return;
      }
      const code = LETTER_KEYS[String.fromCharCode(sequence[2] ?? 0)];
      if (code !== undefined) keys.push({ code, shift: false });
      this.pending = [];
      return;
    }
    this.pending = [];
    if (second === 0x1b) {
      // ESC ESC: Escape, and the second ESC starts afresh.
      keys.push({ code: 'Escape', shift: false });
      this.pending = [0x1b];
      if (final) this.decodeEscape(keys, true);
      return;
    }
    // ESC <byte>: the terminal's way of sending Alt (xterm's metaSendsEscape).
    const key = second < 0x20 || second === 0x7f ? controlKey(second) : second < 0x80 ? asciiKey(second) : undefined;
    if (key !== undefined) keys.push({ ...key, alt: true });
  }

  private decodeCsi(keys: TerminalKey[], final: boolean): void {
    const sequence = this.pending;
    // The Linux console's F1–F5: ESC [ [ A … E.
    if (sequence[2] === 0x5b) {
      if (sequence.length < 4) {
        if (final) this.pending = [];
        return;
      }
      const code = LINUX_CONSOLE_FUNCTION_KEYS[(sequence[3] ?? 0) - 0x41];
      if (code !== undefined) keys.push({ code, shift: false });
      this.pending = [];
      return;
    }
    // ECMA-48 5.4: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
    const last = sequence[sequence.length - 1] ?? 0;
    if (sequence.length === 2 || last < 0x40 || last > 0x7e) {
      // Not a CSI after all (a control byte inside it), or one too long to be a key: dropped.
      if (sequence.length > 2 && (last < 0x20 || last > 0x7e || sequence.length > MAX_CSI_LENGTH)) this.pending = [];
      return;
    }
    this.pending = [];
    const body = String.fromCharCode(...sequence.slice(2, -1));
    if (!/^[0-9;:]*$/.test(body)) return; // private reports (ESC [ ? …, ESC [ < … mouse)
    const parameters = body.split(';').map((part) => Number.parseInt(part.split(':')[0] ?? '', 10));
    const first = parameters[0];
    // xterm: the second parameter is 1 + (Shift 1 | Alt 2 | Ctrl 4).
    const modifiers = Math.max(0, (parameters[1] ?? 1) - 1);
    const withModifiers = (code: KeyCode, shift = false): TerminalKey => {
      const key: TerminalKey = { code, shift: shift || (modifiers & 1) !== 0 };
      if (modifiers & 4) key.ctrl = true;
      if (modifiers & 2) key.alt = true;
      return key;
    };
    const finalByte = String.fromCharCode(last);
    if (finalByte === '~') {
      const code = first === undefined ? undefined : TILDE_KEYS[first];
      if (code !== undefined) keys.push(withModifiers(code));
      return;
    }
    if (finalByte === 'Z') {
      keys.push(withModifiers('Tab', true));
      return;
    }
    if (finalByte === 'u' && first !== undefined && !Number.isNaN(first)) {
      const named = CSI_U_KEYS[first];
      const ascii = named === undefined ? ASCII_KEYS[first] : undefined;
      if (named !== undefined) keys.push(withModifiers(named));
      else if (ascii !== undefined) keys.push(withModifiers(ascii.code, ascii.shift));
      return;
    }
    const code = LETTER_KEYS[finalByte];
    // Focus reports (ESC [ I, ESC [ O) and other finals name no key.
    if (code !== undefined && code !== 'NumpadEnter') keys.push(withModifiers(code));
  }
}
