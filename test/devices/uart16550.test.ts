// The 16550A UART: the init and probe sequences SeaBIOS and Linux's 8250 driver use, the FIFOs and
// their interrupts, the interrupt priorities and clearing rules, baud timing in guest time, the
// modem lines, back-pressure from the host side and saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { PC_SERIAL_PORTS, Uart16550, type Uart16550Options } from '../../src/devices/uart16550.js';

const BASE = 0x3f8;
const RBR = BASE, THR = BASE, DLL = BASE, IER = BASE + 1, DLM = BASE + 1, IIR = BASE + 2, FCR = BASE + 2;
const LCR = BASE + 3, MCR = BASE + 4, LSR = BASE + 5, MSR = BASE + 6, SCR = BASE + 7;

class LevelSink implements IrqSink {
  level = false;
  edges = 0;
  setIrq(_line: number, level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}

/** A UART at COM1; unless `powerOn`, programmed to 8N1 (LCR 03) at the reset divisor 12 (9600 baud). */
function makeUart(options: Uart16550Options = {}, powerOn = false) {
  const clock = new MachineClock();
  const io = new IoPorts();
  const sink = new LevelSink();
  const sent: { byte: number; at: number }[] = [];
  const uart = new Uart16550(BASE, new IrqLine(sink, 4), clock, {
    name: 'COM1',
    backend: { transmit: (byte) => sent.push({ byte, at: clock.now }) },
    ...options,
  });
  uart.attach(io);
  const out = (port: number, value: number) => io.write(port, 1, value);
  const inb = (port: number) => io.read(port, 1);
  if (!powerOn) out(LCR, 0x03);
  return { clock, io, sink, sent, uart, out, inb };
}

/** 8N1 at `divisor`: ten bit times of divisor × 16 cycles of 1.8432 MHz. */
const frameNs = (divisor: number) => Math.round((10 * divisor * 16 * 1e9) / 1_843_200);

test('UART0001 power-on registers: IIR 01, LSR 60, scratch register holds a value', () => {
  const { inb, out, io, sink } = makeUart({}, true);
  assert.equal(io.owner(0x3f8), 'COM1');
  assert.equal(io.owner(0x3ff), 'COM1');
  assert.equal(io.owner(0x400), null);
  assert.equal(inb(IIR), 0x01);
  assert.equal(inb(LSR), 0x60);
  assert.equal(inb(IER), 0);
  assert.equal(inb(LCR), 0);
  assert.equal(inb(MCR), 0);
  out(SCR, 0x5a);
  assert.equal(inb(SCR), 0x5a);
  assert.equal(sink.level, false);
  assert.deepEqual(PC_SERIAL_PORTS.map((port) => [port.base, port.irq]), [[0x3f8, 4], [0x2f8, 3]]);
});

test('UART0002 Linux 8250 autoconfig: IER probe, loopback MSR test, 16550A FIFO signature, no EFR, MCR bits 5-7 read 0', () => {
  const { inb, out } = makeUart();
  out(IER, 0);
  assert.equal(inb(IER), 0);
  out(IER, 0x0f);
  assert.equal(inb(IER), 0x0f);
  out(IER, 0xff);
  assert.equal(inb(IER), 0x0f, 'IER bits 4-7 are always 0');
  out(IER, 0);
  // Loopback with RTS and OUT2: CTS and DCD come back, DSR and RI do not.
  out(MCR, 0x10 | 0x0a);
  assert.equal(inb(MSR) & 0xf0, 0x90);
  out(MCR, 0x10 | 0x05);
  assert.equal(inb(MSR) & 0xf0, 0x60, 'DTR→DSR, OUT1→RI');
  out(MCR, 0x00);
  // FCR enable: IIR bits 7:6 = 11 marks a 16550A.
  out(FCR, 0x01);
  assert.equal(inb(IIR) >> 6, 3);
  // LCR 0xBF exposes EFR on a 16650; on a 16550A offset 2 is still IIR (nonzero).
  out(LCR, 0xbf);
  assert.notEqual(inb(IIR), 0);
  out(LCR, 0x03);
  out(MCR, 0xff);
  assert.equal(inb(MCR), 0x1f);
  out(FCR, 0x00);
  assert.equal(inb(IIR), 0x01, 'FIFOs off: IIR bits 7:6 are 0 again');
});

test('UART0003 DLAB overlays the divisor latch on RBR/THR and IER; SeaBIOS 115200 8N1 init', () => {
  const { inb, out, uart, sent } = makeUart({ instant: true });
  out(LCR, 0x80);
  out(DLL, 0x01);
  out(DLM, 0x00);
  assert.equal(inb(DLL), 0x01);
  assert.equal(inb(DLM), 0x00);
  out(DLM, 0x12);
  assert.equal(uart.divisor, 0x1201);
  out(DLM, 0x00);
  out(LCR, 0x03);
  assert.equal(inb(LCR), 0x03);
  assert.equal(inb(IER), 0, 'IER was not touched by the DLM writes');
  out(THR, 0x41);
  assert.deepEqual(sent.map((s) => s.byte), [0x41], 'a write with DLAB clear is THR, not DLL');
  assert.equal(uart.divisor, 1);
  assert.ok(Math.abs(uart.bitTime() - 8680.555) < 0.01);
  assert.ok(Math.abs(uart.frameTime() - frameNs(1)) < 1e-6);
});

test('UART0004 a byte leaves the shift register after 10 bit times of guest time; TEMT follows', () => {
  const { inb, out, clock, sent } = makeUart();
  out(LCR, 0x80);
  out(DLL, 12); // 9600 baud
  out(DLM, 0);
  out(LCR, 0x03);
  out(FCR, 0x07);
  for (const byte of [0x48, 0x69, 0x21]) out(THR, byte);
  assert.equal(inb(LSR) & 0x60, 0x00, 'THRE and TEMT clear while bytes wait in the FIFO');
  const frame = frameNs(12);
  clock.advance(frame - 1);
  assert.equal(sent.length, 0);
  clock.advance(1);
  assert.deepEqual(sent.map((s) => s.byte), [0x48]);
  clock.advance(frame);
  assert.equal(inb(LSR) & 0x60, 0x20, 'FIFO empty (THRE) while the last byte is still shifting out');
  clock.advance(frame);
  assert.equal(inb(LSR) & 0x60, 0x60);
  assert.deepEqual(sent.map((s) => s.byte), [0x48, 0x69, 0x21]);
  assert.deepEqual(sent.map((s) => Math.round(s.at)), [1, 2, 3].map((n) => Math.round(n * frame)));
  // 7 data bits, parity, 2 stop bits: 1 + 7 + 1 + 2 = 11 bit times, data masked to 7 bits.
  out(LCR, 0x0e);
  out(THR, 0xff);
  const frame11 = Math.round((11 * 12 * 16 * 1e9) / 1_843_200);
  clock.advance(frame11 - 1);
  assert.equal(sent.length, 3);
  clock.advance(1);
  assert.equal(sent[3].byte, 0x7f);
});

test('UART0005 THRE interrupt: raised on enabling ETBEI, cleared by reading IIR or writing THR, raised again when THR empties', () => {
  const { inb, out, sink, clock } = makeUart();
  out(MCR, 0x08); // OUT2
  out(IER, 0x02);
  assert.equal(sink.level, true, 'enabling ETBEI with THR empty interrupts at once');
  assert.equal(inb(IIR), 0x02);
  assert.equal(sink.level, false, 'reading IIR with THRE as the source clears it');
  assert.equal(inb(IIR), 0x01);
  // Linux's UART_BUG_TXEN probe: IER off and on again re-raises THRE.
  out(IER, 0x00);
  out(IER, 0x02);
  assert.equal(inb(IIR), 0x02);
  // Writing THR clears the interrupt; with no FIFO the byte moves to the shift register at once,
  // so THR is empty again and THRE is pending again.
  out(FCR, 0x01);
  out(THR, 1);
  out(THR, 2);
  assert.equal(sink.level, false, 'THR write cleared THRE and the FIFO is not empty');
  assert.equal(inb(IIR), 0xc1);
  clock.advance(frameNs(12));
  assert.equal(sink.level, true, 'the FIFO emptied into the shift register');
  assert.equal(inb(IIR), 0xc2);
  out(THR, 3);
  assert.equal(inb(IIR) & 0x0f, 0x01, 'writing THR cleared THRE');
});

test('UART0006 OUT2 gates the IRQ line as on a PC; loopback disconnects it', () => {
  const { out, sink, inb } = makeUart();
  out(IER, 0x02);
  assert.equal(sink.level, false, 'interrupt pending but OUT2 clear');
  assert.equal(inb(IIR) & 0x0f, 0x02);
  out(IER, 0);
  out(IER, 0x02);
  out(MCR, 0x08);
  assert.equal(sink.level, true);
  out(MCR, 0x18);
  assert.equal(sink.level, false, 'in loopback the OUT2 pin is forced inactive');
  assert.equal(inb(IIR) & 0x0f, 0x02, 'the interrupt is still identified');
  const ungated = makeUart({ out2GatesIrq: false });
  ungated.out(IER, 0x02);
  assert.equal(ungated.sink.level, true, 'without PC wiring the pin drives the line directly');
});

test('UART0007 interrupt priority: line status > received data > THR empty > modem status', () => {
  const { inb, out } = makeUart({ instant: true });
  out(IER, 0x0f);
  // Loopback with RTS only: the inputs switch from the host's CTS/DSR/DCD to CTS alone → DDSR, DDCD.
  out(MCR, 0x10 | 0x02);
  assert.equal(inb(IIR), 0x02, 'THRE outranks modem status');
  assert.equal(inb(IIR), 0x00, 'then modem status');
  out(THR, 0x11);
  out(THR, 0x22); // no FIFO: overwrites the unread 0x11 and sets OE
  assert.equal(inb(IIR), 0x06);
  assert.equal(inb(LSR) & 0x03, 0x03, 'DR and OE');
  assert.equal(inb(IIR), 0x04);
  assert.equal(inb(RBR), 0x22);
  assert.equal(inb(IIR), 0x02);
  assert.equal(inb(IIR), 0x00);
  assert.equal(inb(MSR), 0x10 | 0x02 | 0x08, 'CTS, DDSR, DDCD');
  assert.equal(inb(IIR), 0x01);
  assert.equal(inb(MSR) & 0x0f, 0, 'reading MSR cleared the deltas');
});

test('UART0008 FIFO trigger level 14: no interrupt at 13 bytes, received-data interrupt at 14, bytes arrive at line rate', () => {
  const { inb, out, sink, clock, uart } = makeUart();
  out(FCR, 0xc7);
  out(IER, 0x01);
  out(MCR, 0x08);
  uart.receive(Uint8Array.from({ length: 20 }, (_, i) => 0x30 + i));
  const frame = frameNs(12);
  clock.advance(frame - 1);
  assert.equal(inb(LSR) & 0x01, 0, 'the first byte is still on the line');
  clock.advance(13 * frame - (frame - 1));
  assert.equal(inb(LSR) & 0x01, 1);
  assert.equal(inb(IIR), 0xc1);
  assert.equal(sink.level, false);
  clock.advance(frame);
  assert.equal(sink.level, true);
  assert.equal(inb(IIR), 0xc4);
  clock.advance(10 * frame);
  assert.equal(uart.receiveBacklog, 4, 'the FIFO holds 16, the rest wait on the host side');
  const got: number[] = [];
  while (inb(LSR) & 1) got.push(inb(RBR));
  assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => 0x30 + i));
  assert.equal(inb(LSR) & 0x02, 0, 'back-pressure: no overrun');
  assert.equal(sink.level, false);
  clock.advance(4 * frame);
  while (inb(LSR) & 1) got.push(inb(RBR));
  assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => 0x30 + i));
});

