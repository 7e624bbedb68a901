// The Linux user-mode runner (like qemu-i386): loads a static ELF into a PhysicalMemory of its
// own, builds the initial stack as Linux's binfmt_elf does, runs the guest CPU with `int 0x80`
// routed to the system-call layer, and ends with the guest's exit status (128 + signal when a
// signal killed it). The address-space layout follows qemu-i386 7.2, so addresses printed by a
// guest match between the two: stack 0x40001000-0x40801000 above a guard page, mmap top-down
// below 0x40000000, brk after the image. docs/user-mode.md says more.

import { randomFillSync } from 'node:crypto';
import * as path from 'node:path';
import { IoPorts } from '../hw/ioports.js';
import { PhysicalMemory, type Endianness, type Region } from '../hw/memory.js';
import { EAX, ESP, type X86State } from '../cpu/x86/state.js';
import { PAGE_SIZE, pageDown, pageUp, PROT_READ, PROT_WRITE, UserAddressSpace } from './address-space.js';
import { copySegments, EM_386, ElfError, loadExtent, programHeaderAddress, PT_LOAD, readExecutable, segmentProtection, type Elf32 } from './elf.js';
import { Errno } from './linux-errno.js';
import { LinuxFiles } from './linux-files.js';
import { GuestProcess, InternalError, runUserProgram, type LinuxProcess, type ProcessTable } from './linux-processes.js';
import { GDT_ENTRIES, LinuxX86, SIGSEGV, USER_CS, USER_DS, type ForkRequest } from './linux-x86.js';

/** What the runner needs of an x86 CPU: the part of X86Cpu's contract it uses. */
export interface X86UserCpu {
  readonly state: X86State;
  getEflags(): number;
  setEflags(value: number): void;
  /** The x87 state, copied by fork (X86Cpu.fpu). */
  readonly fpu?: X87State;
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

/**
 * Where each process's i386 page tables live in its PhysicalMemory: the page directory, then the
 * page tables in use, one page each (a handful: the image, the mmap area, the stack). No guest
 * mapping covers this range (it is above Linux's 3 GiB TASK_SIZE, and taken in PhysicalMemory, so
 * MAP_FIXED there fails), so the guest can neither see nor change its page tables.
 */
export const X86_PAGE_TABLES = 0xff80_0000;
const CR0_PG = 0x8000_0000;
/** PDE: present, writable, user, accessed; PTE: present, user, accessed, dirty (+ writable). */
const PDE_FLAGS = 0x27;
const PTE_FLAGS = 0x65;
const PTE_WRITABLE = 0x2;

/**
 * The page tables of one address space: an identity map of every mapping (linear = physical),
 * user pages, writable only with PROT_WRITE, not present for PROT_NONE and unmapped pages. The
 * accessed and dirty bits are set in advance so the CPU's page walk never writes them back.
 * Rebuilt as a whole after each change of the mappings (mmap, munmap, mprotect, brk): one word
 * per mapped page, about a millisecond for busybox with its 8 MiB stack. The region holding them
 * starts with room for 16 page tables (64 MiB of mappings spread over 16 4-MiB areas) and is
 * replaced by one twice the size when they do not fit.
 */
export class X86PageTables {
  private words = new Int32Array(0);
  private region: Region | null = null;
  private capacity = 0;
  /** Page tables in use: slot (1..count, the page after the directory) by page-directory index, 0 for none. */
  private readonly slots = new Uint16Array(1024);
  private count = 0;

  constructor(private readonly space: UserAddressSpace) {
    this.grow(16);
    this.rebuild();
  }

  /** The value for CR3. */
  get directory(): number {
    return X86_PAGE_TABLES;
  }

  private grow(capacity: number): void {
    const bytes = new Uint8Array((1 + capacity) * PAGE_SIZE);
    const words = new Int32Array(bytes.buffer);
    words.set(this.words);
    if (this.region !== null) this.space.memory.remove(this.region);
    this.region = this.space.memory.addRam('page tables', X86_PAGE_TABLES, bytes);
    this.words = words;
    this.capacity = capacity;
  }

