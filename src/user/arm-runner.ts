// The ARM Linux user-mode runner (like qemu-arm): loads a static EABI (armhf) ELF into a
// PhysicalMemory of its own, builds the initial stack as binfmt_elf does (buildInitialStack from
// runner.ts), maps the kuser helpers page at 0xffff0000, and runs an ArmCpu in user mode with
// `svc #0` routed to linux-arm.ts. Guest virtual addresses are physical addresses; page
// protections are checked by the CPU's `translate` (below), so a stray access ends the process
// with SIGSEGV as under Linux. Processes fork, exec and wait through the ProcessTable as the
// i386 runner's do (runner.ts); signal handlers run on ARM signal frames (linux-arm.ts).
// The layout follows qemu-arm 7.2: stack below 0x40801000 over a guard page, mmap top-down below
// 0x40000000, brk after the image.

import { randomFillSync } from 'node:crypto';
import * as path from 'node:path';
import { PhysicalMemory } from '../hw/memory.js';
import { Access, ArmCpu, ArmException, FaultStatus } from '../cpu/arm/cpu.js';
import { Mode, SP } from '../cpu/arm/state.js';
import { FPEXC_EN } from '../cpu/arm/vfp.js';
import { PAGE_SIZE, pageDown, pageUp, PROT_EXEC, PROT_READ, PROT_WRITE, UserAddressSpace } from './address-space.js';
import { copySegments, EM_ARM, ElfError, loadExtent, programHeaderAddress, PT_LOAD, readExecutable, segmentProtection, type Elf32 } from './elf.js';
import { LinuxArm } from './linux-arm.js';
import { Errno } from './linux-errno.js';
import { LinuxFiles } from './linux-files.js';
import { GuestProcess, InternalError, runUserProgram, type LinuxProcess, type ProcessTable } from './linux-processes.js';
import type { ForkRequest } from './linux-syscalls.js';
import {
  AT_BASE,
  AT_CLKTCK,
  AT_EGID,
  AT_ENTRY,
  AT_EUID,
  AT_EXECFN,
  AT_FLAGS,
  AT_GID,
  AT_HWCAP,
  AT_PAGESZ,
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  AT_PLATFORM,
  AT_RANDOM,
  AT_SECURE,
  AT_UID,
  buildInitialStack,
  type UserRunOptions,
} from './runner.js';

export const ARM_STACK_TOP = 0x4080_1000;
export const ARM_STACK_SIZE = 0x80_0000;
export const ARM_MMAP_TOP = 0x4000_0000;
/** The kuser helpers page (Documentation/arm/kernel_user_helpers.rst). */
export const KUSER_PAGE = 0xffff_0000;
const AT_HWCAP2 = 26;

/**
 * HWCAP of qemu-arm's cortex-a15 (QEMU 7.2 linux-user/elfload.c get_elf_hwcap): SWP HALF THUMB
 * FAST_MULT EDSP THUMBEE NEON TLS LPAE IDIVA IDIVT VFP VFPv3 VFPD32 VFPv4 = 0x1fb8d7 (VFP 0x40,
 * NEON 0x1000, VFPv3 0x2000, VFPv4 0x10000, VFPD32 0x80000: src/cpu/arm/vfp.ts and neon.ts).
 */
export const ARM_HWCAP = 0x1fb8d7;

/**
 * The kuser helpers as Linux's entry-armv.S has them for ARMv7 (assembled with GNU as from our own
 * source: LDREXD/LDREX loops, DMB, MRC of TPIDRURO), by offset in the page.
 */
