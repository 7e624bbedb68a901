// Advanced SIMD (src/cpu/arm/neon.ts), instruction by instruction, with expectations worked out by
// hand from the ARM ARM (A7.4, A7.7, A8.8). The differential tests (ARMDIFF0024-0027) check the
// same instructions against QEMU over random data and every lane size.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArmCpu } from '../../../src/cpu/arm/cpu.js';
import { Mode } from '../../../src/cpu/arm/state.js';
import { FPEXC_EN } from '../../../src/cpu/arm/vfp.js';
import { A, type ArmMachine, armMachine, DATA, runLines, u32 } from './core-helpers.js';

const QC = 1 << 27;
const IOC = 0x01;
const IXC = 0x10;
const IDC = 0x80;

function enable(c: ArmCpu): void {
  c.cp15.cpacr = 0x00f00000;
  c.vfp.fpexc = FPEXC_EN;
}

function neon(lines: string[], setup: (cpu: ArmCpu) => void): ArmMachine {
  return runLines(lines, (c) => {
    enable(c);
    setup(c);
  });
}

/** Words of D register d (two) or Q register q as D 2q (four). */
function words(cpu: ArmCpu, d: number, count = 2): number[] {
  return [...cpu.vfp.words.subarray(2 * d, 2 * d + count)].map(u32);
}

function setWords(cpu: ArmCpu, d: number, values: number[]): void {
  values.forEach((value, k) => (cpu.vfp.words[2 * d + k] = value));
}

test('NEON0001 VADD/VQADD over bytes and doublewords: wrap-around, signed and unsigned saturation setting FPSCR.QC, the carry between the halves of a 64-bit lane', () => {
  const neonOp = (line: string): [number, number] => {
    const { cpu } = neon([line], (c) => {
      setWords(c, 2, [0x807fff01 | 0, 0, 0, 0]);
      setWords(c, 4, [0x80010101 | 0, 0, 0, 0]);
    });
    return [words(cpu, 0, 1)[0], cpu.vfp.fpscr & QC];
  };
  assert.deepEqual(neonOp('vadd.i8 q0, q1, q2'), [0x00800002, 0]);
  assert.deepEqual(neonOp('vqadd.s8 q0, q1, q2'), [0x807f0002, QC]);
  assert.deepEqual(neonOp('vqadd.u8 q0, q1, q2'), [0xff80ff02, QC]);
  const { cpu } = neon(['vadd.i64 d0, d2, d4', 'vsub.i64 d1, d4, d2'], (c) => {
    setWords(c, 2, [0xffffffff | 0, 0]);
    setWords(c, 4, [1, 0]);
  });
  assert.deepEqual(words(cpu, 0), [0, 1]);
  assert.deepEqual(words(cpu, 1), [2, 0xffffffff]);
});

test('NEON0002 shifts: VSHL/VRSHL/VQSHL by signed register amounts (value in Dm, amount in Dn), VSHR/VRSHR by immediates, VSRI/VSLI keep the other bits', () => {
  const shiftOp = (line: string): [number, number] => {
    const { cpu } = neon([line], (c) => {
      setWords(c, 1, [0x7f104081, 0]); // bytes -127, 0x40, 0x10, 0x7f
      setWords(c, 2, [0x04f801ff, 0]); // shifts -1, 1, -8, 4
    });
    return [words(cpu, 0, 1)[0], cpu.vfp.fpscr & QC];
  };
  assert.deepEqual(shiftOp('vshl.s8 d0, d1, d2'), [0xf00080c0, 0]);
  assert.deepEqual(shiftOp('vrshl.s8 d0, d1, d2'), [0xf00080c1, 0]);
  assert.deepEqual(shiftOp('vqshl.s8 d0, d1, d2'), [0x7f007fc0, QC]);
  const { cpu } = neon(['vshr.u16 d0, d1, #4', 'vrshr.s16 d2, d1, #4', 'vsri.16 d3, d1, #4', 'vsli.16 d4, d1, #4'], (c) => {
    setWords(c, 1, [0x8000ffff | 0, 0]);
    setWords(c, 3, [0x12345678, 0]);
    setWords(c, 4, [0x12345678, 0]);
  });
  assert.equal(words(cpu, 0, 1)[0], 0x08000fff);
  assert.equal(words(cpu, 2, 1)[0], 0xf8000000);
  assert.equal(words(cpu, 3, 1)[0], 0x18005fff);
  assert.equal(words(cpu, 4, 1)[0], 0x0004fff8);
});

