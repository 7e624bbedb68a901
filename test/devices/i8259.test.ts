// The 8259A pair: initialisation as SeaBIOS and Linux do it, priorities, EOI and rotation,
// cascade through the slave, spurious IRQ 7/15, auto-EOI, poll, special mask, trigger modes,
// saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { I8259, type I8259Options } from '../../src/devices/i8259.js';
import { IoPorts } from '../../src/hw/ioports.js';

function pic(options: I8259Options = {}): { pic: I8259; io: IoPorts } {
  const io = new IoPorts();
  const controller = new I8259(options);
  controller.attach(io);
  return { pic: controller, io };
}

/** SeaBIOS pic_reset(0x08, 0x70): both chips' ICWs interleaved, then everything but the cascade masked. */
function seabiosInit(io: IoPorts): void {
  io.write(0x20, 1, 0x11);
  io.write(0xa0, 1, 0x11);
  io.write(0x21, 1, 0x08);
  io.write(0xa1, 1, 0x70);
  io.write(0x21, 1, 0x04);
  io.write(0xa1, 1, 0x02);
  io.write(0x21, 1, 0x01);
  io.write(0xa1, 1, 0x01);
  io.write(0x21, 1, 0xfb);
  io.write(0xa1, 1, 0xff);
}

/** Linux init_8259A(0): vectors 0x30/0x38, normal EOI; masks restored to everything open. */
function linuxInit(io: IoPorts, autoEoi = false): void {
  io.write(0x21, 1, 0xff);
  io.write(0xa1, 1, 0xff);
  io.write(0x20, 1, 0x11);
  io.write(0x21, 1, 0x30);
  io.write(0x21, 1, 0x04);
  io.write(0x21, 1, autoEoi ? 0x03 : 0x01);
  io.write(0xa0, 1, 0x11);
  io.write(0xa1, 1, 0x38);
  io.write(0xa1, 1, 0x02);
  io.write(0xa1, 1, 0x01);
  io.write(0x21, 1, 0x00);
  io.write(0xa1, 1, 0x00);
}

function readIsr(io: IoPorts, port: number): number {
  io.write(port, 1, 0x0b);
  return io.read(port, 1);
}

function readIrr(io: IoPorts, port: number): number {
  io.write(port, 1, 0x0a);
  return io.read(port, 1);
}

test('PIC0001 SeaBIOS initialisation: vector bases, masks read back, IRQ 0 delivered and ended', () => {
  const { pic: controller, io } = pic();
  seabiosInit(io);
  assert.equal(io.read(0x21, 1), 0xfb);
  assert.equal(io.read(0xa1, 1), 0xff);
  controller.setIrq(0, true);
  assert.equal(controller.hasInterrupt(), false, 'IRQ 0 is masked');
  assert.equal(readIrr(io, 0x20) & 1, 1, 'but requested');
  io.write(0x21, 1, 0xfa);
  assert.equal(controller.hasInterrupt(), true);
  assert.equal(controller.acknowledge(), 0x08);
  assert.equal(controller.hasInterrupt(), false);
  assert.equal(readIsr(io, 0x20), 0x01);
  assert.equal(readIrr(io, 0x20) & 1, 0, 'an edge request leaves IRR at INTA');
  io.write(0x20, 1, 0x20);
  assert.equal(readIsr(io, 0x20), 0);
  controller.setIrq(0, false);
  controller.setIrq(0, true);
  assert.equal(controller.acknowledge(), 0x08, 'a new edge requests again');
});

test('PIC0002 Linux initialisation, IMR probe, and a slave IRQ through the cascade with specific EOIs', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  io.write(0x21, 1, 0xfb); // probe_8259A writes a pattern and reads it back
  assert.equal(io.read(0x21, 1), 0xfb);
  io.write(0x21, 1, 0x00);
  controller.setIrq(14, true);
  assert.equal(controller.hasInterrupt(), true);
  assert.equal(readIrr(io, 0x20), 0x04, 'the slave requests on master IR2');
  assert.equal(controller.acknowledge(), 0x3e);
  assert.equal(readIsr(io, 0x20), 0x04);
  assert.equal(readIsr(io, 0xa0), 0x40);
  assert.equal(controller.isr, 0x4004);
  controller.setIrq(15, true);
  assert.equal(controller.hasInterrupt(), false, 'IRQ 15 is lower than IRQ 14 in service on the slave');
  io.write(0xa0, 1, 0x66); // specific EOI, IR6 of the slave
  assert.equal(controller.hasInterrupt(), false, 'the master still has IR2 in service');
  io.write(0x20, 1, 0x62); // specific EOI, IR2 of the master
  assert.equal(controller.hasInterrupt(), true);
  assert.equal(controller.acknowledge(), 0x3f);
});

