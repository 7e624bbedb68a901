// The IDE channel and the RAM disk: IDENTIFY data, CHS/LBA28/LBA48 addressing, the PIO data-in and
// data-out protocols with their interrupts, multiple mode, nIEN, software reset, errors, empty
// device positions as QEMU shows them, the copy-on-write RAM disk and saved state.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { IrqLine, type IrqSink } from '../../src/hw/irq.js';
import { BLOCK_ERROR_IO, BLOCK_ERROR_RANGE, BLOCK_ERROR_READ_ONLY, checkDiskImage, RamDisk, SECTOR_SIZE, type BlockBackend, type BlockDone } from '../../src/hw/block.js';
import { IDE_PRIMARY, IDE_SECONDARY, IdeChannel, PC_IDE_CHANNELS, type IdeDriveOptions } from '../../src/devices/ide.js';

const DATA = 0x1f0, ERROR = 0x1f1, FEATURES = 0x1f1, COUNT = 0x1f2, LBA_LOW = 0x1f3, LBA_MID = 0x1f4, LBA_HIGH = 0x1f5;
const DEVICE = 0x1f6, STATUS = 0x1f7, COMMAND = 0x1f7, CONTROL = 0x3f6;

class LevelSink implements IrqSink {
  level = false;
  edges = 0;
  setIrq(_line: number, level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}

/** Sector n holds n (little-endian) in its first four bytes, then a pattern that depends on n. */
function patternImage(sectors: number): Uint8Array {
  const bytes = new Uint8Array(sectors * SECTOR_SIZE);
  for (let n = 0; n < sectors; n++) fillSector(bytes, n, n);
  return bytes;
}

function fillSector(bytes: Uint8Array, at: number, n: number): void {
  const base = at * SECTOR_SIZE;
  for (let i = 0; i < SECTOR_SIZE; i++) bytes[base + i] = (n * 7 + i * 3) & 0xff;
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(base, n, true);
}

function sectorOf(sector: number): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  fillSector(bytes, 0, sector);
  return bytes;
}

/** A backend of any size that records its calls and completes each at once; sector n reads as sectorOf(n). */
class FakeBackend implements BlockBackend {
  reads: [number, number][] = [];
  writes: [number, number, Uint8Array][] = [];
  flushes = 0;
  constructor(
    readonly sectorCount: number,
    readonly readOnly = false,
    readonly name = 'fake.img',
  ) {}
  read(sector: number, count: number, into: Uint8Array, offset: number, done: BlockDone): void {
    if (sector + count > this.sectorCount) {
      done(BLOCK_ERROR_RANGE);
      return;
    }
    this.reads.push([sector, count]);
    for (let i = 0; i < count; i++) into.set(sectorOf(sector + i), offset + i * SECTOR_SIZE);
    done(null);
  }
  write(sector: number, count: number, from: Uint8Array, offset: number, done: BlockDone): void {
    if (this.readOnly) {
      done(BLOCK_ERROR_READ_ONLY);
      return;
    }
    this.writes.push([sector, count, from.slice(offset, offset + count * SECTOR_SIZE)]);
    done(null);
  }
  flush(done: BlockDone): void {
    this.flushes++;
    done(null);
  }
}

/**
 * A RamDisk behind a queue: every request waits until the test calls complete(), as a block
 * server in another task would; fail() completes the oldest request with an error instead.
 */
class DeferredBackend implements BlockBackend {
  readonly queue: { kind: 'read' | 'write' | 'flush'; run: () => void; fail: (error: string) => void }[] = [];
  constructor(readonly disk: RamDisk) {}
  get name(): string {
    return this.disk.name;
  }
  get sectorCount(): number {
    return this.disk.sectorCount;
  }
  get readOnly(): boolean {
    return this.disk.readOnly;
  }
  read(sector: number, count: number, into: Uint8Array, offset: number, done: BlockDone): void {
    this.queue.push({ kind: 'read', run: () => this.disk.read(sector, count, into, offset, done), fail: done });
  }
  write(sector: number, count: number, from: Uint8Array, offset: number, done: BlockDone): void {
    this.queue.push({ kind: 'write', run: () => this.disk.write(sector, count, from, offset, done), fail: done });
  }
  flush(done: BlockDone): void {
    this.queue.push({ kind: 'flush', run: () => done(null), fail: done });
  }
  /** Completes the oldest request; returns its kind. */
  complete(): string {
    const next = this.queue.shift();
    assert.ok(next, 'a request is waiting');
    next.run();
    return next.kind;
  }
  failNext(error: string): string {
    const next = this.queue.shift();
    assert.ok(next, 'a request is waiting');
    next.fail(error);
    return next.kind;
  }
}

interface Disks {
  master?: BlockBackend;
  slave?: BlockBackend;
  masterOptions?: IdeDriveOptions;
}

function makeChannel(disks: Disks = {}) {
  const clock = new MachineClock();
  const io = new IoPorts();
  const sink = new LevelSink();
  const channel = new IdeChannel({ name: 'ide0', ...IDE_PRIMARY, irq: new IrqLine(sink, IDE_PRIMARY.irq), clock });
  channel.attach(io);
  if (disks.master) channel.attachDrive(0, disks.master, disks.masterOptions);
  if (disks.slave) channel.attachDrive(1, disks.slave);
  const inb = (port: number) => io.read(port, 1);
  const outb = (port: number, value: number) => io.write(port, 1, value);
  const inw = () => io.read(DATA, 2);
  const outw = (value: number) => io.write(DATA, 2, value);
  /** Reads words while DRQ is set, until the interrupt of the next block comes; returns the bytes. */
  const drain = (): Uint8Array => {
    const out: number[] = [];
    while (io.read(CONTROL, 1) & 0x08) {
      const word = inw();
      out.push(word & 0xff, word >>> 8);
      if (sink.level) break;
    }
    return Uint8Array.from(out);
  };
  /** Writes one LBA28 task file: count, address, LBA mode on the given unit. */
  const lba28 = (sector: number, count: number, unit = 0) => {
    outb(COUNT, count & 0xff);
    outb(LBA_LOW, sector & 0xff);
    outb(LBA_MID, (sector >>> 8) & 0xff);
    outb(LBA_HIGH, (sector >>> 16) & 0xff);
    outb(DEVICE, 0xe0 | (unit << 4) | ((sector >>> 24) & 0x0f));
  };
  return { clock, io, sink, channel, inb, outb, inw, outw, drain, lba28 };
}

