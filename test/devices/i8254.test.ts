// The 8254 and port 0x61: periodic IRQ 0 in guest time (modes 2 and 3), the mode 0 one-shot,
// latch and read-back, BCD, access modes, gates (through port 0x61 for counter 2), saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { I8254, PIT_HZ, pitTickTime, pitTicksAt } from '../../src/devices/i8254.js';
import { I8259 } from '../../src/devices/i8259.js';
import { PcSpeakerPort } from '../../src/devices/pc-speaker-port.js';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';

interface Edge {
  at: number;
  level: boolean;
}

function machine(): { clock: MachineClock; io: IoPorts; pit: I8254; port61: PcSpeakerPort; edges: Edge[] } {
  const clock = new MachineClock();
  const io = new IoPorts();
  const edges: Edge[] = [];
  const sink: IrqSink = { setIrq: (_line, level) => edges.push({ at: clock.now, level }) };
  const pit = new I8254(clock, new IrqLine(sink, 0));
  pit.attach(io);
  const port61 = new PcSpeakerPort(clock, pit);
  port61.attach(io);
  return { clock, io, pit, port61, edges };
}

function rising(edges: Edge[]): number[] {
  return edges.filter((edge) => edge.level).map((edge) => edge.at);
}

/** Counter 0 read through a counter latch command, LSB then MSB. */
function latchedCount0(io: IoPorts): number {
  io.write(0x43, 1, 0x00);
  return io.read(0x40, 1) | (io.read(0x40, 1) << 8);
}

test('PIT0001 tick arithmetic: edges of the 1.193182 MHz clock in guest ns, exact far into a run', () => {
  assert.equal(pitTicksAt(0), 0);
  assert.equal(pitTicksAt(838), 0);
  assert.equal(pitTicksAt(839), 1);
  assert.equal(pitTickTime(1), 839);
  assert.equal(pitTicksAt(1e9), PIT_HZ);
  const day = 86400e9;
  assert.equal(pitTicksAt(day), 86400 * PIT_HZ);
  for (const tick of [1, 65536, 123456789, 86400 * PIT_HZ + 17]) {
    const at = pitTickTime(tick);
    assert.equal(pitTicksAt(at), tick);
    assert.equal(pitTicksAt(at - 1), tick - 1);
  }
});

test('PIT0002 SeaBIOS pit_setup: mode 2, count 0 → IRQ 0 at 18.2 Hz, every 65536 clocks to the ns', () => {
  const { clock, io, edges } = machine();
  clock.advanceTo(5000);
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 0x00);
  io.write(0x40, 1, 0x00);
  const written = pitTicksAt(clock.now);
  clock.advanceTo(1e9);
  // OUT goes high with the control word, dips for one clock at count 1, rises at each reload.
  const expected = [5000];
  for (let k = 1; pitTickTime(written + 1 + k * 65536) <= 1e9; k++) expected.push(pitTickTime(written + 1 + k * 65536));
  assert.deepEqual(rising(edges), expected);
  assert.equal(expected.length, 19, '1 s at 18.2 Hz, plus the rise at the control word');
  const falls = edges.filter((edge) => !edge.level).map((edge) => edge.at);
  assert.equal(falls[0], pitTickTime(written + 65536), 'OUT goes low when the count reaches 1');
});

test('PIT0003 Linux HZ=100: mode 2 with LATCH 11932 gives IRQ 0 every 10.000 ms and a readable count', () => {
  const { clock, io, edges } = machine();
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 11932 & 0xff);
  io.write(0x40, 1, 11932 >> 8);
  clock.advanceTo(101_000_000);
  const times = rising(edges).slice(1);
  assert.equal(times.length, 10);
  for (let i = 1; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    assert.ok(Math.abs(gap - (11932 * 1e9) / PIT_HZ) <= 1, `period ${gap} ns`);
  }
  // Halfway through a period the count is about half of 11932 (clocks since the load, counted down).
  clock.advanceTo(times[9] + 5_000_000);
  const loadTick = pitTicksAt(times[9]);
  assert.equal(latchedCount0(io), 11932 - (pitTicksAt(clock.now) - loadTick));
});

