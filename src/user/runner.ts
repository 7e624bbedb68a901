// The Linux user-mode runner (like qemu-i386): loads a static ELF into a PhysicalMemory of its
// own, builds the initial stack as Linux's binfmt_elf does, runs the guest CPU with `int 0x80`
// routed to the system-call layer, and ends with the guest's exit status (128 + signal when a
// signal killed it). The address-space layout follows qemu-i386 7.2, so addresses printed by a
// guest match between the two: stack 0x40001000-0x40801000 above a guard page, mmap top-down
// below 0x40000000, brk after the image. docs/user-mode.md says more.

import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IoPorts } from '../hw/ioports.js';
import { PhysicalMemory, type Endianness } from '../hw/memory.js';
import { EAX, ESP, type X86State } from '../cpu/x86/state.js';
import { PAGE_SIZE, pageDown, pageUp, PROT_EXEC, PROT_READ, PROT_WRITE, UserAddressSpace } from './address-space.js';
import { copySegments, EM_386, ElfError, loadExtent, parseElf32, PF_R, PF_W, PF_X, programHeaderAddress, PT_LOAD, whyNotRunnable, type Elf32 } from './elf.js';
import { LinuxFiles } from './linux-files.js';
import { GDT_ENTRIES, LinuxX86, SIGNAL_NAMES, SIGPIPE, SIGSEGV, USER_CS, USER_DS } from './linux-x86.js';

/** What the runner needs of an x86 CPU: the part of X86Cpu's contract it uses. */
export interface X86UserCpu {
  readonly state: X86State;
  setEflags(value: number): void;
  loadSegment(sreg: number, selector: number): boolean;
  enterFlatProtectedMode(cpl: 0 | 3): void;
  run(limit: number): number;
  stop(): void;
  readonly halted: boolean;
  softwareInterruptHook: ((vector: number) => boolean) | null;
  exceptionHook: ((vector: number, errorCode: number) => boolean) | null;
  flushCaches(): void;
}

export type X86CpuFactory = (memory: PhysicalMemory, io: IoPorts, log: (line: string) => void) => X86UserCpu;

/** Auxiliary vector types (include/uapi/linux/auxvec.h). */
export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;

/**
 * qemu-i386 7.2's layout (measured with `qemu-i386 -d page`), so that addresses a guest prints
 * match: an 8 MiB stack at 0x40001000-0x40801000 over a guard page at 0x40000000; below it qemu
 * keeps its signal trampoline (0x3ffff000), GDT (0x3fffe000) and IDT (0x3fffd000) pages, and
 * mmap searches downwards from 0x3fffd000. Our GDT (Linux's layout, with the TLS entries
 * set_thread_area fills) takes qemu's GDT page; the other two stay unmapped.
 */
export const X86_STACK_TOP = 0x4080_1000;
export const X86_STACK_SIZE = 0x80_0000;
export const X86_GDT_BASE = 0x3fff_e000;
export const X86_MMAP_TOP = 0x3fff_d000;

export interface InitialStackInput {
  /** One past the highest stack byte. */
  readonly top: number;
  readonly argv: readonly string[];
  readonly envp: readonly string[];
  readonly execfn: string;
  readonly platform: string;
  readonly random: Uint8Array;
  readonly endian: Endianness;
  /** The auxiliary vector without AT_NULL, given where the strings and random bytes landed. */
  readonly auxv: (addresses: { platform: number; random: number; execfn: number }) => readonly (readonly [number, number])[];
}

export interface InitialStack {
  /** The initial stack pointer (16-byte aligned, pointing at argc). */
  readonly sp: number;
  /** The bytes from sp up to top. */
  readonly image: Uint8Array;
  readonly argvAddress: number;
  readonly envpAddress: number;
  readonly auxvAddress: number;
}

/**
 * The initial process stack of a 32-bit Linux ELF program, laid out as fs/binfmt_elf.c's
 * create_elf_tables and fs/exec.c do, from the top down: a NULL word, the file name (AT_EXECFN),
 * the environment and argument strings, the platform string, 16 random bytes, then
 * (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
 */