test('NEON0003 long and doubling multiplies: VMULL.S16, VMLAL.U32 with exact 64-bit lanes, VQDMULH saturation', () => {
  const { cpu } = neon(['vmull.s16 q0, d2, d3', 'vmlal.u32 q2, d6, d7', 'vqdmulh.s16 d8, d9, d9'], (c) => {
    setWords(c, 2, [0x7ffffffe, 0]); // halves -2, 0x7fff
    setWords(c, 3, [0x7fff0003, 0]);
    setWords(c, 4, [1, 0, 0xffffffff | 0, 0xffffffff | 0]);
    setWords(c, 6, [0xffffffff | 0, 2]);
    setWords(c, 7, [0xffffffff | 0, 3]);
    setWords(c, 9, [0x40008000, 0]);
  });
  assert.deepEqual(words(cpu, 0, 2), [0xfffffffa, 0x3fff0001]);
  assert.deepEqual(words(cpu, 4, 4), [0x00000002, 0xfffffffe, 5, 0]);
  assert.equal(words(cpu, 8, 1)[0], 0x20007fff);
  assert.equal(cpu.vfp.fpscr & QC, QC);
});

test('NEON0004 VMOV/VMVN/VORR/VBIC immediates (AdvSIMDExpandImm: every cmode family, the byte mask of I64, the float form)', () => {
  const { cpu } = neon(
    ['vmov.i32 q0, #0x4d00', 'vmov.i64 d2, #0xff00ff0000ffff00', 'vmvn.i16 d3, #0x64', 'vorr.i32 d4, #0x1a000000', 'vbic.i16 d5, #0xf1', 'vmov.f32 d6, #-1.75', 'vmov.i32 d7, #0x2aff', 'vmov.i8 d8, #0xa5'],
    (c) => {
      setWords(c, 4, [1, 2]);
      setWords(c, 5, [0xffffffff | 0, 0xffffffff | 0]);
    },
  );
  assert.deepEqual(words(cpu, 0, 4), [0x4d00, 0x4d00, 0x4d00, 0x4d00]);
  assert.deepEqual(words(cpu, 2), [0x00ffff00, 0xff00ff00]);
  assert.deepEqual(words(cpu, 3), [0xff9bff9b, 0xff9bff9b]);
  assert.deepEqual(words(cpu, 4), [0x1a000001, 0x1a000002]);
  assert.deepEqual(words(cpu, 5), [0xff0eff0e, 0xff0eff0e]);
  assert.deepEqual(words(cpu, 6), [0xbfe00000, 0xbfe00000]);
  assert.deepEqual(words(cpu, 7), [0x00002aff, 0x00002aff]);
  assert.deepEqual(words(cpu, 8), [0xa5a5a5a5, 0xa5a5a5a5]);
});

test('NEON0005 permutes and tables: VZIP, VUZP, VTRN (both registers written), VEXT, VTBL/VTBX with out-of-range indices, VREV32/VREV64', () => {
  const bytes = (c: ArmCpu): void => {
    setWords(c, 0, [0x03020100, 0x07060504]);
    setWords(c, 1, [0x13121110, 0x17161514]);
  };
  let m = neon(['vzip.8 d0, d1'], bytes);
  assert.deepEqual([...words(m.cpu, 0), ...words(m.cpu, 1)], [0x11011000, 0x13031202, 0x15051404, 0x17071606]);
  m = neon(['vuzp.8 d0, d1'], bytes);
  assert.deepEqual([...words(m.cpu, 0), ...words(m.cpu, 1)], [0x06040200, 0x16141210, 0x07050301, 0x17151311]);
  m = neon(['vtrn.16 d0, d1'], bytes);
  assert.deepEqual([...words(m.cpu, 0), ...words(m.cpu, 1)], [0x11100100, 0x15140504, 0x13120302, 0x17160706]);
  m = neon(['vext.8 d2, d0, d1, #3', 'vtbl.8 d4, {d0}, d3', 'vtbx.8 d5, {d0}, d3', 'vrev32.8 d6, d0', 'vrev64.32 d7, d0'], (c) => {
    bytes(c);
    setWords(c, 3, [0xff080007 | 0, 0x04030201]);
    setWords(c, 5, [0xaaaaaaaa | 0, 0xaaaaaaaa | 0]);
  });
  assert.deepEqual(words(m.cpu, 2), [0x06050403, 0x12111007]);
  assert.deepEqual(words(m.cpu, 4), [0x00000007, 0x04030201]);
  assert.deepEqual(words(m.cpu, 5), [0xaaaa0007, 0x04030201]);
  assert.deepEqual(words(m.cpu, 6), [0x00010203, 0x04050607]);
  assert.deepEqual(words(m.cpu, 7), [0x07060504, 0x03020100]);
});

