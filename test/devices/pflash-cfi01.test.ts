// The Intel-command-set CFI flash bank of QEMU's virt: the "QRY" table through a 32-bit port of
// two x16 chips, U-Boot's real probe of both banks replayed from a QEMU trace, the identifier
// codes, word and buffered programming, block erase, status and its error bits, block locking,
// array-mode switching for the ROM mapping, and saved state.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PhysicalMemory } from '../../src/hw/memory.js';
import {
  CFI_BLOCK_ERASE,
  CFI_BUFFERED_PROGRAM,
  CFI_CLEAR_STATUS,
  CFI_CONFIRM,
  CFI_LOCK_BLOCK,
  CFI_LOCK_SETUP,
  CFI_PROGRAM,
  CFI_QUERY,
  CFI_READ_ARRAY,
  CFI_READ_ID,
  CFI_READ_STATUS,
  PflashCfi01,
  SR_ERASE_ERROR,
  SR_LOCKED,
  SR_PROGRAM_ERROR,
  SR_READY,
  VIRT_FLASH_SECTOR,
  VIRT_FLASH_SIZE,
} from '../../src/devices/pflash-cfi01.js';

const BANK1 = 0x04000000;

function makeFlash(readOnly = false) {
  const flash = new PflashCfi01({ name: 'virt.flash1', readOnly });
  const memory = new PhysicalMemory('little');
  memory.addMmio('flash1', BANK1, VIRT_FLASH_SIZE, flash, 'little');
  const modes: boolean[] = [];
  flash.onModeChange = (arrayMode) => modes.push(arrayMode);
  /** U-Boot's flash_write_cmd for a 32-bit port of x16 chips: the command in each chip's lane. */
  const command = (offset: number, cmd: number) => memory.write32(BANK1 + offset, (cmd | (cmd << 16)) >>> 0);
  const read32 = (offset: number) => memory.read32(BANK1 + offset);
  const write32 = (offset: number, value: number) => memory.write32(BANK1 + offset, value);
  /** flash_read_uchar: byte `index` of the query or ID space, at index × port width. */
  const queryByte = (index: number) => memory.read8(BANK1 + index * 4);
  return { flash, memory, modes, command, read32, write32, queryByte };
}

test('CFI0001 the CFI table as a 32-bit read sees it: "QRY" replicated per chip, command set 0x0001, 2^25 bytes per chip, one region of 256 × 128 KiB', () => {
  const { command, read32, queryByte, flash } = makeFlash();
  command(0, 0xf0);
  command(0, CFI_READ_ARRAY);
  command(0x55 * 4, CFI_QUERY);
  assert.deepEqual([0x10, 0x11, 0x12].map((i) => read32(i * 4)), [0x00510051, 0x00520052, 0x00590059]);
  assert.equal(String.fromCharCode(queryByte(0x10), queryByte(0x11), queryByte(0x12)), 'QRY');
  assert.equal(queryByte(0x13) | (queryByte(0x14) << 8), 0x0001, 'primary vendor command set: Intel/Sharp extended');
  assert.equal(queryByte(0x15) | (queryByte(0x16) << 8), 0x31, 'primary extended table address');
  assert.equal(queryByte(0x27), 25, 'device size 2^25 per chip: two chips make the 64 MiB bank');
  assert.equal(queryByte(0x28) | (queryByte(0x29) << 8), 0x0002, 'x8/x16 interface');
  assert.equal(queryByte(0x2a), 11, '2 KiB write buffer per chip');
  assert.equal(queryByte(0x2c), 1, 'one erase block region');
  const blocks = (queryByte(0x2d) | (queryByte(0x2e) << 8)) + 1;
  const blockBytes = (queryByte(0x2f) | (queryByte(0x30) << 8)) * 256;
  assert.deepEqual([blocks, blockBytes], [256, 128 * 1024]);
  assert.equal(blockBytes * 2, VIRT_FLASH_SECTOR, 'a 256 KiB block across the two chips');
  assert.equal(String.fromCharCode(queryByte(0x31), queryByte(0x32), queryByte(0x33)), 'PRI');
  assert.deepEqual([queryByte(0x1b), queryByte(0x1c), queryByte(0x1f), queryByte(0x21)], [0x45, 0x55, 0x07, 0x0a]);
  assert.equal(flash.cfiTable[0x27], 25);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(0x40), 0xffffffff, 'back to the (erased) array');
});