export function buildInitialStack(input: InitialStackInput): InitialStack {
  const encoder = new TextEncoder();
  const encode = (text: string): Uint8Array => {
    const bytes = encoder.encode(text);
    const terminated = new Uint8Array(bytes.length + 1);
    terminated.set(bytes);
    return terminated;
  };
  // Addresses stay unsigned whole numbers (a stack may sit above 2 GiB): no bitwise arithmetic.
  const alignDown = (address: number, alignment: number): number => address - (address % alignment);
  const strings: { bytes: Uint8Array; address: number }[] = [];
  let p = input.top - 4;
  const place = (bytes: Uint8Array): number => {
    p -= bytes.length;
    strings.push({ bytes, address: p });
    return p;
  };
  const execfn = place(encode(input.execfn));
  const envAddresses = [...input.envp].reverse().map((text) => place(encode(text))).reverse();
  const argAddresses = [...input.argv].reverse().map((text) => place(encode(text))).reverse();
  p = alignDown(p, 16);
  const platform = place(encode(input.platform));
  const random = place(input.random.slice(0, 16));
  const auxv = [...input.auxv({ platform, random, execfn }), [AT_NULL, 0] as const];
  const words = 1 + input.argv.length + 1 + input.envp.length + 1 + auxv.length * 2;
  const sp = alignDown(p - words * 4, 16);
  const image = new Uint8Array(input.top - sp);
  const view = new DataView(image.buffer);
  const little = input.endian === 'little';
  for (const { bytes, address } of strings) image.set(bytes, address - sp);
  let at = 0;
  const word = (value: number): void => {
    view.setUint32(at, value >>> 0, little);
    at += 4;
  };
  word(input.argv.length);
  const argvAddress = sp + at;
  argAddresses.forEach(word);
  word(0);
  const envpAddress = sp + at;
  envAddresses.forEach(word);
  word(0);
  const auxvAddress = sp + at;
  for (const [type, value] of auxv) {
    word(type);
    word(value);
  }
  return { sp, image, argvAddress, envpAddress, auxvAddress };
}

export interface UserRunOptions {
  /** The program as the user named it (argv[0], AT_EXECFN, messages). */
  readonly program: string;
  /** Arguments after the program. */
  readonly args: readonly string[];
  /** The guest's environment, as NAME=value strings. */
  readonly env: readonly string[];
  /** The working directory: the guest starts there and may write only below it. */
  readonly cwd: string;
  readonly strace: boolean;
  /** Where the runner's own messages go (stderr). */
  readonly log: (line: string) => void;
  /** Instructions per CPU slice between checks (default 1,000,000). */
  readonly slice?: number;
}

/** A loaded program, ready to run. */
export interface LoadedX86Program {
  readonly memory: PhysicalMemory;
  readonly space: UserAddressSpace;
  readonly elf: Elf32;
  readonly brkStart: number;
  readonly stack: InitialStack;
}

const X86_TARGET = { machines: [EM_386], endian: 'little' as const, name: 'i386' };

