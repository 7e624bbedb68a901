// The one A32 instruction table (ARM ARM DDI 0406C, chapter A5 "ARM Instruction Set Encoding" and
// the encodings in A8.8) and the decoder built from it. Each row is a bit pattern (a 32-character
// string: '0' and '1' must match, any other letter is a field or don't-care), the instruction
// kind it decodes to, the mnemonic and the operand form: which fields of the word fill which slots
// of a `DecodedInstruction`. The interpreter (cpu.ts) switches on `kind`; the disassembler
// (disasm.ts) prints from `entry` and the same slots; a translator can read the same record.
//
// Rows are tried in order: a more specific row comes before a more general one (the miscellaneous
// and multiply encodings before data processing, MOVW/MOVT/MSR before data-processing immediates).
// The conditional table covers cond != 1111; the unconditional one cond = 1111 (A5.7).
//
// Thumb (T32/T16) fits the same scheme: its own tables of rows with their own operand forms
// (extracting fields from other bit positions) decoding into the same kinds and slots, so the
// execution of a kind is shared. `DecodedInstruction.size` says 2 or 4 bytes.

/** Instruction kinds: what the interpreter executes. Values are dense small integers. */
export const Kind = {
  UNDEFINED: 0,
  DP_IMM: 1,
  DP_REG: 2,
  DP_RSR: 3,
  MOVW: 4,
  MOVT: 5,
  MUL: 6,
  MLA: 7,
  MLS: 8,
  UMAAL: 9,
  UMULL: 10,
  UMLAL: 11,
  SMULL: 12,
  SMLAL: 13,
  SMLA_XY: 14,
  SMLAW_Y: 15,
  SMULW_Y: 16,
  SMLAL_XY: 17,
  SMUL_XY: 18,
  SMLAD: 19,
  SMLSD: 20,
  SMLALD: 21,
  SMLSLD: 22,
  SMMLA: 23,
  SMMLS: 24,
  SDIV: 25,
  UDIV: 26,
  USADA8: 27,
  QADDSUB: 28,
  PARALLEL: 29,
  PKH: 30,
  EXTEND: 31,
  SEL: 32,
  SSAT: 33,
  USAT: 34,
  SSAT16: 35,
  USAT16: 36,
  REV: 37,
  REV16: 38,
  RBIT: 39,
  REVSH: 40,
  CLZ: 41,
  SBFX: 42,
  UBFX: 43,
  BFI: 44,
  BFC: 45,
  MRS: 46,
  MSR_REG: 47,
  MSR_IMM: 48,
  HINT: 49,
  BX: 50,
  BLX_REG: 51,
  B: 52,
  BL: 53,
  BLX_IMM: 54,
  LS_IMM: 55,
  LS_REG: 56,
  EXTRA_IMM: 57,
  EXTRA_REG: 58,
  LDM_STM: 59,
  SWP: 60,
  LDREX: 61,
  STREX: 62,
  CLREX: 63,
  BARRIER: 64,
  PRELOAD: 65,
  SVC: 66,
  BKPT: 67,
  UDF: 68,
  CPS: 69,
  SETEND: 70,
  SRS: 71,
  RFE: 72,
  MCR: 73,
  MRC: 74,
  MCRR: 75,
  MRRC: 76,
  COPROCESSOR: 77,
  MRS_BANKED: 78,
  MSR_BANKED: 79,
  HVC: 80,
  SMC: 81,
  /** Advanced SIMD data processing (A7.4) and element/structure loads and stores (A7.7): executed by neon.ts from the raw A32 word. */
  NEON_DP: 82,
  NEON_LS: 83,
  // Thumb-only kinds (decode-thumb.ts), numbered from 90.
  /** TBB/TBH: op = 1 (byte table) or 2 (halfword table). */
  TBB: 90,
  /** CBZ/CBNZ: op = 1 for CBNZ. */
  CBZ: 91,
  /** IT: imm = firstcond:mask. */
  IT: 92,
} as const;

export type KindValue = (typeof Kind)[keyof typeof Kind];

