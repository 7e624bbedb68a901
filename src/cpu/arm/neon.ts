// Advanced SIMD (NEON) of a Cortex-A15 (ARM ARM DDI 0406C, A7.4 "Advanced SIMD data-processing
// instructions", A7.7 "Advanced SIMD element or structure load/store instructions", A8.8 the
// instructions). Works on the register file of the VFP unit (vfp.ts): D0-D31, Qn = D2n:D2n+1,
// which are contiguous bytes there, so lane e of a size-s vector in Dd starts at byte 8d + e·s.
//
// Only the A32 encodings are decoded (1111 001U ... data processing, 1111 0100 xxx0 ... loads and
// stores); the Thumb decoder hands over the same words. An instruction is computed into a scratch
// vector and then copied to the destination, so overlapping source and destination registers read
// the old values as the pseudocode does. Integer saturation sets FPSCR.QC; floating-point lanes use
// the standard FPSCR value (flush to zero, default NaN, round to nearest) and set the cumulative
// exception flags.

import { FpOp, Fpscr, STANDARD_FPSCR, type VfpHost, type VfpUnit } from './vfp.js';

const QC = Fpscr.QC;

/** Population count of a byte. */
function bitCount(value: number): number {
  let count = 0;
  while (value !== 0) {
    value &= value - 1;
    count++;
  }
  return count;
}

export class NeonUnit {
  /** The result vector (up to four D registers for VTRN/VUZP/VZIP, which write two operands). */
  private readonly out = new Uint8Array(64);
  private readonly outHalves = new Uint16Array(this.out.buffer);
  private readonly outWords = new Int32Array(this.out.buffer);
  private readonly big = new BigInt64Array(this.out.buffer);
  private readonly registerBig: BigInt64Array;

  constructor(
    readonly vfp: VfpUnit,
    readonly cpu: VfpHost,
  ) {
    this.registerBig = new BigInt64Array(vfp.buffer);
  }

  // ---------------------------------------------------------------------------------------------
  // Lanes.

  /** Element e (size in bytes) of the vector starting at D register d, signed or unsigned. */
  private element(d: number, e: number, size: number, unsigned: boolean): number {
    const offset = d * 8 + e * size;
    const v = this.vfp;
    if (size === 1) return unsigned ? v.bytes[offset] : (v.bytes[offset] << 24) >> 24;
    if (size === 2) return unsigned ? v.halves[offset >>> 1] : (v.halves[offset >>> 1] << 16) >> 16;
    return unsigned ? v.words[offset >>> 2] >>> 0 : v.words[offset >>> 2];
  }

  private setOut(e: number, size: number, value: number): void {
    if (size === 1) this.out[e] = value;
    else if (size === 2) this.outHalves[e] = value;
    else this.outWords[e] = value;
  }

  private outElement(e: number, size: number, unsigned: boolean): number {
    if (size === 1) return unsigned ? this.out[e] : (this.out[e] << 24) >> 24;
    if (size === 2) return unsigned ? this.outHalves[e] : (this.outHalves[e] << 16) >> 16;
    return unsigned ? this.outWords[e] >>> 0 : this.outWords[e];
  }

  /** Copies `registers` D registers of the result to D[d]... (word by word: no view objects per instruction). */
  private commit(d: number, registers: number, from = 0): void {
    const words = this.vfp.words;
    const out = this.outWords;
    for (let k = 0; k < registers * 2; k++) words[2 * d + k] = out[from + k];
  }

  private saturate(value: number, size: number, unsigned: boolean): number {
    const bits = size * 8;
    const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
    const min = unsigned ? 0 : -(2 ** (bits - 1));
    if (value > max) {
      this.vfp.fpscr |= QC;
      return max;
    }
    if (value < min) {
      this.vfp.fpscr |= QC;
      return min;
    }
    return value;
  }

  private static saturate64(value: bigint, unsigned: boolean, unit: NeonUnit): bigint {
    const max = unsigned ? 0xffffffffffffffffn : 0x7fffffffffffffffn;
    const min = unsigned ? 0n : -0x8000000000000000n;
    if (value > max) {
      unit.vfp.fpscr |= QC;
      return max;
    }
    if (value < min) {
      unit.vfp.fpscr |= QC;
      return min;
    }
    return value;
  }

  private get64(d: number, unsigned: boolean): bigint {
    const value = this.registerBig[d];
    return unsigned ? BigInt.asUintN(64, value) : value;
  }

  // ---------------------------------------------------------------------------------------------
  // Data processing (A7.4).

  executeNeon(raw: number): boolean {
    if (!this.vfp.enabled(this.cpu.privileged)) return false;
    const u = (raw >>> 24) & 1;
    const q = (raw >>> 6) & 1;
    const d = (((raw >>> 22) & 1) << 4) | ((raw >>> 12) & 0xf);
    const n = (((raw >>> 7) & 1) << 4) | ((raw >>> 16) & 0xf);
    const m = (((raw >>> 5) & 1) << 4) | (raw & 0xf);
    if ((raw & 0x00800000) === 0) {
      if (q && ((d | n | m) & 1) !== 0) return false;
      return this.threeSame(raw, u, q, d, n, m);
    }
    const a = (raw >>> 19) & 0x1f;
    if ((raw & 0x10) !== 0) {
      if ((a & 0x7) === 0 && (raw & 0x80) === 0) return this.oneRegisterImmediate(raw, q, d);
      return this.twoRegistersShift(raw, u, q, d, m);
    }
    if ((a & 0x6) !== 0x6) {
      if ((raw & 0x40) === 0) return this.threeDifferent(raw, u, d, n, m);
      return this.twoRegistersScalar(raw, u, d, n);
    }
    if (u === 0) {
      // VEXT (A8.8.326).
      if (q && ((d | n | m) & 1) !== 0) return false;
      const imm = (raw >>> 8) & 0xf;
      const bytes = q ? 16 : 8;
      if (!q && imm > 7) return false;
      const v = this.vfp.bytes;
      for (let k = 0; k < bytes; k++) {
        const index = imm + k;
        this.out[k] = index < bytes ? v[n * 8 + index] : v[m * 8 + index - bytes];
      }
      this.commit(d, q ? 2 : 1);
      return true;
    }
    const b = (raw >>> 8) & 0xf;
    if ((b & 0x8) === 0) return this.twoRegistersMisc(raw, q, d, m);
    if ((b & 0xc) === 0x8) {
      // VTBL/VTBX (A8.8.419): a byte table of len+1 registers from Dn.
      const length = ((raw >>> 8) & 3) + 1;
      if (n + length > 32) return false;
      const extension = (raw >>> 6) & 1;
      const v = this.vfp.bytes;
      for (let k = 0; k < 8; k++) {
        const index = v[m * 8 + k];
        this.out[k] = index < length * 8 ? v[n * 8 + index] : extension ? v[d * 8 + k] : 0;
      }
      this.commit(d, 1);
      return true;
    }
    if (b === 0xc && (raw & 0x80) === 0) {
      // VDUP scalar (A8.8.323).
      if (q && (d & 1) !== 0) return false;
      const imm4 = (raw >>> 16) & 0xf;
      let size: number;
      let index: number;
      if (imm4 & 1) {
        size = 1;
        index = imm4 >>> 1;
      } else if (imm4 & 2) {
        size = 2;
        index = imm4 >>> 2;
      } else if (imm4 & 4) {
        size = 4;
        index = imm4 >>> 3;
      } else return false;
      const value = this.element(m, index, size, true);
      const count = (q ? 16 : 8) / size;
      for (let e = 0; e < count; e++) this.setOut(e, size, value);
      this.commit(d, q ? 2 : 1);
      return true;
    }
    return false;
  }

