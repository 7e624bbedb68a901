// The 8042 keyboard controller: the init sequences of SeaBIOS and Linux's i8042 driver, the command
// byte, the output port callbacks (A20, reset), the aux port without a mouse, translation of scan
// code set 2 into set 1, IRQ behaviour and saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { I8042, SET2_TO_SET1, translateSet2ToSet1, type Ps2Device } from '../../src/devices/i8042.js';
import { KEY_CODES, Ps2Keyboard, scancodes } from '../../src/devices/ps2keyboard.js';

class Sink implements IrqSink {
  readonly level = [false, false];
  readonly edges = [0, 0];
  setIrq(line: number, level: boolean): void {
    const index = line === 1 ? 0 : 1;
    if (level && !this.level[index]) this.edges[index]++;
    this.level[index] = level;
  }
}

function makeController(withKeyboard = true) {
  const clock = new MachineClock();
  const io = new IoPorts();
  const sink = new Sink();
  const events: string[] = [];
  const keyboard = new Ps2Keyboard(clock);
  const kbc = new I8042(new IrqLine(sink, 1), new IrqLine(sink, 12), {
    onA20: (enabled) => events.push(`a20 ${enabled ? 'on' : 'off'}`),
    onReset: () => events.push('reset'),
  });
  if (withKeyboard) kbc.connectKeyboard(keyboard);
  kbc.attach(io);
  const out = (port: number, value: number) => io.write(port, 1, value);
  const inb = (port: number) => io.read(port, 1);
  /** Reads every byte in the output buffer as a driver polling the status register does. */
  const drain = () => {
    const bytes: number[] = [];
    for (let i = 0; i < 64 && inb(0x64) & 1; i++) bytes.push(inb(0x60));
    return bytes;
  };
  const command = (cmd: number, data?: number) => {
    out(0x64, cmd);
    if (data !== undefined) out(0x60, data);
  };
  return { clock, io, sink, events, keyboard, kbc, out, inb, drain, command };
}

test('KBC0001 self-test answers 0x55 and sets SYS; interface tests answer 0; A2 tracks the port written', () => {
  const { inb, out, drain, command } = makeController();
  assert.equal(inb(0x64) & 0x04, 0, 'SYS is clear at power-on');
  command(0xaa);
  assert.equal(inb(0x64) & 0x0d, 0x0d, 'OBF, SYS, A2 (last write was a command)');
  assert.equal(inb(0x60), 0x55);
  assert.equal(inb(0x64) & 0x01, 0, 'reading the data port empties the buffer');
  command(0xab);
  assert.deepEqual(drain(), [0x00]);
  command(0xa9);
  assert.deepEqual(drain(), [0x00]);
  command(0xa4);
  assert.deepEqual(drain(), [0xf1], 'no password installed');
  out(0x60, 0xee); // echo to the keyboard: a data write clears A2
  assert.equal(inb(0x64) & 0x08, 0);
  assert.deepEqual(drain(), [0xee]);
});

test('KBC0002 command byte: read with 0x20, write with 0x60; SYS mirrors bit 2; replies raise IRQ 1 only when bit 0 is set', () => {
  const { sink, drain, command, kbc } = makeController();
  command(0x60, 0x00);
  command(0x20);
  assert.equal(sink.level[0], false);
  assert.deepEqual(drain(), [0x00]);
  command(0x60, 0x65);
  assert.equal(kbc.commandByte, 0x65);
  command(0x20);
  assert.equal(sink.level[0], true, 'bit 0: the reply raises IRQ 1');
  assert.deepEqual(drain(), [0x65]);
  assert.equal(sink.level[0], false);
  const status = makeController();
  status.command(0x60, 0x04);
  assert.equal(status.inb(0x64) & 0x04, 0x04);
  status.command(0x60, 0x00);
  assert.equal(status.inb(0x64) & 0x04, 0x00);
  // Controller RAM beyond byte 0: 0x61 writes byte 1, 0x21 reads it back.
  command(0x61, 0xa5);
  command(0x21);
  assert.deepEqual(drain(), [0xa5]);
  assert.equal(kbc.commandByte, 0x65);
});

