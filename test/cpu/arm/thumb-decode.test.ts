// The Thumb tables and disassembler: every row of T16_TABLE and T32_TABLE is reachable (no row
// is shadowed by an earlier one), every T16 halfword and a sweep of T32 words decode, disassemble
// and execute without a host exception (an unallocated encoding is the guest's undefined-
// instruction exception, logged once per address), and the disassembler's text for the
// Thumb-only forms.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecodedInstruction, Kind } from '../../../src/cpu/arm/decode.js';
import { decodeThumb, findThumbEntry, T16_TABLE, T32_TABLE } from '../../../src/cpu/arm/decode-thumb.js';
import { disassembleHalfwords } from '../../../src/cpu/arm/disasm-thumb.js';
import { Random } from './differential/programs.js';
import { CODE } from './core-helpers.js';
import { T, thumbMachine } from './thumb-helpers.js';

test('THUMB0101 every Thumb table row is reachable: some encoding of its pattern decodes to it', () => {
  const random = new Random(101);
  for (const table of [T16_TABLE, T32_TABLE]) {
    for (const entry of table) {
      let reached = false;
      for (let attempt = 0; attempt < 4000 && !reached; attempt++) {
        const word = ((entry.value | (random.next() & ~entry.mask)) >>> 0) & (entry.bits === 16 ? 0xffff : 0xffffffff);
        const found = entry.bits === 16 ? findThumbEntry(word, 0) : findThumbEntry(word >>> 16, word & 0xffff);
        reached = found === entry;
      }
      assert.ok(reached, `row ${entry.mnemonic || entry.kind} (${entry.value.toString(16)}/${entry.mask.toString(16)}) is never reached`);
    }
  }
});

test('THUMB0102 every T16 halfword and 300 000 T32 words decode and disassemble; executing them gives guest exceptions only', () => {
  const record = new DecodedInstruction();
  for (let halfword = 0; halfword < 0x10000; halfword++) {
    decodeThumb(halfword, 0, record, CODE);
    assert.equal(typeof disassembleHalfwords(halfword, 0, CODE), 'string');
  }
  const random = new Random(102);
  let undefinedCount = 0;
  for (let k = 0; k < 300000; k++) {
    const first = 0xe800 | (random.next() & 0x17ff);
    const second = random.next() & 0xffff;
    decodeThumb(first, second, record, CODE + 2);
    if (record.kind === Kind.UNDEFINED) undefinedCount++;
    disassembleHalfwords(first, second, CODE + 2);
  }
  assert.ok(undefinedCount > 1000 && undefinedCount < 200000, `${undefinedCount} undefined of 300 000`);
  // Execute a sample in privileged and user mode: registers point into RAM; faults are exceptions.
  const m = thumbMachine([]);
  for (let k = 0; k < 20000; k++) {
    const first = random.below(4) === 0 ? random.next() & 0xffff : 0xe800 | (random.next() & 0x17ff);
    m.memory.write16(CODE, first);
    m.memory.write16(CODE + 2, random.next() & 0xffff);
    const s = m.cpu.state;
    s.reset();
    for (let n = 0; n < 13; n++) s.r[n] = 0x8000 + 16 * n;
    s.r[13] = 0x20000;
    s.r[15] = CODE;
    s.t = 1;
    if (k & 1) s.setCpsr(0x30);
    m.cpu.run(1);
  }
  assert.ok(m.logs.length <= 1001, 'logged once per address, at most 1000 addresses');
});

test('THUMB0103 the disassembler: branches from PC = address + 4, IT, CBZ, TBB/TBH, literals, ORN, LDRD pairs', () => {
  const at = (line: string, address = CODE): string => {
    const halfwords = T(line);
    return disassembleHalfwords(halfwords[0], halfwords[1] ?? 0, address);
  };
  assert.equal(at('adds r0, r1, r2'), 'adds\tr0, r1, r2');
  assert.equal(at('bl .+8'), 'bl\t0x1008');
  assert.equal(at('blx .+10', CODE + 2), 'blx\t0x100c');
  assert.equal(at('itete eq'), 'itete\teq');
  assert.equal(at('cbz r0, .+8'), 'cbz\tr0, 0x1008');
  assert.equal(at('tbb [r1, r2]'), 'tbb\t[r1, r2]');
  assert.equal(at('tbh [r1, r2, lsl #1]'), 'tbh\t[r1, r2, lsl #1]');
  assert.equal(at('ldr r2, [pc, #4]', CODE + 2), 'ldr\tr2, [pc, #4]\t@ 0x1008');
  assert.equal(at('orn r0, r1, #255'), 'orn\tr0, r1, #255\t@ 0xff');
  assert.equal(at('ldrd r3, r1, [r2, #8]'), 'ldrd\tr3, r1, [r2, #8]');
  assert.equal(at('svc #5'), 'svc\t0x5');
});