test('PIC0003 fully nested priorities: lower number first, a higher request interrupts a lower service', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(3, true);
  controller.setIrq(1, true);
  assert.equal(controller.acknowledge(), 0x31);
  assert.equal(controller.hasInterrupt(), false, 'IRQ 3 waits while IRQ 1 is in service');
  controller.setIrq(0, true);
  assert.equal(controller.acknowledge(), 0x30, 'IRQ 0 outranks IRQ 1 and nests');
  assert.equal(readIsr(io, 0x20), 0x03);
  io.write(0x20, 1, 0x20); // non-specific EOI ends the highest level in service: IRQ 0
  assert.equal(readIsr(io, 0x20), 0x02);
  assert.equal(controller.hasInterrupt(), false);
  io.write(0x20, 1, 0x20);
  assert.equal(controller.acknowledge(), 0x33);
  // A slave IRQ (8) outranks master IRQ 3 (it arrives on IR2) but not IRQ 1.
  io.write(0x20, 1, 0x20);
  controller.setIrq(1, false);
  controller.setIrq(1, true);
  controller.setIrq(3, false);
  controller.setIrq(3, true);
  controller.setIrq(8, true);
  assert.equal(controller.acknowledge(), 0x31);
  assert.equal(controller.acknowledge(), 0x37, 'IR2 is below IRQ 1 in service: nothing to give');
  io.write(0x20, 1, 0x20);
  assert.equal(controller.acknowledge(), 0x38);
  io.write(0xa0, 1, 0x20);
  io.write(0x20, 1, 0x20);
  assert.equal(controller.acknowledge(), 0x33);
});

test('PIC0004 rotation: rotate on non-specific EOI, rotate on specific EOI, set priority', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(0, true);
  assert.equal(controller.acknowledge(), 0x30);
  io.write(0x20, 1, 0xa0); // rotate on non-specific EOI: IRQ 0 becomes the lowest
  controller.setIrq(0, false);
  controller.setIrq(0, true);
  controller.setIrq(4, true);
  assert.equal(controller.acknowledge(), 0x34, 'IRQ 1 is now the highest; 4 comes before 0');
  io.write(0x20, 1, 0xe4); // rotate on specific EOI for 4: IRQ 5 highest
  controller.setIrq(6, true);
  assert.equal(controller.acknowledge(), 0x36);
  io.write(0x20, 1, 0x66);
  io.write(0x20, 1, 0xc7); // set priority: 7 lowest, so 0 is highest again
  controller.setIrq(3, true);
  assert.equal(controller.acknowledge(), 0x30);
  io.write(0x20, 1, 0x20);
  assert.equal(controller.acknowledge(), 0x33);
});

test('PIC0005 spurious IRQ 7: a request gone before INTA gets the IR7 vector and no ISR bit', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(3, true);
  assert.equal(controller.hasInterrupt(), true);
  io.write(0x21, 1, 0x08); // masked between INTR and INTA
  assert.equal(controller.acknowledge(), 0x37);
  assert.equal(readIsr(io, 0x20), 0, 'the spurious IRQ 7 sets no ISR bit');
  assert.equal(readIrr(io, 0x20), 0x08, 'the masked request stays in IRR');
  controller.setIrq(3, false);
  // A level-triggered request that drops before INTA (ICW1 LTIM) is spurious too.
  io.write(0x20, 1, 0x19);
  io.write(0x21, 1, 0x30);
  io.write(0x21, 1, 0x04);
  io.write(0x21, 1, 0x01);
  controller.setIrq(5, true);
  assert.equal(controller.hasInterrupt(), true);
  controller.setIrq(5, false);
  assert.equal(controller.hasInterrupt(), false);
  assert.equal(controller.acknowledge(), 0x37);
});

