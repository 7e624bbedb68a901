// The Thumb instruction set (T16 and T32/Thumb-2 of ARMv7-A, ARM ARM DDI 0406C chapter A6 and the
// Thumb encodings of A8.8) as two tables of rows in the scheme of decode.ts: a bit pattern ('0'
// and '1' must match, letters are fields), the kind, the mnemonic and a Thumb operand form that
// says how the fields, at their Thumb positions, fill the same slots of a `DecodedInstruction` as
// the A32 forms do. So the interpreter executes a kind the same way whatever the instruction set;
// only the Thumb-only kinds (IT, CBZ/CBNZ, TBB/TBH) are new.
//
// Conventions of Thumb records beyond the A32 ones:
// - `size` is 2 (T16) or 4 (T32); `raw` is the halfword, or first << 16 | second.
// - `cond` is 14 except for the conditional branches (T16 B T1, T32 B T3); inside an IT block the
//   condition comes from ITSTATE at run time.
// - `s` = 3: the T16 rule "set the flags unless in an IT block" (A6.2), decided at run time.
// - PC-relative forms that use Align(PC, 4) (literal loads, ADR, BLX immediate) are decoded with
//   the alignment folded into `imm` (the executor adds it to PC = address + 4 as usual), which
//   the decoder can do because a record belongs to one page offset (`address` argument).
// - LDRD/STRD, LDREXD/STREXD: the second register (Rt2, free in Thumb) is in `ra`.
// - LDREX/STREX: the immediate offset (imm8 × 4) is in `imm`.
// - Halfword and signed loads/stores with a register offset shift it by `shiftAmount` (LSL).
// - The unprivileged forms (LDRT, STRHT...) decode as their offset form (P = 1, U = 1, W = 0:
//   Rn + imm8, no writeback) with `imm2` = 1 (A32 records have imm2 = 0 in the load/store kinds;
//   A32's unprivileged forms are P = 0, W = 1).
// - ORN is data-processing op 16 (no A32 counterpart).
// - SETEND: `raw` has E at bit 9, where the executor reads it in the A32 word.
// - Coprocessor, VFP and Advanced SIMD encodings are rewritten to the equivalent A32 word and
//   decoded by decodeA32, so `raw` is an A32 encoding for the coprocessors and their executors.

import { decodeA32, DecodedInstruction, Form, Kind, type KindValue, Shift, type TableEntry } from './decode.js';

/** Data-processing op numbers beyond the sixteen A32 ones (decode.ts DP_MNEMONICS). */
export const DP_ORN = 16;

/** How a Thumb row's fields fill the record. */
const ThumbForm = {
  NONE: 0,
  // T16
  SHIFT_IMM: 1,
  ADD_SUB_REG: 2,
  ADD_SUB_IMM3: 3,
  IMM8: 4,
  DP16: 5,
  HIGH: 6,
  BRANCH_REG: 7,
  LITERAL16: 8,
  LS_REG16: 9,
  LS_IMM16: 10,
  LS_SP: 11,
  ADR16: 12,
  ADD_SP16: 13,
  SP_ADJUST: 14,
  CBZ: 15,
  EXTEND16: 16,
  PUSH: 17,
  POP: 18,
  SETEND: 19,
  CPS16: 20,
  REV16: 21,
  IMM8_ONLY: 22,
  IT: 23,
  LDM16: 24,
  BRANCH_COND16: 25,
  BRANCH16: 26,
  // T32
  SRS: 30,
  LDM32: 31,
  EXCLUSIVE: 32,
  TABLE_BRANCH: 33,
  DUAL: 34,
  PKH: 35,
  DP_REG32: 36,
  DP_IMM32: 37,
  ADD_SUB_WIDE: 38,
  MOVW32: 39,
  SAT32: 40,
  BITFIELD32: 41,
  MSR32: 42,
  HINT32: 43,
  CPS32: 44,
  BXJ: 45,
  ERET: 46,
  MRS32: 47,
  BANKED32: 48,
  CALL_IMM16: 49,
  UDF32: 50,
  BRANCH_COND32: 51,
  BRANCH32: 52,
  LS32: 53,
  SHIFT_REG32: 54,
  EXTEND32: 55,
  PARALLEL32: 56,
  MISC32: 57,
  MUL32: 58,
  MUL_LONG32: 59,
  COPROCESSOR: 60,
  SIMD_DP: 61,
  SIMD_LS: 62,
  BARRIER32: 63,
} as const;

type ThumbFormValue = (typeof ThumbForm)[keyof typeof ThumbForm];

export interface ThumbEntry extends TableEntry {
  readonly thumbForm: ThumbFormValue;
  readonly bits: 16 | 32;
}

function thumbRow(pattern: string, kind: KindValue, mnemonic: string, thumbForm: ThumbFormValue, op = 0): ThumbEntry {
  const bits = pattern.replace(/ /g, '');
  if (bits.length !== 16 && bits.length !== 32) throw new Error(`Thumb table row ${mnemonic}: pattern ${pattern} is neither 16 nor 32 bits`);
  let mask = 0;
  let value = 0;
  for (let i = 0; i < bits.length; i++) {
    const bit = bits.length - 1 - i;
    const ch = bits[i];
    if (ch === '0' || ch === '1') {
      mask |= 1 << bit;
      if (ch === '1') value |= 1 << bit;
    }
  }
  return { mask: mask >>> 0, value: value >>> 0, kind, mnemonic, form: Form.NONE, op, thumbForm, bits: bits.length as 16 | 32 };
}

