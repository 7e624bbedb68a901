// Random instruction sequences: a seeded PRNG picks instruction templates and fills in registers,
// immediates, counts and scratch-buffer offsets, and the result is nasm source for a program that
// the harness builds and runs on both sides like the hand-written ones. The sequences never branch
// and touch memory only in a scratch buffer (EBP points at its middle and is never written). The
// generator tracks which flags are undefined (the comparator's table) and defines them with a CMP
// before any instruction that would read them, so QEMU's arbitrary choices never reach a register.

import { flagEffect } from './compare.js';

/** xoshiro128** seeded through splitmix32: small, fast, and the same on every host. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    // splitmix32 to spread the seed over the state.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** The next 32-bit value. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  below(n: number): number {
    return this.next() % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  /** A 32-bit value biased toward the edges (0, 1, 0x7f.., 0x80.., 0xff..) half of the time. */
  value(): number {
    if (this.below(2) === 0) return this.next();
    return this.pick(EDGE_VALUES);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const EDGE_VALUES = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];

const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esi', 'edi'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'si', 'di'];
const R8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const CONDITIONS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SIZES = [8, 16, 32] as const;
type Size = (typeof SIZES)[number];

/** Bytes of scratch memory; EBP points at its middle. */
export const SCRATCH_BYTES = 512;

function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function register(random: Random, size: Size): string {
  return random.pick(size === 32 ? R32 : size === 16 ? R16 : R8);
}

function sizeName(size: Size): string {
  return size === 32 ? 'dword' : size === 16 ? 'word' : 'byte';
}

/** A memory operand inside the scratch buffer, aligned or not. */
function memory(random: Random, size: Size): string {
  const offset = random.below(SCRATCH_BYTES / 2) - SCRATCH_BYTES / 4;
  return random.below(3) === 0 ? `${sizeName(size)} [scratch + ${offset + SCRATCH_BYTES / 2}]` : `${sizeName(size)} [ebp ${offset < 0 ? '-' : '+'} ${Math.abs(offset)}]`;
}

function immediate(random: Random, size: Size): string {
  const value = random.value();
  return hex32(size === 32 ? value : size === 16 ? value & 0xffff : value & 0xff);
}

type Template = (random: Random) => string[];

const ALU = ['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor', 'cmp', 'test'];
const SHIFTS = ['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'];

