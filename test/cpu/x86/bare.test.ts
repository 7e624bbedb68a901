// System-level x86 tests on a bare machine built from hw/ parts: programs of our own (in bare/,
// assembled with nasm at test time) start at the reset vector in real mode, switch to protected
// mode and check ring transitions, paging, a task-gate double fault and V86 mode themselves; they
// report on the debug port 0xE9 and end with a write to port 0xF4 (0 = PASS).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { X86Cpu } from '../../../src/cpu/x86/cpu.js';
import { IoPorts } from '../../../src/hw/ioports.js';
import { PhysicalMemory } from '../../../src/hw/memory.js';
import { REPOSITORY, scratchDirectory } from './differential/toolchain.js';

const SOURCES = join(REPOSITORY, 'test/cpu/x86/bare');

function assemble(name: string, directory: string): Uint8Array {
  const output = join(directory, `${name}.bin`);
  const result = spawnSync('nasm', ['-w-number-overflow', '-f', 'bin', '-I', `${SOURCES}/`, '-o', output, join(SOURCES, `${name}.asm`)], {
    encoding: 'utf8',
  });
  if (result.error !== undefined) throw new Error(`the bare-machine tests need nasm (Debian package nasm): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`nasm failed on ${name}.asm:\n${result.stderr}`);
  return new Uint8Array(readFileSync(output));
}

/** Runs a 64 KiB ROM image on a bare PC-like machine; returns what it printed and its exit code. */
function runBare(rom: Uint8Array, limit = 5_000_000): { output: string; exit: number | null; instructions: number } {
  const memory = new PhysicalMemory('little');
  memory.addRam('low', 0, new Uint8Array(0xf0000));
  memory.addRom('bios', 0xf0000, rom);
  memory.addRom('bios-alias', 0xffff0000, rom);
  memory.addRam('high', 0x100000, new Uint8Array(15 << 20));
  const io = new IoPorts();
  let output = '';
  let exit: number | null = null;
  const log: string[] = [];
  const cpu = new X86Cpu(memory, io, { log: (line) => log.push(line) });
  io.register('debug', 0xe9, 1, {
    read: () => 0xe9,
    write: (_port, _size, value) => {
      output += String.fromCharCode(value & 0xff);
    },
  });
  io.register('exit', 0xf4, 1, {
    read: () => 0xff,
    write: (_port, _size, value) => {
      exit = value & 0xff;
      cpu.stop();
    },
  });
  cpu.reset();
  while (exit === null && !cpu.halted && cpu.instructions < limit) cpu.run(10_000);
  if (exit === null) output += `\n(no exit after ${cpu.instructions} instructions; halted ${cpu.halted}; log: ${log.join(' | ')})`;
  return { output, exit, instructions: cpu.instructions };
}

const PROGRAMS: { id: string; name: string; expect: string }[] = [
  { id: 'X86SYS0001', name: 'rings-paging', expect: 'ring 3 -> ring 0 through the TSS stack: ok\npaging, CR2 and error codes: ok\nPASS\n' },
  { id: 'X86SYS0002', name: 'double-fault-task', expect: 'double fault through a task gate: ok\nPASS\n' },
  { id: 'X86SYS0003', name: 'v86', expect: 'virtual-8086 mode and its #GP monitor: ok\nPASS\n' },
];

for (const { id, name, expect } of PROGRAMS) {
  test(`${id} bare machine: ${name}.asm from the reset vector reports PASS on the debug port`, () => {
    const scratch = scratchDirectory();
    try {
      const { output, exit } = runBare(assemble(name, scratch.path));
      assert.equal(output, expect);
      assert.equal(exit, 0);
    } finally {
      scratch.remove();
    }
  });
}
