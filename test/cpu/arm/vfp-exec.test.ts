// VFPv3-D32/VFPv4 (src/cpu/arm/vfp.ts), instruction by instruction, with expectations worked out
// by hand from the ARM ARM pseudocode (A2.7 FPRound, FPProcessNaNs, FPCompare, FPToFixed; A8.8 the
// instructions). The differential tests (ARMDIFF0020-0023, 0027) check the same operations
// against QEMU over many more values, rounding modes and FZ/DN settings.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArmCpu } from '../../../src/cpu/arm/cpu.js';
import { Mode } from '../../../src/cpu/arm/state.js';
import { CORTEX_A15_FPSID, CORTEX_A15_MVFR0, CORTEX_A15_MVFR1, FPEXC_EN } from '../../../src/cpu/arm/vfp.js';
import { type ArmMachine, DATA, flags, runLines, u32 } from './core-helpers.js';

const RP = 1 << 22;
const RM = 2 << 22;
const RZ = 3 << 22;
const FZ = 1 << 24;
const DN = 1 << 25;
const AHP = 1 << 26;
const IOC = 0x01;
const DZC = 0x02;
const OFC = 0x04;
const UFC = 0x08;
const IXC = 0x10;
const IDC = 0x80;

/** Runs `lines` with CP10/CP11 enabled (CPACR full access, FPEXC.EN) after `setup`. */
function fp(lines: string[], setup: (cpu: ArmCpu) => void = () => undefined, count = lines.length): ArmMachine {
  return runLines(
    lines,
    (c) => {
      c.cp15.cpacr = 0x00f00000;
      c.vfp.fpexc = FPEXC_EN;
      setup(c);
    },
    count,
  );
}

function setDouble(cpu: ArmCpu, d: number, high: number, low: number): void {
  cpu.vfp.words[2 * d] = low;
  cpu.vfp.words[2 * d + 1] = high;
}

function double(cpu: ArmCpu, d: number): string {
  return `${u32(cpu.vfp.words[2 * d + 1]).toString(16).padStart(8, '0')}_${u32(cpu.vfp.words[2 * d]).toString(16).padStart(8, '0')}`;
}

/** One single-precision operation s0 = op(s1, s2) (s0 preset for the accumulating forms): [result bits, FPSCR flags]. */
function single(line: string, a: number, b: number, fpscr = 0, d = 0): [number, number] {
  const { cpu } = fp([line], (c) => {
    c.vfp.words[1] = a;
    c.vfp.words[2] = b;
    c.vfp.words[0] = d;
    c.vfp.fpscr = fpscr;
  });
  return [u32(cpu.vfp.words[0]), cpu.vfp.fpscr & 0x9f];
}

test('VFP0001 identification: FPSID, MVFR0, MVFR1 as QEMU 7.2 cortex-a15; FPEXC.EN; FPSCR keeps no trap enables and no FZ16', () => {
  const { cpu } = fp(['vmrs r0, fpsid', 'vmrs r1, mvfr0', 'vmrs r2, mvfr1', 'vmrs r3, fpexc', 'vmsr fpscr, r4', 'vmrs r5, fpscr'], (c) => {
    c.state.r[4] = 0xffffffff | 0;
  });
  assert.equal(u32(cpu.state.r[0]), CORTEX_A15_FPSID);
  assert.equal(CORTEX_A15_FPSID, 0x410430f0);
  assert.equal(u32(cpu.state.r[1]), CORTEX_A15_MVFR0);
  assert.equal(CORTEX_A15_MVFR0, 0x10110222);
  assert.equal(u32(cpu.state.r[2]), CORTEX_A15_MVFR1);
  assert.equal(CORTEX_A15_MVFR1, 0x11111111);
  assert.equal(u32(cpu.state.r[3]), 0x40000000);
  assert.equal(u32(cpu.state.r[5]), 0xfff7009f);
});

