// The VGA: register groups and the attribute flip-flop, the memory map windows, text mode through
// 0xB8000, the planar read and write modes checked against values worked out by hand from the IBM
// VGA technical reference, chain-4, the standard modes 03h/12h/13h programmed from the IBM mode
// tables and rendered, input status 1 from guest time, the Bochs VBE registers, saved state, and
// screenshots as PNG.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { MachineClock } from '../../src/hw/clock.js';
import { IoPorts } from '../../src/hw/ioports.js';
import { PhysicalMemory } from '../../src/hw/memory.js';
import { CP437_TO_UNICODE, cp437ToUnicode } from '../../src/hw/cp437.js';
import { encodePng, writePngFile } from '../../src/host/png.js';
import { Vga, type VgaImage, type VgaOptions } from '../../src/devices/vga.js';

function makeVga(options: Partial<VgaOptions> = {}) {
  const clock = new MachineClock();
  const io = new IoPorts();
  const memory = new PhysicalMemory('little');
  const vga = new Vga({ clock, ...options });
  vga.attach(io, memory);
  const out = (port: number, value: number) => io.write(port, 1, value);
  const inb = (port: number) => io.read(port, 1);
  const poke = (address: number, value: number) => memory.write8(address, value);
  const peek = (address: number) => memory.read8(address);
  const seq = (index: number, value: number) => io.write(0x3c4, 2, index | (value << 8));
  const gc = (index: number, value: number) => io.write(0x3ce, 2, index | (value << 8));
  const crtc = (index: number, value: number) => {
    out(0x3d4, index);
    out(0x3d5, value);
  };
  const readSeq = (index: number) => (out(0x3c4, index), inb(0x3c5));
  const readGc = (index: number) => (out(0x3ce, index), inb(0x3cf));
  const readCrtc = (index: number) => (out(0x3d4, index), inb(0x3d5));
  const attr = (index: number, value: number) => {
    inb(0x3da);
    out(0x3c0, index);
    out(0x3c0, value);
    out(0x3c0, 0x20);
  };
  return { clock, io, memory, vga, out, inb, poke, peek, seq, gc, crtc, readSeq, readGc, readCrtc, attr };
}

type Harness = ReturnType<typeof makeVga>;

interface ModeTable {
  misc: number;
  sequencer: number[];
  crtc: number[];
  graphics: number[];
  attribute: number[];
}

// IBM VGA Technical Reference, "Video Subsystem", the register tables of the standard modes.
const MODE_03: ModeTable = {
  misc: 0x67,
  sequencer: [0x03, 0x00, 0x03, 0x00, 0x02],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff],
  attribute: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00],
};
const MODE_12: ModeTable = {
  misc: 0xe3,
  sequencer: [0x03, 0x01, 0x0f, 0x00, 0x06],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0x0b, 0x3e, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xea, 0x8c, 0xdf, 0x28, 0x00, 0xe7, 0x04, 0xe3, 0xff],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0f, 0xff],
  attribute: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x01, 0x00, 0x0f, 0x00, 0x00],
};
const MODE_13: ModeTable = {
  misc: 0x63,
  sequencer: [0x03, 0x01, 0x0f, 0x00, 0x0e],
  crtc: [0x5f, 0x4f, 0x50, 0x82, 0x54, 0x80, 0xbf, 0x1f, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x40, 0x96, 0xb9, 0xa3, 0xff],
  graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0f, 0xff],
  attribute: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x41, 0x00, 0x0f, 0x00, 0x00],
};

/** Programs a mode as a VGA BIOS does: misc, sequencer under reset, CRTC unlocked, GC, attributes, then the EGA palette in the DAC. */
function setMode(h: Harness, table: ModeTable): void {
  h.out(0x3c2, table.misc);
  h.seq(0, 0x01);
  for (let i = 1; i < table.sequencer.length; i++) h.seq(i, table.sequencer[i]);
  h.seq(0, 0x03);
  h.crtc(0x11, 0x00);
  table.crtc.forEach((value, index) => h.crtc(index, value));
  table.graphics.forEach((value, index) => h.gc(index, value));
  h.inb(0x3da);
  table.attribute.forEach((value, index) => {
    h.out(0x3c0, index);
    h.out(0x3c0, value);
  });
  h.out(0x3c0, 0x20);
  // The 64 EGA colours: bits 0–2 are blue, green, red at 2/3 intensity, bits 3–5 the same at 1/3.
  h.out(0x3c8, 0);
  for (let i = 0; i < 64; i++) {
    h.out(0x3c9, (i & 4 ? 0x2a : 0) + (i & 0x20 ? 0x15 : 0));
    h.out(0x3c9, (i & 2 ? 0x2a : 0) + (i & 0x10 ? 0x15 : 0));
    h.out(0x3c9, (i & 1 ? 0x2a : 0) + (i & 0x08 ? 0x15 : 0));
  }
}

function pixel(image: VgaImage, x: number, y: number): [number, number, number, number] {
  const at = (y * image.width + x) * 4;
  return [image.rgba[at], image.rgba[at + 1], image.rgba[at + 2], image.rgba[at + 3]];
}

const BLACK = [0x00, 0x00, 0x00, 0xff];
const BLUE = [0x00, 0x00, 0xaa, 0xff];
const RED = [0xaa, 0x00, 0x00, 0xff];
const BROWN = [0xaa, 0x55, 0x00, 0xff];
const GREY = [0xaa, 0xaa, 0xaa, 0xff];
const LIGHT_BLUE = [0x55, 0x55, 0xff, 0xff];
const YELLOW = [0xff, 0xff, 0x55, 0xff];
const WHITE = [0xff, 0xff, 0xff, 0xff];

