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
import {
  neonFloatProgram,
  neonIntegerProgram,
  neonLoadStoreProgram,
  neonWordsProgram,
  randomNeonWords,
  vfpArithmeticProgram,
  vfpConversionProgram,
} from './differential/fp-programs.js';
import { PhysicalMemory } from '../../../src/hw/memory.js';
import { ArmCpu } from '../../../src/cpu/arm/cpu.js';
import { Mode } from '../../../src/cpu/arm/state.js';
import {
  randomThumbProgram,
  THUMB_MEDIA_TEMPLATES,
  THUMB_MULTIPLY_TEMPLATES,
  thumbDataProcessingProgram,
  thumbMemoryProgram,
  thumbTemplateProgram,
} from './differential/programs.js';

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

test('ARMDIFF0010 Thumb data processing: every T32 op (ORN too) × register, shifted-register and modified-immediate operands, S and not; register shifts; the T16 forms in and out of IT blocks; ADDW/SUBW/ADR; every IT condition and mask', () => {
  check('Thumb data processing', buildAssemblyText('thumb-dp', thumbDataProcessingProgram(10), directory.path), 12000);
});

test('ARMDIFF0011 Thumb multiplies: MUL(S) MLA MLS, long and DSP multiplies, SDIV UDIV, USAD8', () => {
  check('Thumb multiplies', buildAssemblyText('thumb-multiply', thumbTemplateProgram(THUMB_MULTIPLY_TEMPLATES, 11, 8), directory.path), 5000);
});

test('ARMDIFF0012 Thumb media: parallel add/subtract, SEL, saturation, REV RBIT CLZ, bit fields, extends, PKH, MOVW/MOVT, MRS/MSR', () => {
  check('Thumb media', buildAssemblyText('thumb-media', thumbTemplateProgram(THUMB_MEDIA_TEMPLATES, 12, 8), directory.path), 10000);
});

test('ARMDIFF0013 Thumb loads and stores: every addressing mode (T16 and T32), literals at both alignments, the T forms, LDRD/STRD, LDM/STM, PUSH/POP, exclusives, in IT blocks', () => {
  check('Thumb memory', buildAssemblyText('thumb-memory', thumbMemoryProgram(13, 6), directory.path), 9000);
});

test('ARMDIFF0014 Thumb branches and interworking: B T1-T4, BL, BLX to ARM and back, CBZ/CBNZ, TBB/TBH, IT blocks ending in branches, MOV/ADD PC, a 32-bit instruction across a page, self-modifying code', () => {
  check('thumb.s', buildAssembly(join(PROGRAMS_DIRECTORY, 'thumb.s'), directory.path), 650);
});