/** T16 (A6.2). Letters: d Rd, n Rn, m Rm, t Rt, i immediate, o opcode bits, c cond. */
export const T16_TABLE: readonly ThumbEntry[] = [
  // Shift (immediate), add, subtract, move and compare (A6.2.1).
  thumbRow('0001 100m mmnn nddd', Kind.DP_REG, 'adds', ThumbForm.ADD_SUB_REG, 4),
  thumbRow('0001 101m mmnn nddd', Kind.DP_REG, 'subs', ThumbForm.ADD_SUB_REG, 2),
  thumbRow('0001 110i iinn nddd', Kind.DP_IMM, 'adds', ThumbForm.ADD_SUB_IMM3, 4),
  thumbRow('0001 111i iinn nddd', Kind.DP_IMM, 'subs', ThumbForm.ADD_SUB_IMM3, 2),
  thumbRow('000o oiii iimm mddd', Kind.DP_REG, 'movs', ThumbForm.SHIFT_IMM),
  thumbRow('0010 0ddd iiii iiii', Kind.DP_IMM, 'movs', ThumbForm.IMM8, 13),
  thumbRow('0010 1nnn iiii iiii', Kind.DP_IMM, 'cmp', ThumbForm.IMM8, 10),
  thumbRow('0011 0ddd iiii iiii', Kind.DP_IMM, 'adds', ThumbForm.IMM8, 4),
  thumbRow('0011 1ddd iiii iiii', Kind.DP_IMM, 'subs', ThumbForm.IMM8, 2),
  // Data processing (A6.2.2): op = the A32 op, or the shift type for the register shifts.
  thumbRow('0100 0000 00mm mddd', Kind.DP_REG, 'ands', ThumbForm.DP16, 0),
  thumbRow('0100 0000 01mm mddd', Kind.DP_REG, 'eors', ThumbForm.DP16, 1),
  thumbRow('0100 0000 10mm mddd', Kind.DP_RSR, 'lsls', ThumbForm.DP16, Shift.LSL),
  thumbRow('0100 0000 11mm mddd', Kind.DP_RSR, 'lsrs', ThumbForm.DP16, Shift.LSR),
  thumbRow('0100 0001 00mm mddd', Kind.DP_RSR, 'asrs', ThumbForm.DP16, Shift.ASR),
  thumbRow('0100 0001 01mm mddd', Kind.DP_REG, 'adcs', ThumbForm.DP16, 5),
  thumbRow('0100 0001 10mm mddd', Kind.DP_REG, 'sbcs', ThumbForm.DP16, 6),
  thumbRow('0100 0001 11mm mddd', Kind.DP_RSR, 'rors', ThumbForm.DP16, Shift.ROR),
  thumbRow('0100 0010 00mm mddd', Kind.DP_REG, 'tst', ThumbForm.DP16, 8),
  thumbRow('0100 0010 01mm mddd', Kind.DP_IMM, 'negs', ThumbForm.DP16, 3),
  thumbRow('0100 0010 10mm mddd', Kind.DP_REG, 'cmp', ThumbForm.DP16, 10),
  thumbRow('0100 0010 11mm mddd', Kind.DP_REG, 'cmn', ThumbForm.DP16, 11),
  thumbRow('0100 0011 00mm mddd', Kind.DP_REG, 'orrs', ThumbForm.DP16, 12),
  thumbRow('0100 0011 01mm mddd', Kind.MUL, 'muls', ThumbForm.DP16),
  thumbRow('0100 0011 10mm mddd', Kind.DP_REG, 'bics', ThumbForm.DP16, 14),
  thumbRow('0100 0011 11mm mddd', Kind.DP_REG, 'mvns', ThumbForm.DP16, 15),
  // Special data instructions and branch and exchange (A6.2.3).
  thumbRow('0100 0100 dmmm mddd', Kind.DP_REG, 'add', ThumbForm.HIGH, 4),
  thumbRow('0100 0101 nmmm mnnn', Kind.DP_REG, 'cmp', ThumbForm.HIGH, 10),
  thumbRow('0100 0110 dmmm mddd', Kind.DP_REG, 'mov', ThumbForm.HIGH, 13),
  thumbRow('0100 0111 0mmm m000', Kind.BX, 'bx', ThumbForm.BRANCH_REG),
  thumbRow('0100 0111 1mmm m000', Kind.BLX_REG, 'blx', ThumbForm.BRANCH_REG),
  thumbRow('0100 1ttt iiii iiii', Kind.LS_IMM, 'ldr', ThumbForm.LITERAL16),
  // Load/store single data item (A6.2.4): op = the EXTRA op (L:op2) for halfwords and signed bytes.
  thumbRow('0101 000m mmnn nttt', Kind.LS_REG, 'str', ThumbForm.LS_REG16),
  thumbRow('0101 001m mmnn nttt', Kind.EXTRA_REG, 'strh', ThumbForm.LS_REG16, 1),
  thumbRow('0101 010m mmnn nttt', Kind.LS_REG, 'strb', ThumbForm.LS_REG16),
  thumbRow('0101 011m mmnn nttt', Kind.EXTRA_REG, 'ldrsb', ThumbForm.LS_REG16, 6),
  thumbRow('0101 100m mmnn nttt', Kind.LS_REG, 'ldr', ThumbForm.LS_REG16),
  thumbRow('0101 101m mmnn nttt', Kind.EXTRA_REG, 'ldrh', ThumbForm.LS_REG16, 5),
  thumbRow('0101 110m mmnn nttt', Kind.LS_REG, 'ldrb', ThumbForm.LS_REG16),
  thumbRow('0101 111m mmnn nttt', Kind.EXTRA_REG, 'ldrsh', ThumbForm.LS_REG16, 7),
  thumbRow('0110 0iii iinn nttt', Kind.LS_IMM, 'str', ThumbForm.LS_IMM16, 4),
  thumbRow('0110 1iii iinn nttt', Kind.LS_IMM, 'ldr', ThumbForm.LS_IMM16, 4),
  thumbRow('0111 0iii iinn nttt', Kind.LS_IMM, 'strb', ThumbForm.LS_IMM16, 1),
  thumbRow('0111 1iii iinn nttt', Kind.LS_IMM, 'ldrb', ThumbForm.LS_IMM16, 1),
  thumbRow('1000 0iii iinn nttt', Kind.EXTRA_IMM, 'strh', ThumbForm.LS_IMM16, 2),
  thumbRow('1000 1iii iinn nttt', Kind.EXTRA_IMM, 'ldrh', ThumbForm.LS_IMM16, 2),
  thumbRow('1001 0ttt iiii iiii', Kind.LS_IMM, 'str', ThumbForm.LS_SP),
  thumbRow('1001 1ttt iiii iiii', Kind.LS_IMM, 'ldr', ThumbForm.LS_SP),
  thumbRow('1010 0ddd iiii iiii', Kind.DP_IMM, 'adr', ThumbForm.ADR16),
  thumbRow('1010 1ddd iiii iiii', Kind.DP_IMM, 'add', ThumbForm.ADD_SP16),
  // Miscellaneous 16-bit instructions (A6.2.5).
  thumbRow('1011 0000 0iii iiii', Kind.DP_IMM, 'add', ThumbForm.SP_ADJUST, 4),
  thumbRow('1011 0000 1iii iiii', Kind.DP_IMM, 'sub', ThumbForm.SP_ADJUST, 2),
  thumbRow('1011 00i1 iiii innn', Kind.CBZ, 'cbz', ThumbForm.CBZ, 0),
  thumbRow('1011 10i1 iiii innn', Kind.CBZ, 'cbnz', ThumbForm.CBZ, 1),
  thumbRow('1011 0010 00mm mddd', Kind.EXTEND, 'sxth', ThumbForm.EXTEND16, 7),
  thumbRow('1011 0010 01mm mddd', Kind.EXTEND, 'sxtb', ThumbForm.EXTEND16, 6),
  thumbRow('1011 0010 10mm mddd', Kind.EXTEND, 'uxth', ThumbForm.EXTEND16, 3),
  thumbRow('1011 0010 11mm mddd', Kind.EXTEND, 'uxtb', ThumbForm.EXTEND16, 2),
  thumbRow('1011 010M rrrr rrrr', Kind.LDM_STM, 'push', ThumbForm.PUSH),
  thumbRow('1011 0110 0101 E000', Kind.SETEND, 'setend', ThumbForm.SETEND),
  thumbRow('1011 0110 011I 0AIF', Kind.CPS, 'cps', ThumbForm.CPS16),
  thumbRow('1011 1010 00mm mddd', Kind.REV, 'rev', ThumbForm.REV16),
  thumbRow('1011 1010 01mm mddd', Kind.REV16, 'rev16', ThumbForm.REV16),
  thumbRow('1011 1010 11mm mddd', Kind.REVSH, 'revsh', ThumbForm.REV16),
  thumbRow('1011 110P rrrr rrrr', Kind.LDM_STM, 'pop', ThumbForm.POP),
  thumbRow('1011 1110 iiii iiii', Kind.BKPT, 'bkpt', ThumbForm.IMM8_ONLY),
  // If-Then and hints (A6.2.5, table A6-10).
  thumbRow('1011 1111 0000 0000', Kind.HINT, 'nop', ThumbForm.NONE, 0),
  thumbRow('1011 1111 0001 0000', Kind.HINT, 'yield', ThumbForm.NONE, 1),
  thumbRow('1011 1111 0010 0000', Kind.HINT, 'wfe', ThumbForm.NONE, 2),
  thumbRow('1011 1111 0011 0000', Kind.HINT, 'wfi', ThumbForm.NONE, 3),
  thumbRow('1011 1111 0100 0000', Kind.HINT, 'sev', ThumbForm.NONE, 4),
  thumbRow('1011 1111 iiii 0000', Kind.HINT, 'nop', ThumbForm.NONE, 0x100),
  thumbRow('1011 1111 cccc mmmm', Kind.IT, 'it', ThumbForm.IT),
  // Load/store multiple, conditional branch, SVC, UDF, unconditional branch (A6.2.6, A6.2.7).
  thumbRow('1100 0nnn rrrr rrrr', Kind.LDM_STM, 'stmia', ThumbForm.LDM16),
  thumbRow('1100 1nnn rrrr rrrr', Kind.LDM_STM, 'ldmia', ThumbForm.LDM16),
  thumbRow('1101 1110 iiii iiii', Kind.UDF, 'udf', ThumbForm.IMM8_ONLY),
  thumbRow('1101 1111 iiii iiii', Kind.SVC, 'svc', ThumbForm.IMM8_ONLY),
  thumbRow('1101 cccc iiii iiii', Kind.B, 'b', ThumbForm.BRANCH_COND16),
  thumbRow('1110 0iii iiii iiii', Kind.B, 'b', ThumbForm.BRANCH16),
];