test('PIC0006 spurious IRQ 15: the master answers IR2, the slave has nothing and gives its IR7 vector', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(12, true);
  assert.equal(controller.hasInterrupt(), true);
  io.write(0xa1, 1, 0x10); // the slave request is masked between INTR and INTA ...
  assert.equal(controller.hasInterrupt(), true, '... but the master latched the edge on IR2');
  assert.equal(controller.acknowledge(), 0x3f);
  assert.equal(controller.isr, 0x0004, 'IR2 in service on the master, nothing on the slave');
  io.write(0x20, 1, 0x20); // Linux ends a spurious IRQ 15 on the master only
  assert.equal(controller.isr, 0);
  io.write(0xa1, 1, 0x00);
  assert.equal(controller.hasInterrupt(), true, 'unmasking raises the slave INT again');
  assert.equal(controller.acknowledge(), 0x3c);
});

test('PIC0007 auto-EOI: nothing stays in service; rotate in auto-EOI mode', () => {
  const { pic: controller, io } = pic();
  linuxInit(io, true);
  controller.setIrq(1, true);
  assert.equal(controller.acknowledge(), 0x31);
  assert.equal(readIsr(io, 0x20), 0);
  controller.setIrq(4, true);
  assert.equal(controller.acknowledge(), 0x34, 'no EOI needed for the next interrupt');
  io.write(0x20, 1, 0x80); // rotate in auto-EOI mode: set
  controller.setIrq(3, true);
  assert.equal(controller.acknowledge(), 0x33); // IRQ 3 becomes the lowest
  controller.setIrq(3, false);
  controller.setIrq(3, true);
  controller.setIrq(5, true);
  assert.equal(controller.acknowledge(), 0x35, 'IRQ 5 now outranks IRQ 3');
  // A slave in auto-EOI mode with two requests: its INT stays up, the master sees a new edge.
  const both = pic();
  linuxInit(both.io, true);
  both.io.write(0xa0, 1, 0x11);
  both.io.write(0xa1, 1, 0x38);
  both.io.write(0xa1, 1, 0x02);
  both.io.write(0xa1, 1, 0x03);
  both.pic.setIrq(9, true);
  both.pic.setIrq(10, true);
  assert.equal(both.pic.acknowledge(), 0x39);
  assert.equal(both.pic.hasInterrupt(), true);
  assert.equal(both.pic.acknowledge(), 0x3a);
  assert.equal(both.pic.isr, 0);
});

test('PIC0008 poll command: the poll word, an implied INTA, and "no request"', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  io.write(0x20, 1, 0x0c);
  assert.equal(io.read(0x20, 1) & 0x80, 0, 'no request: I bit clear');
  controller.setIrq(6, true);
  io.write(0x20, 1, 0x0c);
  assert.equal(io.read(0x20, 1), 0x86);
  assert.equal(readIsr(io, 0x20), 0x40, 'the poll acknowledged IRQ 6');
  assert.equal(controller.hasInterrupt(), false);
  assert.equal(io.read(0x21, 1), 0x00, 'the poll is one read only; the data port reads IMR again');
});

test('PIC0009 special mask mode lets lower priorities through a masked in-service level', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(4, true);
  assert.equal(controller.acknowledge(), 0x34);
  controller.setIrq(6, true);
  assert.equal(controller.hasInterrupt(), false);
  io.write(0x20, 1, 0x68); // OCW3: set special mask mode
  io.write(0x21, 1, 0x10); // mask IRQ 4, still in service
  assert.equal(controller.hasInterrupt(), true);
  assert.equal(controller.acknowledge(), 0x36);
  io.write(0x20, 1, 0x20); // non-specific EOI skips the masked level 4
  assert.equal(readIsr(io, 0x20), 0x10);
  io.write(0x20, 1, 0x48); // reset special mask mode
  io.write(0x20, 1, 0x64);
  assert.equal(readIsr(io, 0x20), 0);
});