test('VFP0002 access control: CPACR cp10/cp11 denied or privileged-only, FPEXC.EN clear (FPSID/FPEXC still readable), user-mode VMRS of FPSID', () => {
  const undefinedIn = (m: ArmMachine): boolean => m.cpu.state.mode === Mode.UND && m.cpu.state.r[15] === 4;
  assert.ok(undefinedIn(runLines(['vadd.f32 s0, s1, s2'])), 'CPACR = 0');
  const disabled = fp(['vmrs r0, fpsid', 'vmrs r1, fpexc', 'vadd.f32 s0, s1, s2'], (c) => {
    c.vfp.fpexc = 0;
  });
  assert.equal(u32(disabled.cpu.state.r[0]), 0x410430f0);
  assert.equal(disabled.cpu.state.r[1], 0);
  assert.ok(undefinedIn(disabled), 'FPEXC.EN = 0');
  const userOp = (cpacr: number, line: string): ArmMachine =>
    fp([line], (c) => {
      c.cp15.cpacr = cpacr;
      c.state.setCpsr((c.state.getCpsr() & ~0x1f) | Mode.USR);
    });
  assert.ok(undefinedIn(userOp(0x00500000, 'vadd.f32 s0, s1, s2')), 'privileged-only access from user mode');
  assert.ok(!undefinedIn(userOp(0x00f00000, 'vadd.f32 s0, s1, s2')), 'full access from user mode');
  assert.ok(undefinedIn(userOp(0x00f00000, 'vmrs r0, fpsid')), 'FPSID from user mode');
  assert.ok(!undefinedIn(userOp(0x00f00000, 'vmrs r0, fpscr')), 'FPSCR from user mode');
});

test('VFP0003 single-precision addition rounds once from the exact sum: ties to even, each rounding mode, an error far below the last place', () => {
  const half = 0x33800000; // 2^-24: half a unit in the last place of 1.0
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800000, half), [0x3f800000, IXC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800000, half, RP), [0x3f800001, IXC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800000, half, RM), [0x3f800000, IXC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800001, half), [0x3f800002, IXC]);
  assert.deepEqual(single('vsub.f32 s0, s1, s2', 0x3f800000, half), [0x3f7fffff, 0]);
  // 1 + 2^-60: the double sum is 1.0 with a positive error; only RP moves.
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800000, 0x21800000), [0x3f800000, IXC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x3f800000, 0x21800000, RP), [0x3f800001, IXC]);
  assert.deepEqual(single('vsub.f32 s0, s1, s2', 0x3f800000, 0x21800000, RZ), [0x3f7fffff, IXC]);
  // x - x is +0, but -0 when rounding toward minus infinity.
  assert.deepEqual(single('vsub.f32 s0, s1, s2', 0x40400000, 0x40400000), [0, 0]);
  assert.deepEqual(single('vsub.f32 s0, s1, s2', 0x40400000, 0x40400000, RM), [0x80000000, 0]);
});

test('VFP0004 double-precision rounding modes from the exact error (TwoSum): 1 + 2^-53 and 1 + 2^-80, negative operands', () => {
  const doubleOp = (line: string, a: [number, number], b: [number, number], fpscr: number): [string, number] => {
    const { cpu } = fp([line], (c) => {
      setDouble(c, 1, a[0], a[1]);
      setDouble(c, 2, b[0], b[1]);
      c.vfp.fpscr = fpscr;
    });
    return [double(cpu, 0), cpu.vfp.fpscr & 0x9f];
  };
  const one: [number, number] = [0x3ff00000, 0];
  const minusOne: [number, number] = [0xbff00000 | 0, 0];
  const halfUlp: [number, number] = [0x3ca00000, 0];
  const tiny: [number, number] = [0x3af00000, 0];
  assert.deepEqual(doubleOp('vadd.f64 d0, d1, d2', one, halfUlp, 0), ['3ff00000_00000000', IXC]);
  assert.deepEqual(doubleOp('vadd.f64 d0, d1, d2', one, halfUlp, RP), ['3ff00000_00000001', IXC]);
  assert.deepEqual(doubleOp('vadd.f64 d0, d1, d2', one, tiny, RP), ['3ff00000_00000001', IXC]);
  assert.deepEqual(doubleOp('vadd.f64 d0, d1, d2', one, tiny, RZ), ['3ff00000_00000000', IXC]);
  assert.deepEqual(doubleOp('vsub.f64 d0, d1, d2', minusOne, tiny, RM), ['bff00000_00000001', IXC]);
  assert.deepEqual(doubleOp('vsub.f64 d0, d1, d2', minusOne, tiny, RP), ['bff00000_00000000', IXC]);
  // (1 + 2^-27)^2 = 1 + 2^-26 + 2^-54: RN drops the last term, RP keeps a unit.
  assert.deepEqual(doubleOp('vmul.f64 d0, d1, d2', [0x3ff00000, 0x02000000], [0x3ff00000, 0x02000000], 0), ['3ff00000_04000000', IXC]);
  assert.deepEqual(doubleOp('vmul.f64 d0, d1, d2', [0x3ff00000, 0x02000000], [0x3ff00000, 0x02000000], RP), ['3ff00000_04000001', IXC]);
  // 1/3 rounds down to nearest, up under RP.
  assert.deepEqual(doubleOp('vdiv.f64 d0, d1, d2', one, [0x40080000, 0], 0), ['3fd55555_55555555', IXC]);
  assert.deepEqual(doubleOp('vdiv.f64 d0, d1, d2', one, [0x40080000, 0], RP), ['3fd55555_55555556', IXC]);
  // sqrt(2) under RN and RZ (the root is 0x3ff6a09e667f3bcc.9…).
  const root = (fpscr: number): string =>
    double(
      fp(['vsqrt.f64 d0, d1'], (c) => {
        setDouble(c, 1, 0x40000000, 0);
        c.vfp.fpscr = fpscr;
      }).cpu,
      0,
    );
  assert.equal(root(0), '3ff6a09e_667f3bcd');
  assert.equal(root(RZ), '3ff6a09e_667f3bcc');
});