  /** Three registers of the same length (A7.4.1). */
  private threeSame(raw: number, u: number, q: number, d: number, n: number, m: number): boolean {
    const a = (raw >>> 8) & 0xf;
    const b = (raw >>> 4) & 1;
    const c = (raw >>> 20) & 3;
    const registers = q ? 2 : 1;
    const bytes = registers * 8;
    const v = this.vfp;
    if (a === 1 && b === 1) {
      // Bitwise operations (A8.8.280 VAND ... VBIF): whole 32-bit words.
      const w = v.words;
      const o = this.outWords;
      for (let k = 0; k < bytes / 4; k++) {
        const x = w[n * 2 + k];
        const y = w[m * 2 + k];
        const z = w[d * 2 + k];
        let r: number;
        if (u === 0) r = c === 0 ? x & y : c === 1 ? x & ~y : c === 2 ? x | y : x | ~y;
        else if (c === 0) r = x ^ y;
        else if (c === 1) r = (z & x) | (~z & y); // VBSL
        else if (c === 2) r = (x & y) | (z & ~y); // VBIT
        else r = (z & y) | (x & ~y); // VBIF
        o[k] = r;
      }
      this.commit(d, registers);
      return true;
    }
    if (a >= 0xc) return this.threeSameFloat(raw, u, q, d, n, m);
    const size = 1 << c;
    if (a === 8 && b === 0 && size !== 8) {
      // VADD/VSUB.I8/16/32: the commonest, straight on the typed-array views (stores wrap).
      const count = bytes / size;
      if (size === 4) {
        const w = v.words;
        const o = this.outWords;
        for (let e = 0; e < count; e++) o[e] = u ? w[2 * n + e] - w[2 * m + e] : w[2 * n + e] + w[2 * m + e];
      } else if (size === 2) {
        const h = v.halves;
        const o = this.outHalves;
        for (let e = 0; e < count; e++) o[e] = u ? h[4 * n + e] - h[4 * m + e] : h[4 * n + e] + h[4 * m + e];
      } else {
        const x = v.bytes;
        const o = this.out;
        for (let e = 0; e < count; e++) o[e] = u ? x[8 * n + e] - x[8 * m + e] : x[8 * n + e] + x[8 * m + e];
      }
      this.commit(d, registers);
      return true;
    }
    if (c === 3) {
      // 64-bit lanes: VQADD VQSUB VSHL VQSHL VRSHL VQRSHL VADD VSUB only.
      return this.threeSame64(a, b, u, registers, d, n, m);
    }
    const count = bytes / size;
    const unsigned = u === 1;
    const bits = size * 8;
    const mask = 2 ** bits;
    for (let e = 0; e < count; e++) {
      const x = this.element(n, e, size, unsigned);
      const y = this.element(m, e, size, unsigned);
      let r: number;
      switch ((a << 1) | b) {
        case 0: // VHADD
          r = Math.floor((x + y) / 2);
          break;
        case 1: // VQADD
          r = this.saturate(x + y, size, unsigned);
          break;
        case 2: // VRHADD
          r = Math.floor((x + y + 1) / 2);
          break;
        case 4: // VHSUB
          r = Math.floor((x - y) / 2);
          break;
        case 5: // VQSUB
          r = this.saturate(x - y, size, unsigned);
          break;
        case 6: // VCGT
          r = x > y ? -1 : 0;
          break;
        case 7: // VCGE
          r = x >= y ? -1 : 0;
          break;
        case 8: // VSHL (register): shift by the signed low byte of the element of m
        case 9: // VQSHL
        case 10: // VRSHL
        case 11: {
          // VQRSHL: the value is in Dm, the signed shift in the low byte of Dn's element (A8.8.384)
          const shift = (this.element(n, e, size, false) << 24) >> 24;
          r = this.shiftElement(this.element(m, e, size, unsigned), shift, size, unsigned, (a & 1) === 1, b === 1);
          break;
        }
        case 12: // VMAX
          r = x > y ? x : y;
          break;
        case 13: // VMIN
          r = x < y ? x : y;
          break;
        case 14: // VABD
          r = Math.abs(x - y);
          break;
        case 15: // VABA
          r = this.element(d, e, size, true) + Math.abs(x - y);
          break;
        case 16: // VADD / VSUB
          r = u ? x - y : x + y;
          break;
        case 17: // VTST / VCEQ
          r = u ? (x === y ? -1 : 0) : (x & y) !== 0 ? -1 : 0;
          break;
        case 18: {
          // VMLA / VMLS
          const product = this.multiplyLow(x, y, size);
          const accumulator = this.element(d, e, size, true);
          r = u ? accumulator - product : accumulator + product;
          break;
        }
        case 19:
          if (u) {
            // VMUL polynomial (bytes only)
            if (size !== 1) return false;
            r = 0;
            for (let k = 0; k < 8; k++) if ((y >>> k) & 1) r ^= x << k;
          } else r = this.multiplyLow(x, y, size);
          break;
        case 20: // VPMAX
        case 21: // VPMIN
        case 23: {
          // VPADD (U = 0)
          if (q) return false;
          if (b === 1 && a === 0xb && u === 1) return false;
          const half = count / 2;
          const source = e < half ? n : m;
          const index = (e % half) * 2;
          const p = this.element(source, index, size, unsigned);
          const s = this.element(source, index + 1, size, unsigned);
          r = a === 0xb ? p + s : b === 0 ? (p > s ? p : s) : p < s ? p : s;
          break;
        }
        case 22: {
          // VQDMULH / VQRDMULH (signed 16/32-bit)
          if (size === 1) return false;
          r = this.doublingMultiplyHigh(this.element(n, e, size, false), this.element(m, e, size, false), size, u === 1);
          break;
        }
        default:
          return false;
      }
      this.setOut(e, size, r % mask);
    }
    this.commit(d, registers);
    return true;
  }

  private multiplyLow(x: number, y: number, size: number): number {
    if (size === 4) return Math.imul(x, y);
    return (x * y) % 2 ** (size * 8);
  }

  /** VQDMULH/VQRDMULH of one signed element pair: the high half of 2·x·y (rounded), saturated. */
  private doublingMultiplyHigh(x: number, y: number, size: number, round: boolean): number {
    const bits = size * 8;
    if (size === 2) {
      const product = 2 * x * y + (round ? 1 << (bits - 1) : 0);
      return this.saturate(Math.floor(product / 2 ** bits), size, false);
    }
    const product = 2n * BigInt(x) * BigInt(y) + (round ? 1n << 31n : 0n);
    return this.saturate(Number(product >> 32n), size, false);
  }

  /** VSHL/VQSHL/VRSHL/VQRSHL by a signed register amount (A8.8.384 etc.). */
  private shiftElement(value: number, shift: number, size: number, unsigned: boolean, round: boolean, saturating: boolean): number {
    const bits = size * 8;
    if (shift >= 0) {
      const shifted = shift >= 64 ? (value === 0 ? 0 : value > 0 ? Infinity : -Infinity) : value * 2 ** shift;
      if (saturating) return this.saturate(shifted, size, unsigned);
      if (shift >= bits) return 0;
      return size === 4 ? value << shift : shifted % 2 ** bits;
    }
    const amount = -shift;
    if (round) {
      // (value + 2^(amount-1)) >> amount on the unbounded value.
      if (amount > bits) return 0;
      const result = Math.floor((value + 2 ** (amount - 1)) / 2 ** amount);
      return saturating ? this.saturate(result, size, unsigned) : result;
    }
    if (amount >= bits) return value < 0 ? -1 : 0;
    return Math.floor(value / 2 ** amount);
  }

  private shift64(value: bigint, shift: number, unsigned: boolean, round: boolean, saturating: boolean): bigint {
    if (shift >= 0) {
      const shifted = shift >= 128 ? (value === 0n ? 0n : value > 0n ? 1n << 128n : -(1n << 128n)) : value << BigInt(shift);
      if (saturating) return NeonUnit.saturate64(shifted, unsigned, this);
      return BigInt.asIntN(64, shifted);
    }
    const amount = BigInt(-shift);
    if (round) {
      const result = (value + (1n << (amount - 1n))) >> amount;
      return saturating ? NeonUnit.saturate64(result, unsigned, this) : result;
    }
    return value >> amount;
  }

  private threeSame64(a: number, b: number, u: number, registers: number, d: number, n: number, m: number): boolean {
    if (a === 8 && b === 0) {
      // VADD/VSUB.I64 on 32-bit halves (no BigInt on this common path).
      const w = this.vfp.words;
      const o = this.outWords;
      for (let e = 0; e < registers; e++) {
        const xLow = w[2 * (n + e)] >>> 0;
        const yLow = w[2 * (m + e)] >>> 0;
        const low = u ? xLow - yLow : xLow + yLow;
        const carry = u ? (low < 0 ? -1 : 0) : low > 0xffffffff ? 1 : 0;
        o[2 * e] = low;
        o[2 * e + 1] = (u ? w[2 * (n + e) + 1] - w[2 * (m + e) + 1] : w[2 * (n + e) + 1] + w[2 * (m + e) + 1]) + carry;
      }
      this.commit(d, registers);
      return true;
    }
    const unsigned = u === 1;
    for (let e = 0; e < registers; e++) {
      const x = this.get64(n + e, unsigned);
      const y = this.get64(m + e, unsigned);
      let r: bigint;
      if (a === 0 && b === 1) r = NeonUnit.saturate64(x + y, unsigned, this);
      else if (a === 2 && b === 1) r = NeonUnit.saturate64(x - y, unsigned, this);
      else if (a === 4 || a === 5) {
        const shift = Number(BigInt.asIntN(8, x));
        r = this.shift64(y, shift, unsigned, a === 5, b === 1);
      } else if (a === 8 && b === 0) r = u ? x - y : x + y;
      else return false;
      this.big[e] = BigInt.asIntN(64, r);
    }
    this.commit(d, registers);
    return true;
  }

