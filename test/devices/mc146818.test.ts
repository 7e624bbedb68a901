// The MC146818A RTC/CMOS: time in BCD and binary, 12/24 hours, UIP timing, SET, the divider,
// periodic/alarm/update interrupts on IRQ 8 and register C clearing, the NMI bit, CMOS RAM and
// its checksum, saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mc146818, UIP_LEAD_NS, UPDATE_CYCLE_NS, periodicClocks, type Mc146818Options } from '../../src/devices/mc146818.js';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';

/** Thursday 29 February 2024, 23:59:58 UTC: two seconds before a new day, month and weekday. */
const BASE = new Date(Date.UTC(2024, 1, 29, 23, 59, 58));

interface Rig {
  clock: MachineClock;
  io: IoPorts;
  rtc: Mc146818;
  irq: IrqLine;
  rises: number[];
}

function rig(options: Mc146818Options = { baseTime: BASE }, start = 0): Rig {
  const clock = new MachineClock();
  clock.advanceTo(start);
  const io = new IoPorts();
  const rises: number[] = [];
  const sink: IrqSink = { setIrq: (_line, level) => (level ? rises.push(clock.now) : undefined) };
  const irq = new IrqLine(sink, 8);
  const rtc = new Mc146818(clock, irq, options);
  rtc.attach(io);
  return { clock, io, rtc, irq, rises };
}

function cmos(io: IoPorts, index: number): number {
  io.write(0x70, 1, index);
  return io.read(0x71, 1);
}

function setCmos(io: IoPorts, index: number, value: number): void {
  io.write(0x70, 1, index);
  io.write(0x71, 1, value);
}

/** Seconds, minutes, hours, weekday, day, month, year, century. */
function timeRegisters(io: IoPorts): number[] {
  return [0, 2, 4, 6, 7, 8, 9, 0x32].map((index) => cmos(io, index));
}

