// The ARM user-mode runner (src/user/arm-runner.ts): static -nostdlib ARM programs print and
// exit as under qemu-arm; the kuser helpers and set_tls work; faults end the process with the
// signal Linux would send; bad input is one sentence. Thumb programs run too: a freestanding C
// program compiled -mthumb, Thumb faults, and Debian's static glibc (Thumb-2 code that also needs
// VFP, docs/testing-arm.md).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runArmProgram } from '../../../src/user/arm-runner.js';
import { buildAssembly, buildAssemblyText, PROGRAMS_DIRECTORY, requireTools, scratchDirectory } from './differential/harness.js';

let directory: { path: string; remove: () => void };
before(() => {
  requireTools();
  directory = scratchDirectory();
});
after(() => {
  directory.remove();
});

/** Runs a program with stdout captured into a file; returns status, output and logged lines. */
function runCaptured(program: string): { status: number; output: string; logged: string[] } {
  const logged: string[] = [];
  // LinuxFiles writes to the host's fd 1: run in a child so the output can be compared.
  const script = join(directory.path, 'run.mjs');
  writeFileSync(
    script,
    `import { runArmProgram } from ${JSON.stringify(new URL('../../../src/user/arm-runner.js', import.meta.url).href)};\n` +
      `process.exitCode = runArmProgram({ program: process.argv[2], args: [], env: [], cwd: process.argv[3], strace: false, log: (line) => process.stderr.write(line + '\\n') });\n`,
  );
  const result = spawnSync(process.execPath, [script, program, directory.path], { encoding: 'utf8' });
  for (const line of result.stderr.split('\n')) if (line !== '') logged.push(line);
  return { status: result.status ?? -1, output: result.stdout, logged };
}

/** qemu-arm's run; a guest killed by a signal kills qemu-arm with it: status 128 + signal, as a shell shows. */
function qemu(program: string): { status: number; output: string } {
  const result = spawnSync('qemu-arm', ['-cpu', 'cortex-a15', program], { encoding: 'utf8', cwd: directory.path });
  const signal = result.signal === null ? null : constants.signals[result.signal];
  return { status: result.status ?? (signal === null ? -1 : 128 + signal), output: result.stdout };
}

test('ARMUSER0001 hello.s: write(2) and exit_group(2) as under qemu-arm', () => {
  const program = buildAssembly(join(PROGRAMS_DIRECTORY, 'hello.s'), directory.path);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program));
  assert.equal(ours.output, 'hello from ARM\n');
  assert.equal(ours.status, 7);
});

test('ARMUSER0002 a freestanding C program: the same output and status as qemu-arm, kuser helpers and set_tls included', () => {
  const program = join(directory.path, 'freestanding');
  const built = spawnSync(
    'arm-linux-gnueabihf-gcc',
    ['-O2', '-marm', '-march=armv7ve', '-mfloat-abi=soft', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', program, join(PROGRAMS_DIRECTORY, 'freestanding.c')],
    { encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stderr);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program));
  assert.match(ours.output, /kuser 5 1 0 7 tls 12345678/);
});

test('ARMUSER0003 faults end the process with the signal qemu-arm gives: SIGSEGV, SIGILL, SIGTRAP, SIGBUS for an unaligned LDRD', () => {
  const cases: [string, number, RegExp][] = [
    ['\tmov r0, #0\n\tstr r0, [r0]\n', 139, /signal 11 .*write to 0x0/],
    ['\t.word 0xe7f000f0\n', 132, /signal 4 .*undefined instruction/],
    ['\tbkpt #1\n', 133, /signal 5 .*breakpoint/],
    ['\tsub r1, sp, #6\n\tldrd r2, r3, [r1]\n', 135, /signal 7 .*unaligned/],
  ];
  cases.forEach(([body, status, message], index) => {
    const program = buildAssemblyText(`fault${index}`, `\t.arm\n\t.global _start\n_start:\n${body}`, directory.path);
    const ours = runCaptured(program);
    assert.equal(ours.status, status);
    assert.equal(qemu(program).status, status, 'qemu-arm ends the same way');
    assert.match(ours.logged.join('\n'), message);
  });
});

