// The ARM core's system side: reset, modes and banked registers, exceptions with their vectors,
// return links, SPSR and masks (ARM ARM B1.8, B1.9), exception returns, IRQ/FIQ lines, WFI, CP15
// identification and thread registers, SRS/RFE, SETEND; and the decode table and disassembler.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CORTEX_A15_MIDR, Sctlr } from '../../../src/cpu/arm/coprocessor.js';
import { A32_TABLE, A32_UNCONDITIONAL_TABLE, DecodedInstruction, decodeA32, findA32Entry } from '../../../src/cpu/arm/decode.js';
import { disassembleWord } from '../../../src/cpu/arm/disasm.js';
import { Mode } from '../../../src/cpu/arm/state.js';
import { A, armMachine, CODE, DATA, runLines, u32 } from './core-helpers.js';

function userMode(cpu: import('../../../src/cpu/arm/cpu.js').ArmCpu): void {
  cpu.state.setCpsr(Mode.USR); // A I F clear
}

test('ARM0601 reset: SVC mode, A I F masked, ARM state, PC at 0 or at the high vectors', () => {
  const { cpu } = armMachine();
  cpu.reset();
  assert.equal(cpu.state.mode, Mode.SVC);
  assert.deepEqual([cpu.state.a, cpu.state.i, cpu.state.f, cpu.state.t], [1, 1, 1, 0]);
  assert.equal(cpu.state.r[15], 0);
  assert.equal(u32(cpu.state.getCpsr()), 0x1d3);
  cpu.reset(true);
  assert.equal(u32(cpu.state.r[15]), 0xffff0000);
  assert.notEqual(cpu.cp15.sctlr & Sctlr.V, 0);
});

test('ARM0602 SVC from user mode: vector 0x08, LR_svc, SPSR_svc, I set; MOVS PC, LR returns', () => {
  const m = armMachine(A('svc #5'));
  m.memory.write32(0x08, A('movs pc, lr')[0]);
  userMode(m.cpu);
  m.cpu.state.r[13] = 0x7000;
  m.cpu.state.z = 1;
  m.cpu.run(1);
  const s = m.cpu.state;
  assert.equal(s.r[15], 0x08);
  assert.equal(s.mode, Mode.SVC);
  assert.equal(s.r[14], CODE + 4);
  assert.equal(u32(s.getSpsr()), 0x40000010);
  assert.deepEqual([s.i, s.a, s.f], [1, 0, 0], 'SVC sets I only');
  assert.equal(s.r[13], 0x20000, 'the SVC bank has its own SP');
  m.cpu.run(1);
  assert.equal(s.mode, Mode.USR);
  assert.equal(s.r[15], CODE + 4);
  assert.equal(s.r[13], 0x7000);
  assert.equal(s.z, 1);
});

test('ARM0603 IRQ: taken between instructions when I is clear, LR_irq = next + 4, SUBS PC, LR, #4 returns', () => {
  const m = armMachine(A('mov r0, #1', 'mov r1, #2'));
  m.memory.write32(0x18, A('subs pc, lr, #4')[0]);
  userMode(m.cpu);
  m.cpu.run(1);
  m.cpu.setIrq(true);
  m.cpu.run(1);
  const s = m.cpu.state;
  assert.equal(s.r[15], 0x18);
  assert.equal(s.mode, Mode.IRQ);
  assert.equal(s.r[14], CODE + 8);
  assert.deepEqual([s.i, s.a, s.f], [1, 1, 0]);
  m.cpu.setIrq(false);
  m.cpu.run(2);
  assert.equal(s.mode, Mode.USR);
  assert.equal(s.r[1], 2, 'the interrupted instruction ran after the return');
  assert.equal(s.i, 0);
});

