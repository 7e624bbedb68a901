// The comparator: QEMU's trace against ours, record by record, with the flags the Intel SDM leaves
// undefined masked. The mask table sits here, next to the code that applies it; docs/testing-x86.md
// lists it with the SDM references.
//
// Records hold the state BEFORE each instruction, so record i shows what instruction i-1 did. A
// flag an instruction leaves undefined stays masked ("poisoned") until a later instruction defines
// it again; a test program must not consume a poisoned flag (ADC, SETcc, PUSHF ...), and the
// comparator stops with an error naming the instruction if one does.

import { Field, REGISTER_NAMES, SEGMENT_NAMES, StateTrace, hex } from './trace.js';

const CF = 0x1;
const PF = 0x4;
const AF = 0x10;
const ZF = 0x40;
const SF = 0x80;
const OF = 0x800;
const ALL = CF | PF | AF | ZF | SF | OF;

export const FLAG_NAMES: [number, string][] = [
  [CF, 'CF'], [PF, 'PF'], [AF, 'AF'], [ZF, 'ZF'], [SF, 'SF'], [0x100, 'TF'], [0x200, 'IF'], [0x400, 'DF'], [OF, 'OF'],
  [0x3000, 'IOPL'], [0x4000, 'NT'], [0x10000, 'RF'], [0x20000, 'VM'], [0x40000, 'AC'], [0x80000, 'VIF'], [0x100000, 'VIP'], [0x200000, 'ID'],
];

export function flagNames(mask: number): string {
  const names = FLAG_NAMES.filter(([bit]) => (mask & bit) !== 0).map(([, name]) => name);
  if ((mask & 0x2) !== 0) names.push('bit1');
  return names.join(' ');
}

/** How an instruction's count operand changes which flags it defines. */
type CountKind = 'shift' | 'rotate' | 'double-shift';

interface FlagEffect {
  /** Arithmetic flags the instruction sets to defined values. */
  defines: number;
  /** Arithmetic flags the SDM leaves undefined after it. */
  undefined: number;
  /** Flags it reads (a read of a poisoned flag is a test-program bug). */
  reads: number;
  count?: CountKind;
}

const effect = (defines: number, undefinedFlags: number, reads = 0, count?: CountKind): FlagEffect =>
  count === undefined ? { defines, undefined: undefinedFlags, reads } : { defines, undefined: undefinedFlags, reads, count };

/**
 * Undefined flags per instruction (Intel SDM vol. 2, each instruction's "Flags Affected").
 * Instructions not listed here leave the arithmetic flags alone or define them all in a way the
 * table need not know (listed ones are those that define or read flags).
 */
