// The PS/2 keyboard: its command set as Linux's atkbd and SeaBIOS use it, scan code sets 1 and 2,
// the special sequences, typematic repeat in guest time, its output buffer and saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import {
  DEFAULT_TYPEMATIC,
  isKeyCode,
  KEY_CODES,
  Ps2Keyboard,
  scancodes,
  typematicDelay,
  typematicPeriod,
} from '../../src/devices/ps2keyboard.js';

function makeKeyboard() {
  const clock = new MachineClock();
  const leds: number[] = [];
  let notified = 0;
  const keyboard = new Ps2Keyboard(clock, { backend: { setLeds: (value) => leds.push(value) } });
  keyboard.connect(() => notified++);
  leds.length = 0;
  const drain = () => {
    const bytes: number[] = [];
    for (let byte = keyboard.read(); byte >= 0; byte = keyboard.read()) bytes.push(byte);
    return bytes;
  };
  const send = (...bytes: number[]) => {
    for (const byte of bytes) keyboard.write(byte);
    return drain();
  };
  return { clock, leds, keyboard, drain, send, notifications: () => notified };
}

test('KBD0001 reset answers FA then AA; identify answers FA AB 83; the controller is told about new bytes', () => {
  const { send, notifications } = makeKeyboard();
  assert.deepEqual(send(0xff), [0xfa, 0xaa]);
  assert.ok(notifications() > 0);
  assert.deepEqual(send(0xf2), [0xfa, 0xab, 0x83]);
  assert.deepEqual(send(0xee), [0xee], 'echo has no ACK');
});

test('KBD0002 LEDs: ED is ACKed, its value is ACKed and reported; a command byte in its place is a new command', () => {
  const { send, leds, keyboard } = makeKeyboard();
  assert.deepEqual(send(0xed), [0xfa]);
  assert.deepEqual(send(0x07), [0xfa]);
  assert.deepEqual(leds, [7]);
  assert.equal(keyboard.leds, 7);
  assert.deepEqual(send(0xed, 0x02), [0xfa, 0xfa]);
  assert.deepEqual(leds, [7, 2]);
  assert.deepEqual(send(0xed, 0xf2), [0xfa, 0xfa, 0xab, 0x83], 'F2 where the LED byte was expected runs as identify');
  assert.deepEqual(leds, [7, 2]);
  assert.deepEqual(send(0xff), [0xfa, 0xaa]);
  assert.deepEqual(leds, [7, 2, 0], 'reset turns the LEDs off');
});

test('KBD0003 scan code sets: F0 00 reads the set, sets 1 and 2 switch the codes, set 3 is refused with Resend', () => {
  const { send, keyboard, drain } = makeKeyboard();
  assert.deepEqual(send(0xf0, 0x00), [0xfa, 0xfa, 0x02]);
  assert.deepEqual(send(0xf0, 0x01), [0xfa, 0xfa]);
  assert.deepEqual(send(0xf0, 0x00), [0xfa, 0xfa, 0x01]);
  keyboard.keyDown('KeyA');
  keyboard.keyUp('KeyA');
  keyboard.keyDown('ArrowLeft');
  keyboard.keyUp('ArrowLeft');
  assert.deepEqual(drain(), [0x1e, 0x9e, 0xe0, 0x4b, 0xe0, 0xcb]);
  assert.deepEqual(send(0xf0, 0x03), [0xfa, 0xfe]);
  assert.deepEqual(send(0x02), [0xfa], 'the parameter is asked for again after Resend');
  keyboard.keyDown('KeyA');
  keyboard.keyUp('KeyA');
  assert.deepEqual(drain(), [0x1c, 0xf0, 0x1c]);
  send(0xf0, 0x01);
  assert.deepEqual(send(0xf6), [0xfa]);
  assert.equal(keyboard.scancodeSet, 2, 'set default returns to set 2');
});

