// The ARM core's user-level instructions, group by group, with expectations worked out by hand
// from the ARM ARM's pseudocode (A8.8). The differential tests (differential.test.ts) check the
// same groups against QEMU over many more values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sctlr } from '../../../src/cpu/arm/coprocessor.js';
import { A, armMachine, DATA, flags, runLines, u32 } from './core-helpers.js';

test('ARM0101 ADDS with a shifted register: result and N Z C V (C from the adder, not the shifter)', () => {
  const { cpu } = runLines(['adds r1, r0, r0, lsl #31'], (c) => {
    c.state.r[0] = 5;
  });
  assert.equal(u32(cpu.state.r[1]), 0x80000005);
  assert.equal(flags(cpu), 'Nzcv');
});

test('ARM0102 SUBS and CMP: borrow is C clear, equal operands set Z and C', () => {
  const { cpu } = runLines(['subs r1, r0, #1'], (c) => {
    c.state.r[0] = 0;
  });
  assert.equal(u32(cpu.state.r[1]), 0xffffffff);
  assert.equal(flags(cpu), 'Nzcv');
  const second = runLines(['cmp r0, r0'], (c) => {
    c.state.r[0] = 0x1234;
  });
  assert.equal(flags(second.cpu), 'nZCv');
});

test('ARM0103 signed overflow sets V: 0x7fffffff + 1, and 0x80000000 - 1', () => {
  const { cpu } = runLines(['adds r1, r0, #1'], (c) => {
    c.state.r[0] = 0x7fffffff;
  });
  assert.equal(u32(cpu.state.r[1]), 0x80000000);
  assert.equal(flags(cpu), 'NzcV');
  const second = runLines(['subs r1, r0, #1'], (c) => {
    c.state.r[0] = 0x80000000 | 0;
  });
  assert.equal(u32(second.cpu.state.r[1]), 0x7fffffff);
  assert.equal(flags(second.cpu), 'nzCV');
});

function runWords(words: number[], setup: (cpu: import('../../../src/cpu/arm/cpu.js').ArmCpu) => void): ReturnType<typeof armMachine> {
  const machine = armMachine(words);
  setup(machine.cpu);
  machine.cpu.run(words.length);
  return machine;
}

test('ARM0104 ADC, SBC and RSC use the carry flag', () => {
  const lines = A('adc r2, r0, r1', 'sbc r3, r0, r1', 'rsc r4, r0, r1');
  const withCarry = runWords(lines, (c) => {
    c.state.r[0] = 1;
    c.state.r[1] = 2;
    c.state.c = 1;
  });
  assert.deepEqual([withCarry.cpu.state.r[2], withCarry.cpu.state.r[3], withCarry.cpu.state.r[4]], [4, -1, 1]);
  const noCarry = runWords(lines, (c) => {
    c.state.r[0] = 1;
    c.state.r[1] = 2;
    c.state.c = 0;
  });
  assert.deepEqual([noCarry.cpu.state.r[2], noCarry.cpu.state.r[3], noCarry.cpu.state.r[4]], [3, -2, 0]);
});

test('ARM0105 shifts by a register: 0, 32 and 33 set C as A8.4.3 says', () => {
  const setup = (amount: number) => (c: import('../../../src/cpu/arm/cpu.js').ArmCpu) => {
    c.state.r[2] = 0x80000001 | 0;
    c.state.r[3] = amount;
    c.state.c = 0;
  };
  let m = runLines(['movs r4, r2, lsl r3'], setup(32));
  assert.equal(m.cpu.state.r[4], 0);
  assert.equal(m.cpu.state.c, 1, 'LSL #32: C is bit 0');
  m = runLines(['movs r4, r2, lsl r3'], setup(33));
  assert.equal(m.cpu.state.c, 0, 'LSL #33: C is 0');
  m = runLines(['movs r5, r2, lsr r3'], setup(32));
  assert.equal(m.cpu.state.r[5], 0);
  assert.equal(m.cpu.state.c, 1, 'LSR #32: C is bit 31');
  m = runLines(['movs r6, r2, asr r3'], setup(33));
  assert.equal(u32(m.cpu.state.r[6]), 0xffffffff);
  assert.equal(m.cpu.state.c, 1);
  m = runLines(['movs r7, r2, ror r3'], setup(32));
  assert.equal(u32(m.cpu.state.r[7]), 0x80000001, 'ROR by 32 leaves the value');
  assert.equal(m.cpu.state.c, 1, 'and C is bit 31');
  m = runLines(['movs r7, r2, ror r3'], setup(0x100));
  assert.equal(m.cpu.state.c, 0, 'only the bottom byte counts: a shift by 0 leaves C');
  m = runLines(['movs r4, r2, lsr #32'], setup(0));
  assert.equal(m.cpu.state.r[4], 0);
  assert.equal(m.cpu.state.c, 1, 'LSR #32 encoded as #0');
});

