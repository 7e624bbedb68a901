// Intel-syntax (NASM-style) disassembler, printed from the decoder's table (decode.ts): the same
// decode the interpreter runs, so what is shown is what executes.

import { decode, DecodedInstruction, DecodeStatus, MNEMONIC, OPERANDS, type ByteSource } from './decode.js';

const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', '?s', '?s'];

// x87 (D8-DF): memory forms per opcode and reg; register forms per opcode and reg or by full byte.
const X87_MEMORY = [
  ['fadd dword', 'fmul dword', 'fcom dword', 'fcomp dword', 'fsub dword', 'fsubr dword', 'fdiv dword', 'fdivr dword'],
  ['fld dword', '', 'fst dword', 'fstp dword', 'fldenv', 'fldcw word', 'fnstenv', 'fnstcw word'],
  ['fiadd dword', 'fimul dword', 'ficom dword', 'ficomp dword', 'fisub dword', 'fisubr dword', 'fidiv dword', 'fidivr dword'],
  ['fild dword', 'fisttp dword', 'fist dword', 'fistp dword', '', 'fld tword', '', 'fstp tword'],
  ['fadd qword', 'fmul qword', 'fcom qword', 'fcomp qword', 'fsub qword', 'fsubr qword', 'fdiv qword', 'fdivr qword'],
  ['fld qword', 'fisttp qword', 'fst qword', 'fstp qword', 'frstor', '', 'fnsave', 'fnstsw word'],
  ['fiadd word', 'fimul word', 'ficom word', 'ficomp word', 'fisub word', 'fisubr word', 'fidiv word', 'fidivr word'],
  ['fild word', 'fisttp word', 'fist word', 'fistp word', 'fbld tword', 'fild qword', 'fbstp tword', 'fistp qword'],
];
const X87_REGISTER = [
  ['fadd st0,#', 'fmul st0,#', 'fcom #', 'fcomp #', 'fsub st0,#', 'fsubr st0,#', 'fdiv st0,#', 'fdivr st0,#'],
  ['fld #', 'fxch #', '', 'fstp1 #', '', '', '', ''],
  ['fcmovb st0,#', 'fcmove st0,#', 'fcmovbe st0,#', 'fcmovu st0,#', '', '', '', ''],
  ['fcmovnb st0,#', 'fcmovne st0,#', 'fcmovnbe st0,#', 'fcmovnu st0,#', '', 'fucomi st0,#', 'fcomi st0,#', ''],
  ['fadd #,st0', 'fmul #,st0', 'fcom2 #', 'fcomp3 #', 'fsubr #,st0', 'fsub #,st0', 'fdivr #,st0', 'fdiv #,st0'],
  ['ffree #', 'fxch4 #', 'fst #', 'fstp #', 'fucom #', 'fucomp #', '', ''],
  ['faddp #,st0', 'fmulp #,st0', 'fcomp5 #', '', 'fsubrp #,st0', 'fsubp #,st0', 'fdivrp #,st0', 'fdivp #,st0'],
  ['ffreep #', 'fxch7 #', 'fstp8 #', 'fstp9 #', '', 'fucomip st0,#', 'fcomip st0,#', ''],
];
const X87_D9 = [
  'fnop', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '',
  'fchs', 'fabs', '', '', 'ftst', 'fxam', '', '', 'fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz', '',
  'f2xm1', 'fyl2x', 'fptan', 'fpatan', 'fxtract', 'fprem1', 'fdecstp', 'fincstp', 'fprem', 'fyl2xp1', 'fsqrt', 'fsincos', 'frndint', 'fscale', 'fsin', 'fcos',
];