/** Reads and checks `program` (host path as given); throws ElfError with one sentence when it cannot run. */
export function readX86Executable(program: string): { bytes: Uint8Array; elf: Elf32 } {
  let bytes: Uint8Array;
  try {
    const stats = fs.statSync(program);
    if (stats.isDirectory()) throw new ElfError(`${program} is a directory, not a program.`);
    bytes = fs.readFileSync(program);
  } catch (error) {
    if (error instanceof ElfError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
    throw new ElfError(code === 'ENOENT' ? `${program} does not exist.` : code === 'EACCES' ? `${program} cannot be read (permission denied).` : `${program} cannot be read: ${String(error)}`);
  }
  const elf = parseElf32(bytes, program);
  const problem = whyNotRunnable(elf, program, X86_TARGET);
  if (problem !== null) throw new ElfError(problem);
  return { bytes, elf };
}

function segmentProtection(flags: number): number {
  return ((flags & PF_R) !== 0 ? PROT_READ : 0) | ((flags & PF_W) !== 0 ? PROT_WRITE : 0) | ((flags & PF_X) !== 0 ? PROT_EXEC : 0);
}

/** Maps the image, the stack and the GDT; copies the segments; builds the initial stack. */
export function loadX86Program(bytes: Uint8Array, elf: Elf32, argv: readonly string[], envp: readonly string[], execfn: string): LoadedX86Program {
  const memory = new PhysicalMemory('little');
  const space = new UserAddressSpace(memory, X86_MMAP_TOP);
  const extent = loadExtent(elf, PAGE_SIZE);
  if (extent.start < X86_STACK_TOP && extent.end > X86_MMAP_TOP) {
    throw new ElfError(`${execfn} loads at 0x${extent.start.toString(16)}-0x${extent.end.toString(16)}, over the stack l4vm puts at 0x${X86_MMAP_TOP.toString(16)}-0x${X86_STACK_TOP.toString(16)}.`);
  }
  // One region per page range of a PT_LOAD; segments sharing a page share its region.
  const ranges: { start: number; end: number; prot: number }[] = [];
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD || header.memorySize === 0) continue;
    const start = pageDown(header.vaddr);
    const end = pageUp(header.vaddr + header.memorySize);
    const last = ranges.at(-1);
    if (last !== undefined && start < last.end) {
      last.end = Math.max(last.end, end);
      last.prot |= segmentProtection(header.flags);
    } else ranges.push({ start, end, prot: segmentProtection(header.flags) });
  }
  ranges.sort((a, b) => a.start - b.start);
  for (const range of ranges) space.map('image', range.start, range.end - range.start, range.prot);
  copySegments(elf, bytes, (address, from) => memory.writeBytes(address, from, true));

  space.map('stack', X86_STACK_TOP - X86_STACK_SIZE, X86_STACK_SIZE, PROT_READ | PROT_WRITE);
  space.map('gdt', X86_GDT_BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
  writeX86Gdt(memory);

  const random = new Uint8Array(16);
  randomFillSync(random);
  const ids = { uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0, gid: process.getgid?.() ?? 0, egid: process.getegid?.() ?? 0 };
  const stack = buildInitialStack({
    top: X86_STACK_TOP,
    argv,
    envp,
    execfn,
    platform: 'i686',
    random,
    endian: 'little',
    // The order of Linux's create_elf_tables; no AT_SYSINFO, so glibc makes system calls with int 0x80.
    auxv: (at) => [
      // qemu-i386 7.2 reports no hardware capabilities either; glibc asks CPUID itself.
      [AT_HWCAP, 0],
      [AT_PAGESZ, PAGE_SIZE],
      [AT_CLKTCK, 100],
      [AT_PHDR, programHeaderAddress(elf)],
      [AT_PHENT, 32],
      [AT_PHNUM, elf.programHeaders.length],
      [AT_BASE, 0],
      [AT_FLAGS, 0],
      [AT_ENTRY, elf.entry],
      [AT_UID, ids.uid],
      [AT_EUID, ids.euid],
      [AT_GID, ids.gid],
      [AT_EGID, ids.egid],
      [AT_SECURE, 0],
      [AT_RANDOM, at.random],
      [AT_EXECFN, at.execfn],
      [AT_PLATFORM, at.platform],
    ],
  });
  memory.writeBytes(stack.sp, stack.image);
  const brkStart = pageUp(extent.end);
  return { memory, space, elf, brkStart, stack };
}

/**
 * The GDT of a 32-bit process under qemu-user (linux-user/i386/cpu_loop.c), whose selectors
 * X86Cpu.enterFlatProtectedMode loads: flat user code at entry 4 (0x23), flat user data at entry 5
 * (0x2b); entries 6-8 are the TLS slots set_thread_area fills (Linux's GDT_ENTRY_TLS_MIN..MAX).
 */
function writeX86Gdt(memory: PhysicalMemory): void {
  const flat = (index: number, high: number): void => {
    memory.write32(X86_GDT_BASE + index * 8, 0x0000ffff);
    memory.write32(X86_GDT_BASE + index * 8 + 4, high);
  };
  flat(USER_CS >> 3, 0x00cffb00);
  flat(USER_DS >> 3, 0x00cff300);
}

/** Signals for CPU exceptions in user mode, as Linux's traps.c sends them. */
function signalForException(vector: number): number {
  switch (vector) {
    case 0: // #DE
    case 16: // #MF
    case 19: // #XM
      return 8; // SIGFPE
    case 1: // #DB
    case 3: // #BP
      return 5; // SIGTRAP
    case 6: // #UD
      return 4; // SIGILL
    case 7: // #NM: no FPU to emulate for the guest
      return 4;
    case 11: // #NP
    case 12: // #SS
    case 17: // #AC
      return 7; // SIGBUS
    default: // #OF, #BR, #TS, #GP, #PF, …
      return SIGSEGV;
  }
}