test('KBD0004 typematic repeat in guest time: default 500 ms then 10.9/s; F3 changes rate and delay; release stops it', () => {
  const { clock, keyboard, drain, send } = makeKeyboard();
  assert.equal(typematicDelay(DEFAULT_TYPEMATIC), 500_000_000);
  assert.ok(Math.abs(typematicPeriod(DEFAULT_TYPEMATIC) - 91_666_666.67) < 1);
  keyboard.keyDown('KeyA');
  assert.deepEqual(drain(), [0x1c]);
  clock.advance(499_999_999);
  assert.deepEqual(drain(), []);
  clock.advance(1);
  assert.deepEqual(drain(), [0x1c]);
  clock.advance(typematicPeriod(DEFAULT_TYPEMATIC) * 3 + 1);
  assert.deepEqual(drain(), [0x1c, 0x1c, 0x1c]);
  keyboard.keyUp('KeyA');
  assert.deepEqual(drain(), [0xf0, 0x1c]);
  clock.advance(2e9);
  assert.deepEqual(drain(), []);
  // Fastest rate (30/s, 33.3 ms) after the shortest delay (250 ms).
  assert.deepEqual(send(0xf3, 0x00), [0xfa, 0xfa]);
  assert.equal(keyboard.typematic, 0);
  const start = clock.now;
  keyboard.keyDown('KeyB');
  clock.advanceTo(start + 250_000_000 + 10 * 33_333_334);
  assert.equal(drain().length, 1 + 1 + 10);
  // Only the last key pressed repeats.
  keyboard.keyDown('KeyC');
  drain();
  clock.advance(250_000_000 + 33_333_334);
  assert.deepEqual(drain(), [0x21, 0x21]);
  // Slowest: 2 characters/s after 1 s.
  send(0xf3, 0x7f);
  assert.equal(typematicDelay(0x7f), 1_000_000_000);
  assert.equal(Math.round(typematicPeriod(0x7f)), 500_000_000);
});

test('KBD0005 resend, unknown commands, disable and enable', () => {
  const { send, keyboard, drain } = makeKeyboard();
  send(0xf2);
  assert.deepEqual(send(0xfe), [0x83], 'resend repeats the last byte sent');
  assert.deepEqual(send(0xf7), [0xfe]);
  assert.deepEqual(send(0x42), [0xfe]);
  send(0xf3, 0x00);
  assert.deepEqual(send(0xf5), [0xfa]);
  assert.equal(keyboard.scanning, false);
  assert.equal(keyboard.typematic, DEFAULT_TYPEMATIC, 'F5 also restores the defaults');
  keyboard.keyDown('KeyA');
  keyboard.keyUp('KeyA');
  assert.deepEqual(drain(), [], 'no scanning while disabled');
  assert.deepEqual(send(0xf4), [0xfa]);
  keyboard.keyDown('KeyA');
  assert.deepEqual(drain(), [0x1c]);
});

test('KBD0006 E0 keys, Print Screen and Pause in set 2, with the modifier variants', () => {
  const { keyboard, drain } = makeKeyboard();
  const press = (code: Parameters<typeof keyboard.keyDown>[0]) => {
    keyboard.keyDown(code);
    keyboard.keyUp(code);
    return drain();
  };
  assert.deepEqual(press('ControlRight'), [0xe0, 0x14, 0xe0, 0xf0, 0x14]);
  assert.deepEqual(press('NumpadEnter'), [0xe0, 0x5a, 0xe0, 0xf0, 0x5a]);
  assert.deepEqual(press('F7'), [0x83, 0xf0, 0x83]);
  assert.deepEqual(press('PrintScreen'), [0xe0, 0x12, 0xe0, 0x7c, 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12]);
  assert.deepEqual(press('Pause'), [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77], 'Pause has no break code');
  keyboard.keyDown('ControlLeft');
  drain();
  assert.deepEqual(press('Pause'), [0xe0, 0x7e, 0xe0, 0xf0, 0x7e], 'Ctrl+Pause is Break');
  assert.deepEqual(press('PrintScreen'), [0xe0, 0x7c, 0xe0, 0xf0, 0x7c]);
  keyboard.keyUp('ControlLeft');
  keyboard.keyDown('AltLeft');
  drain();
  assert.deepEqual(press('PrintScreen'), [0x84, 0xf0, 0x84], 'Alt+PrintScreen is SysRq');
  keyboard.keyUp('AltLeft');
  drain();
  const { clock } = makeKeyboard();
  const other = new Ps2Keyboard(clock);
  other.keyDown('Pause');
  for (let byte = other.read(); byte >= 0; byte = other.read());
  clock.advance(2e9);
  assert.equal(other.read(), -1, 'Pause does not repeat');
  assert.deepEqual(scancodes('Lang1', 2, false), [], 'the Korean keys have no break');
});