test('ARM0106 RRX shifts C in at the top and bit 0 out', () => {
  const { cpu } = runLines(['movs r4, r2, rrx'], (c) => {
    c.state.r[2] = 2;
    c.state.c = 1;
  });
  assert.equal(u32(cpu.state.r[4]), 0x80000001);
  assert.equal(cpu.state.c, 0);
});

test('ARM0107 a rotated immediate sets C from bit 31; an unrotated one leaves C', () => {
  let m = runLines(['movs r0, #0x80000000'], (c) => {
    c.state.c = 0;
  });
  assert.equal(m.cpu.state.c, 1);
  m = runLines(['ands r0, r1, #255'], (c) => {
    c.state.r[1] = 0x1ff;
    c.state.c = 1;
  });
  assert.equal(m.cpu.state.r[0], 0xff);
  assert.equal(m.cpu.state.c, 1);
});

test('ARM0108 logical operations leave V; TST/TEQ set only N Z C', () => {
  const { cpu } = runLines(['eors r0, r0, r0', 'teq r1, r1'], (c) => {
    c.state.v = 1;
    c.state.r[1] = -1;
  });
  assert.equal(flags(cpu), 'nZcV');
});

test('ARM0109 conditional execution: each condition against the flags', () => {
  const { cpu } = runLines(['moveq r0, #1', 'movne r1, #1', 'movhi r2, #1', 'movls r3, #1', 'movge r4, #1', 'movlt r5, #1', 'movgt r6, #1', 'movle r7, #1'], (c) => {
    c.state.z = 1;
    c.state.c = 1;
    c.state.n = 1;
    c.state.v = 0;
  });
  assert.deepEqual([...cpu.state.r.slice(0, 8)], [1, 0, 0, 1, 0, 1, 0, 1]);
});

test('ARM0110 MOVW and MOVT build a 32-bit constant', () => {
  const { cpu } = runLines(['movw r0, #0x1234', 'movt r0, #0xabcd']);
  assert.equal(u32(cpu.state.r[0]), 0xabcd1234);
});

test('ARM0111 reading the PC gives the instruction address + 8', () => {
  const { cpu } = runLines(['add r0, pc, #0', 'mov r1, pc']);
  assert.equal(cpu.state.r[0], 0x1008);
  assert.equal(cpu.state.r[1], 0x100c);
});

test('ARM0201 MUL MLA MLS and the long multiplies', () => {
  const { cpu } = runLines(['mul r2, r0, r1', 'mla r3, r0, r1, r0', 'mls r4, r0, r1, r0'], (c) => {
    c.state.r[0] = 7;
    c.state.r[1] = -3;
  });
  assert.deepEqual([cpu.state.r[2], cpu.state.r[3], cpu.state.r[4]], [-21, -14, 28]);
  const long = runLines(['umull r2, r3, r0, r0', 'smull r4, r5, r1, r6', 'umlal r2, r3, r0, r0'], (c) => {
    c.state.r[0] = -1;
    c.state.r[1] = -2;
    c.state.r[6] = 3;
  });
  // 0xffffffff² = 0xfffffffe_00000001; twice = 0x1_fffffffc_00000002 (mod 2^64: 0xfffffffc_00000002).
  assert.equal(u32(long.cpu.state.r[2]), 0x00000002);
  assert.equal(u32(long.cpu.state.r[3]), 0xfffffffc);
  assert.equal(u32(long.cpu.state.r[4]), 0xfffffffa);
  assert.equal(u32(long.cpu.state.r[5]), 0xffffffff);
  const umaal = runLines(['umaal r2, r3, r0, r0'], (c) => {
    c.state.r[0] = -1;
    c.state.r[2] = -1;
    c.state.r[3] = -1;
  });
  // 0xfffffffe_00000001 + 2 × 0xffffffff = 0xffffffff_ffffffff: the largest UMAAL result.
  assert.equal(u32(umaal.cpu.state.r[2]), 0xffffffff);
  assert.equal(u32(umaal.cpu.state.r[3]), 0xffffffff);
  const flagged = runLines(['smlals r2, r3, r0, r1'], (c) => {
    c.state.r[0] = 0;
    c.state.r[2] = 0;
    c.state.r[3] = 0;
  });
  assert.equal(flags(flagged.cpu).slice(0, 2), 'nZ');
});