/** Planar CPU access to the 64 KiB window at 0xA0000: odd/even and chain-4 off, write mode 0, all planes, full bit mask. */
function planarAccess(h: Harness): void {
  h.seq(2, 0x0f);
  h.seq(4, 0x06);
  for (const [index, value] of [[0, 0], [1, 0], [3, 0], [4, 0], [5, 0], [6, 0x05], [8, 0xff]]) h.gc(index, value);
}

/** The four planes at a plane offset, read through read mode 0 and read map select. */
function planes(h: Harness, address: number): number[] {
  const saved = h.readGc(4);
  const values = [0, 1, 2, 3].map((plane) => {
    h.gc(4, plane);
    return h.peek(address);
  });
  h.gc(4, saved);
  return values;
}

test('VGA0001 registers of each group read back with their unused bits clear; the attribute flip-flop; mono/colour decoding', () => {
  const h = makeVga();
  const { io, out, inb, vga } = h;
  assert.equal(io.owner(0x3c0), 'vga');
  assert.equal(io.owner(0x3df), 'vga');
  assert.equal(io.owner(0x3b4), 'vga');
  assert.equal(io.owner(0x3bc), null, 'the parallel port of an MDA stays free');
  assert.equal(io.owner(0x1ce), null, 'no VBE ports without vbe');
  assert.deepEqual(vga.mode(), { kind: 'off' });

  out(0x3c2, 0x67);
  assert.equal(inb(0x3cc), 0x67);
  // Sequencer: write 0xff to each and read back the implemented bits.
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => (h.seq(i, 0xff), h.readSeq(i))), [0x03, 0x3d, 0x0f, 0x3f, 0x0e]);
  out(0x3c4, 0x02);
  assert.equal(inb(0x3c4), 0x02);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => (h.gc(i, 0xff), h.readGc(i))), [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff]);
  for (let i = 0; i < 25; i++) h.crtc(i, (i * 7 + 1) & 0x7f);
  assert.deepEqual(Array.from({ length: 25 }, (_, i) => h.readCrtc(i)), Array.from({ length: 25 }, (_, i) => (i * 7 + 1) & 0x7f));
  // CR11 bit 7 protects CR00–CR07, but CR07 bit 4 (line compare bit 8) stays writable.
  h.crtc(0x11, 0x80 | h.readCrtc(0x11));
  h.crtc(0x01, 0x99);
  h.crtc(0x07, 0xff);
  assert.equal(h.readCrtc(0x01), 8);
  assert.equal(h.readCrtc(0x07), ((7 * 7 + 1) & 0x7f) | 0x10);
  h.crtc(0x11, 0x00);
  h.crtc(0x01, 0x99);
  assert.equal(h.readCrtc(0x01), 0x99);
  // Feature control: written at 0x3DA in colour mode, read at 0x3CA.
  out(0x3da, 0x03);
  assert.equal(inb(0x3ca), 0x03);

  // Attribute controller: index, data, index …; reading 0x3DA returns to "index".
  inb(0x3da);
  out(0x3c0, 0x11);
  out(0x3c0, 0x5a);
  assert.equal(inb(0x3c0), 0x11, 'the data write left the index alone');
  assert.equal(inb(0x3c1), 0x5a);
  out(0x3c0, 0x32); // an index again: PAS set, register 0x12
  assert.equal(inb(0x3c0), 0x32);
  out(0x3c0, 0xff);
  assert.equal(inb(0x3c1), 0x3f, 'colour plane enable keeps bits 0–5');
  out(0x3c0, 0x13); // index
  inb(0x3da);
  out(0x3c0, 0x14); // after the reset this is an index too, not data for 0x13
  assert.equal(inb(0x3c0), 0x14);
  out(0x3c0, 0xff);
  assert.equal(inb(0x3c1), 0x0f);
  out(0x3c0, 0x05);
  out(0x3c0, 0xff);
  assert.equal(inb(0x3c1), 0x3f, 'palette entries are 6 bits');

  // DAC: three-step writes and reads with auto-increment, 6-bit values, the state register.
  out(0x3c8, 5);
  for (const v of [0x3f, 0x20, 0x7f, 0x01, 0x02, 0x03]) out(0x3c9, v);
  assert.equal(inb(0x3c8), 7);
  assert.equal(inb(0x3c7), 0, 'DAC state after a write index: write mode');
  out(0x3c7, 5);
  assert.equal(inb(0x3c7), 3, 'DAC state after a read index: read mode');
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => inb(0x3c9)), [0x3f, 0x20, 0x3f, 0x01, 0x02, 0x03]);
  out(0x3c6, 0x0f);
  assert.equal(inb(0x3c6), 0x0f);

  // Colour addressing ignores 0x3B4/0x3BA; mono addressing ignores 0x3D4/0x3DA.
  out(0x3b4, 0x0c);
  assert.equal(inb(0x3b4), 0xff);
  out(0x3c2, 0x66);
  assert.equal(inb(0x3d4), 0xff);
  out(0x3b4, 0x0e);
  out(0x3b5, 0x12);
  assert.equal(inb(0x3b4), 0x0e);
  assert.equal(inb(0x3b5), 0x12);
  out(0x3c2, 0x67);
  assert.equal(h.readCrtc(0x0e), 0x12, 'one CRTC behind both address sets');
});