/**
 * What U-Boot 2023.01 did to both banks of qemu-system-arm 7.2's virt on its way to the prompt,
 * recorded with QEMU's pflash trace: its CFI probe tries port and chip widths and A0 wiring until
 * a 16-bit read at 0x40 answers 'Q' (it settles on "16 x 16" with the address shifted by one more
 * bit, so it sees each bank as one x16 chip of 32 MiB in 256 sectors of 128 KiB: "Flash: 64 MiB"
 * for both), reads the table and the IDs, and reads the lock status of every sector.
 */
const ubootTrace = fileURLToPath(new URL('../../../test/devices/fixtures/uboot-virt-pflash-probe.trace', import.meta.url));

test('CFI0009 replaying U-Boot\'s probe of both banks: every read answers what QEMU answered, and both banks end in read-array mode', () => {
  const banks = [new PflashCfi01({ name: 'virt.flash0' }), new PflashCfi01({ name: 'virt.flash1' })];
  let reads = 0;
  for (const line of fs.readFileSync(ubootTrace, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [bank, kind, offsetHex, sizeText, valueHex] = line.split(' ');
    const flash = banks[Number(bank)];
    const offset = parseInt(offsetHex, 16);
    const size = Number(sizeText) as 1 | 2 | 4;
    const mask = size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    const value = (parseInt(valueHex, 16) & mask) >>> 0;
    if (kind === 'w') {
      flash.write(offset, size, value);
    } else {
      assert.equal(flash.read(offset, size), value, `${line}: bank ${bank} read at 0x${offsetHex}`);
      reads++;
    }
  }
  assert.equal(reads, 636);
  assert.deepEqual(banks.map((flash) => flash.arrayMode), [true, true]);
});

test('CFI0002 read identifier: manufacturer 0x89 and device 0x18 in each chip lane; block lock status at word 2', () => {
  const { command, read32, queryByte } = makeFlash();
  command(0, CFI_READ_ID);
  assert.equal(read32(0), 0x00890089);
  assert.equal(read32(4), 0x00180018);
  assert.deepEqual([queryByte(0), queryByte(1)], [0x89, 0x18]);
  assert.equal(read32(VIRT_FLASH_SECTOR * 3 + 8), 0, 'block 3 unlocked');
});

test('CFI0003 word program: status mode after it, SR7 ready, bits only cleared; read array returns the data', () => {
  const { command, read32, write32, flash, modes } = makeFlash();
  command(0x100, CFI_PROGRAM);
  write32(0x100, 0x12345678);
  assert.equal(read32(0x100), (SR_READY | (SR_READY << 16)) >>> 0, 'reads show the status of both chips');
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(0x100), 0x12345678);
  command(0x100, CFI_PROGRAM);
  write32(0x100, 0xffff0000);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(0x100), 0x12340000, 'programming can only clear bits');
  assert.deepEqual(modes, [false, true, false, true]);
  assert.equal(flash.arrayMode, true);
  assert.equal(flash.bytes[0x100], 0x00);
  assert.equal(flash.bytes[0x103], 0x12);
});

test('CFI0004 block erase: 0x20 then 0xD0 erases the 256 KiB block holding the address; a wrong confirm is a sequence error', () => {
  const { command, read32, write32, flash } = makeFlash();
  flash.bytes.fill(0, 0, 3 * VIRT_FLASH_SECTOR);
  const changed: [number, number][] = [];
  flash.onContentsChange = (offset, length) => changed.push([offset, length]);
  command(VIRT_FLASH_SECTOR + 0x1234, CFI_BLOCK_ERASE);
  assert.equal(flash.bytes[VIRT_FLASH_SECTOR], 0, 'nothing happens before the confirm');
  command(VIRT_FLASH_SECTOR + 0x1234, CFI_CONFIRM);
  assert.equal(read32(VIRT_FLASH_SECTOR) & 0xff, SR_READY);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(VIRT_FLASH_SECTOR - 4), 0, 'the block before is untouched');
  assert.equal(read32(VIRT_FLASH_SECTOR), 0xffffffff);
  assert.equal(read32(2 * VIRT_FLASH_SECTOR - 4), 0xffffffff);
  assert.equal(read32(2 * VIRT_FLASH_SECTOR), 0, 'the block after is untouched');
  assert.deepEqual(changed, [[VIRT_FLASH_SECTOR, VIRT_FLASH_SECTOR]]);
  command(0, CFI_BLOCK_ERASE);
  write32(0, 0x00ff00ff);
  command(0, CFI_READ_STATUS);
  assert.equal(read32(0) & 0xff, SR_READY | SR_ERASE_ERROR | SR_PROGRAM_ERROR);
  command(0, CFI_CLEAR_STATUS);
  command(0, CFI_READ_STATUS);
  assert.equal(read32(0) & 0xff, SR_READY);
});