const KUSER_CODE: readonly (readonly [number, readonly number[]])[] = [
  // __kuser_cmpxchg64 (0xffff0f60): r0 = &old, r1 = &new, r2 = ptr; returns 0 (C set) if stored.
  [0xf60, [0xe92d00f0, 0xe1c040d0, 0xe1c160d0, 0xe1b20f9f, 0xe0303004, 0x00313005, 0x01a23f96, 0x03330001, 0x0afffff9, 0xe2730000, 0xe8bd00f0, 0xe12fff1e]],
  // __kuser_memory_barrier (0xffff0fa0): dmb ish; bx lr.
  [0xfa0, [0xf57ff05b, 0xe12fff1e]],
  // __kuser_cmpxchg (0xffff0fc0): r0 = old, r1 = new, r2 = ptr.
  [0xfc0, [0xe1923f9f, 0xe0533000, 0x01823f91, 0x03330001, 0x0afffffa, 0xe2730000, 0xe12fff1e]],
  // __kuser_get_tls (0xffff0fe0): mrc p15, 0, r0, c13, c0, 3; bx lr.
  [0xfe0, [0xee1d0f70, 0xe12fff1e]],
  // __kuser_helper_version (0xffff0ffc): 5 helpers' worth of 32-byte slots (0xffff0f60-0xffff0fff).
  [0xffc, [5]],
];

const ARM_TARGET = { machines: [EM_ARM], endian: 'little' as const, name: 'ARM' };

/** The ARM core with user-mode page protections: the process's mappings are its page tables. */
export class UserArmCpu extends ArmCpu {
  constructor(
    memory: PhysicalMemory,
    private readonly space: UserAddressSpace,
    log: (line: string) => void,
  ) {
    super(memory, { log });
  }

  protected override translate(address: number, access: number, _user: boolean): number {
    const physical = address >>> 0;
    const prot = this.space.protection(physical);
    const needed = access === Access.WRITE ? PROT_WRITE : access === Access.EXECUTE ? PROT_EXEC : PROT_READ;
    if (prot === null || (prot & needed) === 0) {
      // Section translation fault or permission fault (short-descriptor FS 0b00101 / 0b01101).
      const status = prot === null ? FaultStatus.TRANSLATION_SECTION : 0x0d;
      this.raiseAbort(access === Access.EXECUTE ? ArmException.PREFETCH_ABORT : ArmException.DATA_ABORT, physical, status, access === Access.WRITE);
    }
    return physical;
  }
}

export interface LoadedArmProgram {
  readonly memory: PhysicalMemory;
  readonly space: UserAddressSpace;
  readonly elf: Elf32;
  readonly brkStart: number;
  readonly stackPointer: number;
}

/** Reads and checks `program` (host path as given); throws ElfError with one sentence when it cannot run. */
export function readArmExecutable(program: string): { bytes: Uint8Array; elf: Elf32 } {
  return readExecutable(program, ARM_TARGET);
}

/** Maps the image, the stack and the kuser page; copies the segments; builds the initial stack. */
export function loadArmProgram(bytes: Uint8Array, elf: Elf32, argv: readonly string[], envp: readonly string[], execfn: string): LoadedArmProgram {
  const memory = new PhysicalMemory('little');
  const space = new UserAddressSpace(memory, ARM_MMAP_TOP);
  const extent = loadExtent(elf, PAGE_SIZE);
  if (extent.start < ARM_STACK_TOP && extent.end > ARM_MMAP_TOP) {
    throw new ElfError(`${execfn} loads at 0x${extent.start.toString(16)}-0x${extent.end.toString(16)}, over the stack l4vm puts at 0x${ARM_MMAP_TOP.toString(16)}-0x${ARM_STACK_TOP.toString(16)}.`);
  }
  if (extent.end > KUSER_PAGE) throw new ElfError(`${execfn} loads at 0x${extent.start.toString(16)}-0x${extent.end.toString(16)}, over the kuser helpers page at 0xffff0000.`);
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
  for (const range of ranges) space.map('image', range.start, range.end - range.start, range.prot);
  copySegments(elf, bytes, (address, from) => memory.writeBytes(address, from, true));

  space.map('stack', ARM_STACK_TOP - ARM_STACK_SIZE, ARM_STACK_SIZE, PROT_READ | PROT_WRITE);
  space.map('kuser helpers', KUSER_PAGE, PAGE_SIZE, PROT_READ | PROT_EXEC);
  for (const [offset, words] of KUSER_CODE) words.forEach((word, k) => memory.write32(KUSER_PAGE + offset + k * 4, word));

  const random = new Uint8Array(16);
  randomFillSync(random);
  const ids = { uid: process.getuid?.() ?? 0, euid: process.geteuid?.() ?? 0, gid: process.getgid?.() ?? 0, egid: process.getegid?.() ?? 0 };
  const stack = buildInitialStack({
    top: ARM_STACK_TOP,
    argv,
    envp,
    execfn,
    platform: 'v7l',
    random,
    endian: 'little',
    auxv: (at) => [
      [AT_HWCAP, ARM_HWCAP],
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
      [AT_HWCAP2, 0],
      [AT_EXECFN, at.execfn],
      [AT_PLATFORM, at.platform],
    ],
  });
  memory.writeBytes(stack.sp, stack.image);
  return { memory, space, elf, brkStart: pageUp(extent.end), stackPointer: stack.sp };
}

