// The runner end to end with a stand-in CPU (MiniX86): loading, the int 0x80 route, exit status,
// and guest faults reported as signals. The real CPU runs real programs in qemu.test.ts.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { EAX, EBX, ECX, EDX } from '../../src/cpu/x86/state.js';
import { runX86Program, type X86CpuFactory } from '../../src/user/runner.js';
import { asm, makeElf32, MiniX86 } from './helpers.js';

const CODE = 0x0804_9000;
const DATA = 0x0804_a000;

let directory = '';
let logged: string[] = [];
let cpus: MiniX86[] = [];
const factory: X86CpuFactory = (memory, io) => {
  const cpu = new MiniX86(memory, io);
  cpus.push(cpu);
  return cpu;
};

beforeEach(() => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'l4vm-runner-'));
  logged = [];
  cpus = [];
});

afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

function program(code: number[], data: Uint8Array = new Uint8Array(16)): string {
  const file = path.join(directory, 'prog');
  fs.writeFileSync(
    file,
    makeElf32({
      entry: CODE,
      segments: [
        { vaddr: CODE, data: new Uint8Array(code), flags: 5 },
        { vaddr: DATA, data, memorySize: 0x2000, flags: 6 },
      ],
    }),
  );
  return file;
}

function run(file: string, args: string[] = []): number {
  return runX86Program({ program: file, args, env: ['HOME=/nowhere'], cwd: directory, strace: false, log: (line) => logged.push(line) }, factory);
}

test('RUN0001 a program opens a file in the working directory, writes to it and exits with its status', () => {
  const data = new TextEncoder().encode('out.txt\0written by the guest\n');
  const code = [
    ...asm.mov(EAX, 5),
    ...asm.mov(EBX, DATA),
    ...asm.mov(ECX, 0o1101), // O_WRONLY|O_CREAT|O_TRUNC
    ...asm.mov(EDX, 0o644),
    ...asm.int80(),
    ...asm.move(EBX, EAX),
    ...asm.mov(EAX, 4),
    ...asm.mov(ECX, DATA + 8),
    ...asm.mov(EDX, 21),
    ...asm.int80(),
    ...asm.mov(EAX, 252),
    ...asm.mov(EBX, 7),
    ...asm.int80(),
    ...asm.hlt(),
  ];
  assert.equal(run(program(code, data)), 7);
  assert.equal(fs.readFileSync(path.join(directory, 'out.txt'), 'utf8'), 'written by the guest\n');
  assert.deepEqual(logged, []);
  const cpu = cpus[0];
  assert.equal(cpu.state.cpl, 3, 'user mode');
  assert.equal(cpu.state.gdtrLimit, 16 * 8 - 1);
});

test('RUN0002 the stack pointer starts 16-byte aligned at argc, below the qemu-like stack top', () => {
  const code = [...asm.mov(EAX, 1), ...asm.mov(EBX, 0), ...asm.int80()];
  assert.equal(run(program(code), ['one', '-two']), 0);
  const sp = cpus[0].state.reg[4] >>> 0;
  assert.equal(sp % 16, 0);
  assert.ok(sp < 0x4080_1000 && sp > 0x4080_0000, `sp 0x${sp.toString(16)}`);
});

test('RUN0003 a read of an unmapped address ends the program with SIGSEGV, status 139', () => {
  const code = [...asm.load(0x10), ...asm.mov(EAX, 1), ...asm.int80()];
  assert.equal(run(program(code)), 139);
  assert.equal(logged.length, 1);
  assert.match(logged[0], /^l4vm: uncaught target signal 11 \(Segmentation fault\): read of unmapped address 0x10 near eip 0x8049000$/);
});

test('RUN0004 an invalid instruction (#UD from the CPU) ends the program with SIGILL, status 132', () => {
  assert.equal(run(program([...asm.ud2()])), 132);
  assert.match(logged[0], /^l4vm: uncaught target signal 4 \(Illegal instruction\): #UD invalid opcode at eip 0x8049000$/);
});

test('RUN0005 hlt in user mode is a privileged instruction: SIGSEGV', () => {
  assert.equal(run(program([...asm.hlt()])), 139);
  assert.match(logged[0], /signal 11 \(Segmentation fault\): hlt/);
});

test('RUN0006 int n other than 0x80 is a #GP in Linux: SIGSEGV', () => {
  assert.equal(run(program([0xcd, 0x21])), 139);
  assert.match(logged[0], /signal 11 .*int 0x21/);
});

test('RUN0007 bad input ends with status 1 and one sentence, before any CPU exists', () => {
  const text = path.join(directory, 'notes.txt');
  fs.writeFileSync(text, 'just text\n');
  assert.equal(run(text), 1);
  assert.deepEqual(logged, [`l4vm: ${text} is not an ELF executable.`]);
  const arm = path.join(directory, 'arm');
  fs.writeFileSync(arm, makeElf32({ machine: 40, segments: [{ vaddr: 0x10000, data: new Uint8Array(4) }] }));
  assert.equal(run(arm), 1);
  assert.equal(logged[1], `l4vm: ${arm} is an ELF for ARM (e_machine 40), not i386.`);
  assert.equal(run(path.join(directory, 'missing')), 1);
  assert.equal(logged[2], `l4vm: ${path.join(directory, 'missing')} does not exist.`);
  assert.equal(run(directory), 1);
  assert.equal(logged[3], `l4vm: ${directory} is a directory, not a program.`);
  assert.equal(cpus.length, 0);
});
