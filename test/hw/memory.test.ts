// The machine framework: address space (both byte orders, RAM/ROM/MMIO, boundaries), I/O ports,
// IRQ lines and the machine clock.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock, Pacing } from '../../src/hw/clock.js';
import { bytesToHex, hexToBytes } from '../../src/hw/device.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { PhysicalMemory, type MmioHandler } from '../../src/hw/memory.js';

class RecordingDevice implements MmioHandler {
  readonly log: string[] = [];
  value = 0x11223344;
  read(offset: number, size: 1 | 2 | 4): number {
    this.log.push(`r${size}@${offset}`);
    return size === 4 ? this.value : size === 2 ? this.value & 0xffff : this.value & 0xff;
  }
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    this.log.push(`w${size}@${offset}=${value.toString(16)}`);
  }
}

test('HW0001 RAM reads and writes in little- and big-endian order', () => {
  for (const endian of ['little', 'big'] as const) {
    const memory = new PhysicalMemory(endian);
    const ram = new Uint8Array(0x1000);
    memory.addRam('ram', 0x1000, ram);
    memory.write32(0x1000, 0x11223344);
    assert.deepEqual([...ram.subarray(0, 4)], endian === 'little' ? [0x44, 0x33, 0x22, 0x11] : [0x11, 0x22, 0x33, 0x44]);
    assert.equal(memory.read32(0x1000), 0x11223344);
    assert.equal(memory.read16(0x1000), endian === 'little' ? 0x3344 : 0x1122);
    assert.equal(memory.read8(0x1003), endian === 'little' ? 0x11 : 0x44);
    memory.write16(0x1ffe, 0xabcd);
    assert.equal(memory.read16(0x1ffe), 0xabcd);
    const halves = new Uint32Array(2);
    memory.write64(0x1010, 0x89abcdef, 0x01234567);
    memory.read64(0x1010, halves);
    assert.deepEqual([...halves], [0x89abcdef, 0x01234567]);
  }
});

test('HW0002 ROM drops writes unless it is a writable shadow; unassigned reads are all ones', () => {
  const memory = new PhysicalMemory('little');
  const rom = new Uint8Array(16).fill(0xaa);
  memory.addRom('rom', 0xf0000, rom);
  memory.write8(0xf0000, 0x12);
  assert.equal(memory.read8(0xf0000), 0xaa);
  const shadowBytes = new Uint8Array(16);
  memory.addRom('shadow', 0xe0000, shadowBytes, true);
  memory.write32(0xe0000, 0xdeadbeef);
  assert.equal(memory.read32(0xe0000), 0xdeadbeef);
  const unassigned: string[] = [];
  memory.onUnassigned = (address, size, write) => unassigned.push(`${write ? 'w' : 'r'}${size}@${address.toString(16)}`);
  assert.equal(memory.read32(0x500000), 0xffffffff);
  memory.write8(0x500000, 1);
  assert.deepEqual(unassigned, ['r4@500000', 'w1@500000']);
});

test('HW0003 MMIO gets offsets, sizes and values in the device byte order', () => {
  const memory = new PhysicalMemory('big');
  const device = new RecordingDevice();
  memory.addMmio('le-device', 0x9000000, 0x1000, device, 'little');
  // A little-endian device on a big-endian bus: the value is byte-swapped both ways.
  assert.equal(memory.read32(0x9000004), 0x44332211);
  memory.write32(0x9000008, 0x11223344);
  memory.write16(0x900000c, 0x1122);
  memory.write8(0x900000e, 0x7f);
  assert.deepEqual(device.log, ['r4@4', 'w4@8=44332211', 'w2@12=2211', 'w1@14=7f']);
});

test('HW0004 accesses straddling two regions go byte by byte; overlapping regions are refused', () => {
  const memory = new PhysicalMemory('little');
  const low = new Uint8Array(0x1000);
  const high = new Uint8Array(0x1000);
  memory.addRam('low', 0, low);
  memory.addRam('high', 0x1000, high);
  memory.write32(0xffe, 0x44332211);
  assert.deepEqual([low[0xffe], low[0xfff], high[0], high[1]], [0x11, 0x22, 0x33, 0x44]);
  assert.equal(memory.read32(0xffe), 0x44332211);
  assert.throws(() => memory.addRam('clash', 0x1800, new Uint8Array(0x1000)), /overlaps high/);
  const into = new Uint8Array(4);
  memory.readBytes(0xffe, into);
  assert.deepEqual([...into], [0x11, 0x22, 0x33, 0x44]);
  assert.equal(memory.ramAt(0x1004)?.offset, 4);
  assert.equal(memory.ramAt(0x5000), null);
});

test('HW0005 36-bit physical addresses work', () => {
  const memory = new PhysicalMemory('big');
  const device = new RecordingDevice();
  memory.addMmio('fw_cfg', 0xd00000510, 2, device);
  assert.equal(memory.read16(0xd00000510), 0x3344);
  assert.deepEqual(device.log, ['r2@0']);
});