type Channel = ReturnType<typeof makeChannel>;

/** Reads one data block after an interrupt: checks the IRQ and DRQ, clears the IRQ by reading Status. */
function readBlock(side: Channel, sectors: number): Uint8Array {
  assert.equal(side.sink.level, true, 'an interrupt announces the block');
  assert.equal(side.inb(CONTROL) & 0x89, 0x08, 'alternate status: DRQ, not BSY, no ERR');
  assert.equal(side.sink.level, true, 'reading the alternate status leaves the interrupt');
  assert.equal(side.inb(STATUS), 0x58);
  assert.equal(side.sink.level, false, 'reading Status clears the interrupt');
  const out = new Uint8Array(sectors * SECTOR_SIZE);
  for (let i = 0; i < out.length; i += 2) {
    const word = side.inw();
    out[i] = word & 0xff;
    out[i + 1] = word >>> 8;
  }
  return out;
}

/** Writes one data block of `data` while DRQ is set; the interrupt must come only after the block. */
function writeBlock(side: Channel, data: Uint8Array): void {
  assert.equal(side.inb(CONTROL) & 0x89, 0x08, 'DRQ: the device wants a block');
  for (let i = 0; i < data.length; i += 2) {
    assert.equal(side.sink.level, false, 'no interrupt in the middle of a block');
    side.outw(data[i] | (data[i + 1] << 8));
  }
  assert.equal(side.sink.level, true, 'an interrupt after each block written');
}

function identify(side: Channel): Uint16Array {
  side.outb(COMMAND, 0xec);
  const bytes = readBlock(side, 1);
  return new Uint16Array(bytes.buffer);
}

function ataString(words: Uint16Array, first: number, count: number): string {
  let text = '';
  for (let i = first; i < first + count; i++) text += String.fromCharCode(words[i] >>> 8, words[i] & 0xff);
  return text;
}

const SMALL = 16 * 63 * 10 + 5; // 10 full default cylinders and five sectors more

test('IDE0001 PC wiring, port ownership (not 3F7h) and the power-on signature', () => {
  const { io, inb } = makeChannel({ master: RamDisk.blank('a.img', SMALL) });
  assert.deepEqual([IDE_PRIMARY.commandBase, IDE_PRIMARY.controlBase, IDE_PRIMARY.irq], [0x1f0, 0x3f6, 14]);
  assert.deepEqual([IDE_SECONDARY.commandBase, IDE_SECONDARY.controlBase, IDE_SECONDARY.irq], [0x170, 0x376, 15]);
  assert.deepEqual(PC_IDE_CHANNELS.map((c) => c.name), ['ide0', 'ide1']);
  for (let port = 0x1f0; port <= 0x1f7; port++) assert.equal(io.owner(port), 'ide0');
  assert.equal(io.owner(0x3f6), 'ide0 control');
  assert.equal(io.owner(0x3f7), null, 'the floppy controller keeps 3F7h');
  assert.equal(io.owner(0x1f8), null);
  assert.deepEqual([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH), inb(DEVICE)], [1, 1, 0, 0, 0xa0]);
  assert.equal(inb(STATUS), 0x50, 'DRDY and DSC');
  assert.equal(inb(ERROR), 0x01, 'diagnostic passed');
});

test('IDE0002 IDENTIFY DEVICE: geometry, capacities, strings in ATA order, features, checksum, the interrupt', () => {
  const side = makeChannel({ master: RamDisk.blank('a.img', SMALL), masterOptions: { serial: 'SN-42', firmware: 'FW7', model: 'Test Disk' } });
  const words = identify(side);
  assert.equal(words[0], 0x0040);
  assert.deepEqual([words[1], words[3], words[6]], [10, 16, 63], 'default CHS: sectors / (16 × 63) cylinders');
  assert.deepEqual([words[53] & 1, words[54], words[55], words[56]], [1, 10, 16, 63]);
  assert.equal(words[57] | (words[58] << 16), 10 * 16 * 63);
  assert.equal(words[60] | (words[61] << 16), SMALL);
  assert.deepEqual([words[100], words[101], words[102], words[103]], [SMALL & 0xffff, SMALL >>> 16, 0, 0]);
  assert.equal(words[47], 0x8010, 'up to 16 sectors per READ/WRITE MULTIPLE block');
  assert.equal(words[59], 0x0110, 'multiple setting valid, 16');
  assert.equal(words[49] & 0x0200, 0x0200, 'LBA supported');
  assert.equal(words[49] & 0x0100, 0, 'no DMA');
  assert.equal(words[64] & 0x03, 0x03, 'PIO 3 and 4');
  assert.equal(words[83] & 0xc400, 0x4400, 'bit 14 set, 48-bit addresses supported');
  assert.equal(words[86] & 0x0400, 0x0400, '48-bit addresses enabled');
  assert.equal(words[83] & 0x3000, 0x3000, 'FLUSH CACHE and FLUSH CACHE EXT');
  assert.equal(words[85] & 0x0020, 0x0020, 'write cache enabled');
  assert.equal(ataString(words, 10, 10), 'SN-42'.padEnd(20));
  assert.equal(ataString(words, 23, 4), 'FW7'.padEnd(8));
  assert.equal(ataString(words, 27, 20), 'Test Disk'.padEnd(40));
  assert.equal(words[27], ('T'.charCodeAt(0) << 8) | 'e'.charCodeAt(0), 'first character in the high byte');
  const bytes = new Uint8Array(words.buffer);
  assert.equal(bytes[510], 0xa5, 'checksum signature');
  assert.equal(bytes.reduce((sum, b) => sum + b, 0) & 0xff, 0, 'all 512 bytes sum to zero');
  assert.equal(side.inb(STATUS), 0x50, 'DRQ clear after the 256th word');
  assert.equal(side.sink.level, false, 'no interrupt at the end of a data-in command');
  assert.equal(side.sink.edges, 1);
  const plain = identify(makeChannel({ master: RamDisk.blank('b.img', 100) }));
  assert.equal(ataString(plain, 27, 20).trimEnd(), 'L4VM HARDDISK');
  assert.equal(plain[1], 2, 'tiny disks get two cylinders, as QEMU gives them');
});

