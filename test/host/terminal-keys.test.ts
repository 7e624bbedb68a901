// Keys from the host: `--keys` text and raw terminal bytes as strokes named by W3C codes, and
// strokes as the key-down/key-up events the PS/2 keyboard takes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { Ps2Keyboard } from '../../src/devices/ps2keyboard.js';
import { isPrefixKey, keyToTerminalBytes, PREFIX_KEY, strokesToKeyEvents, TerminalKeyDecoder, textToKeyStrokes, type TerminalKey } from '../../src/host/terminal-keys.js';
import { keyEventsToStroke } from '../../src/protocols/input.js';

const key = (code: TerminalKey['code'], modifiers: { shift?: boolean; ctrl?: boolean; alt?: boolean } = {}): TerminalKey => {
  const stroke: TerminalKey = { code, shift: modifiers.shift ?? false };
  if (modifiers.ctrl) stroke.ctrl = true;
  if (modifiers.alt) stroke.alt = true;
  return stroke;
};

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');

test('KEY0001 letters, digits and punctuation on a US layout, with Shift where the character needs it', () => {
  assert.deepEqual(textToKeyStrokes('aZ0 '), [key('KeyA'), key('KeyZ', { shift: true }), key('Digit0'), key('Space')]);
  assert.deepEqual(
    textToKeyStrokes('!@#$%^&*()_+').map((stroke) => [stroke.code, stroke.shift]),
    [
      ['Digit1', true],
      ['Digit2', true],
      ['Digit3', true],
      ['Digit4', true],
      ['Digit5', true],
      ['Digit6', true],
      ['Digit7', true],
      ['Digit8', true],
      ['Digit9', true],
      ['Digit0', true],
      ['Minus', true],
      ['Equal', true],
    ],
  );
  assert.deepEqual(
    textToKeyStrokes('}|:"<>?~').map((stroke) => [stroke.code, stroke.shift]),
    [
      ['BracketRight', true],
      ['Backslash', true],
      ['Semicolon', true],
      ['Quote', true],
      ['Comma', true],
      ['Period', true],
      ['Slash', true],
      ['Backquote', true],
    ],
  );
  assert.deepEqual(
    textToKeyStrokes("-=[]\\;',./`").map((stroke) => stroke.shift),
    new Array<boolean>(11).fill(false),
  );
});

test('KEY0002 control characters: newline and return are Enter, tab, backspace, escape, and 0x03 is Ctrl-C', () => {
  assert.deepEqual(textToKeyStrokes('\n\r\t\b\x1b\x03'), [key('Enter'), key('Enter'), key('Tab'), key('Backspace'), key('Escape'), key('KeyC', { ctrl: true })]);
});

test('KEY0003 named keys in braces, with modifiers, case-insensitive; {{ types a brace', () => {
  assert.deepEqual(textToKeyStrokes('{Enter}{F1}{Up}{pgdn}{Del}{Esc}{F12}'), [
    key('Enter'),
    key('F1'),
    key('ArrowUp'),
    key('PageDown'),
    key('Delete'),
    key('Escape'),
    key('F12'),
  ]);
  assert.deepEqual(textToKeyStrokes('{Ctrl-C}{ctrl-c}{Ctrl-Alt-Delete}{Shift-Tab}{Alt+F4}'), [
    key('KeyC', { ctrl: true }),
    key('KeyC', { ctrl: true }),
    key('Delete', { ctrl: true, alt: true }),
    key('Tab', { shift: true }),
    key('F4', { alt: true }),
  ]);
  assert.deepEqual(textToKeyStrokes('{Ctrl-!}{Ctrl--}{A}{KeyA}{Numpad5}'), [
    key('Digit1', { shift: true, ctrl: true }),
    key('Minus', { ctrl: true }),
    key('KeyA', { shift: true }),
    key('KeyA'),
    key('Numpad5'),
  ]);
  assert.deepEqual(textToKeyStrokes('{{x}'), [key('BracketLeft', { shift: true }), key('KeyX'), key('BracketRight', { shift: true })]);
  assert.deepEqual(textToKeyStrokes('dir{Enter}'), [key('KeyD'), key('KeyI'), key('KeyR'), key('Enter')]);
});

