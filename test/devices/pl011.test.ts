// The PL011 UART: reset values and IDs as Linux's amba bus reads them, transmission in instant and
// timed modes, the receive FIFO and its trigger levels, the receive timeout, the transmit
// interrupt rule, the FIFO-disabled one-character mode, errors in UARTDR/UARTRSR, loopback and
// saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import {
  CR_LBE,
  CR_RXE,
  CR_TXE,
  CR_UARTEN,
  FR_BUSY,
  FR_RXFE,
  FR_RXFF,
  FR_TXFE,
  FR_TXFF,
  INT_BE,
  INT_FE,
  INT_OE,
  INT_RT,
  INT_RX,
  INT_TX,
  LCR_H_FEN,
  PL011_CR,
  PL011_DR,
  PL011_FBRD,
  PL011_FR,
  PL011_IBRD,
  PL011_ICR,
  PL011_IFLS,
  PL011_IMSC,
  PL011_LCR_H,
  PL011_MIS,
  PL011_RIS,
  PL011_RSR,
  Pl011,
  type Pl011Options,
} from '../../src/devices/pl011.js';

class LevelSink implements IrqSink {
  level = false;
  setIrq(_line: number, level: boolean): void {
    this.level = level;
  }
}

function makeUart(options: Pl011Options = {}) {
  const clock = new MachineClock();
  const sink = new LevelSink();
  const sent: { byte: number; at: number }[] = [];
  const uart = new Pl011(new IrqLine(sink, 33), clock, { backend: { transmit: (byte) => sent.push({ byte, at: clock.now }) }, ...options });
  const read = (offset: number) => uart.read(offset, 4);
  const write = (offset: number, value: number) => uart.write(offset, 4, value);
  return { clock, sink, sent, uart, read, write };
}

/** 115200 baud from 24 MHz: IBRD 13, FBRD 1 (U-Boot's and Linux's divisors). */
function program115200(write: (offset: number, value: number) => void, fifo: boolean): void {
  write(PL011_CR, 0);
  write(PL011_IBRD, 13);
  write(PL011_FBRD, 1);
  write(PL011_LCR_H, 0x60 | (fifo ? LCR_H_FEN : 0)); // 8N1
  write(PL011_CR, CR_UARTEN | CR_TXE | CR_RXE);
}