test('PIT0004 mode 3 square wave: OUT high for half the count, low for the other half; IRQ on each rise', () => {
  const { clock, io, pit, edges } = machine();
  io.write(0x43, 1, 0x36);
  io.write(0x40, 1, 1000 & 0xff);
  io.write(0x40, 1, 1000 >> 8);
  const load = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(load + 499));
  assert.equal(pit.output(0), true);
  clock.advanceTo(pitTickTime(load + 500));
  assert.equal(pit.output(0), false);
  clock.advanceTo(pitTickTime(load + 999));
  assert.equal(pit.output(0), false);
  clock.advanceTo(pitTickTime(load + 1000));
  assert.equal(pit.output(0), true);
  clock.advanceTo(pitTickTime(load + 10_000));
  assert.deepEqual(
    rising(edges),
    [0].concat(Array.from({ length: 10 }, (_, k) => pitTickTime(load + (k + 1) * 1000))),
    'high at the control word, then a rise every 1000 clocks',
  );
  // Odd counts: high one clock longer than low ("Mode 3").
  io.write(0x43, 1, 0x36);
  io.write(0x40, 1, 5);
  io.write(0x40, 1, 0);
  const oddLoad = pitTicksAt(clock.now) + 1;
  const pattern: boolean[] = [];
  for (let e = 0; e < 10; e++) {
    clock.advanceTo(pitTickTime(oddLoad + e));
    pattern.push(pit.output(0));
  }
  assert.deepEqual(pattern, [true, true, true, false, false, true, true, true, false, false]);
});

test('PIT0005 mode 0 one-shot: OUT low after the write, one IRQ 0 rise after count+1 clocks, then high', () => {
  const { clock, io, edges } = machine();
  io.write(0x43, 1, 0x30);
  io.write(0x40, 1, 1000 & 0xff);
  assert.equal(edges.length, 0, 'OUT was low and stays low');
  io.write(0x40, 1, 1000 >> 8);
  const written = pitTicksAt(clock.now);
  clock.advanceTo(50_000_000);
  assert.deepEqual(edges, [{ at: pitTickTime(written + 1 + 1000), level: true }]);
  // The counter wraps and counts on; OUT stays high until a new count is written.
  assert.equal(latchedCount0(io), (65536 + 1000 - (pitTicksAt(clock.now) - written - 1)) % 65536);
  io.write(0x40, 1, 10);
  io.write(0x40, 1, 0);
  assert.equal(edges.at(-1)?.level, false, 'the first byte of a new count drops OUT');
  const second = pitTicksAt(clock.now);
  clock.advance(1_000_000);
  assert.equal(edges.at(-1)?.at, pitTickTime(second + 11));
});

test('PIT0006 counter latch: the count is frozen until read, a second latch is ignored', () => {
  const { clock, io } = machine();
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 0x00);
  io.write(0x40, 1, 0x40); // 0x4000
  const load = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(load + 100));
  io.write(0x43, 1, 0x00);
  clock.advanceTo(pitTickTime(load + 300));
  io.write(0x43, 1, 0x00); // ignored: the first latch has not been read
  assert.equal(io.read(0x40, 1), (0x4000 - 100) & 0xff);
  clock.advanceTo(pitTickTime(load + 500));
  assert.equal(io.read(0x40, 1), (0x4000 - 100) >> 8);
  // Unlatched reads follow the counter, LSB then MSB by the read flip-flop.
  const low = io.read(0x40, 1);
  const high = io.read(0x40, 1);
  assert.equal(low | (high << 8), 0x4000 - 500);
});