test('UART0009 character timeout: IIR 0C after four character times below the trigger level, cleared by reading RBR', () => {
  const { inb, out, sink, clock, uart } = makeUart();
  out(FCR, 0x81); // trigger 8
  out(IER, 0x01);
  out(MCR, 0x08);
  uart.receive(Uint8Array.of(1, 2, 3));
  const frame = frameNs(12);
  clock.advance(3 * frame);
  assert.equal(inb(IIR), 0xc1);
  clock.advance(4 * frame - 1);
  assert.equal(sink.level, false);
  clock.advance(1);
  assert.equal(sink.level, true);
  assert.equal(inb(IIR), 0xcc);
  assert.equal(inb(RBR), 1);
  assert.equal(inb(IIR), 0xc1, 'reading a character cleared the timeout');
  clock.advance(4 * frame);
  assert.equal(inb(IIR), 0xcc, 'the timer restarted on the read');
  assert.equal(inb(RBR), 2);
  assert.equal(inb(RBR), 3);
  clock.advance(10 * frame);
  assert.equal(inb(IIR), 0xc1, 'no timeout with an empty FIFO');
});

test('UART0010 loopback through the FIFOs: written bytes come back to RBR, none reach the backend', () => {
  const { inb, out, clock, sent } = makeUart();
  out(LCR, 0x80);
  out(DLL, 1);
  out(LCR, 0x03);
  out(FCR, 0x47); // trigger 4
  out(IER, 0x01);
  out(MCR, 0x10);
  for (const byte of [0xde, 0xad, 0xbe, 0xef]) out(THR, byte);
  clock.advance(3 * frameNs(1));
  assert.equal(inb(IIR), 0xc1, 'three bytes are below the trigger level');
  clock.advance(frameNs(1));
  assert.equal(inb(IIR), 0xc4);
  assert.deepEqual([inb(RBR), inb(RBR), inb(RBR), inb(RBR)], [0xde, 0xad, 0xbe, 0xef]);
  assert.equal(sent.length, 0);
  out(MCR, 0x00);
  out(THR, 0x55);
  clock.advance(frameNs(1));
  assert.deepEqual(sent.map((s) => s.byte), [0x55]);
  assert.equal(inb(LSR) & 1, 0);
});