export type ArmCpuFactory = (memory: PhysicalMemory, space: UserAddressSpace, log: (line: string) => void) => ArmCpu;

const SIGILL = 4;
const SIGTRAP = 5;
const SIGBUS = 7;
const SIGSEGV = 11;
/** si_code values (asm-generic/siginfo.h). */
const ILL_ILLOPC = 1;
const TRAP_BRKPT = 1;
const BUS_ADRALN = 1;
const SEGV_MAPERR = 1;
const SEGV_ACCERR = 2;

/**
 * Copies a CPU's user-visible state into another at a system-call boundary (fork): r0-r15, the
 * CPSR (user mode), D0-D31 with FPSCR and FPEXC, the thread ID registers and CPACR.
 */
export function copyArmCpuState(from: ArmCpu, to: ArmCpu): void {
  to.state.switchMode(Mode.USR);
  to.state.setCpsr(from.state.getCpsr());
  to.state.r.set(from.state.r);
  to.vfp.words.set(from.vfp.words);
  to.vfp.fpscr = from.vfp.fpscr;
  to.vfp.fpexc = from.vfp.fpexc;
  to.cp15.cpacr = from.cp15.cpacr;
  to.cp15.tpidruro = from.cp15.tpidruro;
  to.cp15.tpidrurw = from.cp15.tpidrurw;
  to.flushCaches();
}

/** What every process of a run shares. */
interface ArmRunContext {
  readonly options: UserRunOptions;
  readonly createCpu: ArmCpuFactory;
  readonly table: ProcessTable;
}

/** One guest process on an ARM core: its CPU, address space and system-call layer (replaced by execve). */
class ArmProcess extends GuestProcess {
  private cpu: ArmCpu | null = null;
  private space: UserAddressSpace | null = null;

  constructor(
    private readonly context: ArmRunContext,
    process: LinuxProcess,
  ) {
    super(context.table, process);
  }

  /** Starts a loaded image: a fresh core in user mode at its entry point (Thumb when bit 0 is set). */
  start(loaded: LoadedArmProgram): void {
    const cpu = this.context.createCpu(loaded.memory, loaded.space, this.context.options.log);
    const state = cpu.state;
    state.switchMode(Mode.USR);
    state.setCpsr(Mode.USR);
    // Linux gives a process CP10/CP11 (CPACR full access) with the unit on (FPEXC.EN), as qemu-arm.
    cpu.cp15.cpacr = 0x00f00000;
    cpu.vfp.fpexc = FPEXC_EN;
    state.r[SP] = loaded.stackPointer;
    const entry = loaded.elf.entry >>> 0;
    state.t = entry & 1;
    state.r[15] = (entry & ~1) | 0;
    this.attach(cpu, loaded.space, loaded.brkStart);
  }