test('CFI0005 buffered program as U-Boot does it: 0xE8, count-1, the words, 0xD0 — written at the confirm', () => {
  const { command, read32, write32, flash } = makeFlash();
  const base = 0x40000;
  command(base, CFI_BUFFERED_PROGRAM);
  assert.equal(read32(base) & 0x80, 0x80, 'XSR: a buffer is free');
  command(base, 7); // 8 words
  for (let i = 0; i < 8; i++) write32(base + 4 * i, 0x11111111 * i);
  assert.equal(flash.bytes[base + 4], 0xff, 'still in the buffer');
  command(base, CFI_CONFIRM);
  assert.equal(read32(base) & 0xff, SR_READY);
  command(0, CFI_READ_ARRAY);
  assert.deepEqual(Array.from({ length: 8 }, (_, i) => read32(base + 4 * i)), Array.from({ length: 8 }, (_, i) => (0x11111111 * i) >>> 0));
  command(base, CFI_BUFFERED_PROGRAM);
  command(base, 2047); // 2048 words × 4 bytes is more than the 4 KiB buffer of the bank
  assert.equal(read32(base) & 0x30, SR_ERASE_ERROR | SR_PROGRAM_ERROR);
  command(0, CFI_CLEAR_STATUS);
  command(base, CFI_BUFFERED_PROGRAM);
  command(base, 0);
  write32(base, 0);
  command(base, CFI_READ_ARRAY); // not a confirm
  assert.equal(read32(base) & 0x30, SR_ERASE_ERROR | SR_PROGRAM_ERROR);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(base), 0, 'word 0 was already 0');
});

test('CFI0006 block lock: programming and erasing a locked block fail with SR1; unlock restores; ID mode shows the lock bit', () => {
  const { command, read32, write32 } = makeFlash();
  const block = 5 * VIRT_FLASH_SECTOR;
  command(block, CFI_LOCK_SETUP);
  command(block, CFI_LOCK_BLOCK);
  command(block, CFI_READ_ID);
  assert.equal(read32(block + 8), 0x00010001);
  command(0, CFI_READ_ARRAY);
  command(block, CFI_PROGRAM);
  write32(block, 0);
  assert.equal(read32(block) & 0xff, SR_READY | SR_PROGRAM_ERROR | SR_LOCKED);
  command(0, CFI_CLEAR_STATUS);
  command(block, CFI_BLOCK_ERASE);
  command(block, CFI_CONFIRM);
  assert.equal(read32(block) & 0xff, SR_READY | SR_ERASE_ERROR | SR_LOCKED);
  command(0, CFI_CLEAR_STATUS);
  command(block, CFI_LOCK_SETUP);
  command(block, CFI_CONFIRM);
  command(block, CFI_PROGRAM);
  write32(block, 0x0f0f0f0f);
  assert.equal(read32(block) & 0xff, SR_READY);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(block), 0x0f0f0f0f);
});

test('CFI0007 a read-only bank refuses programming; load() fills the bank and refuses an image too big for it', () => {
  const { command, read32, write32, flash } = makeFlash(true);
  flash.load(Uint8Array.of(1, 2, 3, 4), 8);
  assert.equal(read32(8), 0x04030201);
  command(8, CFI_PROGRAM);
  write32(8, 0);
  assert.equal(read32(8) & SR_PROGRAM_ERROR, SR_PROGRAM_ERROR);
  command(0, CFI_READ_ARRAY);
  assert.equal(read32(8), 0x04030201);
  assert.throws(() => flash.load(new Uint8Array(VIRT_FLASH_SIZE + 1)), /does not fit the 67108864-byte flash bank/);
});

test('CFI0008 saved state keeps the mode, the status and the locks; reset returns to read array', () => {
  const { command, read32, flash, modes } = makeFlash();
  command(VIRT_FLASH_SECTOR, CFI_LOCK_SETUP);
  command(VIRT_FLASH_SECTOR, CFI_LOCK_BLOCK);
  command(0, CFI_QUERY);
  const saved = JSON.parse(JSON.stringify(flash.saveState()));
  command(0, CFI_READ_ARRAY);
  flash.restoreState(saved);
  assert.equal(read32(0x40), 0x00510051);
  assert.equal(flash.isLocked(VIRT_FLASH_SECTOR), true);
  flash.reset();
  assert.equal(flash.arrayMode, true);
  assert.equal(modes[modes.length - 1], true);
  assert.throws(() => flash.restoreState({ ...saved, mode: 'x' }), /field mode/);
});