test('PL011001 reset values and the PrimeCell IDs through a little-endian MMIO mapping', () => {
  const { uart, read, sink } = makeUart();
  const memory = new PhysicalMemory('little');
  memory.addMmio('pl011', 0x09000000, 0x1000, uart, 'little');
  const ids = [0xfe0, 0xfe4, 0xfe8, 0xfec, 0xff0, 0xff4, 0xff8, 0xffc].map((offset) => memory.read32(0x09000000 + offset));
  assert.deepEqual(ids, [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
  assert.equal(read(PL011_FR), 0x90, 'empty FIFOs, modem inputs inactive: what U-Boot reads under QEMU');
  assert.equal(read(PL011_CR), 0x300, 'TXE and RXE set, UART disabled');
  assert.equal(read(PL011_IFLS), 0x12, 'trigger levels at half');
  assert.equal(read(PL011_LCR_H), 0);
  assert.equal(read(PL011_IMSC), 0);
  assert.equal(read(PL011_RIS), 0);
  assert.equal(sink.level, false);
  assert.equal(memory.read8(0x09000000 + 0xfe0), 0x11, 'byte reads work too');
});

test('PL011002 U-Boot style polled output: each byte reaches the backend at once in instant mode', () => {
  const { read, write, sent } = makeUart();
  program115200(write, true);
  for (const c of 'U-Boot\n') {
    while (read(PL011_FR) & FR_TXFF) {
      /* wait */
    }
    write(PL011_DR, c.charCodeAt(0));
  }
  assert.equal(String.fromCharCode(...sent.map((s) => s.byte)), 'U-Boot\n');
  assert.equal(read(PL011_FR) & (FR_TXFE | FR_BUSY), FR_TXFE);
});

test('PL011003 timed mode: one frame per byte, BUSY and TXFF while the FIFO holds 16 characters', () => {
  const { read, write, sent, clock, uart } = makeUart({ instant: false });
  program115200(write, true);
  const frame = uart.frameTime();
  assert.equal(frame, Math.round((10 * 16 * (13 + 1 / 64) * 1e9) / 24e6));
  for (let i = 0; i < 17; i++) write(PL011_DR, 0x40 + i);
  assert.equal(read(PL011_FR) & (FR_TXFF | FR_BUSY | FR_TXFE), FR_TXFF | FR_BUSY, 'one in the shift register, 16 in the FIFO');
  write(PL011_DR, 0x7e); // lost: the FIFO is full
  clock.advance(frame * 20);
  assert.deepEqual(sent.map((s) => s.byte), Array.from({ length: 17 }, (_, i) => 0x40 + i));
  assert.ok(sent.slice(1).every((s, i) => s.at - sent[i].at === frame));
  assert.equal(read(PL011_FR) & (FR_TXFE | FR_BUSY), FR_TXFE);
});

test('PL011004 the transmit interrupt comes as the FIFO drains through its level and is cleared by ICR or by filling above it', () => {
  const { read, write, clock, uart, sink } = makeUart({ instant: false });
  program115200(write, true);
  write(PL011_IMSC, INT_TX);
  assert.equal(sink.level, false, 'an empty FIFO alone does not interrupt (the PL011 quirk Linux works around)');
  for (let i = 0; i < 12; i++) write(PL011_DR, 0x41);
  assert.equal(read(PL011_RIS) & INT_TX, 0);
  clock.advance(uart.frameTime() * 3.5);
  assert.equal(read(PL011_RIS) & INT_TX, INT_TX, 'drained to 8 of 16 (IFLS TX level 1/2)');
  assert.equal(sink.level, true);
  assert.equal(read(PL011_MIS), INT_TX);
  for (let i = 0; i < 3; i++) write(PL011_DR, 0x42);
  assert.equal(read(PL011_RIS) & INT_TX, 0, 'filling above the level clears it');
  clock.advance(uart.frameTime() * 20);
  write(PL011_ICR, INT_TX);
  assert.equal(sink.level, false);
});

test('PL011005 receive: FIFO fills to 16 and holds the rest back; the RX interrupt at the trigger level; RXFF; reading drains', () => {
  const { read, write, uart, sink } = makeUart();
  program115200(write, true);
  write(PL011_IMSC, INT_RX);
  uart.receive(Uint8Array.from({ length: 7 }, (_, i) => 0x30 + i));
  assert.equal(sink.level, false, '7 characters are below the 1/2 level (8)');
  uart.receive(Uint8Array.of(0x37));
  assert.equal(sink.level, true);
  uart.receive(Uint8Array.from({ length: 12 }, (_, i) => 0x38 + i));
  assert.equal(read(PL011_FR) & FR_RXFF, FR_RXFF);
  assert.equal(uart.receiveBacklog, 4);
  const got: number[] = [];
  for (let i = 0; i < 9; i++) got.push(read(PL011_DR));
  assert.equal(sink.level, true, 'refilled from the backlog: still at or above the level');
  while (!(read(PL011_FR) & FR_RXFE)) got.push(read(PL011_DR));
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => 0x30 + i));
  assert.equal(sink.level, false);
  write(PL011_IFLS, 0 << 3); // RX level 1/8 = 2 characters
  uart.receive(Uint8Array.of(1));
  assert.equal(sink.level, false);
  uart.receive(Uint8Array.of(2));
  assert.equal(sink.level, true);
});

test('PL011006 the receive timeout: 32 bit periods after the last character while data waits below the level', () => {
  const { read, write, uart, sink, clock } = makeUart();
  program115200(write, true);
  write(PL011_IMSC, INT_RX | INT_RT);
  uart.receive(Uint8Array.of(0x61, 0x62));
  assert.equal(sink.level, false);
  clock.advance(31 * uart.bitTime());
  assert.equal(read(PL011_RIS) & INT_RT, 0);
  clock.advance(2 * uart.bitTime());
  assert.equal(read(PL011_RIS) & INT_RT, INT_RT);
  assert.equal(sink.level, true);
  read(PL011_DR);
  assert.equal(sink.level, true, 'still data in the FIFO');
  read(PL011_DR);
  assert.equal(sink.level, false, 'emptying the FIFO clears the timeout');
});

test('PL011007 FIFOs disabled: one-character holding registers; the RX interrupt on each character; FEN changes flush', () => {
  const { read, write, uart, sink } = makeUart();
  program115200(write, false);
  write(PL011_IMSC, INT_RX);
  uart.receive(Uint8Array.of(0x10, 0x11));
  assert.equal(read(PL011_FR) & (FR_RXFF | FR_RXFE), FR_RXFF);
  assert.equal(sink.level, true);
  assert.equal(read(PL011_DR), 0x10);
  assert.equal(read(PL011_DR), 0x11, 'the held-back byte followed');
  assert.equal(sink.level, false);
  uart.receive(Uint8Array.of(0x12));
  write(PL011_LCR_H, 0x70);
  assert.equal(read(PL011_FR) & FR_RXFE, FR_RXFE, 'turning the FIFOs on flushed the receive side');
});