test('UART0011 back-pressure in instant mode: the FIFO fills at once and the rest is fed as the guest reads', () => {
  const { inb, out, uart } = makeUart({ instant: true });
  out(FCR, 0x01);
  const text = Uint8Array.from({ length: 40 }, (_, i) => (i * 7) & 0xff);
  uart.receive(text);
  assert.equal(uart.receiveBacklog, 24);
  const got: number[] = [];
  while (inb(LSR) & 1) got.push(inb(RBR));
  assert.deepEqual(got, [...text]);
  assert.equal(uart.receiveBacklog, 0);
  // Without FIFOs the holding register takes one byte at a time, still without overrun.
  out(FCR, 0x00);
  uart.receive(Uint8Array.of(9, 8, 7));
  assert.equal(uart.receiveBacklog, 2);
  assert.deepEqual([inb(RBR), inb(RBR), inb(RBR)], [9, 8, 7]);
  assert.equal(inb(LSR) & 0x03, 0);
});

test('UART0012 overrun: a 17th byte into a full FIFO is lost and sets OE until LSR is read', () => {
  const { inb, out } = makeUart({ instant: true });
  out(FCR, 0x01);
  out(MCR, 0x10);
  for (let i = 0; i < 17; i++) out(THR, i);
  assert.equal(inb(LSR) & 0x03, 0x03);
  assert.equal(inb(LSR) & 0x03, 0x01, 'reading LSR cleared OE');
  const got: number[] = [];
  while (inb(LSR) & 1) got.push(inb(RBR));
  assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => i));
});