test('RTC0001 the time in BCD, 24-hour, from the base date plus guest time, across a leap day', () => {
  const { clock, io } = rig();
  assert.deepEqual(timeRegisters(io), [0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
  clock.advanceTo(999_999_999);
  assert.equal(cmos(io, 0), 0x58);
  clock.advanceTo(1_000_000_000);
  assert.equal(cmos(io, 0), 0x59);
  clock.advanceTo(2_000_000_000);
  assert.deepEqual(timeRegisters(io), [0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20]);
  clock.advance(3600e9 * 13 + 61e9);
  assert.deepEqual(timeRegisters(io).slice(0, 3), [0x01, 0x01, 0x13]);
});

test('RTC0002 binary mode and 12-hour mode (bit 7 = PM), as register B says', () => {
  const { clock, io } = rig();
  setCmos(io, 0x0b, 0x06); // binary, 24-hour
  assert.deepEqual(timeRegisters(io), [58, 59, 23, 5, 29, 2, 24, 20]);
  setCmos(io, 0x0b, 0x04); // binary, 12-hour
  assert.equal(cmos(io, 4), 0x80 | 11);
  clock.advanceTo(2e9);
  assert.equal(cmos(io, 4), 12, '12 AM');
  setCmos(io, 0x0b, 0x00); // BCD, 12-hour
  assert.equal(cmos(io, 4), 0x12);
  clock.advance(13 * 3600e9);
  assert.equal(cmos(io, 4), 0x81, '1 PM');
  setCmos(io, 0x0b, 0x02);
  assert.equal(cmos(io, 4), 0x13);
});

test('RTC0003 UIP rises 244 µs before the update and falls when the new second shows', () => {
  const { clock, io } = rig();
  const uipFrom = 1e9 - UPDATE_CYCLE_NS - UIP_LEAD_NS;
  clock.advanceTo(uipFrom - 1);
  assert.equal(cmos(io, 0x0a), 0x26, 'UIP clear: at least 244 µs before anything changes');
  clock.advanceTo(uipFrom);
  assert.equal(cmos(io, 0x0a), 0xa6);
  assert.equal(cmos(io, 0), 0x58, 'the old second until the update ends');
  clock.advanceTo(1e9 - 1);
  assert.equal(cmos(io, 0x0a) & 0x80, 0x80);
  clock.advanceTo(1e9);
  assert.equal(cmos(io, 0x0a), 0x26);
  assert.equal(cmos(io, 0), 0x59);
  // The window repeats every second and is absent while SET stops updates.
  clock.advanceTo(1e9 + uipFrom + 1000);
  assert.equal(cmos(io, 0x0a) & 0x80, 0x80);
  setCmos(io, 0x0b, 0x82);
  assert.equal(cmos(io, 0x0a) & 0x80, 0);
});

test('RTC0004 periodic interrupt: 1024 Hz from rate 6, IRQ 8 held until register C is read, which clears it', () => {
  const { clock, io, irq, rises } = rig();
  setCmos(io, 0x0b, 0x42); // PIE, 24-hour
  clock.advanceTo(976_562);
  assert.equal(irq.high, false);
  clock.advanceTo(976_563); // 32 clocks of 32.768 kHz = 976.5625 µs
  assert.equal(irq.high, true);
  clock.advanceTo(5_000_000);
  assert.deepEqual(rises, [976_563], 'no further interrupt until register C is read');
  assert.equal(cmos(io, 0x0c), 0xc0, 'IRQF and PF');
  assert.equal(irq.high, false);
  assert.equal(cmos(io, 0x0c), 0x00, 'reading cleared every flag');
  // Serviced at once, every period gives one interrupt: 1024 in the first second.
  let serviced = 1;
  while (clock.now < 1e9) {
    clock.advanceTo(Math.min(1e9, clock.nextDeadline));
    if (irq.high) {
      assert.equal(cmos(io, 0x0c) & 0xc0, 0xc0);
      serviced++;
    }
  }
  assert.equal(serviced, 1024 - 4, 'the periods that passed while IRQF was held count once');
  // Rate 15 is 2 Hz; PF is set even with PIE off, without an interrupt.
  setCmos(io, 0x0a, 0x2f);
  setCmos(io, 0x0b, 0x02);
  cmos(io, 0x0c);
  clock.advance(500_000_000);
  assert.equal(irq.high, false);
  assert.equal(cmos(io, 0x0c), 0x40, 'PF without IRQF');
  // Table 4 with a 32.768 kHz time base: rates 1 and 2 repeat rates 8 and 9.
  assert.deepEqual([0, 1, 2, 3, 6, 15].map(periodicClocks), [0, 128, 256, 4, 32, 16384]);
});

test('RTC0005 update-ended and alarm interrupts; alarm bytes 0xC0–0xFF match anything', () => {
  const { clock, io, irq, rises } = rig();
  setCmos(io, 0x0a, 0x20); // no periodic rate, so PF stays out of the way
  setCmos(io, 0x0b, 0x12); // UIE
  clock.advanceTo(1e9);
  assert.deepEqual(rises, [1e9]);
  assert.equal(cmos(io, 0x0c), 0x90);
  setCmos(io, 0x01, 0x00); // alarm at 00:00:00
  setCmos(io, 0x03, 0x00);
  setCmos(io, 0x05, 0x00);
  setCmos(io, 0x0b, 0x22); // AIE only
  clock.advanceTo(2e9 - 1);
  assert.equal(irq.high, false);
  clock.advanceTo(2e9);
  assert.equal(irq.high, true);
  assert.equal(cmos(io, 0x0c), 0xb0, 'IRQF, AF, and UF (set at every update whatever UIE says)');
  clock.advanceTo(10e9);
  assert.equal(irq.high, false, 'the alarm matched once');
  setCmos(io, 0x01, 0xff);
  setCmos(io, 0x03, 0xc0);
  setCmos(io, 0x05, 0xc0);
  cmos(io, 0x0c);
  clock.advanceTo(11e9);
  assert.equal(cmos(io, 0x0c), 0xb0, 'don\'t-care alarm: every second');
  // An alarm found while catching up over a long quiet stretch (AIE off): AF is set.
  setCmos(io, 0x0b, 0x02);
  setCmos(io, 0x01, 0x30);
  setCmos(io, 0x03, 0x15);
  setCmos(io, 0x05, 0x07);
  cmos(io, 0x0c);
  clock.advance(86400e9 * 2);
  assert.equal(cmos(io, 0x0c), 0x30);
});

test('RTC0006 SET freezes the registers, accepts a new time, and clearing it starts the clock; SET clears UIE', () => {
  const { clock, io } = rig();
  clock.advanceTo(300_000_000);
  setCmos(io, 0x0b, 0x92); // SET with UIE: UIE is cleared
  assert.equal(cmos(io, 0x0b), 0x82);
  setCmos(io, 0, 0x30);
  setCmos(io, 2, 0x15);
  setCmos(io, 4, 0x10);
  setCmos(io, 7, 0x04);
  setCmos(io, 8, 0x07);
  setCmos(io, 9, 0x99);
  setCmos(io, 0x32, 0x19);
  clock.advance(5e9);
  assert.deepEqual(timeRegisters(io).slice(0, 3), [0x30, 0x15, 0x10], 'frozen while SET');
  setCmos(io, 0x0b, 0x02);
  assert.deepEqual(timeRegisters(io), [0x30, 0x15, 0x10, 0x01, 0x04, 0x07, 0x99, 0x19], 'Sunday 4 July 1999');
  // The divider kept its phase: the next second comes at the next whole second of guest time.
  clock.advanceTo(6e9 - 1);
  assert.equal(cmos(io, 0), 0x30);
  clock.advanceTo(6e9);
  assert.equal(cmos(io, 0), 0x31);
});

test('RTC0007 divider: 11x holds the chain in reset, time stands; the first update comes 500 ms after release', () => {
  const { clock, io, rises } = rig();
  setCmos(io, 0x0b, 0x52); // PIE and UIE
  setCmos(io, 0x0a, 0x76);
  clock.advance(5e9);
  assert.deepEqual(rises, [], 'no periodic or update interrupt in reset');
  assert.equal(cmos(io, 0), 0x58);
  setCmos(io, 0x0a, 0x2f); // release, 2 Hz periodic
  const released = clock.now;
  clock.advanceTo(released + 500_000_000 - 1);
  assert.equal(cmos(io, 0), 0x58);
  clock.advanceTo(released + 500_000_000);
  assert.equal(cmos(io, 0), 0x59);
  assert.deepEqual(rises, [released + 500_000_000]);
  assert.equal(cmos(io, 0x0c), 0xd0, 'PF and UF together: the divider restarted half way through a second');
});

test('RTC0008 port 0x70 bit 7 masks NMI and is remembered; CMOS RAM through the ports and setByte/getByte', () => {
  const { io, rtc } = rig();
  assert.equal(rtc.nmiDisabled, false);
  io.write(0x70, 1, 0x8f);
  assert.equal(rtc.nmiDisabled, true);
  io.write(0x71, 1, 0x55);
  assert.equal(rtc.getByte(0x0f), 0x55);
  assert.equal(io.read(0x71, 1), 0x55);
  assert.equal(rtc.nmiDisabled, true, 'accessing data keeps the NMI mask');
  io.write(0x70, 1, 0x0f);
  assert.equal(rtc.nmiDisabled, false);
  assert.equal(io.read(0x70, 1), 0xff, 'the index port is write-only');
  // What SeaBIOS reads without fw_cfg: memory above 1 MiB and 16 MiB, boot order, equipment.
  rtc.setByte(0x30, 0x00);
  rtc.setByte(0x31, 0x3c);
  rtc.setByte(0x34, 0x00);
  rtc.setByte(0x35, 0x07);
  rtc.setByte(0x3d, 0x21);
  rtc.setByte(0x14, 0x06);
  assert.deepEqual([cmos(io, 0x31), cmos(io, 0x35), cmos(io, 0x3d), cmos(io, 0x14)], [0x3c, 0x07, 0x21, 0x06]);
  assert.throws(() => rtc.setByte(0x05, 1), /0x5 is not RAM/);
  assert.throws(() => rtc.getByte(0x80), RangeError);
  for (let i = 0x10; i <= 0x2d; i++) rtc.setByte(i, i);
  rtc.updateChecksum();
  const sum = ((0x10 + 0x2d) * 30) / 2;
  assert.deepEqual([rtc.getByte(0x2e), rtc.getByte(0x2f)], [sum >> 8, sum & 0xff]);
});

test('RTC0009 SeaBIOS rtc_setup: A = 0x26, B without DSE and 24-hour, C and D read; D shows VRT; C and D ignore writes', () => {
  const { io } = rig();
  setCmos(io, 0x0a, 0x26);
  setCmos(io, 0x0b, (cmos(io, 0x0b) & ~0x01) | 0x02);
  assert.equal(cmos(io, 0x0c), 0x00);
  assert.equal(cmos(io, 0x0d), 0x80);
  setCmos(io, 0x0d, 0x00);
  setCmos(io, 0x0c, 0xff);
  assert.equal(cmos(io, 0x0d), 0x80);
  assert.equal(cmos(io, 0x0c), 0x00);
  assert.equal(cmos(io, 0x0b), 0x02);
});

test('RTC0010 a time register written while the clock runs takes effect at once and keeps counting', () => {
  const { clock, io } = rig();
  clock.advanceTo(400_000_000);
  setCmos(io, 2, 0x30);
  assert.deepEqual(timeRegisters(io).slice(0, 3), [0x58, 0x30, 0x23]);
  clock.advanceTo(1e9);
  assert.equal(cmos(io, 0), 0x59);
  const host = rig({});
  const bcdYear = cmos(host.io, 9);
  const year = 2000 + (bcdYear >> 4) * 10 + (bcdYear & 15);
  assert.ok(Math.abs(year - new Date().getUTCFullYear()) <= 1, `the default base is the host's time (year ${year})`);
});

test('RTC0011 reset (the RESET pin) clears the interrupt enables and flags, keeps time and RAM', () => {
  const { clock, io, rtc, irq } = rig();
  rtc.setByte(0x40, 0x99);
  setCmos(io, 0x0b, 0x72);
  clock.advanceTo(1e9);
  assert.equal(irq.high, true);
  rtc.reset();
  assert.equal(irq.high, false);
  assert.equal(cmos(io, 0x0b), 0x02);
  assert.equal(cmos(io, 0x0c), 0x00);
  assert.equal(rtc.getByte(0x40), 0x99);
  assert.equal(cmos(io, 0), 0x59);
});

test('RTC0012 saved state round trip: time, RAM, flags, NMI bit and the periodic interrupt go on', () => {
  const { clock, io, rtc, irq } = rig();
  rtc.setByte(0x50, 0xab);
  setCmos(io, 0x0a, 0x2a); // 64 Hz
  setCmos(io, 0x0b, 0x46); // PIE, binary, 24-hour
  clock.advanceTo(123_456_789);
  assert.equal(irq.high, true);
  io.write(0x70, 1, 0x80 | 0x0c);
  const saved = JSON.parse(JSON.stringify(rtc.saveState()));
  const copy = rig({ baseTime: new Date(0) }, clock.now);
  copy.rtc.restoreState(saved);
  assert.equal(copy.irq.high, true);
  assert.equal(copy.rtc.nmiDisabled, true);
  assert.equal(copy.io.read(0x71, 1), 0xc0, 'index 0x0c kept; IRQF and PF');
  assert.equal(io.read(0x71, 1), 0xc0);
  assert.deepEqual(timeRegisters(copy.io), timeRegisters(io));
  assert.equal(copy.rtc.getByte(0x50), 0xab);
  clock.advance(20_000_000);
  copy.clock.advance(20_000_000);
  assert.equal(copy.irq.high, true);
  assert.deepEqual(copy.rtc.saveState(), rtc.saveState());
  assert.throws(() => copy.rtc.restoreState({ ...saved, regA: 'x' }), /regA/);
  assert.throws(() => copy.rtc.restoreState({ ...saved, cmos: '00' }), /bytes/);
});

test('RTC0013 an interrupt handler that reads register C from inside the IRQ 8 edge gets every period', () => {
  const clock = new MachineClock();
  const io = new IoPorts();
  let handled = 0;
  const sink: IrqSink = {
    setIrq: (_line, level) => {
      if (!level) return;
      handled++;
      assert.equal(cmos(io, 0x0c), 0xc0);
    },
  };
  const rtc = new Mc146818(clock, new IrqLine(sink, 8), { baseTime: BASE });
  rtc.attach(io);
  setCmos(io, 0x0b, 0x42);
  clock.advanceTo(100_000_000);
  assert.equal(handled, 102, '1024 Hz for 100 ms');
});