export const UNDEFINED_FLAGS: Record<string, FlagEffect> = {
  // Arithmetic: all six defined.
  add: effect(ALL, 0), sub: effect(ALL, 0), cmp: effect(ALL, 0), neg: effect(ALL, 0),
  adc: effect(ALL, 0, CF), sbb: effect(ALL, 0, CF),
  cmps: effect(ALL, 0), scas: effect(ALL, 0), cmpxchg: effect(ALL, 0), xadd: effect(ALL, 0),
  inc: effect(ALL & ~CF, 0), dec: effect(ALL & ~CF, 0),
  // Logic: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set according to the
  // result. The state of the AF flag is undefined." (AND, OR, XOR, TEST)
  and: effect(ALL & ~AF, AF), or: effect(ALL & ~AF, AF), xor: effect(ALL & ~AF, AF), test: effect(ALL & ~AF, AF),
  // Shifts and rotates: refined by the count in countEffect().
  shl: effect(0, 0, 0, 'shift'), sal: effect(0, 0, 0, 'shift'), shr: effect(0, 0, 0, 'shift'), sar: effect(0, 0, 0, 'shift'),
  rol: effect(0, 0, 0, 'rotate'), ror: effect(0, 0, 0, 'rotate'),
  rcl: effect(0, 0, CF, 'rotate'), rcr: effect(0, 0, CF, 'rotate'),
  shld: effect(0, 0, 0, 'double-shift'), shrd: effect(0, 0, 0, 'double-shift'),
  // MUL, IMUL: "The OF and CF flags are set to 0 if the upper half of the result is 0 [sign
  // extension of the lower half for IMUL]; otherwise, they are set to 1. The SF, ZF, AF, and PF
  // flags are undefined."
  mul: effect(CF | OF, SF | ZF | AF | PF), imul: effect(CF | OF, SF | ZF | AF | PF),
  // DIV, IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
  div: effect(0, ALL), idiv: effect(0, ALL),
  // DAA, DAS: "The OF flag is undefined."
  daa: effect(ALL & ~OF, OF, AF | CF), das: effect(ALL & ~OF, OF, AF | CF),
  // AAA, AAS: "The AF and CF flags are set ...; the OF, SF, ZF, and PF flags are undefined."
  aaa: effect(AF | CF, OF | SF | ZF | PF, AF), aas: effect(AF | CF, OF | SF | ZF | PF, AF),
  // AAM, AAD: "The SF, ZF, and PF flags are set according to the resulting binary value in the
  // AL register. The OF, AF, and CF flags are undefined."
  aam: effect(SF | ZF | PF, OF | AF | CF), aad: effect(SF | ZF | PF, OF | AF | CF),
  // BSF, BSR: "The ZF flag is set to 1 if the source operand is 0; otherwise, the ZF flag is
  // cleared. The CF, OF, SF, AF, and PF flags are undefined."
  bsf: effect(ZF, CF | OF | SF | AF | PF), bsr: effect(ZF, CF | OF | SF | AF | PF),
  // BT, BTS, BTR, BTC: "The CF flag contains the value of the selected bit. The ZF flag is
  // unaffected. The OF, SF, AF, and PF flags are undefined."
  bt: effect(CF, OF | SF | AF | PF), bts: effect(CF, OF | SF | AF | PF), btr: effect(CF, OF | SF | AF | PF), btc: effect(CF, OF | SF | AF | PF),
  cmpxchg8b: effect(ZF, 0),
  sahf: effect(SF | ZF | AF | PF | CF, 0), popf: effect(ALL, 0), popfl: effect(ALL, 0), popfw: effect(ALL, 0),
  stc: effect(CF, 0), clc: effect(CF, 0), cmc: effect(CF, 0, CF),
  // FCOMI/FUCOMI: ZF PF CF from the comparison, OF SF AF cleared (SDM FCOMI "Flags Affected").
  fcomi: effect(ALL, 0), fcomip: effect(ALL, 0), fucomi: effect(ALL, 0), fucomip: effect(ALL, 0),
  // Readers of flags.
  pushf: effect(0, 0, ALL), pushfl: effect(0, 0, ALL), pushfw: effect(0, 0, ALL), lahf: effect(0, 0, SF | ZF | AF | PF | CF),
  salc: effect(0, 0, CF),
};

/** SETcc, CMOVcc, Jcc, FCMOVcc, LOOPcc read the flags their condition names. */
const CONDITION_READS: Record<string, number> = {
  o: OF, no: OF, b: CF, c: CF, nae: CF, ae: CF, nb: CF, nc: CF, e: ZF, z: ZF, ne: ZF, nz: ZF,
  be: CF | ZF, na: CF | ZF, a: CF | ZF, nbe: CF | ZF, s: SF, ns: SF, p: PF, pe: PF, np: PF, po: PF,
  l: SF | OF, nge: SF | OF, ge: SF | OF, nl: SF | OF, le: ZF | SF | OF, ng: ZF | SF | OF, g: ZF | SF | OF, nle: ZF | SF | OF,
};

const PREFIXES = new Set(['rep', 'repz', 'repe', 'repnz', 'repne', 'lock', 'data16', 'addr16', 'addr32', 'data32', 'cs', 'ds', 'es', 'ss', 'fs', 'gs']);

export interface DecodedText {
  /** The mnemonic as printed, without prefixes ('addl', 'cmovll', 'shll'). */
  raw: string;
  /** Base mnemonic without the AT&T size suffix ('add', 'shl', 'cmps'). */
  name: string;
  /** Operand size in bits from the suffix or the registers, or 0 when unknown. */
  size: number;
  /** AT&T operands, source first. */
  operands: string[];
}

