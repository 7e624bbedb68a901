// The PL031 real time clock: seconds since 1970 from the base time plus guest time, the load and
// match registers, the match interrupt through the clock's timers, the TRM's stopped-at-reset mode
// and saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { PL031_CR, PL031_DR, PL031_ICR, PL031_IMSC, PL031_LR, PL031_MIS, PL031_MR, PL031_RIS, Pl031, type Pl031Options } from '../../src/devices/pl031.js';

const SECOND = 1_000_000_000;
/** 2026-11-27 04:00:00 UTC. */
const BASE = Date.UTC(2026, 10, 27, 4, 0, 0) / 1000;

class LevelSink implements IrqSink {
  level = false;
  setIrq(_line: number, level: boolean): void {
    this.level = level;
  }
}

function makeRtc(options: Pl031Options = {}) {
  const clock = new MachineClock();
  const sink = new LevelSink();
  const rtc = new Pl031(new IrqLine(sink, 34), clock, { baseSeconds: BASE, ...options });
  const read = (offset: number) => rtc.read(offset, 4);
  const write = (offset: number, value: number) => rtc.write(offset, 4, value);
  return { clock, sink, rtc, read, write };
}

test('PL031001 DR counts seconds since 1970 from the base time in guest time; CR reads 1; the PrimeCell IDs', () => {
  const { read, clock } = makeRtc();
  assert.equal(read(PL031_DR), BASE);
  assert.equal(read(PL031_CR), 1);
  clock.advance(0.999 * SECOND);
  assert.equal(read(PL031_DR), BASE);
  clock.advance(0.002 * SECOND);
  assert.equal(read(PL031_DR), BASE + 1);
  clock.advance(3600 * SECOND);
  assert.equal(read(PL031_DR), BASE + 3601);
  assert.deepEqual([0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map(read), [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  assert.deepEqual([read(PL031_MR), read(PL031_LR), read(PL031_IMSC), read(PL031_RIS)], [0, 0, 0, 0]);
});

test('PL031002 LR sets the counter, which counts on from it; LR reads back the value written; DR is read-only', () => {
  const { read, write, clock } = makeRtc();
  clock.advance(0.5 * SECOND);
  write(PL031_LR, 1000);
  assert.equal(read(PL031_DR), 1000);
  assert.equal(read(PL031_LR), 1000);
  clock.advance(0.999 * SECOND);
  assert.equal(read(PL031_DR), 1000);
  clock.advance(0.001 * SECOND);
  assert.equal(read(PL031_DR), 1001, 'a whole second after the load');
  write(PL031_DR, 5);
  assert.equal(read(PL031_DR), 1001);
});

test('PL031003 the match interrupt: RIS when DR reaches MR, MIS and the line through IMSC, ICR clears', () => {
  const { read, write, clock, sink } = makeRtc();
  write(PL031_MR, BASE + 10);
  write(PL031_IMSC, 1);
  clock.advance(9.9 * SECOND);
  assert.equal(read(PL031_RIS), 0);
  clock.advance(0.1 * SECOND);
  assert.equal(read(PL031_DR), BASE + 10);
  assert.equal(read(PL031_RIS), 1);
  assert.equal(read(PL031_MIS), 1);
  assert.equal(sink.level, true);
  write(PL031_IMSC, 0);
  assert.equal(sink.level, false, 'masked');
  assert.equal(read(PL031_RIS), 1, 'still raw');
  write(PL031_ICR, 1);
  assert.equal(read(PL031_RIS), 0);
  write(PL031_MR, read(PL031_DR));
  assert.equal(read(PL031_RIS), 1, 'a match value equal to the counter matches at once');
});

test('PL031004 a load moves the pending match; a match in the past waits for the counter to wrap', () => {
  const { read, write, clock } = makeRtc();
  write(PL031_MR, 500);
  write(PL031_LR, 495);
  clock.advance(4.5 * SECOND);
  assert.equal(read(PL031_RIS), 0);
  clock.advance(0.5 * SECOND);
  assert.equal(read(PL031_RIS), 1);
  write(PL031_ICR, 1);
  write(PL031_MR, 100);
  clock.advance(1000 * SECOND);
  assert.equal(read(PL031_RIS), 0);
});

test('PL031005 startStopped: the TRM reset state, counter held until CR bit 0, and then CR cannot stop it', () => {
  const { read, write, clock } = makeRtc({ startStopped: true });
  assert.equal(read(PL031_CR), 0);
  clock.advance(5 * SECOND);
  assert.equal(read(PL031_DR), BASE);
  write(PL031_CR, 1);
  clock.advance(2 * SECOND);
  assert.equal(read(PL031_DR), BASE + 2);
  write(PL031_CR, 0);
  assert.equal(read(PL031_CR), 1);
  clock.advance(SECOND);
  assert.equal(read(PL031_DR), BASE + 3);
});

test('PL031006 saved state: the counter, match and interrupt state carry over', () => {
  const a = makeRtc();
  a.write(PL031_LR, 7000);
  a.write(PL031_MR, 7005);
  a.write(PL031_IMSC, 1);
  a.clock.advance(2.25 * SECOND);
  const saved = JSON.parse(JSON.stringify(a.rtc.saveState()));
  const b = makeRtc({ baseSeconds: 1 });
  b.clock.advanceTo(a.clock.now);
  b.rtc.restoreState(saved);
  assert.equal(b.read(PL031_DR), 7002);
  for (const side of [a, b]) side.clock.advance(2.75 * SECOND);
  assert.deepEqual([b.read(PL031_DR), b.read(PL031_RIS), b.sink.level], [7005, 1, true]);
  assert.deepEqual([a.read(PL031_DR), a.read(PL031_RIS), a.sink.level], [7005, 1, true]);
  assert.throws(() => b.rtc.restoreState({ ...saved, mr: null }), /field mr/);
});