/** T32 (A6.3): the first halfword's pattern, then the second's. */
export const T32_TABLE: readonly ThumbEntry[] = [
  // Load/store multiple, SRS/RFE (A6.3.5).
  thumbRow('1110 1000 00W0 1101 1100 0000 000m mmmm', Kind.SRS, 'srsdb', ThumbForm.SRS),
  thumbRow('1110 1001 10W0 1101 1100 0000 000m mmmm', Kind.SRS, 'srsia', ThumbForm.SRS),
  thumbRow('1110 1000 00W1 nnnn 1100 0000 0000 0000', Kind.RFE, 'rfedb', ThumbForm.SRS),
  thumbRow('1110 1001 10W1 nnnn 1100 0000 0000 0000', Kind.RFE, 'rfeia', ThumbForm.SRS),
  thumbRow('1110 1000 10WL nnnn rrrr rrrr rrrr rrrr', Kind.LDM_STM, 'ldm', ThumbForm.LDM32),
  thumbRow('1110 1001 00WL nnnn rrrr rrrr rrrr rrrr', Kind.LDM_STM, 'ldmdb', ThumbForm.LDM32),
  // Load/store dual, exclusive, table branch (A6.3.6): op = access size.
  thumbRow('1110 1000 0100 nnnn tttt dddd iiii iiii', Kind.STREX, 'strex', ThumbForm.EXCLUSIVE, 4),
  thumbRow('1110 1000 0101 nnnn tttt 1111 iiii iiii', Kind.LDREX, 'ldrex', ThumbForm.EXCLUSIVE, 4),
  thumbRow('1110 1000 1100 nnnn tttt 1111 0100 dddd', Kind.STREX, 'strexb', ThumbForm.EXCLUSIVE, 1),
  thumbRow('1110 1000 1100 nnnn tttt 1111 0101 dddd', Kind.STREX, 'strexh', ThumbForm.EXCLUSIVE, 2),
  thumbRow('1110 1000 1100 nnnn tttt TTTT 0111 dddd', Kind.STREX, 'strexd', ThumbForm.EXCLUSIVE, 8),
  thumbRow('1110 1000 1101 nnnn 1111 0000 0000 mmmm', Kind.TBB, 'tbb', ThumbForm.TABLE_BRANCH, 1),
  thumbRow('1110 1000 1101 nnnn 1111 0000 0001 mmmm', Kind.TBB, 'tbh', ThumbForm.TABLE_BRANCH, 2),
  thumbRow('1110 1000 1101 nnnn tttt 1111 0100 1111', Kind.LDREX, 'ldrexb', ThumbForm.EXCLUSIVE, 1),
  thumbRow('1110 1000 1101 nnnn tttt 1111 0101 1111', Kind.LDREX, 'ldrexh', ThumbForm.EXCLUSIVE, 2),
  thumbRow('1110 1000 1101 nnnn tttt TTTT 0111 1111', Kind.LDREX, 'ldrexd', ThumbForm.EXCLUSIVE, 8),
  thumbRow('1110 1001 U1W0 nnnn tttt TTTT iiii iiii', Kind.EXTRA_IMM, 'strd', ThumbForm.DUAL, 3),
  thumbRow('1110 1000 U110 nnnn tttt TTTT iiii iiii', Kind.EXTRA_IMM, 'strd', ThumbForm.DUAL, 3),
  thumbRow('1110 1001 U1W1 nnnn tttt TTTT iiii iiii', Kind.EXTRA_IMM, 'ldrd', ThumbForm.DUAL, 2),
  thumbRow('1110 1000 U111 nnnn tttt TTTT iiii iiii', Kind.EXTRA_IMM, 'ldrd', ThumbForm.DUAL, 2),
  // Data processing (shifted register) (A6.3.11).
  thumbRow('1110 1010 1100 nnnn 0iii dddd iiT0 mmmm', Kind.PKH, 'pkh', ThumbForm.PKH),
  thumbRow('1110 101o oooS nnnn 0iii dddd iitt mmmm', Kind.DP_REG, '', ThumbForm.DP_REG32),
  // Coprocessor, VFP and Advanced SIMD (A6.3.18, A7.4, A7.5): the A32 word with cond 1110 or 1111.
  thumbRow('111U 1111 xxxx xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, '', ThumbForm.SIMD_DP),
  thumbRow('1111 1001 xxx0 xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, '', ThumbForm.SIMD_LS),
  thumbRow('111T 11xx xxxx xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, '', ThumbForm.COPROCESSOR),
  // Branches and miscellaneous control (A6.3.4).
  thumbRow('1111 0011 100R nnnn 1000 mmmm 0000 0000', Kind.MSR_REG, 'msr', ThumbForm.MSR32),
  thumbRow('1111 0011 100R nnnn 1000 mmmm 001m 0000', Kind.MSR_BANKED, 'msr', ThumbForm.BANKED32),
  thumbRow('1111 0011 1010 1111 1000 0000 0000 0000', Kind.HINT, 'nop.w', ThumbForm.NONE, 0),
  thumbRow('1111 0011 1010 1111 1000 0000 0000 0001', Kind.HINT, 'yield.w', ThumbForm.NONE, 1),
  thumbRow('1111 0011 1010 1111 1000 0000 0000 0010', Kind.HINT, 'wfe.w', ThumbForm.NONE, 2),
  thumbRow('1111 0011 1010 1111 1000 0000 0000 0011', Kind.HINT, 'wfi.w', ThumbForm.NONE, 3),
  thumbRow('1111 0011 1010 1111 1000 0000 0000 0100', Kind.HINT, 'sev.w', ThumbForm.NONE, 4),
  thumbRow('1111 0011 1010 1111 1000 0000 1111 iiii', Kind.HINT, 'dbg', ThumbForm.HINT32, 0xf0),
  thumbRow('1111 0011 1010 1111 1000 0000 iiii iiii', Kind.HINT, 'nop.w', ThumbForm.NONE, 0x100),
  thumbRow('1111 0011 1010 1111 1000 0ooM AIFm mmmm', Kind.CPS, 'cps', ThumbForm.CPS32),
  thumbRow('1111 0011 1011 1111 1000 1111 0010 1111', Kind.CLREX, 'clrex', ThumbForm.NONE),
  thumbRow('1111 0011 1011 1111 1000 1111 0100 oooo', Kind.BARRIER, 'dsb', ThumbForm.BARRIER32, 0),
  thumbRow('1111 0011 1011 1111 1000 1111 0101 oooo', Kind.BARRIER, 'dmb', ThumbForm.BARRIER32, 1),
  thumbRow('1111 0011 1011 1111 1000 1111 0110 oooo', Kind.BARRIER, 'isb', ThumbForm.BARRIER32, 2),
  // BXJ: BX on a core with the trivial Jazelle implementation (A8.8.28).
  thumbRow('1111 0011 1100 mmmm 1000 1111 0000 0000', Kind.BX, 'bxj', ThumbForm.BXJ),
  thumbRow('1111 0011 1101 1110 1000 1111 iiii iiii', Kind.DP_IMM, 'subs', ThumbForm.ERET),
  thumbRow('1111 0011 111R 1111 1000 dddd 0000 0000', Kind.MRS, 'mrs', ThumbForm.MRS32),
  thumbRow('1111 0011 111R mmmm 1000 dddd 001m 0000', Kind.MRS_BANKED, 'mrs', ThumbForm.BANKED32),
  thumbRow('1111 0111 1111 iiii 1000 0000 0000 0000', Kind.SMC, 'smc', ThumbForm.CALL_IMM16),
  thumbRow('1111 0111 1110 iiii 1000 iiii iiii iiii', Kind.HVC, 'hvc', ThumbForm.CALL_IMM16),
  thumbRow('1111 0111 1111 iiii 1010 iiii iiii iiii', Kind.UDF, 'udf.w', ThumbForm.UDF32),
  thumbRow('1111 0x11 1xxx xxxx 10x0 xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', ThumbForm.NONE),
  thumbRow('1111 0Scc ccii iiii 10J0 Jiii iiii iiii', Kind.B, 'b', ThumbForm.BRANCH_COND32),
  thumbRow('1111 0Sii iiii iiii 10J1 Jiii iiii iiii', Kind.B, 'b.w', ThumbForm.BRANCH32),
  thumbRow('1111 0Sii iiii iiii 11J1 Jiii iiii iiii', Kind.BL, 'bl', ThumbForm.BRANCH32),
  thumbRow('1111 0Sii iiii iiii 11J0 Jiii iiii iii0', Kind.BLX_IMM, 'blx', ThumbForm.BRANCH32),
  // Data processing (plain binary immediate) (A6.3.3).
  thumbRow('1111 0i10 0000 nnnn 0iii dddd iiii iiii', Kind.DP_IMM, 'addw', ThumbForm.ADD_SUB_WIDE, 4),
  thumbRow('1111 0i10 1010 nnnn 0iii dddd iiii iiii', Kind.DP_IMM, 'subw', ThumbForm.ADD_SUB_WIDE, 2),
  thumbRow('1111 0i10 0100 iiii 0iii dddd iiii iiii', Kind.MOVW, 'movw', ThumbForm.MOVW32),
  thumbRow('1111 0i10 1100 iiii 0iii dddd iiii iiii', Kind.MOVT, 'movt', ThumbForm.MOVW32),
  thumbRow('1111 0011 0010 nnnn 0000 dddd 0000 iiii', Kind.SSAT16, 'ssat16', ThumbForm.SAT32),
  thumbRow('1111 0011 00s0 nnnn 0iii dddd ii0i iiii', Kind.SSAT, 'ssat', ThumbForm.SAT32),
  thumbRow('1111 0011 1010 nnnn 0000 dddd 0000 iiii', Kind.USAT16, 'usat16', ThumbForm.SAT32),
  thumbRow('1111 0011 10s0 nnnn 0iii dddd ii0i iiii', Kind.USAT, 'usat', ThumbForm.SAT32),
  thumbRow('1111 0011 0100 nnnn 0iii dddd ii0w wwww', Kind.SBFX, 'sbfx', ThumbForm.BITFIELD32),
  thumbRow('1111 0011 1100 nnnn 0iii dddd ii0w wwww', Kind.UBFX, 'ubfx', ThumbForm.BITFIELD32),
  thumbRow('1111 0011 0110 1111 0iii dddd ii0m mmmm', Kind.BFC, 'bfc', ThumbForm.BITFIELD32),
  thumbRow('1111 0011 0110 nnnn 0iii dddd ii0m mmmm', Kind.BFI, 'bfi', ThumbForm.BITFIELD32),
  thumbRow('1111 0x1x xxxx xxxx 0xxx xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', ThumbForm.NONE),
  // Data processing (modified immediate) (A6.3.1).
  thumbRow('1111 0i0o oooS nnnn 0iii dddd iiii iiii', Kind.DP_IMM, '', ThumbForm.DP_IMM32),
  // Loads and stores of single items (A6.3.7-A6.3.10); preloads are loads to the PC of bytes/halfwords.
  thumbRow('1111 100x x0x1 xxxx 1111 xxxx xxxx xxxx', Kind.PRELOAD, 'pld', ThumbForm.LS32),
  thumbRow('1111 1000 x000 nnnn tttt xxxx xxxx xxxx', Kind.LS_IMM, 'strb', ThumbForm.LS32),
  thumbRow('1111 1000 x010 nnnn tttt xxxx xxxx xxxx', Kind.EXTRA_IMM, 'strh', ThumbForm.LS32, 1),
  thumbRow('1111 1000 x100 nnnn tttt xxxx xxxx xxxx', Kind.LS_IMM, 'str', ThumbForm.LS32),
  thumbRow('1111 1000 x001 nnnn tttt xxxx xxxx xxxx', Kind.LS_IMM, 'ldrb', ThumbForm.LS32),
  thumbRow('1111 1000 x011 nnnn tttt xxxx xxxx xxxx', Kind.EXTRA_IMM, 'ldrh', ThumbForm.LS32, 5),
  thumbRow('1111 1000 x101 nnnn tttt xxxx xxxx xxxx', Kind.LS_IMM, 'ldr', ThumbForm.LS32),
  thumbRow('1111 1001 x001 nnnn tttt xxxx xxxx xxxx', Kind.EXTRA_IMM, 'ldrsb', ThumbForm.LS32, 6),
  thumbRow('1111 1001 x011 nnnn tttt xxxx xxxx xxxx', Kind.EXTRA_IMM, 'ldrsh', ThumbForm.LS32, 7),
  // Data processing (register) (A6.3.12): shifts, extends, parallel add/subtract, miscellaneous.
  thumbRow('1111 1010 0ttS nnnn 1111 dddd 0000 mmmm', Kind.DP_RSR, '', ThumbForm.SHIFT_REG32),
  thumbRow('1111 1010 0000 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'sxtah', ThumbForm.EXTEND32, 7),
  thumbRow('1111 1010 0001 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'uxtah', ThumbForm.EXTEND32, 3),
  thumbRow('1111 1010 0010 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'sxtab16', ThumbForm.EXTEND32, 4),
  thumbRow('1111 1010 0011 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'uxtab16', ThumbForm.EXTEND32, 0),
  thumbRow('1111 1010 0100 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'sxtab', ThumbForm.EXTEND32, 6),
  thumbRow('1111 1010 0101 nnnn 1111 dddd 10rr mmmm', Kind.EXTEND, 'uxtab', ThumbForm.EXTEND32, 2),
  thumbRow('1111 1010 1ooo nnnn 1111 dddd 0ppp mmmm', Kind.PARALLEL, '', ThumbForm.PARALLEL32),
  thumbRow('1111 1010 1000 nnnn 1111 dddd 1000 mmmm', Kind.QADDSUB, 'qadd', ThumbForm.MISC32, 0),
  thumbRow('1111 1010 1000 nnnn 1111 dddd 1001 mmmm', Kind.QADDSUB, 'qdadd', ThumbForm.MISC32, 2),
  thumbRow('1111 1010 1000 nnnn 1111 dddd 1010 mmmm', Kind.QADDSUB, 'qsub', ThumbForm.MISC32, 1),
  thumbRow('1111 1010 1000 nnnn 1111 dddd 1011 mmmm', Kind.QADDSUB, 'qdsub', ThumbForm.MISC32, 3),
  thumbRow('1111 1010 1001 nnnn 1111 dddd 1000 mmmm', Kind.REV, 'rev.w', ThumbForm.MISC32),
  thumbRow('1111 1010 1001 nnnn 1111 dddd 1001 mmmm', Kind.REV16, 'rev16.w', ThumbForm.MISC32),
  thumbRow('1111 1010 1001 nnnn 1111 dddd 1010 mmmm', Kind.RBIT, 'rbit', ThumbForm.MISC32),
  thumbRow('1111 1010 1001 nnnn 1111 dddd 1011 mmmm', Kind.REVSH, 'revsh.w', ThumbForm.MISC32),
  thumbRow('1111 1010 1010 nnnn 1111 dddd 1000 mmmm', Kind.SEL, 'sel', ThumbForm.MISC32),
  thumbRow('1111 1010 1011 nnnn 1111 dddd 1000 mmmm', Kind.CLZ, 'clz', ThumbForm.MISC32),
  // Multiply, multiply accumulate, absolute difference (A6.3.16): op = the A32 form's op.
  thumbRow('1111 1011 0000 nnnn aaaa dddd 0000 mmmm', Kind.MLA, 'mla', ThumbForm.MUL32),
  thumbRow('1111 1011 0000 nnnn aaaa dddd 0001 mmmm', Kind.MLS, 'mls', ThumbForm.MUL32),
  thumbRow('1111 1011 0001 nnnn aaaa dddd 00NM mmmm', Kind.SMLA_XY, 'smla', ThumbForm.MUL32),
  thumbRow('1111 1011 0010 nnnn aaaa dddd 000M mmmm', Kind.SMLAD, 'smlad', ThumbForm.MUL32),
  thumbRow('1111 1011 0011 nnnn aaaa dddd 000M mmmm', Kind.SMLAW_Y, 'smlaw', ThumbForm.MUL32),
  thumbRow('1111 1011 0100 nnnn aaaa dddd 000M mmmm', Kind.SMLSD, 'smlsd', ThumbForm.MUL32),
  thumbRow('1111 1011 0101 nnnn aaaa dddd 000R mmmm', Kind.SMMLA, 'smmla', ThumbForm.MUL32),
  thumbRow('1111 1011 0110 nnnn aaaa dddd 000R mmmm', Kind.SMMLS, 'smmls', ThumbForm.MUL32),
  thumbRow('1111 1011 0111 nnnn aaaa dddd 0000 mmmm', Kind.USADA8, 'usada8', ThumbForm.MUL32),
  // Long multiply, long multiply accumulate, divide (A6.3.17).
  thumbRow('1111 1011 1000 nnnn llll hhhh 0000 mmmm', Kind.SMULL, 'smull', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1001 nnnn 1111 dddd 1111 mmmm', Kind.SDIV, 'sdiv', ThumbForm.MUL32),
  thumbRow('1111 1011 1010 nnnn llll hhhh 0000 mmmm', Kind.UMULL, 'umull', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1011 nnnn 1111 dddd 1111 mmmm', Kind.UDIV, 'udiv', ThumbForm.MUL32),
  thumbRow('1111 1011 1100 nnnn llll hhhh 0000 mmmm', Kind.SMLAL, 'smlal', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1100 nnnn llll hhhh 10NM mmmm', Kind.SMLAL_XY, 'smlal', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1100 nnnn llll hhhh 110M mmmm', Kind.SMLALD, 'smlald', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1101 nnnn llll hhhh 110M mmmm', Kind.SMLSLD, 'smlsld', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1110 nnnn llll hhhh 0000 mmmm', Kind.UMLAL, 'umlal', ThumbForm.MUL_LONG32),
  thumbRow('1111 1011 1110 nnnn llll hhhh 0110 mmmm', Kind.UMAAL, 'umaal', ThumbForm.MUL_LONG32),
];

const UNDEFINED_THUMB: ThumbEntry = thumbRow('xxxx xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', ThumbForm.NONE);

/** T16 rows per top byte; T32 rows per first[11:4] and second[15:12] (the bits A6.3 decodes on first). */
const T16_BUCKETS: ThumbEntry[][] = [];
for (let key = 0; key < 256; key++) T16_BUCKETS.push(T16_TABLE.filter((entry) => ((entry.value ^ (key << 8)) & entry.mask & 0xff00) === 0));
const T32_BUCKETS: ThumbEntry[][] = [];
for (let key = 0; key < 4096; key++) {
  const probe = (((key >>> 4) & 0xff) << 20) | ((key & 0xf) << 12);
  T32_BUCKETS.push(T32_TABLE.filter((entry) => ((entry.value ^ probe) & entry.mask & 0x0ff0f000) === 0));
}

/** Whether a first halfword starts a 32-bit instruction (A6.1: bits 15:11 = 11101, 11110, 11111). */
export function isThumb32(first: number): boolean {
  return (first & 0xffff) >>> 11 >= 0x1d;
}

/** Finds the row of a Thumb instruction (`second` is ignored for T16). */
export function findThumbEntry(first: number, second: number): ThumbEntry {
  if (!isThumb32(first)) {
    const bucket = T16_BUCKETS[(first >>> 8) & 0xff];
    for (let k = 0; k < bucket.length; k++) {
      const entry = bucket[k];
      if ((first & entry.mask) === entry.value) return entry;
    }
    return UNDEFINED_THUMB;
  }
  const word = (((first & 0xffff) << 16) | (second & 0xffff)) >>> 0;
  const bucket = T32_BUCKETS[(((word >>> 20) & 0xff) << 4) | ((word >>> 12) & 0xf)];
  for (let k = 0; k < bucket.length; k++) {
    const entry = bucket[k];
    if (((word & entry.mask) >>> 0) === entry.value) return entry;
  }
  return UNDEFINED_THUMB;
}

/** ThumbExpandImm_C (A6.3.2): fills imm and immCarry (-1: C unchanged). */
function thumbExpandImmediate(imm12: number, into: DecodedInstruction): void {
  const imm8 = imm12 & 0xff;
  if ((imm12 & 0xc00) === 0) {
    switch ((imm12 >>> 8) & 3) {
      case 0:
        into.imm = imm8;
        break;
      case 1:
        into.imm = (imm8 << 16) | imm8;
        break;
      case 2:
        into.imm = (imm8 << 24) | (imm8 << 8);
        break;
      default:
        into.imm = (imm8 << 24) | (imm8 << 16) | (imm8 << 8) | imm8;
    }
    into.immCarry = -1;
    return;
  }
  const unrotated = 0x80 | (imm12 & 0x7f);
  const rotation = (imm12 >>> 7) & 0x1f;
  into.imm = (unrotated >>> rotation) | (unrotated << (32 - rotation));
  into.immCarry = into.imm >>> 31;
}

/** DecodeImmShift (A8.4.1) into shiftType/shiftAmount. */
function decodeImmShift(type: number, amount: number, into: DecodedInstruction): void {
  into.shiftType = type;
  into.shiftAmount = amount;
  if (type === Shift.ROR && amount === 0) into.shiftType = Shift.RRX;
  else if ((type === Shift.LSR || type === Shift.ASR) && amount === 0) into.shiftAmount = 32;
}

/** T32 data-processing op (A6.3.1, A6.3.11) → A32 op number (or ORN), -1 when unallocated. */
const T32_DP_OPS = [0, 14, 12, DP_ORN, 1, -1, -1, -1, 4, -1, 5, 6, -1, 2, 3, -1];

/** Sets the T32 data-processing op and its special cases: TST/TEQ/CMP/CMN (Rd = PC, S), MOV/MVN (Rn = PC). */
function thumbDataProcessing(t32op: number, into: DecodedInstruction): void {
  let op = T32_DP_OPS[t32op];
  if (op < 0) {
    into.kind = Kind.UNDEFINED;
    return;
  }
  if (into.rd === 15 && into.s === 1 && (op === 0 || op === 1 || op === 2 || op === 4)) op = op === 0 ? 8 : op === 1 ? 9 : op === 2 ? 10 : 11;
  else if (into.rn === 15 && (op === 12 || op === DP_ORN)) op = op === 12 ? 13 : 15;
  into.op = op;
}

/** T32 parallel add/subtract: op1 (first[6:4]) → the A32 operation, op2 (second[6:4]) → the A32 prefix. */
const PARALLEL_OPERATION = [4, 0, 1, -1, 7, 3, 2, -1];
const PARALLEL_PREFIX = [1, 2, 3, -1, 5, 6, 7, -1];

/** Rewrites a coprocessor/VFP/SIMD T32 word to A32 and decodes it with the A32 table. */
function decodeAsA32(word: number, into: DecodedInstruction): void {
  decodeA32(word >>> 0, into);
  into.size = 4;
}

/**
 * Decodes a Thumb instruction at `address` (only bit 1 matters: Align(PC, 4) is folded into the
 * PC-relative forms): `first` is the halfword at the address, `second` the next one (ignored for
 * T16). Fills `into` (reset first) and returns it.
 */
export function decodeThumb(first: number, second: number, into: DecodedInstruction, address = 0): DecodedInstruction {
  first &= 0xffff;
  second &= 0xffff;
  const wide = isThumb32(first);
  const entry = findThumbEntry(first, second);
  const word = wide ? ((first << 16) | second) >>> 0 : first;
  into.kind = entry.kind;
  into.entry = entry;
  into.raw = word;
  into.size = wide ? 4 : 2;
  into.cond = 14;
  into.op = entry.op;
  into.rd = 0;
  into.rn = 0;
  into.rm = 0;
  into.rs = 0;
  into.ra = 0;
  into.imm = 0;
  into.imm2 = 0;
  into.immCarry = -1;
  into.shiftType = 0;
  into.shiftAmount = 0;
  into.s = 0;
  into.p = 1;
  into.u = 1;
  into.w = 0;
  into.l = 0;
  into.b = 0;
  /** Align(PC, 4) - PC for this address: 0 or -2. */
  const align = -(address & 2);
  const low3 = first & 7;
  const mid3 = (first >>> 3) & 7;
  switch (entry.thumbForm) {
    case ThumbForm.NONE:
      break;
    // ------------------------------------------------------------ T16
    case ThumbForm.SHIFT_IMM:
      into.op = 13;
      into.rd = low3;
      into.rm = mid3;
      into.s = 3;
      decodeImmShift((first >>> 11) & 3, (first >>> 6) & 0x1f, into);
      break;
    case ThumbForm.ADD_SUB_REG:
      into.rd = low3;
      into.rn = mid3;
      into.rm = (first >>> 6) & 7;
      into.s = 3;
      break;
    case ThumbForm.ADD_SUB_IMM3:
      into.rd = low3;
      into.rn = mid3;
      into.imm = (first >>> 6) & 7;
      into.s = 3;
      break;
    case ThumbForm.IMM8:
      into.rd = (first >>> 8) & 7;
      into.rn = into.rd;
      into.imm = first & 0xff;
      into.s = entry.op === 10 ? 1 : 3;
      break;
    case ThumbForm.DP16:
      into.rd = low3;
      into.rn = low3;
      into.rm = mid3;
      into.s = 3;
      if (entry.kind === Kind.DP_RSR) {
        // LSL/LSR/ASR/ROR Rdn, Rm: MOV Rdn, Rdn, <shift> Rm.
        into.op = 13;
        into.shiftType = entry.op;
        into.rm = low3;
        into.rs = mid3;
      } else if (entry.kind === Kind.DP_IMM) {
        // NEG: RSBS Rd, Rn, #0.
        into.rn = mid3;
        into.imm = 0;
      } else if (entry.kind === Kind.MUL) {
        into.rn = mid3;
        into.rm = low3;
      } else if (entry.op >= 8 && entry.op <= 11) {
        into.s = 1;
      }
      break;
    case ThumbForm.HIGH:
      into.rd = ((first >>> 4) & 8) | low3;
      into.rn = into.rd;
      into.rm = (first >>> 3) & 0xf;
      into.s = entry.op === 10 ? 1 : 0;
      break;
    case ThumbForm.BRANCH_REG:
      into.rm = (first >>> 3) & 0xf;
      break;
    case ThumbForm.LITERAL16:
      into.l = 1;
      into.rd = (first >>> 8) & 7;
      into.rn = 15;
      into.imm = (first & 0xff) * 4 + align;
      break;
    case ThumbForm.LS_REG16:
      into.rd = low3;
      into.rn = mid3;
      into.rm = (first >>> 6) & 7;
      // opB (bits 11:9): STR STRH STRB LDRSB LDR LDRH LDRB LDRSH.
      into.l = ((first >>> 9) & 7) >= 3 ? 1 : 0;
      into.b = ((first >>> 9) & 3) === 2 ? 1 : 0;
      break;
    case ThumbForm.LS_IMM16:
      into.rd = low3;
      into.rn = mid3;
      into.l = (first >>> 11) & 1;
      into.imm = ((first >>> 6) & 0x1f) * entry.op;
      if (entry.kind === Kind.LS_IMM) {
        into.b = entry.op === 1 ? 1 : 0;
        into.op = 0;
      } else into.op = into.l ? 5 : 1;
      break;
    case ThumbForm.LS_SP:
      into.rd = (first >>> 8) & 7;
      into.rn = 13;
      into.l = (first >>> 11) & 1;
      into.imm = (first & 0xff) * 4;
      break;
    case ThumbForm.ADR16:
      into.op = 4;
      into.rd = (first >>> 8) & 7;
      into.rn = 15;
      into.imm = (first & 0xff) * 4 + align;
      break;
    case ThumbForm.ADD_SP16:
      into.op = 4;
      into.rd = (first >>> 8) & 7;
      into.rn = 13;
      into.imm = (first & 0xff) * 4;
      break;
    case ThumbForm.SP_ADJUST:
      into.rd = 13;
      into.rn = 13;
      into.imm = (first & 0x7f) * 4;
      break;
    case ThumbForm.CBZ:
      into.rn = low3;
      into.imm = (((first >>> 9) & 1) << 6) | (((first >>> 3) & 0x1f) << 1);
      break;
    case ThumbForm.EXTEND16:
      into.rd = low3;
      into.rm = mid3;
      into.rn = 15;
      break;
    case ThumbForm.PUSH:
      into.rn = 13;
      into.w = 1;
      into.u = 0;
      into.imm = (first & 0xff) | (((first >>> 8) & 1) << 14);
      break;
    case ThumbForm.POP:
      into.rn = 13;
      into.w = 1;
      into.p = 0;
      into.l = 1;
      into.imm = (first & 0xff) | (((first >>> 8) & 1) << 15);
      break;
    case ThumbForm.SETEND:
      // The executor reads E from bit 9 of an A32 word.
      into.raw = ((first >>> 3) & 1) << 9;
      break;
    case ThumbForm.CPS16:
      into.op = (first >>> 4) & 1 ? 3 : 2;
      into.imm2 = first & 7;
      break;
    case ThumbForm.REV16:
      into.rd = low3;
      into.rm = mid3;
      break;
    case ThumbForm.IMM8_ONLY:
      into.imm = first & 0xff;
      break;
    case ThumbForm.IT:
      into.imm = first & 0xff;
      // firstcond 1111 is UNPREDICTABLE (A8.8.54); it is decoded as UNDEFINED.
      if ((first & 0xf0) === 0xf0) into.kind = Kind.UNDEFINED;
      break;
    case ThumbForm.LDM16: {
      into.rn = (first >>> 8) & 7;
      into.l = (first >>> 11) & 1;
      into.p = 0;
      into.imm = first & 0xff;
      // LDM writes back unless the base is loaded; STM always writes back.
      into.w = into.l && (into.imm & (1 << into.rn)) !== 0 ? 0 : 1;
      break;
    }
    case ThumbForm.BRANCH_COND16:
      into.cond = (first >>> 8) & 0xf;
      into.imm = ((first << 24) >> 23) | 0;
      break;
    case ThumbForm.BRANCH16:
      into.imm = ((first << 21) >> 20) | 0;
      break;
    // ------------------------------------------------------------ T32
    default:
      decodeThumb32(entry, first, second, into, align);
  }
  return into;
}

function decodeThumb32(entry: ThumbEntry, first: number, second: number, into: DecodedInstruction, align: number): void {
  const word = ((first << 16) | second) >>> 0;
  const rn = first & 0xf;
  const rt = (second >>> 12) & 0xf;
  const rd8 = (second >>> 8) & 0xf;
  const rm = second & 0xf;
  /** imm3:imm2 (second[14:12], [7:6]), the shift amount and lsb of A6.3.3/A6.3.11. */
  const imm5 = (((second >>> 12) & 7) << 2) | ((second >>> 6) & 3);
  switch (entry.thumbForm) {
    case ThumbForm.SRS:
      into.w = (first >>> 5) & 1;
      into.p = (first >>> 8) & 1 ? 0 : 1;
      into.u = (first >>> 8) & 1;
      into.rn = rn;
      into.imm = second & 0x1f;
      break;
    case ThumbForm.LDM32:
      into.w = (first >>> 5) & 1;
      into.l = (first >>> 4) & 1;
      into.rn = rn;
      into.imm = second;
      if ((first >>> 8) & 1) {
        into.p = 1;
        into.u = 0;
      } else {
        into.p = 0;
        into.u = 1;
      }
      break;
    case ThumbForm.EXCLUSIVE:
      into.rn = rn;
      if (into.kind === Kind.LDREX) {
        into.rd = rt;
        into.ra = rd8;
      } else {
        into.rm = rt;
        into.ra = rd8;
        into.rd = entry.op === 4 ? rd8 : rm;
      }
      if (entry.op === 4) into.imm = (second & 0xff) * 4;
      break;
    case ThumbForm.TABLE_BRANCH:
      into.rn = rn;
      into.rm = rm;
      break;
    case ThumbForm.DUAL:
      into.p = (first >>> 8) & 1;
      into.u = (first >>> 7) & 1;
      // Post-indexed (P = 0, W = 1) is the A32 P = 0 form, which always writes back.
      into.w = into.p ? (first >>> 5) & 1 : 0;
      into.rn = rn;
      into.rd = rt;
      into.ra = rd8;
      into.imm = (second & 0xff) * 4;
      if (rn === 15) into.imm += into.u ? align : -align;
      break;
    case ThumbForm.PKH:
      into.rn = rn;
      into.rd = rd8;
      into.rm = rm;
      into.shiftType = (second >>> 5) & 1 ? Shift.ASR : Shift.LSL;
      into.shiftAmount = imm5;
      if (into.shiftType === Shift.ASR && imm5 === 0) into.shiftAmount = 32;
      break;
    case ThumbForm.DP_REG32:
      into.rn = rn;
      into.rd = rd8;
      into.rm = rm;
      into.s = (first >>> 4) & 1;
      decodeImmShift((second >>> 4) & 3, imm5, into);
      thumbDataProcessing((first >>> 5) & 0xf, into);
      break;
    case ThumbForm.DP_IMM32:
      into.rn = rn;
      into.rd = rd8;
      into.s = (first >>> 4) & 1;
      thumbExpandImmediate((((first >>> 10) & 1) << 11) | (((second >>> 12) & 7) << 8) | (second & 0xff), into);
      thumbDataProcessing((first >>> 5) & 0xf, into);
      break;
    case ThumbForm.ADD_SUB_WIDE:
      into.rn = rn;
      into.rd = rd8;
      into.imm = (((first >>> 10) & 1) << 11) | (((second >>> 12) & 7) << 8) | (second & 0xff);
      if (rn === 15) into.imm += entry.op === 4 ? align : -align;
      break;
    case ThumbForm.MOVW32:
      into.rd = rd8;
      into.imm = ((first & 0xf) << 12) | (((first >>> 10) & 1) << 11) | (((second >>> 12) & 7) << 8) | (second & 0xff);
      break;
    case ThumbForm.SAT32:
      into.rd = rd8;
      into.rn = rn;
      into.imm = second & 0x1f;
      into.shiftType = (first >>> 5) & 1 ? Shift.ASR : Shift.LSL;
      into.shiftAmount = imm5;
      if (into.kind === Kind.SSAT16 || into.kind === Kind.USAT16) {
        into.imm = second & 0xf;
        into.shiftType = Shift.LSL;
        into.shiftAmount = 0;
      } else if (into.shiftType === Shift.ASR && imm5 === 0) into.kind = Kind.UNDEFINED;
      break;
    case ThumbForm.BITFIELD32:
      into.rd = rd8;
      into.rn = rn;
      into.imm = imm5;
      into.imm2 = second & 0x1f;
      break;
    case ThumbForm.MSR32:
      into.b = (first >>> 4) & 1;
      into.rn = (second >>> 8) & 0xf;
      into.rm = rn;
      break;
    case ThumbForm.BANKED32:
      // SYSm = R:M1:M (B9.3.9): the A32 record's layout.
      into.b = (first >>> 4) & 1;
      into.imm = (((first >>> 4) & 1) << 5) | (((second >>> 4) & 1) << 4) | ((second >>> 8) & 0xf);
      into.rd = rd8;
      into.rn = rn;
      break;
    case ThumbForm.HINT32:
      into.imm = second & 0xf;
      break;
    case ThumbForm.CPS32:
      into.op = (second >>> 9) & 3;
      into.s = (second >>> 8) & 1;
      into.imm2 = (second >>> 5) & 7;
      into.imm = second & 0x1f;
      if (into.op === 1) into.kind = Kind.UNDEFINED;
      break;
    case ThumbForm.BARRIER32:
      into.imm = second & 0xf;
      break;
    case ThumbForm.BXJ:
      into.rm = rn;
      break;
    case ThumbForm.ERET:
      // SUBS PC, LR, #imm8 (B9.3.19): the exception return of data processing with Rd = PC and S.
      into.op = 2;
      into.rd = 15;
      into.rn = 14;
      into.s = 1;
      into.imm = second & 0xff;
      break;
    case ThumbForm.MRS32:
      into.b = (first >>> 4) & 1;
      into.rd = rd8;
      break;
    case ThumbForm.CALL_IMM16:
      into.imm = into.kind === Kind.HVC ? ((first & 0xf) << 12) | (second & 0xfff) : first & 0xf;
      break;
    case ThumbForm.UDF32:
      into.imm = ((first & 0xf) << 12) | (second & 0xfff);
      break;
    case ThumbForm.BRANCH_COND32: {
      into.cond = (first >>> 6) & 0xf;
      const s = (first >>> 10) & 1;
      const j1 = (second >>> 13) & 1;
      const j2 = (second >>> 11) & 1;
      const value = (s << 20) | (j2 << 19) | (j1 << 18) | ((first & 0x3f) << 12) | ((second & 0x7ff) << 1);
      into.imm = (value << 11) >> 11;
      break;
    }
    case ThumbForm.BRANCH32: {
      const s = (first >>> 10) & 1;
      const i1 = ((second >>> 13) & 1) ^ s ^ 1;
      const i2 = ((second >>> 11) & 1) ^ s ^ 1;
      const value = (s << 24) | (i1 << 23) | (i2 << 22) | ((first & 0x3ff) << 12) | ((second & 0x7ff) << 1);
      into.imm = (value << 7) >> 7;
      // BLX: the target is Align(PC, 4) + imm32 (imm32 has bits 1:0 clear).
      if (into.kind === Kind.BLX_IMM) into.imm = (into.imm & ~3) + align;
      break;
    }
    case ThumbForm.LS32:
      decodeThumbLoadStore(first, second, into, align);
      break;
    case ThumbForm.SHIFT_REG32:
      // LSL/LSR/ASR/ROR (register), MOV Rd, Rn, <shift> Rm.
      into.op = 13;
      into.rd = rd8;
      into.rm = rn;
      into.rs = rm;
      into.s = (first >>> 4) & 1;
      into.shiftType = (first >>> 5) & 3;
      break;
    case ThumbForm.EXTEND32:
      into.rd = rd8;
      into.rn = rn;
      into.rm = rm;
      into.shiftAmount = ((second >>> 4) & 3) * 8;
      break;
    case ThumbForm.PARALLEL32: {
      const operation = PARALLEL_OPERATION[(first >>> 4) & 7];
      const prefix = PARALLEL_PREFIX[(second >>> 4) & 7];
      into.rd = rd8;
      into.rn = rn;
      into.rm = rm;
      if (operation < 0 || prefix < 0) into.kind = Kind.UNDEFINED;
      else into.op = (prefix << 3) | operation;
      break;
    }
    case ThumbForm.MISC32:
      into.rd = rd8;
      into.rn = rn;
      into.rm = rm;
      // REV, REV16, RBIT, REVSH and CLZ name Rm twice; the copies must agree (A8.8.33 etc.).
      if ((into.kind === Kind.REV || into.kind === Kind.REV16 || into.kind === Kind.RBIT || into.kind === Kind.REVSH || into.kind === Kind.CLZ) && rn !== rm) into.kind = Kind.UNDEFINED;
      break;
    case ThumbForm.MUL32:
      into.rn = rn;
      into.ra = rt;
      into.rd = rd8;
      into.rm = rm;
      switch (into.kind) {
        case Kind.MLA:
          if (rt === 15) into.kind = Kind.MUL;
          break;
        case Kind.SMLA_XY:
          into.op = ((second >>> 5) & 1) | (((second >>> 4) & 1) << 1);
          if (rt === 15) into.kind = Kind.SMUL_XY;
          break;
        case Kind.SMLAW_Y:
          into.op = ((second >>> 4) & 1) << 1;
          if (rt === 15) into.kind = Kind.SMULW_Y;
          break;
        case Kind.SMLAD:
        case Kind.SMLSD:
        case Kind.SMMLA:
        case Kind.SMMLS:
          into.op = (second >>> 4) & 1;
          break;
        default:
          break;
      }
      break;
    case ThumbForm.MUL_LONG32:
      into.rn = rn;
      into.ra = rt;
      into.rd = rd8;
      into.rm = rm;
      if (into.kind === Kind.SMLAL_XY) into.op = ((second >>> 5) & 1) | (((second >>> 4) & 1) << 1);
      else if (into.kind === Kind.SMLALD || into.kind === Kind.SMLSLD) into.op = (second >>> 4) & 1;
      break;
    case ThumbForm.COPROCESSOR:
      decodeAsA32((((first >>> 12) & 1 ? 0xf0000000 : 0xe0000000) | (word & 0x0fffffff)) >>> 0, into);
      break;
    case ThumbForm.SIMD_DP:
      decodeAsA32((0xf2000000 | (((first >>> 12) & 1) << 24) | (word & 0x00ffffff)) >>> 0, into);
      break;
    case ThumbForm.SIMD_LS:
      decodeAsA32((0xf4000000 | (word & 0x00ffffff)) >>> 0, into);
      break;
    default:
      break;
  }
}

/** Single loads and stores (A6.3.7-A6.3.10, A8.8 LDR/STR/LDRB/... T2-T4 and the literal forms). */
function decodeThumbLoadStore(first: number, second: number, into: DecodedInstruction, align: number): void {
  const rn = first & 0xf;
  const load = (first >>> 4) & 1;
  const size = (first >>> 5) & 3;
  const halfOrSigned = into.kind === Kind.EXTRA_IMM;
  into.rn = rn;
  into.rd = (second >>> 12) & 0xf;
  into.l = load;
  into.b = size === 0 ? 1 : 0;
  if (into.kind === Kind.PRELOAD) {
    // PLD/PLI (immediate, literal, register): hints; only the fields the disassembler prints.
    into.rm = second & 0xf;
    into.u = rn === 15 ? (first >>> 7) & 1 : (first >>> 7) & 1 || (second & 0xf00) !== 0xc00 ? 1 : 0;
    into.imm = (first >>> 7) & 1 || rn === 15 ? second & 0xfff : second & 0xff;
    return;
  }
  if (load && rn === 15) {
    // Literal: U at bit 23, imm12, base Align(PC, 4).
    into.u = (first >>> 7) & 1;
    into.imm = (second & 0xfff) + (into.u ? align : -align);
    return;
  }
  if (rn === 15) {
    into.kind = Kind.UNDEFINED;
    return;
  }
  if ((first >>> 7) & 1) {
    into.imm = second & 0xfff;
  } else if ((second & 0xfc0) === 0) {
    // Register offset, LSL #imm2.
    into.kind = halfOrSigned ? Kind.EXTRA_REG : Kind.LS_REG;
    into.rm = second & 0xf;
    into.shiftType = Shift.LSL;
    into.shiftAmount = (second >>> 4) & 3;
  } else if ((second & 0x800) !== 0) {
    const p = (second >>> 10) & 1;
    const u = (second >>> 9) & 1;
    const w = (second >>> 8) & 1;
    into.imm = second & 0xff;
    into.u = u;
    if (p === 0 && w === 0) into.kind = Kind.UNDEFINED;
    else if (p === 1 && u === 1 && w === 0) {
      // LDRT/STRT/...: the unprivileged access at Rn + imm8.
      into.imm2 = 1;
    } else if (p === 0) {
      into.p = 0;
    } else into.w = w;
  } else into.kind = Kind.UNDEFINED;
  if (into.rd === 15 && (into.kind === Kind.EXTRA_IMM || into.kind === Kind.EXTRA_REG || (into.b && load))) into.kind = Kind.UNDEFINED;
}
