// The Thumb instruction set on the ARM core, with expectations worked out by hand from the ARM ARM
// (DDI 0406C): the T16 flag rule inside and outside IT blocks, ThumbExpandImm and its carry, IT
// state and conditions, PC reads (address + 4, Align(PC, 4) for literals), interworking and the
// link's bit 0, CBZ/CBNZ and TBB/TBH, exception entry from Thumb (the return links of B1.8.3 and
// ITSTATE in the SPSR), LDRD/STRD and exclusives with Thumb's free register pairs and offsets, and
// the decoded-instruction cache for Thumb (self-modifying code, an instruction across a page).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODE, DATA, flags, u32 } from './core-helpers.js';
import { itBits, runThumb, T, thumbMachine } from './thumb-helpers.js';

test('THUMB0001 T16 data processing sets the flags outside an IT block and not inside one; a failed condition skips it', () => {
  const outside = runThumb(['adds r0, r1, r2'], (c) => {
    c.state.r[1] = -1;
    c.state.r[2] = 1;
  });
  assert.equal(outside.cpu.state.r[0], 0);
  assert.equal(flags(outside.cpu), 'nZCv');
  const inside = runThumb(['it eq', 'adds r0, r1, r2'], (c) => {
    c.state.r[1] = -1;
    c.state.r[2] = 1;
    c.state.z = 1;
  });
  assert.equal(inside.cpu.state.r[0], 0);
  assert.equal(flags(inside.cpu), 'nZcv', 'the same halfword in an IT block leaves the flags');
  assert.equal(inside.cpu.state.it, 0, 'the IT block is over');
  const skipped = runThumb(['it ne', 'adds r0, r1, r2'], (c) => {
    c.state.r[0] = 7;
    c.state.z = 1;
  });
  assert.equal(skipped.cpu.state.r[0], 7);
  assert.equal(skipped.cpu.state.r[15], CODE + 4);
  const multiply = runThumb(['it eq', 'muls r1, r2, r1'], (c) => {
    c.state.r[1] = 0;
    c.state.r[2] = 5;
    c.state.z = 1;
  });
  assert.equal(flags(multiply.cpu), 'nZcv');
});

test('THUMB0002 modified immediates: the four byte patterns keep C, rotated constants set C from bit 31; ORN', () => {
  const rotated = runThumb(['movs.w r0, #0x80000000']);
  assert.equal(u32(rotated.cpu.state.r[0]), 0x80000000);
  assert.equal(flags(rotated.cpu), 'NzCv');
  const pattern = runThumb(['movs.w r0, #0x00ff00ff'], (c) => {
    c.state.c = 1;
  });
  assert.equal(u32(pattern.cpu.state.r[0]), 0x00ff00ff);
  assert.equal(flags(pattern.cpu), 'nzCv', 'C unchanged');
  const cleared = runThumb(['ands.w r0, r1, #0xab00ab00'], (c) => {
    c.state.r[1] = 0x12345678;
  });
  assert.equal(u32(cleared.cpu.state.r[0]), 0x12345678 & 0xab00ab00);
  const orn = runThumb(['orn r0, r1, #255', 'mvn r2, #0xabababab', 'orn r3, r1, r4, lsl #4'], (c) => {
    c.state.r[1] = 0x12345600;
    c.state.r[4] = 0x0fffffff;
  });
  assert.equal(u32(orn.cpu.state.r[0]), 0xffffff00);
  assert.equal(u32(orn.cpu.state.r[2]), 0x54545454);
  assert.equal(u32(orn.cpu.state.r[3]), 0x12345600 | 0xf);
});

test('THUMB0003 IT blocks: ITSTATE in the CPSR, advanced after each instruction; then/else conditions', () => {
  const m = thumbMachine(T('itete eq', 'movs r0, #1', 'movs r1, #1', 'movs r2, #1', 'movs r3, #1', 'movs r4, #1'));
  m.cpu.state.z = 1;
  m.cpu.run(1);
  assert.equal(itBits(m.cpu.state.getCpsr()), 0x0b, 'firstcond 0000, mask 1011');
  const states: number[] = [];
  for (let k = 0; k < 4; k++) {
    m.cpu.run(1);
    states.push(itBits(m.cpu.state.getCpsr()));
  }
  assert.deepEqual(states, [0x16, 0x0c, 0x18, 0x00]);
  assert.deepEqual([...m.cpu.state.r.subarray(0, 4)], [1, 0, 1, 0], 'eq, ne, eq, ne with Z set');
  m.cpu.run(1);
  assert.equal(m.cpu.state.r[4], 1, 'after the block: unconditional');
  const mrs = runThumb(['itt eq', 'mrs r0, APSR', 'nop'], (c) => {
    c.state.z = 1;
  }, 2);
  assert.equal(itBits(mrs.cpu.state.r[0]), 0, 'MRS reads the execution state bits as zero');
});

