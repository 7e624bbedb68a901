// Generated programs for the VFP and Advanced SIMD comparisons with qemu-arm (docs/testing-arm.md):
// every VFP operation over special and random operands under each rounding mode and the FZ/DN
// settings, the Advanced SIMD integer and floating-point operations over each lane size with
// random data, and the element/structure loads and stores. QEMU's `-d fpu` prints D0-D31 and
// FPSCR before every instruction, so each result and each cumulative flag is compared; the
// programs write FPSCR before each operation so its flags show what that one operation raised.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small deterministic generator (xorshift32) so a seed names a program. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  below(n: number): number {
    return this.next() % n;
  }
}

const HEADER = '.syntax unified\n.arm\n.fpu neon-vfpv4\n.global _start\n.text\n_start:\n';
const FOOTER = '  mov r7, #1\n  svc 0\n';

/** Special single-precision operands: zeros, subnormals, the normal range's ends, infinities, NaNs, ties. */
export const SPECIAL_SINGLES = [
  0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x3f800001, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000,
  0x7fc00001, 0x7f800005, 0xffa00003, 0x4b800001,
];

/** Special double-precision operands as [high, low]. */
export const SPECIAL_DOUBLES: [number, number][] = [
  [0x00000000, 0], [0x80000000, 0], [0x00000000, 1], [0x800fffff, 0xffffffff], [0x00100000, 0], [0x3ff00000, 0], [0xbff00000, 0], [0x3ff00000, 1],
  [0x7fefffff, 0xffffffff], [0xffefffff, 0xffffffff], [0x7ff00000, 0], [0xfff00000, 0], [0x7ff80000, 1], [0x7ff00000, 5], [0xfff40000, 3], [0x43400000, 1],
];

/** A random single with a biased exponent so sums, products and quotients round, overflow and underflow. */
function randomSingle(random: Random): number {
  const kind = random.below(8);
  const sign = random.below(2) << 31;
  const fraction = random.next() & 0x7fffff;
  let exponent: number;
  if (kind < 4) exponent = 120 + random.below(16);
  else if (kind === 4) exponent = random.below(4);
  else if (kind === 5) exponent = 250 + random.below(5);
  else if (kind === 6) exponent = 60 + random.below(40);
  else exponent = 1 + random.below(253);
  return (sign | (exponent << 23) | fraction) >>> 0;
}

function randomDouble(random: Random): [number, number] {
  const kind = random.below(8);
  const sign = random.below(2) << 31;
  const fraction = random.next() & 0xfffff;
  let exponent: number;
  if (kind < 4) exponent = 1016 + random.below(16);
  else if (kind === 4) exponent = random.below(4);
  else if (kind === 5) exponent = 2040 + random.below(7);
  else if (kind === 6) exponent = 500 + random.below(40);
  else exponent = 1 + random.below(2045);
  return [(sign | (exponent << 20) | fraction) >>> 0, random.next()];
}

/** FPSCR values: RMode 0-3, FZ, DN and their combination, AHP for the half-precision conversions. */
export const FPSCR_SETTINGS = [0x00000000, 0x00400000, 0x00800000, 0x00c00000, 0x01000000, 0x02000000, 0x03c00000];

function load32(register: number, value: number): string {
  return `  movw r0, #0x${(value & 0xffff).toString(16)}\n  movt r0, #0x${(value >>> 16).toString(16)}\n  vmov s${register}, r0\n`;
}

function load64(register: number, [high, low]: [number, number]): string {
  return (
    `  movw r0, #0x${(low & 0xffff).toString(16)}\n  movt r0, #0x${(low >>> 16).toString(16)}\n` +
    `  movw r1, #0x${(high & 0xffff).toString(16)}\n  movt r1, #0x${(high >>> 16).toString(16)}\n  vmov d${register}, r0, r1\n`
  );
}

function setFpscr(value: number): string {
  return `  movw r5, #0x${(value & 0xffff).toString(16)}\n  movt r5, #0x${(value >>> 16).toString(16)}\n  vmsr fpscr, r5\n`;
}

const BINARY = ['vadd', 'vsub', 'vmul', 'vnmul', 'vdiv'];
const ACCUMULATE = ['vmla', 'vmls', 'vnmla', 'vnmls', 'vfma', 'vfms', 'vfnma', 'vfnms'];

/**
 * The VFP arithmetic sweep for one precision: 16 operands in S16-S31 (D16-D31), every binary,
 * accumulating, unary and compare operation over 24 operand pairs, under every FPSCR setting.
 */