const TEMPLATES: Template[] = [
  // ALU, all forms.
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(ALU)} ${register(r, size)}, ${register(r, size)}`];
  },
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(ALU)} ${register(r, size)}, ${immediate(r, size)}`];
  },
  (r) => [`${r.pick(['add', 'sub', 'and', 'or', 'xor', 'cmp', 'adc', 'sbb'])} ${r.pick(R32)}, byte ${r.below(256) - 128}`],
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(ALU)} ${memory(r, size)}, ${register(r, size)}`];
  },
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(ALU.filter((op) => op !== 'test'))} ${register(r, size)}, ${memory(r, size)}`];
  },
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(ALU)} ${memory(r, size)}, ${immediate(r, size)}`];
  },
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(['inc', 'dec', 'neg', 'not'])} ${r.below(3) === 0 ? memory(r, size) : register(r, size)}`];
  },
  // Shifts and rotates by an immediate (0 … 33), by one, and by CL.
  (r) => {
    const size = r.pick(SIZES);
    const count = r.pick([0, 1, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, r.below(256)]);
    return [`${r.pick(SHIFTS)} ${r.below(4) === 0 ? memory(r, size) : register(r, size)}, ${count}`];
  },
  (r) => {
    const size = r.pick(SIZES);
    const target = r.below(4) === 0 ? memory(r, size) : register(r, size);
    return [`mov cl, ${r.pick([0, 1, 2, 5, 8, 9, 16, 17, 31, 32, 33, 0xff, r.below(256)])}`, `${r.pick(SHIFTS)} ${target}, cl`];
  },
  // SHLD/SHRD: any count in 32 bits; at most 16 in 16 bits (above that the result is undefined).
  (r) => [`${r.pick(['shld', 'shrd'])} ${r.pick(R32)}, ${r.pick(R32)}, ${r.below(32)}`],
  (r) => [`${r.pick(['shld', 'shrd'])} ${r.pick(R16)}, ${r.pick(R16)}, ${r.below(17)}`],
  (r) => [`mov cl, ${r.below(256)}`, `${r.pick(['shld', 'shrd'])} ${r.pick(R32.filter((name) => name !== 'ecx'))}, ${r.pick(R32)}, cl`],
  // Multiplication.
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(['mul', 'imul'])} ${r.below(4) === 0 ? memory(r, size) : register(r, size)}`];
  },
  (r) => {
    const size = r.pick([16, 32] as const);
    return [`imul ${register(r, size)}, ${r.below(3) === 0 ? memory(r, size) : register(r, size)}`];
  },
  (r) => {
    const size = r.pick([16, 32] as const);
    return [`imul ${register(r, size)}, ${register(r, size)}, ${r.below(2) === 0 ? `byte ${r.below(256) - 128}` : immediate(r, size)}`];
  },
  // Division set up so that it cannot fault.
  (r) => {
    const divisor = r.pick(['ecx', 'ebx', 'esi', 'edi']);
    return r.below(2) === 0
      ? ['xor edx, edx', `or ${divisor}, 1`, `div ${divisor}`]
      : ['cdq', `and ${divisor}, 0x7fffffff`, `or ${divisor}, 1`, `idiv ${divisor}`];
  },
  (r) => {
    const divisor = r.pick(['cx', 'bx', 'si', 'di']);
    return r.below(2) === 0 ? ['xor edx, edx', `or ${divisor}, 1`, `div ${divisor}`] : ['cwd', `and ${divisor}, 0x7fff`, `or ${divisor}, 1`, `idiv ${divisor}`];
  },
  (r) => {
    const divisor = r.pick(['cl', 'bl', 'dl']);
    return r.below(2) === 0 ? ['movzx eax, al', `or ${divisor}, 1`, `div ${divisor}`] : ['cbw', `and ${divisor}, 0x7f`, `or ${divisor}, 1`, `idiv ${divisor}`];
  },
  // BCD.
  (r) => [r.pick(['daa', 'das', 'aaa', 'aas'])],
  (r) => [r.below(2) === 0 ? `aam ${r.pick([10, 10, 16, 3, 255, 1 + r.below(255)])}` : `aad ${r.pick([10, 10, 16, 0, 255, r.below(256)])}`],
  // Bit instructions.
  (r) => {
    const size = r.pick([16, 32] as const);
    return [`${r.pick(['bt', 'bts', 'btr', 'btc'])} ${register(r, size)}, ${r.below(2) === 0 ? register(r, size) : String(r.below(256))}`];
  },
  (r) => [`${r.pick(['bt', 'bts', 'btr', 'btc'])} ${memory(r, 32)}, ${r.below(32)}`],
  (r) => {
    const size = r.pick([16, 32] as const);
    return [`${r.pick(['bsf', 'bsr'])} ${register(r, size)}, ${r.below(4) === 0 ? memory(r, size) : register(r, size)}`];
  },
  (r) => [`bswap ${r.pick(R32)}`],
  (r) => {
    const size = r.pick(SIZES);
    return [`${r.pick(['xadd', 'cmpxchg'])} ${r.below(3) === 0 ? memory(r, size) : register(r, size)}, ${register(r, size)}`];
  },
  (r) => [`cmpxchg8b [ebp ${r.below(2) === 0 ? '+' : '-'} ${r.below(63) * 4}]`],
  // Conditions.
  (r) => [`set${r.pick(CONDITIONS)} ${r.below(4) === 0 ? memory(r, 8) : register(r, 8)}`],
  (r) => {
    const size = r.pick([16, 32] as const);
    return [`cmov${r.pick(CONDITIONS)} ${register(r, size)}, ${r.below(4) === 0 ? memory(r, size) : register(r, size)}`];
  },
  (r) => [r.pick(['stc', 'clc', 'cmc', 'lahf', 'sahf'])],
  // Moves, conversions, exchanges, addresses.
  (r) => [`mov ${r.pick(R32)}, ${hex32(r.value())}`],
  (r) => {
    const size = r.pick(SIZES);
    return r.below(2) === 0 ? [`mov ${register(r, size)}, ${memory(r, size)}`] : [`mov ${memory(r, size)}, ${register(r, size)}`];
  },
  (r) => [`${r.pick(['movzx', 'movsx'])} ${r.pick(R32)}, ${r.below(2) === 0 ? register(r, 8) : register(r, 16)}`],
  (r) => [`${r.pick(['movzx', 'movsx'])} ${r.pick(R16)}, ${register(r, 8)}`],
  (r) => {
    const size = r.pick(SIZES);
    return [`xchg ${register(r, size)}, ${r.below(3) === 0 ? memory(r, size) : register(r, size)}`];
  },
  (r) => [r.pick(['cbw', 'cwde', 'cwd', 'cdq'])],
  (r) => [`lea ${r.pick(R32)}, [${r.pick(R32)} + ${r.pick(R32)} * ${r.pick([1, 2, 4, 8])} ${r.below(2) === 0 ? '+' : '-'} ${hex32(r.value() & 0x7fffffff)}]`],
  (r) => [`lea ${r.pick(R16)}, [${r.pick(R32)} + ${r.below(256)}]`],
  (r) => [`a16 lea ${r.pick(R32)}, [${r.pick(['bx + si', 'bx + di', 'bp + si', 'bp + di', 'si', 'di', 'bx'])} + ${r.below(0x10000)}]`],
  (r) => [`push ${r.pick(R32)}`, `pop ${r.pick(R32)}`],
  (r) => [`push ${hex32(r.value())}`, `pop ${r.pick(R16)}`, `pop ${r.pick(R16)}`],
  (r) => ['pushf', `pop ${r.pick(R32)}`],
  (r) => [`push ${hex32(r.value() & 0xcd5)}`, 'popf'],
  (r) => ['pushad', `mov ${r.pick(R32)}, ${hex32(r.value())}`, 'popad'],
  (r) => [`enter ${r.below(64)}, ${r.pick([0, 0, 1, 2])}`, `mov dword [ebp - 4], ${hex32(r.value())}`, 'leave'],
  (r) => [`push dword [ebp ${r.below(2) === 0 ? '+' : '-'} ${r.below(128)}]`, `pop ${r.below(2) === 0 ? r.pick(R32) : memory(r, 32)}`],
  (r) => [`o16 push word [ebp + ${r.below(128)}]`, `o16 pop ${memory(r, 16)}`],
  (r) => {
    const size = r.pick(SIZES);
    return [`lock ${r.pick(['add', 'adc', 'sub', 'sbb', 'and', 'or', 'xor'])} ${memory(r, size)}, ${register(r, size)}`];
  },
  (r) => [`lock ${r.pick(['inc', 'dec', 'neg', 'not'])} ${memory(r, r.pick(SIZES))}`],
  // BT on memory with a register bit offset (bounded to the buffer, negative offsets included).
  (r) => {
    const offset = r.pick(R32.filter((name) => name !== 'eax'));
    // Bits -1024 … 1023 from EBP: bytes EBP-128 … EBP+127.
    return [`mov ${offset}, ${r.below(2048) - 1024}`, `${r.pick(['bt', 'bts', 'btr', 'btc'])} dword [ebp], ${offset}`];
  },
  (r) => ['salc', `${r.pick(['xchg', 'cmpxchg', 'xadd'])} ${memory(r, 8)}, al`],
  // Strings inside the scratch buffer, in both directions.
  (r) => {
    const operation = r.pick(['rep movsb', 'rep movsw', 'rep movsd', 'rep stosb', 'rep stosd', 'lodsb', 'lodsd', 'repe cmpsb', 'repne cmpsd', 'repne scasb', 'repe scasw', 'movsb', 'stosw', 'cmpsw', 'scasd']);
    return [
      r.below(2) === 0 ? 'cld' : 'std',
      `lea esi, [ebp + ${r.below(128) - 64}]`,
      `lea edi, [ebp + ${r.below(128) - 64}]`,
      `mov ecx, ${r.below(17)}`,
      operation,
      'cld',
    ];
  },
];

/** Flags an instruction reads, defines and leaves undefined, from the comparator's table. */
function effectOf(line: string, ecx: number): { reads: number; defines: number; undefined: number } {
  return flagEffect(toAtt(line), ecx);
}

/**
 * Just enough of Intel-to-AT&T to look an instruction up in the comparator's table: the mnemonic
 * (with the condition for SETcc/CMOVcc), and the count operand of shifts first.
 */
function toAtt(line: string): string {
  const words = line.replace(/,/g, ' ').split(/\s+/).filter((word) => word !== '');
  let index = 0;
  while (['rep', 'repe', 'repne', 'a16', 'o16', 'lock'].includes(words[index])) index++;
  const mnemonic = words[index] ?? '';
  const operands = line.slice(line.indexOf(mnemonic) + mnemonic.length).split(',').map((operand) => operand.trim()).filter((operand) => operand !== '');
  const att = operands.reverse().map((operand) => (/^-?\d+$/.test(operand) ? `$${operand}` : operand === 'cl' ? '%cl' : operand));
  // Register size for shifts with an implicit size.
  const target = operands[operands.length - 1] ?? '';
  const suffix = /^(e[a-d]x|e[sd]i|e[sb]p)$/.test(target) ? 'l' : /^([a-d]x|[sd]i|[sb]p)$/.test(target) ? 'w' : /^[a-d][lh]$/.test(target) ? 'b' : /^dword/.test(target) ? 'l' : /^word/.test(target) ? 'w' : /^byte/.test(target) ? 'b' : '';
  return `${mnemonic}${suffix} ${att.join(', ')}`;
}

export interface RandomProgram {
  seed: number;
  source: string;
  /** Instructions in the random body (not counting the set-up and the final memory dump). */
  instructions: number;
}

/** nasm source for `count` random instructions (approximately: templates emit 1 to 6). */
export function randomProgram(seed: number, count: number): RandomProgram {
  const random = new Random(seed);
  const lines: string[] = [
    `; Random instruction sequence, seed ${seed} (generated by test/cpu/x86/differential/random-program.ts).`,
    '%include "common.inc"',
    'START',
    `  mov ebp, scratch + ${SCRATCH_BYTES / 2}`,
  ];
  for (const name of R32) lines.push(`  mov ${name}, ${hex32(random.value())}`);
  lines.push('  cmp eax, ebx'); // defines every arithmetic flag
  let poisoned = 0;
  // ECX is tracked only where it matters to the table: a shift by CL always follows "mov cl, n".
  let lastCount = 0;
  let instructions = 0;
  while (instructions < count) {
    const template = random.pick(TEMPLATES);
    for (const line of template(random)) {
      const countMatch = /^mov cl, (\d+)$/.exec(line);
      if (countMatch !== null) lastCount = Number(countMatch[1]);
      const effect = effectOf(line, lastCount);
      if ((effect.reads & poisoned) !== 0) {
        lines.push(`  cmp ${random.pick(R32)}, ${random.pick(R32)}`);
        poisoned = 0;
        instructions++;
      }
      poisoned = (poisoned & ~effect.defines) | effect.undefined;
      lines.push(`  ${line}`);
      instructions++;
    }
  }
  lines.push('  cld', `  SHOW scratch, ${SCRATCH_BYTES / 4}`, '  EXIT', '', 'section .data', 'scratch:');
  for (let i = 0; i < SCRATCH_BYTES / 4; i++) lines.push(`  dd ${hex32(random.value())}`);
  return { seed, source: `${lines.join('\n')}\n`, instructions };
}