  /** Floating-point lanes of three registers (A7.4.1, A = 1100-1111), standard FPSCR. */
  private threeSameFloat(raw: number, u: number, q: number, d: number, n: number, m: number): boolean {
    const a = (raw >>> 8) & 0xf;
    const b = (raw >>> 4) & 1;
    const c1 = (raw >>> 21) & 1;
    if (((raw >>> 20) & 1) !== 0) return false; // sz = 1 (half precision) is not ARMv7
    const v = this.vfp;
    const ctl = STANDARD_FPSCR;
    const count = q ? 4 : 2;
    // Work words: 72.. (the scratch words above D35 are not in the buffer; use D32-D35 = words 64-71).
    const result = 66;
    const key = (a << 3) | (b << 2) | (u << 1) | c1;
    const outWords = this.outWords;
    for (let e = 0; e < count; e++) {
      const x = 2 * n + e;
      const y = 2 * m + e;
      const z = 2 * d + e;
      switch (key) {
        case (0xc << 3) | (1 << 2) | 0: // VFMA
        case (0xc << 3) | (1 << 2) | 1: // VFMS
          v.words[68] = v.words[x] ^ (c1 ? 0x80000000 : 0);
          v.words[69] = v.words[z];
          v.mulAdd32(result, 69, 68, y, ctl);
          break;
        case (0xd << 3) | 0: // VADD
          v.arithmetic32(FpOp.ADD, result, x, y, ctl);
          break;
        case (0xd << 3) | 1: // VSUB
          v.arithmetic32(FpOp.SUB, result, x, y, ctl);
          break;
        case (0xd << 3) | 2: {
          // VPADD
          if (q) return false;
          const source = e < 1 ? n : m;
          v.arithmetic32(FpOp.ADD, result, 2 * source, 2 * source + 1, ctl);
          break;
        }
        case (0xd << 3) | 3: // VABD
          v.arithmetic32(FpOp.SUB, result, x, y, ctl);
          v.words[result] &= 0x7fffffff; // FPAbs, of a NaN too
          break;
        case (0xd << 3) | 4: // VMLA
        case (0xd << 3) | 5: // VMLS
          v.arithmetic32(FpOp.MUL, 67, x, y, ctl);
          v.arithmetic32(c1 ? FpOp.SUB : FpOp.ADD, result, z, 67, ctl);
          break;
        case (0xd << 3) | 6: // VMUL
          v.arithmetic32(FpOp.MUL, result, x, y, ctl);
          break;
        case (0xe << 3) | 0: // VCEQ
          v.words[result] = v.compareLanes32(x, y, 0, false, ctl) ? -1 : 0;
          break;
        case (0xe << 3) | 2: // VCGE
          v.words[result] = v.compareLanes32(x, y, 1, false, ctl) ? -1 : 0;
          break;
        case (0xe << 3) | 3: // VCGT
          v.words[result] = v.compareLanes32(x, y, 2, false, ctl) ? -1 : 0;
          break;
        case (0xe << 3) | 4 | 2: // VACGE
          v.words[result] = v.compareLanes32(x, y, 1, true, ctl) ? -1 : 0;
          break;
        case (0xe << 3) | 4 | 3: // VACGT
          v.words[result] = v.compareLanes32(x, y, 2, true, ctl) ? -1 : 0;
          break;
        case (0xf << 3) | 0: // VMAX
        case (0xf << 3) | 1: // VMIN
          this.maxMin(result, x, y, c1 === 0);
          break;
        case (0xf << 3) | 2: // VPMAX
        case (0xf << 3) | 3: {
          // VPMIN
          if (q) return false;
          const source = e < 1 ? n : m;
          this.maxMin(result, 2 * source, 2 * source + 1, c1 === 0);
          break;
        }
        case (0xf << 3) | 4: // VRECPS: 2 - x·y
        case (0xf << 3) | 5: // VRSQRTS: (3 - x·y) / 2
          this.reciprocalStep(result, x, y, c1 === 1);
          break;
        default:
          return false;
      }
      outWords[e] = v.words[result];
    }
    this.commit(d, q ? 2 : 1);
    return true;
  }

  private isNaNWord(bits: number): boolean {
    return (bits & 0x7fffffff) > 0x7f800000;
  }

  /** FPMax/FPMin (A2.7.7) with the standard FPSCR: NaN operands give the default NaN; -0 < +0. */
  private maxMin(result: number, x: number, y: number, max: boolean): void {
    const v = this.vfp;
    const a = v.words[x];
    const b = v.words[y];
    if (this.isNaNWord(a) || this.isNaNWord(b)) {
      v.arithmetic32(FpOp.ADD, result, x, y, STANDARD_FPSCR); // FPProcessNaNs: flags and the default NaN
      return;
    }
    const flushA = this.flush(a);
    const flushB = this.flush(b);
    const fa = v.floats[x];
    const fb = v.floats[y];
    const va = flushA !== a ? (flushA < 0 ? -0 : 0) : fa;
    const vb = flushB !== b ? (flushB < 0 ? -0 : 0) : fb;
    let pickA: boolean;
    if (va === vb) pickA = max ? flushA >= 0 || flushB < 0 : flushA < 0 || flushB >= 0;
    else pickA = max ? va > vb : va < vb;
    v.words[result] = pickA ? flushA : flushB;
  }

  /** A denormal single flushed to a signed zero (IDC), as FPUnpack under FZ. */
  private flush(bits: number): number {
    if ((bits & 0x7f800000) === 0 && (bits & 0x7fffffff) !== 0) {
      this.vfp.fpscr |= Fpscr.IDC;
      return bits & 0x80000000;
    }
    return bits;
  }

  /** FPRecipStep / FPRSqrtStep (A2.7.7): infinity × zero gives 2.0 / 1.5 without an exception. */
  private reciprocalStep(result: number, x: number, y: number, squareRoot: boolean): void {
    const v = this.vfp;
    const a = v.words[x];
    const b = v.words[y];
    if (this.isNaNWord(a) || this.isNaNWord(b)) {
      v.arithmetic32(FpOp.ADD, result, x, y, STANDARD_FPSCR);
      return;
    }
    const fa = this.flush(a);
    const fb = this.flush(b);
    const infinityA = (fa & 0x7fffffff) === 0x7f800000;
    const infinityB = (fb & 0x7fffffff) === 0x7f800000;
    const zeroA = (fa & 0x7fffffff) === 0;
    const zeroB = (fb & 0x7fffffff) === 0;
    if ((infinityA && zeroB) || (zeroA && infinityB)) {
      v.floats[result] = squareRoot ? 1.5 : 2.0;
      return;
    }
    v.words[70] = fa;
    v.words[71] = fb;
    v.arithmetic32(FpOp.MUL, 67, 70, 71, STANDARD_FPSCR);
    v.floats[70] = squareRoot ? 3.0 : 2.0;
    v.arithmetic32(FpOp.SUB, result, 70, 67, STANDARD_FPSCR);
    if (squareRoot && !this.isNaNWord(v.words[result])) {
      v.floats[71] = 0.5;
      v.words[70] = v.words[result];
      v.arithmetic32(FpOp.MUL, result, 70, 71, STANDARD_FPSCR);
    }
  }