test('VGA0002 memory map select: A0000 128K, A0000 64K, B0000 32K and B8000 32K windows', () => {
  const h = makeVga();
  planarAccess(h);
  const cases: [number, number, number, number[]][] = [
    // [GR06 memory map bits, base, size, addresses outside the window]
    [1, 0xa0000, 0x10000, [0xb0000, 0xb8000, 0xbffff]],
    [2, 0xb0000, 0x8000, [0xa0000, 0xaffff, 0xb8000]],
    [3, 0xb8000, 0x8000, [0xa0000, 0xb0000, 0xb7fff]],
  ];
  for (const [map, base, size, outside] of cases) {
    h.gc(6, map << 2);
    h.poke(base + 0x10, 0x40 + map);
    h.poke(base + size - 1, 0x50 + map);
    assert.equal(h.peek(base + 0x10), 0x40 + map);
    assert.equal(h.peek(base + size - 1), 0x50 + map);
    for (const address of outside) {
      assert.equal(h.peek(address), 0xff, `map ${map}: 0x${address.toString(16)} is outside`);
      h.poke(address, 0x00);
    }
    // All three windows start at plane offset 0.
    h.gc(6, 1 << 2);
    assert.equal(h.peek(0xa0010), 0x40 + map);
    h.gc(6, map << 2);
  }
  h.gc(6, 0);
  assert.equal(h.peek(0xa0010), 0x43, 'the 128K window starts at offset 0 too');
  h.poke(0xa1234, 0x77);
  assert.equal(h.peek(0xb1234), 0x77, 'planar offsets wrap at 64 KiB in the 128K window');
  assert.equal(h.peek(0xb0010), 0x43);
});

test('VGA0003 mode 03h: text written at 0xB8000 lands in planes 0 and 1 and shows in textScreen/screenText', () => {
  const h = makeVga();
  setMode(h, MODE_03);
  assert.deepEqual(h.vga.mode(), { kind: 'text', columns: 80, rows: 25 });
  const text = [...'Hi \x01\x7f'].map((c) => c.charCodeAt(0));
  text.forEach((code, i) => {
    h.poke(0xb8000 + 2 * i, code);
    h.poke(0xb8001 + 2 * i, 0x1f);
  });
  h.poke(0xb8000 + 160, 0xb3); // row 1, column 0: │
  h.poke(0xb8000 + 160 + 2 * 79, 0x41); // row 1, column 79
  assert.equal(h.peek(0xb8000), 0x48, 'odd/even reads come back');
  assert.equal(h.peek(0xb8001), 0x1f);
  const screen = h.vga.textScreen();
  assert.ok(screen !== null);
  assert.deepEqual([...screen.characters.subarray(0, 5)], text);
  assert.deepEqual([...screen.attributes.subarray(0, 5)], [0x1f, 0x1f, 0x1f, 0x1f, 0x1f]);
  const lines = h.vga.screenText();
  assert.equal(lines.length, 25);
  assert.equal(lines[0], 'Hi ☺⌂');
  assert.equal(lines[1], '│' + ' '.repeat(78) + 'A');
  assert.equal(lines[2], '', 'empty cells (code 0) are spaces, trimmed');

  // In planar access the same bytes sit in plane 0 (characters) and 1 (attributes) at even offsets.
  h.seq(4, 0x06);
  h.gc(5, 0x00);
  h.gc(6, 0x04);
  assert.deepEqual(planes(h, 0xa0000), [0x48, 0x1f, 0x00, 0x00], 'cell 0: plane 2 (the font) untouched with map mask 03');
  assert.deepEqual(planes(h, 0xa0002), [0x69, 0x1f, 0x00, 0x00], 'cell 1 at offset 2');
  assert.deepEqual(h.vga.screenText()[0], 'Hi ☺⌂', 'the CRTC still shows text (GR06 bit 0 clear)');
  h.seq(4, 0x02);
  h.gc(5, 0x10);
  h.gc(6, 0x0e);

  // Display page 1 (0xB9000): start address 0x800 in character units.
  h.poke(0xb9000, 0x50);
  h.poke(0xb9002, 0x31);
  h.crtc(0x0c, 0x08);
  h.crtc(0x0d, 0x00);
  assert.equal(h.vga.screenText()[0], 'P1');
  // The offset register sets the row pitch: 0x20 → 64 cells per row.
  h.crtc(0x0c, 0x00);
  h.crtc(0x13, 0x20);
  h.poke(0xb8000 + 2 * 64, 0x5a);
  assert.equal(h.vga.screenText()[1].charAt(0), 'Z');
  const before = h.vga.generation;
  h.poke(0xb8010, 0x21);
  assert.ok(h.vga.generation > before, 'a memory write bumps the generation');
});

test('VGA0004 text cursor from CR0A/0B/0E/0F, relative to the start address', () => {
  const h = makeVga();
  setMode(h, MODE_03);
  h.crtc(0x0e, 0x00);
  h.crtc(0x0f, 85);
  assert.deepEqual(h.vga.textScreen()?.cursor, { row: 1, column: 5, visible: true });
  h.crtc(0x0d, 80);
  assert.deepEqual(h.vga.textScreen()?.cursor, { row: 0, column: 5, visible: true }, 'scrolled by a row');
  h.crtc(0x0a, 0x20 | 0x0d);
  assert.equal(h.vga.textScreen()?.cursor.visible, false, 'CR0A bit 5 turns it off');
  h.crtc(0x0a, 0x0d);
  h.crtc(0x0f, 10);
  assert.equal(h.vga.textScreen()?.cursor.visible, false, 'above the visible page');
  h.crtc(0x0f, 80 + 25 * 80);
  assert.equal(h.vga.textScreen()?.cursor.visible, false, 'below the visible page');
});