test('PIT0007 read-back: status byte with OUT, NULL COUNT and the mode; status before count', () => {
  const { clock, io } = machine();
  io.write(0x61, 1, 0x01); // GATE 2 on
  io.write(0x43, 1, 0xb0); // counter 2, LSB/MSB, mode 0, binary
  io.write(0x43, 1, 0xe8); // read-back: status only, counter 2
  assert.equal(io.read(0x42, 1), 0x40 | 0x30, 'OUT low, NULL COUNT until a count is loaded');
  io.write(0x42, 1, 0x10);
  io.write(0x42, 1, 0x00);
  io.write(0x43, 1, 0xe8);
  assert.equal(io.read(0x42, 1), 0x70, 'written but not yet loaded: NULL COUNT still set');
  clock.advance(2000);
  io.write(0x43, 1, 0xc8); // status and count of counter 2
  assert.equal(io.read(0x42, 1), 0x30, 'loaded: NULL COUNT clear');
  const count = io.read(0x42, 1) | (io.read(0x42, 1) << 8);
  assert.equal(count, 0x10 - (pitTicksAt(2000) - 1));
  clock.advanceTo(pitTickTime(0x10 + 1));
  io.write(0x43, 1, 0xe8);
  assert.equal(io.read(0x42, 1), 0xb0, 'OUT high at terminal count');
  // SeaBIOS timer_read: PM_SEL_READBACK | PM_READ_VALUE | PM_READ_COUNTER0, then LSB and MSB.
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 0);
  io.write(0x40, 1, 0);
  const load = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(load + 1234));
  io.write(0x43, 1, 0xd2);
  clock.advance(5000);
  assert.equal(io.read(0x40, 1) | (io.read(0x40, 1) << 8), 65536 - 1234, 'latched, not live');
  // Read-back of several counters latches the status of each; a second status latch is ignored.
  io.write(0x43, 1, 0xee);
  clock.advanceTo(pitTickTime(load + 65535));
  io.write(0x43, 1, 0xe2);
  assert.equal(io.read(0x40, 1), 0xb4, 'counter 0: OUT high, LSB/MSB, mode 2 (latched before OUT dipped)');
  assert.equal(io.read(0x42, 1), 0xb0, 'counter 2: OUT high, LSB/MSB, mode 0');
  io.write(0x43, 1, 0xe2);
  assert.equal(io.read(0x40, 1), 0x34, 'a fresh latch sees OUT low at count 1');
});

test('PIT0008 port 0x61: SeaBIOS TSC calibration with counter 2 in mode 0, polling OUT2 (bit 5)', () => {
  const { clock, io, pit } = machine();
  clock.advanceTo(123_456);
  const orig = io.read(0x61, 1);
  assert.equal(orig & 0x23, 0, 'gate off, speaker off, OUT2 low after reset');
  io.write(0x61, 1, (orig & ~0x02) | 0x01);
  assert.equal(pit.gate(2), true);
  io.write(0x43, 1, 0xb0);
  io.write(0x42, 1, 0x00);
  io.write(0x42, 1, 0x08);
  const start = clock.now;
  let polls = 0;
  while ((io.read(0x61, 1) & 0x20) === 0) {
    clock.advance(100);
    polls++;
  }
  const took = clock.now - start;
  // 0x800 clocks plus the loading clock, at 838.1 ns each: about 1.718 ms.
  assert.ok(Math.abs(took - (0x801 * 1e9) / PIT_HZ) <= 900, `OUT2 rose after ${took} ns`);
  assert.ok(polls > 1000);
  io.write(0x61, 1, orig);
  assert.equal(io.read(0x61, 1) & 0x21, 0x20, 'gate off; OUT2 stays high in mode 0');
  // GATE low pauses mode 0: the count holds still.
  io.write(0x42, 1, 0x00);
  io.write(0x42, 1, 0x10);
  clock.advance(10_000);
  const held = pit.count(2);
  clock.advance(1_000_000);
  assert.equal(pit.count(2), held);
  io.write(0x61, 1, 0x01);
  const resumed = pitTicksAt(clock.now);
  clock.advanceTo(pitTickTime(resumed + 100));
  assert.equal(pit.count(2), held - 100);
  io.write(0x61, 1, 0x00);
  clock.advance(1_000_000);
  io.write(0x61, 1, 0x01);
  const again = pitTicksAt(clock.now);
  clock.advanceTo(pitTickTime(again + 50));
  assert.equal(pit.count(2), held - 150, 'a pause in the middle of the count resumes where it stopped');
  // Bits 1–3 read back; bit 4 follows the refresh request every 15.085 µs.
  io.write(0x61, 1, 0x0e);
  assert.equal(io.read(0x61, 1) & 0x0f, 0x0e);
  clock.advanceTo(Math.ceil(clock.now / 15085) * 15085 + 10);
  const before = io.read(0x61, 1) & 0x10;
  clock.advance(15085);
  assert.notEqual(io.read(0x61, 1) & 0x10, before);
  const speaker: [boolean, boolean][] = [];
  const port61 = machine();
  port61.port61.onSpeakerEnable = (gate, data) => speaker.push([gate, data]);
  port61.io.write(0x61, 1, 0x03);
  assert.deepEqual(speaker, [[true, true]]);
});