test('PIC0010 edge inputs latch once; level inputs (LTIM or ELCR) request again while high', () => {
  const { pic: controller, io } = pic({ elcr: true });
  linuxInit(io);
  controller.setIrq(5, true);
  assert.equal(controller.acknowledge(), 0x35);
  io.write(0x20, 1, 0x20);
  assert.equal(controller.hasInterrupt(), false, 'edge: a line that stays high does not request again');
  io.write(0x4d0, 1, 0xff);
  assert.equal(io.read(0x4d0, 1), 0xf8, 'IRQ 0–2 cannot be level-triggered');
  io.write(0x4d1, 1, 0xff);
  assert.equal(io.read(0x4d1, 1), 0xde);
  controller.setIrq(5, false);
  controller.setIrq(5, true);
  assert.equal(controller.acknowledge(), 0x35);
  io.write(0x20, 1, 0x20);
  assert.equal(controller.hasInterrupt(), true, 'level: still high, requests again');
  controller.setIrq(5, false);
  assert.equal(controller.hasInterrupt(), false);
  const isapc = pic();
  assert.equal(isapc.io.owner(0x4d0), null, 'no ELCR unless asked for');
});

test('PIC0011 inputs: IRQ 2 is the cascade, IRQ 16 does not exist, the INT output is reported', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  const levels: boolean[] = [];
  controller.onInterruptChange = (level) => levels.push(level);
  controller.setIrq(2, true);
  assert.equal(controller.hasInterrupt(), false);
  assert.throws(() => controller.setIrq(16, true), /IRQ 16/);
  controller.setIrq(9, true);
  controller.acknowledge();
  assert.deepEqual(levels, [true, false]);
  assert.equal(controller.irr & 0x200, 0);
});

test('PIC0012 saved state round trip: the restored pair behaves the same', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  io.write(0x21, 1, 0x20);
  controller.setIrq(9, true);
  controller.setIrq(3, true);
  controller.setIrq(1, true);
  assert.equal(controller.acknowledge(), 0x31);
  io.write(0x20, 1, 0x0b); // leave ISR selected for reading
  const saved = JSON.parse(JSON.stringify(controller.saveState()));
  const copy = pic();
  copy.pic.restoreState(saved);
  assert.deepEqual(copy.pic.saveState(), controller.saveState());
  assert.equal(copy.io.read(0x20, 1), 0x02, 'ISR selected, IRQ 1 in service');
  assert.equal(copy.io.read(0x21, 1), 0x20);
  copy.io.write(0x20, 1, 0x20);
  assert.equal(copy.pic.acknowledge(), 0x39);
  copy.io.write(0xa0, 1, 0x20);
  copy.io.write(0x20, 1, 0x20);
  assert.equal(copy.pic.acknowledge(), 0x33);
  assert.throws(() => copy.pic.restoreState({ master: saved.master }), /slave/);
  assert.throws(() => copy.pic.restoreState({ master: { ...saved.master, imr: 300 }, slave: saved.slave }), /imr/);
});

test('PIC0013 ICW1 alone (single, no ICW4) and a re-initialisation clears IMR, ISR and edge requests', () => {
  const { pic: controller, io } = pic();
  linuxInit(io);
  controller.setIrq(4, true);
  controller.setIrq(3, true);
  assert.equal(controller.acknowledge(), 0x33);
  io.write(0x21, 1, 0x55);
  io.write(0x20, 1, 0x13); // single mode, ICW4 needed: ICW2 then ICW4, no ICW3
  io.write(0x21, 1, 0x48);
  io.write(0x21, 1, 0x01);
  assert.equal(io.read(0x21, 1), 0x00, 'ICW1 cleared IMR; the next data write is OCW1');
  io.write(0x21, 1, 0x6f);
  assert.equal(io.read(0x21, 1), 0x6f);
  assert.equal(readIsr(io, 0x20), 0);
  assert.equal(readIrr(io, 0x20), 0, 'the edge sense was reset');
  controller.setIrq(4, false);
  controller.setIrq(4, true);
  assert.equal(controller.acknowledge(), 0x4c);
});