test('KEY0004 an unknown character, key name or modifier throws an Error naming it', () => {
  assert.throws(() => textToKeyStrokes('café'), /the character "é" \(U\+00E9\) has no key on a US keyboard/);
  assert.throws(() => textToKeyStrokes('{Frobnicate}'), /unknown key name \{Frobnicate\}/);
  assert.throws(() => textToKeyStrokes('{Hyper-A}'), /unknown modifier "Hyper" in \{Hyper-A\}/);
  assert.throws(() => textToKeyStrokes('{Enter'), /"\{" at position 1 of the keys is not closed/);
  assert.throws(() => textToKeyStrokes('ok 😀'), /the character "😀" \(U\+1F600\)/);
});

test('KEY0005 strokes become key events with Ctrl, Alt and Shift held around the key', () => {
  assert.deepEqual(strokesToKeyEvents([key('KeyA', { shift: true }), key('Delete', { ctrl: true, alt: true }), key('Enter')]), [
    { code: 'ShiftLeft', down: true },
    { code: 'KeyA', down: true },
    { code: 'KeyA', down: false },
    { code: 'ShiftLeft', down: false },
    { code: 'ControlLeft', down: true },
    { code: 'AltLeft', down: true },
    { code: 'Delete', down: true },
    { code: 'Delete', down: false },
    { code: 'AltLeft', down: false },
    { code: 'ControlLeft', down: false },
    { code: 'Enter', down: true },
    { code: 'Enter', down: false },
  ]);
});

test('KEY0006 the events drive a PS/2 keyboard: "A!" sends the set-2 codes with Shift around each key', () => {
  const keyboard = new Ps2Keyboard(new MachineClock());
  for (const event of strokesToKeyEvents(textToKeyStrokes('A!'))) {
    if (event.down) keyboard.keyDown(event.code);
    else keyboard.keyUp(event.code);
  }
  const sent: number[] = [];
  for (let byte = keyboard.read(); byte >= 0; byte = keyboard.read()) sent.push(byte);
  assert.deepEqual(sent, [0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12, 0x12, 0x16, 0xf0, 0x16, 0xf0, 0x12]);
});

test('KEY0007 the decoder: printable ASCII, Enter (0x0D), Backspace (0x7F), Tab, Ctrl-A…Z', () => {
  const decoder = new TerminalKeyDecoder();
  assert.deepEqual(decoder.feed(bytes('hI!\r\x7f\t')), [key('KeyH'), key('KeyI', { shift: true }), key('Digit1', { shift: true }), key('Enter'), key('Backspace'), key('Tab')]);
  assert.deepEqual(decoder.feed(bytes('\x01\x03\x1a')), [key('KeyA', { ctrl: true }), key('KeyC', { ctrl: true }), key('KeyZ', { ctrl: true })]);
});

