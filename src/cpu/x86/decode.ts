// The one x86 instruction table and the decoder built from it (SDM 2, Appendix A). The table
// gives, for each one-byte and 0F two-byte opcode (and for group opcodes each ModRM.reg value),
// the mnemonic and the operand specification in the SDM's notation (Eb, Gv, Iz, Jb, ...). The
// decoder derives from it whether a ModRM byte follows and how long the immediate is; the
// disassembler prints the same specification; the interpreter dispatches on the opcode number
// and reads the decoded fields. A translator reuses the decoder unchanged.

import { DS, SS } from './state.js';

/** Immediate kinds, derived from the operand specification. */
export const Imm = {
  NONE: 0,
  /** Ib, Jb, sIb: one byte, sign-extended into `immediate`. */
  BYTE: 1,
  /** Iw: two bytes. */
  WORD: 2,
  /** Iz, Jz: two or four bytes by operand size. */
  OPSIZE: 3,
  /** Ap: offset (operand size) then 16-bit selector into `immediate2`. */
  FAR: 4,
  /** Ob, Ov: a memory offset of address size. */
  MOFFS: 5,
  /** ENTER: Iw then Ib into `immediate2`. */
  WORD_BYTE: 6,
} as const;

/** An instruction table entry: mnemonic and operands; "/name" refers to a group. */
type Entry = string;