test('PL011008 errors: UARTDR bits 8-11 and UARTRSR, the error interrupts, ECR clears RSR', () => {
  const { read, write, uart, sink } = makeUart();
  program115200(write, true);
  write(PL011_IMSC, INT_FE | INT_BE | INT_OE);
  uart.receiveWithError(0x55, 'framing');
  assert.equal(sink.level, true);
  assert.equal(read(PL011_DR), 0x155);
  assert.equal(read(PL011_RSR), 0x1);
  write(PL011_RSR, 0);
  assert.equal(read(PL011_RSR), 0);
  uart.receiveBreak();
  assert.equal(read(PL011_DR), 0x400);
  assert.equal(read(PL011_RIS) & (INT_FE | INT_BE), INT_FE | INT_BE);
  write(PL011_ICR, 0x7ff);
  assert.equal(sink.level, false);
});

test('PL011009 loopback: transmitted bytes come back to the receiver; host input waits; modem outputs loop to FR', () => {
  const { read, write, uart, sent, sink } = makeUart();
  uart.setModemLines({ cts: true, dsr: true, dcd: true, ri: false });
  assert.equal(read(PL011_FR) & 0x1ff & 0x7, 0x7, 'the host side asserts CTS, DSR and DCD');
  write(PL011_IMSC, 0x00f);
  assert.equal(read(PL011_RIS) & 0xf, 0xe, 'each change is a modem status interrupt');
  assert.equal(sink.level, true);
  write(PL011_ICR, 0xf);
  program115200(write, true);
  write(PL011_CR, CR_UARTEN | CR_TXE | CR_RXE | CR_LBE | 0x0800 /* RTS */);
  assert.equal(read(PL011_FR) & 0x1ff & 0x7, 0x1, 'RTS → CTS, DTR off → no DSR');
  uart.receive(Uint8Array.of(0x99));
  write(PL011_DR, 0x5a);
  assert.equal(sent.length, 0);
  assert.equal(read(PL011_DR), 0x5a);
  assert.equal(read(PL011_FR) & FR_RXFE, FR_RXFE);
  write(PL011_CR, CR_UARTEN | CR_TXE | CR_RXE);
  assert.equal(read(PL011_DR), 0x99, 'host input entered after loopback ended');
});

test('PL011010 honourEnable follows the TRM: nothing is sent while UARTEN is clear (the default sends, as QEMU)', () => {
  const strict = makeUart({ honourEnable: true });
  strict.write(PL011_DR, 0x41);
  assert.equal(strict.sent.length, 0);
  strict.write(PL011_CR, CR_UARTEN | CR_TXE | CR_RXE);
  strict.write(PL011_DR, 0x42);
  assert.deepEqual(strict.sent.map((s) => s.byte), [0x42]);
  const lenient = makeUart();
  lenient.write(PL011_DR, 0x43);
  assert.deepEqual(lenient.sent.map((s) => s.byte), [0x43]);
});

test('PL011011 saved state restores FIFOs, registers and timers so both copies continue alike', () => {
  const a = makeUart({ instant: false });
  program115200(a.write, true);
  a.write(PL011_IMSC, INT_RX | INT_RT | INT_TX);
  for (const byte of [1, 2, 3, 4]) a.write(PL011_DR, byte);
  a.uart.receive(Uint8Array.of(9, 8, 7));
  a.clock.advance(a.uart.frameTime() * 1.5);
  const saved = JSON.parse(JSON.stringify(a.uart.saveState()));
  const b = makeUart({ instant: false });
  b.clock.advanceTo(a.clock.now);
  b.uart.restoreState(saved);
  assert.deepEqual(b.uart.saveState(), a.uart.saveState());
  const before = a.sent.length;
  for (const side of [a, b]) side.clock.advance(a.uart.frameTime() * 10);
  assert.deepEqual(b.sent.map((s) => [s.byte, s.at]), a.sent.slice(before).map((s) => [s.byte, s.at]));
  assert.deepEqual([b.read(PL011_DR), b.read(PL011_DR), b.read(PL011_RIS)], [a.read(PL011_DR), a.read(PL011_DR), a.read(PL011_RIS)]);
  assert.throws(() => b.uart.restoreState({ ...saved, ibrd: 'x' }), /field ibrd/);
  a.uart.reset();
  assert.equal(a.read(PL011_FR) & (FR_TXFE | FR_RXFE), FR_TXFE | FR_RXFE);
});