test('ARM0202 the DSP multiplies: halfword selection, Q on accumulate overflow, rounding', () => {
  let m = runLines(['smlabb r0, r1, r2, r3'], (c) => {
    c.state.r[1] = 0x7fff;
    c.state.r[2] = 0x7fff;
    c.state.r[3] = 0x7fffffff;
  });
  assert.equal(u32(m.cpu.state.r[0]), 0xbfff0000);
  assert.equal(m.cpu.state.q, 1);
  m = runLines(['smultb r0, r1, r2'], (c) => {
    c.state.r[1] = 0xfffe0000 | 0;
    c.state.r[2] = 0x00000003;
  });
  assert.equal(m.cpu.state.r[0], -6);
  m = runLines(['smulwb r0, r1, r2'], (c) => {
    c.state.r[1] = 0x40000000;
    c.state.r[2] = 0xfffe;
  });
  assert.equal(u32(m.cpu.state.r[0]), 0xffff8000);
  m = runLines(['smuad r0, r1, r1'], (c) => {
    c.state.r[1] = 0x80008000 | 0;
  });
  assert.equal(u32(m.cpu.state.r[0]), 0x80000000);
  assert.equal(m.cpu.state.q, 1, 'SMUAD overflows only for two -32768² products');
  m = runLines(['smmul r0, r1, r2', 'smmulr r3, r4, r4'], (c) => {
    c.state.r[1] = 0x40000000;
    c.state.r[2] = 0x40000000;
    c.state.r[4] = 0xffff;
  });
  assert.equal(m.cpu.state.r[0], 0x10000000);
  assert.equal(m.cpu.state.r[3], 1, '0xfffe0001 + 0x80000000 carries into the top word');
  m = runLines(['smlaldx r2, r3, r0, r1'], (c) => {
    c.state.r[0] = 0x00020003;
    c.state.r[1] = 0x00040005;
    c.state.r[2] = -1;
    c.state.r[3] = 0;
  });
  // 3 × 4 + 2 × 5 = 22, added to 0x00000000_ffffffff.
  assert.equal(m.cpu.state.r[2], 21);
  assert.equal(m.cpu.state.r[3], 1);
});

test('ARM0203 SDIV and UDIV: truncation, division by zero gives 0, INT_MIN / -1 wraps', () => {
  const { cpu } = runLines(['sdiv r2, r0, r1', 'sdiv r3, r0, r4', 'udiv r5, r6, r7', 'sdiv r8, r9, r10'], (c) => {
    c.state.r[0] = 0x80000000 | 0;
    c.state.r[1] = -1;
    c.state.r[4] = 0;
    c.state.r[6] = -1;
    c.state.r[7] = 2;
    c.state.r[9] = -7;
    c.state.r[10] = 2;
  });
  assert.equal(u32(cpu.state.r[2]), 0x80000000);
  assert.equal(cpu.state.r[3], 0);
  assert.equal(cpu.state.r[5], 0x7fffffff);
  assert.equal(cpu.state.r[8], -3);
});