  /** One register and a modified immediate (A7.4.6, AdvSIMDExpandImm A7.4.6). */
  private oneRegisterImmediate(raw: number, q: number, d: number): boolean {
    if (q && (d & 1) !== 0) return false;
    const cmode = (raw >>> 8) & 0xf;
    const op = (raw >>> 5) & 1;
    const imm8 = (((raw >>> 24) & 1) << 7) | (((raw >>> 16) & 7) << 4) | (raw & 0xf);
    let low: number;
    let high: number;
    switch (cmode >>> 1) {
      case 0:
      case 1:
      case 2:
      case 3:
        low = high = imm8 << (8 * (cmode >>> 1));
        break;
      case 4:
      case 5: {
        const half = imm8 << (cmode & 2 ? 8 : 0);
        low = high = half | (half << 16);
        break;
      }
      case 6:
        low = high = cmode & 1 ? (imm8 << 16) | 0xffff : (imm8 << 8) | 0xff;
        break;
      default:
        if ((cmode & 1) === 0) {
          if (op === 0) low = high = imm8 * 0x01010101;
          else {
            low = 0;
            high = 0;
            for (let k = 0; k < 4; k++) {
              if ((imm8 >>> k) & 1) low |= 0xff << (8 * k);
              if ((imm8 >>> (k + 4)) & 1) high |= 0xff << (8 * k);
            }
          }
        } else {
          if (op === 1) return false;
          const b6 = (imm8 >>> 6) & 1;
          low = high = ((imm8 >>> 7) << 31) | ((b6 ? 0x1f : 0x20) << 25) | (((imm8 >>> 4) & 3) << 23) | ((imm8 & 0xf) << 19);
        }
    }
    const words = this.vfp.words;
    // VORR/VBIC for cmode 0xx1 and 10x1; VMOV/VMVN otherwise (op = 1 inverts, except 1110).
    const logical = (cmode & 1) === 1 && cmode < 12;
    const invert = op === 1 && cmode !== 14;
    for (let k = 0; k < (q ? 2 : 1); k++) {
      const index = 2 * (d + k);
      if (logical) {
        if (op === 0) {
          words[index] |= low;
          words[index + 1] |= high;
        } else {
          words[index] &= ~low;
          words[index + 1] &= ~high;
        }
      } else {
        words[index] = invert ? ~low : low;
        words[index + 1] = invert ? ~high : high;
      }
    }
    return true;
  }

  /** Two registers and a shift amount (A7.4.4). */
  private twoRegistersShift(raw: number, u: number, q: number, d: number, m: number): boolean {
    const a = (raw >>> 8) & 0xf;
    const l = (raw >>> 7) & 1;
    const imm6 = (raw >>> 16) & 0x3f;
    let size: number;
    if (l) size = 8;
    else if (imm6 & 0x20) size = 4;
    else if (imm6 & 0x10) size = 2;
    else size = 1;
    const bits = size * 8;
    const rightShift = (l ? 64 : 2 * bits) - imm6;
    const leftShift = l ? imm6 : imm6 - bits;
    const unsigned = u === 1;
    const registers = q ? 2 : 1;
    if (a <= 7) {
      if (q && ((d | m) & 1) !== 0) return false;
      if (size === 8) return this.shift64Immediate(a, u, registers, d, m, rightShift, leftShift);
      const count = (registers * 8) / size;
      const modulus = 2 ** bits;
      for (let e = 0; e < count; e++) {
        let r: number;
        switch (a) {
          case 0: // VSHR
          case 1: // VSRA
          case 2: // VRSHR
          case 3: {
            // VRSRA
            const x = this.element(m, e, size, unsigned);
            r = a & 2 ? Math.floor((x + 2 ** (rightShift - 1)) / 2 ** rightShift) : Math.floor(x / 2 ** rightShift);
            if (a & 1) r += this.element(d, e, size, unsigned);
            break;
          }
          case 4: {
            // VSRI (U = 1)
            if (!u) return false;
            // The top `rightShift` bits of Dd are kept, the rest come from Dm >> rightShift.
            const x = this.element(m, e, size, true);
            const mask = Math.floor((modulus - 1) / 2 ** rightShift);
            const old = this.element(d, e, size, true);
            r = old - this.andUnsigned(old, mask, bits) + Math.floor(x / 2 ** rightShift);
            break;
          }
          case 5: {
            // VSHL immediate (U = 0) / VSLI (U = 1)
            const x = this.element(m, e, size, true);
            const shifted = (x * 2 ** leftShift) % modulus;
            if (!u) r = shifted;
            else {
              const old = this.element(d, e, size, true);
              r = shifted + this.andUnsigned(old, 2 ** leftShift - 1, bits);
            }
            break;
          }
          case 6: {
            // VQSHLU (U = 1): signed source, unsigned result
            if (!u) return false;
            r = this.saturate(this.element(m, e, size, false) * 2 ** leftShift, size, true);
            break;
          }
          default:
            // VQSHL immediate
            r = this.saturate(this.element(m, e, size, unsigned) * 2 ** leftShift, size, unsigned);
        }
        this.setOut(e, size, r % modulus);
      }
      this.commit(d, registers);
      return true;
    }
    if (a === 8 || a === 9) {
      // Narrowing right shifts (A8.8.386 VSHRN, VRSHRN, VQSHRN, VQRSHRN, VQSHRUN, VQRSHRUN).
      if (l || (m & 1) !== 0) return false;
      const round = q === 1;
      const sourceSize = size * 2;
      for (let e = 0; e < 8 / size; e++) {
        // VQSHRN.U reads unsigned elements, VQSHRUN and VQSHRN.S signed ones; VSHRN keeps low bits only.
        const sourceUnsigned = a === 9 && u === 1;
        let value: number;
        if (sourceSize === 8) {
          const x = this.get64(m + e, sourceUnsigned);
          const shifted = round ? (x + (1n << BigInt(rightShift - 1))) >> BigInt(rightShift) : x >> BigInt(rightShift);
          if (a === 8 && u === 0) value = Number(BigInt.asUintN(32, shifted));
          else value = Number(shifted > 0x1_0000_0000n ? 0x1_0000_0000n : shifted < -0x1_0000_0000n ? -0x1_0000_0000n : shifted);
        } else {
          const x = this.element(m, e, sourceSize, sourceUnsigned);
          value = round ? Math.floor((x + 2 ** (rightShift - 1)) / 2 ** rightShift) : Math.floor(x / 2 ** rightShift);
        }
        let r: number;
        if (a === 8 && u === 0) r = value % 2 ** bits; // VSHRN / VRSHRN: truncate
        else if (a === 8) r = this.saturate(value, size, true); // VQSHRUN: signed → unsigned
        else r = this.saturate(value, size, unsigned);
        this.setOut(e, size, r);
      }
      this.commit(d, 1);
      return true;
    }
    if (a === 10) {
      // VSHLL (VMOVL with a zero shift) (A8.8.389, A8.8.345).
      if (l || q || (d & 1) !== 0 || size === 8) return false;
      for (let e = 0; e < 8 / size; e++) {
        const x = this.element(m, e, size, unsigned) * 2 ** leftShift;
        if (size === 4) this.big[e] = BigInt(x);
        else this.setOut(e, size * 2, x);
      }
      this.commit(d, 2);
      return true;
    }
    if (a === 14 || a === 15) {
      // VCVT between floating-point and fixed-point (A8.8.311): frac_bits = 64 - imm6.
      if (l || (imm6 & 0x20) === 0) return false;
      if (q && ((d | m) & 1) !== 0) return false;
      const fractionBits = 64 - imm6;
      return this.convertLanes(a === 15, unsigned, q, d, m, fractionBits);
    }
    return false;
  }

  private andUnsigned(value: number, mask: number, bits: number): number {
    if (bits <= 31 && mask <= 0x7fffffff) return value & mask;
    return (value & mask) >>> 0;
  }

  private shift64Immediate(a: number, u: number, registers: number, d: number, m: number, rightShift: number, leftShift: number): boolean {
    const unsigned = u === 1;
    for (let e = 0; e < registers; e++) {
      const x = this.get64(m + e, unsigned);
      let r: bigint;
      switch (a) {
        case 0:
        case 1:
        case 2:
        case 3: {
          const amount = BigInt(rightShift);
          r = a & 2 ? (x + (1n << (amount - 1n))) >> amount : x >> amount;
          if (a & 1) r += this.get64(d + e, unsigned);
          break;
        }
        case 4: {
          if (!u) return false;
          const mask = rightShift === 64 ? 0n : (1n << BigInt(64 - rightShift)) - 1n;
          const old = BigInt.asUintN(64, this.get64(d + e, true));
          r = (old & ~mask & 0xffffffffffffffffn) | (rightShift === 64 ? 0n : BigInt.asUintN(64, x) >> BigInt(rightShift));
          break;
        }
        case 5: {
          const shifted = BigInt.asUintN(64, x << BigInt(leftShift));
          r = u ? shifted | (BigInt.asUintN(64, this.get64(d + e, true)) & ((1n << BigInt(leftShift)) - 1n)) : shifted;
          break;
        }
        case 6:
          if (!u) return false;
          r = NeonUnit.saturate64(this.get64(m + e, false) << BigInt(leftShift), true, this);
          break;
        default:
          r = NeonUnit.saturate64(x << BigInt(leftShift), unsigned, this);
      }
      this.big[e] = BigInt.asIntN(64, r);
    }
    this.commit(d, registers);
    return true;
  }