test('UART0013 parity, framing and break are reported when their character reaches the top of the FIFO', () => {
  const { inb, out, uart } = makeUart({ instant: true });
  out(FCR, 0x01);
  out(IER, 0x05);
  uart.receive(Uint8Array.of(0x41));
  uart.receiveWithError(0x42, 'parity');
  uart.receiveBreak();
  assert.equal(inb(IIR), 0xc4, 'the erroneous character is not on top yet');
  assert.equal(inb(LSR), 0x61 | 0x80, 'DR, THRE, TEMT and "error in FIFO"');
  assert.equal(inb(RBR), 0x41);
  assert.equal(inb(IIR), 0xc6, 'line status outranks received data');
  assert.equal(inb(LSR), 0x61 | 0x04 | 0x80, 'PE, and the break still waits in the FIFO');
  assert.equal(inb(IIR), 0xc4);
  assert.equal(inb(RBR), 0x42);
  assert.equal(inb(LSR), 0x61 | 0x10 | 0x08 | 0x80, 'break: BI with FE');
  assert.equal(inb(RBR), 0x00);
  assert.equal(inb(LSR), 0x60);
  assert.equal(inb(IIR), 0xc1);
});

test('UART0014 modem status from the host: delta bits, trailing-edge RI, interrupt cleared by reading MSR', () => {
  const { inb, out, uart, sink } = makeUart();
  assert.equal(inb(MSR), 0xb0, 'a connected terminal: DCD, DSR, CTS');
  out(MCR, 0x08);
  out(IER, 0x08);
  uart.setModemLines({ cts: false, dsr: true, ri: true, dcd: true });
  assert.equal(sink.level, true);
  assert.equal(inb(IIR), 0x00);
  assert.equal(inb(MSR), 0x60 | 0x80 | 0x01, 'DCTS; RI rising sets no delta');
  assert.equal(sink.level, false);
  uart.setModemLines({ cts: false, dsr: true, ri: false, dcd: false });
  assert.equal(inb(MSR), 0x20 | 0x04 | 0x08, 'TERI on RI falling, DDCD');
  assert.equal(inb(MSR), 0x20);
});