test('ARM0301 QADD QSUB QDADD saturate and set Q', () => {
  const { cpu } = runLines(['qadd r2, r0, r1', 'qsub r3, r4, r1', 'qdadd r5, r1, r6'], (c) => {
    c.state.r[0] = 0x7fffffff;
    c.state.r[1] = 1;
    c.state.r[4] = 0x80000000 | 0;
    c.state.r[6] = 0x40000000;
  });
  assert.equal(cpu.state.r[2], 0x7fffffff);
  assert.equal(u32(cpu.state.r[3]), 0x80000000);
  assert.equal(cpu.state.r[5], 0x7fffffff);
  assert.equal(cpu.state.q, 1);
});

test('ARM0302 SSAT USAT SSAT16 saturate to the bit width and set Q', () => {
  let m = runLines(['ssat r0, #8, r1', 'usat r2, #8, r3'], (c) => {
    c.state.r[1] = 300;
    c.state.r[3] = -5;
  });
  assert.equal(m.cpu.state.r[0], 127);
  assert.equal(m.cpu.state.r[2], 0);
  assert.equal(m.cpu.state.q, 1);
  m = runLines(['ssat16 r0, #4, r1'], (c) => {
    c.state.r[1] = 0x0010fff0;
  });
  assert.equal(u32(m.cpu.state.r[0]), 0x0007fff8);
  m = runLines(['usat r0, #8, r1, asr #4'], (c) => {
    c.state.r[1] = 0x7f0;
  });
  assert.equal(m.cpu.state.r[0], 0x7f);
  assert.equal(m.cpu.state.q, 0, 'no saturation, Q untouched');
});

test('ARM0303 parallel add/subtract set GE; SEL picks bytes by GE', () => {
  let m = runLines(['uadd8 r0, r1, r2', 'sel r3, r4, r5'], (c) => {
    c.state.r[1] = 0x80ff0102 | 0;
    c.state.r[2] = 0x80010304 | 0;
    c.state.r[4] = 0x11223344;
    c.state.r[5] = 0xaabbccdd | 0;
  });
  assert.equal(m.cpu.state.r[0], 0x00000406);
  assert.equal(m.cpu.state.ge, 0b1100);
  assert.equal(u32(m.cpu.state.r[3]), 0x1122ccdd);
  m = runLines(['ssub16 r0, r1, r2'], (c) => {
    c.state.r[1] = 0x00010005;
    c.state.r[2] = 0x00020003;
  });
  assert.equal(u32(m.cpu.state.r[0]), 0xffff0002);
  assert.equal(m.cpu.state.ge, 0b0011);
  m = runLines(['shadd16 r0, r1, r2', 'uqsub8 r3, r4, r5', 'qasx r6, r7, r8'], (c) => {
    c.state.r[1] = 0x7fff7fff;
    c.state.r[2] = 0x00010001;
    c.state.r[4] = 0x10203040;
    c.state.r[5] = 0x20202020;
    c.state.r[7] = 0x7fff8000 | 0;
    c.state.r[8] = 0x00010001;
  });
  assert.equal(m.cpu.state.r[0], 0x40004000);
  assert.equal(m.cpu.state.r[3], 0x00001020);
  // QASX: low = 0x8000 - 1 saturates to -32768, high = 0x7fff + 1 saturates to 32767.
  assert.equal(u32(m.cpu.state.r[6]), 0x7fff8000);
});

test('ARM0304 REV REV16 REVSH RBIT CLZ', () => {
  const { cpu } = runLines(['rev r1, r0', 'rev16 r2, r0', 'revsh r3, r4', 'rbit r5, r6', 'clz r7, r8', 'clz r9, r10'], (c) => {
    c.state.r[0] = 0x12345678;
    c.state.r[4] = 0x000080ff;
    c.state.r[6] = 1;
    c.state.r[8] = 0x00010000;
    c.state.r[10] = 0;
  });
  assert.equal(cpu.state.r[1], 0x78563412);
  assert.equal(cpu.state.r[2], 0x34127856);
  assert.equal(u32(cpu.state.r[3]), 0xffffff80);
  assert.equal(u32(cpu.state.r[5]), 0x80000000);
  assert.equal(cpu.state.r[7], 15);
  assert.equal(cpu.state.r[9], 32);
});