test('IDE0003 large disk: CHS capped at 16383 cylinders, LBA28 capacity capped, LBA48 capacity exact', () => {
  const total = 2 ** 33 + 12345;
  const words = identify(makeChannel({ master: new FakeBackend(total) }));
  assert.equal(words[1], 16383);
  assert.equal(words[60] | (words[61] << 16), 0x0fffffff);
  assert.equal(words[100] + words[101] * 2 ** 16 + words[102] * 2 ** 32 + words[103] * 2 ** 48, total);
});

test('IDE0004 READ SECTORS (LBA28) of three sectors: a block and an interrupt per sector, none after the last', () => {
  const disk = RamDisk.fromBytes('a.img', patternImage(SMALL));
  const side = makeChannel({ master: disk });
  side.lba28(0x123, 3);
  side.outb(COMMAND, 0x20);
  for (let n = 0; n < 3; n++) assert.deepEqual(readBlock(side, 1), sectorOf(0x123 + n));
  assert.equal(side.inb(STATUS), 0x50);
  assert.equal(side.sink.level, false);
  assert.equal(side.sink.edges, 3);
  assert.equal(side.inw(), 0, 'no DRQ: the data register gives 0 and nothing moves');
  assert.deepEqual([side.inb(LBA_LOW), side.inb(LBA_MID), side.inb(COUNT)], [0x26, 0x01, 0], 'the registers moved past the sectors read');
  // Count 0 means 256 sectors.
  side.lba28(0, 0);
  side.outb(COMMAND, 0x21);
  let blocks = 0;
  while (side.sink.level) {
    assert.deepEqual(readBlock(side, 1), sectorOf(blocks));
    blocks++;
  }
  assert.equal(blocks, 256);
});

test('IDE0005 CHS addressing: the default translation, INITIALIZE DEVICE PARAMETERS, IDNF for a sector not in the translation', () => {
  const side = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(SMALL)) });
  const chs = (cylinder: number, head: number, sector: number) => {
    side.outb(COUNT, 1);
    side.outb(LBA_LOW, sector);
    side.outb(LBA_MID, cylinder & 0xff);
    side.outb(LBA_HIGH, cylinder >>> 8);
    side.outb(DEVICE, 0xa0 | head);
    side.outb(COMMAND, 0x20);
  };
  chs(2, 5, 7);
  assert.deepEqual(readBlock(side, 1), sectorOf((2 * 16 + 5) * 63 + 6));
  assert.deepEqual([side.inb(LBA_LOW), side.inb(DEVICE)], [8, 0xa5], 'CHS registers advanced to the next sector');
  // Four heads, 17 sectors per track.
  side.outb(COUNT, 17);
  side.outb(DEVICE, 0xa0 | 3);
  side.outb(COMMAND, 0x91);
  assert.equal(side.inb(STATUS), 0x50);
  chs(1, 2, 3);
  assert.deepEqual(readBlock(side, 1), sectorOf((1 * 4 + 2) * 17 + 2));
  side.outb(DEVICE, 0xa0);
  const words = identify(side);
  assert.deepEqual([words[54], words[55], words[56]], [Math.floor(SMALL / 68), 4, 17], 'current CHS words follow the translation');
  assert.equal(words[57] | (words[58] << 16), Math.floor(SMALL / 68) * 68);
  assert.deepEqual([words[1], words[3], words[6]], [10, 16, 63], 'the default geometry stays');
  for (const [c, h, s] of [[0, 0, 0], [0, 0, 18], [0, 4, 1], [Math.floor(SMALL / 68), 0, 1]]) {
    chs(c, h, s);
    assert.equal(side.inb(STATUS), 0x41, `C/H/S ${c}/${h}/${s} is not in the translation`);
    assert.equal(side.inb(ERROR), 0x10, 'IDNF');
  }
});

test('IDE0006 WRITE SECTORS: DRQ without an interrupt first, an interrupt after each sector, the disk holds the data', () => {
  const base = patternImage(SMALL);
  const copy = base.slice();
  const disk = RamDisk.fromBytes('a.img', base);
  const side = makeChannel({ master: disk });
  side.lba28(500, 2);
  side.outb(COMMAND, 0x30);
  assert.equal(side.sink.level, false, 'PIO data-out: no interrupt before the first block');
  const first = sectorOf(9000), second = sectorOf(9001);
  writeBlock(side, first);
  assert.equal(side.inb(STATUS), 0x58, 'DRQ again: the second sector');
  writeBlock(side, second);
  assert.equal(side.inb(STATUS), 0x50, 'done');
  assert.equal(side.sink.level, false);
  const check = new Uint8Array(2 * SECTOR_SIZE);
  disk.read(500, 2, check, 0);
  assert.deepEqual(check.subarray(0, 512), first);
  assert.deepEqual(check.subarray(512), second);
  assert.deepEqual(base, copy, 'the base image is untouched');
  assert.deepEqual(disk.changedSectors(), [500, 501]);
  side.lba28(500, 1);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), first, 'READ SECTORS sees what WRITE SECTORS wrote');
});

test('IDE0007 multiple mode: SET MULTIPLE 4, READ MULTIPLE and WRITE MULTIPLE in blocks of 4 with one interrupt per block', () => {
  const disk = RamDisk.fromBytes('a.img', patternImage(SMALL));
  const side = makeChannel({ master: disk });
  side.outb(COUNT, 4);
  side.outb(COMMAND, 0xc6);
  assert.equal(side.inb(STATUS), 0x50);
  assert.equal(identify(side)[59], 0x0104);
  side.lba28(40, 10);
  side.outb(COMMAND, 0xc4);
  const blocks: number[] = [];
  let expected = 40;
  while (side.sink.level) {
    assert.equal(side.inb(STATUS), 0x58);
    const bytes = side.drain();
    blocks.push(bytes.length / SECTOR_SIZE);
    for (let i = 0; i < bytes.length; i += SECTOR_SIZE) assert.deepEqual(bytes.subarray(i, i + SECTOR_SIZE), sectorOf(expected++));
  }
  assert.deepEqual(blocks, [4, 4, 2]);
  assert.equal(side.sink.edges, 5, 'SET MULTIPLE, IDENTIFY, then one per block');
  side.lba28(100, 6);
  side.outb(COMMAND, 0xc5);
  const data = new Uint8Array(6 * SECTOR_SIZE);
  for (let i = 0; i < 6; i++) data.set(sectorOf(7000 + i), i * SECTOR_SIZE);
  writeBlock(side, data.subarray(0, 4 * SECTOR_SIZE));
  assert.equal(side.inb(STATUS), 0x58);
  writeBlock(side, data.subarray(4 * SECTOR_SIZE));
  assert.equal(side.inb(STATUS), 0x50);
  const check = new Uint8Array(6 * SECTOR_SIZE);
  disk.read(100, 6, check, 0);
  assert.deepEqual(check, data);
  for (const bad of [3, 32]) {
    side.outb(COUNT, bad);
    side.outb(COMMAND, 0xc6);
    assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x04], `multiple count ${bad} is refused`);
  }
  side.outb(COUNT, 0);
  side.outb(COMMAND, 0xc6);
  side.lba28(0, 1);
  side.outb(COMMAND, 0xc4);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x04], 'READ MULTIPLE with multiple mode off aborts');
});

