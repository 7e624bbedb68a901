// QEMU's fw_cfg on the PC's ports 0x510/0x511, read the way SeaBIOS reads it, and memory-mapped
// as on ARM's virt (big-endian registers, with and without DMA), read the way U-Boot reads it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FW_CFG_DMA_CTL_ERROR,
  FW_CFG_DMA_CTL_READ,
  FW_CFG_DMA_CTL_SELECT,
  FW_CFG_DMA_CTL_SKIP,
  FW_CFG_DMA_CTL_WRITE,
  FW_CFG_FILE_DIR,
  FW_CFG_ID,
  FW_CFG_MMIO_SIZE,
  FW_CFG_RAM_SIZE,
  FW_CFG_SIGNATURE,
  FwCfg,
  littleEndian,
} from '../../src/devices/fw-cfg.js';
import { IsaDebugcon } from '../../src/devices/isa-debugcon.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { PhysicalMemory } from '../../src/hw/memory.js';

function rig(): { io: IoPorts; fw: FwCfg } {
  const io = new IoPorts();
  const fw = new FwCfg();
  fw.attach(io);
  return { io, fw };
}

function readItem(io: IoPorts, key: number, length: number): number[] {
  io.write(0x510, 2, key);
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(io.read(0x511, 1));
  return out;
}

test('FWCFG0001 the signature "QEMU" and interface id 1 (traditional, no DMA)', () => {
  const { io } = rig();
  assert.equal(String.fromCharCode(...readItem(io, FW_CFG_SIGNATURE, 4)), 'QEMU');
  assert.deepEqual(readItem(io, FW_CFG_ID, 4), [1, 0, 0, 0]);
});

test('FWCFG0002 reading past the end gives 0; selecting again rewinds; a 16-bit read takes two bytes', () => {
  const { io } = rig();
  assert.deepEqual(readItem(io, FW_CFG_SIGNATURE, 6), [0x51, 0x45, 0x4d, 0x55, 0, 0]);
  io.write(0x510, 2, FW_CFG_SIGNATURE);
  assert.equal(io.read(0x511, 2), 0x4551);
  assert.equal(io.read(0x511, 1), 0x4d);
  assert.deepEqual(readItem(io, 0x1234, 2), [0, 0], 'an unknown key reads as empty');
});

test('FWCFG0003 integers are little-endian; data-port writes change nothing', () => {
  const { io, fw } = rig();
  fw.setInt(FW_CFG_RAM_SIZE, 8, 0x1_2345_6789);
  io.write(0x510, 2, FW_CFG_RAM_SIZE);
  io.write(0x511, 1, 0xaa);
  assert.deepEqual(readItem(io, FW_CFG_RAM_SIZE, 8), [0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0]);
  assert.deepEqual([...littleEndian(4, 0xffffffff)], [0xff, 0xff, 0xff, 0xff]);
});

test('FWCFG0004 the file directory: big-endian count, size and selector, names sorted, selectors from 0x20', () => {
  const { io, fw } = rig();
  fw.addFile('vgaroms/vgabios-isavga.bin', new Uint8Array([0x55, 0xaa, 7]));
  fw.addFile('etc/e820', new Uint8Array(20));
  fw.addFile('etc/boot-fail-wait', littleEndian(4, 0xffffffff));
  const directory = readItem(io, FW_CFG_FILE_DIR, 4 + 3 * 64);
  assert.deepEqual(directory.slice(0, 4), [0, 0, 0, 3]);
  const entries = [0, 1, 2].map((index) => {
    const at = 4 + index * 64;
    const bytes = directory.slice(at, at + 64);
    const size = (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3];
    const select = (bytes[4] << 8) | bytes[5];
    const nameBytes = bytes.slice(8);
    const name = String.fromCharCode(...nameBytes.slice(0, nameBytes.indexOf(0)));
    return { name, size, select };
  });
  assert.deepEqual(entries, [
    { name: 'etc/boot-fail-wait', size: 4, select: 0x20 },
    { name: 'etc/e820', size: 20, select: 0x21 },
    { name: 'vgaroms/vgabios-isavga.bin', size: 3, select: 0x22 },
  ]);
  assert.deepEqual(readItem(io, 0x22, 4), [0x55, 0xaa, 7, 0]);
  assert.equal(fw.fileSelector('etc/e820'), 0x21);
  assert.throws(() => fw.addFile('x'.repeat(56), new Uint8Array(1)), /1 to 55 bytes/);
  assert.throws(() => fw.setItem(0x21, new Uint8Array(1)), /not a numbered item/);
});

test('FWCFG0005 saved state keeps the selected item and the read position', () => {
  const { io, fw } = rig();
  io.write(0x510, 2, FW_CFG_SIGNATURE);
  io.read(0x511, 1);
  const saved = JSON.parse(JSON.stringify(fw.saveState()));
  io.write(0x510, 2, FW_CFG_ID);
  fw.restoreState(saved);
  assert.equal(io.read(0x511, 1), 0x45);
});