test('PIT0009 BCD counting: count 1000 written as 0x1000, read back as BCD digits', () => {
  const { clock, io, edges } = machine();
  io.write(0x43, 1, 0x35); // mode 2, BCD
  io.write(0x40, 1, 0x00);
  io.write(0x40, 1, 0x10);
  const load = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(load + 3 * 1000 + 1));
  assert.deepEqual(rising(edges).slice(1), [1, 2, 3].map((k) => pitTickTime(load + k * 1000)));
  clock.advanceTo(pitTickTime(load + 3 * 1000 + 11));
  assert.equal(latchedCount0(io), 0x0989);
  // Count 0 in BCD is 10000.
  io.write(0x43, 1, 0x31); // mode 0, BCD
  io.write(0x40, 1, 0);
  io.write(0x40, 1, 0);
  const zero = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(zero + 1));
  assert.equal(latchedCount0(io), 0x9999);
});

test('PIT0010 access modes: LSB only, MSB only; mode 0 first byte stops counting', () => {
  const { clock, io, pit } = machine();
  io.write(0x43, 1, 0x50); // counter 1, LSB only, mode 0
  io.write(0x41, 1, 0x80);
  clock.advance(1000);
  assert.equal(io.read(0x41, 1), 0x80 - (pitTicksAt(clock.now) - 1));
  io.write(0x43, 1, 0x60); // counter 1, MSB only, mode 0
  io.write(0x41, 1, 0x02);
  clock.advanceTo(pitTickTime(pitTicksAt(clock.now) + 257));
  assert.equal(io.read(0x41, 1), 0x01, '0x200 - 256 = 0x100, MSB only');
  // LSB/MSB in mode 0: after the LSB the counter holds.
  io.write(0x43, 1, 0x70);
  io.write(0x41, 1, 0x00);
  io.write(0x41, 1, 0x01);
  clock.advance(10_000);
  io.write(0x41, 1, 0x00);
  const held = pit.count(1);
  clock.advance(50_000);
  assert.equal(pit.count(1), held);
  assert.equal(pit.output(1), false);
});

test('PIT0011 gate-triggered modes 1 and 5, mode 4 strobe, mode 2 gate forces OUT high', () => {
  const { clock, io, pit } = machine();
  io.write(0x43, 1, 0xb2); // counter 2, mode 1
  io.write(0x42, 1, 100);
  io.write(0x42, 1, 0);
  assert.equal(pit.output(2), true);
  clock.advance(10_000);
  assert.equal(pit.output(2), true, 'no trigger yet');
  pit.setGate(2, true);
  const trigger = pitTicksAt(clock.now);
  clock.advanceTo(pitTickTime(trigger + 1));
  assert.equal(pit.output(2), false, 'one-shot: OUT low from the clock after the trigger');
  clock.advanceTo(pitTickTime(trigger + 50));
  pit.setGate(2, false);
  pit.setGate(2, true); // retrigger: another 100 clocks from here
  const retrigger = pitTicksAt(clock.now);
  clock.advanceTo(pitTickTime(retrigger + 100));
  assert.equal(pit.output(2), false);
  clock.advanceTo(pitTickTime(retrigger + 101));
  assert.equal(pit.output(2), true);
  // Mode 5: a strobe (one clock low) at count 0 after the trigger.
  pit.setGate(2, false);
  io.write(0x43, 1, 0xba);
  io.write(0x42, 1, 10);
  io.write(0x42, 1, 0);
  pit.setGate(2, true);
  const t5 = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(t5 + 9));
  assert.equal(pit.output(2), true);
  clock.advanceTo(pitTickTime(t5 + 10));
  assert.equal(pit.output(2), false);
  clock.advanceTo(pitTickTime(t5 + 11));
  assert.equal(pit.output(2), true);
  // Mode 4 on counter 0: one IRQ 0 rise after the strobe.
  const m = machine();
  m.io.write(0x43, 1, 0x38);
  m.io.write(0x40, 1, 20);
  m.io.write(0x40, 1, 0);
  const t4 = pitTicksAt(m.clock.now) + 1;
  m.clock.advance(1_000_000);
  assert.deepEqual(m.edges, [
    { at: 0, level: true },
    { at: pitTickTime(t4 + 20), level: false },
    { at: pitTickTime(t4 + 21), level: true },
  ]);
  // Mode 2 on counter 2 with GATE low: OUT high, counting stops; GATE high reloads.
  io.write(0x43, 1, 0xb4);
  io.write(0x42, 1, 50);
  io.write(0x42, 1, 0);
  pit.setGate(2, false);
  clock.advance(1_000_000);
  assert.equal(pit.output(2), true);
  pit.setGate(2, true);
  clock.advanceTo(pitTickTime(pitTicksAt(clock.now) + 1));
  assert.equal(pit.count(2), 50);
});