test('VGA0005 write mode 0: set/reset, enable set/reset, bit mask, rotate, logical functions, map mask', () => {
  const h = makeVga();
  planarAccess(h);
  h.poke(0xa0000, 0xaa);
  assert.deepEqual(planes(h, 0xa0000), [0xaa, 0xaa, 0xaa, 0xaa], 'CPU data to all planes');
  h.gc(1, 0x0f);
  h.gc(0, 0x05);
  h.poke(0xa0000, 0x12);
  assert.deepEqual(planes(h, 0xa0000), [0xff, 0x00, 0xff, 0x00], 'set/reset 0101 replaces the data in every plane');
  h.gc(1, 0x03); // set/reset only for planes 0 and 1
  h.poke(0xa0001, 0x3c);
  assert.deepEqual(planes(h, 0xa0001), [0xff, 0x00, 0x3c, 0x3c], 'planes without enable get the CPU byte');
  h.peek(0xa0000); // latches ← ff 00 ff 00
  h.gc(1, 0x0f);
  h.gc(0, 0x0a);
  h.gc(8, 0x0f);
  h.poke(0xa0000, 0x00);
  assert.deepEqual(planes(h, 0xa0000), [0xf0, 0x0f, 0xf0, 0x0f], 'bit mask 0F: high nibble from the latches');
  h.gc(1, 0);
  h.gc(8, 0xff);
  h.gc(3, 0x03); // rotate right by 3
  h.poke(0xa0002, 0x81);
  assert.deepEqual(planes(h, 0xa0002), [0x30, 0x30, 0x30, 0x30], '0x81 rotated right by 3 is 0x30');
  h.gc(3, 0x00);
  h.poke(0xa0003, 0xcc);
  h.peek(0xa0003);
  h.gc(3, 0x08); // AND
  h.poke(0xa0003, 0xf0);
  assert.deepEqual(planes(h, 0xa0003), [0xc0, 0xc0, 0xc0, 0xc0], 'CC AND F0');
  h.peek(0xa0003);
  h.gc(3, 0x10); // OR
  h.poke(0xa0003, 0x0f);
  assert.deepEqual(planes(h, 0xa0003), [0xcf, 0xcf, 0xcf, 0xcf], 'C0 OR 0F');
  h.peek(0xa0003);
  h.gc(3, 0x18); // XOR
  h.poke(0xa0003, 0xff);
  assert.deepEqual(planes(h, 0xa0003), [0x30, 0x30, 0x30, 0x30], 'CF XOR FF');
  h.gc(3, 0x00);
  h.seq(2, 0x05);
  h.poke(0xa0003, 0x11);
  assert.deepEqual(planes(h, 0xa0003), [0x11, 0x30, 0x11, 0x30], 'map mask 0101');
  // The latches are loaded by the read, not by read-back through another address.
  h.seq(2, 0x0f);
  h.peek(0xa0000); // latches ← f0 0f f0 0f
  h.gc(3, 0x18);
  h.gc(8, 0x00);
  h.poke(0xa0004, 0xff);
  assert.deepEqual(planes(h, 0xa0004), [0xf0, 0x0f, 0xf0, 0x0f], 'bit mask 00 writes the latches back unchanged');
});

test('VGA0006 write modes 1, 2 and 3 and read modes 0 and 1', () => {
  const h = makeVga();
  planarAccess(h);
  // Plane contents p0=CA p1=A6 p2=00 p3=F0 at offset 0x30 via the map mask.
  for (const [plane, value] of [[0, 0xca], [1, 0xa6], [2, 0x00], [3, 0xf0]]) {
    h.seq(2, 1 << plane);
    h.poke(0xa0030, value);
  }
  h.seq(2, 0x0f);
  assert.deepEqual(planes(h, 0xa0030), [0xca, 0xa6, 0x00, 0xf0]);

  // Write mode 1: one read, one write copies all four planes (the bit mask does not apply).
  h.peek(0xa0030);
  h.gc(5, 0x01);
  h.gc(8, 0x00);
  h.poke(0xa0040, 0x99);
  assert.deepEqual(planes(h, 0xa0040), [0xca, 0xa6, 0x00, 0xf0]);

  // Write mode 2: CPU bits 0–3 give each plane all ones or all zeros, under the bit mask.
  h.gc(5, 0x00);
  h.gc(8, 0xff);
  h.poke(0xa0050, 0xff);
  h.peek(0xa0050); // latches all FF
  h.gc(5, 0x02);
  h.gc(8, 0x3c);
  h.poke(0xa0050, 0x09);
  assert.deepEqual(planes(h, 0xa0050), [0xff, 0xc3, 0xc3, 0xff], 'colour 9 in pixels 2–5 over white');
  h.gc(3, 0x18); // XOR with the latches
  h.peek(0xa0050);
  h.gc(8, 0xff);
  h.poke(0xa0050, 0x03);
  assert.deepEqual(planes(h, 0xa0050), [0x00, 0x3c, 0xc3, 0xff], 'write mode 2 with XOR');
  h.gc(3, 0x00);

  // Write mode 3: set/reset gives the colour, rotated CPU data AND bit mask gives the pixels.
  h.gc(5, 0x00);
  h.gc(8, 0xff);
  h.poke(0xa0060, 0xff);
  h.peek(0xa0060);
  h.gc(5, 0x03);
  h.gc(0, 0x06);
  h.gc(8, 0xf0);
  h.poke(0xa0060, 0x3c);
  assert.deepEqual(planes(h, 0xa0060), [0xcf, 0xff, 0xff, 0xcf], 'colour 6 in pixels 2–3 (3C AND F0 = 30)');
  h.gc(3, 0x01); // rotate right by 1: 0x3c → 0x1e, AND F0 → 0x10
  h.gc(0, 0x00);
  h.peek(0xa0060);
  h.poke(0xa0060, 0x3c);
  assert.deepEqual(planes(h, 0xa0060), [0xcf, 0xef, 0xef, 0xcf], 'rotated data chooses pixel 3 only');
  h.gc(3, 0x00);
  h.gc(5, 0x00);

  // Read mode 0 returns the plane read map select names (checked throughout); read mode 1 compares colours.
  // Pixel colours at 0x30, left to right: B 9 A 8 1 2 3 0.
  h.gc(5, 0x08);
  const compare = (colour: number, care: number) => {
    h.gc(2, colour);
    h.gc(7, care);
    return h.peek(0xa0030);
  };
  assert.equal(compare(0x09, 0x0f), 0x40, 'only pixel 1 is colour 9');
  assert.equal(compare(0x01, 0x01), 0xca, 'plane 0 alone: its bits');
  assert.equal(compare(0x09, 0x09), 0xc0, 'planes 0 and 3 both set: pixels 0 and 1');
  assert.equal(compare(0x08, 0x09), 0x30, 'plane 3 without plane 0: pixels 2 and 3');
  assert.equal(compare(0x05, 0x00), 0xff, "all don't care: everything matches");
  assert.equal(compare(0x00, 0x0f), 0x01, 'colour 0: the last pixel');
});

