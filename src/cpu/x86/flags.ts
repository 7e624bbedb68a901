// Lazy arithmetic flags, computed as QEMU's target/i386 cc_helper does (CC_OP_* with CC_DST,
// CC_SRC, CC_SRC2), so the defined flags match `qemu-i386 -cpu pentium3` bit for bit. An
// instruction records its operation, operand size and operands; a flag is computed only when read
// (Jcc, SETcc, PUSHF, ...). The other EFLAGS bits live in X86State.eflags.

import { Flag } from './state.js';

/** The operation that last set the arithmetic flags (QEMU's CC_OP_*). */
export const CcOp = {
  /** The flags are materialized in `src` (QEMU CC_OP_EFLAGS). */
  EFLAGS: 0,
  ADD: 1,
  ADC: 2,
  SUB: 3,
  SBB: 4,
  LOGIC: 5,
  /** `src2` holds the carry flag from before the INC/DEC. */
  INC: 6,
  DEC: 7,
  /** `src` is the operand shifted by count-1 (CF is its top bit). */
  SHL: 8,
  /** `src` is the operand shifted by count-1 (CF is its low bit); SHR uses it too. */
  SAR: 9,
  /** `src` is nonzero when the high half is significant (CF = OF). */
  MUL: 10,
} as const;

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = (bits & 1) === 0 ? Flag.PF : 0;
}

export class LazyFlags {
  op: number = CcOp.EFLAGS;
  /** Operand size in bits: 8, 16 or 32. */
  size = 32;
  /** The result (QEMU CC_DST). */
  dst = 0;
  /** The second operand or the op-specific value (QEMU CC_SRC). */
  src = 0;
  /** ADC/SBB: the carry in; INC/DEC: the previous CF (QEMU CC_SRC2). */
  src2 = 0;

  set(op: number, size: number, dst: number, src: number): void {
    this.op = op;
    this.size = size;
    this.dst = dst;
    this.src = src;
  }

  /** Replaces all six arithmetic flags by the bits of `flags`. */
  setAll(flags: number): void {
    this.op = CcOp.EFLAGS;
    this.src = flags & (Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF);
  }

  private mask(): number {
    return this.size === 32 ? -1 : (1 << this.size) - 1;
  }

  /** Sign bit of `value` at the operand size, as 0/1. */
  private sign(value: number): number {
    return (value >>> (this.size - 1)) & 1;
  }

  carry(): boolean {
    const m = this.mask();
    const dst = (this.dst & m) >>> 0;
    const src = (this.src & m) >>> 0;
    switch (this.op) {
      case CcOp.EFLAGS:
        return (this.src & Flag.CF) !== 0;
      case CcOp.ADD:
        return dst < ((this.dst - this.src) & m) >>> 0;
      case CcOp.ADC: {
        const src1 = ((this.dst - this.src - this.src2) & m) >>> 0;
        return this.src2 !== 0 ? dst <= src1 : dst < src1;
      }
      case CcOp.SUB:
        return ((this.dst + this.src) & m) >>> 0 < src;
      case CcOp.SBB: {
        const src1 = ((this.dst + this.src + this.src2) & m) >>> 0;
        return this.src2 !== 0 ? src1 <= src : src1 < src;
      }
      case CcOp.LOGIC:
        return false;
      case CcOp.INC:
      case CcOp.DEC:
        return this.src2 !== 0;
      case CcOp.SHL:
        return ((this.src >>> (this.size - 1)) & 1) !== 0;
      case CcOp.SAR:
        return (this.src & 1) !== 0;
      case CcOp.MUL:
        return this.src !== 0;
      default:
        return false;
    }
  }

  zero(): boolean {
    if (this.op === CcOp.EFLAGS) return (this.src & Flag.ZF) !== 0;
    return (this.dst & this.mask()) === 0;
  }

  signFlag(): boolean {
    if (this.op === CcOp.EFLAGS) return (this.src & Flag.SF) !== 0;
    return this.sign(this.dst) !== 0;
  }

  parity(): boolean {
    if (this.op === CcOp.EFLAGS) return (this.src & Flag.PF) !== 0;
    return PARITY[this.dst & 0xff] !== 0;
  }

