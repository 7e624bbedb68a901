// QEMU's fw_cfg on the PC's ports 0x510/0x511, read the way SeaBIOS reads it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FW_CFG_FILE_DIR, FW_CFG_ID, FW_CFG_RAM_SIZE, FW_CFG_SIGNATURE, FwCfg, littleEndian } from '../../src/devices/fw-cfg.js';
import { IsaDebugcon } from '../../src/devices/isa-debugcon.js';
import { IoPorts } from '../../src/hw/ioports.js';

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