test('VFP0005 overflow (OFC IXC; the largest finite value when rounding toward zero), underflow (UFC only when tiny and inexact), FZ flushing of results (UFC) and operands (IDC)', () => {
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x7f7fffff, 0x40000000), [0x7f800000, OFC | IXC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x7f7fffff, 0x40000000, RZ), [0x7f7fffff, OFC | IXC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0xff7fffff | 0, 0x40000000, RP), [0xff7fffff, OFC | IXC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x00800000, 0x3f000000), [0x00400000, 0]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x00800001, 0x3f000000), [0x00400000, UFC | IXC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x00800003, 0x3f000000), [0x00400002, UFC | IXC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x00800001, 0x3f000000, FZ), [0, UFC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x00000001, 0x3f800000, FZ), [0x3f800000, IDC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x00000001, 0x3f800000), [0x3f800000, IXC]);
  // A result that rounds up to the smallest normal is still tiny (tininess before rounding).
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x007fffff, 0x3f800001), [0x00800000, UFC | IXC]);
});

test('VFP0006 NaNs: SNaN before QNaN, first operand first, quietened (IOC for a signalling one); default NaN under DN and for invalid operations; division by zero; VNEG/VABS of a NaN', () => {
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0x7fc00002, 0x7f800001), [0x7fc00001, IOC]);
  assert.deepEqual(single('vadd.f32 s0, s1, s2', 0xffc00003 | 0, 0x7fc00002), [0xffc00003, 0]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0xffc00003 | 0, 0x3f800000, DN), [0x7fc00000, 0]);
  assert.deepEqual(single('vsub.f32 s0, s1, s2', 0x7f800000, 0x7f800000), [0x7fc00000, IOC]);
  assert.deepEqual(single('vmul.f32 s0, s1, s2', 0x7f800000, 0x80000000 | 0), [0x7fc00000, IOC]);
  assert.deepEqual(single('vdiv.f32 s0, s1, s2', 0, 0), [0x7fc00000, IOC]);
  assert.deepEqual(single('vdiv.f32 s0, s1, s2', 0xbf800000 | 0, 0), [0xff800000, DZC]);
  assert.deepEqual(single('vdiv.f32 s0, s1, s2', 0x7f800000, 0), [0x7f800000, 0]);
  assert.deepEqual(single('vsqrt.f32 s0, s1', 0xbf800000 | 0, 0), [0x7fc00000, IOC]);
  assert.deepEqual(single('vsqrt.f32 s0, s1', 0x80000000 | 0, 0), [0x80000000, 0]);
  assert.deepEqual(single('vneg.f32 s0, s1', 0x7f800001, 0), [0xff800001, 0]);
  assert.deepEqual(single('vabs.f32 s0, s1', 0xff800001 | 0, 0), [0x7f800001, 0]);
  // VNMUL negates a NaN product too (FPNeg after FPMul).
  assert.deepEqual(single('vnmul.f32 s0, s1, s2', 0x7fc00001, 0x3f800000), [0xffc00001, 0]);
});