test('VGA0007 mode 13h: chain-4 addressing, planes behind it, and a 320×200 256-colour picture', () => {
  const h = makeVga();
  setMode(h, MODE_13);
  assert.deepEqual(h.vga.mode(), { kind: 'graphics', width: 320, height: 200, bitsPerPixel: 8 });
  for (let x = 0; x < 8; x++) h.poke(0xa0000 + x, 0x10 + x);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((x) => h.peek(0xa0000 + x)), [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
  h.seq(2, 0x0e);
  h.poke(0xa0000, 0x99);
  h.poke(0xa0001, 0x98);
  assert.equal(h.peek(0xa0000), 0x10, 'plane 0 is masked off');
  assert.equal(h.peek(0xa0001), 0x98);
  h.seq(2, 0x0f);
  // Unchained view: pixel x lives in plane x & 3 at offset x & ~3.
  h.seq(4, 0x06);
  h.gc(5, 0x00);
  assert.deepEqual(planes(h, 0xa0004), [0x14, 0x15, 0x16, 0x17]);
  assert.deepEqual(planes(h, 0xa0000), [0x10, 0x98, 0x12, 0x13]);
  h.seq(4, 0x0e);
  h.gc(5, 0x40);

  h.out(0x3c8, 0x80);
  for (const v of [0x3f, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x01, 0x02, 0x03]) h.out(0x3c9, v);
  h.poke(0xa0000, 0x80);
  h.poke(0xa0000 + 1, 0x81);
  h.poke(0xa0000 + 199 * 320 + 319, 0x82);
  h.poke(0xa0000 + 100 * 320 + 7, 0x0e);
  const image = h.vga.render();
  assert.equal(image.width, 320);
  assert.equal(image.height, 200);
  assert.deepEqual(pixel(image, 0, 0), [0xff, 0, 0, 0xff]);
  assert.deepEqual(pixel(image, 1, 0), [0, 0xff, 0, 0xff]);
  assert.deepEqual(pixel(image, 319, 199), [0x04, 0x08, 0x0c, 0xff], '6-bit DAC values scale to 8 bits');
  assert.deepEqual(pixel(image, 7, 100), [0xaa, 0xaa, 0x55, 0xff], 'DAC entry 14 of the EGA table (0b001110)');
  assert.deepEqual(pixel(image, 2, 0), [0x00, 0xff, 0x00, 0xff], 'pixel 2 still holds 0x12: EGA entry 0b010010, green at 2/3 + 1/3');
  h.out(0x3c6, 0x7f);
  assert.deepEqual(pixel(h.vga.render(), 0, 0), BLACK, 'the DAC mask 7F turns 0x80 into entry 0');
});

test('VGA0008 mode 12h from the IBM table: drawn with write mode 2, rendered through the attribute palette and the DAC', () => {
  const h = makeVga();
  setMode(h, MODE_12);
  assert.deepEqual(h.vga.mode(), { kind: 'graphics', width: 640, height: 480, bitsPerPixel: 4 });
  h.gc(5, 0x02);
  const plot = (x: number, y: number, colour: number) => {
    const address = 0xa0000 + y * 80 + (x >> 3);
    h.gc(8, 0x80 >> (x & 7));
    h.peek(address);
    h.poke(address, colour);
  };
  plot(0, 0, 4);
  plot(639, 479, 14);
  plot(10, 1, 6);
  plot(11, 1, 15);
  plot(320, 240, 1);
  const image = h.vga.render();
  assert.equal(image.width, 640);
  assert.equal(image.height, 480);
  assert.deepEqual(pixel(image, 0, 0), RED);
  assert.deepEqual(pixel(image, 1, 0), BLACK);
  assert.deepEqual(pixel(image, 639, 479), YELLOW);
  assert.deepEqual(pixel(image, 10, 1), BROWN, 'colour 6 is palette register 0x14: brown, not dark yellow');
  assert.deepEqual(pixel(image, 11, 1), WHITE);
  assert.deepEqual(pixel(image, 320, 240), BLUE);
  let lit = 0;
  for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i] | image.rgba[i + 1] | image.rgba[i + 2]) lit++;
  assert.equal(lit, 5, 'nothing else was drawn');
  // Colour plane enable 0111: colour 14 (1110) shows as 6, colour 15 as 7.
  h.attr(0x12, 0x07);
  const masked = h.vga.render();
  assert.deepEqual(pixel(masked, 639, 479), BROWN);
  assert.deepEqual(pixel(masked, 11, 1), GREY);
  // Palette address source clear: the display is off.
  h.inb(0x3da);
  h.out(0x3c0, 0x00);
  assert.deepEqual(h.vga.mode(), { kind: 'off' });
  assert.deepEqual(pixel(h.vga.render(), 0, 0), BLACK);
});