test('ARMUSER0004 bad input: a missing file and an ELF for another machine are one sentence each', () => {
  const logged: string[] = [];
  const log = (line: string): void => {
    logged.push(line);
  };
  assert.equal(runArmProgram({ program: join(directory.path, 'missing'), args: [], env: [], cwd: directory.path, strace: false, log }), 1);
  assert.match(logged[0], /does not exist/);
  assert.equal(runArmProgram({ program: process.execPath, args: [], env: [], cwd: directory.path, strace: false, log }), 1);
  assert.match(logged[1], /not ARM|ELF|dynamically/);
});

test('ARMUSER0005 a static glibc program (Debian armhf: Thumb-2 code with VFP) prints and exits as under qemu-arm', () => {
  const source = join(directory.path, 'glibc.c');
  writeFileSync(source, '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
  const program = join(directory.path, 'glibc');
  const built = spawnSync('arm-linux-gnueabihf-gcc', ['-static', '-O2', '-mthumb', '-o', program, source], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program), ours.logged.join('\n'));
  assert.equal(ours.output, 'hi\n');
});

test('ARMUSER0006 the freestanding C program compiled to Thumb-2 (-mthumb): the same output and status as qemu-arm, ARM kuser helpers called from Thumb', () => {
  const program = join(directory.path, 'freestanding-thumb');
  const built = spawnSync(
    'arm-linux-gnueabihf-gcc',
    ['-O2', '-mthumb', '-march=armv7ve', '-mfloat-abi=soft', '-ffreestanding', '-fno-pie', '-no-pie', '-fno-stack-protector', '-nostdlib', '-static', '-o', program, join(PROGRAMS_DIRECTORY, 'freestanding.c')],
    { encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stderr);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program));
  assert.match(ours.output, /kuser 5 1 0 7 tls 12345678/);
});

test('ARMUSER0007 Thumb faults end the process as under qemu-arm: UDF (16 and 32 bits) SIGILL naming Thumb, BKPT SIGTRAP, a stray store SIGSEGV', () => {
  const cases: [string, number, RegExp][] = [
    ['\tudf #3\n', 132, /signal 4 .*undefined instruction at 0x[0-9a-f]+ \(Thumb\): udf/],
    ['\tnop\n\tudf.w #3\n', 132, /signal 4 .*\(Thumb\)/],
    ['\tbkpt #1\n', 133, /signal 5 .*breakpoint/],
    ['\tmovs r0, #0\n\tstr r0, [r0]\n', 139, /signal 11 .*write to 0x0/],
  ];
  cases.forEach(([body, status, message], index) => {
    const program = buildAssemblyText(`thumb-fault${index}`, `\t.syntax unified\n\t.thumb\n\t.global _start\n\t.thumb_func\n_start:\n${body}`, directory.path);
    const ours = runCaptured(program);
    assert.equal(ours.status, status);
    assert.equal(qemu(program).status, status, 'qemu-arm ends the same way');
    assert.match(ours.logged.join('\n'), message);
  });
});

test('ARMUSER0008 a glibc program compiled -mthumb (qsort, malloc, printf of floating point, libm, strings, setjmp/longjmp): output and status as under qemu-arm', () => {
  const program = join(directory.path, 'libc');
  const built = spawnSync('arm-linux-gnueabihf-gcc', ['-static', '-O2', '-mthumb', '-o', program, join(PROGRAMS_DIRECTORY, 'libc.c'), '-lm'], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program), ours.logged.join('\n'));
  assert.match(ours.output, /longjmp ok/);
});

test('ARMUSER0020 a static glibc program with floating point and NEON (-marm -mfpu=neon-vfpv4 -ftree-vectorize): libm, printf/strtod, fesetround modes and fetestexcept flags, glibc NEON memcpy/memset, setjmp: output and status as under qemu-arm', () => {
  const program = join(directory.path, 'float-libc');
  const built = spawnSync(
    'arm-linux-gnueabihf-gcc',
    ['-static', '-O2', '-marm', '-mfpu=neon-vfpv4', '-ftree-vectorize', '-o', program, join(PROGRAMS_DIRECTORY, 'float-libc.c'), '-lm'],
    { encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stderr);
  const ours = runCaptured(program);
  assert.deepEqual({ status: ours.status, output: ours.output }, qemu(program), ours.logged.join('\n'));
  assert.match(ours.output, /^upward 0x1\.5555555555556p-2 /m);
  assert.match(ours.output, /^flags 1 1 1 1 /m);
});