/** Splits QEMU's AT&T disassembly ("rep movsb (%esi), %es:(%edi)") into mnemonic and operands. */
export function decodeText(text: string): DecodedText {
  const words = text.trim().split(' ');
  let index = 0;
  while (index < words.length - 1 && PREFIXES.has(words[index])) index++;
  const raw = words[index] ?? '';
  const operandText = words.slice(index + 1).join(' ');
  const operands = operandText === '' ? [] : splitOperands(operandText);
  let name = raw;
  let size = 0;
  if (UNDEFINED_FLAGS[raw] === undefined && /[bwl]$/.test(raw) && UNDEFINED_FLAGS[raw.slice(0, -1)] !== undefined) {
    name = raw.slice(0, -1);
    size = raw.endsWith('b') ? 8 : raw.endsWith('w') ? 16 : 32;
  }
  if (size === 0) {
    const last = operands[operands.length - 1] ?? '';
    if (/^%(e[a-d]x|e[sd]i|e[sb]p)$/.test(last)) size = 32;
    else if (/^%([a-d]x|[sd]i|[sb]p)$/.test(last)) size = 16;
    else if (/^%[a-d][lh]$/.test(last)) size = 8;
  }
  return { raw, name, size, operands };
}

/** The flags a conditional instruction (SETcc, CMOVcc, FCMOVcc, Jcc, LOOPcc) reads, or null. */
function conditionReads(raw: string): number | null {
  const match = /^(set|cmov|fcmov|j|loop)([a-z]+)$/.exec(raw);
  if (match === null) return null;
  // "cmovll" is CMOVL with the AT&T suffix l: try the whole tail, then without a size suffix.
  const tail = match[2];
  const reads = CONDITION_READS[tail] ?? (/[bwl]$/.test(tail) ? CONDITION_READS[tail.slice(0, -1)] : undefined);
  return reads ?? null;
}

function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += char;
  }
  out.push(current.trim());
  return out;
}

/** The flag effect of the instruction `text`, given ECX before it (for a count in CL). */
export function flagEffect(text: string, ecxBefore: number): FlagEffect {
  const decoded = decodeText(text);
  const { name, size } = decoded;
  const reads = UNDEFINED_FLAGS[name] === undefined ? conditionReads(decoded.raw) : null;
  if (reads !== null) return effect(0, 0, reads);
  const known = UNDEFINED_FLAGS[name];
  if (known === undefined) return effect(0, 0);
  if (known.count === undefined) return known;
  return countEffect(known, name, size, decoded.operands, ecxBefore);
}

function countOperand(operands: string[], ecxBefore: number, kind: CountKind): number {
  // AT&T: "shll $5, %eax", "shll %cl, %eax", "shll %eax" (by one); "shldl $4, %ebx, %eax".
  const expected = kind === 'double-shift' ? 3 : 2;
  if (operands.length < expected) return 1;
  const count = operands[0];
  if (count === '%cl') return ecxBefore & 0xff;
  if (count.startsWith('$')) return Number(count.slice(1));
  return 1;
}

function countEffect(known: FlagEffect, name: string, size: number, operands: string[], ecxBefore: number): FlagEffect {
  const kind = known.count ?? 'shift';
  const masked = countOperand(operands, ecxBefore, kind) & 0x1f;
  // "If the count is 0, the flags are not affected." (SAL/SAR/SHL/SHR, ROL/ROR/RCL/RCR, SHLD/SHRD)
  if (masked === 0) return effect(0, 0, 0);
  const overflow = masked === 1 ? OF : 0;
  const overflowUndefined = masked === 1 ? 0 : OF;
  if (kind === 'shift') {
    // SDM SAL/SAR/SHL/SHR: CF "is undefined for SHL and SHR instructions where the count is greater
    // than or equal to the size (in bits) of the destination operand"; OF only for 1-bit shifts;
    // "For a non-zero count, the AF flag is undefined."
    const carryUndefined = (name === 'shl' || name === 'shr' || name === 'sal') && size !== 0 && masked >= size ? CF : 0;
    return effect((CF & ~carryUndefined) | SF | ZF | PF | overflow, AF | overflowUndefined | carryUndefined);
  }
  if (kind === 'rotate') {
    // SDM ROL/ROR/RCL/RCR: only CF and OF are affected; OF is defined for 1-bit rotates only.
    return effect(CF | overflow, overflowUndefined, known.reads);
  }
  // SHLD/SHRD: "If the count is greater than the operand size, the flags are undefined."
  if (size !== 0 && masked > size) return effect(0, ALL);
  return effect(CF | SF | ZF | PF | overflow, AF | overflowUndefined);
}

export interface CompareOptions {
  /** Compare the x87 fields when both traces have them. */
  fpu: boolean;
  /** Disassembles our memory at an address, for reports. */
  disassembleOurs?: (eip: number) => string;
}