test('IDE0008 LBA48: READ SECTORS EXT takes the high bytes from the register FIFOs and a 16-bit count; HOB reads them back', () => {
  const backend = new FakeBackend(2 ** 36);
  const side = makeChannel({ master: backend });
  const { outb, inb } = side;
  // Each register twice: the high byte (previous) first, then the low byte.
  outb(COUNT, 0x01);
  outb(COUNT, 0x02);
  outb(LBA_LOW, 0x45);
  outb(LBA_LOW, 0x89);
  outb(LBA_MID, 0x03);
  outb(LBA_MID, 0x67);
  outb(LBA_HIGH, 0x00);
  outb(LBA_HIGH, 0x12);
  outb(DEVICE, 0x40);
  outb(CONTROL, 0x80);
  assert.deepEqual([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH)], [0x01, 0x45, 0x03, 0x00], 'HOB reads the previous bytes');
  outb(CONTROL, 0x00);
  assert.deepEqual([inb(COUNT), inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH)], [0x02, 0x89, 0x67, 0x12]);
  const lba = 0x00 * 2 ** 40 + 0x03 * 2 ** 32 + 0x45 * 2 ** 24 + 0x126789;
  outb(COMMAND, 0x24);
  let sectors = 0;
  while (side.sink.level) {
    assert.deepEqual(readBlock(side, 1), sectorOf(lba + sectors));
    sectors++;
  }
  assert.equal(sectors, 0x0102, 'count (high << 8) | low');
  assert.deepEqual(backend.reads[0], [lba, 1]);
  const next = lba + 0x102;
  assert.deepEqual([inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH)], [next & 0xff, (next >>> 8) & 0xff, (next >>> 16) & 0xff]);
  outb(CONTROL, 0x80);
  assert.deepEqual([inb(LBA_LOW), inb(LBA_MID), inb(LBA_HIGH)], [Math.floor(next / 2 ** 24) & 0xff, Math.floor(next / 2 ** 32) & 0xff, 0]);
  outb(FEATURES, 0);
  assert.equal(inb(LBA_LOW), next & 0xff, 'a register write cleared HOB');
});

test('IDE0009 WRITE SECTORS EXT reaches the 48-bit address, and a READ SECTORS (28-bit) ignores the high bytes', () => {
  const backend = new FakeBackend(2 ** 34);
  const side = makeChannel({ master: backend });
  const { outb } = side;
  outb(COUNT, 0);
  outb(COUNT, 1);
  for (const [port, high, low] of [[LBA_LOW, 0x01, 0x10], [LBA_MID, 0x02, 0x20], [LBA_HIGH, 0x00, 0x30]]) {
    outb(port, high);
    outb(port, low);
  }
  outb(DEVICE, 0x40);
  outb(COMMAND, 0x34);
  writeBlock(side, sectorOf(1));
  assert.equal(side.inb(STATUS), 0x50);
  assert.deepEqual(backend.writes.map(([sector, count]) => [sector, count]), [[0x02_0000_0000 + 0x01_00_0000 + 0x302010, 1]]);
  side.lba28(0x302010, 1);
  outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), sectorOf(0x302010));
});

test('IDE0010 nIEN holds INTRQ released; clearing it lets a pending interrupt through; Status read still clears it', () => {
  const side = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(SMALL)) });
  side.outb(CONTROL, 0x02);
  side.lba28(7, 2);
  side.outb(COMMAND, 0x20);
  assert.equal(side.sink.level, false, 'nIEN: no interrupt');
  assert.equal(side.inb(CONTROL), 0x58, 'the block is ready all the same');
  side.outb(CONTROL, 0x00);
  assert.equal(side.sink.level, true, 'the pending interrupt reaches the line once nIEN is clear');
  assert.deepEqual(readBlock(side, 1), sectorOf(7));
  side.outb(CONTROL, 0x02);
  assert.equal(side.sink.level, false);
  assert.equal(side.inb(STATUS), 0x58);
  side.outb(CONTROL, 0x00);
  assert.equal(side.sink.level, false, 'reading Status under nIEN cleared the pending interrupt');
});

test('IDE0011 software reset: BSY while SRST is set, then the signature, no DRQ, device 0 selected, no interrupt', () => {
  const side = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(SMALL)), slave: RamDisk.blank('b.img', 64) });
  side.lba28(9, 4, 1);
  side.outb(COMMAND, 0x20);
  side.inb(STATUS);
  for (let i = 0; i < 10; i++) side.inw();
  side.outb(CONTROL, 0x04);
  assert.equal(side.inb(CONTROL), 0x80, 'BSY while held in reset');
  side.outb(COUNT, 0x77);
  side.outb(CONTROL, 0x00);
  assert.equal(side.sink.level, false);
  assert.deepEqual(
    [side.inb(STATUS), side.inb(ERROR), side.inb(COUNT), side.inb(LBA_LOW), side.inb(LBA_MID), side.inb(LBA_HIGH), side.inb(DEVICE)],
    [0x50, 0x01, 1, 1, 0, 0, 0xa0],
  );
  assert.equal(side.inw(), 0, 'the interrupted transfer is gone');
  side.outb(DEVICE, 0xb0);
  assert.deepEqual([side.inb(STATUS), side.inb(COUNT), side.inb(LBA_MID)], [0x50, 1, 0], 'device 1 posted its signature too');
});