export function vfpArithmeticProgram(double: boolean, values: 'special' | 'random', seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  const operands = 16;
  for (let k = 0; k < operands; k++) {
    if (double) text += load64(16 + k, values === 'special' ? SPECIAL_DOUBLES[k] : randomDouble(random));
    else text += load32(16 + k, values === 'special' ? SPECIAL_SINGLES[k] : randomSingle(random));
  }
  const suffix = double ? 'f64' : 'f32';
  const reg = (k: number): string => (double ? `d${16 + k}` : `s${16 + k}`);
  const destination = double ? 'd0' : 's0';
  const pairs: [number, number, number][] = [];
  for (let k = 0; k < 24; k++) pairs.push([random.below(operands), random.below(operands), random.below(operands)]);
  for (const fpscr of FPSCR_SETTINGS) {
    text += setFpscr(fpscr);
    for (const [a, b, c] of pairs) {
      for (const op of BINARY) text += `  vmsr fpscr, r5\n  ${op}.${suffix} ${destination}, ${reg(a)}, ${reg(b)}\n`;
      for (const op of ACCUMULATE) text += `  vmsr fpscr, r5\n  vmov.${suffix} ${destination}, ${reg(c)}\n  ${op}.${suffix} ${destination}, ${reg(a)}, ${reg(b)}\n`;
      text += `  vmsr fpscr, r5\n  vsqrt.${suffix} ${destination}, ${reg(a)}\n`;
      text += `  vmsr fpscr, r5\n  vcmp.${suffix} ${reg(a)}, ${reg(b)}\n  vmrs APSR_nzcv, fpscr\n`;
      text += `  vmsr fpscr, r5\n  vcmpe.${suffix} ${reg(a)}, ${reg(b)}\n  vmrs APSR_nzcv, fpscr\n`;
    }
    for (let k = 0; k < operands; k++) {
      text += `  vmsr fpscr, r5\n  vabs.${suffix} ${destination}, ${reg(k)}\n  vneg.${suffix} ${destination}, ${reg(k)}\n`;
      text += `  vcmp.${suffix} ${reg(k)}, #0\n  vmrs APSR_nzcv, fpscr\n  vcmpe.${suffix} ${reg(k)}, #0\n  vmrs APSR_nzcv, fpscr\n`;
    }
  }
  return text + FOOTER;
}

/** Conversions: float ↔ integer (VCVT, VCVTR), fixed point, single ↔ double, half precision (with AHP). */
export function vfpConversionProgram(seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  // Values near the integer limits and halves that round in each direction.
  const extraSingles = [0x4f000000, 0x4effffff, 0xcf000000, 0xcf000001, 0x4f800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000, 0x477fe000, 0x477ff000, 0x38800000, 0x33000000, 0x387fc000];
  for (let k = 0; k < 16; k++) text += load32(16 + k, k < extraSingles.length ? extraSingles[k] : randomSingle(random));
  text += load64(4, [0x41dfffff, 0xffc00000]);
  text += load64(5, [0xc1e00000, 0x00100000]);
  text += load64(6, [0x41efffff, 0xffffffff]);
  text += load64(7, [0x3ff80000, 0]);
  const single = (k: number): string => `s${16 + k}`;
  let body = '';
  const source: string[] = [];
  for (let k = 0; k < 16; k++) source.push(single(k));
  for (const fpscr of [...FPSCR_SETTINGS, 0x04000000, 0x04c00000]) {
    body += setFpscr(fpscr);
    const block = (registerSet: string[], isDouble: boolean): string => {
      let out = '';
      const p = isDouble ? 'f64' : 'f32';
      for (const r of registerSet) {
        out += `  vmsr fpscr, r5\n  vcvt.s32.${p} s0, ${r}\n  vmsr fpscr, r5\n  vcvtr.s32.${p} s0, ${r}\n`;
        out += `  vmsr fpscr, r5\n  vcvt.u32.${p} s0, ${r}\n  vmsr fpscr, r5\n  vcvtr.u32.${p} s0, ${r}\n`;
        out += isDouble ? `  vmsr fpscr, r5\n  vcvt.f32.f64 s0, ${r}\n` : `  vmsr fpscr, r5\n  vcvt.f64.f32 d0, ${r}\n`;
        out += `  vmsr fpscr, r5\n  vmov.${p} ${isDouble ? 'd1' : 's1'}, ${r}\n  vcvt.s32.${p} ${isDouble ? 'd1' : 's1'}, ${isDouble ? 'd1' : 's1'}, #8\n`;
        out += `  vmsr fpscr, r5\n  vmov.${p} ${isDouble ? 'd1' : 's1'}, ${r}\n  vcvt.u16.${p} ${isDouble ? 'd1' : 's1'}, ${isDouble ? 'd1' : 's1'}, #3\n`;
        if (!isDouble) {
          out += `  vmsr fpscr, r5\n  vcvtb.f16.f32 s2, ${r}\n  vcvtt.f16.f32 s2, ${r}\n`;
          out += `  vmsr fpscr, r5\n  vcvtb.f32.f16 s3, ${r}\n  vmsr fpscr, r5\n  vcvtt.f32.f16 s3, ${r}\n`;
          out += `  vmsr fpscr, r5\n  vcvt.f32.s32 s4, ${r}\n  vmsr fpscr, r5\n  vcvt.f32.u32 s4, ${r}\n  vmsr fpscr, r5\n  vcvt.f64.s32 d3, ${r}\n  vcvt.f64.u32 d3, ${r}\n`;
          out += `  vmsr fpscr, r5\n  vmov s5, ${r}\n  vcvt.f32.s32 s5, s5, #12\n  vmsr fpscr, r5\n  vmov s5, ${r}\n  vcvt.f32.u16 s5, s5, #16\n`;
        }
      }
      return out;
    };
    body += block(source, false);
    const doubleRegisters = ['d4', 'd5', 'd6', 'd7'];
    body += block(doubleRegisters, true);
  }
  return text + body + FOOTER;
}