  /** VCVT float ↔ integer/fixed-point lanes (standard FPSCR; to integer rounds toward zero). */
  private convertLanes(toFixed: boolean, unsigned: boolean, q: number, d: number, m: number, fractionBits: number): boolean {
    const v = this.vfp;
    const count = q ? 4 : 2;
    for (let e = 0; e < count; e++) {
      const source = 2 * m + e;
      if (toFixed) this.outWords[e] = v.toInteger(0, source, 3, unsigned, 32, fractionBits, STANDARD_FPSCR);
      else {
        const value = (unsigned ? v.words[source] >>> 0 : v.words[source]) / 2 ** fractionBits;
        // Round to single under round-to-nearest (an integer or fixed value is exact in double).
        v.floats[66] = Math.fround(value);
        if (v.floats[66] !== value) v.fpscr |= Fpscr.IXC;
        this.outWords[e] = v.words[66];
      }
    }
    this.commit(d, q ? 2 : 1);
    return true;
  }

  /** Two registers, miscellaneous (A7.4.5). */
  private twoRegistersMisc(raw: number, q: number, d: number, m: number): boolean {
    const a = (raw >>> 16) & 3;
    const b = (raw >>> 6) & 0x1f;
    const sizeField = (raw >>> 18) & 3;
    const size = 1 << sizeField;
    const registers = q ? 2 : 1;
    const count = (registers * 8) / size;
    const v = this.vfp;
    const wide = a === 2 && (b >>> 1) >= 4 && (b >>> 1) <= 6; // VMOVN/VQMOVN/VSHLL: q is an opcode bit
    if (!wide && q && ((d | m) & 1) !== 0) return false;
    if (a === 0) {
      const op = b >>> 1;
      if (op <= 2) {
        // VREV64/32/16 (A8.8.368): reverse elements of `size` within regions of 8 >> op bytes.
        const region = 8 >> op;
        if (size >= region) return false;
        for (let e = 0; e < count; e++) {
          const perRegion = region / size;
          const base = e - (e % perRegion);
          const target = base + perRegion - 1 - (e % perRegion);
          this.setOut(target, size, this.element(m, e, size, true));
        }
        this.commit(d, registers);
        return true;
      }
      if ((op & 0xe) === 4 || (op & 0xe) === 0xc) {
        // VPADDL (0100 x) / VPADAL (0110 x): pairwise add long; bit 7 = unsigned.
        if (size === 8) return false;
        const unsigned = ((raw >>> 7) & 1) === 1;
        const accumulate = (op & 0xe) === 0xc;
        const resultCount = count / 2;
        for (let e = 0; e < resultCount; e++) {
          const sum = this.element(m, 2 * e, size, unsigned) + this.element(m, 2 * e + 1, size, unsigned);
          if (size === 4) {
            let r = BigInt(sum);
            if (accumulate) r += this.get64(d + e, unsigned);
            this.big[e] = BigInt.asIntN(64, r);
          } else {
            const r = accumulate ? sum + this.element(d, e, size * 2, unsigned) : sum;
            this.setOut(e, size * 2, r % 2 ** (size * 16));
          }
        }
        this.commit(d, registers);
        return true;
      }
      if (size === 8) return false;
      for (let e = 0; e < count; e++) {
        const bits = size * 8;
        let r: number;
        switch (op) {
          case 8: {
            // VCLS
            const x = this.element(m, e, size, false);
            const y = (x < 0 ? ~x : x) >>> 0;
            r = (y === 0 ? bits : bits - (32 - Math.clz32(y))) - 1;
            break;
          }
          case 9: {
            // VCLZ
            const x = this.element(m, e, size, true);
            r = x === 0 ? bits : bits - (32 - Math.clz32(x));
            break;
          }
          case 10: // VCNT (bytes)
            if (size !== 1) return false;
            r = bitCount(this.element(m, e, 1, true));
            break;
          case 11: // VMVN
            if (size !== 1) return false;
            r = ~this.element(m, e, 1, true);
            break;
          case 14: // VQABS
            r = this.saturate(Math.abs(this.element(m, e, size, false)), size, false);
            break;
          case 15: // VQNEG
            r = this.saturate(-this.element(m, e, size, false), size, false);
            break;
          default:
            return false;
        }
        this.setOut(e, size, r);
      }
      this.commit(d, registers);
      return true;
    }
    if (a === 1) {
      const op = (b >>> 1) & 7;
      const floating = (b >>> 4) & 1;
      if (floating) {
        if (size !== 4) return false;
        for (let e = 0; e < count; e++) {
          const index = 2 * m + e;
          let r: number;
          if (op <= 4) {
            // VCGT VCGE VCEQ VCLE VCLT #0
            const relation = op === 0 ? 2 : op === 1 ? 1 : op === 2 ? 0 : op === 3 ? 3 : 4;
            r = v.compareLanes32(index, -1, relation, false, STANDARD_FPSCR) ? -1 : 0;
          } else if (op === 6) r = v.words[index] & 0x7fffffff;
          else if (op === 7) r = v.words[index] ^ 0x80000000;
          else return false;
          this.outWords[e] = r;
        }
        this.commit(d, registers);
        return true;
      }
      if (size === 8) return false;
      for (let e = 0; e < count; e++) {
        const x = this.element(m, e, size, false);
        let r: number;
        switch (op) {
          case 0:
            r = x > 0 ? -1 : 0;
            break;
          case 1:
            r = x >= 0 ? -1 : 0;
            break;
          case 2:
            r = x === 0 ? -1 : 0;
            break;
          case 3:
            r = x <= 0 ? -1 : 0;
            break;
          case 4:
            r = x < 0 ? -1 : 0;
            break;
          case 6: // VABS (wraps: the most negative value stays)
            r = Math.abs(x);
            break;
          case 7:
            r = -x;
            break;
          default:
            return false;
        }
        this.setOut(e, size, r);
      }
      this.commit(d, registers);
      return true;
    }
    if (a === 2) {
      const op = b >>> 1;
      if (op === 0) {
        // VSWP
        const w = v.words;
        for (let k = 0; k < registers * 2; k++) {
          const saved = w[2 * d + k];
          w[2 * d + k] = w[2 * m + k];
          w[2 * m + k] = saved;
        }
        return true;
      }
      if (op >= 1 && op <= 3) return this.permute(op, size, registers, d, m);
      if (op === 4 || op === 5) {
        // VMOVN (0100 0), VQMOVUN (0100 1), VQMOVN (0101 x: bit 6 = unsigned).
        if (size === 8 || (m & 1) !== 0) return false;
        const narrow = size;
        const source = size * 2;
        for (let e = 0; e < 8 / narrow; e++) {
          let r: number;
          if (source === 8) {
            const x = this.get64(m + e, op === 5 && q === 1);
            if (op === 4 && q === 0) r = Number(BigInt.asUintN(32, x));
            else {
              const unsignedResult = op === 4 || q === 1;
              const max = unsignedResult ? 0xffffffffn : 0x7fffffffn;
              const min = unsignedResult ? 0n : -0x80000000n;
              const clamped = x > max ? max : x < min ? min : x;
              if (clamped !== x) v.fpscr |= QC;
              r = Number(clamped);
            }
          } else if (op === 4 && q === 0) r = this.element(m, e, source, true);
          else if (op === 4) r = this.saturate(this.element(m, e, source, false), narrow, true);
          else r = this.saturate(this.element(m, e, source, q === 1), narrow, q === 1);
          this.setOut(e, narrow, r);
        }
        this.commit(d, 1);
        return true;
      }
      if (op === 6 && q === 0) {
        // VSHLL by the element size (A8.8.389 encoding A2).
        if (size === 8 || (d & 1) !== 0) return false;
        for (let e = 0; e < 8 / size; e++) {
          const x = this.element(m, e, size, true) * 2 ** (size * 8);
          if (size === 4) this.big[e] = BigInt.asIntN(64, BigInt(x));
          else this.setOut(e, size * 2, x);
        }
        this.commit(d, 2);
        return true;
      }
      if ((op === 12 || op === 14) && q === 0 && size === 2) {
        // VCVT half ↔ single (A8.8.310): op 12 single → half (Dd ← Qm), op 14 half → single (Qd ← Dm).
        if (op === 12) {
          if ((m & 1) !== 0) return false;
          for (let e = 0; e < 4; e++) this.outHalves[e] = v.singleToHalf(2 * m + e, STANDARD_FPSCR | (v.fpscr & Fpscr.AHP));
          this.commit(d, 1);
        } else {
          if ((d & 1) !== 0) return false;
          for (let e = 0; e < 4; e++) this.outWords[e] = v.halfToSingle(v.halves[m * 4 + e], STANDARD_FPSCR | (v.fpscr & Fpscr.AHP));
          this.commit(d, 2);
        }
        return true;
      }
      return false;
    }
    // a === 3: VRECPE, VRSQRTE, VCVT (A8.8.365, A8.8.377, A8.8.305).
    if (size !== 4) return false;
    const op = b >>> 1;
    if ((op & 0xc) === 0xc) {
      const toInteger = (op & 2) !== 0;
      const unsigned = (op & 1) !== 0;
      return this.convertLanes(toInteger, unsigned, q, d, m, 0);
    }
    if ((op & 0xe) === 8 || (op & 0xe) === 10) {
      const floating = (op & 2) !== 0;
      const squareRoot = (op & 1) !== 0;
      for (let e = 0; e < count; e++) {
        const index = 2 * m + e;
        if (floating) this.outWords[e] = squareRoot ? this.reciprocalSqrtEstimateFloat(index) : this.reciprocalEstimateFloat(index);
        else {
          const x = v.words[index] >>> 0;
          this.outWords[e] = squareRoot ? this.unsignedRsqrtEstimate(x) : this.unsignedRecipEstimate(x);
        }
      }
      this.commit(d, registers);
      return true;
    }
    return false;
  }