test('ARM0604 FIQ: its own r8-r12, F and I set, vector 0x1c; a masked FIQ waits', () => {
  const m = armMachine(A('mov r0, #1', 'mov r1, #1'));
  m.memory.write32(0x1c, A('mov r8, #0x99')[0]);
  m.memory.write32(0x20, A('subs pc, lr, #4')[0]);
  userMode(m.cpu);
  m.cpu.state.f = 1;
  m.cpu.state.r[8] = 0x88;
  m.cpu.setFiq(true);
  m.cpu.run(1);
  assert.equal(m.cpu.state.r[0], 1, 'masked: the instruction runs');
  m.cpu.state.f = 0;
  m.cpu.run(2);
  assert.equal(m.cpu.state.mode, Mode.FIQ);
  assert.equal(m.cpu.state.r[8], 0x99);
  assert.deepEqual([m.cpu.state.f, m.cpu.state.i], [1, 1]);
  m.cpu.setFiq(false);
  m.cpu.run(1);
  assert.equal(m.cpu.state.mode, Mode.USR);
  assert.equal(m.cpu.state.r[8], 0x88, 'the user r8 is back');
  assert.equal(m.cpu.state.r[15], CODE + 4);
});

test('ARM0603b the IRQ and FIQ inputs as an IrqSink for hw/irq.ts lines', async () => {
  const { IrqLine } = await import('../../../src/hw/irq.js');
  const { ARM_FIQ_INPUT, ARM_IRQ_INPUT } = await import('../../../src/cpu/arm/cpu.js');
  const m = armMachine(A('mov r0, #1', 'mov r1, #2'));
  userMode(m.cpu);
  new IrqLine(m.cpu.interruptInputs, ARM_FIQ_INPUT).raise();
  m.cpu.run(1);
  assert.equal(m.cpu.state.mode, Mode.FIQ);
  const irq = armMachine(A('mov r0, #1'));
  userMode(irq.cpu);
  new IrqLine(irq.cpu.interruptInputs, ARM_IRQ_INPUT).raise();
  irq.cpu.run(1);
  assert.equal(irq.cpu.state.mode, Mode.IRQ);
});

test('ARM0605 WFI halts run() until an interrupt line rises, masked or not', () => {
  const m = armMachine(A('wfi', 'mov r0, #1'));
  assert.equal(m.cpu.run(10), 1);
  assert.equal(m.cpu.halted, true);
  assert.equal(m.cpu.run(10), 0);
  m.cpu.setIrq(true); // I is set: the core wakes and goes on without taking it
  m.cpu.run(1);
  assert.equal(m.cpu.state.r[0], 1);
});

test('ARM0606 CP15: MIDR MPIDR CTR in privileged modes; user mode reads TPIDRURO only; unknown registers and coprocessors are UNDEFINED', () => {
  const m = runLines(['mrc p15, 0, r0, c0, c0, 0', 'mrc p15, 0, r1, c0, c0, 5', 'mrc p15, 0, r2, c0, c0, 1', 'mcr p15, 0, r3, c13, c0, 3']);
  assert.equal(u32(m.cpu.state.r[0]), CORTEX_A15_MIDR);
  assert.equal(u32(m.cpu.state.r[1]), 0x80000000);
  assert.equal(u32(m.cpu.state.r[2]), 0x8444c004);
  for (const [line, user] of [
    ['mrc p15, 0, r0, c0, c0, 0', true],
    ['mcr p15, 0, r0, c13, c0, 3', true],
    ['mrc p15, 0, r0, c9, c12, 0', false],
    ['mrc p14, 0, r0, c1, c0, 0', false],
    ['mrc p13, 0, r0, c0, c0, 0', false],
    ['vmov r0, s0', false],
  ] as const) {
    const undefinedCase = runLines([line], (c) => {
      if (user) userMode(c);
    });
    assert.equal(undefinedCase.cpu.state.r[15], 4, `${line} is UNDEFINED`);
    assert.equal(undefinedCase.cpu.state.mode, Mode.UND);
  }
  const tls = runLines(['mrc p15, 0, r0, c13, c0, 3'], (c) => {
    c.cp15.tpidruro = 0x1234;
    userMode(c);
  });
  assert.equal(tls.cpu.state.r[0], 0x1234);
});