test('KBC0003 SeaBIOS ps2port setup: self-test, keyboard reset/disable/set 2/enable with its CTR dance, then translated keys on IRQ 1', () => {
  const { drain, command, out, inb, keyboard, sink, kbc } = makeController();
  let ctr = 0x30; // Ps2ctr: both ports disabled
  /** SeaBIOS __ps2_command for the keyboard: mask the ports and IRQs, open the keyboard port, talk, restore. */
  const kbdCommand = (cmd: number, params: number[], receive: number) => {
    const masked = (ctr | 0x30) & ~0x03;
    command(0x60, masked);
    command(0x60, masked & ~0x10);
    const got: number[] = [];
    for (const byte of [cmd, ...params]) {
      out(0x60, byte);
      assert.equal(inb(0x64) & 0x21, 0x01, 'keyboard data, not aux');
      assert.equal(inb(0x60), 0xfa, `ACK for ${byte.toString(16)}`);
    }
    for (let i = 0; i < receive; i++) {
      assert.equal(inb(0x64) & 0x01, 0x01);
      got.push(inb(0x60));
    }
    command(0x60, ctr);
    return got;
  };
  keyboard.keyDown('KeyQ');
  assert.deepEqual(drain(), [0x15], 'i8042_flush');
  command(0xaa);
  assert.deepEqual(drain(), [0x55]);
  command(0xab);
  assert.deepEqual(drain(), [0x00]);
  assert.deepEqual(kbdCommand(0xff, [], 1), [0xaa], 'reset: ACK, then BAT passed');
  keyboard.keyUp('KeyQ');
  assert.deepEqual(kbdCommand(0xf5, [], 0), []);
  assert.deepEqual(kbdCommand(0xf0, [0x02], 0), []);
  ctr = 0x61; // AUXDIS | XLATE | KBDINT
  assert.deepEqual(kbdCommand(0xf4, [], 0), []);
  assert.equal(kbc.commandByte, 0x61);
  assert.equal(inb(0x64) & 0x01, 0, 'nothing left over');
  assert.equal(sink.level[0], false);
  keyboard.keyDown('KeyA');
  assert.equal(sink.level[0], true);
  assert.equal(inb(0x64) & 0x21, 0x01);
  assert.equal(inb(0x60), 0x1e);
  assert.equal(sink.level[0], false);
  command(0xae); // handle_09 re-enables the keyboard after every key
  keyboard.keyUp('KeyA');
  assert.equal(inb(0x60), 0x9e);
});

test('KBC0004 translation on and off: KeyA is 1E/9E translated and 1C/F0 1C untranslated; E0 keys keep their prefix', () => {
  const { drain, command, keyboard } = makeController();
  command(0x60, 0x41);
  keyboard.keyDown('KeyA');
  keyboard.keyUp('KeyA');
  assert.deepEqual(drain(), [0x1e, 0x9e]);
  keyboard.keyDown('ArrowUp');
  keyboard.keyUp('ArrowUp');
  assert.deepEqual(drain(), [0xe0, 0x48, 0xe0, 0xc8]);
  command(0x60, 0x01);
  keyboard.keyDown('KeyA');
  keyboard.keyUp('KeyA');
  assert.deepEqual(drain(), [0x1c, 0xf0, 0x1c]);
  keyboard.keyDown('ArrowUp');
  keyboard.keyUp('ArrowUp');
  assert.deepEqual(drain(), [0xe0, 0x75, 0xe0, 0xf0, 0x75]);
  // The keyboard's ID and its scan-code-set answer are translated too, as Linux's atkbd expects.
  const kbc = makeController();
  kbc.command(0x60, 0x41);
  kbc.out(0x60, 0xf2);
  assert.deepEqual(kbc.drain(), [0xfa, 0xab, 0x41]);
  kbc.out(0x60, 0xf0);
  kbc.out(0x60, 0x00);
  assert.deepEqual(kbc.drain(), [0xfa, 0xfa, 0x41], 'both bytes ACKed; set 2 reads as 0x41 through translation');
});