test('ARM0305 UBFX SBFX BFI BFC', () => {
  const { cpu } = runLines(['ubfx r0, r1, #4, #8', 'sbfx r2, r3, #28, #4', 'bfi r4, r5, #8, #8', 'bfc r4, #0, #4'], (c) => {
    c.state.r[1] = 0x12345678;
    c.state.r[3] = 0x80000000 | 0;
    c.state.r[4] = -1;
    c.state.r[5] = 0x12;
  });
  assert.equal(cpu.state.r[0], 0x67);
  assert.equal(cpu.state.r[2], -8);
  assert.equal(u32(cpu.state.r[4]), 0xffff12f0);
});

test('ARM0306 extends (with rotation and add), USAD8, PKHBT/PKHTB', () => {
  const { cpu } = runLines(['sxtb r0, r1', 'uxth r2, r3, ror #16', 'sxtab r4, r5, r6, ror #8', 'uxtb16 r7, r3', 'usad8 r8, r9, r10'], (c) => {
    c.state.r[1] = 0x80;
    c.state.r[3] = 0x12345678;
    c.state.r[5] = 10;
    c.state.r[6] = 0xff00;
    c.state.r[9] = 0x01020304;
    c.state.r[10] = 0x04030201;
  });
  assert.equal(cpu.state.r[0], -128);
  assert.equal(cpu.state.r[2], 0x1234);
  assert.equal(cpu.state.r[4], 9);
  assert.equal(cpu.state.r[7], 0x00340078);
  assert.equal(cpu.state.r[8], 8);
  const pack = runLines(['pkhbt r0, r1, r2, lsl #16', 'pkhtb r3, r1, r2, asr #16'], (c) => {
    c.state.r[1] = 0x1111aaaa;
    c.state.r[2] = 0x2222bbbb;
  });
  assert.equal(u32(pack.cpu.state.r[0]), 0xbbbbaaaa);
  assert.equal(pack.cpu.state.r[3], 0x11112222);
});

test('ARM0401 LDR/STR addressing: offsets, pre-index with writeback, post-index, scaled register offsets', () => {
  const m = armMachine(A('ldr r0, [r1, #4]!', 'ldr r2, [r1], #-4', 'ldr r3, [r1, r4, lsl #2]', 'str r5, [r1, #-4]', 'ldrb r6, [r1, #3]', 'ldrsb r7, [r1, #3]', 'ldrh r8, [r1, #2]', 'ldrsh r9, [r1, #2]'));
  const { memory, cpu } = m;
  memory.write32(DATA, 0x11111111);
  memory.write32(DATA + 4, 0x82345678);
  memory.write32(DATA + 8, 0x33333333);
  cpu.state.r[1] = DATA;
  cpu.state.r[4] = 2;
  cpu.state.r[5] = 0x55;
  cpu.run(8);
  assert.equal(u32(cpu.state.r[0]), 0x82345678, 'pre-index loads from base + 4');
  assert.equal(u32(cpu.state.r[2]), 0x82345678, 'post-index loads from the written-back base');
  assert.equal(cpu.state.r[1], DATA, 'then base - 4');
  assert.equal(cpu.state.r[3], 0x33333333);
  assert.equal(memory.read32(DATA - 4), 0x55);
  assert.equal(cpu.state.r[6], 0x11);
  const bytes = runLines(['ldrb r6, [r1, #7]', 'ldrsb r7, [r1, #7]', 'ldrh r8, [r1, #6]', 'ldrsh r9, [r1, #6]'], (c) => {
    c.memory.write32(DATA + 4, 0x82345678);
    c.state.r[1] = DATA;
  });
  assert.deepEqual([bytes.cpu.state.r[6], bytes.cpu.state.r[7], bytes.cpu.state.r[8], bytes.cpu.state.r[9]], [0x82, -126, 0x8234, 0x8234 - 0x10000]);
});