function randomWord(random: Random): number {
  // Mostly random, sometimes extreme lanes to reach saturation.
  const kind = random.below(6);
  if (kind === 0) return 0x7fff7f7f ^ (random.below(2) ? 0xffffffff : 0);
  if (kind === 1) return 0x80008080 | random.below(4);
  return random.next();
}

const NEON_INTEGER_SAME = [
  'vhadd.s', 'vhadd.u', 'vqadd.s', 'vqadd.u', 'vrhadd.s', 'vrhadd.u', 'vhsub.s', 'vhsub.u', 'vqsub.s', 'vqsub.u', 'vcgt.s', 'vcgt.u', 'vcge.s', 'vcge.u',
  'vshl.s', 'vshl.u', 'vqshl.s', 'vqshl.u', 'vrshl.s', 'vrshl.u', 'vqrshl.s', 'vqrshl.u', 'vmax.s', 'vmax.u', 'vmin.s', 'vmin.u', 'vabd.s', 'vabd.u', 'vaba.s', 'vaba.u',
  'vadd.i', 'vsub.i', 'vtst.', 'vceq.i', 'vmla.i', 'vmls.i', 'vmul.i',
];

/** Advanced SIMD integer operations over each lane size, D and Q forms, random data. */
export function neonIntegerProgram(seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  const randomizeRegisters = (): void => {
    for (let d = 0; d < 16; d++) text += `  movw r0, #0x${(random.next() & 0xffff).toString(16)}\n  movt r0, #0x${(random.next() >>> 16).toString(16)}\n  movw r1, #0x${(randomWord(random) & 0xffff).toString(16)}\n  movt r1, #0x${(randomWord(random) >>> 16).toString(16)}\n  vmov d${16 + d}, r0, r1\n`;
  };
  randomizeRegisters();
  text += '  mov r5, #0\n';
  const q = (k: number): string => `q${8 + k}`;
  const d = (k: number): string => `d${16 + k}`;
  for (let round = 0; round < 3; round++) {
    for (const op of NEON_INTEGER_SAME) {
      for (const size of [8, 16, 32, 64]) {
        if (size === 64 && !/^v(q?r?shl|qadd|qsub|add|sub)\./.test(op)) continue;
        if ((op.startsWith('vmul') || op.startsWith('vmla') || op.startsWith('vmls')) && size === 64) continue;
        const type = op.endsWith('.') ? `${op}${size}` : `${op}${size}`;
        text += `  vmsr fpscr, r5\n  ${type} q0, ${q(random.below(8))}, ${q(random.below(8))}\n  ${type} d2, ${d(random.below(16))}, ${d(random.below(16))}\n`;
      }
    }
    for (const op of ['vand', 'vbic', 'vorr', 'vorn', 'veor', 'vbsl', 'vbit', 'vbif']) text += `  vmov q0, ${q(random.below(8))}\n  ${op} q0, ${q(random.below(8))}, ${q(random.below(8))}\n`;
    for (const size of [8, 16, 32]) {
      text += `  vpadd.i${size} d2, ${d(random.below(16))}, ${d(random.below(16))}\n  vpmax.s${size} d3, ${d(random.below(16))}, ${d(random.below(16))}\n  vpmin.u${size} d3, ${d(random.below(16))}, ${d(random.below(16))}\n`;
      if (size !== 8) {
        text += `  vmsr fpscr, r5\n  vqdmulh.s${size} q0, ${q(random.below(8))}, ${q(random.below(8))}\n  vqrdmulh.s${size} d2, ${d(random.below(16))}, ${d(random.below(16))}\n`;
        text += `  vqdmulh.s${size} q0, ${q(random.below(8))}, d${random.below(8)}[${random.below(size === 16 ? 4 : 2)}]\n`;
        text += `  vmul.i${size} q0, ${q(random.below(8))}, d${random.below(8)}[${random.below(size === 16 ? 4 : 2)}]\n  vmla.i${size} d2, ${d(random.below(16))}, d${random.below(8)}[${random.below(size === 16 ? 4 : 2)}]\n`;
        text += `  vmull.s${size} q0, ${d(random.below(16))}, d${random.below(8)}[${random.below(size === 16 ? 4 : 2)}]\n  vqdmull.s${size} q1, ${d(random.below(16))}, d${random.below(8)}[${random.below(size === 16 ? 4 : 2)}]\n`;
        text += `  vmsr fpscr, r5\n  vqdmlal.s${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vqdmlsl.s${size} q1, ${d(random.below(16))}, ${d(random.below(16))}\n  vqdmull.s${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n`;
      }
      for (const u of ['s', 'u']) {
        text += `  vaddl.${u}${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vaddw.${u}${size} q1, ${q(random.below(8))}, ${d(random.below(16))}\n`;
        text += `  vsubl.${u}${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vsubw.${u}${size} q1, ${q(random.below(8))}, ${d(random.below(16))}\n`;
        text += `  vabal.${u}${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vabdl.${u}${size} q1, ${d(random.below(16))}, ${d(random.below(16))}\n`;
        text += `  vmlal.${u}${size} q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vmlsl.${u}${size} q1, ${d(random.below(16))}, ${d(random.below(16))}\n  vmull.${u}${size} q1, ${d(random.below(16))}, ${d(random.below(16))}\n`;
        text += `  vmovl.${u}${size} q0, ${d(random.below(16))}\n  vshll.${u}${size} q1, ${d(random.below(16))}, #${1 + random.below(size - 1)}\n`;
        text += `  vpaddl.${u}${size} q0, ${q(random.below(8))}\n  vpadal.${u}${size} d2, ${d(random.below(16))}\n`;
        text += `  vmsr fpscr, r5\n  vqmovn.${u}${size * 2} d2, ${q(random.below(8))}\n  vmsr fpscr, r5\n  vqshl.${u}${size} q0, ${q(random.below(8))}, #${random.below(size)}\n`;
        text += `  vshr.${u}${size} q0, ${q(random.below(8))}, #${1 + random.below(size)}\n  vsra.${u}${size} d2, ${d(random.below(16))}, #${1 + random.below(size)}\n`;
        text += `  vrshr.${u}${size} q0, ${q(random.below(8))}, #${1 + random.below(size)}\n  vrsra.${u}${size} d2, ${d(random.below(16))}, #${1 + random.below(size)}\n`;
        text += `  vmsr fpscr, r5\n  vqshrn.${u}${size * 2} d2, ${q(random.below(8))}, #${1 + random.below(size)}\n  vmsr fpscr, r5\n  vqrshrn.${u}${size * 2} d3, ${q(random.below(8))}, #${1 + random.below(size)}\n`;
      }
      text += `  vaddhn.i${size * 2} d2, ${q(random.below(8))}, ${q(random.below(8))}\n  vraddhn.i${size * 2} d3, ${q(random.below(8))}, ${q(random.below(8))}\n`;
      text += `  vsubhn.i${size * 2} d2, ${q(random.below(8))}, ${q(random.below(8))}\n  vrsubhn.i${size * 2} d3, ${q(random.below(8))}, ${q(random.below(8))}\n`;
      text += `  vmovn.i${size * 2} d2, ${q(random.below(8))}\n  vmsr fpscr, r5\n  vqmovun.s${size * 2} d3, ${q(random.below(8))}\n`;
      text += `  vshrn.i${size * 2} d2, ${q(random.below(8))}, #${1 + random.below(size)}\n  vrshrn.i${size * 2} d3, ${q(random.below(8))}, #${1 + random.below(size)}\n`;
      text += `  vmsr fpscr, r5\n  vqshrun.s${size * 2} d2, ${q(random.below(8))}, #${1 + random.below(size)}\n  vmsr fpscr, r5\n  vqrshrun.s${size * 2} d3, ${q(random.below(8))}, #${1 + random.below(size)}\n`;
      text += `  vshl.i${size} q0, ${q(random.below(8))}, #${random.below(size)}\n  vmov q1, ${q(random.below(8))}\n  vsli.${size} q1, ${q(random.below(8))}, #${random.below(size)}\n  vsri.${size} d3, ${d(random.below(16))}, #${1 + random.below(size)}\n`;
      text += `  vmsr fpscr, r5\n  vqshlu.s${size} q0, ${q(random.below(8))}, #${random.below(size)}\n`;
      text += `  vshll.i${size} q1, ${d(random.below(16))}, #${size}\n`;
      text += `  vclz.i${size} q0, ${q(random.below(8))}\n  vcls.s${size} d2, ${d(random.below(16))}\n  vabs.s${size} q1, ${q(random.below(8))}\n  vneg.s${size} d3, ${d(random.below(16))}\n`;
      text += `  vmsr fpscr, r5\n  vqabs.s${size} q0, ${q(random.below(8))}\n  vmsr fpscr, r5\n  vqneg.s${size} d2, ${d(random.below(16))}\n`;
      for (const cmp of ['vcgt', 'vcge', 'vceq', 'vcle', 'vclt']) text += `  ${cmp}.${cmp === 'vceq' ? 'i' : 's'}${size} q0, ${q(random.below(8))}, #0\n`;
      text += `  vrev64.${size} q0, ${q(random.below(8))}\n`;
      if (size < 32) text += `  vrev32.${size} d2, ${d(random.below(16))}\n`;
      if (size < 16) text += `  vrev16.${size} d3, ${d(random.below(16))}\n`;
      text += `  vmov q0, ${q(random.below(8))}\n  vmov q1, ${q(random.below(8))}\n  vtrn.${size} q0, q1\n  vzip.${size} q0, q1\n  vuzp.${size} q0, q1\n  vtrn.${size} d0, d3\n`;
      if (size < 32) text += `  vzip.${size} d0, d3\n  vuzp.${size} d1, d2\n`;
      text += `  vdup.${size} q0, d${random.below(8)}[${random.below(64 / size)}]\n  vdup.${size} d2, r${random.below(2)}\n`;
      text += `  vmov.${size === 32 ? '' : 's'}${size} r2, d${random.below(8)}[${random.below(64 / size)}]\n`;
      if (size < 32) text += `  vmov.u${size} r3, d${random.below(8)}[${random.below(64 / size)}]\n`;
      text += `  vmov.${size} d3[${random.below(64 / size)}], r2\n`;
    }
    text += `  vcnt.8 q0, ${q(random.below(8))}\n  vmvn q1, ${q(random.below(8))}\n  vswp d2, d3\n  vswp q0, q1\n  vmull.p8 q0, ${d(random.below(16))}, ${d(random.below(16))}\n  vmul.p8 d2, ${d(random.below(16))}, ${d(random.below(16))}\n`;
    text += `  vext.8 q0, ${q(random.below(8))}, ${q(random.below(8))}, #${random.below(16)}\n  vext.8 d2, ${d(random.below(16))}, ${d(random.below(16))}, #${random.below(8)}\n  vext.16 d3, ${d(random.below(16))}, ${d(random.below(16))}, #${random.below(4)}\n`;
    text += `  vmov.i8 d8, #${random.below(32)}\n  vmov.i8 d9, #${random.below(40)}\n  vtbl.8 d2, {d16}, d8\n  vtbl.8 d3, {d16-d17}, d9\n  vtbx.8 d2, {d16-d18}, d9\n  vtbx.8 d3, {d16-d19}, d8\n`;
    for (const size of [8, 16, 32, 64]) text += `  vmsr fpscr, r5\n  vqshl.s${size} q0, ${q(random.below(8))}, #${random.below(size)}\n`;
    text += `  vshr.s64 q0, ${q(random.below(8))}, #${1 + random.below(64)}\n  vrsra.u64 d2, ${d(random.below(16))}, #${1 + random.below(64)}\n  vsli.64 d3, ${d(random.below(16))}, #${random.below(64)}\n  vsri.64 d3, ${d(random.below(16))}, #${1 + random.below(64)}\n`;
    text += '  vmov.i32 q0, #0x4d\n  vmov.i16 d2, #0x1300\n  vmov.i32 d3, #0x2aff\n  vmov.i32 q1, #0x37ffff\n  vmov.i64 d4, #0xff00ff0000ffff00\n  vmov.i8 q2, #0xa5\n  vmvn.i32 q0, #0x7c00\n  vmvn.i16 d3, #0x64\n';
    text += '  vorr.i32 q0, #0x1a000000\n  vbic.i16 d2, #0xf1\n  vorr.i16 d3, #0x3f00\n  vbic.i32 q1, #0x88\n  vmov.f32 q2, #-1.75\n  vmvn.i32 d5, #0x45ffff\n';
    randomizeRegisters();
  }
  return text + FOOTER;
}