/** x87 mnemonic text for the decoded D8-DF instruction (memory operand shown as "@"). */
export function x87Mnemonic(inst: DecodedInstruction): string {
  const row = inst.opcode - 0xd8;
  if (inst.memory) return X87_MEMORY[row][inst.reg];
  if (row === 1 && inst.reg >= 2 && inst.reg !== 3) return X87_D9[inst.modrm - 0xd0];
  if (row === 2 && inst.modrm === 0xe9) return 'fucompp';
  if (row === 3 && inst.reg === 4) return ['feni', 'fdisi', 'fnclex', 'fninit', 'fsetpm', '', '', ''][inst.rm];
  if (row === 6 && inst.modrm === 0xd9) return 'fcompp';
  if (row === 7 && inst.reg === 4) return inst.rm === 0 ? 'fnstsw ax' : '';
  return X87_REGISTER[row][inst.reg];
}

function hex(value: number): string {
  return '0x' + (value >>> 0).toString(16);
}

function signedHex(value: number): string {
  return value < 0 ? '-0x' + (-value).toString(16) : '+0x' + value.toString(16);
}

class ArraySource implements ByteSource {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  byteAt(index: number): number {
    const i = this.offset + index;
    return i < this.bytes.length ? this.bytes[i] : -1;
  }
}

const source = new ArraySource();
const instruction = new DecodedInstruction();

function memoryText(inst: DecodedInstruction, sizeName: string): string {
  const parts: string[] = [];
  const names = inst.addressSize32 ? REG32 : REG16;
  if (inst.base >= 0) parts.push(names[inst.base]);
  if (inst.index >= 0) parts.push(inst.scale === 0 ? names[inst.index] : `${names[inst.index]}*${1 << inst.scale}`);
  let text = parts.join('+');
  if (inst.displacement !== 0 || parts.length === 0) {
    text = parts.length === 0 ? hex(inst.addressSize32 ? inst.displacement : inst.displacement & 0xffff) : text + signedHex(inst.displacement);
  }
  const segment = inst.segmentOverride >= 0 ? SREG[inst.segmentOverride] + ':' : '';
  return `${sizeName === '' ? '' : sizeName + ' '}[${segment}${text}]`;
}

function operandText(inst: DecodedInstruction, operand: string, address: number): string {
  const v32 = inst.operandSize32;
  switch (operand) {
    case 'Eb':
      return inst.memory ? memoryText(inst, 'byte') : REG8[inst.rm];
    case 'Ew':
      return inst.memory ? memoryText(inst, 'word') : REG16[inst.rm];
    case 'Ed':
    case 'Rd':
      return inst.memory ? memoryText(inst, 'dword') : REG32[inst.rm];
    case 'Ev':
      return inst.memory ? memoryText(inst, v32 ? 'dword' : 'word') : v32 ? REG32[inst.rm] : REG16[inst.rm];
    case 'M':
    case 'Ma':
      return memoryText(inst, '');
    case 'Mp':
      return memoryText(inst, v32 ? 'fword' : 'dword');
    case 'Mq':
      return memoryText(inst, 'qword');
    case 'Gb':
      return REG8[inst.reg];
    case 'Gw':
      return REG16[inst.reg];
    case 'Gv':
      return v32 ? REG32[inst.reg] : REG16[inst.reg];
    case 'Zb':
      return REG8[inst.rm];
    case 'Zv':
      return v32 ? REG32[inst.rm] : REG16[inst.rm];
    case 'Sw':
      return SREG[inst.reg];
    case 'Cd':
      return `cr${inst.reg}`;
    case 'Dd':
      return `dr${inst.reg}`;
    case 'Ib':
      return hex((inst.opcode === 0xc8 ? inst.immediate2 : inst.immediate) & 0xff);
    case 'Iw':
      return hex(inst.immediate & 0xffff);
    case '1':
      return '1';
    case 'sIb':
    case 'Iz':
    case 'Iv':
      return hex(v32 ? inst.immediate : inst.immediate & 0xffff);
    case 'Jb':
    case 'Jz': {
      const target = address + inst.length + inst.immediate;
      return hex(v32 ? target : target & 0xffff);
    }
    case 'Ap':
      return `${hex(inst.immediate2)}:${hex(inst.immediate)}`;
    case 'Ob':
    case 'Ov': {
      const segment = inst.segmentOverride >= 0 ? SREG[inst.segmentOverride] : 'ds';
      return `${operand === 'Ob' ? 'byte' : v32 ? 'dword' : 'word'} [${segment}:${hex(inst.immediate)}]`;
    }
    case 'AL':
      return 'al';
    case 'CL':
      return 'cl';
    case 'DX':
      return 'dx';
    case 'eAX':
      return v32 ? 'eax' : 'ax';
    case 'ES':
    case 'CS':
    case 'SS':
    case 'DS':
    case 'FS':
    case 'GS':
      return operand.toLowerCase();
    default:
      return operand;
  }
}