test('ARM0402 LDRD/STRD, and unaligned LDR/LDRH while SCTLR.A is 0', () => {
  const m = runLines(['strd r2, r3, [r1, #8]!', 'ldrd r4, r5, [r1]', 'ldr r6, [r7]', 'ldrh r8, [r7]'], (c) => {
    c.state.r[1] = DATA;
    c.state.r[2] = 0x11223344;
    c.state.r[3] = 0x55667788;
    c.state.r[7] = DATA + 9;
  });
  assert.equal(m.cpu.state.r[1], DATA + 8);
  assert.equal(m.cpu.state.r[4], 0x11223344);
  assert.equal(m.cpu.state.r[5], 0x55667788);
  assert.equal(u32(m.cpu.state.r[6]), 0x88112233, 'bytes 9..12, little-endian');
  assert.equal(m.cpu.state.r[8], 0x2233);
});

test('ARM0403 LDM/STM in all four modes, PUSH/POP, and a base in the stored list', () => {
  const m = runLines(['stmdb sp!, {r0, r1, r2}', 'ldmia sp!, {r3, r4, r5}', 'stmib r6, {r0, r1}', 'ldmda r7, {r8, r9}', 'stm r10, {r0, r10}'], (c) => {
    c.state.r[0] = 10;
    c.state.r[1] = 11;
    c.state.r[2] = 12;
    c.state.r[6] = DATA;
    c.state.r[7] = DATA + 8;
    c.state.r[10] = DATA + 0x100;
  });
  const r = m.cpu.state.r;
  assert.deepEqual([r[3], r[4], r[5]], [10, 11, 12]);
  assert.equal(r[13], 0x20000, 'SP back where it was');
  assert.deepEqual([r[8], r[9]], [10, 11], 'STMIB stored at base + 4 and + 8; LDMDA from base + 8 down');
  assert.equal(m.memory.read32(DATA + 0x104), DATA + 0x100, 'the original base value is stored');
});

test('ARM0404 LDREX/STREX with the local monitor, CLREX, and SWP', () => {
  const m = runLines(['ldrex r0, [r1]', 'strex r2, r3, [r1]', 'strex r4, r3, [r1]', 'ldrex r0, [r1]', 'clrex', 'strex r5, r6, [r1]', 'swp r7, r8, [r1]'], (c) => {
    c.memory.write32(DATA, 41);
    c.state.r[1] = DATA;
    c.state.r[3] = 42;
    c.state.r[6] = 43;
    c.state.r[8] = 44;
  });
  const r = m.cpu.state.r;
  assert.equal(r[2], 0, 'the first STREX succeeds');
  assert.equal(r[4], 1, 'a second one without LDREX fails');
  assert.equal(r[5], 1, 'CLREX clears the monitor');
  assert.equal(r[7], 42);
  assert.equal(m.memory.read32(DATA), 44);
  const pair = runLines(['ldrexd r2, r3, [r1]', 'strexd r4, r6, r7, [r1]'], (c) => {
    c.memory.write32(DATA, 1);
    c.memory.write32(DATA + 4, 2);
    c.state.r[1] = DATA;
    c.state.r[6] = 5;
    c.state.r[7] = 6;
  });
  assert.deepEqual([pair.cpu.state.r[2], pair.cpu.state.r[3], pair.cpu.state.r[4]], [1, 2, 0]);
  assert.deepEqual([pair.memory.read32(DATA), pair.memory.read32(DATA + 4)], [5, 6]);
});

test('ARM0405 alignment faults: LDR with SCTLR.A set, LDRD and LDM always; DFSR and DFAR', () => {
  for (const [line, setA] of [
    ['ldr r0, [r1]', true],
    ['ldrd r2, r3, [r1]', false],
    ['ldm r1, {r2, r3}', false],
    ['ldrex r0, [r1]', false],
  ] as const) {
    const m = runLines([line], (c) => {
      c.state.r[1] = DATA + 2;
      if (setA) c.cp15.sctlr |= Sctlr.A;
    });
    assert.equal(u32(m.cpu.state.r[15]), 0x10, `${line}: data abort vector`);
    assert.equal(m.cpu.state.mode, 0x17);
    assert.equal(m.cpu.cp15.dfsr & 0xf, 1, 'alignment fault status');
    assert.equal(m.cpu.cp15.dfar, DATA + 2);
    assert.equal(m.cpu.state.r[14], 0x1008, 'LR_abt = the faulting instruction + 8');
  }
});