test('FWCFG0006 the debug console on port 0x402 passes bytes on and reads back 0xE9', () => {
  const io = new IoPorts();
  let text = '';
  new IsaDebugcon((byte) => (text += String.fromCharCode(byte))).attach(io);
  for (const c of 'ok\n') io.write(0x402, 1, c.charCodeAt(0));
  io.write(0x402, 2, 0x2121);
  assert.equal(text, 'ok\n!');
  assert.equal(io.read(0x402, 1), 0xe9);
});

/** virt's layout: the fw_cfg registers at 0x09020000, big-endian, in a little-endian machine with RAM at 0x40000000. */
function mmioRig(dma: boolean): { memory: PhysicalMemory; fw: FwCfg } {
  const memory = new PhysicalMemory('little');
  memory.addRam('ram', 0x40000000, new Uint8Array(0x10000));
  const fw = new FwCfg();
  if (dma) fw.enableDma(memory);
  memory.addMmio('fw-cfg', 0x09020000, FW_CFG_MMIO_SIZE, fw.mmioHandler(), 'big');
  return { memory, fw };
}

test('FWCFG0007 MMIO form: 16-bit big-endian selector at +8; the data register gives the item bytes in order at any width', () => {
  const { memory, fw } = mmioRig(false);
  fw.setInt(FW_CFG_RAM_SIZE, 8, 0x10000000);
  // U-Boot's qemu_fwcfg_read_entry_pio on ARM: writew(cpu_to_be16(key)) then byte reads.
  memory.write16(0x09020008, ((FW_CFG_SIGNATURE & 0xff) << 8) | (FW_CFG_SIGNATURE >>> 8));
  assert.deepEqual([0, 1, 2, 3].map(() => memory.read8(0x09020000)), [0x51, 0x45, 0x4d, 0x55]);
  memory.write16(0x09020008, 0x0300); // FW_CFG_RAM_SIZE, big-endian on the bus
  const words = new Uint32Array(2);
  memory.read64(0x09020000, words);
  const bytes = new Uint8Array(words.buffer);
  assert.deepEqual([...bytes], [0, 0, 0, 0x10, 0, 0, 0, 0], 'an 8-byte read: the item bytes in memory order');
  memory.write16(0x09020008, 0x0000);
  assert.equal(memory.read32(0x09020000), 0x554d4551, 'a 32-bit load sees "QEMU" as bytes in memory');
  assert.equal(memory.read16(0x09020000), 0x0000, 'past the end: zeros');
  assert.equal(memory.read32(0x09020010), 0, 'no DMA register without DMA');
  assert.deepEqual(readItemVia(memory, FW_CFG_ID), [1, 0, 0, 0]);
});

function readItemVia(memory: PhysicalMemory, key: number): number[] {
  memory.write16(0x09020008, ((key & 0xff) << 8) | (key >>> 8));
  return [0, 1, 2, 3].map(() => memory.read8(0x09020000));
}

test('FWCFG0008 MMIO DMA: the signature, ID bit 1, select+read into RAM, skip, zeros past the end, control written back', () => {
  const { memory, fw } = mmioRig(true);
  fw.addFile('etc/table', Uint8Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual(readItemVia(memory, FW_CFG_ID), [3, 0, 0, 0]);
  assert.equal(memory.read32(0x09020010), 0x554d4551, '"QEMU" of "QEMU CFG" in memory order');
  assert.equal(memory.read32(0x09020014), 0x47464320, '" CFG"');
  const access = 0x40000100;
  const target = 0x40000200;
  const setAccess = (control: number, length: number, address: number) => {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, control, false);
    view.setUint32(4, length, false);
    view.setUint32(8, 0, false);
    view.setUint32(12, address, false);
    memory.writeBytes(access, bytes);
  };
  /** U-Boot's qemu_fwcfg_dma_transfer on MMIO: two big-endian 32-bit writes, low word last. */
  const kick = () => {
    const swap = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
    memory.write32(0x09020010, swap(0));
    memory.write32(0x09020014, swap(access));
  };
  const selector = fw.fileSelector('etc/table');
  setAccess(((selector << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ) >>> 0, 2, target);
  kick();
  assert.deepEqual([memory.read8(target), memory.read8(target + 1)], [1, 2]);
  assert.equal(memory.read32(access), 0, 'control 0: done without error');
  setAccess(FW_CFG_DMA_CTL_SKIP, 2, 0);
  kick();
  setAccess(FW_CFG_DMA_CTL_READ, 4, target);
  memory.write32(target, 0xffffffff);
  memory.write32(target + 4, 0xffffffff);
  kick();
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => memory.read8(target + i)), [5, 6, 0, 0, 0xff], 'past the end: zeros, nothing beyond the length');
  setAccess(FW_CFG_DMA_CTL_WRITE, 1, target);
  kick();
  assert.equal(memory.read8(access + 3), FW_CFG_DMA_CTL_ERROR, 'nothing is writable: error bit');
  const saved = JSON.parse(JSON.stringify(fw.saveState()));
  fw.restoreState(saved);
});