  /** VTRN (op 1), VUZP (op 2), VZIP (op 3) over D or Q registers d and m (both are written). */
  private permute(op: number, size: number, registers: number, d: number, m: number): boolean {
    if (size === 8 || (op !== 1 && registers === 1 && size === 4)) return false;
    const count = (registers * 8) / size;
    const offset = count; // the m result follows the d result in `out`
    for (let e = 0; e < count; e++) {
      const x = this.element(d, e, size, true);
      const y = this.element(m, e, size, true);
      if (op === 1) {
        // VTRN: pairs (d[2i+1], m[2i]) are exchanged.
        if (e & 1) {
          this.setOut(e, size, this.element(m, e - 1, size, true));
          this.setOut(offset + e, size, y);
        } else {
          this.setOut(e, size, x);
          this.setOut(offset + e, size, this.element(d, e + 1, size, true));
        }
      } else if (op === 2) {
        // VUZP: even elements of d:m to d, odd to m.
        const source = 2 * e;
        const fromD = source < count;
        this.setOut(e, size, this.element(fromD ? d : m, fromD ? source : source - count, size, true));
        this.setOut(offset + e, size, this.element(fromD ? d : m, fromD ? source + 1 : source + 1 - count, size, true));
      } else {
        // VZIP: interleave d and m; the low half to d, the high half to m.
        const pair = e >> 1;
        const low = (e & 1) === 0 ? this.element(d, pair, size, true) : this.element(m, pair, size, true);
        const highPair = pair + count / 2;
        const high = (e & 1) === 0 ? this.element(d, highPair, size, true) : this.element(m, highPair, size, true);
        this.setOut(e, size, low);
        this.setOut(offset + e, size, high);
      }
    }
    // d = m is UNPREDICTABLE; like QEMU, Dm is written first and Dd last (so Dd's result stays),
    // except VTRN.32, which QEMU does as a swap of each pair of words.
    if (d === m && op === 1 && size === 4) {
      const w = this.vfp.words;
      for (let k = 0; k < registers * 2; k += 2) {
        const saved = w[2 * d + k];
        w[2 * d + k] = w[2 * d + k + 1];
        w[2 * d + k + 1] = saved;
      }
      return true;
    }
    this.commit(m, registers, registers * 2);
    this.commit(d, registers);
    return true;
  }

  /** UnsignedRecipEstimate (A2.11.1 pseudocode) on a 32-bit fixed-point value. */
  private unsignedRecipEstimate(x: number): number {
    if (x < 0x80000000) return -1;
    // The operand as 0.1xxxxxxxx (binary): its top nine bits select the estimate.
    const estimate = this.recipEstimate(Math.floor(x / 2 ** 23) / 512);
    return (estimate * 256 * 2 ** 23) | 0;
  }

  private unsignedRsqrtEstimate(x: number): number {
    if (x < 0x40000000) return -1;
    // 0.1xxxxxxx (top bit set) or 0.01xxxxxxx: the top eight significant bits select the estimate.
    const estimate = x >= 0x80000000 ? this.rsqrtEstimate(Math.floor(x / 2 ** 24) / 256) : this.rsqrtEstimate(Math.floor(x / 2 ** 23) / 512);
    return (estimate * 256 * 2 ** 23) | 0;
  }

  /** recip_estimate of the ARM ARM: a in [0.5, 1), result an integer / 256 in [1, 2). */
  private recipEstimate(a: number): number {
    const scaled = Math.floor(a * 512);
    const r = 1.0 / ((scaled + 0.5) / 512);
    const s = Math.floor(256 * r + 0.5);
    return s / 256;
  }

  private rsqrtEstimate(a: number): number {
    let r: number;
    if (a < 0.5) {
      const scaled = Math.floor(a * 512);
      r = 1.0 / Math.sqrt((scaled + 0.5) / 512);
    } else {
      const scaled = Math.floor(a * 256);
      r = 1.0 / Math.sqrt((scaled + 0.5) / 256);
    }
    const s = Math.floor(256 * r + 0.5);
    return s / 256;
  }

  /** FPRecipEstimate (A2.11.2) for singles with the standard FPSCR. */
  private reciprocalEstimateFloat(index: number): number {
    const v = this.vfp;
    const bits = this.flush(v.words[index]);
    if (this.isNaNWord(bits)) return v.processNaN32(bits, STANDARD_FPSCR);
    const sign = bits & 0x80000000;
    const magnitude = bits & 0x7fffffff;
    if (magnitude === 0x7f800000) return sign;
    if (magnitude === 0) {
      v.fpscr |= Fpscr.DZC;
      return sign | 0x7f800000;
    }
    const exponent = magnitude >>> 23;
    if (exponent >= 253) {
      // The reciprocal is below the normal range: flushed to zero (UFC) under the standard FPSCR.
      v.fpscr |= Fpscr.UFC;
      return sign;
    }
    const fraction = magnitude & 0x7fffff;
    const scaled = 256 + (fraction >>> 15); // 0.1xxxxxxxx × 512 as in the pseudocode (a in [0.5, 1))
    const estimate = this.recipEstimate(scaled / 512);
    const resultExponent = 253 - exponent;
    const resultFraction = Math.round((estimate - 1) * 256) << 15;
    return sign | (resultExponent << 23) | resultFraction;
  }

  /** FPRSqrtEstimate (A2.11.2) for singles with the standard FPSCR. */
  private reciprocalSqrtEstimateFloat(index: number): number {
    const v = this.vfp;
    const bits = this.flush(v.words[index]);
    if (this.isNaNWord(bits)) return v.processNaN32(bits, STANDARD_FPSCR);
    const sign = bits & 0x80000000;
    const magnitude = bits & 0x7fffffff;
    if (magnitude === 0) {
      v.fpscr |= Fpscr.DZC;
      return sign | 0x7f800000;
    }
    if (sign !== 0) {
      v.fpscr |= Fpscr.IOC;
      return 0x7fc00000;
    }
    if (magnitude === 0x7f800000) return 0;
    const exponent = magnitude >>> 23;
    const fraction = magnitude & 0x7fffff;
    // An even exponent scales the significand into [0.25, 0.5), an odd one into [0.5, 1).
    const scaled = (exponent & 1) === 0 ? (256 + (fraction >>> 15)) / 512 : (256 + (fraction >>> 15)) / 1024;
    const estimate = this.rsqrtEstimate(scaled);
    const resultExponent = Math.floor((380 - exponent) / 2);
    const resultFraction = Math.round((estimate - 1) * 256) << 15;
    return (resultExponent << 23) | resultFraction;
  }