test('KBC0005 the translation table turns every key of set 2 into the keyboard\'s own set 1 codes', () => {
  assert.equal(SET2_TO_SET1.length, 256);
  assert.equal(SET2_TO_SET1[0x1c], 0x1e);
  assert.equal(SET2_TO_SET1[0x83], 0x41, 'F7 is the one set-2 make code above 0x7F');
  assert.equal(SET2_TO_SET1[0xfa], 0xfa, 'ACK passes unchanged');
  const modifierStates = [
    { ctrl: false, shift: false, alt: false },
    { ctrl: true, shift: false, alt: false },
    { ctrl: false, shift: false, alt: true },
  ];
  let checked = 0;
  for (const code of KEY_CODES) {
    for (const modifiers of modifierStates) {
      for (const down of [true, false]) {
        const set2 = scancodes(code, 2, down, modifiers);
        assert.deepEqual(translateSet2ToSet1(set2), scancodes(code, 1, down, modifiers), `${code} ${down ? 'make' : 'break'}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 600);
  // And through the controller itself, with the keyboard in set 2.
  const { drain, command, keyboard } = makeController();
  command(0x60, 0x40);
  for (const code of KEY_CODES) {
    keyboard.keyDown(code);
    const made = drain();
    keyboard.keyUp(code);
    const broken = drain();
    assert.deepEqual(made, scancodes(code, 1, true), code);
    assert.deepEqual(broken, scancodes(code, 1, false), code);
  }
});

test('KBC0006 output port: D0 reads it, D1 writes A20 and reset, DD/DF gate A20, F0-FF pulse reset', () => {
  const { drain, command, events, kbc } = makeController();
  command(0xd0);
  assert.deepEqual(drain(), [0xcf], 'A20 on, reset inactive, no OBF bits');
  assert.equal(kbc.a20, true);
  command(0xd1, 0xcd);
  assert.deepEqual(events, ['a20 off']);
  assert.equal(kbc.a20, false);
  command(0xd0);
  assert.deepEqual(drain(), [0xcd]);
  command(0xd1, 0xcd);
  assert.deepEqual(events, ['a20 off'], 'no callback when A20 does not change');
  command(0xdf);
  command(0xdd);
  assert.deepEqual(events, ['a20 off', 'a20 on', 'a20 off']);
  command(0xd1, 0xdf); // Linux/BIOS "enable A20" value
  assert.deepEqual(events.slice(3), ['a20 on']);
  command(0xd1, 0xce);
  assert.deepEqual(events.slice(4), ['reset'], 'bit 0 low resets the CPU');
  command(0xff);
  assert.equal(events.length, 5, '0xFF pulses nothing');
  command(0xfe);
  assert.deepEqual(events.slice(5), ['reset']);
  command(0xd1, 0xcd);
  kbc.reset();
  assert.deepEqual(events.slice(-2), ['a20 off', 'a20 on'], 'reset brings A20 back on');
});

test('KBC0007 AD/AE disable and enable the keyboard port; the keyboard keeps its bytes meanwhile', () => {
  const { drain, command, keyboard, kbc, sink } = makeController();
  command(0x60, 0x01);
  command(0xad);
  assert.equal(kbc.commandByte & 0x10, 0x10);
  keyboard.keyDown('Enter');
  keyboard.keyUp('Enter');
  assert.equal(sink.level[0], false);
  assert.deepEqual(drain(), []);
  command(0xae);
  assert.equal(kbc.commandByte & 0x10, 0);
  assert.equal(sink.edges[0], 1);
  assert.deepEqual(drain(), [0x5a, 0xf0, 0x5a]);
  assert.equal(sink.edges[0], 3, 'one IRQ 1 edge per byte');
});

test('KBC0008 aux port without a mouse: A7/A8 toggle bit 5, D3 loops through the aux buffer on IRQ 12, D4 times out with FE', () => {
  const { drain, command, kbc, inb, sink } = makeController();
  command(0x60, 0x03);
  command(0xa7);
  assert.equal(kbc.commandByte & 0x20, 0x20);
  command(0xa8);
  assert.equal(kbc.commandByte & 0x20, 0x00);
  command(0xd3, 0x5a);
  assert.equal(inb(0x64) & 0x21, 0x21, 'OBF with AUX OBF');
  assert.equal(sink.level[1], true);
  assert.equal(sink.level[0], false);
  assert.deepEqual(drain(), [0x5a]);
  assert.equal(sink.level[1], false);
  command(0xd4, 0xff);
  assert.equal(inb(0x64) & 0x61, 0x61, 'AUX OBF with the time-out bit');
  assert.deepEqual(drain(), [0xfe]);
  assert.equal(inb(0x64) & 0x40, 0, 'time-out cleared with the read');
  command(0xd2, 0x99);
  assert.equal(inb(0x64) & 0x21, 0x01, 'D2 fills the keyboard buffer');
  assert.equal(sink.level[0], true);
  assert.deepEqual(drain(), [0x99]);
});

test('KBC0009 Linux i8042 probe: flush, self-test, CTR, aux loop check and MUX check answer as a plain controller', () => {
  const { drain, command, keyboard, kbc } = makeController();
  keyboard.keyDown('KeyZ');
  assert.deepEqual(drain(), [0x1a], 'i8042_flush empties what was there');
  command(0xaa);
  assert.deepEqual(drain(), [0x55]);
  command(0x20);
  const [ctr] = drain();
  command(0x60, (ctr & ~0x10) | 0x40 | 0x04);
  command(0x20);
  assert.deepEqual(drain(), [(ctr & ~0x10) | 0x44]);
  // i8042_check_aux: AUX_LOOP with 0xF0 must come back through the aux buffer.
  command(0xd3, 0xf0);
  assert.equal(kbc.status() & 0x21, 0x21);
  assert.deepEqual(drain(), [0xf0]);
  // i8042_set_mux_mode: F0, 56, A4 echoed unchanged → not an active MUX.
  const echoes = [0xf0, 0x56, 0xa4].map((byte) => {
    command(0xd3, byte);
    return drain()[0];
  });
  assert.deepEqual(echoes, [0xf0, 0x56, 0xa4]);
  command(0xa9);
  assert.deepEqual(drain(), [0x00]);
  command(0xa8);
  command(0x20);
  assert.equal((drain()[0] ?? 0xff) & 0x20, 0, 'A8 cleared AUXDIS in the CTR');
});

test('KBC0010 a controller reply waits behind a full output buffer and nothing is lost', () => {
  const { drain, command, keyboard } = makeController();
  command(0x60, 0x00);
  keyboard.keyDown('KeyS');
  command(0x20);
  command(0xd0);
  // D0 samples the output port while the key byte still fills the buffer: bit 4 (keyboard OBF) is set.
  assert.deepEqual(drain(), [0x1b, 0x00, 0xdf]);
});

test('KBC0011 save and restore keep the output buffer, the pending command and the translation state', () => {
  const a = makeController();
  a.command(0x60, 0x43);
  a.keyboard.keyDown('KeyD');
  a.out(0x64, 0x60); // command waiting for its data byte
  const kbcState = JSON.parse(JSON.stringify(a.kbc.saveState()));
  const kbdState = JSON.parse(JSON.stringify(a.keyboard.saveState()));
  const b = makeController();
  b.keyboard.restoreState(kbdState);
  b.kbc.restoreState(kbcState);
  assert.deepEqual(b.kbc.saveState(), a.kbc.saveState());
  assert.equal(b.sink.level[0], true, 'the byte in the buffer still interrupts');
  for (const side of [a, b]) {
    side.out(0x60, 0x41); // completes the pending 0x60: translation on, IRQ on
    side.keyboard.keyUp('KeyD');
  }
  assert.deepEqual(b.drain(), a.drain());
  assert.deepEqual(b.kbc.saveState(), a.kbc.saveState());
  assert.equal(b.kbc.commandByte, 0x41);
});

test('KBC0012 restoreState names the field that does not fit; no keyboard answers FE with a time-out', () => {
  const { kbc } = makeController();
  const saved = kbc.saveState();
  assert.throws(() => kbc.restoreState({ ...saved, outputPort: 'x' }), /i8042: field outputPort/);
  assert.throws(() => kbc.restoreState({ ...saved, ram: 'abcd' }), /i8042/);
  assert.throws(() => kbc.restoreState({ ...saved, replies: ['x'] }), /field replies/);
  const bare = makeController(false);
  bare.out(0x60, 0xff);
  assert.equal(bare.inb(0x64) & 0x41, 0x41);
  assert.deepEqual(bare.drain(), [0xfe]);
});

test('KBC0013 an aux device on D4 gets its bytes and answers through the aux buffer', () => {
  const { kbc, command, drain, sink } = makeController();
  const written: number[] = [];
  let notify = () => undefined as void;
  const queue: number[] = [];
  const mouse: Ps2Device = {
    write: (byte) => {
      written.push(byte);
      queue.push(0xfa);
      notify();
    },
    read: () => queue.shift() ?? -1,
    connect: (dataReady) => {
      notify = dataReady;
    },
  };
  kbc.connectAux(mouse);
  command(0x60, 0x02);
  command(0xd4, 0xf4);
  assert.deepEqual(written, [0xf4]);
  assert.equal(sink.level[1], true);
  assert.equal(kbc.status() & 0x60, 0x20, 'aux data, no time-out');
  assert.deepEqual(drain(), [0xfa]);
  command(0xa7);
  command(0xd4, 0xf5);
  assert.deepEqual(drain(), [], 'aux port disabled: the answer waits');
  command(0xa8);
  assert.deepEqual(drain(), [0xfa]);
});
