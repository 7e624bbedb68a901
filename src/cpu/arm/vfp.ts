// VFPv3-D32 with the VFPv4 fused multiply-adds and half-precision conversions (ARM ARM DDI 0406C,
// A2.7 "Floating-point data types and arithmetic", A7 "Advanced SIMD and Floating-point
// Instruction Encoding", A8.8 the instructions) as a Cortex-A15 has it: coprocessors 10 and 11.
// The unit also owns the register file the Advanced SIMD instructions (neon.ts) work on.
//
// Registers: D0-D31 live in one ArrayBuffer seen as words (S0-S63: S2n is the low half of Dn), as
// float32, float64 and bytes, so S, D and Q views cost nothing (the host is little-endian).
//
// Arithmetic follows the ARM ARM pseudocode (FPUnpack, FPProcessNaNs, FPRound): operands are
// flushed to zero under FPSCR.FZ (IDC), NaNs are processed by the SNaN-before-QNaN, first-operand
// rule or replaced by the default NaN under FPSCR.DN, and results are rounded exactly once. The
// fast path computes in host doubles when that is provably correctly rounded (round to nearest,
// a result far from the overflow and underflow thresholds, the exactness of the double result
// known from an error-free transformation); everything else — directed rounding, tiny or huge
// results, the double-precision fused multiply-add — is computed exactly with BigInt and rounded
// by `roundExact`, which implements FPRound with its flags.

import type { Coprocessor } from './coprocessor.js';

/** QEMU 7.2's cortex-a15 (target/arm/cpu_tcg.c: reset_fpsid, isar.mvfr0, isar.mvfr1). */
export const CORTEX_A15_FPSID = 0x410430f0;
export const CORTEX_A15_MVFR0 = 0x10110222;
export const CORTEX_A15_MVFR1 = 0x11111111;

/** FPSCR bits (A2.7.3 / B6.1.43). */
export const Fpscr = {
  IOC: 1 << 0,
  DZC: 1 << 1,
  OFC: 1 << 2,
  UFC: 1 << 3,
  IXC: 1 << 4,
  IDC: 1 << 7,
  RMODE_SHIFT: 22,
  RMODE: 3 << 22,
  FZ: 1 << 24,
  DN: 1 << 25,
  AHP: 1 << 26,
  QC: 1 << 27,
  LEN: 7 << 16,
  STRIDE: 3 << 20,
} as const;

/** The bits FPSCR keeps: the trap enables are RAZ/WI on a core without trapping (as QEMU). */
const FPSCR_WRITABLE = 0xfff7009f | 0;
/** FPEXC.EN (B6.1.40). */
export const FPEXC_EN = 1 << 30;

/** The "standard FPSCR value" of Advanced SIMD (A2.7.3): DN, FZ, round to nearest. */
export const STANDARD_FPSCR = Fpscr.DN | Fpscr.FZ;

const RN = 0;
const RP = 1;
const RM = 2;
const RZ = 3;

export const DEFAULT_NAN32 = 0x7fc00000;
const DEFAULT_NAN64_HIGH = 0x7ff80000;

const MIN_NORMAL32 = 2 ** -126;
const MIN_NORMAL64 = 2 ** -1022;
const TWO_127 = 2 ** 127;
const SPLITTER = 134217729; // 2^27 + 1 (Dekker)

/** A binary floating-point format for `roundExact`. */
interface Format {
  readonly fractionBits: number;
  readonly minExponent: number;
  readonly maxExponent: number;
  readonly maxValue: number;
}
const SINGLE: Format = { fractionBits: 23, minExponent: -126, maxExponent: 127, maxValue: (2 - 2 ** -23) * 2 ** 127 };
const DOUBLE: Format = { fractionBits: 52, minExponent: -1022, maxExponent: 1023, maxValue: Number.MAX_VALUE };
const HALF: Format = { fractionBits: 10, minExponent: -14, maxExponent: 15, maxValue: 65504 };

export const FpOp = { ADD: 0, SUB: 1, MUL: 2, DIV: 3 } as const;

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  let x = BigInt(Math.floor(Math.sqrt(Number(value))));
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) {
      // Newton from above converges; fix up from an initial guess below.
      while (x * x > value) x -= 1n;
      while ((x + 1n) * (x + 1n) <= value) x += 1n;
      return x;
    }
    x = y;
  }
}

/** Signed saturation helpers for the integer conversions. */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

export interface VfpHost {
  readonly state: { r: Int32Array; e: number };
  /** Not in usr mode. */
  readonly privileged: boolean;
  readonly cp15: { cpacr: number; sctlr: number };
  read8(address: number): number;
  read16(address: number): number;
  read32(address: number): number;
  write8(address: number, value: number): void;
  write16(address: number, value: number): void;
  write32(address: number, value: number): void;
  /** Raises the alignment fault (data abort) of a misaligned access; never returns. */
  alignmentFault(address: number, write: boolean): never;
}

export class VfpUnit implements Coprocessor {
  /** D0-D31 and four scratch doublewords (D32-D35) for intermediate results. */
  readonly buffer = new ArrayBuffer(36 * 8);
  readonly words = new Int32Array(this.buffer);
  readonly floats = new Float32Array(this.buffer);
  readonly doubles = new Float64Array(this.buffer);
  readonly bytes = new Uint8Array(this.buffer);
  readonly halves = new Uint16Array(this.buffer);
  fpscr = 0;
  fpexc = 0;

  private readonly scratchDouble = new Float64Array(1);
  private readonly scratchWords = new Int32Array(this.scratchDouble.buffer);
  private readonly scratchFloat = new Float32Array(1);
  private readonly scratchFloatWord = new Int32Array(this.scratchFloat.buffer);
  /** Words loaded by VLDM before they are committed (a fault leaves the registers unchanged). */
  private readonly loadBuffer = new Int32Array(64);
  /** The exact value `exact*` computed: (-1)^sign × mantissa × 2^exponent. */
  private exactSign = 0;
  private exactMantissa = 0n;
  private exactExponent = 0;

  constructor(readonly cpu: VfpHost) {}