test('ARM0607 VBAR moves the low vectors; SCTLR.V selects 0xffff0000', () => {
  const m = runLines(['mcr p15, 0, r0, c12, c0, 0', 'svc #0'], (c) => {
    c.state.r[0] = 0x4000;
  });
  assert.equal(m.cpu.state.r[15], 0x4008);
  const high = runLines(['mcr p15, 0, r0, c1, c0, 0', 'svc #0'], (c) => {
    c.state.r[0] = c.cp15.sctlr | Sctlr.V;
  });
  assert.equal(u32(high.cpu.state.r[15]), 0xffff0008);
});

test('ARM0608 CPS changes mode and masks; banked SP and LR per mode', () => {
  const m = runLines(['mov sp, #0x100', 'cps #31', 'mov sp, #0x200', 'cpsie if', 'cps #19'], () => undefined);
  const s = m.cpu.state;
  assert.equal(s.mode, Mode.SVC);
  assert.equal(s.r[13], 0x100);
  assert.equal(s.getModeRegister(Mode.USR, 13), 0x200);
  assert.deepEqual([s.i, s.f, s.a], [0, 0, 1]);
});

test('ARM0609 SRS stores LR and SPSR; RFE loads PC and CPSR', () => {
  const m = runLines(['srsdb sp!, #19', 'rfeia sp!'], (c) => {
    c.state.r[14] = 0x2000;
    c.state.setSpsr(0x80000010);
  });
  const s = m.cpu.state;
  assert.equal(m.memory.read32(0x20000 - 8), 0x2000);
  assert.equal(m.memory.read32(0x20000 - 4), 0x80000010);
  assert.equal(s.r[15], 0x2000);
  assert.equal(s.mode, Mode.USR);
  assert.equal(s.n, 1);
  assert.equal(s.getModeRegister(Mode.SVC, 13), 0x20000, 'SP_svc written back up again');
});

test('ARM0610 STM^ stores the user registers; LDM^ with the PC is an exception return', () => {
  const m = runLines(['stmia r0, {sp, lr}^', 'ldmia r1!, {r2, pc}^'], (c) => {
    c.state.bankedSpLr[0] = 0x7000;
    c.state.bankedSpLr[1] = 0x7004;
    c.state.r[0] = DATA;
    c.state.r[1] = DATA + 0x10;
    c.memory.write32(DATA + 0x10, 0x22);
    c.memory.write32(DATA + 0x14, 0x3000);
    c.state.setSpsr(0x20000010);
  });
  assert.equal(m.memory.read32(DATA), 0x7000);
  assert.equal(m.memory.read32(DATA + 4), 0x7004);
  const s = m.cpu.state;
  assert.equal(s.mode, Mode.USR);
  assert.equal(s.r[15], 0x3000);
  assert.equal(s.r[2], 0x22);
  assert.equal(s.c, 1);
  assert.equal(s.r[13], 0x7000);
});

test('ARM0611 SETEND BE: data loads and stores are big-endian, fetches are not', () => {
  const m = runLines(['setend be', 'ldr r0, [r1]', 'ldrh r2, [r1]', 'str r0, [r1, #4]', 'setend le'], (c) => {
    c.memory.write32(DATA, 0x11223344);
    c.state.r[1] = DATA;
  });
  assert.equal(m.cpu.state.r[0], 0x44332211);
  assert.equal(m.cpu.state.r[2], 0x4433);
  assert.equal(m.memory.read32(DATA + 4), 0x11223344);
  assert.equal(m.cpu.state.e, 0);
});

test('ARM0612 BKPT is a prefetch abort with the debug status; fetching from nowhere is one too', () => {
  const m = runLines(['bkpt 0x0001']);
  assert.equal(m.cpu.state.r[15], 0x0c);
  assert.equal(m.cpu.state.mode, Mode.ABT);
  assert.equal(m.cpu.state.r[14], CODE + 4);
  assert.equal(m.cpu.cp15.ifsr, 2);
  const nowhere = armMachine([], 0x500000);
  nowhere.cpu.run(1);
  assert.equal(nowhere.cpu.state.r[15], 0x0c);
  assert.equal(u32(nowhere.cpu.cp15.ifar), 0x500000);
});