test('PIT0012 mode 2: a new count takes effect at the next reload; a control word stops the counter', () => {
  const { clock, io, edges } = machine();
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 100);
  io.write(0x40, 1, 0);
  const load = pitTicksAt(clock.now) + 1;
  clock.advanceTo(pitTickTime(load + 150));
  io.write(0x40, 1, 40);
  io.write(0x40, 1, 0);
  clock.advanceTo(pitTickTime(load + 300));
  assert.deepEqual(rising(edges).slice(1), [100, 200, 240, 280].map((k) => pitTickTime(load + k)));
  io.write(0x43, 1, 0x34);
  const count = edges.length;
  clock.advance(1_000_000);
  assert.equal(edges.length, count, 'no count written since the control word: counter 0 is idle');
});

test('PIT0013 saved state round trip: counting goes on at the same guest times', () => {
  const { clock, io, pit, port61, edges } = machine();
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 11932 & 0xff);
  io.write(0x40, 1, 11932 >> 8);
  io.write(0x61, 1, 0x01);
  io.write(0x43, 1, 0xb0);
  io.write(0x42, 1, 0x34);
  io.write(0x43, 1, 0x00); // latch counter 0 and leave it unread
  clock.advanceTo(25_000_000);
  const saved = JSON.parse(JSON.stringify({ pit: pit.saveState(), port61: port61.saveState() }));
  const copy = machine();
  copy.clock.advanceTo(clock.now);
  copy.pit.restoreState(saved.pit);
  copy.port61.restoreState(saved.port61);
  assert.deepEqual(copy.pit.saveState(), pit.saveState());
  assert.equal(copy.io.read(0x40, 1), io.read(0x40, 1), 'the latched LSB survived');
  assert.equal(copy.io.read(0x40, 1), io.read(0x40, 1));
  assert.equal(copy.pit.gate(2), true);
  copy.io.write(0x42, 1, 0x12);
  io.write(0x42, 1, 0x12);
  const restoredAt = clock.now;
  clock.advanceTo(60_000_000);
  copy.clock.advanceTo(60_000_000);
  const after = (edges: Edge[]): number[] => rising(edges).filter((at) => at > restoredAt);
  assert.equal(after(copy.edges).length, 3, '35 ms at 100 Hz');
  assert.deepEqual(after(copy.edges), after(edges));
  assert.equal(copy.pit.count(2), pit.count(2));
  assert.equal(copy.pit.output(2), pit.output(2));
  assert.throws(() => copy.pit.restoreState({ counters: [] }), /three counters/);
});

test('PIT0014 wired to the 8259 as on the PC: one IRQ 0 per period, each acknowledged and ended', () => {
  const clock = new MachineClock();
  const io = new IoPorts();
  const pic = new I8259();
  pic.attach(io);
  const pit = new I8254(clock, new IrqLine(pic, 0));
  pit.attach(io);
  for (const [port, value] of [[0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, 0x01], [0x21, 0xfe]]) io.write(port, 1, value);
  io.write(0x43, 1, 0x34);
  io.write(0x40, 1, 11932 & 0xff);
  io.write(0x40, 1, 11932 >> 8);
  const taken: number[] = [];
  // A CPU that takes each interrupt at once and ends it with a non-specific EOI.
  while (clock.now < 50_000_000) {
    clock.advanceTo(Math.min(50_000_000, clock.nextDeadline));
    if (pic.hasInterrupt()) {
      assert.equal(pic.acknowledge(), 0x08);
      taken.push(clock.now);
      io.write(0x20, 1, 0x20);
    }
  }
  assert.equal(taken.length, 1 + 4, 'the rise at the control word, then one per 10 ms');
  assert.ok(Math.abs(taken[4] - taken[3] - (11932 * 1e9) / PIT_HZ) <= 1, `${taken[4] - taken[3]} ns apart`);
});