test('IDE0012 past the end: IDNF (ERR, error 10h) for reads, writes (before any DRQ) and READ VERIFY', () => {
  const disk = RamDisk.fromBytes('a.img', patternImage(100));
  const side = makeChannel({ master: disk });
  side.lba28(100, 1);
  side.outb(COMMAND, 0x20);
  assert.equal(side.sink.level, true);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x10]);
  // A read that crosses the end: the sectors before it arrive, then IDNF.
  side.lba28(98, 3);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), sectorOf(98));
  assert.deepEqual(readBlock(side, 1), sectorOf(99));
  assert.equal(side.sink.level, true);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR), side.inb(LBA_LOW)], [0x41, 0x10, 100], 'the registers name the sector not found');
  side.lba28(120, 1);
  side.outb(COMMAND, 0x30);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x10], 'no DRQ for a write that cannot land');
  assert.deepEqual(disk.changedSectors(), []);
  side.lba28(90, 11);
  side.outb(COMMAND, 0x40);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x10]);
  side.lba28(90, 10);
  side.outb(COMMAND, 0x40);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x50, 0x00], 'READ VERIFY within the disk');
});

test('IDE0013 unknown and unsupported commands abort (ERR, ABRT) with an interrupt; the next command clears the error', () => {
  const side = makeChannel({ master: RamDisk.blank('a.img', 64) });
  for (const code of [0xff, 0xa1, 0x00, 0xc8, 0xa0, 0x08, 0xb0]) {
    side.outb(COMMAND, code);
    assert.equal(side.sink.level, true, `command ${code.toString(16)} interrupts`);
    assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x04], `command ${code.toString(16)} aborts`);
  }
  side.outb(COMMAND, 0x10);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x50, 0x00], 'RECALIBRATE succeeds');
});

test('IDE0014 absent device 1: status and error read 0, commands are ignored, written registers read back', () => {
  const side = makeChannel({ master: RamDisk.blank('a.img', 64) });
  side.outb(DEVICE, 0xb0);
  assert.deepEqual([side.inb(STATUS), side.inb(CONTROL), side.inb(ERROR)], [0, 0, 0]);
  assert.deepEqual([side.inb(LBA_MID), side.inb(LBA_HIGH)], [0xff, 0xff], 'no-device signature');
  side.outb(COUNT, 0x55);
  side.outb(LBA_LOW, 0xaa);
  assert.deepEqual([side.inb(COUNT), side.inb(LBA_LOW), side.inb(DEVICE)], [0x55, 0xaa, 0xb0]);
  side.outb(COMMAND, 0xec);
  assert.equal(side.sink.level, false);
  assert.equal(side.inb(STATUS), 0);
  assert.equal(side.inw(), 0);
  side.outb(DEVICE, 0xa0);
  assert.equal(side.inb(STATUS), 0x50, 'device 0 is there');
  assert.equal(side.inb(COUNT), 0x55, 'device 0 saw the same register writes');
});

test('IDE0015 a channel with no drives reads 0 from every register and never interrupts', () => {
  const side = makeChannel();
  for (const device of [0xa0, 0xb0]) {
    side.outb(DEVICE, device);
    side.outb(COUNT, 0x55);
    for (const port of [ERROR, COUNT, LBA_LOW, LBA_MID, LBA_HIGH, DEVICE, STATUS, CONTROL]) assert.equal(side.inb(port), 0, `port ${port.toString(16)}`);
    side.outb(COMMAND, 0xec);
    assert.equal(side.sink.level, false);
    assert.equal(side.inw(), 0);
  }
});

test('IDE0016 read-only disk: writes abort before any data; FLUSH CACHE reaches the backend; SET FEATURES', () => {
  const backend = new FakeBackend(1000, true);
  const side = makeChannel({ master: backend });
  side.lba28(5, 1);
  side.outb(COMMAND, 0x30);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x04]);
  assert.deepEqual(backend.writes, []);
  side.lba28(5, 1);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), sectorOf(5), 'reading still works');
  side.outb(COMMAND, 0xe7);
  side.outb(COMMAND, 0xea);
  assert.equal(backend.flushes, 2);
  assert.equal(side.inb(STATUS), 0x50);
  const feature = (code: number, count = 0) => {
    side.outb(FEATURES, code);
    side.outb(COUNT, count);
    side.outb(COMMAND, 0xef);
    return [side.inb(STATUS), side.inb(ERROR)];
  };
  assert.deepEqual(feature(0x03, 0x0c), [0x50, 0], 'PIO flow-control mode 4');
  assert.deepEqual(feature(0x03, 0x45), [0x41, 0x04], 'Ultra DMA mode 5: no DMA here');
  assert.deepEqual(feature(0x82), [0x50, 0], 'write cache off');
  assert.equal(backend.flushes, 3, 'turning the cache off flushes it');
  assert.equal(identify(side)[85] & 0x20, 0);
  assert.deepEqual(feature(0x02), [0x50, 0]);
  assert.equal(identify(side)[85] & 0x20, 0x20);
  assert.deepEqual(feature(0x77), [0x41, 0x04], 'an unknown feature aborts');
});

test('IDE0017 power management, RECALIBRATE, SEEK and EXECUTE DEVICE DIAGNOSTIC', () => {
  const side = makeChannel({ master: RamDisk.blank('a.img', 64), slave: RamDisk.blank('b.img', 64) });
  side.outb(COUNT, 0);
  side.outb(COMMAND, 0xe5);
  assert.deepEqual([side.inb(STATUS), side.inb(COUNT)], [0x50, 0xff], 'CHECK POWER MODE: active');
  for (const code of [0xe0, 0xe1, 0xe2, 0xe3, 0x10, 0x1f]) {
    side.outb(COMMAND, code);
    assert.equal(side.sink.level, true);
    assert.equal(side.inb(STATUS), 0x50, `command ${code.toString(16)}`);
  }
  side.lba28(63, 1);
  side.outb(COMMAND, 0x70);
  assert.equal(side.inb(STATUS), 0x50);
  side.lba28(64, 1);
  side.outb(COMMAND, 0x70);
  assert.deepEqual([side.inb(STATUS), side.inb(ERROR)], [0x41, 0x10], 'SEEK past the end');
  side.lba28(0x1234, 9, 1);
  side.outb(COMMAND, 0x90);
  assert.equal(side.sink.level, true, 'device 0 interrupts');
  assert.deepEqual(
    [side.inb(STATUS), side.inb(ERROR), side.inb(COUNT), side.inb(LBA_LOW), side.inb(LBA_MID), side.inb(DEVICE)],
    [0x50, 0x01, 1, 1, 0, 0xa0],
    'device 0 selected with its signature and the diagnostic code',
  );
});