/** Advanced SIMD floating-point lanes (standard FPSCR: FZ, DN, round to nearest) over special and random singles. */
export function neonFloatProgram(seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  // The specials go to S16-S31 (Q4-Q7) and on to Q8-Q11; random singles to S0-S15 and on to Q12-Q15.
  for (let k = 0; k < 16; k++) text += load32(16 + k, SPECIAL_SINGLES[k]);
  text += '  vmov q8, q4\n  vmov q9, q5\n  vmov q10, q6\n  vmov q11, q7\n';
  for (let k = 0; k < 16; k++) text += load32(k, randomSingle(random));
  text += '  vmov q12, q0\n  vmov q13, q1\n  vmov q14, q2\n  vmov q15, q3\n';
  text += `  mov r5, #0x${(0x00c00000).toString(16)}\n`;
  const q = (): string => `q${8 + random.below(8)}`;
  const dd = (): string => `d${16 + random.below(16)}`;
  for (let round = 0; round < 12; round++) {
    text += `  vmsr fpscr, r5\n`;
    for (const op of ['vadd', 'vsub', 'vmul', 'vabd', 'vmax', 'vmin', 'vceq', 'vcge', 'vcgt', 'vacge', 'vacgt', 'vrecps', 'vrsqrts']) {
      text += `  vmsr fpscr, r5\n  ${op}.f32 q0, ${q()}, ${q()}\n  vmsr fpscr, r5\n  ${op}.f32 d2, ${dd()}, ${dd()}\n`;
    }
    for (const op of ['vmla', 'vmls', 'vfma', 'vfms']) text += `  vmov q0, ${q()}\n  vmsr fpscr, r5\n  ${op}.f32 q0, ${q()}, ${q()}\n`;
    for (const op of ['vpadd', 'vpmax', 'vpmin']) text += `  vmsr fpscr, r5\n  ${op}.f32 d2, ${dd()}, ${dd()}\n`;
    for (const op of ['vabs', 'vneg', 'vrecpe', 'vrsqrte']) text += `  vmsr fpscr, r5\n  ${op}.f32 q0, ${q()}\n`;
    text += `  vmsr fpscr, r5\n  vrecpe.u32 q0, ${q()}\n  vrsqrte.u32 d2, ${dd()}\n`;
    for (const cmp of ['vceq', 'vcge', 'vcgt', 'vcle', 'vclt']) text += `  vmsr fpscr, r5\n  ${cmp}.f32 q0, ${q()}, #0\n`;
    for (const cvt of ['s32.f32', 'u32.f32', 'f32.s32', 'f32.u32']) {
      text += `  vmsr fpscr, r5\n  vcvt.${cvt} q0, ${q()}\n  vmsr fpscr, r5\n  vcvt.${cvt} d2, ${dd()}, #${1 + random.below(32)}\n`;
    }
    text += `  vmsr fpscr, r5\n  vcvt.f16.f32 d2, ${q()}\n  vmsr fpscr, r5\n  vcvt.f32.f16 q0, ${dd()}\n`;
    text += `  vmsr fpscr, r5\n  vmul.f32 q0, ${q()}, d${random.below(8)}[${random.below(2)}]\n  vmla.f32 d2, ${dd()}, d${random.below(8)}[${random.below(2)}]\n  vmls.f32 q1, ${q()}, d${random.below(8)}[${random.below(2)}]\n`;
  }
  return text + FOOTER;
}