test('NEON0006 element and structure loads and stores: VLD1 with writeback, VLD3 de-interleaving, VLD4 to all lanes, VST2 with a register increment; an alignment hint faults', () => {
  const { cpu, memory } = neon(['vld1.8 {d0-d1}, [r0]!', 'vld3.8 {d2-d4}, [r0]', 'vld4.16 {d5[], d6[], d7[], d8[]}, [r1]', 'vst2.16 {d0-d1}, [r2], r3'], (c) => {
    for (let k = 0; k < 64; k++) c.memory.write8(DATA + k, k);
    c.state.r[0] = DATA;
    c.state.r[1] = DATA;
    c.state.r[2] = DATA + 0x100;
    c.state.r[3] = 4;
  });
  assert.equal(cpu.state.r[0], DATA + 16);
  assert.deepEqual(words(cpu, 0), [0x03020100, 0x07060504]);
  assert.deepEqual(words(cpu, 2), [0x19161310, 0x25221f1c]);
  assert.deepEqual(words(cpu, 3), [0x1a171411, 0x2623201d]);
  assert.deepEqual(words(cpu, 4), [0x1b181512, 0x2724211e]);
  assert.deepEqual(words(cpu, 5), [0x01000100, 0x01000100]);
  assert.deepEqual(words(cpu, 8), [0x07060706, 0x07060706]);
  assert.equal(cpu.state.r[2], DATA + 0x104);
  assert.deepEqual([memory.read32(DATA + 0x100), memory.read32(DATA + 0x104)].map(u32), [0x09080100, 0x0b0a0302]);
  const aborted = neon(['vld1.32 {d0-d1}, [r0:128]!'], (c) => {
    c.state.r[0] = DATA + 8;
  });
  assert.equal(aborted.cpu.state.mode, Mode.ABT);
  assert.equal(aborted.cpu.state.r[0], DATA + 8);
  assert.equal(aborted.cpu.cp15.dfsr & 0x40f, 0x01);
});

test('NEON0007 float lanes use the standard FPSCR (round to nearest, flush to zero, default NaN) whatever FPSCR says, and set its cumulative flags', () => {
  const { cpu } = neon(['vadd.f32 d0, d2, d3', 'vmul.f32 d1, d4, d3'], (c) => {
    c.vfp.fpscr = 3 << 22; // RZ, which Advanced SIMD ignores
    setWords(c, 2, [0x3f800001, 0x00000001]); // 1 + 2^-23; a denormal
    setWords(c, 3, [0x33800000, 0x3f800000]); // 2^-24; 1.0
    setWords(c, 4, [0x7f800001, 0x7fc00007]);
  });
  assert.deepEqual(words(cpu, 0), [0x3f800002, 0x3f800000]);
  assert.deepEqual(words(cpu, 1), [0x7fc00000, 0x7fc00000]);
  assert.equal(cpu.vfp.fpscr & 0x9f, IXC | IDC | IOC);
  const estimates = neon(['vrecpe.f32 d0, d2', 'vrsqrte.f32 d1, d3', 'vrecps.f32 d4, d2, d5', 'vcvt.s32.f32 d6, d7, #1', 'vcge.f32 d8, d2, d9'], (c) => {
    setWords(c, 2, [0x3f800000, 0x40000000]); // 1.0, 2.0
    setWords(c, 3, [0x40800000, 0x40800000]); // 4.0
    setWords(c, 5, [0x3f800000, 0x3f000000]); // 1.0, 0.5
    setWords(c, 7, [0x3fe00000, 0xbfe00000 | 0]); // 1.75, -1.75
    setWords(c, 9, [0x7fc00000, 0x3f800000]);
  });
  assert.deepEqual(words(estimates.cpu, 0), [0x3f7f8000, 0x3eff8000]);
  assert.deepEqual(words(estimates.cpu, 1), [0x3eff8000, 0x3eff8000]);
  assert.deepEqual(words(estimates.cpu, 4), [0x3f800000, 0x3f800000]);
  assert.deepEqual(words(estimates.cpu, 6), [3, u32(-3)]);
  assert.deepEqual(words(estimates.cpu, 8), [0, 0xffffffff]);
  assert.equal(estimates.cpu.vfp.fpscr & IOC, IOC);
});

test('NEON0008 UNDEFINED: a Q register with an odd number, no CP10/CP11 access, FPEXC.EN clear', () => {
  const [add] = A('vadd.i32 q0, q1, q2');
  const odd = armMachine([add | (1 << 12)]);
  enable(odd.cpu);
  odd.cpu.run(1);
  assert.equal(odd.cpu.state.mode, Mode.UND);
  const denied = runLines(['vadd.i32 q0, q1, q2']);
  assert.equal(denied.cpu.state.mode, Mode.UND);
  const off = runLines(['vld1.8 {d0}, [r0]'], (c) => {
    c.cp15.cpacr = 0x00f00000;
  });
  assert.equal(off.cpu.state.mode, Mode.UND);
  const fine = neon(['vadd.i32 q0, q1, q2'], () => undefined);
  assert.equal(fine.cpu.state.mode, Mode.SVC);
});