test('IDE0018 32-bit data accesses move two words; byte writes to the data register move nothing', () => {
  const side = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(64)) });
  side.lba28(3, 1);
  side.outb(COMMAND, 0x20);
  side.inb(STATUS);
  const got = new Uint8Array(SECTOR_SIZE);
  const view = new DataView(got.buffer);
  for (let i = 0; i < SECTOR_SIZE; i += 4) view.setUint32(i, side.io.read(DATA, 4), true);
  assert.deepEqual(got, sectorOf(3));
  assert.equal(side.inb(STATUS), 0x50);
  side.lba28(4, 1);
  side.outb(COMMAND, 0x30);
  side.io.write(DATA, 1, 0x12);
  assert.equal(side.inb(CONTROL), 0x58);
  const data = sectorOf(77);
  const words = new DataView(data.buffer);
  for (let i = 0; i < SECTOR_SIZE; i += 4) side.io.write(DATA, 4, words.getUint32(i, true));
  assert.equal(side.inb(STATUS), 0x50);
  side.lba28(4, 1);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), data);
});

test('IDE0019 two disks: each unit reads its own disk; only the selected device drives INTRQ', () => {
  const side = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(64)), slave: RamDisk.fromBytes('b.img', patternImage(64).map((b) => b ^ 0xff)) });
  side.outb(DEVICE, 0xb0);
  side.outb(COMMAND, 0x10);
  assert.equal(side.sink.level, true, 'device 1 completed RECALIBRATE');
  side.outb(DEVICE, 0xa0);
  assert.equal(side.sink.level, false, 'device 0 selected: device 1 no longer drives the line');
  assert.equal(side.inb(STATUS), 0x50);
  side.outb(DEVICE, 0xb0);
  assert.equal(side.sink.level, true, 'device 1 still has its interrupt pending');
  assert.equal(side.inb(STATUS), 0x50);
  assert.equal(side.sink.level, false);
  side.lba28(2, 1, 1);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), sectorOf(2).map((b) => b ^ 0xff));
  side.outb(DEVICE, 0xe0);
  assert.equal(side.sink.level, false, 'device 0 had nothing pending');
  side.lba28(2, 1, 0);
  side.outb(COMMAND, 0x20);
  assert.deepEqual(readBlock(side, 1), sectorOf(2), 'device 0 reads its own disk');
});

test('IDE0020 RamDisk: copy-on-write overlay, changed sectors, snapshot, ranges, blank and read-only disks', () => {
  const base = patternImage(200);
  const copy = base.slice();
  const disk = RamDisk.fromBytes('disk.img', base);
  assert.deepEqual([disk.sectorCount, disk.readOnly, disk.name], [200, false, 'disk.img']);
  // Across an overlay page boundary (64 sectors a page) and back.
  const data = new Uint8Array(10 * SECTOR_SIZE);
  for (let i = 0; i < 10; i++) data.set(sectorOf(5000 + i), i * SECTOR_SIZE);
  disk.write(60, 10, data, 0);
  disk.write(199, 1, sectorOf(1), 0);
  disk.write(3, 1, sectorOf(2), 0);
  assert.deepEqual(base, copy, 'the base bytes are never modified');
  assert.deepEqual(disk.changedSectors(), [3, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 199]);
  const out = new Uint8Array(14 * SECTOR_SIZE);
  disk.read(58, 14, out, 0);
  assert.deepEqual(out.subarray(0, 2 * SECTOR_SIZE), base.subarray(58 * SECTOR_SIZE, 60 * SECTOR_SIZE));
  assert.deepEqual(out.subarray(2 * SECTOR_SIZE, 12 * SECTOR_SIZE), data);
  assert.deepEqual(out.subarray(12 * SECTOR_SIZE), base.subarray(70 * SECTOR_SIZE, 72 * SECTOR_SIZE));
  const snapshot = disk.snapshotBytes();
  const expected = base.slice();
  expected.set(data, 60 * SECTOR_SIZE);
  expected.set(sectorOf(1), 199 * SECTOR_SIZE);
  expected.set(sectorOf(2), 3 * SECTOR_SIZE);
  assert.deepEqual(snapshot, expected);
  snapshot[0] ^= 1;
  disk.read(0, 1, out, 0);
  assert.equal(out[0], base[0], 'the snapshot is a new array');
  assert.throws(() => disk.read(199, 2, out, 0), RangeError);
  assert.throws(() => disk.write(200, 1, out, 0), RangeError);
  assert.throws(() => disk.read(0, 2, new Uint8Array(600), 0), RangeError);
  const blank = RamDisk.blank('scratch', 1000);
  blank.write(999, 1, sectorOf(9), 0);
  blank.read(998, 2, out, 0);
  assert.deepEqual(out.subarray(0, SECTOR_SIZE), new Uint8Array(SECTOR_SIZE));
  assert.deepEqual(out.subarray(SECTOR_SIZE, 2 * SECTOR_SIZE), sectorOf(9));
  assert.equal(blank.snapshotBytes().length, 1000 * SECTOR_SIZE);
  const readOnly = RamDisk.fromBytes('cd.img', base, { readOnly: true });
  assert.throws(() => readOnly.write(0, 1, out, 0), /disk cd\.img is read-only/);
  assert.deepEqual(readOnly.changedSectors(), []);
});

test('IDE0021 checkDiskImage: sentences for an empty image and one not a whole number of sectors', () => {
  assert.throws(() => checkDiskImage('disk.img', 1000), {
    message: /^disk image disk\.img is 1000 bytes, not a multiple of 512 bytes \(one sector\): pad it to 1024 bytes/,
  });
  assert.throws(() => checkDiskImage('empty.img', 0), { message: /^disk image empty\.img is empty/ });
  assert.doesNotThrow(() => checkDiskImage('ok.img', 1024));
  assert.throws(() => RamDisk.fromBytes('odd.img', new Uint8Array(513)), /odd\.img is 513 bytes/);
});