/** How the fields of the word fill the record (A32 positions). */
export const Form = {
  NONE: 0,
  DP_IMM: 1,
  DP_REG: 2,
  DP_RSR: 3,
  MOVW: 4,
  /** Multiplies: rd = 19:16, ra = 15:12, rm = 11:8, rn = 3:0, s = 20, op = bits 6:5. */
  MUL: 5,
  /** rn = 19:16, rd = 15:12, rs = 11:8, rm = 3:0, op = bits 6:5 or the sub-opcode the row names. */
  REGS: 6,
  EXTRA: 7,
  LS: 8,
  LDM: 9,
  BRANCH: 10,
  SAT: 11,
  BITFIELD: 12,
  EXTEND: 13,
  PKH: 14,
  IMM24: 15,
  BKPT: 16,
  MSR_IMM: 17,
  CPS: 18,
  SRS: 19,
  PARALLEL: 20,
  BANKED: 21,
} as const;

type FormValue = (typeof Form)[keyof typeof Form];

export interface TableEntry {
  readonly mask: number;
  readonly value: number;
  readonly kind: KindValue;
  readonly mnemonic: string;
  readonly form: FormValue;
  /** A constant the row adds (a sub-opcode: the extend type, the Q op, the hint number...). */
  readonly op: number;
}

function row(pattern: string, kind: KindValue, mnemonic: string, form: FormValue, op = 0): TableEntry {
  const bits = pattern.replace(/ /g, '');
  if (bits.length !== 32) throw new Error(`A32 table row ${mnemonic}: pattern ${pattern} is not 32 bits`);
  let mask = 0;
  let value = 0;
  for (let i = 0; i < 32; i++) {
    const bit = 31 - i;
    const ch = bits[i];
    if (ch === '0' || ch === '1') {
      mask |= 1 << bit;
      if (ch === '1') value |= 1 << bit;
    }
  }
  return { mask: mask >>> 0, value: value >>> 0, kind, mnemonic, form, op };
}

export const DP_MNEMONICS = ['and', 'eor', 'sub', 'rsb', 'add', 'adc', 'sbc', 'rsc', 'tst', 'teq', 'cmp', 'cmn', 'orr', 'mov', 'bic', 'mvn'] as const;

