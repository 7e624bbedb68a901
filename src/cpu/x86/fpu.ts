// The x87 FPU (SDM 1 ch. 8; instruction set in SDM 2). The eight registers hold 80-bit values
// (`signExponent`, `mantissa`), and the basic operations are exact with the precision and rounding
// controls (float80.ts): FADD/FSUB/FMUL/FDIV(R) in all forms, FSQRT, FRNDINT, FSCALE, FXTRACT,
// FPREM/FPREM1, FCOM family, FIST/FILD (all sizes), FBLD/FBSTP, FLD/FST of m32/m64/m80, the
// constants, FSAVE/FRSTOR. `registers` is a double view of each register, kept in step.
// FPATAN F2XM1 FYL2X FYL2XP1 on finite, nonzero, normal operands are computed in extended
// precision (float80.ts, Transcendental: correctly rounded in the rounding mode, PE when inexact;
// the precision control does not apply to them, SDM 1 8.1.5.2, nor in QEMU 7.2). QEMU 7.2's own
// approximations are off by one unit in the last place in rare hard cases (about 1 in 3000 random
// arguments), where we keep the correctly rounded result (docs/testing-x86.md).
// DEVIATION: FSIN FCOS FSINCOS FPTAN, and the four above on zeros, infinities, NaNs and denormals,
// compute in doubles with Math.* from the double view, so their results differ from QEMU's (and a
// P6's) in the low bits. C1 is not set on a round-up (nor by QEMU 7.2); the SDM says it should be.
// The denormal-operand flag is not raised. Unmasked exceptions set ES and
// raise #MF at the next waiting x87 instruction when CR0.NE is set, or assert FERR# (IRQ 13 on a PC) when it is clear (cpu.ts fpuWait).

import type { DecodedInstruction } from './decode.js';
import { Float80, float80ToDouble, float80ToSingle, INDEFINITE_EXPONENT, INDEFINITE_MANTISSA, isNaN80, ROUND_NEAREST, Transcendental } from './float80.js';

/** What the FPU needs from the CPU: memory at linear addresses, the operand address, EFLAGS. */
export interface X87Host {
  read8(linear: number): number;
  read16(linear: number): number;
  read32(linear: number): number;
  write8(linear: number, value: number): void;
  write16(linear: number, value: number): void;
  write32(linear: number, value: number): void;
  /** Linear address of the memory operand for an access of `bytes` (segment checks applied; may fault). */
  x87OperandAddress(bytes: number, write: boolean): number;
  /** Makes sure `bytes` at `linear` are writable before any is written. */
  x87ProbeWrite(linear: number, bytes: number): void;
  /** Arithmetic EFLAGS (for FCMOVcc) and setting ZF/PF/CF for FCOMI (OF/SF/AF cleared). */
  x87Eflags(): number;
  x87SetCompareFlags(zf: boolean, pf: boolean, cf: boolean): void;
  x87SetAx(value: number): void;
  /** Raises #UD for an encoding the P6 does not have. */
  x87Undefined(): never;
}

const STATUS_IE = 0x01;
const STATUS_ZE = 0x04;
const STATUS_SF = 0x40;
const STATUS_ES = 0x80;
const C0 = 0x100;
const C1 = 0x200;
const C2 = 0x400;
const C3 = 0x4000;

const TAG_VALID = 0;
const TAG_ZERO = 1;
const TAG_SPECIAL = 2;
const TAG_EMPTY = 3;

const scratch = new DataView(new ArrayBuffer(8));

export class X87 {
  /** Physical registers R0-R7 as doubles (a rounded view of the 80-bit values); ST(i) is R[(top + i) & 7]. */
  readonly registers = new Float64Array(8);
  /** The 80-bit values: sign and biased exponent, and the 64-bit significand with its integer bit. */
  readonly signExponent = new Uint16Array(8);
  readonly mantissa = new BigUint64Array(8);
  /** Exact extended arithmetic (float80.ts). */
  readonly math = new Float80();
  readonly transcendental = new Transcendental(this.math);
  /** Per physical register: 0 valid, 1 zero, 2 special, 3 empty. */
  readonly tags = new Uint8Array(8).fill(TAG_EMPTY);
  top = 0;
  control = 0x37f;
  /** Status word without TOP (bits 11-13), which comes from `top`. */
  status = 0;
  instructionPointer = 0;
  instructionSelector = 0;
  dataPointer = 0;
  dataSelector = 0;
  opcode = 0;

  reset(): void {
    this.control = 0x37f;
    this.status = 0;
    this.top = 0;
    this.tags.fill(TAG_EMPTY);
    this.registers.fill(0);
    this.signExponent.fill(0);
    this.mantissa.fill(0n);
    this.instructionPointer = this.instructionSelector = this.dataPointer = this.dataSelector = this.opcode = 0;
  }

  get statusWord(): number {
    return (this.status & ~0x3800) | (this.top << 11);
  }

  set statusWord(value: number) {
    this.status = value & ~0x3800 & 0xffff;
    this.top = (value >> 11) & 7;
  }

  /** The full tag word (2 bits per physical register). */
  get tagWord(): number {
    let word = 0;
    for (let i = 0; i < 8; i++) word |= this.tags[i] << (2 * i);
    return word;
  }

  set tagWord(value: number) {
    for (let i = 0; i < 8; i++) {
      const tag = (value >> (2 * i)) & 3;
      this.tags[i] = tag === TAG_EMPTY ? TAG_EMPTY : X87.classifyExtended(this.signExponent[i], this.mantissa[i]);
    }
  }

  /** ST(i). */
  st(i: number): number {
    return this.registers[(this.top + i) & 7];
  }

  isEmpty(i: number): boolean {
    return this.tags[(this.top + i) & 7] === TAG_EMPTY;
  }

  static classify(value: number): number {
    if (value === 0) return TAG_ZERO;
    if (!Number.isFinite(value)) return TAG_SPECIAL;
    return TAG_VALID;
  }

  static classifyExtended(exponent: number, mantissa: bigint): number {
    if ((exponent & 0x7fff) === 0) return mantissa === 0n ? TAG_ZERO : TAG_SPECIAL;
    if ((exponent & 0x7fff) === 0x7fff || (mantissa >> 63n) === 0n) return TAG_SPECIAL;
    return TAG_VALID;
  }