// prettier-ignore
const ONE_BYTE: Entry[] = [
  /*00*/ 'add Eb,Gb', 'add Ev,Gv', 'add Gb,Eb', 'add Gv,Ev', 'add AL,Ib', 'add eAX,Iz', 'push ES', 'pop ES',
  /*08*/ 'or Eb,Gb', 'or Ev,Gv', 'or Gb,Eb', 'or Gv,Ev', 'or AL,Ib', 'or eAX,Iz', 'push CS', '',
  /*10*/ 'adc Eb,Gb', 'adc Ev,Gv', 'adc Gb,Eb', 'adc Gv,Ev', 'adc AL,Ib', 'adc eAX,Iz', 'push SS', 'pop SS',
  /*18*/ 'sbb Eb,Gb', 'sbb Ev,Gv', 'sbb Gb,Eb', 'sbb Gv,Ev', 'sbb AL,Ib', 'sbb eAX,Iz', 'push DS', 'pop DS',
  /*20*/ 'and Eb,Gb', 'and Ev,Gv', 'and Gb,Eb', 'and Gv,Ev', 'and AL,Ib', 'and eAX,Iz', '', 'daa',
  /*28*/ 'sub Eb,Gb', 'sub Ev,Gv', 'sub Gb,Eb', 'sub Gv,Ev', 'sub AL,Ib', 'sub eAX,Iz', '', 'das',
  /*30*/ 'xor Eb,Gb', 'xor Ev,Gv', 'xor Gb,Eb', 'xor Gv,Ev', 'xor AL,Ib', 'xor eAX,Iz', '', 'aaa',
  /*38*/ 'cmp Eb,Gb', 'cmp Ev,Gv', 'cmp Gb,Eb', 'cmp Gv,Ev', 'cmp AL,Ib', 'cmp eAX,Iz', '', 'aas',
  /*40*/ 'inc Zv', 'inc Zv', 'inc Zv', 'inc Zv', 'inc Zv', 'inc Zv', 'inc Zv', 'inc Zv',
  /*48*/ 'dec Zv', 'dec Zv', 'dec Zv', 'dec Zv', 'dec Zv', 'dec Zv', 'dec Zv', 'dec Zv',
  /*50*/ 'push Zv', 'push Zv', 'push Zv', 'push Zv', 'push Zv', 'push Zv', 'push Zv', 'push Zv',
  /*58*/ 'pop Zv', 'pop Zv', 'pop Zv', 'pop Zv', 'pop Zv', 'pop Zv', 'pop Zv', 'pop Zv',
  /*60*/ 'pusha', 'popa', 'bound Gv,Ma', 'arpl Ew,Gw', '', '', '', '',
  /*68*/ 'push Iz', 'imul Gv,Ev,Iz', 'push sIb', 'imul Gv,Ev,sIb', 'insb', 'insv', 'outsb', 'outsv',
  /*70*/ 'jo Jb', 'jno Jb', 'jb Jb', 'jnb Jb', 'jz Jb', 'jnz Jb', 'jbe Jb', 'ja Jb',
  /*78*/ 'js Jb', 'jns Jb', 'jp Jb', 'jnp Jb', 'jl Jb', 'jge Jb', 'jle Jb', 'jg Jb',
  /*80*/ '/g1 Eb,Ib', '/g1 Ev,Iz', '/g1 Eb,Ib', '/g1 Ev,sIb', 'test Eb,Gb', 'test Ev,Gv', 'xchg Eb,Gb', 'xchg Ev,Gv',
  /*88*/ 'mov Eb,Gb', 'mov Ev,Gv', 'mov Gb,Eb', 'mov Gv,Ev', 'mov Ew,Sw', 'lea Gv,M', 'mov Sw,Ew', '/g1a Ev',
  /*90*/ 'nop', 'xchg Zv,eAX', 'xchg Zv,eAX', 'xchg Zv,eAX', 'xchg Zv,eAX', 'xchg Zv,eAX', 'xchg Zv,eAX', 'xchg Zv,eAX',
  /*98*/ 'cbw', 'cwd', 'call Ap', 'fwait', 'pushf', 'popf', 'sahf', 'lahf',
  /*A0*/ 'mov AL,Ob', 'mov eAX,Ov', 'mov Ob,AL', 'mov Ov,eAX', 'movsb', 'movsv', 'cmpsb', 'cmpsv',
  /*A8*/ 'test AL,Ib', 'test eAX,Iz', 'stosb', 'stosv', 'lodsb', 'lodsv', 'scasb', 'scasv',
  /*B0*/ 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib', 'mov Zb,Ib',
  /*B8*/ 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv', 'mov Zv,Iv',
  /*C0*/ '/g2 Eb,Ib', '/g2 Ev,Ib', 'ret Iw', 'ret', 'les Gv,Mp', 'lds Gv,Mp', '/g11 Eb,Ib', '/g11 Ev,Iz',
  /*C8*/ 'enter Iw,Ib', 'leave', 'retf Iw', 'retf', 'int3', 'int Ib', 'into', 'iret',
  /*D0*/ '/g2 Eb,1', '/g2 Ev,1', '/g2 Eb,CL', '/g2 Ev,CL', 'aam Ib', 'aad Ib', 'salc', 'xlat',
  /*D8*/ 'fpu F', 'fpu F', 'fpu F', 'fpu F', 'fpu F', 'fpu F', 'fpu F', 'fpu F',
  /*E0*/ 'loopnz Jb', 'loopz Jb', 'loop Jb', 'jcxz Jb', 'in AL,Ib', 'in eAX,Ib', 'out Ib,AL', 'out Ib,eAX',
  /*E8*/ 'call Jz', 'jmp Jz', 'jmp Ap', 'jmp Jb', 'in AL,DX', 'in eAX,DX', 'out DX,AL', 'out DX,eAX',
  /*F0*/ '', 'int1', '', '', 'hlt', 'cmc', '/g3 Eb', '/g3 Ev',
  /*F8*/ 'clc', 'stc', 'cli', 'sti', 'cld', 'std', '/g4 Eb', '/g5 Ev',
];