  /** Gives `cpu` its system-call layer and hooks (a new image, or a forked child). */
  attach(cpu: ArmCpu, space: UserAddressSpace, brkStart: number): LinuxArm {
    const options = this.context.options;
    const linux = new LinuxArm(cpu, space, this.process.files, { log: options.log, strace: options.strace, brkStart, process: this });
    const state = cpu.state;
    // The mappings are the page tables: forget translations and decoded code when they change.
    space.onChange = () => cpu.flushCaches();
    cpu.svcHook = () => {
      linux.handle();
      return true;
    };
    // Faults become signals as arch/arm/mm/fault.c and traps.c send them: a handler that is installed
    // and not blocked runs on a frame whose context is the faulting instruction (trap_no 6 for an
    // undefined instruction, 14 for an abort with the FSR as error_code), else the process ends.
    cpu.exceptionHook = (exception, address, faultAddress) => {
      const at = `0x${address.toString(16)}`;
      if (exception === ArmException.UNDEFINED) {
        linux.fault(SIGILL, `undefined instruction at ${at}${state.t ? ' (Thumb)' : ''}: ${cpu.disassembleAt(address)}`, ILL_ILLOPC, address, 6, 0);
      } else if (exception === ArmException.PREFETCH_ABORT) {
        const status = cpu.cp15.ifsr;
        if (status === FaultStatus.DEBUG) linux.fault(SIGTRAP, `breakpoint at ${at}`, TRAP_BRKPT, address, 1, 0);
        else linux.fault(SIGSEGV, `instruction fetch from 0x${faultAddress.toString(16)}`, status === FaultStatus.TRANSLATION_SECTION ? SEGV_MAPERR : SEGV_ACCERR, faultAddress, 14, status);
      } else {
        const status = cpu.cp15.dfsr;
        if ((status & 0x40f) === FaultStatus.ALIGNMENT) linux.fault(SIGBUS, `unaligned access to 0x${faultAddress.toString(16)} at ${at}`, BUS_ADRALN, faultAddress, 14, status);
        else {
          const what = `${(status & (1 << 11)) !== 0 ? 'write to' : 'read of'} 0x${faultAddress.toString(16)} at ${at}`;
          linux.fault(SIGSEGV, what, (status & 0x40f) === FaultStatus.TRANSLATION_SECTION ? SEGV_MAPERR : SEGV_ACCERR, faultAddress, 14, status);
        }
      }
      return true;
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
    try {
      // Signals sent while the process was not running: acted on as it returns to user mode.
      linux.deliverPending();
      if (linux.end !== null) return;
      cpu.run(slice);
      // WFI/WFE: a user process has nothing to wait for; go on as Linux would after an event.
      if (cpu.halted) cpu.halted = false;
    } catch (error) {
      if (error instanceof InternalError) throw error;
      throw new InternalError(`internal error while running process ${this.pid} at pc 0x${(cpu.state.r[15] >>> 0).toString(16)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  fork(request: ForkRequest): number {
    const parentCpu = this.cpu;
    const parentSpace = this.space;
    if (parentCpu === null || parentSpace === null) return -Errno.ENOSYS;
    const space = parentSpace.fork();
    const child = this.createChild();
    const body = new ArmProcess(this.context, child);
    const cpu = this.context.createCpu(space.memory, space, this.context.options.log);
    copyArmCpuState(parentCpu, cpu);
    cpu.state.r[0] = 0;
    if (request.stack !== 0) cpu.state.r[SP] = request.stack;
    return this.finishFork(child, body.attach(cpu, space, this.linux.brkStart), request, parentSpace, space);
  }

  execve(hostPath: string, execfn: string, argv: readonly string[], envp: readonly string[]): number {
    return this.replaceImage(
      hostPath,
      () => {
        const { bytes, elf } = readArmExecutable(hostPath);
        return loadArmProgram(bytes, elf, argv, envp, execfn);
      },
      (loaded) => this.start(loaded),
      () => this.cpu?.stop(),
    );
  }
}

/**
 * Runs a static ARM EABI Linux program, and every process it forks, to the end; returns the exit
 * status for the host process (the first process's, 128 + signal when a signal killed it, 1 when
 * it could not start). Never throws for bad input: the reason is logged as one sentence.
 */
export function runArmProgram(options: UserRunOptions, createCpu: ArmCpuFactory = (memory, space, log) => new UserArmCpu(memory, space, log)): number {
  return runUserProgram(options, (table) => {
    const { bytes, elf } = readArmExecutable(options.program);
    const loaded = loadArmProgram(bytes, elf, [options.program, ...options.args], options.env, options.program);
    const files = new LinuxFiles(options.cwd, path.resolve(options.program));
    const first = new ArmProcess({ options, createCpu, table }, table.create(null, files));
    first.start(loaded);
    return first;
  });
}