test('VFP0007 fused multiply-add rounds once (VFMA, VFMS, VFNMA, VFNMS), where VMLA rounds the product first; double-precision FMA exactly', () => {
  const n = 0x3f800800; // 1 + 2^-12: n·n = 1 + 2^-11 + 2^-24
  const minus = 0xbf801000 | 0; // -(1 + 2^-11)
  assert.deepEqual(single('vfma.f32 s0, s1, s2', n, n, 0, minus), [0x33800000, 0]);
  assert.deepEqual(single('vmla.f32 s0, s1, s2', n, n, 0, minus), [0, IXC]);
  assert.deepEqual(single('vfms.f32 s0, s1, s2', n, n, 0, 0x3f801000), [0xb3800000, 0]);
  assert.deepEqual(single('vfnma.f32 s0, s1, s2', 0x40000000, 0x40400000, 0, 0x3f800000), [0xc0e00000, 0]); // -1 - 6
  assert.deepEqual(single('vfnms.f32 s0, s1, s2', 0x40000000, 0x40400000, 0, 0x3f800000), [0x40a00000, 0]); // -1 + 6
  assert.deepEqual(single('vnmla.f32 s0, s1, s2', 0x40000000, 0x40400000, 0, 0x3f800000), [0xc0e00000, 0]);
  assert.deepEqual(single('vnmls.f32 s0, s1, s2', 0x40000000, 0x40400000, 0, 0x3f800000), [0x40a00000, 0]);
  assert.deepEqual(single('vmls.f32 s0, s1, s2', 0x40000000, 0x40400000, 0, 0x3f800000), [0xc0a00000, 0]);
  // ∞·0 + QNaN is the default NaN with IOC (FPMulAdd), not the QNaN.
  assert.deepEqual(single('vfma.f32 s0, s1, s2', 0x7f800000, 0, 0, 0x7fc00005), [0x7fc00000, IOC]);
  const { cpu } = fp(['vfma.f64 d0, d1, d2'], (c) => {
    setDouble(c, 0, 0xbff00000 | 0, 0x04000000); // -(1 + 2^-26)
    setDouble(c, 1, 0x3ff00000, 0x02000000); // 1 + 2^-27
    setDouble(c, 2, 0x3ff00000, 0x02000000);
  });
  assert.equal(double(cpu, 0), '3c900000_00000000'); // 2^-54 exactly
  assert.equal(cpu.vfp.fpscr & 0x9f, 0);
});

test('VFP0008 VCMP/VCMPE (with zero too) set FPSCR N Z C V; VMRS APSR_nzcv copies them; quiet NaNs signal only for VCMPE', () => {
  const compareOp = (line: string, a: number, b: number): [string, number] => {
    const { cpu } = fp([line, 'vmrs APSR_nzcv, fpscr'], (c) => {
      c.vfp.words[1] = a;
      c.vfp.words[2] = b;
    });
    return [flags(cpu), cpu.vfp.fpscr & 0x9f];
  };
  assert.deepEqual(compareOp('vcmp.f32 s1, s2', 0x3f800000, 0x40000000), ['Nzcv', 0]);
  assert.deepEqual(compareOp('vcmp.f32 s1, s2', 0x40000000, 0x40000000), ['nZCv', 0]);
  assert.deepEqual(compareOp('vcmp.f32 s1, s2', 0x40400000, 0x40000000), ['nzCv', 0]);
  assert.deepEqual(compareOp('vcmp.f32 s1, s2', 0x7fc00000, 0x40000000), ['nzCV', 0]);
  assert.deepEqual(compareOp('vcmpe.f32 s1, s2', 0x7fc00000, 0x40000000), ['nzCV', IOC]);
  assert.deepEqual(compareOp('vcmp.f32 s1, s2', 0x7f800001, 0x40000000), ['nzCV', IOC]);
  assert.deepEqual(compareOp('vcmp.f32 s1, #0', 0x80000000 | 0, 0), ['nZCv', 0]);
  assert.deepEqual(compareOp('vcmpe.f32 s1, #0', 0xbf800000 | 0, 0), ['Nzcv', 0]);
});