test('IDE0022 save and restore in the middle of a read and of a multiple write continue identically', () => {
  const image = patternImage(SMALL);
  const a = makeChannel({ master: RamDisk.fromBytes('a.img', image) });
  a.outb(CONTROL, 0x02);
  a.outb(CONTROL, 0x00);
  a.lba28(10, 3);
  a.outb(COMMAND, 0x20);
  a.inb(STATUS);
  for (let i = 0; i < 100; i++) a.inw();
  const saved = JSON.parse(JSON.stringify(a.channel.saveState()));
  const b = makeChannel({ master: RamDisk.fromBytes('a.img', image) });
  b.channel.restoreState(saved);
  assert.deepEqual(b.channel.saveState(), a.channel.saveState());
  for (const side of [a, b]) {
    const rest: number[] = [];
    for (let i = 100; i < 256; i++) rest.push(side.inw());
    assert.equal(rest[155], (sectorOf(10)[510] | (sectorOf(10)[511] << 8)), 'the rest of the first sector');
    assert.deepEqual(readBlock(side, 1), sectorOf(11));
  }
  // Multiple write: four sectors a block, state saved after one and a half blocks.
  const diskA = RamDisk.blank('w.img', 100);
  const diskB = RamDisk.blank('w.img', 100);
  const c = makeChannel({ master: diskA });
  c.outb(COUNT, 4);
  c.outb(COMMAND, 0xc6);
  c.lba28(20, 8);
  c.outb(COMMAND, 0xc5);
  const data = new Uint8Array(8 * SECTOR_SIZE);
  for (let i = 0; i < 8; i++) data.set(sectorOf(300 + i), i * SECTOR_SIZE);
  writeBlock(c, data.subarray(0, 4 * SECTOR_SIZE));
  for (let i = 0; i < 2 * SECTOR_SIZE; i += 2) c.outw(data[4 * SECTOR_SIZE + i] | (data[4 * SECTOR_SIZE + i + 1] << 8));
  const savedWrite = JSON.parse(JSON.stringify(c.channel.saveState()));
  const d = makeChannel({ master: diskB });
  diskB.write(20, 4, data, 0); // the disk contents are not device state: carry them over
  d.channel.restoreState(savedWrite);
  assert.equal(d.sink.level, true, 'the pending interrupt of the first block is restored');
  for (const side of [c, d]) {
    side.inb(STATUS);
    for (let i = 2 * SECTOR_SIZE; i < 4 * SECTOR_SIZE; i += 2) side.outw(data[4 * SECTOR_SIZE + i] | (data[4 * SECTOR_SIZE + i + 1] << 8));
    assert.equal(side.sink.level, true);
    assert.equal(side.inb(STATUS), 0x50);
  }
  assert.deepEqual(diskB.snapshotBytes(), diskA.snapshotBytes());
  assert.deepEqual(diskB.changedSectors(), [20, 21, 22, 23, 24, 25, 26, 27]);
});

test('IDE0023 restoreState names what does not fit', () => {
  const a = makeChannel({ master: RamDisk.blank('a.img', 64) });
  const saved = a.channel.saveState();
  const empty = makeChannel();
  assert.throws(() => empty.channel.restoreState(saved), /ide0 unit 0: it had a disk when saved and has none now/);
  assert.throws(() => a.channel.restoreState({ ...saved, selected: 2 }), /field selected is 2/);
  assert.throws(() => a.channel.restoreState({ ...saved, units: [] }), /field units/);
  const units = saved.units;
  assert.ok(Array.isArray(units));
  const unit0 = units[0];
  assert.ok(unit0 !== null && typeof unit0 === 'object' && !Array.isArray(unit0));
  assert.throws(() => a.channel.restoreState({ ...saved, units: [{ ...unit0, dataEnd: 99999 }, units[1]] }), /ide0 unit 0: field dataEnd/);
  assert.throws(() => a.channel.restoreState({ ...saved, units: [{ ...unit0, status: 'ready' }, units[1]] }), /field status is not a number/);
});

test('IDE0024 reset() returns to power-on state: multiple mode 16, default translation, interrupt released', () => {
  const side = makeChannel({ master: RamDisk.blank('a.img', SMALL) });
  side.outb(COUNT, 2);
  side.outb(COMMAND, 0xc6);
  side.outb(COUNT, 9);
  side.outb(DEVICE, 0xa1);
  side.outb(COMMAND, 0x91);
  side.outb(CONTROL, 0x02);
  assert.equal(side.sink.level, false);
  side.outb(CONTROL, 0x00);
  assert.equal(side.sink.level, true);
  side.channel.reset();
  assert.equal(side.sink.level, false);
  const words = identify(side);
  assert.deepEqual([words[54], words[55], words[56], words[59]], [10, 16, 63, 0x0110]);
});

test('IDE0025 a backend that completes later: READ shows BSY (no DRQ, no interrupt) until the block is there', () => {
  const backend = new DeferredBackend(RamDisk.fromBytes('a.img', patternImage(SMALL)));
  const side = makeChannel({ master: backend });
  side.lba28(40, 2);
  side.outb(COMMAND, 0x20);
  assert.equal(side.inb(CONTROL), 0xc0, 'BSY (with DRDY, as QEMU shows it) while the backend works');
  assert.equal(side.sink.level, false, 'no interrupt yet');
  assert.equal(side.inw(), 0, 'no data while BSY');
  side.outb(LBA_LOW, 0x77);
  side.outb(COMMAND, 0xec);
  assert.equal(side.inb(LBA_LOW), 40, 'register writes and commands are ignored while BSY');
  assert.equal(side.inb(STATUS), 0xc0, 'the guest may poll Status');
  assert.equal(backend.complete(), 'read');
  assert.deepEqual(readBlock(side, 1), sectorOf(40), 'then DRQ and the interrupt, as with a RAM disk');
  assert.equal(side.inb(CONTROL), 0xc0, 'emptying the buffer asks for the next block: BSY again');
  assert.equal(backend.complete(), 'read');
  assert.deepEqual(readBlock(side, 1), sectorOf(41));
  assert.equal(side.inb(STATUS), 0x50);
  assert.equal(backend.queue.length, 0, 'nothing is asked after the last block');
  assert.equal(side.sink.edges, 2);
});