test('KEY0008 the decoder: arrows, Home/End/Insert/Delete/PageUp/PageDown and F1–F12 in their CSI and SS3 forms', () => {
  const decoder = new TerminalKeyDecoder();
  const decode = (text: string): string[] => decoder.feed(bytes(text)).map((stroke) => stroke.code);
  assert.deepEqual(decode('\x1b[A\x1b[B\x1b[C\x1b[D\x1bOA\x1bOD'), ['ArrowUp', 'ArrowDown', 'ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowLeft']);
  assert.deepEqual(decode('\x1b[H\x1b[F\x1bOH\x1bOF\x1b[1~\x1b[4~\x1b[2~\x1b[3~\x1b[5~\x1b[6~'), ['Home', 'End', 'Home', 'End', 'Home', 'End', 'Insert', 'Delete', 'PageUp', 'PageDown']);
  assert.deepEqual(decode('\x1bOP\x1bOQ\x1bOR\x1bOS\x1b[15~\x1b[17~\x1b[18~\x1b[19~\x1b[20~\x1b[21~\x1b[23~\x1b[24~'), ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8', 'F9', 'F10', 'F11', 'F12']);
  assert.deepEqual(decode('\x1b[[A\x1b[[E\x1b[11~'), ['F1', 'F5', 'F1'], 'the Linux console and rxvt forms');
});

test('KEY0009 the decoder: xterm modifiers (CSI 1;5A is Ctrl-Up), Shift-Tab, and the CSI u form', () => {
  const decoder = new TerminalKeyDecoder();
  assert.deepEqual(decoder.feed(bytes('\x1b[1;5A\x1b[1;2D\x1b[3;3~\x1b[Z\x1b[1;5P')), [
    key('ArrowUp', { ctrl: true }),
    key('ArrowLeft', { shift: true }),
    key('Delete', { alt: true }),
    key('Tab', { shift: true }),
    key('F1', { ctrl: true }),
  ]);
  assert.deepEqual(decoder.feed(bytes('\x1b[99;5u\x1b[13u\x1b[97;2u')), [key('KeyC', { ctrl: true }), key('Enter'), key('KeyA', { shift: true })]);
});

test('KEY0010 the decoder: Escape alone, Alt as an ESC prefix, and a sequence split across reads', () => {
  const decoder = new TerminalKeyDecoder();
  assert.deepEqual(decoder.feed(bytes('\x1b')), [key('Escape')], 'a lone ESC at the end of a read is the key');
  assert.deepEqual(decoder.feed(bytes('\x1b\x1b')), [key('Escape'), key('Escape')]);
  assert.deepEqual(decoder.feed(bytes('\x1bx')), [key('KeyX', { alt: true })]);
  assert.deepEqual(decoder.feed(bytes('\x1b[')), [], 'an unfinished CSI waits');
  assert.equal(decoder.waiting, true);
  assert.deepEqual(decoder.feed(bytes('1;5')), []);
  assert.deepEqual(decoder.feed(bytes('Cq')), [key('ArrowRight', { ctrl: true }), key('KeyQ')]);
  assert.equal(decoder.waiting, false);
  assert.deepEqual(decoder.feed(bytes('\x1b[')), []);
  assert.deepEqual(decoder.flush(), [key('Escape'), key('BracketLeft')], 'flush gives up on the sequence');

  const waiting = new TerminalKeyDecoder({ escapeAtEndIsKey: false });
  assert.deepEqual(waiting.feed(bytes('\x1b')), []);
  assert.deepEqual(waiting.feed(bytes('[B')), [key('ArrowDown')]);
  assert.deepEqual(waiting.feed(bytes('\x1b')), []);
  assert.deepEqual(waiting.flush(), [key('Escape')]);
});

test('KEY0011 the decoder drops UTF-8 characters (no PC key), even split across reads, and terminal reports', () => {
  const decoder = new TerminalKeyDecoder();
  const euro = Buffer.from('a€b😀c', 'utf8');
  assert.deepEqual(decoder.feed(euro.subarray(0, 3)), [key('KeyA')]);
  assert.deepEqual(decoder.feed(euro.subarray(3)), [key('KeyB'), key('KeyC')]);
  assert.deepEqual(decoder.feed(bytes('\x1b[I\x1b[O\x1b[200~x\x1b[201~\x1b[<0;3;4M')), [key('KeyX')], 'focus, paste brackets and mouse reports name no key');
});

test('KEY0012 Ctrl-] (0x1D) comes back as the prefix key for the caller to intercept', () => {
  const decoder = new TerminalKeyDecoder();
  const [prefix, next] = decoder.feed(bytes('\x1dq'));
  assert.deepEqual(prefix, PREFIX_KEY);
  assert.deepEqual(prefix, key('BracketRight', { ctrl: true }));
  assert.ok(prefix !== undefined && isPrefixKey(prefix));
  assert.ok(next !== undefined && !isPrefixKey(next));
  assert.ok(!isPrefixKey(key('BracketRight')));
  assert.deepEqual(decoder.feed(bytes('\x1b[93;5u')), [PREFIX_KEY], 'also in the CSI u form');
});

test('KEY0013 a serial console\'s keys: each stroke\'s key events give the stroke back, typed as the bytes a terminal sends (Enter is CR)', () => {
  const text = 'aZ!{Enter}{Backspace}{Tab}{Esc}{Up}{Delete}{Ctrl-C}{Ctrl-Shift-C}{F1}~';
  const typed = textToKeyStrokes(text).map((stroke) => {
    const back = keyEventsToStroke(strokesToKeyEvents([stroke]));
    assert.deepEqual(back, { ctrl: false, alt: false, ...stroke }, `${stroke.code} comes back from its events`);
    return Buffer.from(keyToTerminalBytes(stroke)).toString('latin1');
  });
  assert.deepEqual(typed, ['a', 'Z', '!', '\r', '\x7f', '\t', '\x1b', '\x1b[A', '\x1b[3~', '\x03', '\x03', '', '~']);
  assert.equal(keyEventsToStroke([{ code: 'ShiftLeft', down: true }, { code: 'ShiftLeft', down: false }]), null, 'only a modifier: no stroke');
});