// prettier-ignore
const TWO_BYTE: Entry[] = [
  /*00*/ '/g6 Ew', '/g7 M', 'lar Gv,Ew', 'lsl Gv,Ew', '', '', 'clts', '',
  /*08*/ 'invd', 'wbinvd', '', 'ud2', '', '', '', '',
  /*10*/ '', '', '', '', '', '', '', '',
  /*18*/ 'nop Ev', 'nop Ev', 'nop Ev', 'nop Ev', 'nop Ev', 'nop Ev', 'nop Ev', 'nop Ev',
  /*20*/ 'mov Rd,Cd', 'mov Rd,Dd', 'mov Cd,Rd', 'mov Dd,Rd', '', '', '', '',
  /*28*/ '', '', '', '', '', '', '', '',
  /*30*/ 'wrmsr', 'rdtsc', 'rdmsr', 'rdpmc', 'sysenter', 'sysexit', '', '',
  /*38*/ '', '', '', '', '', '', '', '',
  /*40*/ 'cmovo Gv,Ev', 'cmovno Gv,Ev', 'cmovb Gv,Ev', 'cmovnb Gv,Ev', 'cmovz Gv,Ev', 'cmovnz Gv,Ev', 'cmovbe Gv,Ev', 'cmova Gv,Ev',
  /*48*/ 'cmovs Gv,Ev', 'cmovns Gv,Ev', 'cmovp Gv,Ev', 'cmovnp Gv,Ev', 'cmovl Gv,Ev', 'cmovge Gv,Ev', 'cmovle Gv,Ev', 'cmovg Gv,Ev',
  /*50*/ '', '', '', '', '', '', '', '',
  /*58*/ '', '', '', '', '', '', '', '',
  /*60*/ '', '', '', '', '', '', '', '',
  /*68*/ '', '', '', '', '', '', '', '',
  /*70*/ '', '', '', '', '', '', '', '',
  /*78*/ '', '', '', '', '', '', '', '',
  /*80*/ 'jo Jz', 'jno Jz', 'jb Jz', 'jnb Jz', 'jz Jz', 'jnz Jz', 'jbe Jz', 'ja Jz',
  /*88*/ 'js Jz', 'jns Jz', 'jp Jz', 'jnp Jz', 'jl Jz', 'jge Jz', 'jle Jz', 'jg Jz',
  /*90*/ 'seto Eb', 'setno Eb', 'setb Eb', 'setnb Eb', 'setz Eb', 'setnz Eb', 'setbe Eb', 'seta Eb',
  /*98*/ 'sets Eb', 'setns Eb', 'setp Eb', 'setnp Eb', 'setl Eb', 'setge Eb', 'setle Eb', 'setg Eb',
  /*A0*/ 'push FS', 'pop FS', 'cpuid', 'bt Ev,Gv', 'shld Ev,Gv,Ib', 'shld Ev,Gv,CL', '', '',
  /*A8*/ 'push GS', 'pop GS', 'rsm', 'bts Ev,Gv', 'shrd Ev,Gv,Ib', 'shrd Ev,Gv,CL', '', 'imul Gv,Ev',
  /*B0*/ 'cmpxchg Eb,Gb', 'cmpxchg Ev,Gv', 'lss Gv,Mp', 'btr Ev,Gv', 'lfs Gv,Mp', 'lgs Gv,Mp', 'movzx Gv,Eb', 'movzx Gv,Ew',
  /*B8*/ '', 'ud1 Gv,Ev', '/g8 Ev,Ib', 'btc Ev,Gv', 'bsf Gv,Ev', 'bsr Gv,Ev', 'movsx Gv,Eb', 'movsx Gv,Ew',
  /*C0*/ 'xadd Eb,Gb', 'xadd Ev,Gv', '', '', '', '', '', '/g9 M',
  /*C8*/ 'bswap Zv', 'bswap Zv', 'bswap Zv', 'bswap Zv', 'bswap Zv', 'bswap Zv', 'bswap Zv', 'bswap Zv',
  /*D0*/ '', '', '', '', '', '', '', '',
  /*D8*/ '', '', '', '', '', '', '', '',
  /*E0*/ '', '', '', '', '', '', '', '',
  /*E8*/ '', '', '', '', '', '', '', '',
  /*F0*/ '', '', '', '', '', '', '', '',
  /*F8*/ '', '', '', '', '', '', '', '',
];

/** Groups: per ModRM.reg, a mnemonic (operands from the opcode entry) or "mnemonic operands". */
const GROUPS: Record<string, Entry[]> = {
  g1: ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'],
  g1a: ['pop', '', '', '', '', '', '', ''],
  g2: ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'],
  g3: ['test @,I', 'test @,I', 'not', 'neg', 'mul', 'imul', 'div', 'idiv'],
  g4: ['inc', 'dec', '', '', '', '', '', ''],
  g5: ['inc', 'dec', 'call', 'call Mp', 'jmp', 'jmp Mp', 'push', ''],
  g6: ['sldt', 'str', 'lldt', 'ltr', 'verr', 'verw', '', ''],
  g7: ['sgdt', 'sidt', 'lgdt', 'lidt', 'smsw Ew', '', 'lmsw Ew', 'invlpg'],
  g8: ['', '', '', '', 'bt', 'bts', 'btr', 'btc'],
  g9: ['', 'cmpxchg8b Mq', '', '', '', '', '', ''],
  g11: ['mov', '', '', '', '', '', '', ''],
};