test('ARMDIFF0015 a freestanding C program compiled to Thumb-2 (gcc -O2 -mthumb)', () => {
  const executable = join(directory.path, 'freestanding-thumb');
  const result = spawnSync(
    'arm-linux-gnueabihf-gcc',
    ['-O2', '-mthumb', '-march=armv7ve', '-mfloat-abi=soft', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', executable, join(PROGRAMS_DIRECTORY, 'freestanding.c')],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `arm-linux-gnueabihf-gcc failed: ${result.stderr}`);
  check('freestanding.c -mthumb', executable, 20000);
});

test('ARMDIFF0016 random Thumb sequences: T32 and T16 data processing in and out of random IT blocks, multiplies, media, loads and stores, PUSH/POP, CBZ/CBNZ and short branches', () => {
  const seed = Number(process.env.L4VM_ARM_SEED ?? 20261128);
  const count = Number(process.env.L4VM_ARM_RANDOM_COUNT ?? 8);
  for (let k = 0; k < count; k++) {
    check(`random Thumb program, seed ${seed + k}`, buildAssemblyText(`random-thumb${k}`, randomThumbProgram(seed + k, 600), directory.path), 600);
  }
});

/** The same comparison with D0-D31 and FPSCR (`-d fpu`) in every record. */
function checkFpu(name: string, executable: string, minimum: number): void {
  const result = differential(executable, directory.path, true);
  assert.equal(result.mismatch, null, `${name}: ${result.mismatch ?? ''}`);
  assert.ok(result.instructions >= minimum, `${name}: only ${result.instructions} instructions compared`);
}

test('ARMDIFF0017 privileged Thumb code on qemu-system-arm -M virt: SVC/UDF/BKPT/alignment faults from Thumb (in IT blocks too), SPSR.T and ITSTATE, CPS, MSR/MRS SPSR, SRS/RFE and SUBS PC, LR in Thumb, exceptions taken to Thumb (SCTLR.TE)', () => {
  const result = differentialSystem(buildBareMetal(join(PROGRAMS_DIRECTORY, 'thumb-system.s'), directory.path), directory.path);
  assert.equal(result.mismatch, null, `thumb-system.s: ${result.mismatch ?? ''}`);
  assert.ok(result.instructions >= 150, `thumb-system.s: only ${result.instructions} instructions compared`);
});

test('ARMDIFF0018 VFP and Advanced SIMD in Thumb state (T32 encodings rewritten to A32 for their executors): FP programs assembled .thumb, vector-math.c -mthumb', () => {
  const thumb = (text: string): string => text.replace('.syntax unified\n.arm\n', '.syntax unified\n.thumb\n').replace('_start:\n', '.thumb_func\n_start:\n');
  checkFpu('Thumb VFP single, special operands', buildAssemblyText('thumb-vfp-single', thumb(vfpArithmeticProgram(false, 'special', 20)), directory.path), 7500);
  checkFpu('Thumb VFP conversions', buildAssemblyText('thumb-vfp-conversions', thumb(vfpConversionProgram(24)), directory.path), 5500);
  checkFpu('Thumb NEON integer', buildAssemblyText('thumb-neon-integer', thumb(neonIntegerProgram(25)), directory.path), 2500);
  checkFpu('Thumb NEON loads and stores', buildAssemblyText('thumb-neon-memory', thumb(neonLoadStoreProgram(29)), directory.path), 1800);
  const executable = join(directory.path, 'vector-math-thumb');
  const result = spawnSync(
    'arm-linux-gnueabihf-gcc',
    [
      '-O2', '-mthumb', '-march=armv7ve', '-mfpu=neon-vfpv4', '-mfloat-abi=hard', '-ftree-vectorize', '-fno-math-errno', '-funsafe-math-optimizations',
      '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', executable, join(PROGRAMS_DIRECTORY, 'vector-math.c'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `arm-linux-gnueabihf-gcc failed: ${result.stderr}`);
  checkFpu('vector-math.c -mthumb', executable, 9000);
});

test('ARMDIFF0020 VFP single precision, special operands (±0, subnormals, min/max normal, ±∞, QNaN/SNaN, values that round): every arithmetic, multiply-accumulate, fused, square root, compare, abs and neg op under RN/RP/RM/RZ, FZ, DN', () => {
  checkFpu('VFP single, special operands', buildAssemblyText('vfp-single-special', vfpArithmeticProgram(false, 'special', 20), directory.path), 7500);
});

test('ARMDIFF0021 VFP double precision, special operands, every op under each rounding mode and FZ/DN', () => {
  checkFpu('VFP double, special operands', buildAssemblyText('vfp-double-special', vfpArithmeticProgram(true, 'special', 21), directory.path), 7500);
});

test('ARMDIFF0022 VFP single and double precision, random operands biased to round, overflow and underflow, every op and setting', () => {
  checkFpu('VFP single, random operands', buildAssemblyText('vfp-single-random', vfpArithmeticProgram(false, 'random', 22), directory.path), 7500);
  checkFpu('VFP double, random operands', buildAssemblyText('vfp-double-random', vfpArithmeticProgram(true, 'random', 23), directory.path), 7500);
});

test('ARMDIFF0023 VFP conversions: float ↔ integer (VCVT, VCVTR, signed and unsigned), fixed point, single ↔ double, VCVTB/VCVTT half precision with AHP, each rounding mode and FZ/DN', () => {
  checkFpu('VFP conversions', buildAssemblyText('vfp-conversions', vfpConversionProgram(24), directory.path), 5500);
});

test('ARMDIFF0024 Advanced SIMD integer ops over 8/16/32/64-bit lanes, D and Q, random data: three-same, long/wide/narrow, by scalar, shifts and saturation (QC), misc, permutes, VEXT VTBL VTBX VDUP, VMOV immediates and scalars', () => {
  for (const seed of [25, 26]) checkFpu(`NEON integer, seed ${seed}`, buildAssemblyText(`neon-integer-${seed}`, neonIntegerProgram(seed), directory.path), 2500);
});

test('ARMDIFF0025 Advanced SIMD float lanes (standard FPSCR) over special and random singles: arithmetic, pairwise, compares, VRECPE/VRSQRTE/VRECPS/VRSQRTS, VCVT fixed and integer, half precision, by scalar', () => {
  for (const seed of [27, 28]) checkFpu(`NEON float, seed ${seed}`, buildAssemblyText(`neon-float-${seed}`, neonFloatProgram(seed), directory.path), 1400);
});

test('ARMDIFF0026 VLD1-4/VST1-4: multiple structures, single lanes, all lanes, alignment hints, writeback by size and register; VLDM/VSTM/VPUSH/VPOP/VLDR/VSTR', () => {
  for (const seed of [29, 30]) checkFpu(`NEON loads and stores, seed ${seed}`, buildAssemblyText(`neon-memory-${seed}`, neonLoadStoreProgram(seed), directory.path), 1800);
});

test('ARMDIFF0027 a freestanding C program with float and double math (gcc -O2 -mfpu=neon-vfpv4 -mfloat-abi=hard -ftree-vectorize), also with -funsafe-math-optimizations so float loops become NEON', () => {
  for (const [name, extra] of [
    ['vector-math', []],
    ['vector-math-unsafe', ['-funsafe-math-optimizations']],
  ] as const) {
    const executable = join(directory.path, name);
    const result = spawnSync(
      'arm-linux-gnueabihf-gcc',
      [
        '-O2', '-marm', '-march=armv7ve', '-mfpu=neon-vfpv4', '-mfloat-abi=hard', '-ftree-vectorize', '-fno-math-errno', ...extra,
        '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', executable, join(PROGRAMS_DIRECTORY, 'vector-math.c'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(result.status, 0, `arm-linux-gnueabihf-gcc failed: ${result.stderr}`);
    checkFpu(name, executable, 9000);
  }
});

/** Whether our core takes the undefined-instruction exception for `word` (VFP/Advanced SIMD enabled, r4 at RAM). */
function undefinedOnOurCore(word: number): boolean {
  const memory = new PhysicalMemory('little');
  memory.addRam('ram', 0, new Uint8Array(0x10000));
  const cpu = new ArmCpu(memory, { log: () => undefined });
  cpu.cp15.cpacr = 0x00f00000;
  cpu.vfp.fpexc = 1 << 30;
  memory.write32(0x1000, word);
  cpu.state.r[15] = 0x1000;
  cpu.state.r[4] = 0x8000;
  cpu.run(1);
  return cpu.state.mode === Mode.UND;
}

test('ARMDIFF0028 random Advanced SIMD (data processing, loads/stores) and VFP data-processing encodings that objdump accepts: executed ones equal to QEMU with D0-D31 and FPSCR, UNDEFINED ones SIGILL under qemu-arm too', () => {
  const words = randomNeonWords(28, 3000, directory.path);
  const undefinedHere = words.filter(([word]) => undefinedOnOurCore(word));
  const executed = words.filter(([word]) => !undefinedOnOurCore(word));
  checkFpu('random Advanced SIMD encodings', buildAssemblyText('neon-words', neonWordsProgram(executed, 28), directory.path), 1500);
  for (const [word, text] of undefinedHere.slice(0, 40)) {
    const single = buildAssemblyText(`neon-undefined-${word.toString(16)}`, neonWordsProgram([[word, text]], 28), directory.path);
    const result = spawnSync('qemu-arm', ['-cpu', 'cortex-a15', single], { encoding: 'utf8' });
    assert.equal(result.signal, 'SIGILL', `0x${word.toString(16)} (${text}) is UNDEFINED here but qemu-arm runs it`);
  }
});

test('ARMDIFF0029 VFP/Advanced SIMD access control on qemu-system-arm -M virt: CPACR none/privileged/full, FPEXC.EN off and on, FPSID/MVFR0/MVFR1/FPEXC/FPSCR from PL1 and PL0, UNDEFINED instructions taken and returned from', () => {
  const result = differentialSystem(buildBareMetal(join(PROGRAMS_DIRECTORY, 'vfp-system.s'), directory.path), directory.path);
  assert.equal(result.mismatch, null, `vfp-system.s: ${result.mismatch ?? ''}`);
  assert.ok(result.instructions >= 130, `vfp-system.s: only ${result.instructions} instructions compared`);
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