const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0: '#DE divide error',
  1: '#DB debug',
  3: '#BP breakpoint',
  4: '#OF overflow',
  5: '#BR bound range',
  6: '#UD invalid opcode',
  7: '#NM device not available',
  10: '#TS invalid TSS',
  11: '#NP segment not present',
  12: '#SS stack fault',
  13: '#GP general protection',
  14: '#PF page fault',
  16: '#MF x87 error',
  17: '#AC alignment check',
};

/**
 * Runs a static i386 Linux program to its end; returns the exit status for the host process (the
 * guest's status, 128 + signal if a signal killed it, 1 if it could not start). Never throws for
 * bad input: the reason is logged as one sentence.
 */
export function runX86Program(options: UserRunOptions, createCpu: X86CpuFactory): number {
  let loaded: LoadedX86Program;
  let files: LinuxFiles;
  try {
    const { bytes, elf } = readX86Executable(options.program);
    loaded = loadX86Program(bytes, elf, [options.program, ...options.args], options.env, options.program);
    files = new LinuxFiles(options.cwd, path.resolve(options.program));
  } catch (error) {
    if (error instanceof ElfError) {
      options.log(`l4vm: ${error.message}`);
      return 1;
    }
    if (typeof error === 'object' && error !== null && 'code' in error && 'path' in error) {
      options.log(`l4vm: the working directory ${String((error as { path: unknown }).path)} is not usable (${String((error as { code: unknown }).code)}).`);
      return 1;
    }
    throw error;
  }
  const cpu = createCpu(loaded.memory, new IoPorts(), options.log);
  const linux = new LinuxX86(cpu, loaded.space, files, { log: options.log, strace: options.strace, brkStart: loaded.brkStart, gdtBase: X86_GDT_BASE });
  loaded.space.onChange = () => cpu.flushCaches();

  // Flat 4 GiB segments with qemu-user's selectors (CS 0x23, DS/ES/SS 0x2b), FS and GS null.
  cpu.enterFlatProtectedMode(3);
  const state = cpu.state;
  state.gdtrBase = X86_GDT_BASE;
  state.gdtrLimit = GDT_ENTRIES * 8 - 1;
  state.reg.fill(0);
  state.reg[ESP] = loaded.stack.sp;
  state.eip = loaded.elf.entry;
  cpu.setEflags(0x202);

  cpu.softwareInterruptHook = (vector) => {
    if (vector === 0x80) linux.handle();
    // Other gates have DPL 0 in Linux's IDT: int n from user mode is a #GP (int3 aside).
    else linux.kill(vector === 3 ? 5 : SIGSEGV, `int 0x${vector.toString(16)} at eip 0x${(state.eip >>> 0).toString(16)}`);
    return true;
  };
  cpu.exceptionHook = (vector, errorCode) => {
    const name = EXCEPTION_NAMES[vector] ?? `exception ${vector}`;
    linux.kill(signalForException(vector), `${name}${vector === 13 || vector === 14 ? ` (error code 0x${errorCode.toString(16)})` : ''} at eip 0x${(state.eip >>> 0).toString(16)}`);
    return true;
  };
  loaded.memory.onUnassigned = (address, _size, write) => {
    if (linux.end === null) linux.kill(SIGSEGV, `${write ? 'write to' : 'read of'} unmapped address 0x${(address >>> 0).toString(16)} near eip 0x${(state.eip >>> 0).toString(16)}`);
  };

  const slice = options.slice ?? 1_000_000;
  try {
    while (linux.end === null) {
      const executed = cpu.run(slice);
      if (linux.end !== null) break;
      if (cpu.halted) linux.kill(SIGSEGV, `hlt at eip 0x${(state.eip >>> 0).toString(16)} (a privileged instruction in user mode)`);
      else if (executed === 0) throw new Error('the CPU executed no instruction and did not stop');
    }
  } catch (error) {
    options.log(`l4vm: internal error while running ${options.program} at eip 0x${(state.eip >>> 0).toString(16)} (eax 0x${(state.reg[EAX] >>> 0).toString(16)}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 70;
  }
  const end = linux.end;
  if (end.kind === 'exit') return end.status;
  // A shell reports SIGPIPE deaths silently, and `yes | head` is no error.
  if (end.signal !== SIGPIPE) options.log(`l4vm: uncaught target signal ${end.signal} (${SIGNAL_NAMES[end.signal] ?? `signal ${end.signal}`}): ${end.reason}`);
  return 128 + end.signal;
}