test('VGA0009 text render with a font loaded into plane 2 the way the VGA BIOS does it', () => {
  const h = makeVga();
  setMode(h, MODE_03);
  // Font access: plane 2 only, sequential addressing, read map 2, write mode 0, 64K at A0000.
  h.seq(2, 0x04);
  h.seq(4, 0x07);
  h.gc(4, 0x02);
  h.gc(5, 0x00);
  h.gc(6, 0x04);
  const glyph = (base: number, code: number, rows: number[]) => rows.forEach((bits, line) => h.poke(0xa0000 + base + code * 32 + line, bits));
  glyph(0, 0x41, [0x81, 0xff]);
  glyph(0, 0xc4, [0x01, 0x80]);
  glyph(0x4000, 0x41, [0xf0]); // a second font in map 1 (16 KiB)
  assert.equal(h.peek(0xa0000 + 0x41 * 32), 0x81);
  // Back to text access, as the BIOS leaves it.
  h.seq(2, 0x03);
  h.seq(4, 0x02);
  h.gc(4, 0x00);
  h.gc(5, 0x10);
  h.gc(6, 0x0e);
  const cells = [
    [0x41, 0x1e], // yellow on blue
    [0xc4, 0x1e], // a line-graphics character
    [0x41, 0x9e], // blink bit
    [0x41, 0x0e], // attribute bit 3 set: with different fonts selected it picks map A
    [0x41, 0x17], // attribute bit 3 clear: map B
  ];
  cells.forEach(([code, attribute], i) => {
    h.poke(0xb8000 + 2 * i, code);
    h.poke(0xb8001 + 2 * i, attribute);
  });
  // Cursor in row 1, column 0 (mode 03h's scan lines 13–14), over a grey-on-black blank.
  h.poke(0xb8000 + 160, 0x20);
  h.poke(0xb8001 + 160, 0x07);
  h.crtc(0x0e, 0);
  h.crtc(0x0f, 80);

  let image = h.vga.render();
  assert.equal(image.width, 720);
  assert.equal(image.height, 400);
  const row = (y: number, from: number, count: number) => Array.from({ length: count }, (_, i) => pixel(image, from + i, y));
  const Y = YELLOW;
  const B = BLUE;
  assert.deepEqual(row(0, 0, 9), [Y, B, B, B, B, B, B, Y, B], "'A' line 0 (81): the ninth dot is background");
  assert.deepEqual(row(1, 0, 9), [Y, Y, Y, Y, Y, Y, Y, Y, B]);
  assert.deepEqual(row(2, 0, 9), [B, B, B, B, B, B, B, B, B]);
  assert.deepEqual(row(0, 9, 9), [B, B, B, B, B, B, B, Y, Y], 'line graphics: dot 8 repeated into dot 9');
  assert.deepEqual(row(1, 9, 9), [Y, B, B, B, B, B, B, B, B]);
  assert.deepEqual(row(1, 18, 9), [Y, Y, Y, Y, Y, Y, Y, Y, B], 'blink enabled: bit 7 is blink, background stays blue');
  assert.deepEqual(pixel(image, 27, 0), Y, 'same font for both maps by default');
  assert.deepEqual(pixel(image, 4, 15), BLUE, 'the last scan line of the cell, empty in this font');
  assert.deepEqual(pixel(image, 0, 16 + 12), BLACK, 'above the cursor lines');
  assert.deepEqual(row(16 + 13, 0, 9), Array(9).fill(GREY), 'cursor lines 13–14 (CR0A 0D, CR0B 0E) in the foreground colour');
  assert.deepEqual(row(16 + 14, 0, 9), Array(9).fill(GREY));
  assert.deepEqual(pixel(image, 0, 16 + 15), BLACK, 'below the cursor lines');

  h.attr(0x10, 0x08); // line graphics off, blink still on
  image = h.vga.render();
  assert.deepEqual(pixel(image, 17, 0), BLUE, 'without line graphics dot 9 is background');
  h.attr(0x10, 0x00); // blink off: bit 7 makes the background bright
  image = h.vga.render();
  assert.deepEqual(pixel(image, 19, 0), LIGHT_BLUE);
  h.seq(3, 0x04); // map A = 1 (16 KiB), map B = 0
  image = h.vga.render();
  assert.deepEqual(row(0, 27, 9), [Y, Y, Y, Y, BLACK, BLACK, BLACK, BLACK, BLACK], 'attribute bit 3 selects the font at 16 KiB');
  assert.deepEqual(row(0, 36, 2), [GREY, B], 'a cell with attribute bit 3 clear still uses map B');
  h.seq(1, 0x01); // 8-dot characters
  assert.equal(h.vga.render().width, 640);
});

test('VGA0010 input status 1: vertical retrace and display enable follow guest time, 70 Hz in mode 03h and 60 Hz in 12h', () => {
  for (const [table, hertz] of [[MODE_03, 70], [MODE_12, 60]] as const) {
    const h = makeVga();
    setMode(h, table);
    const frame = 1e9 / hertz;
    assert.equal(h.inb(0x3da) & 0x08, 0, 'a frame starts with the display');
    h.clock.advanceTo(frame - 400_000);
    assert.equal(h.inb(0x3da) & 0x09, 0x09, 'in retrace the display is off too');
    h.clock.advanceTo(frame + 1_000);
    assert.equal(h.inb(0x3da) & 0x08, 0);
    let edges = 0;
    let retraceNs = 0;
    let blankSamples = 0;
    let last = h.inb(0x3da) & 0x08;
    const step = 10_000;
    for (let t = 0; t < 1e9; t += step) {
      h.clock.advance(step);
      const status = h.inb(0x3da);
      if (status & 0x08 && !last) edges++;
      if (status & 0x08) retraceNs += step;
      if (status & 0x01) blankSamples++;
      last = status & 0x08;
    }
    assert.ok(Math.abs(edges - hertz) <= 1, `${edges} retraces in a second at ${hertz} Hz`);
    assert.ok(retraceNs / edges >= 500_000 && retraceNs / edges <= 1_000_000, `retrace lasts ${retraceNs / edges} ns`);
    assert.ok(blankSamples > 0.1 * 1e5 && blankSamples < 0.5 * 1e5, 'display enable toggles within frames too');
  }
});