  rebuild(): void {
    this.words.fill(0, 0, (1 + this.count) * 1024);
    this.slots.fill(0);
    this.count = 0;
    this.space.forEachMapping((start, end, prot) => {
      if (prot === 0) return; // PROT_NONE: not present
      const flags = PTE_FLAGS | ((prot & PROT_WRITE) !== 0 ? PTE_WRITABLE : 0);
      for (let address = start; address < end; address += PAGE_SIZE) {
        const page = Math.floor(address / PAGE_SIZE);
        const table = page >>> 10;
        let slot = this.slots[table];
        if (slot === 0) {
          if (this.count === this.capacity) this.grow(this.capacity * 2);
          slot = ++this.count;
          this.slots[table] = slot;
          this.words[table] = (X86_PAGE_TABLES + slot * PAGE_SIZE + PDE_FLAGS) | 0;
        }
        this.words[slot * 1024 + (page & 0x3ff)] = (address + flags) | 0;
      }
    });
  }
}

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
  return readExecutable(program, X86_TARGET);
}

/** Maps the image, the stack and the GDT; copies the segments; builds the initial stack. */
export function loadX86Program(bytes: Uint8Array, elf: Elf32, argv: readonly string[], envp: readonly string[], execfn: string): LoadedX86Program {
  const memory = new PhysicalMemory('little');
  const space = new UserAddressSpace(memory, X86_MMAP_TOP);
  const extent = loadExtent(elf, PAGE_SIZE);
  if (extent.start < X86_STACK_TOP && extent.end > X86_MMAP_TOP) {
    throw new ElfError(`${execfn} loads at 0x${extent.start.toString(16)}-0x${extent.end.toString(16)}, over the stack l4vm puts at 0x${X86_MMAP_TOP.toString(16)}-0x${X86_STACK_TOP.toString(16)}.`);
  }
  if (extent.end > X86_PAGE_TABLES) {
    throw new ElfError(`${execfn} loads at 0x${extent.start.toString(16)}-0x${extent.end.toString(16)}, over the page tables l4vm keeps at 0x${X86_PAGE_TABLES.toString(16)}.`);
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

/** The X87 state a fork copies (X86Cpu.fpu). */
interface X87State {
  readonly registers: Float64Array;
  readonly signExponent: Uint16Array;
  readonly mantissa: BigUint64Array;
  readonly tags: Uint8Array;
  top: number;
  control: number;
  status: number;
  instructionPointer: number;
  instructionSelector: number;
  dataPointer: number;
  dataSelector: number;
  opcode: number;
}

/**
 * Copies a CPU's user-visible state into another at a system-call boundary (fork): registers,
 * EIP, EFLAGS, the segment caches (selectors with their hidden bases and limits, so %gs keeps its
 * TLS base), GDTR/IDTR, control registers, TSC and the x87 FPU. X86Cpu has no saveState(); this
 * reads its public state, which is all of it that a user program can see (no MMX/SSE on this CPU).
 */
export function copyX86CpuState(from: X86UserCpu, to: X86UserCpu): void {
  const a = from.state;
  const b = to.state;
  b.reg.set(a.reg);
  b.eip = a.eip;
  b.cpl = a.cpl;
  b.cr0 = a.cr0;
  b.cr2 = a.cr2;
  b.cr3 = a.cr3;
  b.cr4 = a.cr4;
  b.dr.set(a.dr);
  b.gdtrBase = a.gdtrBase;
  b.gdtrLimit = a.gdtrLimit;
  b.idtrBase = a.idtrBase;
  b.idtrLimit = a.idtrLimit;
  b.tsc = a.tsc;
  b.segments.selector.set(a.segments.selector);
  b.segments.base.set(a.segments.base);
  b.segments.limit.set(a.segments.limit);
  b.segments.access.set(a.segments.access);
  to.setEflags(from.getEflags());
  const x = from.fpu;
  const y = to.fpu;
  if (x !== undefined && y !== undefined) {
    y.registers.set(x.registers);
    y.signExponent.set(x.signExponent);
    y.mantissa.set(x.mantissa);
    y.tags.set(x.tags);
    y.top = x.top;
    y.control = x.control;
    y.status = x.status;
    y.instructionPointer = x.instructionPointer;
    y.instructionSelector = x.instructionSelector;
    y.dataPointer = x.dataPointer;
    y.dataSelector = x.dataSelector;
    y.opcode = x.opcode;
  }
  to.flushCaches();
}

/** What every process of a run shares. */
interface RunContext {
  readonly options: UserRunOptions;
  readonly createCpu: X86CpuFactory;
  readonly table: ProcessTable;
  /** One I/O-port space for every CPU: user mode has no ports (IN/OUT fault at CPL 3), and a fresh one costs 65536-entry tables. */
  readonly io: IoPorts;
}

/**
 * One guest process on an x86 CPU: its CPU, address space and system-call layer (replaced by
 * execve), and the process control its system calls use.
 */
class X86Process extends GuestProcess {
  private cpu: X86UserCpu | null = null;
  private space: UserAddressSpace | null = null;

  constructor(
    private readonly context: RunContext,
    process: LinuxProcess,
  ) {
    super(context.table, process);
  }

  /** Starts a loaded image: a fresh CPU in flat 32-bit user mode at its entry point. */
  start(loaded: LoadedX86Program): void {
    const cpu = this.context.createCpu(loaded.memory, this.context.io, this.context.options.log);
    // Flat 4 GiB segments with qemu-user's selectors (CS 0x23, DS/ES/SS 0x2b), FS and GS null.
    cpu.enterFlatProtectedMode(3);
    const state = cpu.state;
    state.gdtrBase = X86_GDT_BASE;
    state.gdtrLimit = GDT_ENTRIES * 8 - 1;
    state.reg.fill(0);
    state.reg[ESP] = loaded.stack.sp;
    state.eip = loaded.elf.entry;
    cpu.setEflags(0x202);
    this.attach(cpu, loaded.space, loaded.brkStart);
  }

  /** Gives `cpu` its system-call layer and hooks (a new image, or a forked child). */
  attach(cpu: X86UserCpu, space: UserAddressSpace, brkStart: number): LinuxX86 {
    const options = this.context.options;
    const fpu = cpu.fpu;
    const saveFpu =
      fpu === undefined
        ? undefined
        : (): (() => void) => {
            const saved = { registers: fpu.registers.slice(), signExponent: fpu.signExponent.slice(), mantissa: fpu.mantissa.slice(), tags: fpu.tags.slice(), top: fpu.top, control: fpu.control, status: fpu.status };
            // Handlers start with a clean x87 (Linux's fpu__clear_user_states): empty stack, default control word.
            fpu.tags.fill(3);
            fpu.top = 0;
            fpu.control = 0x37f;
            fpu.status = 0;
            return () => {
              fpu.registers.set(saved.registers);
              fpu.signExponent.set(saved.signExponent);
              fpu.mantissa.set(saved.mantissa);
              fpu.tags.set(saved.tags);
              fpu.top = saved.top;
              fpu.control = saved.control;
              fpu.status = saved.status;
            };
          };
    const linux = new LinuxX86(cpu, space, this.process.files, { log: options.log, strace: options.strace, brkStart, gdtBase: X86_GDT_BASE, process: this, saveFpu });
    const state = cpu.state;
    // Paging on, with this address space's own tables: the CPU enforces the page protections.
    const tables = new X86PageTables(space);
    space.onChange = () => {
      tables.rebuild();
      cpu.flushCaches();
    };
    state.cr3 = tables.directory;
    state.cr0 |= CR0_PG;
    cpu.flushCaches();
    cpu.softwareInterruptHook = (vector) => {
      if (vector === 0x80) linux.handle();
      // Other gates have DPL 0 in Linux's IDT: int n from user mode is a #GP (int3 aside).
      else linux.kill(vector === 3 ? 5 : SIGSEGV, `int 0x${vector.toString(16)} at eip 0x${(state.eip >>> 0).toString(16)}`);
      return true;
    };
    cpu.exceptionHook = (vector, errorCode) => {
      const name = EXCEPTION_NAMES[vector] ?? `exception ${vector}`;
      const eip = `eip 0x${(state.eip >>> 0).toString(16)}`;
      if (vector === 14) {
        // A page fault: CR2 holds the address; the error code says why (Linux's SEGV_MAPERR / SEGV_ACCERR).
        const address = state.cr2 >>> 0;
        const present = (errorCode & 1) !== 0;
        const what = (errorCode & 2) !== 0 ? 'write to' : 'read of';
        linux.fault(SIGSEGV, `${name}: ${what} ${present ? 'protected' : 'unmapped'} address 0x${address.toString(16)} at ${eip}`, present ? 2 : 1, address, vector, errorCode);
      } else linux.fault(signalForException(vector), `${name}${vector === 13 ? ` (error code 0x${errorCode.toString(16)})` : ''} at ${eip}`, vector === 13 ? 0x80 : 0, 0, vector, Math.max(errorCode, 0));
      return true;
    };
    space.memory.onUnassigned = (address, _size, write) => {
      if (linux.end === null) linux.kill(SIGSEGV, `${write ? 'write to' : 'read of'} unmapped address 0x${(address >>> 0).toString(16)} near eip 0x${(state.eip >>> 0).toString(16)}`);
    };
    this.cpu = cpu;
    this.space = space;
    this.linuxLayer = linux;
    return linux;
  }

  runSlice(slice: number): void {
    const cpu = this.cpu;
    const linux = this.linux;
    if (cpu === null) return;
    const state = cpu.state;
    try {
      // Signals sent while the process was not running: acted on as it returns to user mode.
      linux.deliverPending();
      if (linux.end !== null) return;
      const executed = cpu.run(slice);
      // execve replaced the CPU, or the process now waits or has ended: nothing to check.
      if (linux.replaced || linux.end !== null || linux.waiting) return;
      if (cpu.halted) linux.kill(SIGSEGV, `hlt at eip 0x${(state.eip >>> 0).toString(16)} (a privileged instruction in user mode)`);
      else if (executed === 0) throw new Error('the CPU executed no instruction and did not stop');
    } catch (error) {
      if (error instanceof InternalError) throw error;
      throw new InternalError(`internal error while running process ${this.pid} at eip 0x${(state.eip >>> 0).toString(16)} (eax 0x${(state.reg[EAX] >>> 0).toString(16)}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  // --- fork and execve ----------------------------------------------------------------------

  fork(request: ForkRequest): number {
    const parentCpu = this.cpu;
    const parentSpace = this.space;
    if (parentCpu === null || parentSpace === null) return -Errno.ENOSYS;
    const space = parentSpace.fork();
    const child = this.createChild();
    const body = new X86Process(this.context, child);
    const cpu = this.context.createCpu(space.memory, this.context.io, this.context.options.log);
    cpu.enterFlatProtectedMode(3);
    copyX86CpuState(parentCpu, cpu);
    cpu.state.reg[EAX] = 0;
    if (request.stack !== 0) cpu.state.reg[ESP] = request.stack;
    return this.finishFork(child, body.attach(cpu, space, this.linux.brkStart), request, parentSpace, space);
  }

  execve(hostPath: string, execfn: string, argv: readonly string[], envp: readonly string[]): number {
    return this.replaceImage(
      hostPath,
      () => {
        const { bytes, elf } = readX86Executable(hostPath);
        return loadX86Program(bytes, elf, argv, envp, execfn);
      },
      (loaded) => this.start(loaded),
      () => this.cpu?.stop(),
    );
  }
}

/**
 * Runs a static i386 Linux program, and every process it forks, to the end; returns the exit
 * status for the host process (the first guest process's status, 128 + signal if a signal killed
 * it, 1 if it could not start). Processes it leaves behind run to their end first, as they would
 * outlive qemu-i386. Never throws for bad input: the reason is logged as one sentence.
 */
export function runX86Program(options: UserRunOptions, createCpu: X86CpuFactory): number {
  return runUserProgram(options, (table) => {
    const { bytes, elf } = readX86Executable(options.program);
    const loaded = loadX86Program(bytes, elf, [options.program, ...options.args], options.env, options.program);
    const files = new LinuxFiles(options.cwd, path.resolve(options.program));
    const first = new X86Process({ options, createCpu, table, io: new IoPorts() }, table.create(null, files));
    first.start(loaded);
    return first;
  });
}