  /** Three registers of different lengths (A7.4.2). */
  private threeDifferent(raw: number, u: number, d: number, n: number, m: number): boolean {
    const a = (raw >>> 8) & 0xf;
    const size = 1 << ((raw >>> 20) & 3);
    const unsigned = u === 1;
    const wideResult = a !== 4 && a !== 6;
    if (wideResult && (d & 1) !== 0) return false;
    if ((a === 1 || a === 3 || a === 4 || a === 6) && (n & 1) !== 0) return false;
    if ((a === 4 || a === 6) && (m & 1) !== 0) return false;
    const count = 8 / size;
    const wide = size * 2;
    for (let e = 0; e < count; e++) {
      let r: number | bigint;
      const x = a === 1 || a === 3 || a === 4 || a === 6 ? this.wideElement(n, e, wide, unsigned) : this.element(n, e, size, unsigned);
      const y = a === 4 || a === 6 ? this.wideElement(m, e, wide, unsigned) : this.element(m, e, size, unsigned);
      switch (a) {
        case 0: // VADDL
        case 1: // VADDW
          r = typeof x === 'bigint' ? x + BigInt(y) : x + (y as number);
          break;
        case 2: // VSUBL
        case 3: // VSUBW
          r = typeof x === 'bigint' ? x - BigInt(y) : x - (y as number);
          break;
        case 4: // VADDHN / VRADDHN
        case 6: {
          // VSUBHN / VRSUBHN: the high half of the wide sum, optionally rounded
          const bx = BigInt(x);
          const by = BigInt(y);
          let sum = a === 4 ? bx + by : bx - by;
          if (u) sum += 1n << BigInt(size * 8 - 1);
          this.setOut(e, size, Number(BigInt.asUintN(size * 8, sum >> BigInt(size * 8))));
          continue;
        }
        case 5: // VABAL
          r = this.wideAccumulate(d, e, wide, unsigned, Math.abs((x as number) - (y as number)));
          break;
        case 7: // VABDL
          r = Math.abs((x as number) - (y as number));
          break;
        case 8: // VMLAL
        case 10: // VMLSL
          r = this.wideAccumulate(d, e, wide, unsigned, this.longProduct(x as number, y as number, a === 10 ? -1 : 1));
          break;
        case 9: // VQDMLAL
        case 11: // VQDMLSL
        case 13: {
          // VQDMULL
          if (u || size === 1) return false;
          r = this.doublingLong(d, e, wide, x as number, y as number, a === 13 ? 0 : a === 9 ? 1 : -1);
          break;
        }
        case 12: // VMULL
          r = this.longProduct(x as number, y as number, 1);
          break;
        case 14: {
          // VMULL polynomial (8-bit)
          if (u || size !== 1) return false;
          let p = 0;
          for (let k = 0; k < 8; k++) if (((y as number) >>> k) & 1) p ^= ((x as number) & 0xff) << k;
          p &= 0xffff;
          r = p;
          break;
        }
        default:
          return false;
      }
      this.setWide(e, wide, r);
    }
    this.commit(d, wideResult ? 2 : 1);
    return true;
  }

  private wideElement(d: number, e: number, wide: number, unsigned: boolean): number | bigint {
    if (wide === 8) return this.get64(d + e, unsigned);
    return this.element(d, e, wide, unsigned);
  }

  private wideAccumulate(d: number, e: number, wide: number, unsigned: boolean, value: number | bigint): number | bigint {
    if (wide === 8) return this.get64(d + e, unsigned) + BigInt(value);
    return this.element(d, e, wide, unsigned) + Number(value);
  }

  /** sign · x · y exactly (BigInt when the 64-bit product would not fit a double). */
  private longProduct(x: number, y: number, sign: number): number | bigint {
    const product = x * y;
    if (Math.abs(product) < 2 ** 53) return sign * product;
    return BigInt(sign) * BigInt(x) * BigInt(y);
  }

  /** VQDMULL (accumulate 0), VQDMLAL (1), VQDMLSL (-1): saturated 2·x·y, then a saturated sum. */
  private doublingLong(d: number, e: number, wide: number, x: number, y: number, accumulate: number): number | bigint {
    if (wide === 8) {
      const product = NeonUnit.saturate64(2n * BigInt(x) * BigInt(y), false, this);
      if (accumulate === 0) return product;
      const sum = this.get64(d + e, false) + (accumulate > 0 ? product : -product);
      return NeonUnit.saturate64(sum, false, this);
    }
    const product = this.saturate(2 * x * y, wide, false);
    if (accumulate === 0) return product;
    return this.saturate(this.element(d, e, wide, false) + accumulate * product, wide, false);
  }

  private setWide(e: number, wide: number, value: number | bigint): void {
    if (wide === 8) this.big[e] = BigInt.asIntN(64, BigInt(value));
    else this.setOut(e, wide, Number(value) % 2 ** (wide * 8));
  }