/** Per opcode (0-0x1ff): bit 0 ModRM follows; bit 1 the r/m operand is always a register. */
export const OPCODE_FLAGS = new Uint8Array(512);
export const HAS_MODRM = 1;
export const REGISTER_ONLY = 2;
export const INVALID = 4;
/** Per opcode*8+reg: the immediate kind (Imm). */
export const IMMEDIATE_KIND = new Uint8Array(512 * 8);
/** Per opcode*8+reg: mnemonic, and operand list (for the disassembler). */
export const MNEMONIC: string[] = new Array<string>(512 * 8).fill('');
export const OPERANDS: string[] = new Array<string>(512 * 8).fill('');
/** Per opcode*8+reg: 1 when no instruction is defined there (#UD). */
export const UNDEFINED = new Uint8Array(512 * 8).fill(1);

function immediateKind(operands: string[]): number {
  let kind: number = Imm.NONE;
  for (const operand of operands) {
    if (operand === 'Ib' || operand === 'Jb' || operand === 'sIb') kind = kind === Imm.WORD ? Imm.WORD_BYTE : Imm.BYTE;
    else if (operand === 'Iw') kind = Imm.WORD;
    else if (operand === 'Iz' || operand === 'Jz' || operand === 'Iv') kind = Imm.OPSIZE;
    else if (operand === 'Ap') kind = Imm.FAR;
    else if (operand === 'Ob' || operand === 'Ov') kind = Imm.MOFFS;
  }
  return kind;
}

function usesModrm(operands: string[]): boolean {
  return operands.some((o) => /^(E[bvwd]|G[bvw]|M[apq]?|Sw|Cd|Dd|Rd|F)$/.test(o));
}

function buildTable(): void {
  const all = [...ONE_BYTE, ...TWO_BYTE];
  for (let opcode = 0; opcode < 512; opcode++) {
    const entry = all[opcode];
    if (entry === '') {
      OPCODE_FLAGS[opcode] = INVALID;
      continue;
    }
    const space = entry.indexOf(' ');
    const name = space < 0 ? entry : entry.slice(0, space);
    const operandText = space < 0 ? '' : entry.slice(space + 1);
    const operands = operandText === '' ? [] : operandText.split(',');
    let flags = 0;
    if (name.startsWith('/')) {
      const group = GROUPS[name.slice(1)];
      flags |= HAS_MODRM;
      for (let reg = 0; reg < 8; reg++) {
        const member = group[reg];
        const index = opcode * 8 + reg;
        if (member === '') continue;
        UNDEFINED[index] = 0;
        const memberSpace = member.indexOf(' ');
        const memberName = memberSpace < 0 ? member : member.slice(0, memberSpace);
        let memberOperands = memberSpace < 0 ? operands : member.slice(memberSpace + 1).split(',');
        // Group 3's TEST: "@" is the opcode's own operand, "I" its immediate (Ib or Iz).
        memberOperands = memberOperands.map((o) => (o === '@' ? operands[0] : o === 'I' ? (operands[0] === 'Eb' ? 'Ib' : 'Iz') : o));
        MNEMONIC[index] = memberName;
        OPERANDS[index] = memberOperands.join(',');
        IMMEDIATE_KIND[index] = immediateKind(memberOperands);
      }
    } else {
      if (usesModrm(operands)) flags |= HAS_MODRM;
      if (operands.includes('Rd')) flags |= REGISTER_ONLY;
      for (let reg = 0; reg < 8; reg++) {
        UNDEFINED[opcode * 8 + reg] = 0;
        MNEMONIC[opcode * 8 + reg] = name;
        OPERANDS[opcode * 8 + reg] = operands.join(',');
        IMMEDIATE_KIND[opcode * 8 + reg] = immediateKind(operands);
      }
    }
    OPCODE_FLAGS[opcode] = flags;
  }
}
buildTable();