test('HW0006 I/O ports: handlers by range, conflicts refused, empty ports read all ones', () => {
  const io = new IoPorts();
  const seen: string[] = [];
  io.register('uart', 0x3f8, 8, {
    read: (port, size) => {
      seen.push(`r${size}@${port.toString(16)}`);
      return 0x42;
    },
    write: (port, size, value) => seen.push(`w${size}@${port.toString(16)}=${value}`),
  });
  assert.equal(io.read(0x3fd, 1), 0x42);
  io.write(0x3f8, 1, 65);
  assert.deepEqual(seen, ['r1@3fd', 'w1@3f8=65']);
  assert.equal(io.read(0x80, 1), 0xff);
  assert.equal(io.read(0x80, 2), 0xffff);
  assert.throws(() => io.register('other', 0x3ff, 2, { read: () => 0, write: () => undefined }), /0x3ff already belongs to uart/);
  assert.equal(io.owner(0x3f9), 'uart');
});

test('HW0007 IRQ lines tell their sink about level changes only', () => {
  const changes: string[] = [];
  const sink: IrqSink = { setIrq: (line, level) => changes.push(`${line}:${level ? 1 : 0}`) };
  const irq = new IrqLine(sink, 4);
  irq.raise();
  irq.raise();
  irq.lower();
  irq.pulse();
  assert.deepEqual(changes, ['4:1', '4:0', '4:1', '4:0']);
});

test('HW0008 timers fire in deadline order when guest time passes them', () => {
  const clock = new MachineClock();
  const fired: string[] = [];
  const a = clock.createTimer('a', (now) => fired.push(`a@${now}`));
  const b = clock.createTimer('b', (now) => {
    fired.push(`b@${now}`);
    b.setAfter(100); // periodic
  });
  a.setAt(250);
  b.setAt(100);
  assert.equal(clock.untilNextDeadline(), 100);
  clock.advance(320);
  assert.deepEqual(fired, ['b@100', 'b@200', 'a@250', 'b@300']);
  assert.equal(clock.now, 320);
  a.stop();
  assert.equal(a.active, false);
  assert.equal(clock.nextDeadline, 400);
});

test('HW0009 pacing lets guest time run only as far as host time has', () => {
  const clock = new MachineClock();
  const pacing = new Pacing(clock);
  assert.equal(pacing.allowance(1000), 0);
  assert.equal(pacing.allowance(1002), 2_000_000); // 2 ms of host time → 2 ms of guest time
  clock.advance(2_000_000);
  assert.equal(pacing.allowance(1002), 0);
  // After a long pause it does not race to catch up more than the lag limit.
  assert.ok(pacing.allowance(11_002) <= 50_000_000);
});

test('HW0010 device memory round-trips through saved state', () => {
  const bytes = new Uint8Array([0, 1, 0xfe, 0xff]);
  const hex = bytesToHex(bytes);
  assert.equal(hex, '0001feff');
  const back = new Uint8Array(4);
  hexToBytes(hex, back, 'test');
  assert.deepEqual(back, bytes);
  assert.throws(() => hexToBytes('00', back, 'vga'), /saved state of vga: 1 bytes where 4 are needed/);
});

test('HW0011 a ROM device reads its bytes in ROM mode and through its handler otherwise; writes always go to the handler', () => {
  const memory = new PhysicalMemory('little');
  const bytes = Uint8Array.from([0x11, 0x22, 0x33, 0x44]);
  const writes: string[] = [];
  const region = memory.addRomDevice('flash', 0x1000, bytes, {
    read: (offset, size) => 0x80 + offset + size,
    write: (offset, size, value) => writes.push(`${offset}/${size}=${value.toString(16)}`),
  });
  assert.equal(memory.read32(0x1000), 0x44332211);
  assert.deepEqual(memory.ramAt(0x1002)?.writable, false, 'a CPU may read the bytes directly, never write them');
  memory.write16(0x1000, 0x00ff);
  memory.write8(0x1003, 0x70);
  assert.deepEqual(writes, ['0/2=ff', '3/1=70']);
  assert.deepEqual([...bytes], [0x11, 0x22, 0x33, 0x44], 'the bytes are the device\'s to change');
  memory.setRomMode(region, false);
  assert.equal(memory.ramAt(0x1000), null, 'out of ROM mode a CPU must come through the handler');
  assert.equal(memory.read8(0x1001), 0x82);
  assert.equal(memory.read32(0x1000), 0x84);
  memory.setRomMode(region, true);
  assert.equal(memory.read8(0x1001), 0x22);
  memory.writeBytes(0x1000, Uint8Array.of(9), true);
  assert.equal(bytes[0], 9, 'a loader writes the bytes');
});