test('KBD0007 every key has a W3C code, a distinct make code and a matching break code in set 2', () => {
  assert.ok(KEY_CODES.length >= 130);
  for (const code of ['KeyA', 'Enter', 'ArrowUp', 'F1', 'ControlLeft', 'MetaLeft', 'NumpadEnter', 'IntlBackslash']) {
    assert.ok(isKeyCode(code), code);
  }
  assert.equal(isKeyCode('KeyÄ'), false);
  assert.equal(isKeyCode('toString'), false);
  const makes = new Set<string>();
  for (const code of KEY_CODES) {
    const make = scancodes(code, 2, true);
    const key = make.join(',');
    assert.ok(!makes.has(key), `${code} shares its make code ${key}`);
    makes.add(key);
    const release = scancodes(code, 2, false);
    if (code === 'Pause' || code === 'Lang1' || code === 'Lang2' || code === 'PrintScreen') continue;
    const expected = make.length === 2 ? [make[0], 0xf0, make[1]] : [0xf0, make[0]];
    assert.deepEqual(release, expected, code);
  }
});

test('KBD0008 the 16-byte buffer: key bytes beyond it become one overrun code in a 17th position; answers still get in', () => {
  const { keyboard, drain, send } = makeKeyboard();
  const letters = ['KeyQ', 'KeyW', 'KeyE', 'KeyR', 'KeyT', 'KeyY', 'KeyU', 'KeyI', 'KeyO', 'KeyP'] as const;
  for (const code of letters.slice(0, 5)) {
    keyboard.keyDown(code);
    keyboard.keyUp(code);
  }
  // 5 × 3 bytes = 15; the next make needs 1 and fits, its break needs 2 and does not.
  keyboard.keyDown('KeyY');
  keyboard.keyUp('KeyY');
  keyboard.keyDown('KeyU');
  const bytes = drain();
  assert.deepEqual(bytes.slice(12), [0x2c, 0xf0, 0x2c, 0x35, 0x00], 'T make/break, Y make, then one overrun code');
  assert.equal(bytes.length, 17);
  send(0xf0, 0x01);
  for (const code of letters) {
    keyboard.keyDown(code);
    keyboard.keyUp(code);
  }
  const full = drain();
  assert.equal(full.length, 17);
  assert.deepEqual(full.slice(0, 4), [0x10, 0x90, 0x11, 0x91]);
  assert.equal(full[16], 0xff, 'overrun code of set 1');
  for (let i = 0; i < 16; i++) {
    keyboard.keyDown('KeyZ');
    keyboard.keyUp('KeyZ');
  }
  assert.deepEqual(send(0xee).slice(-1), [0xee], 'the echo got in although the buffer was full');
});

test('KBD0009 save and restore mid-repeat: the restored keyboard repeats at the same guest times', () => {
  const a = makeKeyboard();
  a.send(0xf3, 0x20, 0xed, 0x04);
  a.keyboard.keyDown('ShiftLeft');
  a.keyboard.keyDown('KeyK');
  a.clock.advance(600_000_000);
  const state = JSON.parse(JSON.stringify(a.keyboard.saveState()));
  const b = makeKeyboard();
  b.clock.advanceTo(a.clock.now);
  b.keyboard.restoreState(state);
  assert.deepEqual(b.leds, [4], 'restored LEDs are reported to the backend');
  assert.deepEqual(b.keyboard.saveState(), a.keyboard.saveState());
  assert.deepEqual(b.drain(), a.drain());
  for (const side of [a, b]) {
    side.clock.advance(300_000_000);
    side.keyboard.keyUp('KeyK');
    side.keyboard.keyUp('ShiftLeft');
  }
  const out = a.drain();
  assert.deepEqual(b.drain(), out);
  assert.deepEqual(out.slice(-4), [0xf0, 0x42, 0xf0, 0x12]);
  assert.ok(out.filter((byte) => byte === 0x42).length >= 3, 'K repeated after the restore');
  assert.throws(() => b.keyboard.restoreState({ ...state, scancodeSet: 3 }), /ps2-keyboard: field scancodeSet is 3/);
  assert.throws(() => b.keyboard.restoreState({ ...state, held: 7 }), /field held/);
  assert.throws(() => b.keyboard.restoreState({ ...state, repeatAt: 'later' }), /field repeatAt/);
});