  /** Sets ST(i) from a double (exactly representable in 80 bits). */
  setSt(i: number, value: number): void {
    const index = (this.top + i) & 7;
    this.registers[index] = value;
    this.tags[index] = X87.classify(value);
    doubleToExtended(value, extended);
    this.signExponent[index] = extended[2];
    this.mantissa[index] = (BigInt(extended[1]) << 32n) | BigInt(extended[0]);
  }

  /** Sets ST(i) from an 80-bit value. */
  setStExtended(i: number, exponent: number, mantissa: bigint): void {
    const index = (this.top + i) & 7;
    this.signExponent[index] = exponent;
    this.mantissa[index] = mantissa;
    this.registers[index] = float80ToDouble(this.math, exponent, mantissa, ROUND_NEAREST);
    this.tags[index] = X87.classifyExtended(exponent, mantissa);
  }

  /** ST(i) as 80 bits (the indefinite NaN when empty). */
  exponentOf(i: number): number {
    return this.isEmpty(i) ? INDEFINITE_EXPONENT : this.signExponent[(this.top + i) & 7];
  }

  mantissaOf(i: number): bigint {
    return this.isEmpty(i) ? INDEFINITE_MANTISSA : this.mantissa[(this.top + i) & 7];
  }

  /** Precision control as significand bits (SDM 1, 8.1.5.2). */
  get precision(): number {
    const pc = (this.control >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  get rounding(): number {
    return (this.control >> 10) & 3;
  }

  /** Sets ST(destination) from the result of the last Float80 operation and records its flags. */
  takeResult(destination: number): void {
    const math = this.math;
    this.raise(math.flags);
    if ((math.flags & ~this.control & 0x3d) !== 0) return; // unmasked IE/ZE/OE/UE/PE: destination unchanged
    this.setStExtended(destination, math.resultExponent, math.resultMantissa);
  }

  /** Records exception flags; sets ES when one of them is unmasked. */
  raise(flags: number): void {
    this.status |= flags;
    if ((flags & ~this.control & 0x3f) !== 0) this.status |= STATUS_ES | 0x8000;
  }

  /** An unmasked exception is pending (#MF at the next waiting instruction). */
  get pending(): boolean {
    return (this.status & STATUS_ES) !== 0;
  }

  push(value: number): void {
    const index = (this.top - 1) & 7;
    if (this.tags[index] !== TAG_EMPTY) {
      // Stack overflow (SDM 1, 8.5.1.1): C1 = 1, masked response loads the indefinite QNaN.
      this.raise(STATUS_IE | STATUS_SF);
      this.status |= C1;
      if ((this.control & STATUS_IE) === 0) return;
      value = NaN;
    } else this.status &= ~C1;
    this.top = index;
    this.setSt(0, value);
  }

  pushExtended(exponent: number, mantissa: bigint): void {
    const index = (this.top - 1) & 7;
    if (this.tags[index] !== TAG_EMPTY) {
      this.raise(STATUS_IE | STATUS_SF);
      this.status |= C1;
      if ((this.control & STATUS_IE) === 0) return;
      exponent = INDEFINITE_EXPONENT;
      mantissa = INDEFINITE_MANTISSA;
    } else this.status &= ~C1;
    this.top = index;
    this.setStExtended(0, exponent, mantissa);
  }

  /** Checks ST(i) for underflow (as read) and returns nothing; the operand is then exponentOf/mantissaOf. */
  check(i: number): void {
    if (this.isEmpty(i)) {
      this.raise(STATUS_IE | STATUS_SF);
      this.status &= ~C1;
    }
  }

  pop(): void {
    this.tags[this.top] = TAG_EMPTY;
    this.top = (this.top + 1) & 7;
  }

  /** Reads ST(i), signalling stack underflow (C1 = 0) when empty; returns NaN then. */
  read(i: number): number {
    if (this.isEmpty(i)) {
      this.raise(STATUS_IE | STATUS_SF);
      this.status &= ~C1;
      return NaN;
    }
    return this.st(i);
  }

  /** Rounds to an integer by the rounding control (SDM 1, 4.8.4). */
  roundInteger(value: number): number {
    switch ((this.control >> 10) & 3) {
      case 0: {
        const floor = Math.floor(value);
        const difference = value - floor;
        if (difference > 0.5) return floor + 1;
        if (difference < 0.5) return floor;
        return floor % 2 === 0 ? floor : floor + 1;
      }
      case 1:
        return Math.floor(value);
      case 2:
        return Math.ceil(value);
      default:
        return Math.trunc(value);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Memory formats

function readFloat32(host: X87Host, linear: number): number {
  scratch.setUint32(0, host.read32(linear) >>> 0, true);
  return scratch.getFloat32(0, true);
}

function readFloat64(host: X87Host, linear: number): number {
  scratch.setUint32(0, host.read32(linear) >>> 0, true);
  scratch.setUint32(4, host.read32(linear + 4) >>> 0, true);
  return scratch.getFloat64(0, true);
}

// A NaN is stored as the x87 "real indefinite" (negative quiet NaN; SDM 1, 4.8.3.7): the
// payload and sign of a NaN are not kept in a double register.
function writeFloat32(host: X87Host, linear: number, value: number): void {
  if (Number.isNaN(value)) {
    host.write32(linear, 0xffc00000);
    return;
  }
  scratch.setFloat32(0, value, true);
  host.write32(linear, scratch.getUint32(0, true));
}

function writeFloat64(host: X87Host, linear: number, value: number): void {
  host.x87ProbeWrite(linear, 8);
  if (Number.isNaN(value)) {
    host.write32(linear, 0);
    host.write32(linear + 4, 0xfff80000);
    return;
  }
  scratch.setFloat64(0, value, true);
  host.write32(linear, scratch.getUint32(0, true));
  host.write32(linear + 4, scratch.getUint32(4, true));
}

/** 80-bit extended real -> double (SDM 1, 4.2.2). */
export function extendedToDouble(low: number, high: number, signExponent: number): number {
  const sign = (signExponent & 0x8000) !== 0 ? -1 : 1;
  const exponent = signExponent & 0x7fff;
  const mantissa = (high >>> 0) * 4294967296 + (low >>> 0);
  if (exponent === 0x7fff) {
    if ((high & 0x7fffffff) === 0 && low === 0) return sign * Infinity;
    return NaN;
  }
  if (mantissa === 0) return sign * 0;
  // Scale in two steps so that neither overflows nor underflows on the way.
  const shift = exponent - 16383 - 63;
  const half = Math.trunc(shift / 2);
  return sign * mantissa * Math.pow(2, half) * Math.pow(2, shift - half);
}

/** double -> 80-bit extended real: [low mantissa, high mantissa, sign and exponent]. */
export function doubleToExtended(value: number, out: Uint32Array): void {
  scratch.setFloat64(0, value, true);
  const low = scratch.getUint32(0, true);
  const high = scratch.getUint32(4, true);
  const sign = (high >>> 31) << 15;
  const exponent = (high >>> 20) & 0x7ff;
  let fractionHigh = high & 0xfffff;
  let fractionLow = low;
  if (Number.isNaN(value)) {
    out[2] = 0xffff;
    out[1] = 0xc0000000;
    out[0] = 0;
    return;
  }
  if (exponent === 0x7ff) {
    out[2] = sign | 0x7fff;
    if (fractionHigh === 0 && fractionLow === 0) {
      out[1] = 0x80000000;
      out[0] = 0;
    } else {
      out[1] = (0xc0000000 | (fractionHigh << 11) | (fractionLow >>> 21)) >>> 0;
      out[0] = (fractionLow << 11) >>> 0;
    }
    return;
  }
  if (exponent === 0) {
    if (fractionHigh === 0 && fractionLow === 0) {
      out[0] = 0;
      out[1] = 0;
      out[2] = sign;
      return;
    }
    // A double denormal is a normal extended number: normalize.
    let e = -1022;
    while ((fractionHigh & 0x100000) === 0) {
      fractionHigh = ((fractionHigh << 1) | (fractionLow >>> 31)) & 0x1fffff;
      fractionLow = (fractionLow << 1) >>> 0;
      e--;
    }
    fractionHigh &= 0xfffff;
    out[2] = sign | (e + 16383 + 1);
  } else {
    out[2] = sign | (exponent - 1023 + 16383);
  }
  out[1] = (0x80000000 | (fractionHigh << 11) | (fractionLow >>> 21)) >>> 0;
  out[0] = (fractionLow << 11) >>> 0;
}

const extended = new Uint32Array(3);

function readExtendedInto(fpu: X87, host: X87Host, linear: number): void {
  const low = host.read32(linear) >>> 0;
  const high = host.read32(linear + 4) >>> 0;
  fpu.math.resultExponent = host.read16(linear + 8);
  fpu.math.resultMantissa = (BigInt(high) << 32n) | BigInt(low);
}

function writeExtendedBits(host: X87Host, linear: number, exponent: number, mantissa: bigint): void {
  host.x87ProbeWrite(linear, 10);
  host.write32(linear, Number(mantissa & 0xffffffffn));
  host.write32(linear + 4, Number(mantissa >> 32n));
  host.write16(linear + 8, exponent);
}

/** A double (or float, or small integer) operand as 80 bits, into operandExponent/operandMantissa. */
let operandExponent = 0;
let operandMantissa = 0n;
function operandFromDouble(value: number): void {
  doubleToExtended(value, extended);
  operandExponent = extended[2];
  operandMantissa = (BigInt(extended[1]) << 32n) | BigInt(extended[0]);
}


// ---------------------------------------------------------------------------------------------
// Execution

/** Control instructions do not update the last-instruction pointers (SDM 1, 8.1.8). */
function isControl(opcode: number, inst: DecodedInstruction): boolean {
  if (opcode === 0xd9 && inst.memory && inst.reg >= 4) return true;
  if (opcode === 0xdd && inst.memory && (inst.reg === 4 || inst.reg === 6 || inst.reg === 7)) return true;
  if (opcode === 0xdb && !inst.memory && inst.reg === 4) return true;
  if (opcode === 0xdf && !inst.memory && inst.reg === 4) return true;
  return false;
}

/** Non-waiting control instructions do not take a pending #MF (FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE). */
export function isNonWaiting(inst: DecodedInstruction): boolean {
  const opcode = inst.opcode;
  if (opcode === 0xdb && !inst.memory && inst.reg === 4 && (inst.rm === 2 || inst.rm === 3)) return true;
  if (opcode === 0xdf && !inst.memory && inst.reg === 4 && inst.rm === 0) return true;
  if (opcode === 0xd9 && inst.memory && (inst.reg === 6 || inst.reg === 7)) return true;
  if (opcode === 0xdd && inst.memory && (inst.reg === 6 || inst.reg === 7)) return true;
  return false;
}

/**
 * Executes the x87 instruction `inst` (opcode D8-DF). `eip`/`cs` are the instruction's address
 * and `dataSelector` the memory operand's segment selector, for the last-instruction pointers.
 */
export function executeX87(fpu: X87, host: X87Host, inst: DecodedInstruction, eip: number, cs: number, dataSelector: number, code32: boolean): void {
  const opcode = inst.opcode;
  const reg = inst.reg;
  if (!isControl(opcode, inst)) {
    fpu.instructionPointer = eip;
    fpu.instructionSelector = cs;
    fpu.opcode = ((opcode & 7) << 8) | (inst.modrm & 0xff);
  }
  if (inst.memory) {
    executeMemory(fpu, host, inst, opcode, reg, dataSelector, code32);
    return;
  }
  const i = inst.rm;
  switch (opcode) {
    case 0xd8:
      fpu.check(0);
      fpu.check(i);
      arithmetic(fpu, reg, 0, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(i), fpu.mantissaOf(i), false);
      return;
    case 0xdc:
    case 0xde: {
      if (opcode === 0xde && reg === 3) {
        if (i !== 1) host.x87Undefined();
        fpu.check(0);
        fpu.check(1);
        compare(fpu, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(1), fpu.mantissaOf(1), false);
        fpu.pop();
        fpu.pop();
        return;
      }
      // DC/DE: ST(i) = ST(i) op ST(0), with SUB/SUBR and DIV/DIVR exchanged (SDM 2, FSUB).
      fpu.check(i);
      fpu.check(0);
      const op = reg === 4 ? 5 : reg === 5 ? 4 : reg === 6 ? 7 : reg === 7 ? 6 : reg;
      arithmetic(fpu, op, i, fpu.exponentOf(i), fpu.mantissaOf(i), fpu.exponentOf(0), fpu.mantissaOf(0), opcode === 0xde);
      return;
    }
    case 0xd9:
      registerD9(fpu, host, inst);
      return;
    case 0xda: {
      if (reg === 5 && i === 1) {
        fpu.check(0);
        fpu.check(1);
        compare(fpu, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(1), fpu.mantissaOf(1), true);
        fpu.pop();
        fpu.pop();
        return;
      }
      if (reg > 3) host.x87Undefined();
      const flags = host.x87Eflags();
      const condition = reg === 0 ? flags & 1 : reg === 1 ? flags & 0x40 : reg === 2 ? flags & 0x41 : flags & 4;
      fpu.check(i);
      if (condition !== 0) fpu.setStExtended(0, fpu.exponentOf(i), fpu.mantissaOf(i));
      return;
    }
    case 0xdb: {
      if (reg === 4) {
        if (i === 2) fpu.status &= ~(0x3f | STATUS_SF | STATUS_ES | 0x8000); // FNCLEX
        else if (i === 3) fpu.reset(); // FNINIT
        else if (i > 4) host.x87Undefined(); // FENI, FDISI, FSETPM are no-ops on a P6
        return;
      }
      if (reg === 5 || reg === 6) {
        fpu.check(0);
        fpu.check(i);
        compareFlags(fpu, host, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(i), fpu.mantissaOf(i), reg === 5);
        return;
      }
      if (reg === 7) host.x87Undefined();
      const flags = host.x87Eflags();
      const condition = reg === 0 ? flags & 1 : reg === 1 ? flags & 0x40 : reg === 2 ? flags & 0x41 : flags & 4;
      fpu.check(i);
      if (condition === 0) fpu.setStExtended(0, fpu.exponentOf(i), fpu.mantissaOf(i));
      return;
    }
    case 0xdd:
      switch (reg) {
        case 0: // FFREE
          fpu.tags[(fpu.top + i) & 7] = TAG_EMPTY;
          return;
        case 1: // FXCH (alias)
          exchange(fpu, i);
          return;
        case 2:
        case 3:
          fpu.check(0);
          fpu.setStExtended(i, fpu.exponentOf(0), fpu.mantissaOf(0));
          if (reg === 3) fpu.pop();
          return;
        case 4:
        case 5:
          fpu.check(0);
          fpu.check(i);
          compare(fpu, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(i), fpu.mantissaOf(i), true);
          if (reg === 5) fpu.pop();
          return;
        default:
          host.x87Undefined();
      }
      return;
    default: {
      // DF
      if (reg === 4) {
        if (i !== 0) host.x87Undefined();
        host.x87SetAx(fpu.statusWord);
        return;
      }
      if (reg === 5 || reg === 6) {
        fpu.check(0);
        fpu.check(i);
        compareFlags(fpu, host, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(i), fpu.mantissaOf(i), reg === 5);
        fpu.pop();
        return;
      }
      if (reg === 0) {
        // FFREEP (undocumented, present on P6)
        fpu.tags[(fpu.top + i) & 7] = TAG_EMPTY;
        fpu.pop();
        return;
      }
      if (reg === 1) {
        exchange(fpu, i);
        return;
      }
      // FSTP ST(i) aliases
      fpu.check(0);
      fpu.setStExtended(i, fpu.exponentOf(0), fpu.mantissaOf(0));
      fpu.pop();
    }
  }
}

function exchange(fpu: X87, i: number): void {
  fpu.check(0);
  fpu.check(i);
  const aExponent = fpu.exponentOf(0);
  const aMantissa = fpu.mantissaOf(0);
  fpu.setStExtended(0, fpu.exponentOf(i), fpu.mantissaOf(i));
  fpu.setStExtended(i, aExponent, aMantissa);
}

/** op: 0 ADD, 1 MUL, 2 COM, 3 COMP, 4 SUB, 5 SUBR, 6 DIV, 7 DIVR; a op b into ST(destination), exactly rounded. */
function arithmetic(fpu: X87, op: number, destination: number, aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, popAfter: boolean): void {
  const math = fpu.math;
  const precision = fpu.precision;
  const rounding = fpu.rounding;
  switch (op) {
    case 0:
      math.add(aExponent, aMantissa, bExponent, bMantissa, false, precision, rounding);
      break;
    case 1:
      math.multiply(aExponent, aMantissa, bExponent, bMantissa, precision, rounding);
      break;
    case 2:
    case 3:
      compare(fpu, aExponent, aMantissa, bExponent, bMantissa, false);
      if (op === 3 || popAfter) fpu.pop();
      return;
    case 4:
      math.add(aExponent, aMantissa, bExponent, bMantissa, true, precision, rounding);
      break;
    case 5:
      math.add(bExponent, bMantissa, aExponent, aMantissa, true, precision, rounding);
      break;
    case 6:
      math.divide(aExponent, aMantissa, bExponent, bMantissa, precision, rounding);
      break;
    default:
      math.divide(bExponent, bMantissa, aExponent, aMantissa, precision, rounding);
      break;
  }
  fpu.takeResult(destination);
  if (popAfter) fpu.pop();
}

function isSignalling(exponent: number, mantissa: bigint): boolean {
  return isNaN80(exponent, mantissa) && (mantissa & (1n << 62n)) === 0n;
}

/** FCOM/FUCOM: C3 C2 C0 (SDM 2, FCOM); FUCOM signals invalid only for signalling NaNs. */
function compare(fpu: X87, aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, unordered: boolean): void {
  fpu.status &= ~(C0 | C1 | C2 | C3);
  const result = Float80.compare(aExponent, aMantissa, bExponent, bMantissa);
  if (result === 2) {
    if (!unordered || isSignalling(aExponent, aMantissa) || isSignalling(bExponent, bMantissa)) fpu.raise(STATUS_IE);
    fpu.status |= C0 | C2 | C3;
  } else if (result < 0) fpu.status |= C0;
  else if (result === 0) fpu.status |= C3;
}

/** FCOMI/FUCOMI: ZF PF CF (SDM 2, FCOMI). */
function compareFlags(fpu: X87, host: X87Host, aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, unordered: boolean): void {
  fpu.status &= ~C1;
  const result = Float80.compare(aExponent, aMantissa, bExponent, bMantissa);
  if (result === 2) {
    if (!unordered || isSignalling(aExponent, aMantissa) || isSignalling(bExponent, bMantissa)) fpu.raise(STATUS_IE);
    host.x87SetCompareFlags(true, true, true);
  } else host.x87SetCompareFlags(result === 0, false, result < 0);
}

/** The constants' 80-bit values, rounded to nearest and, where that rounded up, the one below (QEMU's table). */
const CONSTANTS: [number, bigint, bigint][] = [
  [0x3fff, 0x8000000000000000n, 0x8000000000000000n], // 1
  [0x4000, 0xd49a784bcd1b8afen, 0xd49a784bcd1b8afen], // log2(10): up gives ...8aff
  [0x3fff, 0xb8aa3b295c17f0bcn, 0xb8aa3b295c17f0bbn], // log2(e)
  [0x4000, 0xc90fdaa22168c235n, 0xc90fdaa22168c234n], // pi
  [0x3ffd, 0x9a209a84fbcff799n, 0x9a209a84fbcff798n], // log10(2)
  [0x3ffe, 0xb17217f7d1cf79acn, 0xb17217f7d1cf79abn], // ln(2)
  [0, 0n, 0n], // 0
];

/** ST(i) is present, finite, nonzero and normal: the extended-precision transcendentals take it. */
function normalOperand(fpu: X87, i: number): boolean {
  return !fpu.isEmpty(i) && X87.classifyExtended(fpu.exponentOf(i), fpu.mantissaOf(i)) === TAG_VALID;
}

/** FYL2XP1's x lies outside [-(1 - sqrt(2)/2), sqrt(2) - 1], where QEMU 7.2 computes it. */
function log1pOutOfRange(exponent: number, mantissa: bigint): boolean {
  const biased = exponent & 0x7fff;
  const limit = (exponent & 0x8000) !== 0 ? 0x95f619980c4336f7n : 0xd413cccfe7799211n; // both times 2^-65
  return biased > 0x3ffd || (biased === 0x3ffd && mantissa > limit);
}

/**
 * FSIN FCOS FSINCOS FPTAN take ST(0) as a double rounded by the rounding control, as QEMU 7.2
 * does (it calls the host's sin/cos/tan on it).
 */
function trigonometricOperand(fpu: X87): number {
  fpu.check(0);
  return float80ToDouble(fpu.math, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.rounding);
}

function registerD9(fpu: X87, host: X87Host, inst: DecodedInstruction): void {
  const reg = inst.reg;
  const i = inst.rm;
  switch (reg) {
    case 0: {
      fpu.check(i);
      fpu.pushExtended(fpu.exponentOf(i), fpu.mantissaOf(i));
      return;
    }
    case 1:
      exchange(fpu, i);
      return;
    case 2:
      if (i !== 0) host.x87Undefined();
      return; // FNOP
    case 3:
      fpu.check(0);
      fpu.setStExtended(i, fpu.exponentOf(0), fpu.mantissaOf(0));
      fpu.pop();
      return;
    case 4:
      switch (i) {
        case 0:
          fpu.check(0);
          fpu.setStExtended(0, fpu.exponentOf(0) ^ 0x8000, fpu.mantissaOf(0));
          return;
        case 1:
          fpu.check(0);
          fpu.setStExtended(0, fpu.exponentOf(0) & 0x7fff, fpu.mantissaOf(0));
          return;
        case 4:
          fpu.check(0);
          compare(fpu, fpu.exponentOf(0), fpu.mantissaOf(0), 0, 0n, false);
          return;
        case 5: {
          // FXAM (SDM 2): C3 C2 C0 class, C1 sign.
          const exponent = fpu.signExponent[fpu.top];
          const mantissa = fpu.mantissa[fpu.top];
          fpu.status &= ~(C0 | C1 | C2 | C3);
          if ((exponent & 0x8000) !== 0) fpu.status |= C1;
          const biased = exponent & 0x7fff;
          if (fpu.isEmpty(0)) fpu.status |= C3 | C0;
          else if (biased === 0x7fff) fpu.status |= (mantissa & ~(1n << 63n)) === 0n ? C2 | C0 : C0;
          else if (biased === 0) fpu.status |= mantissa === 0n ? C3 : C3 | C2;
          else if (mantissa >> 63n !== 0n) fpu.status |= C2;
          return;
        }
        default:
          host.x87Undefined();
      }
      return;
    case 5: {
      if (i === 7) host.x87Undefined();
      const [exponent, nearest, below] = CONSTANTS[i];
      const rounding = fpu.rounding;
      const useBelow = i === 1 ? false : rounding === 1 || rounding === 3;
      const mantissa = i === 1 && rounding === 2 ? nearest + 1n : useBelow ? below : nearest;
      fpu.pushExtended(exponent, mantissa);
      return;
    }
    case 6:
      switch (i) {
        case 0: {
          // F2XM1
          if (normalOperand(fpu, 0) && ((fpu.exponentOf(0) & 0x7fff) < 0x3fff || ((fpu.exponentOf(0) & 0x7fff) === 0x3fff && fpu.mantissaOf(0) === 1n << 63n))) {
            fpu.transcendental.f2xm1(fpu.exponentOf(0), fpu.mantissaOf(0), 64, fpu.rounding);
            fpu.takeResult(0);
            return;
          }
          const x = fpu.read(0);
          // Defined for -1 <= x <= 1; outside, QEMU (the reference) answers the indefinite NaN.
          if (!(Math.abs(x) <= 1)) fpu.raise(STATUS_IE);
          fpu.setSt(0, Math.abs(x) <= 1 ? Math.expm1(x * Math.LN2) : NaN);
          return;
        }
        case 1: {
          // FYL2X
          if (normalOperand(fpu, 0) && normalOperand(fpu, 1) && (fpu.exponentOf(0) & 0x8000) === 0) {
            fpu.transcendental.yLog2(fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(1), fpu.mantissaOf(1), false, 64, fpu.rounding);
            fpu.takeResult(1);
            fpu.pop();
            return;
          }
          const x = fpu.read(0);
          const y = fpu.read(1);
          if (x < 0) fpu.raise(STATUS_IE);
          else if (x === 0) fpu.raise(STATUS_ZE);
          fpu.setSt(1, y * Math.log2(x));
          fpu.pop();
          return;
        }
        case 2: {
          // FPTAN
          const x = trigonometricOperand(fpu);
          if (Math.abs(x) >= 2 ** 63) {
            fpu.status |= C2;
            return;
          }
          fpu.status &= ~C2;
          fpu.setSt(0, Math.tan(x));
          fpu.push(1);
          return;
        }
        case 3: {
          // FPATAN
          if (normalOperand(fpu, 0) && normalOperand(fpu, 1)) {
            fpu.transcendental.atan2(fpu.exponentOf(1), fpu.mantissaOf(1), fpu.exponentOf(0), fpu.mantissaOf(0), 64, fpu.rounding);
            fpu.takeResult(1);
            fpu.pop();
            return;
          }
          const x = fpu.read(0);
          const y = fpu.read(1);
          fpu.setSt(1, Math.atan2(y, x));
          fpu.pop();
          return;
        }
        case 4: {
          // FXTRACT: exponent to ST(1), significand (exponent 0) to ST(0), exactly.
          fpu.check(0);
          const exponent = fpu.exponentOf(0);
          const mantissa = fpu.mantissaOf(0);
          if (mantissa === 0n) {
            fpu.raise(STATUS_ZE);
            fpu.setSt(0, -Infinity);
            fpu.pushExtended(exponent, mantissa);
            return;
          }
          if ((exponent & 0x7fff) === 0x7fff) {
            fpu.setStExtended(0, isNaN80(exponent, mantissa) ? exponent : 0x7fff, mantissa);
            fpu.pushExtended(exponent, mantissa);
            return;
          }
          // Normalize (denormals) by the scale of the top bit.
          let bits = 0;
          for (let m = mantissa; m >> 63n === 0n; m <<= 1n) bits++;
          const unbiased = ((exponent & 0x7fff) === 0 ? 1 : exponent & 0x7fff) - 16383 - bits;
          fpu.setSt(0, unbiased);
          fpu.pushExtended((exponent & 0x8000) | 16383, (mantissa << BigInt(bits)) & ((1n << 64n) - 1n));
          return;
        }
        case 5:
          partialRemainder(fpu, true);
          return;
        case 6:
          fpu.top = (fpu.top - 1) & 7;
          fpu.status &= ~C1;
          return;
        default:
          fpu.top = (fpu.top + 1) & 7;
          fpu.status &= ~C1;
          return;
      }
    default:
      switch (i) {
        case 0:
          partialRemainder(fpu, false);
          return;
        case 1: {
          // FYL2XP1: the SDM leaves the result undefined for |x| >= 1 - sqrt(2)/2; QEMU 7.2 answers the
          // indefinite NaN (IE) above sqrt(2) - 1 and below -(1 - sqrt(2)/2), and so do we.
          if (normalOperand(fpu, 0) && normalOperand(fpu, 1) && log1pOutOfRange(fpu.exponentOf(0), fpu.mantissaOf(0))) {
            fpu.raise(STATUS_IE);
            if ((fpu.control & STATUS_IE) !== 0) fpu.setStExtended(1, INDEFINITE_EXPONENT, INDEFINITE_MANTISSA);
            fpu.pop();
            return;
          }
          if (normalOperand(fpu, 0) && normalOperand(fpu, 1)) {
            fpu.transcendental.yLog2(fpu.exponentOf(0), fpu.mantissaOf(0), fpu.exponentOf(1), fpu.mantissaOf(1), true, 64, fpu.rounding);
            fpu.takeResult(1);
            fpu.pop();
            return;
          }
          const x = fpu.read(0);
          const y = fpu.read(1);
          fpu.setSt(1, (y * Math.log1p(x)) / Math.LN2);
          fpu.pop();
          return;
        }
        case 2:
          fpu.check(0);
          fpu.math.squareRoot(fpu.exponentOf(0), fpu.mantissaOf(0), fpu.precision, fpu.rounding);
          fpu.takeResult(0);
          return;
        case 3: {
          // FSINCOS
          const x = trigonometricOperand(fpu);
          if (Math.abs(x) >= 2 ** 63) {
            fpu.status |= C2;
            return;
          }
          fpu.status &= ~C2;
          fpu.setSt(0, Math.sin(x));
          fpu.push(Math.cos(x));
          return;
        }
        case 4:
          fpu.check(0);
          fpu.math.roundToInteger(fpu.exponentOf(0), fpu.mantissaOf(0), fpu.rounding);
          fpu.takeResult(0);
          return;
        case 5: {
          // FSCALE: ST(0) * 2^trunc(ST(1)), exact but for rounding at the range ends.
          fpu.check(0);
          const scale = Math.trunc(fpu.read(1));
          const exponent = fpu.exponentOf(0);
          const mantissa = fpu.mantissaOf(0);
          if (mantissa === 0n || (exponent & 0x7fff) === 0x7fff || !Number.isFinite(scale)) {
            fpu.setSt(0, fpu.st(0) * Math.pow(2, scale));
            return;
          }
          const math = fpu.math;
          math.flags = 0;
          math.roundPack((exponent & 0x8000) !== 0, mantissa, Float80.scale(exponent) + Math.max(-70000, Math.min(70000, scale)), 64, fpu.rounding);
          fpu.takeResult(0);
          return;
        }
        case 6:
        case 7: {
          const x = trigonometricOperand(fpu);
          if (Math.abs(x) >= 2 ** 63) {
            fpu.status |= C2;
            return;
          }
          fpu.status &= ~C2;
          fpu.setSt(0, i === 6 ? Math.sin(x) : Math.cos(x));
          return;
        }
      }
  }
}

function partialRemainder(fpu: X87, ieee: boolean): void {
  // Exact, as QEMU's helper_fprem_common: a complete remainder when the exponents differ by less
  // than 64 (C0 C3 C1 = quotient bits 2 1 0), else a partial one by ST(1) * 2^(difference - N),
  // N = 32 + difference mod 32, with C2 = 1 (SDM 2, FPREM). QEMU 7.2 leaves C0 C3 C1 clear after
  // a complete FPREM1; here they hold the quotient bits as the SDM says (glibc's remquo uses them).
  fpu.check(0);
  fpu.check(1);
  const xExponent = fpu.exponentOf(0);
  const xMantissa = fpu.mantissaOf(0);
  const yExponent = fpu.exponentOf(1);
  const yMantissa = fpu.mantissaOf(1);
  fpu.status &= ~(C0 | C1 | C2 | C3);
  if (isNaN80(xExponent, xMantissa) || isNaN80(yExponent, yMantissa)) {
    fpu.math.add(xExponent, xMantissa, yExponent, yMantissa, false, 64, ROUND_NEAREST); // NaN propagation
    fpu.takeResult(0);
    return;
  }
  const xInfinite = (xExponent & 0x7fff) === 0x7fff;
  if (xInfinite || yMantissa === 0n) {
    fpu.raise(STATUS_IE);
    if ((fpu.control & STATUS_IE) !== 0) fpu.setStExtended(0, INDEFINITE_EXPONENT, INDEFINITE_MANTISSA);
    return;
  }
  if (xMantissa === 0n || (yExponent & 0x7fff) === 0x7fff) return;
  const xScale = Float80.scale(xExponent);
  let yScale = Float80.scale(yExponent);
  const xLeading = xScale + bitLength64(xMantissa);
  const yLeading = yScale + bitLength64(yMantissa);
  const difference = xLeading - yLeading;
  let partial = false;
  if (difference >= 64) {
    partial = true;
    yScale += difference - (32 + (difference % 32));
  }
  const low = Math.min(xScale, yScale);
  const x = xMantissa << BigInt(xScale - low);
  const y = yMantissa << BigInt(yScale - low);
  let quotient = x / y;
  let remainder = x - quotient * y;
  let negative = (xExponent & 0x8000) !== 0;
  if (ieee && !partial && (2n * remainder > y || (2n * remainder === y && (quotient & 1n) === 1n))) {
    remainder = y - remainder;
    quotient++;
    negative = !negative;
  }
  if (partial) fpu.status |= C2;
  else {
    if ((quotient & 4n) !== 0n) fpu.status |= C0;
    if ((quotient & 2n) !== 0n) fpu.status |= C3;
    if ((quotient & 1n) !== 0n) fpu.status |= C1;
  }
  if (remainder === 0n) {
    fpu.setStExtended(0, xExponent & 0x8000, 0n);
    return;
  }
  fpu.math.flags = 0;
  fpu.math.roundPack(negative, remainder, low, 64, fpu.rounding);
  fpu.takeResult(0);
}

function bitLength64(value: bigint): number {
  let bits = 0;
  for (let v = value; v !== 0n; v >>= 1n) bits++;
  return bits;
}

/** ST(0) rounded to an integer by the rounding control, or the integer indefinite with IE (SDM 1, 4.8.3.7). */
function storeInteger(fpu: X87, bits: number): bigint {
  fpu.check(0);
  const exponent = fpu.exponentOf(0);
  const mantissa = fpu.mantissaOf(0);
  const math = fpu.math;
  const indefinite = -(1n << BigInt(bits - 1));
  if ((exponent & 0x7fff) === 0x7fff) {
    fpu.raise(STATUS_IE);
    return indefinite;
  }
  math.flags = 0;
  const value = math.toInteger(exponent, mantissa, fpu.rounding);
  if (value < indefinite || value >= -indefinite) {
    fpu.raise(STATUS_IE);
    return indefinite;
  }
  fpu.raise(math.flags);
  return value;
}

function executeMemory(fpu: X87, host: X87Host, inst: DecodedInstruction, opcode: number, reg: number, dataSelector: number, code32: boolean): void {
  const control = isControl(opcode, inst);
  const math = fpu.math;
  let linear = 0;
  const address = (bytes: number, write: boolean): number => {
    linear = host.x87OperandAddress(bytes, write);
    if (!control) {
      fpu.dataPointer = linear;
      fpu.dataSelector = dataSelector;
    }
    return linear;
  };
  switch (opcode) {
    case 0xd8:
    case 0xda:
    case 0xdc:
    case 0xde: {
      const bytes = opcode === 0xd8 || opcode === 0xda ? 4 : opcode === 0xdc ? 8 : 2;
      const at = address(bytes, false);
      const operand =
        opcode === 0xd8 ? readFloat32(host, at) : opcode === 0xdc ? readFloat64(host, at) : opcode === 0xda ? host.read32(at) | 0 : (host.read16(at) << 16) >> 16;
      operandFromDouble(operand);
      fpu.check(0);
      arithmetic(fpu, reg, 0, fpu.exponentOf(0), fpu.mantissaOf(0), operandExponent, operandMantissa, false);
      return;
    }
    case 0xd9:
      switch (reg) {
        case 0:
          fpu.push(readFloat32(host, address(4, false)));
          return;
        case 2:
        case 3: {
          const at = address(4, true);
          fpu.check(0);
          math.flags = 0;
          writeFloat32(host, at, float80ToSingle(math, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.rounding));
          fpu.raise(math.flags);
          if (reg === 3) fpu.pop();
          return;
        }
        case 4:
          loadEnvironment(fpu, host, address(code32 ? 28 : 14, false), code32);
          return;
        case 5:
          fpu.control = host.read16(address(2, false));
          if ((fpu.status & ~fpu.control & 0x3f) !== 0) fpu.status |= STATUS_ES | 0x8000;
          else fpu.status &= ~(STATUS_ES | 0x8000);
          return;
        case 6:
          storeEnvironment(fpu, host, address(code32 ? 28 : 14, true), code32);
          fpu.control |= 0x3f;
          return;
        case 7:
          host.write16(address(2, true), fpu.control);
          return;
        default:
          host.x87Undefined();
      }
      return;
    case 0xdb:
      switch (reg) {
        case 0:
          fpu.push(host.read32(address(4, false)) | 0);
          return;
        case 2:
        case 3: {
          const at = address(4, true);
          host.write32(at, Number(storeInteger(fpu, 32)));
          if (reg === 3) fpu.pop();
          return;
        }
        case 5:
          readExtendedInto(fpu, host, address(10, false));
          fpu.pushExtended(math.resultExponent, math.resultMantissa);
          return;
        case 7:
          fpu.check(0);
          writeExtendedBits(host, address(10, true), fpu.exponentOf(0), fpu.mantissaOf(0));
          fpu.pop();
          return;
        default:
          host.x87Undefined(); // FISTTP is SSE3
      }
      return;
    case 0xdd:
      switch (reg) {
        case 0:
          fpu.push(readFloat64(host, address(8, false)));
          return;
        case 2:
        case 3: {
          const at = address(8, true);
          fpu.check(0);
          math.flags = 0;
          writeFloat64(host, at, float80ToDouble(math, fpu.exponentOf(0), fpu.mantissaOf(0), fpu.rounding));
          fpu.raise(math.flags);
          if (reg === 3) fpu.pop();
          return;
        }
        case 4: {
          const at = address(code32 ? 108 : 94, false);
          loadEnvironment(fpu, host, at, code32);
          const base = at + (code32 ? 28 : 14);
          const tags = fpu.tagWord;
          for (let i = 0; i < 8; i++) {
            readExtendedInto(fpu, host, base + i * 10);
            const index = (fpu.top + i) & 7;
            fpu.signExponent[index] = math.resultExponent;
            fpu.mantissa[index] = math.resultMantissa;
            fpu.registers[index] = float80ToDouble(math, math.resultExponent, math.resultMantissa, ROUND_NEAREST);
          }
          fpu.tagWord = tags;
          return;
        }
        case 6: {
          const at = address(code32 ? 108 : 94, true);
          host.x87ProbeWrite(at, code32 ? 108 : 94);
          storeEnvironment(fpu, host, at, code32);
          const base = at + (code32 ? 28 : 14);
          for (let i = 0; i < 8; i++) {
            const index = (fpu.top + i) & 7;
            writeExtendedBits(host, base + i * 10, fpu.signExponent[index], fpu.mantissa[index]);
          }
          fpu.reset();
          return;
        }
        case 7:
          host.write16(address(2, true), fpu.statusWord);
          return;
        default:
          host.x87Undefined();
      }
      return;
    default:
      // DF
      switch (reg) {
        case 0:
          fpu.push((host.read16(address(2, false)) << 16) >> 16);
          return;
        case 2:
        case 3: {
          const at = address(2, true);
          host.write16(at, Number(storeInteger(fpu, 16)) & 0xffff);
          if (reg === 3) fpu.pop();
          return;
        }
        case 4: {
          // FBLD: 18 BCD digits and a sign byte.
          const at = address(10, false);
          let value = 0n;
          for (let i = 8; i >= 0; i--) {
            const byte = host.read8(at + i);
            value = value * 100n + BigInt((byte >> 4) * 10 + (byte & 0xf));
          }
          math.fromInteger(value);
          fpu.pushExtended(math.resultExponent | (host.read8(at + 9) & 0x80) << 8, math.resultMantissa);
          return;
        }
        case 5: {
          const at = address(8, false);
          math.fromInteger((BigInt(host.read32(at + 4) | 0) << 32n) | BigInt(host.read32(at) >>> 0));
          fpu.pushExtended(math.resultExponent, math.resultMantissa);
          return;
        }
        case 6: {
          const at = address(10, true);
          host.x87ProbeWrite(at, 10);
          fpu.check(0);
          const exponent = fpu.exponentOf(0);
          math.flags = 0;
          let integer = (exponent & 0x7fff) === 0x7fff ? -1n : math.toInteger(exponent, fpu.mantissaOf(0), fpu.rounding);
          const negative = (exponent & 0x8000) !== 0;
          if (integer < 0n) integer = -integer;
          if ((exponent & 0x7fff) === 0x7fff || integer >= 10n ** 18n) {
            fpu.raise(STATUS_IE);
            for (let i = 0; i < 7; i++) host.write8(at + i, 0);
            host.write8(at + 7, 0xc0);
            host.write8(at + 8, 0xff);
            host.write8(at + 9, 0xff);
          } else {
            fpu.raise(math.flags);
            for (let i = 0; i < 9; i++) {
              const low = Number(integer % 10n);
              integer /= 10n;
              const high = Number(integer % 10n);
              integer /= 10n;
              host.write8(at + i, (high << 4) | low);
            }
            host.write8(at + 9, negative ? 0x80 : 0);
          }
          fpu.pop();
          return;
        }
        case 7: {
          const at = address(8, true);
          host.x87ProbeWrite(at, 8);
          const value = BigInt.asUintN(64, storeInteger(fpu, 64));
          host.write32(at, Number(value & 0xffffffffn));
          host.write32(at + 4, Number(value >> 32n));
          fpu.pop();
          return;
        }
        default:
          host.x87Undefined();
      }
  }
}

function storeEnvironment(fpu: X87, host: X87Host, at: number, code32: boolean): void {
  if (code32) {
    host.x87ProbeWrite(at, 28);
    // As QEMU stores it: reserved halves zero, no opcode beside FCS.
    host.write32(at, fpu.control);
    host.write32(at + 4, fpu.statusWord);
    host.write32(at + 8, fpu.tagWord);
    host.write32(at + 12, fpu.instructionPointer);
    host.write32(at + 16, fpu.instructionSelector & 0xffff);
    host.write32(at + 20, fpu.dataPointer);
    host.write32(at + 24, fpu.dataSelector & 0xffff);
  } else {
    host.x87ProbeWrite(at, 14);
    host.write16(at, fpu.control);
    host.write16(at + 2, fpu.statusWord);
    host.write16(at + 4, fpu.tagWord);
    host.write16(at + 6, fpu.instructionPointer);
    host.write16(at + 8, fpu.instructionSelector);
    host.write16(at + 10, fpu.dataPointer);
    host.write16(at + 12, fpu.dataSelector);
  }
}

function loadEnvironment(fpu: X87, host: X87Host, at: number, code32: boolean): void {
  const step = code32 ? 4 : 2;
  fpu.control = host.read16(at);
  fpu.statusWord = host.read16(at + step);
  fpu.tagWord = host.read16(at + 2 * step);
  if (code32) {
    fpu.instructionPointer = host.read32(at + 12);
    const selectorAndOpcode = host.read32(at + 16);
    fpu.instructionSelector = selectorAndOpcode & 0xffff;
    fpu.opcode = (selectorAndOpcode >>> 16) & 0x7ff;
    fpu.dataPointer = host.read32(at + 20);
    fpu.dataSelector = host.read16(at + 24);
  } else {
    fpu.instructionPointer = host.read16(at + 6);
    fpu.instructionSelector = host.read16(at + 8);
    fpu.dataPointer = host.read16(at + 10);
    fpu.dataSelector = host.read16(at + 12);
  }
  if ((fpu.status & ~fpu.control & 0x3f) !== 0) fpu.status |= STATUS_ES | 0x8000;
}