test('VGA0011 saved state restores registers, flip-flop, DAC, latches and memory; bad fields are named', () => {
  const a = makeVga();
  setMode(a, MODE_03);
  [...'saved'].forEach((c, i) => a.poke(0xb8000 + 2 * i, c.charCodeAt(0)));
  a.crtc(0x0f, 3);
  a.out(0x3c8, 9);
  a.out(0x3c9, 0x11); // one component of three pending
  a.inb(0x3da);
  a.out(0x3c0, 0x31); // flip-flop now expects data
  const saved = JSON.parse(JSON.stringify(a.vga.saveState()));
  const b = makeVga();
  b.vga.restoreState(saved);
  assert.deepEqual(b.vga.saveState(), a.vga.saveState());
  assert.deepEqual(b.vga.screenText(), a.vga.screenText());
  assert.equal(b.vga.screenText()[0], 'saved');
  assert.deepEqual(b.vga.textScreen()?.cursor, { row: 0, column: 3, visible: true });
  for (const side of [a, b]) {
    side.out(0x3c0, 0x3a); // data for index 0x11
    side.out(0x3c9, 0x22);
    side.out(0x3c9, 0x33);
  }
  assert.deepEqual(b.vga.saveState(), a.vga.saveState());
  assert.equal(b.inb(0x3c1), 0x3a, 'the restored flip-flop took the next write as data');
  b.out(0x3c7, 9);
  assert.deepEqual([b.inb(0x3c9), b.inb(0x3c9), b.inb(0x3c9)], [0x11, 0x22, 0x33]);
  assert.deepEqual(b.vga.render().rgba, a.vga.render().rgba);
  assert.throws(() => b.vga.restoreState({ ...saved, crtcIndex: 'x' }), /vga: field crtcIndex is not a number/);
  assert.ok(saved.memory.length < 2 * 0x40000, 'trailing zeros of video memory are not saved');
  assert.throws(() => b.vga.restoreState({ ...saved, memory: 'abc' }), /field memory is not hex digits/);
  assert.throws(() => b.vga.restoreState({ ...saved, memorySize: 0x80000 }), /memorySize is 524288 bytes, but this VGA has 262144/);
  // A fuller memory from one VGA replaces everything in another, zeros included.
  b.poke(0xb8000 + 3998, 0x41);
  b.vga.restoreState(saved);
  assert.equal(b.vga.screenText()[24], '', 'bytes beyond the saved part are cleared');
  assert.throws(() => b.vga.restoreState({ ...saved, vbeRegisters: [1, 2] }), /field vbeRegisters/);
});