const SIZED_NAMES: Record<string, [string, string]> = {
  cbw: ['cbw', 'cwde'],
  cwd: ['cwd', 'cdq'],
  pusha: ['pushaw', 'pushad'],
  popa: ['popaw', 'popad'],
  pushf: ['pushfw', 'pushfd'],
  popf: ['popfw', 'popfd'],
  iret: ['iretw', 'iretd'],
  insv: ['insw', 'insd'],
  outsv: ['outsw', 'outsd'],
  movsv: ['movsw', 'movsd'],
  cmpsv: ['cmpsw', 'cmpsd'],
  stosv: ['stosw', 'stosd'],
  lodsv: ['lodsw', 'lodsd'],
  scasv: ['scasw', 'scasd'],
  jcxz: ['jcxz', 'jecxz'],
};

/**
 * Disassembles one instruction at `bytes[offset]`. `address` (default `offset`) is the
 * instruction's address, for jump targets. A truncated or undefined instruction shows as "(bad)".
 */
export function disassemble(bytes: Uint8Array, offset: number, is32: boolean, address = offset): { text: string; length: number } {
  source.bytes = bytes;
  source.offset = offset;
  const inst = instruction;
  const status = decode(source, is32, inst);
  if (status !== DecodeStatus.OK) return { text: '(bad)', length: status === DecodeStatus.TOO_LONG ? 15 : Math.max(1, bytes.length - offset) };
  const index = inst.opcode * 8 + inst.reg;
  let name = MNEMONIC[index];
  let operands = OPERANDS[index] === '' ? [] : OPERANDS[index].split(',');
  if (inst.opcode >= 0xd8 && inst.opcode <= 0xdf) {
    const text = x87Mnemonic(inst);
    if (text === '') return { text: '(bad)', length: inst.length };
    const space = text.indexOf(' ');
    name = space < 0 ? text : text.slice(0, space);
    const rest = space < 0 ? '' : text.slice(space + 1);
    if (inst.memory) operands = [memoryText(inst, rest)];
    else operands = rest === '' ? [] : rest.split(',').map((o) => (o === '#' ? `st${inst.rm}` : o));
    return { text: prefixText(inst, name) + name + (operands.length > 0 ? ' ' + operands.join(',') : ''), length: inst.length };
  }
  if (inst.invalid) return { text: '(bad)', length: inst.length };
  const sized = SIZED_NAMES[name];
  if (sized !== undefined) name = sized[(name === 'jcxz' ? inst.addressSize32 : inst.operandSize32) ? 1 : 0];
  const text = operands.map((operand) => operandText(inst, operand, address)).join(',');
  return { text: prefixText(inst, name) + name + (text === '' ? '' : ' ' + text), length: inst.length };
}

function prefixText(inst: DecodedInstruction, name: string): string {
  let text = inst.lock ? 'lock ' : '';
  if (inst.repeat !== 0) {
    const stringOp = /^(movs|cmps|scas|lods|stos|ins|outs)/.test(name);
    const conditional = /^(cmps|scas)/.test(name);
    text += !stringOp ? (inst.repeat === 0xf3 ? 'rep ' : 'repne ') : inst.repeat === 0xf2 ? 'repne ' : conditional ? 'repe ' : 'rep ';
  }
  return text;
}