  /** Two registers and a scalar (A7.4.3). */
  private twoRegistersScalar(raw: number, u: number, d: number, n: number): boolean {
    const a = (raw >>> 8) & 0xf;
    const sizeField = (raw >>> 20) & 3;
    if (sizeField === 0 || sizeField === 3) return false;
    const size = 1 << sizeField;
    const vm = raw & 0xf;
    const mBit = (raw >>> 5) & 1;
    const m = size === 2 ? vm & 7 : vm;
    const index = size === 2 ? (mBit << 1) | (vm >>> 3) : mBit;
    const long = a === 2 || a === 3 || a === 6 || a === 7 || a === 10 || a === 11;
    const q = long ? 0 : u;
    if (q && ((d | n) & 1) !== 0) return false;
    if (long && (d & 1) !== 0) return false;
    const floating = !long && (a & 1) === 1 && a < 0xc;
    const v = this.vfp;
    if (floating) {
      if (size !== 4) return false;
      const count = q ? 4 : 2;
      const scalar = 2 * m + index;
      for (let e = 0; e < count; e++) {
        const x = 2 * n + e;
        if (a === 9) v.arithmetic32(FpOp.MUL, 66, x, scalar, STANDARD_FPSCR);
        else {
          v.arithmetic32(FpOp.MUL, 67, x, scalar, STANDARD_FPSCR);
          v.arithmetic32(a === 1 ? FpOp.ADD : FpOp.SUB, 66, 2 * d + e, 67, STANDARD_FPSCR);
        }
        this.outWords[e] = v.words[66];
      }
      this.commit(d, q ? 2 : 1);
      return true;
    }
    const unsigned = u === 1;
    const scalar = this.element(m, index, size, long ? unsigned : false);
    const count = (long ? 8 : q ? 16 : 8) / size;
    const wide = size * 2;
    for (let e = 0; e < count; e++) {
      switch (a) {
        case 0: // VMLA
        case 4: // VMLS
        case 8: {
          // VMUL
          const product = this.multiplyLow(this.element(n, e, size, false), scalar, size);
          const r = a === 8 ? product : a === 0 ? this.element(d, e, size, true) + product : this.element(d, e, size, true) - product;
          this.setOut(e, size, r % 2 ** (size * 8));
          break;
        }
        case 2: // VMLAL
        case 6: // VMLSL
        case 10: {
          // VMULL
          const product = this.longProduct(this.element(n, e, size, unsigned), scalar, a === 6 ? -1 : 1);
          this.setWide(e, wide, a === 10 ? product : this.wideAccumulate(d, e, wide, unsigned, product));
          break;
        }
        case 3: // VQDMLAL
        case 7: // VQDMLSL
        case 11: // VQDMULL
          if (u) return false;
          this.setWide(e, wide, this.doublingLong(d, e, wide, this.element(n, e, size, false), scalar, a === 11 ? 0 : a === 3 ? 1 : -1));
          break;
        case 12: // VQDMULH
        case 13: // VQRDMULH
          this.setOut(e, size, this.doublingMultiplyHigh(this.element(n, e, size, false), scalar, size, a === 13) % 2 ** (size * 8));
          break;
        default:
          return false;
      }
    }
    this.commit(d, long ? 2 : q ? 2 : 1);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Element and structure loads and stores (A7.7).

  loadStoreNeon(raw: number): boolean {
    if (!this.vfp.enabled(this.cpu.privileged)) return false;
    const cpu = this.cpu;
    const r = cpu.state.r;
    const load = ((raw >>> 21) & 1) === 1;
    const rn = (raw >>> 16) & 0xf;
    const rm = raw & 0xf;
    const d = (((raw >>> 22) & 1) << 4) | ((raw >>> 12) & 0xf);
    const address = r[rn] >>> 0;
    let transferred: number;
    if (rn === 15) return false;
    if ((raw & 0x00800000) === 0) {
      transferred = this.multipleStructures(raw, load, d, address);
    } else if (((raw >>> 10) & 3) === 3) {
      if (!load) return false;
      transferred = this.allLanes(raw, d, address);
    } else transferred = this.singleLane(raw, load, d, address);
    if (transferred < 0) return false;
    if (rm === 13) r[rn] = address + transferred;
    else if (rm !== 15) r[rn] = address + r[rm];
    return true;
  }

  private checkAlignment(address: number, alignment: number, write: boolean): void {
    if (alignment > 1 && (address & (alignment - 1)) !== 0) this.cpu.alignmentFault(address, write);
  }

  private readElement(address: number, size: number, d: number, e: number): void {
    const v = this.vfp;
    const offset = d * 8 + e * size;
    const cpu = this.cpu;
    if (size === 1) v.bytes[offset] = cpu.read8(address);
    else if (size === 2) v.halves[offset >>> 1] = cpu.read16(address);
    else if (size === 4) v.words[offset >>> 2] = cpu.read32(address);
    else {
      const low = cpu.read32(address);
      const high = cpu.read32(address + 4);
      v.words[offset >>> 2] = cpu.state.e ? high : low;
      v.words[(offset >>> 2) + 1] = cpu.state.e ? low : high;
    }
  }

  private writeElement(address: number, size: number, d: number, e: number): void {
    const v = this.vfp;
    const offset = d * 8 + e * size;
    const cpu = this.cpu;
    if (size === 1) cpu.write8(address, v.bytes[offset]);
    else if (size === 2) cpu.write16(address, v.halves[offset >>> 1]);
    else if (size === 4) cpu.write32(address, v.words[offset >>> 2]);
    else {
      const low = v.words[offset >>> 2];
      const high = v.words[(offset >>> 2) + 1];
      cpu.write32(address, cpu.state.e ? high : low);
      cpu.write32(address + 4, cpu.state.e ? low : high);
    }
  }

  /** VLDn/VSTn (multiple n-element structures) (A8.8.320 etc.); returns the bytes moved, -1 if UNDEFINED. */
  private multipleStructures(raw: number, load: boolean, d: number, address: number): number {
    const type = (raw >>> 8) & 0xf;
    const size = 1 << ((raw >>> 6) & 3);
    const align = (raw >>> 4) & 3;
    let structure: number;
    let registers: number;
    let spacing = 1;
    switch (type) {
      case 7:
        structure = 1;
        registers = 1;
        if (align & 2) return -1;
        break;
      case 10:
        structure = 1;
        registers = 2;
        if (align === 3) return -1;
        break;
      case 6:
        structure = 1;
        registers = 3;
        if (align & 2) return -1;
        break;
      case 2:
        structure = 1;
        registers = 4;
        break;
      case 8:
      case 9:
      case 3:
        structure = 2;
        registers = type === 3 ? 2 : 1;
        spacing = type === 9 ? 2 : 1;
        if (size === 8 || (align === 3 && type !== 3)) return -1;
        break;
      case 4:
      case 5:
        structure = 3;
        registers = 1;
        spacing = type === 5 ? 2 : 1;
        if (size === 8 || (align & 2)) return -1;
        break;
      case 0:
      case 1:
        structure = 4;
        registers = 1;
        spacing = type === 1 ? 2 : 1;
        if (size === 8) return -1;
        break;
      default:
        return -1;
    }
    const alignment = align === 0 ? 1 : 4 << align;
    // Registers used: VLD1 d..d+registers-1; VLD2 with two pairs d, d+1 | d+2, d+3 (spacing 2 between the pair members).
    const elements = 8 / size;
    let last: number;
    if (structure === 1) last = d + registers - 1;
    else if (structure === 2 && type === 3) last = d + 3;
    else last = d + (structure - 1) * spacing;
    if (last > 31) return -1;
    this.checkAlignment(address, alignment, !load);
    const checkElement = (this.cpu.cp15.sctlr & 2) !== 0;
    let at = address;
    if (structure === 1) {
      for (let reg = 0; reg < registers; reg++)
        for (let e = 0; e < elements; e++) {
          if (checkElement) this.checkAlignment(at, Math.min(size, 4), !load);
          if (load) this.readElement(at, size, d + reg, e);
          else this.writeElement(at, size, d + reg, e);
          at += size;
        }
      return registers * 8;
    }
    const pairs = structure === 2 && type === 3 ? 2 : 1;
    const step = structure === 2 && type === 3 ? 2 : spacing;
    for (let pair = 0; pair < pairs; pair++) {
      const first = d + pair * (type === 3 ? 1 : 0);
      for (let e = 0; e < elements; e++) {
        for (let s = 0; s < structure; s++) {
          const reg = structure === 2 && type === 3 ? first + s * step : first + s * spacing;
          if (checkElement) this.checkAlignment(at, size, !load);
          if (load) this.readElement(at, size, reg, e);
          else this.writeElement(at, size, reg, e);
          at += size;
        }
      }
    }
    return at - address;
  }

  /** VLDn/VSTn (single n-element structure to one lane) (A8.8.321 etc.). */
  private singleLane(raw: number, load: boolean, d: number, address: number): number {
    const sizeField = (raw >>> 10) & 3;
    const size = 1 << sizeField;
    const structure = ((raw >>> 8) & 3) + 1;
    const indexAlign = (raw >>> 4) & 0xf;
    const index = indexAlign >>> (sizeField + 1);
    let spacing = 1;
    let alignment = 1;
    switch (structure) {
      case 1:
        if (sizeField === 0 && (indexAlign & 1) !== 0) return -1;
        if (sizeField === 1 && (indexAlign & 2) !== 0) return -1;
        if (sizeField === 2 && (indexAlign & 4) !== 0) return -1;
        if (sizeField === 2 && (indexAlign & 3) !== 0 && (indexAlign & 3) !== 3) return -1;
        if (sizeField === 1 && (indexAlign & 1) !== 0) alignment = 2;
        if (sizeField === 2 && (indexAlign & 3) === 3) alignment = 4;
        break;
      case 2:
        if (sizeField === 1 && (indexAlign & 2) !== 0) spacing = 2;
        if (sizeField === 2) {
          if ((indexAlign & 2) !== 0) return -1;
          if ((indexAlign & 4) !== 0) spacing = 2;
        }
        if ((indexAlign & 1) !== 0) alignment = 2 * size;
        break;
      case 3:
        if ((indexAlign & 1) !== 0) return -1;
        if (sizeField === 2 && (indexAlign & 3) !== 0) return -1;
        if (sizeField === 1 && (indexAlign & 2) !== 0) spacing = 2;
        if (sizeField === 2 && (indexAlign & 4) !== 0) spacing = 2;
        break;
      default:
        if (sizeField === 1 && (indexAlign & 2) !== 0) spacing = 2;
        if (sizeField === 2) {
          if ((indexAlign & 3) === 3) return -1;
          if ((indexAlign & 4) !== 0) spacing = 2;
          alignment = (indexAlign & 3) === 0 ? 1 : 4 << (indexAlign & 3);
        } else if ((indexAlign & 1) !== 0) alignment = 4 * size;
    }
    if (d + (structure - 1) * spacing > 31) return -1;
    this.checkAlignment(address, alignment, !load);
    let at = address;
    for (let s = 0; s < structure; s++) {
      if (load) this.readElement(at, size, d + s * spacing, index);
      else this.writeElement(at, size, d + s * spacing, index);
      at += size;
    }
    return size * structure;
  }

  /** VLDn (single n-element structure to all lanes) (A8.8.322 etc.). */
  private allLanes(raw: number, d: number, address: number): number {
    const sizeField = (raw >>> 6) & 3;
    const structure = ((raw >>> 8) & 3) + 1;
    const t = (raw >>> 5) & 1;
    const a = (raw >>> 4) & 1;
    let size = 1 << sizeField;
    let alignment = 1;
    let registers = 1;
    let spacing = 1;
    switch (structure) {
      case 1:
        if (sizeField === 3 || (sizeField === 0 && a === 1)) return -1;
        registers = t ? 2 : 1;
        if (a) alignment = size;
        break;
      case 2:
        if (sizeField === 3) return -1;
        spacing = t ? 2 : 1;
        if (a) alignment = 2 * size;
        break;
      case 3:
        if (sizeField === 3 || a === 1) return -1;
        spacing = t ? 2 : 1;
        break;
      default:
        spacing = t ? 2 : 1;
        if (sizeField === 3) {
          if (a === 0) return -1; // size 11 needs the 128-bit alignment form (A8.8.330)
          size = 4;
          if (a) alignment = 16;
        } else if (a) alignment = sizeField === 2 ? 8 : 4 * size;
    }
    const last = structure === 1 ? d + registers - 1 : d + (structure - 1) * spacing;
    if (last > 31) return -1;
    this.checkAlignment(address, alignment, false);
    let at = address;
    const count = 8 / size;
    for (let s = 0; s < structure; s++) {
      this.readElement(at, size, 34, 0);
      const value = this.element(34, 0, size, true);
      const targets = structure === 1 ? registers : 1;
      for (let k = 0; k < targets; k++) {
        const reg = structure === 1 ? d + k : d + s * spacing;
        for (let e = 0; e < count; e++) {
          const offset = reg * 8 + e * size;
          if (size === 1) this.vfp.bytes[offset] = value;
          else if (size === 2) this.vfp.halves[offset >>> 1] = value;
          else this.vfp.words[offset >>> 2] = value;
        }
      }
      at += size;
    }
    return size * structure;
  }
}