test('UART0015 instant mode: bytes leave at once without guest time passing', () => {
  const { inb, out, clock, sent } = makeUart({ instant: true });
  out(FCR, 0x07);
  for (const byte of [...'hello'].map((c) => c.charCodeAt(0))) out(THR, byte);
  assert.equal(String.fromCharCode(...sent.map((s) => s.byte)), 'hello');
  assert.equal(clock.now, 0);
  assert.equal(inb(LSR) & 0x60, 0x60);
});

test('UART0016 FCR: the clear bits empty the FIFOs, toggling FIFO enable empties both, clearing TX raises THRE', () => {
  const { inb, out, clock, sent, uart } = makeUart();
  out(FCR, 0x01);
  out(MCR, 0x08);
  out(IER, 0x02);
  inb(IIR);
  uart.receive(Uint8Array.of(1, 2));
  clock.advance(2 * frameNs(12));
  for (let i = 0; i < 5; i++) out(THR, i);
  assert.equal(inb(IIR), 0xc1);
  out(FCR, 0x05); // clear TX
  assert.equal(inb(IIR), 0xc2, 'the emptied TX FIFO raised THRE');
  assert.equal(inb(LSR) & 0x21, 0x21, 'RX untouched');
  out(FCR, 0x03); // clear RX
  assert.equal(inb(LSR) & 0x01, 0);
  clock.advance(10 * frameNs(12));
  assert.deepEqual(sent.map((s) => s.byte), [0], 'the byte already in the shift register went out');
  uart.receive(Uint8Array.of(7));
  clock.advance(frameNs(12));
  out(FCR, 0x00);
  assert.equal(inb(LSR) & 0x01, 0, 'turning FIFOs off cleared the receive FIFO');
});