/** cond != 1111. Letters: c cond, n Rn, d Rd, m Rm, s Rs, a Ra, t Rt, i immediate, S set flags, P U W L B addressing bits. */
export const A32_TABLE: readonly TableEntry[] = [
  // Multiplies and synchronisation primitives (A5.2.5, A5.2.10).
  row('cccc 0000 000S dddd 0000 mmmm 1001 nnnn', Kind.MUL, 'mul', Form.MUL),
  row('cccc 0000 001S dddd aaaa mmmm 1001 nnnn', Kind.MLA, 'mla', Form.MUL),
  row('cccc 0000 0100 hhhh llll mmmm 1001 nnnn', Kind.UMAAL, 'umaal', Form.MUL),
  row('cccc 0000 0110 dddd aaaa mmmm 1001 nnnn', Kind.MLS, 'mls', Form.MUL),
  row('cccc 0000 100S hhhh llll mmmm 1001 nnnn', Kind.UMULL, 'umull', Form.MUL),
  row('cccc 0000 101S hhhh llll mmmm 1001 nnnn', Kind.UMLAL, 'umlal', Form.MUL),
  row('cccc 0000 110S hhhh llll mmmm 1001 nnnn', Kind.SMULL, 'smull', Form.MUL),
  row('cccc 0000 111S hhhh llll mmmm 1001 nnnn', Kind.SMLAL, 'smlal', Form.MUL),
  row('cccc 0001 0000 nnnn tttt 0000 1001 mmmm', Kind.SWP, 'swp', Form.REGS, 4),
  row('cccc 0001 0100 nnnn tttt 0000 1001 mmmm', Kind.SWP, 'swpb', Form.REGS, 1),
  // LDREX/STREX: op = access size in bytes (8 for the doubleword forms).
  row('cccc 0001 1001 nnnn tttt 1111 1001 1111', Kind.LDREX, 'ldrex', Form.REGS, 4),
  row('cccc 0001 1011 nnnn tttt 1111 1001 1111', Kind.LDREX, 'ldrexd', Form.REGS, 8),
  row('cccc 0001 1101 nnnn tttt 1111 1001 1111', Kind.LDREX, 'ldrexb', Form.REGS, 1),
  row('cccc 0001 1111 nnnn tttt 1111 1001 1111', Kind.LDREX, 'ldrexh', Form.REGS, 2),
  row('cccc 0001 1000 nnnn dddd 1111 1001 tttt', Kind.STREX, 'strex', Form.REGS, 4),
  row('cccc 0001 1010 nnnn dddd 1111 1001 tttt', Kind.STREX, 'strexd', Form.REGS, 8),
  row('cccc 0001 1100 nnnn dddd 1111 1001 tttt', Kind.STREX, 'strexb', Form.REGS, 1),
  row('cccc 0001 1110 nnnn dddd 1111 1001 tttt', Kind.STREX, 'strexh', Form.REGS, 2),
  // Extra loads and stores (A5.2.8): op = L:op2, i.e. 1 STRH, 2 LDRD, 3 STRD, 5 LDRH, 6 LDRSB, 7 LDRSH.
  row('cccc 000P U1WL nnnn tttt iiii 1ss1 iiii', Kind.EXTRA_IMM, '', Form.EXTRA),
  row('cccc 000P U0WL nnnn tttt 0000 1ss1 mmmm', Kind.EXTRA_REG, '', Form.EXTRA),
  // Miscellaneous (A5.2.12).
  row('cccc 0001 0R00 mmmm dddd 001m 0000 0000', Kind.MRS_BANKED, 'mrs', Form.BANKED),
  row('cccc 0001 0R10 mmmm 1111 001m 0000 nnnn', Kind.MSR_BANKED, 'msr', Form.BANKED),
  row('cccc 0001 0R00 1111 dddd 0000 0000 0000', Kind.MRS, 'mrs', Form.REGS),
  row('cccc 0001 0R10 mmmm 1111 0000 0000 nnnn', Kind.MSR_REG, 'msr', Form.REGS),
  row('cccc 0001 0010 1111 1111 1111 0001 mmmm', Kind.BX, 'bx', Form.REGS),
  // BXJ: Cortex-A15 has the trivial Jazelle implementation, in which BXJ is BX (A8.8.28).
  row('cccc 0001 0010 1111 1111 1111 0010 mmmm', Kind.BX, 'bxj', Form.REGS),
  row('cccc 0001 0010 1111 1111 1111 0011 mmmm', Kind.BLX_REG, 'blx', Form.REGS),
  row('cccc 0001 0110 1111 dddd 1111 0001 mmmm', Kind.CLZ, 'clz', Form.REGS),
  row('cccc 0001 0000 nnnn dddd 0000 0101 mmmm', Kind.QADDSUB, 'qadd', Form.REGS, 0),
  row('cccc 0001 0010 nnnn dddd 0000 0101 mmmm', Kind.QADDSUB, 'qsub', Form.REGS, 1),
  row('cccc 0001 0100 nnnn dddd 0000 0101 mmmm', Kind.QADDSUB, 'qdadd', Form.REGS, 2),
  row('cccc 0001 0110 nnnn dddd 0000 0101 mmmm', Kind.QADDSUB, 'qdsub', Form.REGS, 3),
  row('1110 0001 0010 iiii iiii iiii 0111 iiii', Kind.BKPT, 'bkpt', Form.BKPT),
  row('1110 0001 0100 iiii iiii iiii 0111 iiii', Kind.HVC, 'hvc', Form.BKPT),
  row('cccc 0001 0110 0000 0000 0000 0111 iiii', Kind.SMC, 'smc', Form.BKPT),
  // Halfword multiplies (A5.2.7).
  row('cccc 0001 0000 dddd aaaa mmmm 1yx0 nnnn', Kind.SMLA_XY, 'smla', Form.MUL),
  row('cccc 0001 0010 dddd aaaa mmmm 1y00 nnnn', Kind.SMLAW_Y, 'smlaw', Form.MUL),
  row('cccc 0001 0010 dddd 0000 mmmm 1y10 nnnn', Kind.SMULW_Y, 'smulw', Form.MUL),
  row('cccc 0001 0100 hhhh llll mmmm 1yx0 nnnn', Kind.SMLAL_XY, 'smlal', Form.MUL),
  row('cccc 0001 0110 dddd 0000 mmmm 1yx0 nnnn', Kind.SMUL_XY, 'smul', Form.MUL),
  // The rest of op = 10xx with S = 0 is not data processing.
  row('cccc 0001 0xx0 xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', Form.NONE),
  // Data processing (A5.2.1-A5.2.3).
  row('cccc 000o oooS nnnn dddd iiii itt0 mmmm', Kind.DP_REG, '', Form.DP_REG),
  row('cccc 000o oooS nnnn dddd ssss 0tt1 mmmm', Kind.DP_RSR, '', Form.DP_RSR),
  row('cccc 0011 0000 iiii dddd iiii iiii iiii', Kind.MOVW, 'movw', Form.MOVW),
  row('cccc 0011 0100 iiii dddd iiii iiii iiii', Kind.MOVT, 'movt', Form.MOVW),
  // MSR immediate with an empty mask: the hints (A5.2.11); op = op2.
  row('cccc 0011 0010 0000 1111 0000 0000 0000', Kind.HINT, 'nop', Form.NONE, 0),
  row('cccc 0011 0010 0000 1111 0000 0000 0001', Kind.HINT, 'yield', Form.NONE, 1),
  row('cccc 0011 0010 0000 1111 0000 0000 0010', Kind.HINT, 'wfe', Form.NONE, 2),
  row('cccc 0011 0010 0000 1111 0000 0000 0011', Kind.HINT, 'wfi', Form.NONE, 3),
  row('cccc 0011 0010 0000 1111 0000 0000 0100', Kind.HINT, 'sev', Form.NONE, 4),
  row('cccc 0011 0010 0000 1111 0000 1111 iiii', Kind.HINT, 'dbg', Form.NONE, 0xf0),
  row('cccc 0011 0010 0000 1111 0000 iiii iiii', Kind.HINT, 'nop', Form.NONE, 0x100),
  row('cccc 0011 0R10 mmmm 1111 rrrr iiii iiii', Kind.MSR_IMM, 'msr', Form.MSR_IMM),
  row('cccc 0011 0xx0 xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', Form.NONE),
  row('cccc 001o oooS nnnn dddd rrrr iiii iiii', Kind.DP_IMM, '', Form.DP_IMM),
  // Loads and stores of words and bytes (A5.3); bit 4 set with a register offset is media.
  row('cccc 010P UBWL nnnn tttt iiii iiii iiii', Kind.LS_IMM, '', Form.LS),
  row('cccc 011P UBWL nnnn tttt iiii itt0 mmmm', Kind.LS_REG, '', Form.LS),
  // Media (A5.4). Parallel additions and subtractions: op = prefix << 3 | operation.
  row('cccc 0110 0ppp nnnn dddd 1111 ooo1 mmmm', Kind.PARALLEL, '', Form.PARALLEL),
  row('cccc 0110 1000 nnnn dddd 1111 1011 mmmm', Kind.SEL, 'sel', Form.REGS),
  row('cccc 0110 1000 nnnn dddd iiii it01 mmmm', Kind.PKH, 'pkh', Form.PKH),
  // Extends: op = signed << 2 | (0 byte pair, 2 byte, 3 halfword).
  row('cccc 0110 1000 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'sxtab16', Form.EXTEND, 4),
  row('cccc 0110 1010 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'sxtab', Form.EXTEND, 6),
  row('cccc 0110 1011 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'sxtah', Form.EXTEND, 7),
  row('cccc 0110 1100 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'uxtab16', Form.EXTEND, 0),
  row('cccc 0110 1110 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'uxtab', Form.EXTEND, 2),
  row('cccc 0110 1111 nnnn dddd rr00 0111 mmmm', Kind.EXTEND, 'uxtah', Form.EXTEND, 3),
  row('cccc 0110 1010 iiii dddd 1111 0011 nnnn', Kind.SSAT16, 'ssat16', Form.SAT),
  row('cccc 0110 1110 iiii dddd 1111 0011 nnnn', Kind.USAT16, 'usat16', Form.SAT),
  row('cccc 0110 101i iiii dddd iiii is01 nnnn', Kind.SSAT, 'ssat', Form.SAT),
  row('cccc 0110 111i iiii dddd iiii is01 nnnn', Kind.USAT, 'usat', Form.SAT),
  row('cccc 0110 1011 1111 dddd 1111 0011 mmmm', Kind.REV, 'rev', Form.REGS),
  row('cccc 0110 1011 1111 dddd 1111 1011 mmmm', Kind.REV16, 'rev16', Form.REGS),
  row('cccc 0110 1111 1111 dddd 1111 0011 mmmm', Kind.RBIT, 'rbit', Form.REGS),
  row('cccc 0110 1111 1111 dddd 1111 1011 mmmm', Kind.REVSH, 'revsh', Form.REGS),
  // Signed multiplies (A5.4.4): op bit 0 = M (exchange) or R (round).
  row('cccc 0111 0000 dddd aaaa mmmm 00M1 nnnn', Kind.SMLAD, 'smlad', Form.MUL),
  row('cccc 0111 0000 dddd aaaa mmmm 01M1 nnnn', Kind.SMLSD, 'smlsd', Form.MUL),
  row('cccc 0111 0001 dddd 1111 mmmm 0001 nnnn', Kind.SDIV, 'sdiv', Form.MUL),
  row('cccc 0111 0011 dddd 1111 mmmm 0001 nnnn', Kind.UDIV, 'udiv', Form.MUL),
  row('cccc 0111 0100 hhhh llll mmmm 00M1 nnnn', Kind.SMLALD, 'smlald', Form.MUL),
  row('cccc 0111 0100 hhhh llll mmmm 01M1 nnnn', Kind.SMLSLD, 'smlsld', Form.MUL),
  row('cccc 0111 0101 dddd aaaa mmmm 00R1 nnnn', Kind.SMMLA, 'smmla', Form.MUL),
  row('cccc 0111 0101 dddd aaaa mmmm 11R1 nnnn', Kind.SMMLS, 'smmls', Form.MUL),
  row('cccc 0111 1000 dddd aaaa mmmm 0001 nnnn', Kind.USADA8, 'usada8', Form.MUL),
  row('cccc 0111 101w wwww dddd llll l101 nnnn', Kind.SBFX, 'sbfx', Form.BITFIELD),
  row('cccc 0111 110m mmmm dddd llll l001 1111', Kind.BFC, 'bfc', Form.BITFIELD),
  row('cccc 0111 110m mmmm dddd llll l001 nnnn', Kind.BFI, 'bfi', Form.BITFIELD),
  row('cccc 0111 111w wwww dddd llll l101 nnnn', Kind.UBFX, 'ubfx', Form.BITFIELD),
  row('cccc 0111 1111 iiii iiii iiii 1111 iiii', Kind.UDF, 'udf', Form.BKPT),
  row('cccc 011x xxxx xxxx xxxx xxxx xxx1 xxxx', Kind.UNDEFINED, 'undefined', Form.NONE),
  // Branches and block transfers (A5.5).
  row('cccc 100P USWL nnnn rrrr rrrr rrrr rrrr', Kind.LDM_STM, '', Form.LDM),
  row('cccc 1010 iiii iiii iiii iiii iiii iiii', Kind.B, 'b', Form.BRANCH),
  row('cccc 1011 iiii iiii iiii iiii iiii iiii', Kind.BL, 'bl', Form.BRANCH),
  // Coprocessor instructions and SVC (A5.6).
  row('cccc 1100 0100 tttt TTTT pppp oooo mmmm', Kind.MCRR, 'mcrr', Form.NONE),
  row('cccc 1100 0101 tttt TTTT pppp oooo mmmm', Kind.MRRC, 'mrrc', Form.NONE),
  row('cccc 1110 ooo0 nnnn tttt pppp ooo1 mmmm', Kind.MCR, 'mcr', Form.NONE),
  row('cccc 1110 ooo1 nnnn tttt pppp ooo1 mmmm', Kind.MRC, 'mrc', Form.NONE),
  row('cccc 1111 iiii iiii iiii iiii iiii iiii', Kind.SVC, 'svc', Form.IMM24),
  row('cccc 11xx xxxx xxxx xxxx xxxx xxxx xxxx', Kind.COPROCESSOR, 'cdp/ldc/stc', Form.NONE),
];

/** cond = 1111 (A5.7). */
export const A32_UNCONDITIONAL_TABLE: readonly TableEntry[] = [
  // Advanced SIMD (A5.7.1): data processing 1111 001U, element/structure loads and stores 1111 0100 xxx0.
  row('1111 001x xxxx xxxx xxxx xxxx xxxx xxxx', Kind.NEON_DP, 'neon', Form.NONE),
  row('1111 0100 xxx0 xxxx xxxx xxxx xxxx xxxx', Kind.NEON_LS, 'neon', Form.NONE),
  row('1111 0001 0000 0001 0000 00E0 0000 0000', Kind.SETEND, 'setend', Form.NONE),
  row('1111 0001 0000 iiM0 0000 000A IF0m mmmm', Kind.CPS, 'cps', Form.CPS),
  row('1111 0101 0111 1111 1111 0000 0001 1111', Kind.CLREX, 'clrex', Form.NONE),
  row('1111 0101 0111 1111 1111 0000 0100 oooo', Kind.BARRIER, 'dsb', Form.NONE, 0),
  row('1111 0101 0111 1111 1111 0000 0101 oooo', Kind.BARRIER, 'dmb', Form.NONE, 1),
  row('1111 0101 0111 1111 1111 0000 0110 oooo', Kind.BARRIER, 'isb', Form.NONE, 2),
  row('1111 0100 U101 nnnn 1111 iiii iiii iiii', Kind.PRELOAD, 'pli', Form.LS),
  row('1111 0101 UR01 nnnn 1111 iiii iiii iiii', Kind.PRELOAD, 'pld', Form.LS),
  row('1111 0110 U101 nnnn 1111 iiii itt0 mmmm', Kind.PRELOAD, 'pli', Form.LS),
  row('1111 0111 UR01 nnnn 1111 iiii itt0 mmmm', Kind.PRELOAD, 'pld', Form.LS),
  row('1111 100P U1W0 1101 0000 0101 000m mmmm', Kind.SRS, 'srs', Form.SRS),
  row('1111 100P U0W1 nnnn 0000 1010 0000 0000', Kind.RFE, 'rfe', Form.SRS),
  row('1111 101H iiii iiii iiii iiii iiii iiii', Kind.BLX_IMM, 'blx', Form.BRANCH),
  row('1111 1100 0100 tttt TTTT pppp oooo mmmm', Kind.MCRR, 'mcrr2', Form.NONE),
  row('1111 1100 0101 tttt TTTT pppp oooo mmmm', Kind.MRRC, 'mrrc2', Form.NONE),
  row('1111 1110 ooo0 nnnn tttt pppp ooo1 mmmm', Kind.MCR, 'mcr2', Form.NONE),
  row('1111 1110 ooo1 nnnn tttt pppp ooo1 mmmm', Kind.MRC, 'mrc2', Form.NONE),
  row('1111 110x xxxx xxxx xxxx xxxx xxxx xxxx', Kind.COPROCESSOR, 'cdp2/ldc2/stc2', Form.NONE),
  row('1111 1110 xxxx xxxx xxxx xxxx xxx0 xxxx', Kind.COPROCESSOR, 'cdp2', Form.NONE),
];

const UNDEFINED_ENTRY: TableEntry = row('xxxx xxxx xxxx xxxx xxxx xxxx xxxx xxxx', Kind.UNDEFINED, 'undefined', Form.NONE);

/** Shift types (A8.4.1). */
export const Shift = { LSL: 0, LSR: 1, ASR: 2, ROR: 3, RRX: 4 } as const;

/** One decoded instruction. Records are made once per decoded address and reused (cached). */
export class DecodedInstruction {
  kind: KindValue = Kind.UNDEFINED;
  entry: TableEntry = UNDEFINED_ENTRY;
  /** The encoding (for T32, first halfword in the high half). */
  raw = 0;
  /** 4 for A32 and T32, 2 for T16. */
  size = 4;
  cond = 14;
  op = 0;
  rd = 0;
  rn = 0;
  rm = 0;
  rs = 0;
  ra = 0;
  /** Immediate operand (already rotated, extended or scaled, per form). */
  imm = 0;
  /** A second immediate (bit-field msb/width, rotation, saturation bit position). */
  imm2 = 0;
  /** Carry out of a rotated immediate: 0/1, or -1 when the rotation is 0 (C unchanged). */
  immCarry = -1;
  shiftType = 0;
  shiftAmount = 0;
  /** The S bit, or the R bit (SPSR) of MRS/MSR, or the S (user bank) bit of LDM/STM. */
  s = 0;
  p = 0;
  u = 0;
  w = 0;
  l = 0;
  /** Byte (LS), register-offset flag (extra loads and stores). */
  b = 0;
}

function bucketKey(word: number): number {
  return (((word >>> 20) & 0xff) << 4) | ((word >>> 4) & 0xf);
}

/** Rows that may match, per bits 27:20 and 7:4 (the bits A5 decodes on), in table order. */
function buildBuckets(table: readonly TableEntry[]): TableEntry[][] {
  const buckets: TableEntry[][] = [];
  for (let key = 0; key < 4096; key++) {
    const probe = (((key >>> 4) & 0xff) << 20) | ((key & 0xf) << 4);
    const probeMask = 0x0ff000f0;
    buckets.push(table.filter((entry) => ((entry.value ^ probe) & entry.mask & probeMask) === 0));
  }
  return buckets;
}

const CONDITIONAL_BUCKETS = buildBuckets(A32_TABLE);
const UNCONDITIONAL_BUCKETS = buildBuckets(A32_UNCONDITIONAL_TABLE);

/** Finds the table row of an A32 word (the undefined row when none matches). */
export function findA32Entry(word: number): TableEntry {
  const bucket = (word >>> 28 === 0xf ? UNCONDITIONAL_BUCKETS : CONDITIONAL_BUCKETS)[bucketKey(word)];
  for (let k = 0; k < bucket.length; k++) {
    const entry = bucket[k];
    if (((word & entry.mask) >>> 0) === entry.value) return entry;
  }
  return UNDEFINED_ENTRY;
}

function rotateRight(value: number, amount: number): number {
  amount &= 31;
  return amount === 0 ? value >>> 0 : ((value >>> amount) | (value << (32 - amount))) >>> 0;
}

/** ARMExpandImm_C (A5.2.4): fills imm and immCarry. */
function expandImmediate(word: number, into: DecodedInstruction): void {
  const rotation = ((word >>> 8) & 0xf) * 2;
  into.imm = rotateRight(word & 0xff, rotation) | 0;
  into.immCarry = rotation === 0 ? -1 : into.imm >>> 31;
}

/** Decodes an A32 word into `into` (which is reset first) and returns it. */
export function decodeA32(word: number, into: DecodedInstruction): DecodedInstruction {
  word >>>= 0;
  const entry = findA32Entry(word);
  into.kind = entry.kind;
  into.entry = entry;
  into.raw = word;
  into.size = 4;
  into.cond = word >>> 28;
  into.op = entry.op;
  into.rn = (word >>> 16) & 0xf;
  into.rd = (word >>> 12) & 0xf;
  into.rs = (word >>> 8) & 0xf;
  into.rm = word & 0xf;
  into.ra = 0;
  into.imm = 0;
  into.imm2 = 0;
  into.immCarry = -1;
  into.shiftType = 0;
  into.shiftAmount = 0;
  into.s = (word >>> 20) & 1;
  into.p = (word >>> 24) & 1;
  into.u = (word >>> 23) & 1;
  into.w = (word >>> 21) & 1;
  into.l = (word >>> 20) & 1;
  into.b = (word >>> 22) & 1;
  switch (entry.form) {
    case Form.DP_IMM:
      into.op = (word >>> 21) & 0xf;
      expandImmediate(word, into);
      break;
    case Form.DP_REG:
      into.op = (word >>> 21) & 0xf;
      into.shiftType = (word >>> 5) & 3;
      into.shiftAmount = (word >>> 7) & 0x1f;
      // ROR #0 is RRX; LSR/ASR #0 mean #32 (A8.4.1 DecodeImmShift).
      if (into.shiftType === Shift.ROR && into.shiftAmount === 0) into.shiftType = Shift.RRX;
      else if ((into.shiftType === Shift.LSR || into.shiftType === Shift.ASR) && into.shiftAmount === 0) into.shiftAmount = 32;
      break;
    case Form.DP_RSR:
      into.op = (word >>> 21) & 0xf;
      into.shiftType = (word >>> 5) & 3;
      break;
    case Form.MOVW:
      into.imm = ((word >>> 4) & 0xf000) | (word & 0xfff);
      break;
    case Form.MUL:
      into.rd = (word >>> 16) & 0xf;
      into.ra = (word >>> 12) & 0xf;
      into.rm = (word >>> 8) & 0xf;
      into.rn = word & 0xf;
      into.op = (word >>> 5) & 3;
      break;
    case Form.REGS:
      break;
    case Form.EXTRA:
      into.op = (((word >>> 20) & 1) << 2) | ((word >>> 5) & 3);
      into.imm = ((word >>> 4) & 0xf0) | (word & 0xf);
      break;
    case Form.LS:
      into.imm = word & 0xfff;
      into.shiftType = (word >>> 5) & 3;
      into.shiftAmount = (word >>> 7) & 0x1f;
      if (into.shiftType === Shift.ROR && into.shiftAmount === 0) into.shiftType = Shift.RRX;
      else if ((into.shiftType === Shift.LSR || into.shiftType === Shift.ASR) && into.shiftAmount === 0) into.shiftAmount = 32;
      break;
    case Form.LDM:
      into.imm = word & 0xffff;
      break;
    case Form.BRANCH:
      into.imm = ((word << 8) >> 6) | (entry.kind === Kind.BLX_IMM ? ((word >>> 24) & 1) << 1 : 0);
      break;
    case Form.SAT:
      into.imm = (word >>> 16) & 0x1f;
      into.rn = word & 0xf;
      into.shiftType = (word >>> 6) & 1 ? Shift.ASR : Shift.LSL;
      into.shiftAmount = (word >>> 7) & 0x1f;
      if (into.shiftType === Shift.ASR && into.shiftAmount === 0) into.shiftAmount = 32;
      if (entry.kind === Kind.SSAT16 || entry.kind === Kind.USAT16) into.imm = (word >>> 16) & 0xf;
      break;
    case Form.BITFIELD:
      into.rn = word & 0xf;
      into.imm = (word >>> 7) & 0x1f;
      into.imm2 = (word >>> 16) & 0x1f;
      break;
    case Form.EXTEND:
      into.shiftAmount = ((word >>> 10) & 3) * 8;
      break;
    case Form.PKH:
      into.shiftType = (word >>> 6) & 1 ? Shift.ASR : Shift.LSL;
      into.shiftAmount = (word >>> 7) & 0x1f;
      if (into.shiftType === Shift.ASR && into.shiftAmount === 0) into.shiftAmount = 32;
      break;
    case Form.IMM24:
      into.imm = word & 0xffffff;
      break;
    case Form.BKPT:
      into.imm = ((word >>> 4) & 0xfff0) | (word & 0xf);
      break;
    case Form.MSR_IMM:
      expandImmediate(word, into);
      break;
    case Form.CPS:
      into.op = (word >>> 18) & 3;
      into.imm = word & 0x1f;
      into.imm2 = (word >>> 6) & 7;
      into.s = (word >>> 17) & 1;
      break;
    case Form.SRS:
      into.imm = word & 0x1f;
      break;
    case Form.PARALLEL:
      into.op = (((word >>> 20) & 7) << 3) | ((word >>> 5) & 7);
      break;
    case Form.BANKED:
      // SYSm = R:M1:M (A8.8.109/B9.3.9).
      into.imm = (((word >>> 22) & 1) << 5) | (((word >>> 8) & 1) << 4) | ((word >>> 16) & 0xf);
      break;
    default:
      break;
  }
  return into;
}