test('THUMB0004 PC reads as the address + 4; literal loads and ADR use Align(PC, 4)', () => {
  const m = runThumb(['add r0, pc', 'ldr r2, [pc, #4]', 'adr r3, .+8', 'nop'], (c) => {
    c.state.r[0] = 0;
    c.memory.write32(CODE + 8, 0xcafef00d);
  }, 3);
  assert.equal(m.cpu.state.r[0], CODE + 4);
  // ldr at CODE + 2: Align(CODE + 6, 4) + 4 = CODE + 8 (not CODE + 6 + 4).
  assert.equal(u32(m.cpu.state.r[2]), 0xcafef00d);
  assert.equal(m.cpu.state.r[3], CODE + 4 + 8, 'adr at CODE + 4: .+8');
});

test('THUMB0005 BL and BLX set the link with bit 0; BLX immediate switches to ARM at Align(PC, 4); BX/BLX/POP interwork, MOV PC does not', () => {
  const bl = runThumb(['bl .+8']);
  assert.equal(bl.cpu.state.r[15], CODE + 8);
  assert.equal(bl.cpu.state.r[14], CODE + 5);
  assert.equal(bl.cpu.state.t, 1);
  const blx = runThumb(['nop', 'blx .+10']);
  assert.equal(blx.cpu.state.r[15], CODE + 12);
  assert.equal(blx.cpu.state.r[14], CODE + 7);
  assert.equal(blx.cpu.state.t, 0);
  const bx = runThumb(['bx r1'], (c) => {
    c.state.r[1] = 0x2000;
  });
  assert.deepEqual([bx.cpu.state.r[15], bx.cpu.state.t], [0x2000, 0]);
  const blxRegister = runThumb(['blx r1'], (c) => {
    c.state.r[1] = 0x3001;
  });
  assert.deepEqual([blxRegister.cpu.state.r[15], blxRegister.cpu.state.t, blxRegister.cpu.state.r[14]], [0x3000, 1, CODE + 3]);
  const mov = runThumb(['mov pc, r1'], (c) => {
    c.state.r[1] = 0x2000;
  });
  assert.deepEqual([mov.cpu.state.r[15], mov.cpu.state.t], [0x2000, 1], 'ALUWritePC is BranchWritePC in Thumb');
  const popped = runThumb(['pop {pc}'], (c) => {
    c.state.r[13] = DATA;
    c.memory.write32(DATA, 0x2000);
  });
  assert.deepEqual([popped.cpu.state.r[15], popped.cpu.state.t, popped.cpu.state.r[13]], [0x2000, 0, DATA + 4]);
});

test('THUMB0006 CBZ/CBNZ and the table branches TBB/TBH', () => {
  const taken = runThumb(['cbz r0, .+8'], (c) => {
    c.state.r[0] = 0;
  });
  assert.equal(taken.cpu.state.r[15], CODE + 8);
  const notTaken = runThumb(['cbz r0, .+8'], (c) => {
    c.state.r[0] = 1;
  });
  assert.equal(notTaken.cpu.state.r[15], CODE + 2);
  const nonZero = runThumb(['cbnz r0, .+8'], (c) => {
    c.state.r[0] = 1;
  });
  assert.equal(nonZero.cpu.state.r[15], CODE + 8);
  const tbb = runThumb(['tbb [r1, r2]'], (c) => {
    c.state.r[1] = DATA;
    c.state.r[2] = 1;
    c.memory.write8(DATA + 1, 5);
  });
  assert.equal(tbb.cpu.state.r[15], CODE + 4 + 10);
  const tbh = runThumb(['tbh [r1, r2, lsl #1]'], (c) => {
    c.state.r[1] = DATA;
    c.state.r[2] = 1;
    c.memory.write16(DATA + 2, 0x100);
  });
  assert.equal(tbh.cpu.state.r[15], CODE + 4 + 0x200);
});