test('ARM0613 exception returns from user/system mode without an SPSR are UNDEFINED here (UNPREDICTABLE in the ARM ARM)', () => {
  const m = runLines(['movs pc, lr'], (c) => userMode(c));
  assert.equal(m.cpu.state.r[15], 4);
});

test('ARM0701 every row of the A32 tables is reachable: some encoding decodes to it', () => {
  let seed = 1;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed ^ (seed >>> 13)) >>> 0;
  };
  for (const [table, conditional] of [
    [A32_TABLE, true],
    [A32_UNCONDITIONAL_TABLE, false],
  ] as const) {
    for (const row of table) {
      let reached = false;
      for (let attempt = 0; attempt < 2000 && !reached; attempt++) {
        let word = ((random() & ~row.mask) | row.value) >>> 0;
        if (conditional && word >>> 28 === 0xf) word = (word & 0x0fffffff) | 0xe0000000;
        reached = findA32Entry(word) === row;
      }
      assert.ok(reached, `row ${row.mnemonic || row.kind} (${row.value.toString(16)}/${row.mask.toString(16)}) is shadowed`);
    }
  }
});

test('ARM0702 the disassembler prints GNU-like text from the decoded record', () => {
  const cases: [string, string][] = [
    ['adds r1, r0, r0, lsl #31', 'adds\tr1, r0, r0, lsl #31'],
    ['mov r0, #5', 'mov\tr0, #5'],
    ['ldr r0, [r1, #4]!', 'ldr\tr0, [r1, #4]!'],
    ['ldrb r6, [r8], #1', 'ldrb\tr6, [r8], #1'],
    ['strh r1, [r8, -r9]', 'strh\tr1, [r8, -r9]'],
    ['push {r4, lr}', 'push\t{r4, lr}'],
    ['ldmia r1!, {r2, pc}^', 'ldm\tr1!, {r2, pc}^'],
    ['umull r4, r5, r1, r2', 'umull\tr4, r5, r1, r2'],
    ['smlabt r6, r1, r2, r3', 'smlabt\tr6, r1, r2, r3'],
    ['uqsub8 r3, r4, r5', 'uqsub8\tr3, r4, r5'],
    ['ubfx r0, r1, #4, #8', 'ubfx\tr0, r1, #4, #8'],
    ['svc #5', 'svc\t0x5'],
    ['mrc p15, 0, r0, c0, c0, 0', 'mrc\t15, 0, r0, cr0, cr0, {0}'],
    ['dmb ish', 'dmb\tish'],
    ['bxne lr', 'bxne\tlr'],
  ];
  for (const [line, text] of cases) assert.equal(disassembleWord(A(line)[0], CODE), text, line);
  assert.equal(disassembleWord(A('bl .+12')[0], CODE), 'bl\t0x100c');
  const record = decodeA32(A('ldrd r6, r7, [r8, #-16]!')[0], new DecodedInstruction());
  assert.deepEqual([record.rd, record.rn, record.imm, record.p, record.u, record.w], [6, 8, 16, 1, 0, 1]);
});

test('ARM0614 HVC and SMC go to the machine\'s call hook (PSCI), else they are UNDEFINED', () => {
  const calls: string[] = [];
  const m = armMachine(A('hvc #0', 'smc #0', 'mov r1, #1'));
  m.cpu.callHook = (kind, immediate) => {
    calls.push(`${kind} ${immediate}`);
    m.cpu.state.r[0] = 0x1234;
    return true;
  };
  m.cpu.run(3);
  assert.deepEqual(calls, ['hvc 0', 'smc 0']);
  assert.equal(m.cpu.state.r[0], 0x1234);
  assert.equal(m.cpu.state.r[1], 1);
  const bare = runLines(['hvc #0']);
  assert.equal(bare.cpu.state.r[15], 4);
});