test('UART0017 save and restore mid-transmission and mid-reception continue identically', () => {
  const a = makeUart();
  a.out(FCR, 0x81);
  a.out(IER, 0x07);
  a.out(MCR, 0x0b);
  a.out(SCR, 0x99);
  for (const byte of [10, 20, 30]) a.out(THR, byte);
  a.uart.receive(Uint8Array.of(5, 6, 7, 8, 9));
  a.clock.advance(1.5 * frameNs(12));
  const sentBefore = a.sent.length;
  const saved = JSON.parse(JSON.stringify(a.uart.saveState()));
  const b = makeUart();
  b.clock.advanceTo(a.clock.now);
  b.uart.restoreState(saved);
  assert.deepEqual(b.uart.saveState(), a.uart.saveState());
  assert.equal(b.sink.level, a.sink.level);
  for (const side of [a, b]) side.clock.advance(20 * frameNs(12));
  assert.equal(sentBefore, 1);
  assert.deepEqual(b.sent, a.sent.slice(sentBefore));
  assert.deepEqual(b.sent.map((s) => s.byte), [20, 30], 'the bytes still queued at the save went out after it');
  const read = (side: typeof a) => {
    const got: number[] = [side.inb(IIR), side.inb(SCR)];
    while (side.inb(LSR) & 1) got.push(side.inb(RBR));
    return got;
  };
  assert.deepEqual(read(b), read(a));
  assert.deepEqual(read(makeUartAfter(saved)), [0xc1, 0x99, 5]);
});

function makeUartAfter(saved: Parameters<Uart16550['restoreState']>[0]) {
  const side = makeUart();
  side.uart.restoreState(saved);
  return side;
}

test('UART0018 restoreState names the field that does not fit', () => {
  const { uart } = makeUart();
  const saved = uart.saveState();
  assert.throws(() => uart.restoreState({ ...saved, divisor: 'x' }), /COM1: field divisor is not a number/);
  assert.throws(() => uart.restoreState({ ...saved, rxCount: 17 }), /field rxCount/);
  assert.throws(() => uart.restoreState({ ...saved, transmitAt: 'soon' }), /field transmitAt/);
});

test('UART0019 reset returns to power-on state and drops queued input', () => {
  const { inb, out, uart, clock, sink } = makeUart({}, true);
  out(MCR, 0x08);
  out(IER, 0x02);
  out(LCR, 0x9b);
  uart.receive(Uint8Array.of(1, 2, 3));
  assert.equal(sink.level, true);
  uart.reset();
  assert.equal(sink.level, false);
  clock.advance(10 * frameNs(12));
  assert.deepEqual([inb(IIR), inb(LSR), inb(LCR), inb(MCR), uart.receiveBacklog], [0x01, 0x60, 0x00, 0x00, 0]);
});

test('UART0020 Linux 8250 startup and interrupt-driven output: 16 bytes per THRE interrupt, all 40 arrive in order at line rate', () => {
  const { inb, out, sink, clock, sent } = makeUart();
  // serial8250_clear_fifos, then read the registers that clear pending interrupts.
  out(FCR, 0x01);
  out(FCR, 0x07);
  out(FCR, 0x00);
  assert.notEqual(inb(LSR), 0xff, 'a UART is present');
  inb(RBR);
  inb(IIR);
  inb(MSR);
  out(LCR, 0x80);
  out(DLL, 1);
  out(DLM, 0);
  out(LCR, 0x03);
  out(FCR, 0xc7);
  out(MCR, 0x0b); // DTR, RTS, OUT2
  out(IER, 0x05);
  assert.equal(sink.level, false);
  const text = Uint8Array.from({ length: 40 }, (_, i) => 0x41 + (i % 26));
  let next = 0;
  let interrupts = 0;
  out(IER, 0x07); // start_tx: enable THRI → immediate THRE interrupt
  for (let guard = 0; guard < 1000 && (next < text.length || sink.level); guard++) {
    if (sink.level) {
      // The interrupt handler: IIR says THRE (which reading clears), refill up to 16 bytes.
      const iir = inb(IIR);
      if ((iir & 0x0f) === 0x02) {
        interrupts++;
        for (let n = 0; n < 16 && next < text.length; n++) out(THR, text[next++]);
        if (next >= text.length) out(IER, 0x05); // stop_tx
      }
    } else {
      clock.advance(frameNs(1));
    }
  }
  clock.advance(20 * frameNs(1));
  assert.equal(interrupts, 3);
  assert.deepEqual(sent.map((s) => s.byte), [...text]);
  const gaps = sent.slice(1).map((s, i) => Math.round(s.at - sent[i].at));
  assert.ok(gaps.every((gap) => gap >= frameNs(1)), 'never faster than one frame per byte');
  assert.equal(inb(LSR) & 0x60, 0x60);
});