export interface Mismatch {
  /** Record index: the state before instruction `index`, i.e. after instruction index-1. */
  index: number;
  message: string;
}

function describe(trace: StateTrace, index: number): string {
  if (index < 0) return '(program start)';
  return `#${index} at 0x${hex(trace.eip(index))} \`${trace.text(index)}\``;
}

/**
 * Compares two collapsed traces. Returns null when every record matches (with the masks) and both
 * have the same length, else the first difference.
 */
export function compareTraces(qemu: StateTrace, ours: StateTrace, options: CompareOptions): Mismatch | null {
  let poisoned = 0;
  const count = Math.min(qemu.count, ours.count);
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      const previousText = qemu.text(i - 1);
      const effectOfPrevious = flagEffect(previousText, qemu.get(i - 1, Field.REG + 1));
      if ((effectOfPrevious.reads & poisoned) !== 0) {
        return {
          index: i - 1,
          message:
            `test program bug: instruction ${describe(qemu, i - 1)} reads ${flagNames(effectOfPrevious.reads & poisoned)}, ` +
            'which an earlier instruction left undefined (Intel SDM); define the flags first (e.g. with CMP or TEST)',
        };
      }
      poisoned = (poisoned & ~effectOfPrevious.defines) | effectOfPrevious.undefined;
    }
    const differences: string[] = [];
    for (let r = 0; r < 8; r++) {
      const q = qemu.get(i, Field.REG + r);
      const o = ours.get(i, Field.REG + r);
      if (q !== o) differences.push(`${REGISTER_NAMES[r]}: qemu ${hex(q)} ours ${hex(o)}`);
    }
    if (qemu.eip(i) !== ours.eip(i)) differences.push(`eip: qemu ${hex(qemu.eip(i))} ours ${hex(ours.eip(i))}`);
    const flagsQemu = qemu.get(i, Field.EFLAGS);
    const flagsOurs = ours.get(i, Field.EFLAGS);
    const flagDifference = (flagsQemu ^ flagsOurs) & ~poisoned;
    if (flagDifference !== 0) {
      differences.push(
        `eflags: qemu ${hex(flagsQemu)} ours ${hex(flagsOurs)} (differ in ${flagNames(flagDifference)}` +
          (poisoned !== 0 ? `; masked as undefined: ${flagNames(poisoned)})` : ')'),
      );
    }
    for (let s = 0; s < 6; s++) {
      const q = qemu.get(i, Field.SELECTOR + s);
      const o = ours.get(i, Field.SELECTOR + s);
      if (q !== o) differences.push(`${SEGMENT_NAMES[s]}: qemu ${hex(q, 4)} ours ${hex(o, 4)}`);
    }
    if (options.fpu && qemu.hasFpu && ours.hasFpu) {
      // Registers that QEMU's tag word marks empty hold stale values nobody can read: skipped.
      const inUse = qemu.get(i, Field.FTW);
      for (let f = Field.FCW; f < Field.FPR + 24; f++) {
        if (f >= Field.FPR && (inUse & (1 << Math.floor((f - Field.FPR) / 3))) === 0) continue;
        const q = qemu.get(i, f);
        const o = ours.get(i, f);
        if (q !== o) differences.push(`${fpuFieldName(f)}: qemu ${hex(q)} ours ${hex(o)}`);
      }
    }
    if (differences.length > 0) {
      const ourText = options.disassembleOurs === undefined || i === 0 ? '' : ` (ours decodes it as \`${options.disassembleOurs(ours.eip(i - 1))}\`)`;
      return {
        index: i,
        message:
          `state differs before instruction ${describe(qemu, i)}, i.e. after instruction ${describe(qemu, i - 1)}${ourText}:\n  ` +
          differences.join('\n  '),
      };
    }
  }
  if (qemu.count !== ours.count) {
    return {
      index: count,
      message:
        `QEMU ran ${qemu.count} instructions, ours ${ours.count}; the traces agree up to the shorter one, whose last instruction is ` +
        describe(qemu.count < ours.count ? qemu : ours, count - 1),
    };
  }
  return null;
}

function fpuFieldName(field: number): string {
  if (field === Field.FCW) return 'fcw';
  if (field === Field.FSW) return 'fsw';
  if (field === Field.FTW) return 'ftw';
  const register = Math.floor((field - Field.FPR) / 3);
  return `fpr${register}.${['mantissa-low', 'mantissa-high', 'exponent'][(field - Field.FPR) % 3]}`;
}