  reset(): void {
    this.words.fill(0);
    this.fpscr = 0;
    this.fpexc = 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Access control (B4.1.40 CPACR, B6.1.40 FPEXC).

  /** CPACR.cp10 grants the access (cp11 must equal it; we use cp10 as QEMU does). */
  accessAllowed(privileged: boolean): boolean {
    const field = (this.cpu.cp15.cpacr >>> 20) & 3;
    return field === 3 || (field === 1 && privileged);
  }

  enabled(privileged: boolean): boolean {
    return this.accessAllowed(privileged) && (this.fpexc & FPEXC_EN) !== 0;
  }

  // ---------------------------------------------------------------------------------------------
  // The Coprocessor interface: MRC/MCR/MRRC/MCRR (register transfers), CDP/LDC/STC.

  read(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (instruction >>> 28 === 0xf || !this.accessAllowed(privileged)) return false;
    const words = this.words;
    if (((instruction >>> 25) & 7) === 6) {
      // VMOV two core registers ← two singles / a double (A8.8.345/346); bits 7:6 must be 00.
      if ((instruction & 0xd0) !== 0x10 || (this.fpexc & FPEXC_EN) === 0) return false;
      const m = instruction & 0xf;
      const bit = (instruction >>> 5) & 1;
      if ((instruction & 0x100) !== 0) {
        transfer[0] = words[2 * ((bit << 4) | m)];
        transfer[1] = words[2 * ((bit << 4) | m) + 1];
      } else {
        const s = (m << 1) | bit;
        if (s === 31) return false;
        transfer[0] = words[s];
        transfer[1] = words[s + 1];
      }
      return true;
    }
    const n = (instruction >>> 16) & 0xf;
    const t = (instruction >>> 12) & 0xf;
    if ((instruction & 0x00e00fff) === 0x00e00a10) {
      // VMRS (B6.1.47): only FPSCR from PL0; FPSID, MVFRx, FPEXC work with FPEXC.EN = 0.
      if (n !== 1 && !privileged) return false;
      if (n === 1) {
        if ((this.fpexc & FPEXC_EN) === 0) return false;
        transfer[0] = this.fpscr;
      } else if (t === 15) return false;
      else if (n === 0) transfer[0] = CORTEX_A15_FPSID;
      else if (n === 6) transfer[0] = CORTEX_A15_MVFR1;
      else if (n === 7) transfer[0] = CORTEX_A15_MVFR0;
      else if (n === 8) transfer[0] = this.fpexc;
      else return false;
      return true;
    }
    if ((this.fpexc & FPEXC_EN) === 0 || t === 15) return false;
    if ((instruction & 0x00e00f7f) === 0x00000a10) {
      // VMOV core register ← single (A8.8.343).
      transfer[0] = words[(n << 1) | ((instruction >>> 7) & 1)];
      return true;
    }
    if ((instruction & 0xf1f) === 0xb10) {
      // VMOV core register ← scalar (A8.8.342): U opc1 opc2 choose size and index.
      const d = (((instruction >>> 7) & 1) << 4) | n;
      const opc = (((instruction >>> 21) & 3) << 2) | ((instruction >>> 5) & 3);
      const unsigned = (instruction >>> 23) & 1;
      const base = d * 8;
      if ((opc & 8) !== 0) {
        const v = this.bytes[base + (opc & 7)];
        transfer[0] = unsigned ? v : (v << 24) >> 24;
      } else if ((opc & 1) !== 0) {
        const v = this.halves[d * 4 + ((opc >>> 1) & 3)];
        transfer[0] = unsigned ? v : (v << 16) >> 16;
      } else if ((opc & 3) === 0 && unsigned === 0) {
        transfer[0] = words[2 * d + ((opc >>> 2) & 1)];
      } else return false;
      return true;
    }
    return false;
  }

  write(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (instruction >>> 28 === 0xf || !this.accessAllowed(privileged)) return false;
    const words = this.words;
    if (((instruction >>> 25) & 7) === 6) {
      // VMOV two singles / a double ← two core registers.
      if ((instruction & 0xd0) !== 0x10 || (this.fpexc & FPEXC_EN) === 0) return false;
      const m = instruction & 0xf;
      const bit = (instruction >>> 5) & 1;
      if ((instruction & 0x100) !== 0) {
        words[2 * ((bit << 4) | m)] = transfer[0];
        words[2 * ((bit << 4) | m) + 1] = transfer[1];
      } else {
        const s = (m << 1) | bit;
        if (s === 31) return false;
        words[s] = transfer[0];
        words[s + 1] = transfer[1];
      }
      return true;
    }
    const n = (instruction >>> 16) & 0xf;
    const t = (instruction >>> 12) & 0xf;
    if (t === 15) return false;
    if ((instruction & 0x00e00fff) === 0x00e00a10) {
      // VMSR (B6.1.48).
      if (n !== 1 && !privileged) return false;
      if (n === 1) {
        if ((this.fpexc & FPEXC_EN) === 0) return false;
        this.fpscr = transfer[0] & FPSCR_WRITABLE;
      } else if (n === 8) this.fpexc = transfer[0] & FPEXC_EN;
      else if (n !== 0 && n !== 6 && n !== 7) return false; // FPSID, MVFRx: writes ignored
      return true;
    }
    if ((this.fpexc & FPEXC_EN) === 0) return false;
    if ((instruction & 0x00e00f7f) === 0x00000a10) {
      words[(n << 1) | ((instruction >>> 7) & 1)] = transfer[0];
      return true;
    }
    if ((instruction & 0x00800f1f) === 0x00000b10) {
      // VMOV scalar ← core register (A8.8.341).
      const d = (((instruction >>> 7) & 1) << 4) | n;
      const opc = (((instruction >>> 21) & 3) << 2) | ((instruction >>> 5) & 3);
      if ((opc & 8) !== 0) this.bytes[d * 8 + (opc & 7)] = transfer[0];
      else if ((opc & 1) !== 0) this.halves[d * 4 + ((opc >>> 1) & 3)] = transfer[0];
      else if ((opc & 3) === 0) words[2 * d + ((opc >>> 2) & 1)] = transfer[0];
      else return false;
      return true;
    }
    if ((instruction & 0x00900f5f) === 0x00800b10) {
      // VDUP (core register) (A8.8.324): B:E = 00 word, 01 halfword, 10 byte.
      const d = (((instruction >>> 7) & 1) << 4) | n;
      const q = (instruction >>> 21) & 1;
      if (q === 1 && (d & 1) !== 0) return false;
      const be = (((instruction >>> 22) & 1) << 1) | ((instruction >>> 5) & 1);
      let value = transfer[0];
      if (be === 2) value = (value & 0xff) * 0x01010101;
      else if (be === 1) value = (value & 0xffff) * 0x10001;
      else if (be === 3) return false;
      for (let k = 0; k < (q ? 4 : 2); k++) words[2 * d + k] = value;
      return true;
    }
    return false;
  }

  execute(instruction: number, privileged: boolean): boolean {
    if (instruction >>> 28 === 0xf || !this.enabled(privileged)) return false;
    if (((instruction >>> 25) & 7) === 6) return this.loadStore(instruction);
    if (((instruction >>> 24) & 0xf) === 0xe && (instruction & 0x10) === 0) return this.dataProcessing(instruction);
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // VLDR/VSTR/VLDM/VSTM/VPUSH/VPOP (A7.6 "Extension register load/store instructions").

  private loadStore(instruction: number): boolean {
    const cpu = this.cpu;
    const r = cpu.state.r;
    const p = (instruction >>> 24) & 1;
    const u = (instruction >>> 23) & 1;
    const w = (instruction >>> 21) & 1;
    const load = (instruction >>> 20) & 1;
    const n = (instruction >>> 16) & 0xf;
    const double = (instruction >>> 8) & 1;
    const imm8 = instruction & 0xff;
    const vd = (instruction >>> 12) & 0xf;
    const dBit = (instruction >>> 22) & 1;
    const first = double ? (dBit << 4) | vd : (vd << 1) | dBit; // D index or S index
    const bigEndian = cpu.state.e !== 0;
    const words = this.words;
    if (p === 1 && w === 0) {
      // VLDR/VSTR (A8.8.333/413).
      const base = n === 15 ? r[15] & ~3 : r[n];
      const address = (u ? base + imm8 * 4 : base - imm8 * 4) >>> 0;
      if ((address & 3) !== 0) cpu.alignmentFault(address, load === 0);
      if (double) {
        const low = bigEndian ? 1 : 0;
        if (load) {
          const a = cpu.read32(address);
          const b = cpu.read32(address + 4);
          words[2 * first + low] = a;
          words[2 * first + 1 - low] = b;
        } else {
          cpu.write32(address, words[2 * first + low]);
          cpu.write32(address + 4, words[2 * first + 1 - low]);
        }
      } else if (load) words[first] = cpu.read32(address);
      else cpu.write32(address, words[first]);
      return true;
    }
    // VLDM/VSTM (A8.8.332/412): IA (P=0 U=1, W optional) or DB with writeback (P=1 U=0 W=1).
    if (p === u || (p === 1 && w === 0)) return false;
    if (n === 15 && w === 1) return false; // UNPREDICTABLE (A8.8.332)
    const count = double ? imm8 >>> 1 : imm8; // FLDMX/FSTMX: odd imm8 moves imm8/2 doublewords
    const wordCount = double ? count * 2 : count;
    if (count === 0 || (double ? count > 16 || first + count > 32 : first + count > 32)) return false;
    const base = r[n];
    const start = (u ? base : base - imm8 * 4) >>> 0;
    if ((start & 3) !== 0) cpu.alignmentFault(start, load === 0);
    const firstWord = double ? 2 * first : first;
    if (load) {
      const buffer = this.loadBuffer;
      for (let k = 0; k < wordCount; k++) buffer[k] = cpu.read32(start + 4 * k);
      for (let k = 0; k < wordCount; k++) {
        const swap = double && bigEndian ? (k & 1 ? -1 : 1) : 0;
        words[firstWord + k + swap] = buffer[k];
      }
    } else {
      for (let k = 0; k < wordCount; k++) {
        const swap = double && bigEndian ? (k & 1 ? -1 : 1) : 0;
        cpu.write32(start + 4 * k, words[firstWord + k + swap]);
      }
    }
    if (w) r[n] = u ? base + imm8 * 4 : base - imm8 * 4;
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Data processing (A7.5).

  private dataProcessing(instruction: number): boolean {
    const double = (instruction >>> 8) & 1;
    if (((instruction >>> 9) & 7) !== 5) return false; // half-precision arithmetic (1001) is ARMv8.2
    const opc1 = ((instruction >>> 20) & 0xf) & 0xb; // without D
    const op6 = (instruction >>> 6) & 1;
    const vd = (instruction >>> 12) & 0xf;
    const vn = (instruction >>> 16) & 0xf;
    const vm = instruction & 0xf;
    const dBit = (instruction >>> 22) & 1;
    const nBit = (instruction >>> 7) & 1;
    const mBit = (instruction >>> 5) & 1;
    const d = double ? (dBit << 4) | vd : (vd << 1) | dBit;
    const n = double ? (nBit << 4) | vn : (vn << 1) | nBit;
    const m = double ? (mBit << 4) | vm : (vm << 1) | mBit;
    const ctl = this.fpscr;
    const shortVector = (ctl & (Fpscr.LEN | Fpscr.STRIDE)) !== 0;
    if (opc1 !== 0xb) {
      if (shortVector) return false;
      switch (opc1) {
        case 0x0: // VMLA / VMLS
          this.multiplyAccumulate(double, d, n, m, op6 === 1, false, ctl);
          return true;
        case 0x1: // VNMLS (op 0) / VNMLA (op 1)
          this.multiplyAccumulate(double, d, n, m, op6 === 1, true, ctl);
          return true;
        case 0x2:
          if (double) {
            this.arithmetic64(FpOp.MUL, d, n, m, ctl);
            if (op6) this.words[2 * d + 1] ^= 0x80000000; // VNMUL: FPNeg(product)
          } else {
            this.arithmetic32(FpOp.MUL, d, n, m, ctl);
            if (op6) this.words[d] ^= 0x80000000;
          }
          return true;
        case 0x3:
          if (double) this.arithmetic64(op6 ? FpOp.SUB : FpOp.ADD, d, n, m, ctl);
          else this.arithmetic32(op6 ? FpOp.SUB : FpOp.ADD, d, n, m, ctl);
          return true;
        case 0x8:
          if (op6) return false;
          if (double) this.arithmetic64(FpOp.DIV, d, n, m, ctl);
          else this.arithmetic32(FpOp.DIV, d, n, m, ctl);
          return true;
        case 0x9: // FPMulAdd(-d, ±n, m) (A8.8.318; op 1 negates n)
        case 0xa: // FPMulAdd(d, ±n, m): VFMA (op 0), VFMS (op 1)
          this.fusedMultiplyAdd(double, d, n, m, opc1 === 0x9, op6 === 1, ctl);
          return true;
        default:
          return false;
      }
    }
    // Other data processing (A7.5 table A7-17).
    if (op6 === 0) {
      // VMOV immediate (A8.8.339): VFPExpandImm.
      if ((instruction & 0xa0) !== 0 || shortVector) return false;
      const imm8 = ((instruction >>> 12) & 0xf0) | vm;
      const b6 = (imm8 >>> 6) & 1;
      if (double) {
        this.words[2 * d] = 0;
        this.words[2 * d + 1] = ((imm8 >>> 7) << 31) | ((b6 ? 0xff : 0x100) << 22) | (((imm8 >>> 4) & 3) << 20) | ((imm8 & 0xf) << 16);
      } else {
        this.words[d] = ((imm8 >>> 7) << 31) | ((b6 ? 0x1f : 0x20) << 25) | (((imm8 >>> 4) & 3) << 23) | ((imm8 & 0xf) << 19);
      }
      return true;
    }
    const opc2 = vn;
    const t = nBit; // bit 7 (the "op"/"T"/"E"/"sx" bit of the two-register forms)
    switch (opc2) {
      case 0x0: // VMOV register (t 0) / VABS (t 1)
      case 0x1: {
        // VNEG (t 0) / VSQRT (t 1)
        if (shortVector) return false;
        if (opc2 === 1 && t === 1) {
          if (double) this.squareRoot64(d, m, ctl);
          else this.squareRoot32(d, m, ctl);
          return true;
        }
        const words = this.words;
        const high = double ? 2 * m + 1 : m;
        const value = words[high];
        const result = opc2 === 0 ? (t ? value & 0x7fffffff : value) : value ^ 0x80000000;
        if (double) words[2 * d] = words[2 * m];
        words[double ? 2 * d + 1 : d] = result;
        return true;
      }
      case 0x2:
      case 0x3: {
        // VCVTB/VCVTT (A8.8.307): single ↔ half, the half in the bottom (t 0) or top half of Sd/Sm.
        if (double) return false;
        if (opc2 === 2) {
          const half = (this.words[m] >>> (t ? 16 : 0)) & 0xffff;
          this.words[d] = this.halfToSingle(half, ctl);
        } else {
          const half = this.singleToHalf(m, ctl);
          const shift = t ? 16 : 0;
          this.words[d] = (this.words[d] & ~(0xffff << shift)) | (half << shift);
        }
        return true;
      }
      case 0x4:
      case 0x5: {
        // VCMP/VCMPE (A8.8.301): opc2 5 compares with zero (Vm must be 0000 and M 0).
        if (opc2 === 5) {
          if ((instruction & 0x2f) !== 0) return false;
        }
        const flags = double
          ? this.compare64(d, opc2 === 5 ? -1 : m, t === 1, ctl)
          : this.compare32(d, opc2 === 5 ? -1 : m, t === 1, ctl);
        this.fpscr = (this.fpscr & 0x0fffffff) | (flags << 28);
        return true;
      }
      case 0x7: {
        // VCVT double ↔ single (A8.8.309); t must be 1.
        if (t === 0) return false;
        if (double) {
          const dd = (vd << 1) | dBit; // single destination
          const mm = (mBit << 4) | vm;
          this.doubleToSingle(dd, mm, ctl);
        } else {
          const dd = (dBit << 4) | vd;
          const mm = (vm << 1) | mBit;
          this.singleToDouble(dd, mm, ctl);
        }
        return true;
      }
      case 0x8: {
        // VCVT integer → float (A8.8.306): t = signed; the source is always a single register.
        const source = (vm << 1) | mBit;
        const value = t ? this.words[source] : this.words[source] >>> 0;
        this.storeRounded(double, d, value, 0, ctl);
        return true;
      }
      case 0xa:
      case 0xb:
      case 0xe:
      case 0xf: {
        // VCVT fixed-point (A8.8.308): op (bit 18) 1 = to fixed; U (bit 16); sx (bit 7) 32-bit.
        const toFixed = (opc2 >>> 2) & 1;
        const unsigned = opc2 & 1;
        const size = t ? 32 : 16;
        const imm = (vm << 1) | mBit;
        const fractionBits = size - imm;
        if (fractionBits < 0) return false;
        const dReg = double ? (dBit << 4) | vd : (vd << 1) | dBit;
        if (toFixed) {
          const result = this.toInteger(double, dReg, RZ, unsigned === 1, size, fractionBits, ctl);
          // The result is sign- or zero-extended to the register (D[d] = Extend(result, 64)).
          if (double) {
            this.words[2 * dReg] = result;
            this.words[2 * dReg + 1] = unsigned ? 0 : result >> 31;
          } else this.words[dReg] = result;
        } else {
          let raw = double ? this.words[2 * dReg] : this.words[dReg];
          if (size === 16) raw = unsigned ? raw & 0xffff : (raw << 16) >> 16;
          const value = unsigned ? raw >>> 0 : raw;
          // FixedToFP here rounds to nearest whatever FPSCR.RMode says (A8.8.308: round_nearest = TRUE).
          this.storeRounded(double, dReg, value, fractionBits, ctl & ~Fpscr.RMODE);
        }
        return true;
      }
      case 0xc:
      case 0xd: {
        // VCVT/VCVTR float → integer (A8.8.306): opc2 bit 0 = signed, t = round toward zero.
        const mode = t ? RZ : (ctl >>> Fpscr.RMODE_SHIFT) & 3;
        const dd = (vd << 1) | dBit;
        const mm = double ? (mBit << 4) | vm : (vm << 1) | mBit;
        this.words[dd] = this.toInteger(double, mm, mode, (opc2 & 1) === 0, 32, 0, ctl);
        return true;
      }
      default:
        return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Operands (FPUnpack) and NaNs (FPProcessNaN, FPProcessNaNs, FPProcessNaNs3).

  /** The value of single word `index`, flushed to zero (IDC) when denormal under FZ. */
  private input32(index: number, ctl: number): number {
    const bits = this.words[index];
    if ((ctl & Fpscr.FZ) !== 0 && (bits & 0x7f800000) === 0 && (bits & 0x7fffffff) !== 0) {
      this.fpscr |= Fpscr.IDC;
      return bits < 0 ? -0 : 0;
    }
    return this.floats[index];
  }

  private input64(index: number, ctl: number): number {
    const high = this.words[2 * index + 1];
    if ((ctl & Fpscr.FZ) !== 0 && (high & 0x7ff00000) === 0 && ((high & 0xfffff) | this.words[2 * index]) !== 0) {
      this.fpscr |= Fpscr.IDC;
      return high < 0 ? -0 : 0;
    }
    return this.doubles[index];
  }

  private static isNaN32(bits: number): boolean {
    return (bits & 0x7fffffff) > 0x7f800000;
  }

  private static isSignalling32(bits: number): boolean {
    return (bits & 0x7fffffff) > 0x7f800000 && (bits & 0x00400000) === 0;
  }

  private isNaN64(index: number): boolean {
    const high = this.words[2 * index + 1] & 0x7fffffff;
    return high > 0x7ff00000 || (high === 0x7ff00000 && this.words[2 * index] !== 0);
  }

  private isSignalling64(index: number): boolean {
    return this.isNaN64(index) && (this.words[2 * index + 1] & 0x00080000) === 0;
  }

  /** FPProcessNaN for a single: the quietened NaN or the default NaN; IOC for a signalling one. */
  processNaN32(bits: number, ctl: number): number {
    if ((bits & 0x00400000) === 0) this.fpscr |= Fpscr.IOC;
    return (ctl & Fpscr.DN) !== 0 ? DEFAULT_NAN32 : bits | 0x00400000;
  }

  /** FPProcessNaNs over up to three single words (-1 = absent): the first SNaN, else the first QNaN. */
  private pickNaN32(a: number, b: number, c: number): number {
    const w = this.words;
    if (a >= 0 && VfpUnit.isSignalling32(w[a])) return w[a];
    if (b >= 0 && VfpUnit.isSignalling32(w[b])) return w[b];
    if (c >= 0 && VfpUnit.isSignalling32(w[c])) return w[c];
    if (a >= 0 && VfpUnit.isNaN32(w[a])) return w[a];
    if (b >= 0 && VfpUnit.isNaN32(w[b])) return w[b];
    return w[c];
  }

  private pickNaN64(a: number, b: number, c: number): number {
    if (a >= 0 && this.isSignalling64(a)) return a;
    if (b >= 0 && this.isSignalling64(b)) return b;
    if (c >= 0 && this.isSignalling64(c)) return c;
    if (a >= 0 && this.isNaN64(a)) return a;
    if (b >= 0 && this.isNaN64(b)) return b;
    return c;
  }

  private writeNaN64(d: number, source: number, ctl: number): void {
    const words = this.words;
    if ((words[2 * source + 1] & 0x00080000) === 0) this.fpscr |= Fpscr.IOC;
    if ((ctl & Fpscr.DN) !== 0) {
      words[2 * d] = 0;
      words[2 * d + 1] = DEFAULT_NAN64_HIGH;
    } else {
      words[2 * d] = words[2 * source];
      words[2 * d + 1] = words[2 * source + 1] | 0x00080000;
    }
  }

  private writeDefaultNaN64(d: number): void {
    this.words[2 * d] = 0;
    this.words[2 * d + 1] = DEFAULT_NAN64_HIGH;
  }

  // ---------------------------------------------------------------------------------------------
  // Arithmetic.

  /** FPAdd/FPSub/FPMul/FPDiv of single words n and m into word d. */
  arithmetic32(op: number, d: number, n: number, m: number, ctl: number): void {
    const words = this.words;
    const x = this.input32(n, ctl);
    const y = this.input32(m, ctl);
    if (VfpUnit.isNaN32(words[n]) || VfpUnit.isNaN32(words[m])) {
      words[d] = this.processNaN32(this.pickNaN32(n, m, -1), ctl);
      return;
    }
    const result = this.operate(op, x, y, ctl, SINGLE);
    if (result !== result) words[d] = DEFAULT_NAN32;
    else this.floats[d] = result;
  }

  arithmetic64(op: number, d: number, n: number, m: number, ctl: number): void {
    const x = this.input64(n, ctl);
    const y = this.input64(m, ctl);
    if (this.isNaN64(n) || this.isNaN64(m)) {
      this.writeNaN64(d, this.pickNaN64(n, m, -1), ctl);
      return;
    }
    const result = this.operate(op, x, y, ctl, DOUBLE);
    if (result !== result) this.writeDefaultNaN64(d);
    else this.doubles[d] = result;
  }

  /**
   * One operation on non-NaN operands, rounded to `format`; NaN means invalid (IOC raised, the
   * caller writes the default NaN).
   */
  private operate(op: number, x: number, y: number, ctl: number, format: Format): number {
    const mode = (ctl >>> Fpscr.RMODE_SHIFT) & 3;
    if (op === FpOp.SUB) {
      y = -y;
      op = FpOp.ADD;
    }
    let r: number;
    switch (op) {
      case FpOp.ADD:
        r = x + y;
        if (r !== r) return this.invalid();
        if (x === 0 || y === 0 || x === Infinity || x === -Infinity || y === Infinity || y === -Infinity) {
          // Exact: one operand is zero or infinite. A zero sum of zeros of opposite sign is -0 only when rounding toward -∞.
          if (r === 0 && x === 0 && y === 0 && Object.is(x, -y)) return mode === RM ? -0 : 0;
          return r === 0 ? r : this.roundZeroOperand(r, ctl, format);
        }
        if (r === 0) return mode === RM ? -0 : 0;
        if (mode === RN && r !== Infinity && r !== -Infinity) {
          const virtual = r - x;
          const error = x - (r - virtual) + (y - virtual);
          const fast = format === SINGLE ? this.fast32(r, error) : this.fast64(r, error);
          if (fast === fast) return fast;
        }
        this.exactAdd(x, y);
        return this.roundExact(format, ctl);
      case FpOp.MUL:
        r = x * y;
        if (r !== r) return this.invalid();
        if (r === 0 || r === Infinity || r === -Infinity) {
          if (x === 0 || y === 0 || x === Infinity || x === -Infinity || y === Infinity || y === -Infinity) return r;
        } else if (mode === RN) {
          if (format === SINGLE) {
            const fast = this.fast32(r, 0);
            if (fast === fast) return fast;
          } else if (Math.abs(x) < 2 ** 995 && Math.abs(y) < 2 ** 995 && Math.abs(r) > 2 ** -960) {
            const fast = this.fast64(r, this.productError(x, y, r));
            if (fast === fast) return fast;
          }
        }
        this.exactMultiply(x, y);
        return this.roundExact(format, ctl);
      case FpOp.DIV:
        r = x / y;
        if (r !== r) return this.invalid();
        if (y === 0) {
          if (x !== Infinity && x !== -Infinity) this.fpscr |= Fpscr.DZC;
          return r;
        }
        if (x === 0 || x === Infinity || x === -Infinity || y === Infinity || y === -Infinity) return r;
        if (mode === RN && r !== 0 && r !== Infinity && r !== -Infinity) {
          const ax = Math.abs(x);
          const ay = Math.abs(y);
          if (ax < 2 ** 960 && ax > 2 ** -900 && ay < 2 ** 960 && ay > 2 ** -900 && Math.abs(r) > 2 ** -900 && Math.abs(r) < 2 ** 900) {
            // The sign of the exact quotient minus r is that of (x - r·y)/y, x - r·y computed exactly.
            const product = r * y;
            const productError = this.productError(r, y, product);
            const remainder = x - product - productError;
            const error = remainder === 0 ? 0 : remainder > 0 === y > 0 ? 1 : -1;
            const fast = format === SINGLE ? this.fast32(r, error) : this.fast64(r, error);
            if (fast === fast) return fast;
          }
        }
        this.exactDivide(x, y, format);
        return this.roundExact(format, ctl);
      default:
        return this.invalid();
    }
  }

  /** A sum with a zero or infinite operand, r: exact; a denormal r is still flushed under FZ (UFC). */
  private roundZeroOperand(r: number, ctl: number, format: Format): number {
    if (r === Infinity || r === -Infinity) return r;
    // r equals the nonzero finite operand, already a value of the format; only FZ of a denormal can change it.
    const minNormal = format === SINGLE ? MIN_NORMAL32 : MIN_NORMAL64;
    if ((ctl & Fpscr.FZ) !== 0 && Math.abs(r) < minNormal) {
      this.fpscr |= Fpscr.UFC;
      return r < 0 ? -0 : 0;
    }
    return r;
  }

  private invalid(): number {
    this.fpscr |= Fpscr.IOC;
    return NaN;
  }

  /** The exact error of the double product p = x·y (Dekker's TwoProduct; x, y, p well inside the range). */
  private productError(x: number, y: number, p: number): number {
    let c = SPLITTER * x;
    const xHigh = c - (c - x);
    const xLow = x - xHigh;
    c = SPLITTER * y;
    const yHigh = c - (c - y);
    const yLow = y - yHigh;
    return xHigh * yHigh - p + xHigh * yLow + xLow * yHigh + xLow * yLow;
  }

  /**
   * A single result from the double r (the exact result is r + error; only error's sign matters
   * unless it is exact) under round to nearest, or NaN when the slow path must decide: a result
   * near or beyond the normal range, or r exactly halfway between two singles with a nonzero error.
   */
  private fast32(r: number, error: number): number {
    const magnitude = Math.abs(r);
    if (!(magnitude > MIN_NORMAL32 && magnitude < TWO_127)) return NaN;
    const f = Math.fround(r);
    if (f !== r) {
      if (error !== 0) {
        const other = f + 2 * (r - f);
        if (Math.fround(other) === other) return NaN;
      }
      this.fpscr |= Fpscr.IXC;
    } else if (error !== 0) this.fpscr |= Fpscr.IXC;
    return f;
  }

  private fast64(r: number, error: number): number {
    const magnitude = Math.abs(r);
    if (!(magnitude > MIN_NORMAL64 && magnitude <= Number.MAX_VALUE)) return NaN;
    if (error !== 0) this.fpscr |= Fpscr.IXC;
    return r;
  }

  private decompose(value: number): { mantissa: bigint; exponent: number } {
    this.scratchDouble[0] = value;
    const high = this.scratchWords[1];
    const low = this.scratchWords[0];
    const biased = (high >>> 20) & 0x7ff;
    let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low >>> 0);
    if (biased !== 0) mantissa |= 1n << 52n;
    return { mantissa, exponent: biased === 0 ? -1074 : biased - 1075 };
  }

  private exactAdd(x: number, y: number): void {
    const a = this.decompose(x);
    const b = this.decompose(y);
    const exponent = Math.min(a.exponent, b.exponent);
    let sum = (x < 0 ? -a.mantissa : a.mantissa) << BigInt(a.exponent - exponent);
    sum += (y < 0 ? -b.mantissa : b.mantissa) << BigInt(b.exponent - exponent);
    this.exactSign = sum < 0n ? 1 : 0;
    this.exactMantissa = sum < 0n ? -sum : sum;
    this.exactExponent = exponent;
  }

  private exactMultiply(x: number, y: number): void {
    const a = this.decompose(x);
    const b = this.decompose(y);
    this.exactSign = (x < 0 || Object.is(x, -0)) !== (y < 0 || Object.is(y, -0)) ? 1 : 0;
    this.exactMantissa = a.mantissa * b.mantissa;
    this.exactExponent = a.exponent + b.exponent;
  }

  /** The quotient with enough bits and a sticky bit below them (inexact ⇔ bit 0 set). */
  private exactDivide(x: number, y: number, format: Format): void {
    const a = this.decompose(x);
    const b = this.decompose(y);
    const shift = Math.max(0, format.fractionBits + 4 + bitLength(b.mantissa) - bitLength(a.mantissa));
    const numerator = a.mantissa << BigInt(shift);
    const quotient = numerator / b.mantissa;
    const sticky = numerator % b.mantissa !== 0n ? 1n : 0n;
    this.exactSign = x < 0 !== y < 0 ? 1 : 0;
    this.exactMantissa = (quotient << 1n) | sticky;
    this.exactExponent = a.exponent - b.exponent - shift - 1;
  }

  private exactSquareRoot(x: number, format: Format): void {
    const a = this.decompose(x);
    let shift = Math.max(0, 2 * (format.fractionBits + 4) - bitLength(a.mantissa));
    if (((a.exponent - shift) & 1) !== 0) shift++;
    const value = a.mantissa << BigInt(shift);
    const root = integerSquareRoot(value);
    const sticky = root * root !== value ? 1n : 0n;
    this.exactSign = 0;
    this.exactMantissa = (root << 1n) | sticky;
    this.exactExponent = (a.exponent - shift) / 2 - 1;
  }

  /**
   * FPRound (A2.7.7 pseudocode) of the exact value in exactSign/Mantissa/Exponent to `format`
   * under ctl's RMode and FZ: UFC for a tiny inexact result (tininess before rounding), OFC with
   * IXC on overflow, IXC when inexact; FZ flushes a tiny result to zero with UFC and no IXC.
   */
  private roundExact(format: Format, ctl: number): number {
    const sign = this.exactSign;
    const mantissa = this.exactMantissa;
    if (mantissa === 0n) return sign ? -0 : 0;
    const mode = (ctl >>> Fpscr.RMODE_SHIFT) & 3;
    const length = bitLength(mantissa);
    const exponent = this.exactExponent + length - 1;
    const tiny = exponent < format.minExponent;
    if (tiny && (ctl & Fpscr.FZ) !== 0 && format !== HALF) {
      this.fpscr |= Fpscr.UFC;
      return sign ? -0 : 0;
    }
    let lsb = (tiny ? format.minExponent : exponent) - format.fractionBits;
    const shift = lsb - this.exactExponent;
    let q: bigint;
    let inexact = false;
    if (shift > 0) {
      const s = BigInt(shift);
      q = mantissa >> s;
      const remainder = mantissa & ((1n << s) - 1n);
      const half = 1n << (s - 1n);
      inexact = remainder !== 0n;
      let up = false;
      if (mode === RN) up = remainder > half || (remainder === half && (q & 1n) === 1n);
      else if (mode === RP) up = inexact && sign === 0;
      else if (mode === RM) up = inexact && sign === 1;
      if (up) {
        q += 1n;
        if (q === 1n << BigInt(format.fractionBits + 1)) {
          q >>= 1n;
          lsb++;
        }
      }
    } else q = mantissa << BigInt(-shift);
    if (q !== 0n && lsb + bitLength(q) - 1 > format.maxExponent) {
      this.fpscr |= Fpscr.OFC | Fpscr.IXC;
      const toInfinity = mode === RN || (mode === RP && sign === 0) || (mode === RM && sign === 1);
      const value = toInfinity ? Infinity : format.maxValue;
      return sign ? -value : value;
    }
    if (inexact) this.fpscr |= tiny ? Fpscr.UFC | Fpscr.IXC : Fpscr.IXC;
    const value = Number(q) * 2 ** lsb;
    return sign ? -value : value;
  }

  /** A finite value already exact in double (an integer, a fixed-point value, a double operand) rounded to `format`. */
  private roundValue(value: number, format: Format, ctl: number): number {
    if (value === 0 || value === Infinity || value === -Infinity) return value;
    if (format === DOUBLE && (ctl & Fpscr.FZ) === 0) return value;
    if (format === DOUBLE && Math.abs(value) >= MIN_NORMAL64) return value;
    if (format === SINGLE && ((ctl >>> Fpscr.RMODE_SHIFT) & 3) === RN) {
      const fast = this.fast32(value, 0);
      if (fast === fast) return fast;
    }
    const parts = this.decompose(value);
    this.exactSign = value < 0 ? 1 : 0;
    this.exactMantissa = parts.mantissa;
    this.exactExponent = parts.exponent;
    return this.roundExact(format, ctl);
  }

  /** VMLA/VMLS/VNMLA/VNMLS (A8.8.337, A8.8.355): a rounded product, then a rounded sum. */
  private multiplyAccumulate(double: number, d: number, n: number, m: number, op: boolean, negated: boolean, ctl: number): void {
    const words = this.words;
    if (double) {
      const product = 32;
      const addend = 33;
      this.arithmetic64(FpOp.MUL, product, n, m, ctl);
      words[2 * addend] = words[2 * d];
      words[2 * addend + 1] = words[2 * d + 1];
      // VMLS (op 1): d + (-product); VNMLS (op 0): -d + product; VNMLA (op 1): -d + (-product).
      if (op) words[2 * product + 1] ^= 0x80000000;
      if (negated) words[2 * addend + 1] ^= 0x80000000;
      this.arithmetic64(FpOp.ADD, d, addend, product, ctl);
    } else {
      const product = 64;
      const addend = 65;
      this.arithmetic32(FpOp.MUL, product, n, m, ctl);
      words[addend] = words[d];
      if (op) words[product] ^= 0x80000000;
      if (negated) words[addend] ^= 0x80000000;
      this.arithmetic32(FpOp.ADD, d, addend, product, ctl);
    }
  }

  /** VFMA/VFMS/VFNMA/VFNMS (A8.8.317/318): FPMulAdd(±d, ±n, m) with one rounding. */
  private fusedMultiplyAdd(double: number, d: number, n: number, m: number, negateAddend: boolean, negateProduct: boolean, ctl: number): void {
    const words = this.words;
    if (double) {
      const addend = 32;
      const first = 33;
      words[2 * addend] = words[2 * d];
      words[2 * addend + 1] = words[2 * d + 1] ^ (negateAddend ? 0x80000000 : 0);
      words[2 * first] = words[2 * n];
      words[2 * first + 1] = words[2 * n + 1] ^ (negateProduct ? 0x80000000 : 0);
      this.mulAdd64(d, addend, first, m, ctl);
    } else {
      const addend = 64;
      const first = 65;
      words[addend] = words[d] ^ (negateAddend ? 0x80000000 : 0);
      words[first] = words[n] ^ (negateProduct ? 0x80000000 : 0);
      this.mulAdd32(d, addend, first, m, ctl);
    }
  }

  /** FPMulAdd (A2.7.7) of single words: d = a + n·m rounded once. */
  mulAdd32(d: number, a: number, n: number, m: number, ctl: number): void {
    const words = this.words;
    const z = this.input32(a, ctl);
    const x = this.input32(n, ctl);
    const y = this.input32(m, ctl);
    const anyNaN = VfpUnit.isNaN32(words[a]) || VfpUnit.isNaN32(words[n]) || VfpUnit.isNaN32(words[m]);
    const infinityTimesZero = ((x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity)) && !VfpUnit.isNaN32(words[n]) && !VfpUnit.isNaN32(words[m]);
    if (anyNaN) {
      if (infinityTimesZero && !VfpUnit.isSignalling32(words[a])) {
        this.fpscr |= Fpscr.IOC;
        words[d] = DEFAULT_NAN32;
      } else words[d] = this.processNaN32(this.pickNaN32(a, n, m), ctl);
      return;
    }
    const result = this.fusedValue(z, x, y, ctl, SINGLE);
    if (result !== result) words[d] = DEFAULT_NAN32;
    else this.floats[d] = result;
  }

  mulAdd64(d: number, a: number, n: number, m: number, ctl: number): void {
    const z = this.input64(a, ctl);
    const x = this.input64(n, ctl);
    const y = this.input64(m, ctl);
    const anyNaN = this.isNaN64(a) || this.isNaN64(n) || this.isNaN64(m);
    const infinityTimesZero = ((x === 0 && Math.abs(y) === Infinity) || (y === 0 && Math.abs(x) === Infinity)) && !this.isNaN64(n) && !this.isNaN64(m);
    if (anyNaN) {
      if (infinityTimesZero && !this.isSignalling64(a)) {
        this.fpscr |= Fpscr.IOC;
        this.writeDefaultNaN64(d);
      } else this.writeNaN64(d, this.pickNaN64(a, n, m), ctl);
      return;
    }
    const result = this.fusedValue(z, x, y, ctl, DOUBLE);
    if (result !== result) this.writeDefaultNaN64(d);
    else this.doubles[d] = result;
  }

  private fusedValue(z: number, x: number, y: number, ctl: number, format: Format): number {
    const mode = (ctl >>> Fpscr.RMODE_SHIFT) & 3;
    const product = x * y; // exact for singles; for doubles only used for the special cases
    const productInfinite = (x === Infinity || x === -Infinity || y === Infinity || y === -Infinity);
    if ((x === 0 && productInfinite) || (y === 0 && productInfinite)) return this.invalid();
    if (productInfinite || z === Infinity || z === -Infinity) {
      const r = (productInfinite ? product : 0) + (z === Infinity || z === -Infinity ? z : 0);
      if (r !== r) return this.invalid();
      return r;
    }
    const productSign = (x < 0 || Object.is(x, -0)) !== (y < 0 || Object.is(y, -0));
    if (x === 0 || y === 0) {
      // The product is an exact zero: the sum is z (or a signed zero when z is zero too).
      if (z === 0) {
        const zSign = z < 0 || Object.is(z, -0);
        if (zSign === productSign) return zSign ? -0 : 0;
        return mode === RM ? -0 : 0;
      }
      return this.roundZeroOperand(z, ctl, format);
    }
    if (format === SINGLE && mode === RN) {
      const r = product + z;
      if (r !== 0) {
        const virtual = r - product;
        const error = product - (r - virtual) + (z - virtual);
        const fast = this.fast32(r, error);
        if (fast === fast) return fast;
      }
    }
    if (format === DOUBLE && mode === RN) {
      const fast = this.fusedDouble(z, x, y, product);
      if (fast === fast) return fast;
    }
    // Exact: the product of the mantissas plus the aligned addend.
    const a = this.decompose(x);
    const b = this.decompose(y);
    let productMantissa = a.mantissa * b.mantissa;
    let productExponent = a.exponent + b.exponent;
    if (productSign) productMantissa = -productMantissa;
    let sum: bigint;
    let exponent: number;
    if (z === 0) {
      sum = productMantissa;
      exponent = productExponent;
    } else {
      const c = this.decompose(z);
      exponent = Math.min(productExponent, c.exponent);
      const addend = (z < 0 ? -c.mantissa : c.mantissa) << BigInt(c.exponent - exponent);
      productMantissa <<= BigInt(productExponent - exponent);
      productExponent = exponent;
      sum = productMantissa + addend;
    }
    if (sum === 0n) return mode === RM ? -0 : 0;
    this.exactSign = sum < 0n ? 1 : 0;
    this.exactMantissa = sum < 0n ? -sum : sum;
    this.exactExponent = exponent;
    return this.roundExact(format, ctl);
  }

  /**
   * x·y + z in double precision rounded to nearest without BigInt, or NaN when the operands are
   * outside the range where it is proved: the product split exactly by TwoProduct (uh + ul), the
   * sum c + uh by TwoSum (th + tl), tl + ul rounded to odd, then one rounding of th + that
   * (Boldo and Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
   * rounding to odd", IEEE TC 2008). Inexact when either of the last two sums had an error.
   */
  private fusedDouble(z: number, x: number, y: number, product: number): number {
    const magnitude = Math.abs(product);
    const addend = Math.abs(z);
    if (!(Math.abs(x) < 2 ** 995 && Math.abs(y) < 2 ** 995 && magnitude > 2 ** -900 && magnitude < 2 ** 1000)) return NaN;
    if (z !== 0 && !(addend > 2 ** -900 && addend < 2 ** 1000)) return NaN;
    const low = this.productError(x, y, product);
    const high = z + product;
    let virtual = high - z;
    const tail = z - (high - virtual) + (product - virtual);
    let v = tail + low;
    virtual = v - tail;
    const error = tail - (v - virtual) + (low - virtual);
    if (error !== 0) {
      // Round to odd: an inexact v with an even last bit moves one unit toward the exact sum.
      this.scratchDouble[0] = v;
      if ((this.scratchWords[0] & 1) === 0) {
        const away = error > 0 === v > 0;
        let lowWord = (this.scratchWords[0] >>> 0) + (away ? 1 : -1);
        let highWord = this.scratchWords[1];
        if (lowWord > 0xffffffff) {
          lowWord = 0;
          highWord++;
        } else if (lowWord < 0) {
          lowWord = 0xffffffff;
          highWord--;
        }
        this.scratchWords[0] = lowWord;
        this.scratchWords[1] = highWord;
        v = this.scratchDouble[0];
      }
    }
    const r = high + v;
    if (!(Math.abs(r) > 2 ** -900 && Math.abs(r) < 2 ** 1000)) return NaN;
    virtual = r - high;
    const sumError = high - (r - virtual) + (v - virtual);
    if (error !== 0 || sumError !== 0) this.fpscr |= Fpscr.IXC;
    return r;
  }

  private squareRoot32(d: number, m: number, ctl: number): void {
    const words = this.words;
    const x = this.input32(m, ctl);
    if (VfpUnit.isNaN32(words[m])) {
      words[d] = this.processNaN32(words[m], ctl);
      return;
    }
    const result = this.squareRootValue(x, ctl, SINGLE);
    if (result !== result) words[d] = DEFAULT_NAN32;
    else this.floats[d] = result;
  }

  private squareRoot64(d: number, m: number, ctl: number): void {
    const x = this.input64(m, ctl);
    if (this.isNaN64(m)) {
      this.writeNaN64(d, m, ctl);
      return;
    }
    const result = this.squareRootValue(x, ctl, DOUBLE);
    if (result !== result) this.writeDefaultNaN64(d);
    else this.doubles[d] = result;
  }

  private squareRootValue(x: number, ctl: number, format: Format): number {
    if (x === 0 || x === Infinity) return x;
    if (x < 0) return this.invalid();
    const r = Math.sqrt(x);
    if (((ctl >>> Fpscr.RMODE_SHIFT) & 3) === RN && x > 2 ** -900 && x < 2 ** 900) {
      const square = r * r;
      const remainder = x - square - this.productError(r, r, square);
      const fast = format === SINGLE ? this.fast32(r, remainder === 0 ? 0 : remainder > 0 ? 1 : -1) : this.fast64(r, remainder);
      if (fast === fast) return fast;
    }
    this.exactSquareRoot(x, format);
    return this.roundExact(format, ctl);
  }

  // ---------------------------------------------------------------------------------------------
  // Comparison and conversions.

  /** FPCompare (A2.7.7): NZCV = 0110 equal, 1000 less, 0010 greater, 0011 unordered. m = -1: with zero. */
  private compare32(d: number, m: number, signalAllNaNs: boolean, ctl: number): number {
    const words = this.words;
    const x = this.input32(d, ctl);
    const y = m < 0 ? 0 : this.input32(m, ctl);
    const a = words[d];
    const b = m < 0 ? 0 : words[m];
    if (VfpUnit.isNaN32(a) || VfpUnit.isNaN32(b)) {
      if (signalAllNaNs || VfpUnit.isSignalling32(a) || VfpUnit.isSignalling32(b)) this.fpscr |= Fpscr.IOC;
      return 0x3;
    }
    return x === y ? 0x6 : x < y ? 0x8 : 0x2;
  }

  private compare64(d: number, m: number, signalAllNaNs: boolean, ctl: number): number {
    const x = this.input64(d, ctl);
    const y = m < 0 ? 0 : this.input64(m, ctl);
    const nanD = this.isNaN64(d);
    const nanM = m >= 0 && this.isNaN64(m);
    if (nanD || nanM) {
      if (signalAllNaNs || this.isSignalling64(d) || (m >= 0 && this.isSignalling64(m))) this.fpscr |= Fpscr.IOC;
      return 0x3;
    }
    return x === y ? 0x6 : x < y ? 0x8 : 0x2;
  }

  /** Compare helpers for Advanced SIMD (standard FPSCR): 1 if the relation holds. */
  compareLanes32(n: number, m: number, relation: number, absolute: boolean, ctl: number): boolean {
    const words = this.words;
    let x = this.input32(n, ctl);
    let y = m < 0 ? 0 : this.input32(m, ctl);
    if (VfpUnit.isNaN32(words[n]) || (m >= 0 && VfpUnit.isNaN32(words[m]))) {
      // VCEQ signals only for SNaNs; VCGE/VCGT/VACGE/VACGT for every NaN (FPCompareGE/GT).
      if (relation !== 0 || VfpUnit.isSignalling32(words[n]) || (m >= 0 && VfpUnit.isSignalling32(words[m]))) this.fpscr |= Fpscr.IOC;
      return false;
    }
    if (absolute) {
      x = Math.abs(x);
      y = Math.abs(y);
    }
    return relation === 0 ? x === y : relation === 1 ? x >= y : relation === 2 ? x > y : relation === 3 ? x <= y : x < y;
  }

  private singleToDouble(d: number, m: number, ctl: number): void {
    const words = this.words;
    const bits = words[m];
    if (VfpUnit.isNaN32(bits)) {
      const quiet = this.processNaN32(bits, ctl);
      words[2 * d + 1] = (quiet & 0x80000000) | 0x7ff00000 | ((quiet >>> 3) & 0xfffff);
      words[2 * d] = quiet << 29;
      if ((ctl & Fpscr.DN) !== 0) this.writeDefaultNaN64(d);
      return;
    }
    this.doubles[d] = this.input32(m, ctl);
  }

  private doubleToSingle(d: number, m: number, ctl: number): void {
    const words = this.words;
    if (this.isNaN64(m)) {
      const high = words[2 * m + 1];
      if ((high & 0x00080000) === 0) this.fpscr |= Fpscr.IOC;
      words[d] = (ctl & Fpscr.DN) !== 0 ? DEFAULT_NAN32 : (high & 0x80000000) | 0x7fc00000 | ((high & 0x7ffff) << 3) | (words[2 * m] >>> 29);
      return;
    }
    const value = this.input64(m, ctl);
    this.floats[d] = this.roundValue(value, SINGLE, ctl);
  }

  /** An integer or fixed-point value (value / 2^fractionBits) rounded into Sd or Dd. */
  private storeRounded(double: number, d: number, value: number, fractionBits: number, ctl: number): void {
    const exact = value / 2 ** fractionBits;
    if (double) this.doubles[d] = exact;
    else this.floats[d] = this.roundValue(exact, SINGLE, ctl);
  }

  /**
   * FPToFixed (A2.7.7): round the single/double in register m to an integer of `size` bits after
   * scaling by 2^fractionBits; IOC and saturation when out of range or NaN (result 0), else IXC if inexact.
   */
  toInteger(double: number, m: number, mode: number, unsigned: boolean, size: number, fractionBits: number, ctl: number): number {
    const nan = double ? this.isNaN64(m) : VfpUnit.isNaN32(this.words[m]);
    if (nan) {
      this.fpscr |= Fpscr.IOC;
      return 0;
    }
    const value = (double ? this.input64(m, ctl) : this.input32(m, ctl)) * 2 ** fractionBits;
    let rounded: number;
    switch (mode) {
      case RN: {
        rounded = Math.floor(value);
        const fraction = value - rounded;
        if (fraction > 0.5 || (fraction === 0.5 && rounded % 2 !== 0)) rounded += 1;
        break;
      }
      case RP:
        rounded = Math.ceil(value);
        break;
      case RM:
        rounded = Math.floor(value);
        break;
      default:
        rounded = Math.trunc(value);
    }
    const min = unsigned ? 0 : size === 32 ? INT32_MIN : -32768;
    const max = unsigned ? (size === 32 ? UINT32_MAX : 65535) : size === 32 ? INT32_MAX : 32767;
    if (rounded < min || rounded > max) {
      this.fpscr |= Fpscr.IOC;
      return (rounded < min ? min : max) | 0;
    }
    if (rounded !== value) this.fpscr |= Fpscr.IXC;
    return rounded | 0;
  }

  /** FPConvert half → single (A2.7.4): IEEE half or the alternative format (FPSCR.AHP). */
  halfToSingle(half: number, ctl: number): number {
    const sign = (half & 0x8000) << 16;
    const exponent = (half >>> 10) & 0x1f;
    const fraction = half & 0x3ff;
    if (exponent === 0x1f && (ctl & Fpscr.AHP) === 0) {
      if (fraction === 0) return sign | 0x7f800000;
      const nan = sign | 0x7f800000 | (fraction << 13);
      return this.processNaN32(nan, ctl);
    }
    if (exponent === 0) {
      if (fraction === 0) return sign;
      this.scratchFloat[0] = fraction * 2 ** -24;
      return sign | this.scratchFloatWord[0];
    }
    return sign | ((exponent - 15 + 127) << 23) | (fraction << 13);
  }

  /** FPConvert single → half: FZ applies to the single input only; AHP has no infinities or NaNs. */
  singleToHalf(m: number, ctl: number): number {
    const bits = this.words[m];
    const alternative = (ctl & Fpscr.AHP) !== 0;
    const sign = (bits >>> 16) & 0x8000;
    if (VfpUnit.isNaN32(bits)) {
      if (alternative) {
        this.fpscr |= Fpscr.IOC;
        return sign;
      }
      const quiet = this.processNaN32(bits, ctl);
      if ((ctl & Fpscr.DN) !== 0) return 0x7e00;
      return ((quiet >>> 16) & 0x8000) | 0x7c00 | 0x200 | ((quiet >>> 13) & 0x3ff);
    }
    const value = this.input32(m, ctl);
    if (value === Infinity || value === -Infinity) {
      if (alternative) {
        this.fpscr |= Fpscr.IOC;
        return sign | 0x7fff;
      }
      return sign | 0x7c00;
    }
    if (value === 0) return sign;
    const parts = this.decompose(value);
    this.exactSign = value < 0 ? 1 : 0;
    this.exactMantissa = parts.mantissa;
    this.exactExponent = parts.exponent;
    if (alternative) {
      const saved = this.fpscr;
      const rounded = this.roundExact({ fractionBits: 10, minExponent: -14, maxExponent: 16, maxValue: 131008 }, ctl & ~Fpscr.FZ);
      if (Math.abs(rounded) === Infinity || (this.fpscr & Fpscr.OFC) !== (saved & Fpscr.OFC)) {
        // AHP overflow: Invalid Operation and the largest value (FPRound, N = 16).
        this.fpscr = saved | Fpscr.IOC;
        return sign | 0x7fff;
      }
      return sign | VfpUnit.halfBits(Math.abs(rounded));
    }
    const rounded = this.roundExact(HALF, ctl & ~Fpscr.FZ);
    if (Math.abs(rounded) === Infinity) return sign | 0x7c00;
    return sign | VfpUnit.halfBits(Math.abs(rounded));
  }

  /** The bits of a nonnegative finite value that is exactly a half-precision number. */
  private static halfBits(value: number): number {
    if (value === 0) return 0;
    if (value < 2 ** -14) return Math.round(value * 2 ** 24);
    const exponent = Math.floor(Math.log2(value));
    let e = exponent;
    if (2 ** e > value) e--;
    else if (2 ** (e + 1) <= value) e++;
    return ((e + 15) << 10) | Math.round((value / 2 ** e - 1) * 1024);
  }
}
