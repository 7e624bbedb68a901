// The ARM core against qemu-arm 7.2 (-cpu cortex-a15 -singlestep -d cpu,nochain), state by state
// (docs/testing-arm.md): generated sweeps of the data-processing ops and shifter forms, the
// multiplies, the media instructions and the addressing modes; a hand-written branch program; a
// freestanding C program; random instruction sequences; and a privileged bare-metal program under
// qemu-system-arm -M virt. Each is compared on r0-r15 and the whole CPSR before every instruction
// up to the first SVC (the semihosting exit for the bare-metal one). The tools (qemu-arm,
// qemu-system-arm, the arm-linux-gnueabihf binutils and gcc) must be installed; a missing one
// fails the tests.
//
// More random programs: L4VM_ARM_SEED=n L4VM_ARM_RANDOM_COUNT=m node --test dist/test/cpu/arm/differential.test.js

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  buildAssembly,
  buildAssemblyText,
  buildBareMetal,
  compareTraces,
  cutAtFirstSvc,
  differential,
  differentialSystem,
  PROGRAMS_DIRECTORY,
  requireTools,
  runOurs,
  runQemu,
  scratchDirectory,
} from './differential/harness.js';
import { dataProcessingProgram, MEDIA_TEMPLATES, memoryProgram, MULTIPLY_TEMPLATES, randomProgram, templateProgram } from './differential/programs.js';

let directory: { path: string; remove: () => void };
before(() => {
  requireTools();
  directory = scratchDirectory();
});
after(() => {
  directory.remove();
});

function check(name: string, executable: string, minimum: number): void {
  const result = differential(executable, directory.path);
  assert.equal(result.mismatch, null, `${name}: ${result.mismatch ?? ''}`);
  assert.ok(result.instructions >= minimum, `${name}: only ${result.instructions} instructions compared`);
}

test('ARMDIFF0001 every data-processing op × every shifter form (immediate, register shifted by immediate and by register, RRX), S and not, and every condition', () => {
  check('data processing', buildAssemblyText('dp', dataProcessingProgram(1), directory.path), 10000);
});

test('ARMDIFF0002 multiplies: MUL MLA MLS, the long and DSP multiplies, SMUAD…SMMLS, SDIV UDIV, USAD8', () => {
  check('multiplies', buildAssemblyText('multiply', templateProgram(MULTIPLY_TEMPLATES, 2, 8), directory.path), 5000);
});

test('ARMDIFF0003 media: parallel add/subtract (GE), SEL, saturation, REV RBIT CLZ, bit fields, extends, PKH, MRS/MSR APSR', () => {
  check('media', buildAssemblyText('media', templateProgram(MEDIA_TEMPLATES, 3, 8), directory.path), 10000);
});

test('ARMDIFF0004 loads and stores of every addressing mode, the T forms, LDRD/STRD, LDM/STM modes, PUSH/POP, exclusives, SWP', () => {
  check('memory', buildAssemblyText('memory', memoryProgram(4, 6), directory.path), 7000);
});

test('ARMDIFF0005 branches, calls and returns through the PC, a jump table, conditions on all flags, self-modifying code', () => {
  check('branch.s', buildAssembly(join(PROGRAMS_DIRECTORY, 'branch.s'), directory.path), 300);
});

test('ARMDIFF0006 a freestanding C program (gcc -O2 -marm): sorting, 64-bit multiplies, divisions, CRC-32', () => {
  const executable = join(directory.path, 'freestanding');
  const result = spawnSync(
    'arm-linux-gnueabihf-gcc',
    ['-O2', '-marm', '-march=armv7ve', '-mfloat-abi=soft', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', executable, join(PROGRAMS_DIRECTORY, 'freestanding.c')],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `arm-linux-gnueabihf-gcc failed: ${result.stderr}`);
  check('freestanding.c', executable, 20000);
});

test('ARMDIFF0007 random A32 sequences: data processing, multiplies, media, loads and stores to a scratch buffer', () => {
  const seed = Number(process.env.L4VM_ARM_SEED ?? 20261127);
  const count = Number(process.env.L4VM_ARM_RANDOM_COUNT ?? 8);
  for (let k = 0; k < count; k++) {
    check(`random program, seed ${seed + k}`, buildAssemblyText(`random${k}`, randomProgram(seed + k, 600), directory.path), 600);
  }
});

test('ARMDIFF0008 privileged code on qemu-system-arm -M virt: exceptions and returns, banked registers, CPS, MSR/MRS SPSR, SRS/RFE, LDM/STM ^, VBAR, CP15/CP14 IDs, DFSR/DFAR, IFSR, SETEND', () => {
  const result = differentialSystem(buildBareMetal(join(PROGRAMS_DIRECTORY, 'system.s'), directory.path), directory.path);
  assert.equal(result.mismatch, null, `system.s: ${result.mismatch ?? ''}`);
  assert.ok(result.instructions >= 150, `system.s: only ${result.instructions} instructions compared`);
});

test('ARMDIFF0901 the comparator reports a changed register with both disassemblies', () => {
  const executable = buildAssemblyText('tiny', '\t.arm\n\t.global _start\n_start:\n\tmov r0, #5\n\tadd r1, r0, r0\n\tmov r7, #1\n\tsvc #0\n', directory.path);
  const qemu = cutAtFirstSvc(runQemu(executable, directory.path).trace);
  assert.equal(qemu.count, 4);
  const ours = runOurs(executable, qemu.records[0], qemu.count + 4);
  assert.equal(compareTraces(qemu, ours.trace, ours.memory), null);
  qemu.records[2][1] = 11;
  const report = compareTraces(qemu, ours.trace, ours.memory);
  assert.ok(report !== null);
  assert.match(report, /record 2/);
  assert.match(report, /r1: QEMU 0000000b, ours 0000000a/);
  assert.match(report, /add\s+r1, r0, r0/);
});