test('VFP0009 float → integer (VCVT toward zero, VCVTR by FPSCR.RMode): ties to even, saturation and NaN (IOC), inexact (IXC); integer → float rounding; fixed point', () => {
  assert.deepEqual(single('vcvt.s32.f32 s0, s1', 0x40200000, 0), [2, IXC]); // 2.5
  assert.deepEqual(single('vcvtr.s32.f32 s0, s1', 0x40200000, 0), [2, IXC]);
  assert.deepEqual(single('vcvtr.s32.f32 s0, s1', 0x40600000, 0), [4, IXC]); // 3.5
  assert.deepEqual(single('vcvtr.s32.f32 s0, s1', 0xc0200000 | 0, 0, RM), [u32(-3), IXC]);
  assert.deepEqual(single('vcvt.s32.f32 s0, s1', 0x4f32d05e, 0), [0x7fffffff, IOC]); // 3e9
  assert.deepEqual(single('vcvt.s32.f32 s0, s1', 0x7fc00000, 0), [0, IOC]);
  assert.deepEqual(single('vcvt.u32.f32 s0, s1', 0xbf800000 | 0, 0), [0, IOC]);
  assert.deepEqual(single('vcvt.u32.f32 s0, s1', 0xbf000000 | 0, 0), [0, IXC]);
  assert.deepEqual(single('vcvt.f32.u32 s0, s1', 0xffffffff | 0, 0), [0x4f800000, IXC]);
  assert.deepEqual(single('vcvt.f32.u32 s0, s1', 0xffffffff | 0, 0, RZ), [0x4f7fffff, IXC]);
  assert.deepEqual(single('vcvt.f32.s32 s0, s1', 0xfffffffb | 0, 0), [0xc0a00000, 0]);
  const fixed = fp(['vcvt.s32.f32 s0, s0, #16', 'vcvt.f32.u16 s1, s1, #8'], (c) => {
    c.vfp.words[0] = 0x3fc00000; // 1.5
    c.vfp.words[1] = 0xabcd0180 | 0; // the low halfword 0x0180 is 1.5 with 8 fraction bits
  });
  assert.equal(u32(fixed.cpu.vfp.words[0]), 0x00018000);
  assert.equal(u32(fixed.cpu.vfp.words[1]), 0x3fc00000);
  const widen = fp(['vcvt.f64.f32 d1, s0', 'vcvt.f32.f64 s1, d2'], (c) => {
    c.vfp.words[0] = 0x7f800001; // SNaN
    setDouble(c, 2, 0x3ff00000, 0x10000000); // 1 + 2^-24: a tie, to even
  });
  assert.equal(double(widen.cpu, 1), '7ff80000_20000000');
  assert.equal(u32(widen.cpu.vfp.words[1]), 0x3f800000);
  assert.equal(widen.cpu.vfp.fpscr & 0x9f, IOC | IXC);
});

test('VFP0010 half precision (VCVTB/VCVTT): overflow to infinity or the largest half by rounding mode, the alternative format, NaNs, subnormals; the other half of Sd kept', () => {
  assert.deepEqual(single('vcvtb.f16.f32 s0, s1', 0x477ff000, 0, 0, 0x12340000), [0x12347c00, OFC | IXC]); // 65520
  assert.deepEqual(single('vcvtb.f16.f32 s0, s1', 0x477ff000, 0, RZ, 0x12340000), [0x12347bff, IXC]); // truncated: no overflow
  assert.deepEqual(single('vcvtt.f16.f32 s0, s1', 0x3f800000, 0, 0, 0x00005678), [0x3c005678, 0]);
  assert.deepEqual(single('vcvtb.f16.f32 s0, s1', 0x7f800000, 0, AHP), [0x7fff, IOC]);
  assert.deepEqual(single('vcvtb.f16.f32 s0, s1', 0x7fc00000, 0, AHP), [0, IOC]);
  assert.deepEqual(single('vcvtb.f16.f32 s0, s1', 0x33800000, 0), [0x0001, 0]); // 2^-24, the smallest subnormal half
  assert.deepEqual(single('vcvtb.f32.f16 s0, s1', 0x7c01, 0), [0x7fc02000, IOC]);
  assert.deepEqual(single('vcvtt.f32.f16 s0, s1', 0x00010000, 0), [0x33800000, 0]);
  assert.deepEqual(single('vcvtb.f32.f16 s0, s1', 0x7c00, 0, AHP), [0x47800000, 0]); // 65536 in the alternative format
});

