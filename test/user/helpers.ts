// Test helpers for the user-mode runner: ELF files made byte by byte, a stand-in x86 CPU that
// knows just enough instructions for hand-assembled test programs, and checks for the i686
// toolchain and qemu-user that the differential tests need, and running a host command (l4vm, qemu-user).

import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import type { IoPorts } from '../../src/hw/ioports.js';
import type { PhysicalMemory } from '../../src/hw/memory.js';
import { EAX, ESP, X86State } from '../../src/cpu/x86/state.js';
import type { X86UserCpu } from '../../src/user/runner.js';

export interface TestSegment {
  type?: number;
  vaddr: number;
  data: Uint8Array;
  memorySize?: number;
  flags?: number;
  /** File offset; by default right after the previous data, page-aligned modulo vaddr. */
  offset?: number;
}

/** An ELF32 file: header, program headers, then the segments' data. */
export function makeElf32(options: { machine?: number; endian?: 'little' | 'big'; type?: number; entry?: number; segments: TestSegment[] }): Uint8Array {
  const little = (options.endian ?? 'little') === 'little';
  const headerEnd = 52 + 32 * options.segments.length;
  const placed = options.segments.map((segment) => ({ segment, offset: 0 }));
  let cursor = headerEnd;
  for (const entry of placed) {
    if (entry.segment.offset !== undefined) entry.offset = entry.segment.offset;
    else {
      // Keep offset ≡ vaddr (mod 4096), as linkers do.
      const want = entry.segment.vaddr % 4096;
      while (cursor % 4096 !== want) cursor++;
      entry.offset = cursor;
    }
    cursor = Math.max(cursor, entry.offset + entry.segment.data.length);
  }
  const bytes = new Uint8Array(cursor);
  const view = new DataView(bytes.buffer);
  // Data first: a segment at offset 0 holds the headers, which are written over it.
  for (const { segment, offset } of placed) bytes.set(segment.data, offset);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, little ? 1 : 2, 1, 0]);
  view.setUint16(16, options.type ?? 2, little);
  view.setUint16(18, options.machine ?? 3, little);
  view.setUint32(20, 1, little);
  view.setUint32(24, options.entry ?? options.segments[0]?.vaddr ?? 0, little);
  view.setUint32(28, 52, little);
  view.setUint16(40, 52, little);
  view.setUint16(42, 32, little);
  view.setUint16(44, options.segments.length, little);
  placed.forEach(({ segment, offset }, i) => {
    const at = 52 + i * 32;
    view.setUint32(at, segment.type ?? 1, little);
    view.setUint32(at + 4, offset, little);
    view.setUint32(at + 8, segment.vaddr, little);
    view.setUint32(at + 12, segment.vaddr, little);
    view.setUint32(at + 16, segment.data.length, little);
    view.setUint32(at + 20, segment.memorySize ?? segment.data.length, little);
    view.setUint32(at + 24, segment.flags ?? 5, little);
    view.setUint32(at + 28, 0x1000, little);
  });
  return bytes;
}

/**
 * A stand-in for X86Cpu that runs hand-assembled programs of six instructions: mov r32, imm32
 * (B8+r), mov r32, r32 (89 /r, register form), mov eax, [moffs32] (A1), int imm8 (CD), jmp rel8
 * (EB), hlt (F4). Anything else raises #UD through exceptionHook, as the real CPU does.
 */
export class MiniX86 implements X86UserCpu {
  readonly state = new X86State();
  halted = false;
  instructions = 0;
  flushes = 0;
  softwareInterruptHook: ((vector: number) => boolean) | null = null;
  exceptionHook: ((vector: number, errorCode: number) => boolean) | null = null;
  private stopRequested = false;

  constructor(
    private readonly memory: PhysicalMemory,
    _io: IoPorts,
  ) {}

  getEflags(): number {
    return this.state.eflags;
  }

  setEflags(value: number): void {
    this.state.eflags = value;
  }

  loadSegment(sreg: number, selector: number): boolean {
    this.state.segments.selector[sreg] = selector;
    return true;
  }

  enterFlatProtectedMode(cpl: 0 | 3): void {
    this.state.cpl = cpl;
  }

  flushCaches(): void {
    this.flushes++;
  }

  stop(): void {
    this.stopRequested = true;
  }

  run(limit: number): number {
    this.stopRequested = false;
    let count = 0;
    while (count < limit && !this.stopRequested && !this.halted) {
      this.step();
      count++;
    }
    return count;
  }

  private step(): void {
    const s = this.state;
    const m = this.memory;
    const start = s.eip >>> 0;
    const opcode = m.read8(start);
    this.instructions++;
    if (opcode >= 0xb8 && opcode <= 0xbf) {
      s.reg[opcode - 0xb8] = m.read32(start + 1);
      s.eip = start + 5;
    } else if (opcode === 0x89 && m.read8(start + 1) >= 0xc0) {
      const modrm = m.read8(start + 1);
      s.reg[modrm & 7] = s.reg[(modrm >> 3) & 7];
      s.eip = start + 2;
    } else if (opcode === 0xa1) {
      s.reg[EAX] = m.read32(m.read32(start + 1));
      s.eip = start + 5;
    } else if (opcode === 0xcd) {
      s.eip = start + 2;
      const vector = m.read8(start + 1);
      if (this.softwareInterruptHook === null || !this.softwareInterruptHook(vector)) throw new Error('MiniX86 has no IDT');
    } else if (opcode === 0xeb) {
      s.eip = (start + 2 + ((m.read8(start + 1) << 24) >> 24)) >>> 0;
    } else if (opcode === 0xf4) {
      s.eip = start + 1;
      this.halted = true;
    } else if (this.exceptionHook === null || !this.exceptionHook(6, -1)) throw new Error('MiniX86 has no IDT');
  }
}

/** Assembles MiniX86 programs. */
export const asm = {
  mov: (register: number, value: number): number[] => [0xb8 + register, value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff],
  /** mov destination, source */
  move: (destination: number, source: number): number[] => [0x89, 0xc0 | (source << 3) | destination],
  load: (address: number): number[] => [0xa1, address & 0xff, (address >>> 8) & 0xff, (address >>> 16) & 0xff, (address >>> 24) & 0xff],
  int80: (): number[] => [0xcd, 0x80],
  hlt: (): number[] => [0xf4],
  ud2: (): number[] => [0x0f, 0x0b],
};

/** The initial stack pointer the runner gave (for tests reading argc/argv). */
export function stackPointer(cpu: MiniX86): number {
  return cpu.state.reg[ESP] >>> 0;
}

/** Whether a host tool runs; the message names it and how CI installs it. */
export function requireTool(command: string, args: string[], packageName: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new Error(`${command} is missing: this test compares l4vm with it. Install it with \`apt-get install -y ${packageName}\` (.ci/run does).`);
  }
}

export interface Run {
  /** The exit status; a program killed by a signal as a shell reports it (128 + the number; qemu-user kills itself with the guest's signal). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a host command (l4vm, qemu-user) to its end in `cwd`, with L4VM_TEST set. */
export function run(command: string, args: string[], cwd: string, input = ''): Run {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', input, timeout: 120_000, env: { ...process.env, L4VM_TEST: 'yes' } });
  const status = result.signal === null ? result.status : 128 + os.constants.signals[result.signal];
  return { status, stdout: result.stdout, stderr: result.stderr };
}