test('THUMB0007 exceptions from Thumb: SVC, UDF (16 and 32 bits), data abort and IRQ return links; ITSTATE in the SPSR; SUBS PC, LR back to Thumb', () => {
  const svc = runThumb(['svc #5']);
  assert.equal(svc.cpu.state.r[15], 8);
  assert.equal(svc.cpu.state.r[14], CODE + 2, 'the next instruction');
  assert.equal(svc.cpu.state.getSpsr() & 0x20, 0x20, 'SPSR.T');
  assert.equal(svc.cpu.state.t, 0, 'SCTLR.TE = 0: the handler runs in ARM state');
  for (const udf of [runThumb(['udf #1']), runThumb(['udf.w #1'])]) {
    assert.equal(udf.cpu.state.r[15], 4);
    assert.equal(udf.cpu.state.r[14], CODE + 2, 'undefined instruction: Thumb offset +2 whatever its size (B1.8.3)');
  }
  const abort = runThumb(['ldrd r0, r1, [r2]'], (c) => {
    c.state.r[2] = DATA + 2;
  });
  assert.equal(abort.cpu.state.r[15], 0x10);
  assert.equal(abort.cpu.state.r[14], CODE + 8, 'data abort: the instruction + 8');
  const irq = thumbMachine(T('nop', 'nop'));
  irq.cpu.state.i = 0;
  irq.cpu.run(1);
  irq.cpu.setIrq(true);
  irq.cpu.run(1);
  assert.equal(irq.cpu.state.r[15], 0x18);
  assert.equal(irq.cpu.state.r[14], CODE + 2 + 4, 'IRQ: the next instruction + 4');
  const inBlock = runThumb(['itt eq', 'svc #1', 'nop'], (c) => {
    c.state.z = 1;
  }, 2);
  assert.equal(itBits(inBlock.cpu.state.getSpsr()), 0x08, 'SVC: the state after it (the block goes on at the return)');
  const udfInBlock = runThumb(['itt eq', 'udf #0', 'nop'], (c) => {
    c.state.z = 1;
  }, 2);
  assert.equal(itBits(udfInBlock.cpu.state.getSpsr()), 0x04, 'UDF: its own state (it is re-executed)');
  const eret = runThumb(['subs pc, lr, #4'], (c) => {
    c.state.r[14] = 0x2005;
    c.state.setSpsr(0x10 | 0x20);
  });
  assert.deepEqual([eret.cpu.state.r[15], eret.cpu.state.t, eret.cpu.state.mode], [0x2000, 1, 0x10]);
});

test('THUMB0008 LDRD/STRD with any register pair, post-indexed; LDREX/STREX with an offset; LDREXD/STREXD pairs', () => {
  const load = runThumb(['ldrd r3, r1, [r2, #8]'], (c) => {
    c.state.r[2] = DATA;
    c.memory.write32(DATA + 8, 0x11111111);
    c.memory.write32(DATA + 12, 0x22222222);
  });
  assert.deepEqual([load.cpu.state.r[3], load.cpu.state.r[1]], [0x11111111, 0x22222222]);
  const store = runThumb(['strd r1, r0, [r2], #-8'], (c) => {
    c.state.r[0] = 0x0a0a0a0a;
    c.state.r[1] = 0x01010101;
    c.state.r[2] = DATA;
  });
  assert.deepEqual([store.memory.read32(DATA), store.memory.read32(DATA + 4), store.cpu.state.r[2]], [0x01010101, 0x0a0a0a0a, DATA - 8]);
  const exclusive = runThumb(['ldrex r0, [r1, #4]', 'strex r2, r3, [r1, #4]'], (c) => {
    c.state.r[1] = DATA;
    c.state.r[3] = 0x5555;
    c.memory.write32(DATA + 4, 0x1234);
  });
  assert.deepEqual([exclusive.cpu.state.r[0], exclusive.cpu.state.r[2], exclusive.memory.read32(DATA + 4)], [0x1234, 0, 0x5555]);
  const pair = runThumb(['ldrexd r5, r3, [r1]', 'strexd r2, r3, r5, [r1]'], (c) => {
    c.state.r[1] = DATA;
    c.memory.write32(DATA, 0xaaaa);
    c.memory.write32(DATA + 4, 0xbbbb);
  });
  assert.deepEqual([pair.cpu.state.r[5], pair.cpu.state.r[3], pair.cpu.state.r[2]], [0xaaaa, 0xbbbb, 0]);
  assert.deepEqual([pair.memory.read32(DATA), pair.memory.read32(DATA + 4)], [0xbbbb, 0xaaaa], 'swapped by the store');
});

test('THUMB0009 the decoded-instruction cache: a store over a halfword, over the second half of a 32-bit instruction, and an instruction across a page', () => {
  const m = thumbMachine(T('movs r0, #1', 'movw r1, #1'));
  m.cpu.run(2);
  assert.deepEqual([m.cpu.state.r[0], m.cpu.state.r[1]], [1, 1]);
  m.memory.write16(CODE, T('movs r0, #2')[0]);
  m.memory.write16(CODE + 4, T('movw r1, #2')[1]);
  m.cpu.state.r[15] = CODE;
  m.cpu.run(2);
  assert.deepEqual([m.cpu.state.r[0], m.cpu.state.r[1]], [2, 2]);
  const across = T('movw r1, #1');
  const page = thumbMachine([], 0x1ffe);
  page.memory.write16(0x1ffe, across[0]);
  page.memory.write16(0x2000, across[1]);
  page.cpu.run(1);
  assert.equal(page.cpu.state.r[1], 1);
  page.memory.write16(0x2000, T('movw r1, #2')[1]);
  page.cpu.state.r[15] = 0x1ffe;
  page.cpu.run(1);
  assert.equal(page.cpu.state.r[1], 2);
  assert.equal(page.cpu.state.r[15], 0x2002);
});
