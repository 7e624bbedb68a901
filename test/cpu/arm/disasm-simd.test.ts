// The VFP and Advanced SIMD disassembler (src/cpu/arm/disasm-simd.ts) against GNU objdump: every
// line of disasm-simd.s, assembled for A32 and for Thumb, must print as objdump 2.40 printed the
// same word (disasm-simd-corpus.ts, made by make-disasm-simd.sh, so no cross tools are needed
// here). Two normalisations, nothing else: runs of whitespace compare as one space, and objdump's
// names sl, fp, ip for r10-r12 compare as r10-r12 (the rest of our disassembler prints those
// registers as r10-r12 too). And no 32-bit word, A32 or Thumb, makes the disassembler throw.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { disassembleWord } from '../../../src/cpu/arm/disasm.js';
import { disassembleHalfwords } from '../../../src/cpu/arm/disasm-thumb.js';
import { A32_CORPUS, THUMB_CORPUS } from './disasm-simd-corpus.js';

function normalise(text: string): string {
  return text
    .replace(/\bsl\b/g, 'r10')
    .replace(/\bfp\b/g, 'r11')
    .replace(/\bip\b/g, 'r12')
    .replace(/\s+/g, ' ')
    .trim();
}

test('DISASM0001 A32: every VFP and Advanced SIMD form of the corpus prints as objdump prints it', () => {
  assert.ok(A32_CORPUS.length > 390);
  const differences: string[] = [];
  for (const [line, address, word, expected] of A32_CORPUS) {
    const ours = disassembleWord(word, address);
    if (normalise(ours) !== normalise(expected)) differences.push(`${line}: objdump "${expected}", ours "${ours}"`);
  }
  assert.deepEqual(differences, []);
});

test('DISASM0002 Thumb: the same forms as T32 encodings print as objdump prints them (PC-relative VLDR from Align(PC, 4))', () => {
  assert.ok(THUMB_CORPUS.length > 380);
  const differences: string[] = [];
  for (const [line, address, word, expected] of THUMB_CORPUS) {
    const ours = disassembleHalfwords(word >>> 16, word & 0xffff, address);
    if (normalise(ours) !== normalise(expected)) differences.push(`${line}: objdump "${expected}", ours "${ours}"`);
  }
  assert.deepEqual(differences, []);
});

test('DISASM0003 200 000 random words (A32 and Thumb, half in the VFP/Advanced SIMD spaces) disassemble without throwing', () => {
  let state = 0x2545f491;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  // Advanced SIMD data processing, element loads/stores, VFP data processing and transfers,
  // VFP loads/stores (A32 forms; the Thumb ones are derived below).
  const spaces: [number, number][] = [[0xf2000000, 0x01ffffff], [0xf4000000, 0x00ffffff], [0x0e000a00, 0xf0fff5ff], [0x0c000a00, 0xf1fff5ff]];
  for (let k = 0; k < 100_000; k++) {
    const random = next();
    const [base, mask] = spaces[k & 3];
    const word = k & 4 ? random : (base | (random & mask)) >>> 0;
    const text = disassembleWord(word, 0x1000);
    assert.equal(typeof text, 'string', word.toString(16));
  }
  for (let k = 0; k < 100_000; k++) {
    const random = next();
    let word = random;
    if (!(k & 4)) {
      // 111U 1111 (data processing), 1111 1001 xxx0 (loads/stores), 1110 11xx (VFP).
      const choice = k & 3;
      if (choice === 0) word = (0xef000000 | (random & 0x10ffffff)) >>> 0;
      else if (choice === 1) word = (0xf9000000 | (random & 0x00efffff)) >>> 0;
      else word = (0xec000a00 | (random & 0x03fff5ff)) >>> 0;
    }
    const text = disassembleHalfwords(word >>> 16, word & 0xffff, 0x1002);
    assert.equal(typeof text, 'string', word.toString(16));
  }
});