/** Where the decoder reads instruction bytes: byte `index` of the instruction, or -1 past the end. */
export interface ByteSource {
  byteAt(index: number): number;
}

export const DecodeStatus = {
  OK: 0,
  /** The byte source ran out (disassembler) — the fetch itself may have faulted. */
  TRUNCATED: 1,
  /** More than 15 bytes (SDM 2, 2.3.11: #GP(0)). */
  TOO_LONG: 2,
} as const;

const BASE16 = new Int8Array([3, 3, 5, 5, 6, 7, 5, 3]);
const INDEX16 = new Int8Array([6, 7, 6, 7, -1, -1, -1, -1]);

/** A decoded instruction; one instance is reused for every decode (no allocation per instruction). */
export class DecodedInstruction {
  /** 0x000-0x0ff one-byte opcodes, 0x100-0x1ff the 0F opcodes. */
  opcode = 0;
  length = 0;
  operandSize32 = true;
  addressSize32 = true;
  /** Segment override prefix (ES..GS) or -1. */
  segmentOverride = -1;
  /** 0, 0xf2 (REPNE) or 0xf3 (REP/REPE); the last one given wins. */
  repeat = 0;
  lock = false;
  /** Number of prefix bytes. */
  prefixes = 0;
  /** The ModRM byte, or -1. */
  modrm = -1;
  mod = 0;
  reg = 0;
  rm = 0;
  /** Whether the r/m operand is in memory. */
  memory = false;
  /** Memory operand: base and index register (-1 none), scale shift, displacement. */
  base = -1;
  index = -1;
  scale = 0;
  displacement = 0;
  /** DS, or SS when the base is (E)BP or ESP. */
  defaultSegment = DS;
  immediate = 0;
  immediate2 = 0;
  /** The table says this opcode (or group member) does not exist: #UD. */
  invalid = false;

  /** The segment of the memory operand after overrides. */
  get segment(): number {
    return this.segmentOverride >= 0 ? this.segmentOverride : this.defaultSegment;
  }
}

/**
 * Decodes one instruction from `source` into `out`. `code32` is the default operand and address
 * size (CS.D). Returns a DecodeStatus.
 */