  overflow(): boolean {
    const m = this.mask();
    switch (this.op) {
      case CcOp.EFLAGS:
        return (this.src & Flag.OF) !== 0;
      case CcOp.ADD: {
        const src1 = this.dst - this.src;
        return this.sign((src1 ^ this.src ^ -1) & (src1 ^ this.dst)) !== 0;
      }
      case CcOp.ADC: {
        const src1 = this.dst - this.src - this.src2;
        return this.sign((src1 ^ this.src ^ -1) & (src1 ^ this.dst)) !== 0;
      }
      case CcOp.SUB: {
        const src1 = this.dst + this.src;
        return this.sign((src1 ^ this.src) & (src1 ^ this.dst)) !== 0;
      }
      case CcOp.SBB: {
        const src1 = this.dst + this.src + this.src2;
        return this.sign((src1 ^ this.src) & (src1 ^ this.dst)) !== 0;
      }
      case CcOp.LOGIC:
        return false;
      case CcOp.INC:
        return ((this.dst & m) >>> 0) === (1 << (this.size - 1)) >>> 0;
      case CcOp.DEC:
        return ((this.dst & m) >>> 0) === ((1 << (this.size - 1)) >>> 0) - 1;
      case CcOp.SHL:
      case CcOp.SAR:
        return this.sign(this.src ^ this.dst) !== 0;
      case CcOp.MUL:
        return this.src !== 0;
      default:
        return false;
    }
  }

  adjust(): boolean {
    switch (this.op) {
      case CcOp.EFLAGS:
        return (this.src & Flag.AF) !== 0;
      case CcOp.ADD:
        return ((this.dst ^ (this.dst - this.src) ^ this.src) & 0x10) !== 0;
      case CcOp.ADC:
        return ((this.dst ^ (this.dst - this.src - this.src2) ^ this.src) & 0x10) !== 0;
      case CcOp.SUB:
        return ((this.dst ^ (this.dst + this.src) ^ this.src) & 0x10) !== 0;
      case CcOp.SBB:
        return ((this.dst ^ (this.dst + this.src + this.src2) ^ this.src) & 0x10) !== 0;
      case CcOp.INC:
        return ((this.dst ^ (this.dst - 1) ^ 1) & 0x10) !== 0;
      case CcOp.DEC:
        return ((this.dst ^ (this.dst + 1) ^ 1) & 0x10) !== 0;
      default:
        return false;
    }
  }

  /** The six arithmetic flags as EFLAGS bits. */
  compute(): number {
    if (this.op === CcOp.EFLAGS) return this.src;
    return (
      (this.carry() ? Flag.CF : 0) |
      (this.parity() ? Flag.PF : 0) |
      (this.adjust() ? Flag.AF : 0) |
      (this.zero() ? Flag.ZF : 0) |
      (this.signFlag() ? Flag.SF : 0) |
      (this.overflow() ? Flag.OF : 0)
    );
  }

  /** Materializes the flags, so an instruction can then change single bits. */
  materialize(): number {
    const flags = this.compute();
    this.op = CcOp.EFLAGS;
    this.src = flags;
    return flags;
  }

  /** Condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc; SDM 1, Appendix B). */
  condition(cc: number): boolean {
    if (this.op === CcOp.SUB) {
      // After CMP/SUB a, b: the operands, moved to the top of the word, compare directly.
      const shift = 32 - this.size;
      const b = this.src << shift;
      const a = (this.dst + this.src) << shift;
      let compared: boolean;
      switch (cc >> 1) {
        case 1:
          compared = a >>> 0 < b >>> 0;
          break;
        case 2:
          compared = a === b;
          break;
        case 3:
          compared = a >>> 0 <= b >>> 0;
          break;
        case 6:
          compared = a < b;
          break;
        case 7:
          compared = a <= b;
          break;
        default:
          return this.conditionFromFlags(cc);
      }
      return (cc & 1) !== 0 ? !compared : compared;
    }
    return this.conditionFromFlags(cc);
  }

  private conditionFromFlags(cc: number): boolean {
    let result: boolean;
    switch (cc >> 1) {
      case 0:
        result = this.overflow();
        break;
      case 1:
        result = this.carry();
        break;
      case 2:
        result = this.zero();
        break;
      case 3:
        result = this.carry() || this.zero();
        break;
      case 4:
        result = this.signFlag();
        break;
      case 5:
        result = this.parity();
        break;
      case 6:
        result = this.signFlag() !== this.overflow();
        break;
      default:
        result = this.zero() || this.signFlag() !== this.overflow();
        break;
    }
    return (cc & 1) !== 0 ? !result : result;
  }
}

export function parityFlag(value: number): number {
  return PARITY[value & 0xff];
}