test('ARM0501 B, BL, BX LR and BLX to a register', () => {
  const m = armMachine(A('bl .+12', 'mov r1, #1', 'b .+20', 'mov r9, lr', 'blx r2', 'bx r9', 'bx lr', 'mov r3, #3'));
  m.cpu.state.r[2] = 0x1018;
  // bl 0x100c; mov r9, lr; blx r2 (0x1018); bx lr (0x1014); bx r9 (0x1004); mov r1, #1; b 0x101c; mov r3, #3.
  m.cpu.run(8);
  assert.equal(m.cpu.state.r[9], 0x1004);
  assert.equal(m.cpu.state.r[14], 0x1014);
  assert.equal(m.cpu.state.r[1], 1);
  assert.equal(m.cpu.state.r[3], 3);
  assert.equal(m.cpu.state.r[15], 0x1020);
});

test('ARM0502 LDR and LDM into the PC interwork; an unallocated Thumb encoding is UNDEFINED with LR = its address + 2, logged once', () => {
  const m = armMachine(A('ldr pc, [r1]'));
  m.memory.write32(DATA, 0x2001);
  // 1011 1010 10xx xxxx is unallocated in ARMv7 (A6.2.5).
  m.memory.write16(0x2000, 0xba80);
  m.cpu.state.r[1] = DATA;
  m.cpu.run(1);
  assert.equal(m.cpu.state.t, 1);
  assert.equal(m.cpu.state.r[15], 0x2000);
  m.cpu.run(1);
  assert.equal(m.cpu.state.r[15], 4, 'undefined-instruction vector');
  assert.equal(m.cpu.state.t, 0);
  assert.equal(m.cpu.state.r[14], 0x2002, 'LR_und = the Thumb instruction + 2');
  assert.equal(m.logs.length, 1);
  assert.match(m.logs[0], /Thumb/);
});

test('ARM0503 MRS and MSR of the APSR; MSR in user mode cannot change the mode or masks', () => {
  const m = runLines(['msr CPSR_fc, r0', 'mrs r1, APSR', 'msr CPSR_fc, r2', 'mrs r3, APSR'], (c) => {
    c.state.setCpsr(0x1d0); // user mode, A I F set
    c.state.r[0] = 0xf8000010 | 0; // N Z C V Q
    c.state.r[2] = 0x0000001f; // try to enter system mode from user mode
  });
  assert.equal(u32(m.cpu.state.r[1]), 0xf80001d0, 'flags set, user mode, A I F kept from reset');
  assert.equal(m.cpu.state.mode, 0x10);
  assert.equal(u32(m.cpu.state.r[3]), 0x000001d0, 'flags cleared; mode not changed');
});

test('ARM0504 the decoded-instruction cache sees stores over code and writes from outside', () => {
  const m = armMachine(A('mov r0, #1', 'str r2, [r1]', 'b .-8'));
  m.cpu.state.r[1] = 0x1000;
  m.cpu.state.r[2] = A('mov r0, #2')[0];
  m.cpu.run(4);
  assert.equal(m.cpu.state.r[0], 2, 'the second pass runs the stored instruction');
  m.memory.write32(0x1000, A('mov r0, #3')[0]);
  m.cpu.state.r[15] = 0x1000;
  m.cpu.run(1);
  assert.equal(m.cpu.state.r[0], 3);
});

test('ARM0505 UDF and an unallocated encoding take the undefined-instruction exception; undefined ones are logged once', () => {
  const m = runLines(['udf #1'], () => undefined);
  assert.equal(m.cpu.state.r[15], 4);
  assert.equal(m.cpu.state.mode, 0x1b);
  const unallocated = armMachine([0xe6000010]); // media space, unallocated (A5.4)
  unallocated.cpu.run(1);
  assert.equal(unallocated.cpu.state.r[15], 4);
  assert.equal(unallocated.logs.length, 1);
  unallocated.cpu.state.r[15] = 0x1000;
  unallocated.cpu.run(1);
  assert.equal(unallocated.logs.length, 1, 'logged once per address');
});