/** VLDn/VSTn: every multiple-structure, single-lane and all-lanes form, with alignment hints and writeback. */
export function neonLoadStoreProgram(seed: number): string {
  const random = new Random(seed);
  let text = HEADER;
  // A 512-byte buffer of random words, reloaded by the loads; the stores go to a second buffer that is loaded back.
  text += '  movw r4, #:lower16:buffer\n  movt r4, #:upper16:buffer\n  add r6, r4, #512\n';
  for (let d = 0; d < 32; d++) text += `  movw r0, #0x${(random.next() & 0xffff).toString(16)}\n  movt r0, #0x${(random.next() >>> 16).toString(16)}\n  vmov d${d}, r0, r0\n`;
  const sizes = [8, 16, 32];
  const lists = (count: number, start: number, spacing: number): string => {
    const regs: string[] = [];
    for (let k = 0; k < count; k++) regs.push(`d${start + k * spacing}`);
    return `{${regs.join(', ')}}`;
  };
  for (let round = 0; round < 4; round++) {
    for (const size of [...sizes, 64]) {
      for (let count = 1; count <= 4; count++) {
        const start = random.below(16);
        const align = count === 1 ? ':64' : count === 2 ? ':128' : count === 4 ? ':256' : ':64';
        text += `  mov r2, r4\n  vld1.${size} ${lists(count, start, 1)}, [r2${align}]!\n  vld1.${size} ${lists(count, start + 1, 1)}, [r2]\n`;
        text += `  mov r3, r6\n  vst1.${size} ${lists(count, start, 1)}, [r3]!\n  mov r1, #${8 * random.below(4)}\n  vst1.${size} ${lists(count, start, 1)}, [r3], r1\n`;
      }
    }
    for (const size of sizes) {
      for (const n of [2, 3, 4]) {
        for (const spacing of [1, 2]) {
          const start = random.below(8);
          text += `  mov r2, r4\n  add r2, r2, #${8 * random.below(8)}\n  vld${n}.${size} ${lists(n, start, spacing)}, [r2]!\n`;
          text += `  mov r3, r6\n  vst${n}.${size} ${lists(n, start + 1, spacing)}, [r3]!\n  sub r3, r3, #${8 * n}\n  vld1.8 {d20-d23}, [r3]\n`;
          // Single lane and all lanes.
          const lane = random.below(64 / size);
          // Byte lanes have no register spacing of 2 (A8.8.321: no index_align bit for it).
          const laneSpacing = size === 8 ? 1 : spacing;
          const laneList = (s: number): string => {
            const regs: string[] = [];
            for (let k = 0; k < n; k++) regs.push(`d${s + k * laneSpacing}[${lane}]`);
            return `{${regs.join(', ')}}`;
          };
          text += `  mov r2, r4\n  add r2, r2, #${size / 8 * random.below(16)}\n  vld${n}.${size} ${laneList(start)}, [r2]!\n`;
          text += `  mov r3, r6\n  vst${n}.${size} ${laneList(start + 1)}, [r3]!\n  vld1.8 {d24}, [r6]\n`;
          const allList = (s: number): string => {
            const regs: string[] = [];
            for (let k = 0; k < n; k++) regs.push(`d${s + k * spacing}[]`);
            return `{${regs.join(', ')}}`;
          };
          text += `  mov r2, r4\n  mov r1, #${size / 8}\n  vld${n}.${size} ${allList(start)}, [r2], r1\n`;
        }
      }
      text += `  mov r2, r4\n  vld1.${size} {d${random.below(16)}[${random.below(64 / size)}]}, [r2]\n  vld1.${size} {d${random.below(16)}[]}, [r2]!\n  vld1.${size} {d12[], d13[]}, [r2]\n`;
      if (size !== 8) text += `  vld1.${size} {d5[0]}, [r4:${size}]\n  vst1.${size} {d6[1]}, [r6:${size}]\n`;
      text += `  vld2.${size} {d0[], d1[]}, [r4:${size * 2}]\n  vld4.${size} {d0[], d1[], d2[], d3[]}, [r4${size === 32 ? ':64' : ''}]\n  vld4.${size} {d0[1], d1[1], d2[1], d3[1]}, [r4]\n`;
    }
    text += '  vld2.8 {d0-d3}, [r4:256]!\n  vst2.16 {d4-d7}, [r6]\n  vld1.64 {d8-d11}, [r6:128]\n  vld2.32 {d1-d4}, [r4]\n';
    text += '  mov r2, r4\n  vldmia r2!, {d0-d7}\n  vstmdb r6!, {s0-s5}\n  vldmia r6!, {s6-s11}\n  vpush {d8-d11}\n  vpop {d12-d15}\n  vldr d3, [r4, #16]\n  vstr s7, [r6, #-8]\n  vldr s9, [r6, #-8]\n  vldr d5, [pc, #-16]\n  vldr s11, [pc, #4]\n';
  }
  text += FOOTER;
  text += '.data\n.balign 64\nbuffer:\n';
  for (let k = 0; k < 256; k++) text += `  .word 0x${random.next().toString(16)}\n`;
  return text;
}