test('VGA0012 encodePng: a rendered screen decodes back to the same pixels; writePngFile leaves no temporary file', () => {
  const h = makeVga();
  setMode(h, MODE_12);
  h.gc(5, 0x02);
  for (let x = 0; x < 640; x += 3) {
    h.gc(8, 0x80 >> (x & 7));
    h.peek(0xa0000 + 5 * 80 + (x >> 3));
    h.poke(0xa0000 + 5 * 80 + (x >> 3), x & 15);
  }
  const image = h.vga.render();
  const png = encodePng(image.width, image.height, image.rgba);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const decoded = decode(png);
  assert.equal(decoded.width, 640);
  assert.equal(decoded.height, 480);
  assert.equal(decoded.channels, 4);
  assert.deepEqual(Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), Buffer.from(image.rgba.buffer));
  assert.throws(() => encodePng(2, 2, new Uint8Array(15)), /2×2 RGBA image has 16 bytes, but 15 were given/);
  const folder = mkdtempSync(join(tmpdir(), 'vga-png-'));
  try {
    const path = join(folder, 'screen.png');
    writePngFile(path, image);
    assert.deepEqual(readdirSync(folder), ['screen.png']);
    assert.deepEqual(decode(readFileSync(path)).data, decoded.data);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('VGA0013 code page 437: the picture glyphs of the control codes, ⌂, box drawing and the upper half', () => {
  assert.equal(CP437_TO_UNICODE.length, 256);
  assert.equal(cp437ToUnicode(0x00), ' ');
  assert.equal(cp437ToUnicode(0x01), '☺');
  assert.equal(cp437ToUnicode(0x03), '♥');
  assert.equal(cp437ToUnicode(0x1f), '▼');
  assert.equal(cp437ToUnicode(0x41), 'A');
  assert.equal(cp437ToUnicode(0x7f), '⌂');
  assert.equal(cp437ToUnicode(0x80), 'Ç');
  assert.equal(cp437ToUnicode(0xb3), '│');
  assert.equal(cp437ToUnicode(0xc9), '╔');
  assert.equal(cp437ToUnicode(0xdb), '█');
  assert.equal(cp437ToUnicode(0xe1), 'ß');
  assert.equal(cp437ToUnicode(0xfe), '■');
  assert.equal(cp437ToUnicode(0x1ff), '\u00a0');
  assert.equal(new Set(CP437_TO_UNICODE).size, 255, 'every code has its own glyph, except that 0x00 and 0x20 are both blank');
  assert.ok(CP437_TO_UNICODE.every((glyph) => [...glyph].length === 1));
});

test('VGA0014 Bochs VBE: ID, capabilities, a 32 bpp mode through the linear framebuffer and a 16 bpp mode through 64 KiB banks', () => {
  const h = makeVga({ vbe: true, videoMemorySize: 4 << 20 });
  const { io, memory, vga } = h;
  const vbe = (index: number, value: number) => {
    io.write(0x1ce, 2, index);
    io.write(0x1cf, 2, value);
  };
  const vbeRead = (index: number) => {
    io.write(0x1ce, 2, index);
    return io.read(0x1cf, 2);
  };
  assert.equal(io.owner(0x1ce), 'vga VBE');
  assert.equal(vbeRead(0), 0xb0c5);
  vbe(0, 0xb0c0);
  assert.equal(vbeRead(0), 0xb0c0);
  vbe(0, 0x1234);
  assert.equal(vbeRead(0), 0xb0c0, 'only the known IDs are accepted');
  assert.equal(vbeRead(10), 64, '4 MiB in 64 KiB units');
  vbe(4, 0x02);
  assert.deepEqual([vbeRead(1), vbeRead(2), vbeRead(3)], [2560, 1600, 32], 'GETCAPS reads the limits');
  vbe(4, 0x00);
  vbe(1, 800);
  vbe(2, 600);
  vbe(3, 32);
  vbe(4, 0x41);
  assert.deepEqual(vga.mode(), { kind: 'graphics', width: 800, height: 600, bitsPerPixel: 32 });
  assert.equal(vbeRead(6), 800, 'virtual width follows');
  memory.write32(0xe0000000 + (10 * 800 + 20) * 4, 0x00123456);
  let image = vga.render();
  assert.equal(image.width, 800);
  assert.deepEqual(pixel(image, 20, 10), [0x12, 0x34, 0x56, 0xff]);
  assert.deepEqual(pixel(image, 21, 10), BLACK);
  // Bank 1 of the 0xA0000 window is video memory from 64 KiB on.
  vbe(5, 1);
  memory.write32(0xa0000, 0x00abcdef);
  assert.equal(memory.read32(0xe0010000), 0x00abcdef);
  const pixelIndex = 0x10000 / 4;
  assert.deepEqual(pixel(vga.render(), pixelIndex % 800, Math.floor(pixelIndex / 800)), [0xab, 0xcd, 0xef, 0xff]);
  // Panning: X/Y offset move the visible window.
  vbe(6, 1024);
  vbe(9, 2);
  assert.equal(vbeRead(6), 1024);
  memory.write32(0xe0000000 + (2 * 1024 + 5) * 4, 0x00ff0000);
  assert.deepEqual(pixel(vga.render(), 5, 0), [0xff, 0x00, 0x00, 0xff]);
  // 16 bpp 5:6:5, re-enabled (which clears memory).
  vbe(4, 0x00);
  vbe(1, 640);
  vbe(2, 480);
  vbe(3, 16);
  vbe(4, 0x01);
  assert.equal(memory.read32(0xe0000000 + (10 * 800 + 20) * 4), 0, 'enabling cleared the screen');
  memory.write16(0xe0000000 + (3 * 640 + 4) * 2, 0xf81f);
  image = vga.render();
  assert.deepEqual([image.width, image.height], [640, 480]);
  assert.deepEqual(pixel(image, 4, 3), [0xff, 0x00, 0xff, 0xff]);
  // 8 bpp through the DAC, 8-bit DAC on request.
  vbe(4, 0x00);
  vbe(3, 8);
  vbe(4, 0x21);
  h.out(0x3c8, 7);
  for (const v of [0x80, 0x81, 0x82]) h.out(0x3c9, v);
  memory.write8(0xe0000000, 7);
  assert.deepEqual(pixel(vga.render(), 0, 0), [0x80, 0x81, 0x82, 0xff]);
  vbe(4, 0x00);
  assert.equal(vga.mode().kind, 'graphics', 'VGA registers still say graphics after VBE turns off');
  assert.throws(() => new Vga({ clock: new MachineClock(), videoMemorySize: 300000 }), /power of two/);
});

test('VGA0015 mode 04h (CGA 320×200×4): odd/even bytes, the two banks of CR17 bit 0 and 2-bit pixels through the palette', () => {
  const h = makeVga();
  setMode(h, {
    misc: 0x63,
    sequencer: [0x03, 0x09, 0x03, 0x00, 0x02],
    crtc: [0x2d, 0x27, 0x28, 0x90, 0x2b, 0x80, 0xbf, 0x1f, 0x00, 0xc1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x14, 0x00, 0x96, 0xb9, 0xa2, 0xff],
    graphics: [0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x0f, 0x00, 0xff],
    attribute: [0x00, 0x13, 0x15, 0x17, 0x02, 0x04, 0x06, 0x07, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x01, 0x00, 0x03, 0x00, 0x00],
  });
  assert.deepEqual(h.vga.mode(), { kind: 'graphics', width: 320, height: 200, bitsPerPixel: 2 });
  h.poke(0xb8000, 0x6c); // line 0, pixels 0–3: colours 1 2 3 0
  h.poke(0xb8001, 0x01); // line 0, pixel 7: colour 1 (odd byte, plane 1)
  h.poke(0xba000, 0xc0); // line 1 (second bank), pixel 0: colour 3
  h.poke(0xb8000 + 80, 0x03); // line 2, pixel 3
  h.poke(0xba000 + 80 * 99 + 79, 0x03); // line 199, pixel 319
  const image = h.vga.render();
  const C1 = [0x00, 0xff, 0xaa, 0xff]; // palette 0x13
  const C2 = [0xaa, 0x55, 0xaa, 0xff]; // palette 0x15
  const C3 = [0xaa, 0xff, 0xaa, 0xff]; // palette 0x17
  assert.deepEqual([0, 1, 2, 3, 4, 7].map((x) => pixel(image, x, 0)), [C1, C2, C3, BLACK, BLACK, C1]);
  assert.deepEqual(pixel(image, 0, 1), C3);
  assert.deepEqual(pixel(image, 3, 2), C3);
  assert.deepEqual(pixel(image, 319, 199), C3);
  let lit = 0;
  for (let i = 0; i < image.rgba.length; i += 4) if (image.rgba[i] | image.rgba[i + 1] | image.rgba[i + 2]) lit++;
  assert.equal(lit, 7);
});