export function decode(source: ByteSource, code32: boolean, out: DecodedInstruction): number {
  let position = 0;
  let operandSize32 = code32;
  let addressSize32 = code32;
  out.segmentOverride = -1;
  out.repeat = 0;
  out.lock = false;
  let byte: number;
  for (;;) {
    if (position >= 15) return DecodeStatus.TOO_LONG;
    byte = source.byteAt(position);
    if (byte < 0) return DecodeStatus.TRUNCATED;
    position++;
    switch (byte) {
      case 0x26:
        out.segmentOverride = 0;
        continue;
      case 0x2e:
        out.segmentOverride = 1;
        continue;
      case 0x36:
        out.segmentOverride = 2;
        continue;
      case 0x3e:
        out.segmentOverride = 3;
        continue;
      case 0x64:
        out.segmentOverride = 4;
        continue;
      case 0x65:
        out.segmentOverride = 5;
        continue;
      case 0x66:
        operandSize32 = !code32;
        continue;
      case 0x67:
        addressSize32 = !code32;
        continue;
      case 0xf0:
        out.lock = true;
        continue;
      case 0xf2:
      case 0xf3:
        out.repeat = byte;
        continue;
    }
    break;
  }
  out.prefixes = position - 1;
  let opcode = byte;
  if (byte === 0x0f) {
    if (position >= 15) return DecodeStatus.TOO_LONG;
    const second = source.byteAt(position);
    if (second < 0) return DecodeStatus.TRUNCATED;
    position++;
    opcode = 0x100 | second;
  }
  out.opcode = opcode;
  out.operandSize32 = operandSize32;
  out.addressSize32 = addressSize32;
  const flags = OPCODE_FLAGS[opcode];
  out.memory = false;
  out.modrm = -1;
  out.mod = 0;
  out.reg = 0;
  out.rm = opcode & 7;
  out.base = -1;
  out.index = -1;
  out.scale = 0;
  out.displacement = 0;
  out.defaultSegment = DS;
  if ((flags & HAS_MODRM) !== 0) {
    if (position >= 15) return DecodeStatus.TOO_LONG;
    const modrm = source.byteAt(position);
    if (modrm < 0) return DecodeStatus.TRUNCATED;
    position++;
    out.modrm = modrm;
    const mod = modrm >> 6;
    out.mod = mod;
    out.reg = (modrm >> 3) & 7;
    out.rm = modrm & 7;
    if (mod !== 3 && (flags & REGISTER_ONLY) === 0) {
      out.memory = true;
      let displacementSize = 0;
      if (addressSize32) {
        let rm = modrm & 7;
        if (rm === 4) {
          if (position >= 15) return DecodeStatus.TOO_LONG;
          const sib = source.byteAt(position);
          if (sib < 0) return DecodeStatus.TRUNCATED;
          position++;
          out.scale = sib >> 6;
          const index = (sib >> 3) & 7;
          out.index = index === 4 ? -1 : index;
          rm = sib & 7;
          if (rm === 5 && mod === 0) {
            out.base = -1;
            displacementSize = 4;
          } else out.base = rm;
        } else if (rm === 5 && mod === 0) {
          out.base = -1;
          displacementSize = 4;
        } else out.base = rm;
        if (mod === 1) displacementSize = 1;
        else if (mod === 2) displacementSize = 4;
        if (out.base === 4 || out.base === 5) out.defaultSegment = SS;
      } else {
        const rm = modrm & 7;
        if (rm === 6 && mod === 0) {
          displacementSize = 2;
        } else {
          out.base = BASE16[rm];
          out.index = INDEX16[rm];
          if (rm === 2 || rm === 3 || rm === 6) out.defaultSegment = SS;
        }
        if (mod === 1) displacementSize = 1;
        else if (mod === 2) displacementSize = 2;
      }
      if (displacementSize !== 0) {
        const value = readImmediate(source, position, displacementSize);
        if (value === TRUNCATED_VALUE) return DecodeStatus.TRUNCATED;
        if (position + displacementSize > 15) return DecodeStatus.TOO_LONG;
        position += displacementSize;
        out.displacement = displacementSize === 1 ? (value << 24) >> 24 : displacementSize === 2 ? (value << 16) >> 16 : value | 0;
      }
    }
  }
  out.invalid = UNDEFINED[opcode * 8 + out.reg] !== 0;
  const kind = IMMEDIATE_KIND[opcode * 8 + out.reg];
  if (out.modrm < 0 && kind === Imm.NONE) {
    out.immediate = 0;
  } else if (kind !== Imm.NONE) {
    let size = 0;
    let size2 = 0;
    switch (kind) {
      case Imm.BYTE:
        size = 1;
        break;
      case Imm.WORD:
        size = 2;
        break;
      case Imm.OPSIZE:
        size = operandSize32 ? 4 : 2;
        break;
      case Imm.FAR:
        size = operandSize32 ? 4 : 2;
        size2 = 2;
        break;
      case Imm.MOFFS:
        size = addressSize32 ? 4 : 2;
        break;
      case Imm.WORD_BYTE:
        size = 2;
        size2 = 1;
        break;
    }
    if (position + size + size2 > 15) return DecodeStatus.TOO_LONG;
    const value = readImmediate(source, position, size);
    if (value === TRUNCATED_VALUE) return DecodeStatus.TRUNCATED;
    position += size;
    if (kind === Imm.MOFFS) out.immediate = value >>> 0;
    else if (kind === Imm.FAR) out.immediate = size === 2 ? value & 0xffff : value >>> 0;
    else out.immediate = size === 1 ? (value << 24) >> 24 : size === 2 ? (value << 16) >> 16 : value | 0;
    if (size2 !== 0) {
      const value2 = readImmediate(source, position, size2);
      if (value2 === TRUNCATED_VALUE) return DecodeStatus.TRUNCATED;
      position += size2;
      out.immediate2 = value2;
    }
  }
  out.length = position;
  return DecodeStatus.OK;
}

const TRUNCATED_VALUE = -0.5;

function readImmediate(source: ByteSource, position: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) {
    const byte = source.byteAt(position + i);
    if (byte < 0) return TRUNCATED_VALUE;
    value |= byte << (8 * i);
  }
  return size === 4 ? value >>> 0 : value;
}