test('VFP0011 VLDR/VSTR (PC-relative too), VLDM/VSTM IA and DB with writeback, VPUSH/VPOP, FSTMX; an unaligned VLDM aborts before any register or base changes', () => {
  const { cpu, memory } = fp(['vstmdb r0!, {d8-d9}', 'vldmia r0, {s0-s3}', 'vpush {s4-s5}', 'vpop {d10}', 'vstr d9, [r1, #-8]', 'vldr s6, [r1, #-4]', 'vldr s7, [pc, #-12]'], (c) => {
    c.state.r[0] = DATA + 0x100;
    c.state.r[1] = DATA + 0x200;
    setDouble(c, 8, 0x11111111, 0x22222222);
    setDouble(c, 9, 0x33333333, 0x44444444);
    c.vfp.words[4] = 0x55555555;
    c.vfp.words[5] = 0x66666666;
  });
  assert.equal(cpu.state.r[0], DATA + 0xf0);
  assert.equal(u32(memory.read32(DATA + 0xf0)), 0x22222222);
  assert.equal(u32(memory.read32(DATA + 0xfc)), 0x33333333);
  assert.deepEqual([...cpu.vfp.words.subarray(0, 4)].map(u32), [0x22222222, 0x11111111, 0x44444444, 0x33333333]);
  assert.equal(cpu.state.r[13], 0x20000);
  assert.equal(double(cpu, 10), '66666666_55555555');
  assert.equal(u32(memory.read32(DATA + 0x1f8)), 0x44444444);
  assert.equal(u32(cpu.vfp.words[6]), 0x33333333);
  assert.equal(u32(cpu.vfp.words[7]), u32(memory.read32(0x1000 + 6 * 4 + 8 - 12)));
  const aborted = fp(['vldmia r0!, {d0-d1}'], (c) => {
    c.state.r[0] = DATA + 2;
  });
  assert.equal(aborted.cpu.state.mode, Mode.ABT);
  assert.equal(aborted.cpu.state.r[0], DATA + 2);
  assert.equal(aborted.cpu.cp15.dfsr & 0x40f, 0x01);
  assert.equal(aborted.cpu.vfp.words[0], 0);
});

test('VFP0012 transfers: VMOV core ↔ single, two cores ↔ two singles and a double, scalar (signed and unsigned bytes and halfwords), VDUP from a core register', () => {
  const { cpu } = fp(
    ['vmov s3, r0', 'vmov r1, s3', 'vmov d5, r0, r2', 'vmov r3, r4, d5', 'vmov s8, s9, r2, r0', 'vmov.s8 r5, d5[7]', 'vmov.u16 r6, d5[3]', 'vmov.8 d6[2], r0', 'vdup.16 q4, r2', 'vmov.32 r7, d6[0]'],
    (c) => {
      c.state.r[0] = 0x12345678;
      c.state.r[2] = 0x9abcdef0 | 0;
    },
  );
  assert.equal(u32(cpu.state.r[1]), 0x12345678);
  assert.equal(double(cpu, 5), '9abcdef0_12345678');
  assert.equal(u32(cpu.state.r[3]), 0x12345678);
  assert.equal(u32(cpu.state.r[4]), 0x9abcdef0);
  assert.equal(u32(cpu.vfp.words[8]), 0x9abcdef0);
  assert.equal(u32(cpu.vfp.words[9]), 0x12345678);
  assert.equal(u32(cpu.state.r[5]), 0xffffff9a);
  assert.equal(u32(cpu.state.r[6]), 0x9abc);
  assert.equal(u32(cpu.state.r[7]), 0x00780000);
  assert.deepEqual([...cpu.vfp.words.subarray(16, 20)].map(u32), [0xdef0def0, 0xdef0def0, 0xdef0def0, 0xdef0def0]);
});

test('VFP0013 VMOV immediate (VFPExpandImm), and FPSCR.LEN/STRIDE ≠ 0 (short vectors, which the A15 lacks) make data processing UNDEFINED', () => {
  const { cpu } = fp(['vmov.f32 s0, #-1.5', 'vmov.f64 d1, #0.125', 'vmov.f32 s1, #31.0']);
  assert.equal(u32(cpu.vfp.words[0]), 0xbfc00000);
  assert.equal(double(cpu, 1), '3fc00000_00000000');
  assert.equal(u32(cpu.vfp.words[1]), 0x41f80000);
  const vector = fp(['vadd.f32 s0, s1, s2'], (c) => {
    c.vfp.fpscr = 1 << 16;
  });
  assert.equal(vector.cpu.state.mode, Mode.UND);
});