/**
 * Random words in the Advanced SIMD encoding space (data processing, and loads/stores based on r4
 * with no or SP-style writeback) and the VFP data-processing space that GNU objdump disassembles as an ARMv7 instruction: not
 * UNDEFINED, UNPREDICTABLE or "illegal", no ARMv8-only mnemonic, no register list past D31 (which
 * the ARM ARM makes UNPREDICTABLE). Returns [word, objdump's text] pairs.
 */
export function randomNeonWords(seed: number, count: number, directory: string): [number, string][] {
  const random = new Random(seed);
  const words: number[] = [];
  for (let k = 0; k < count; k++) {
    let word = (0xf2000000 | (random.next() & 0x01ffffff)) >>> 0;
    const kind = random.below(4);
    if (kind === 1) {
      // VFP data processing (A7.5), cond AL: coprocessor 10/11, bit 4 clear.
      word = (0xee000a00 | (random.next() & 0x00fff1ef)) >>> 0;
    } else if (kind === 0) {
      // Element/structure load or store: bit 20 clear (bit 20 set is PLI), Rn = r4, Rm = PC or SP.
      word = (0xf4000000 | (random.next() & 0x00efffff)) >>> 0;
      word = ((word & ~0x000f000f) | (4 << 16) | (random.below(2) ? 15 : 13)) >>> 0;
    }
    words.push(word);
  }
  const source = join(directory, `neon-words-${seed}.s`);
  const object = join(directory, `neon-words-${seed}.o`);
  writeFileSync(source, `.text\n${words.map((word) => `.inst 0x${word.toString(16)}`).join('\n')}\n`);
  const assembled = spawnSync('arm-linux-gnueabihf-as', ['-march=armv7ve', '-mfpu=neon-vfpv4', '-o', object, source], { encoding: 'utf8' });
  if (assembled.status !== 0) throw new Error(`arm-linux-gnueabihf-as failed: ${assembled.stderr}`);
  const dump = spawnSync('arm-linux-gnueabihf-objdump', ['-d', object], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (dump.status !== 0) throw new Error(`arm-linux-gnueabihf-objdump failed: ${dump.stderr}`);
  const rejected = /illegal|undefined|UNDEFINED|UNPREDICTABLE|\.word|#-|sha|aes|vqrdml|vrint|vcvt[anpm]|vjcvt|vins|vmovx|vmaxnm|vminnm|vsel|\.f16|vudot|vsdot|vfmal|vfmsl|vmmla|bf16|vcmla|vcadd|d3[2-9]|d[4-9][0-9]/;
  const valid: [number, string][] = [];
  for (const line of dump.stdout.split('\n')) {
    const match = /^\s+[0-9a-f]+:\s+([0-9a-f]{8})\s+(.*)$/.exec(line);
    if (match === null || rejected.test(match[2])) continue;
    valid.push([parseInt(match[1], 16), match[2].replace(/\s+/g, ' ')]);
  }
  return valid;
}

/** The words of `randomNeonWords` in one program: random D0-D31, r4 reset to a buffer before each load/store, FPSCR changed every 16 words. */
export function neonWordsProgram(words: [number, string][], seed: number): string {
  const random = new Random(seed);
  let text = HEADER + '  movw r4, #:lower16:buffer\n  movt r4, #:upper16:buffer\n';
  for (let d = 0; d < 32; d++) text += `  movw r0, #0x${(random.next() & 0xffff).toString(16)}\n  movt r0, #0x${(random.next() >>> 16).toString(16)}\n  vmov d${d}, r0, r0\n`;
  let count = 0;
  for (const [word, disassembly] of words) {
    // Every 16 instructions a new FPSCR: rounding mode, FZ, DN, AHP (VFP data processing follows them).
    if (count++ % 16 === 0) text += setFpscr(FPSCR_SETTINGS[random.below(FPSCR_SETTINGS.length)] | (random.below(4) === 0 ? 0x04000000 : 0));
    if (word >>> 24 === 0xf4) text += '  movw r4, #:lower16:buffer\n  movt r4, #:upper16:buffer\n';
    text += `  .inst 0x${word.toString(16)} @ ${disassembly}\n`;
  }
  text += FOOTER + '.data\n.balign 64\nbuffer:\n';
  for (let k = 0; k < 256; k++) text += `  .word 0x${random.next().toString(16)}\n`;
  return text;
}