test('IDE0026 a backend that completes later: WRITE is BSY after each block until it is written, then DRQ or the end', () => {
  const disk = RamDisk.blank('w.img', 100);
  const backend = new DeferredBackend(disk);
  const side = makeChannel({ master: backend });
  side.lba28(7, 2);
  side.outb(COMMAND, 0x30);
  assert.equal(side.inb(CONTROL), 0x58, 'DRQ for the first block, no BSY');
  for (let i = 0; i < SECTOR_SIZE; i += 2) side.outw(sectorOf(70)[i] | (sectorOf(70)[i + 1] << 8));
  assert.equal(side.inb(CONTROL), 0xc0, 'BSY while the block goes to the disk');
  assert.equal(side.sink.level, false, 'the interrupt waits for the backend');
  side.outw(0x1234);
  assert.equal(backend.complete(), 'write');
  assert.equal(side.sink.level, true, 'the interrupt of the first block');
  assert.equal(side.inb(STATUS), 0x58, 'DRQ for the second block');
  for (let i = 0; i < SECTOR_SIZE; i += 2) side.outw(sectorOf(71)[i] | (sectorOf(71)[i + 1] << 8));
  assert.equal(side.inb(CONTROL), 0xc0);
  assert.equal(backend.complete(), 'write');
  assert.equal(side.sink.level, true);
  assert.equal(side.inb(STATUS), 0x50, 'done');
  const check = new Uint8Array(2 * SECTOR_SIZE);
  disk.read(7, 2, check, 0);
  assert.deepEqual(check.subarray(0, SECTOR_SIZE), sectorOf(70), 'the word written while BSY was dropped');
  assert.deepEqual(check.subarray(SECTOR_SIZE), sectorOf(71));
});

test('IDE0027 FLUSH CACHE waits for the backend; backend errors end commands with UNC, IDNF or ABRT', () => {
  const backend = new DeferredBackend(RamDisk.fromBytes('a.img', patternImage(64)));
  const side = makeChannel({ master: backend });
  side.outb(COMMAND, 0xe7);
  assert.equal(side.inb(STATUS), 0xc0, 'BSY until the flush is durable');
  assert.equal(side.sink.level, false);
  assert.equal(backend.complete(), 'flush');
  assert.equal(side.sink.level, true, 'the interrupt when the flush is done');
  assert.equal(side.inb(STATUS), 0x50);
  const expectError = (command: number, error: string, errorBits: number) => {
    side.lba28(3, 1);
    side.outb(COMMAND, command);
    if (command === 0x30) for (let i = 0; i < SECTOR_SIZE; i += 2) side.outw(0);
    assert.equal(side.inb(CONTROL) & 0x80, 0x80);
    backend.failNext(error);
    assert.equal(side.sink.level, true, `0x${command.toString(16)} with ${error}: an interrupt`);
    assert.equal(side.inb(STATUS), 0x41, 'ERR');
    assert.equal(side.inb(ERROR), errorBits);
  };
  expectError(0x20, BLOCK_ERROR_IO, 0x40);
  expectError(0x20, BLOCK_ERROR_RANGE, 0x10);
  expectError(0x30, BLOCK_ERROR_IO, 0x04);
  expectError(0xe7, BLOCK_ERROR_IO, 0x04);
  assert.equal(backend.queue.length, 0);
});

test('IDE0028 a pending request: a reset forgets it, a late completion changes nothing; a saved state retries it', () => {
  const backend = new DeferredBackend(RamDisk.fromBytes('a.img', patternImage(64)));
  const side = makeChannel({ master: backend });
  side.lba28(5, 1);
  side.outb(COMMAND, 0x20);
  side.outb(CONTROL, 0x04);
  side.outb(CONTROL, 0x00);
  assert.equal(side.inb(STATUS), 0x50, 'the reset ended the command');
  side.outb(COMMAND, 0xec);
  const identifyWords = side.inw();
  backend.complete(); // the read given up by the reset
  assert.equal(side.inb(STATUS), 0x58, 'IDENTIFY goes on');
  assert.equal(side.inw(), 2, 'the late read did not land in the buffer of IDENTIFY (word 1: two cylinders)');
  assert.equal(identifyWords, 0x0040);
  for (let i = 2; i < 256; i++) side.inw();
  // Saved while a read is with the backend: the restored channel asks its backend again.
  side.lba28(9, 2);
  side.outb(COMMAND, 0x20);
  const savedRead = JSON.parse(JSON.stringify(side.channel.saveState()));
  const restored = makeChannel({ master: RamDisk.fromBytes('a.img', patternImage(64)) });
  restored.channel.restoreState(savedRead);
  assert.deepEqual(readBlock(restored, 1), sectorOf(9), 'the read was retried and completed at once');
  assert.deepEqual(readBlock(restored, 1), sectorOf(10));
  backend.complete();
  assert.deepEqual(readBlock(side, 1), sectorOf(9), 'the original goes on as well');
  // Saved while a write is with the backend: the block is in the state and is written again.
  const target = RamDisk.blank('w.img', 64);
  const writer = new DeferredBackend(target);
  const restoredWrite = makeChannel({ master: writer });
  side.channel.reset();
  side.lba28(20, 1);
  side.outb(COMMAND, 0x30);
  for (let i = 0; i < SECTOR_SIZE; i += 2) side.outw(sectorOf(99)[i] | (sectorOf(99)[i + 1] << 8));
  assert.equal(backend.queue.length, 2, 'the read of sector 10 that reset() gave up, and the write');
  restoredWrite.channel.restoreState(JSON.parse(JSON.stringify(side.channel.saveState())));
  assert.equal(restoredWrite.inb(CONTROL), 0xc0, 'BSY: the write is pending again');
  assert.equal(writer.complete(), 'write');
  assert.equal(restoredWrite.inb(STATUS), 0x50);
  const check = new Uint8Array(SECTOR_SIZE);
  target.read(20, 1, check, 0);
  assert.deepEqual(check, sectorOf(99));
});
