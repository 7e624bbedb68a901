// The Linux system-call layer of the user-mode runner, common to the guest architectures: files,
// memory, processes, signals, time. The calls are kept in one table keyed by their i386 numbers;
// an architecture (linux-x86.ts, linux-arm.ts) says how a call reaches it (registers, numbering),
// how its results go back, its signal frames and the structs whose layout differs (stat64). Files go
// through LinuxFiles, memory through UserAddressSpace; this file only marshals.

import { randomFillSync } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { PAGE_SIZE, pageUp, PROT_EXEC, PROT_READ, PROT_WRITE, type UserAddressSpace } from './address-space.js';
import { BLOCKED, Errno, errnoOf } from './linux-errno.js';
import { type DirectoryEntry, type LinuxFiles, type OpenRequest, PIPE_CAPACITY } from './linux-files.js';
import type { ProcessEnd } from './linux-processes.js';

export type { ProcessEnd } from './linux-processes.js';

/** What the common layer needs of any CPU; an architecture's layer asks more of its own. */
export interface SyscallCpu {
  stop(): void;
}


export const SIGNAL_NAMES: Readonly<Record<number, string>> = {
  1: 'Hangup',
  2: 'Interrupt',
  3: 'Quit',
  4: 'Illegal instruction',
  5: 'Trace/breakpoint trap',
  6: 'Aborted',
  7: 'Bus error',
  8: 'Floating point exception',
  9: 'Killed',
  10: 'User defined signal 1',
  11: 'Segmentation fault',
  12: 'User defined signal 2',
  13: 'Broken pipe',
  14: 'Alarm clock',
  15: 'Terminated',
  16: 'Stack fault',
  24: 'CPU time limit exceeded',
  25: 'File size limit exceeded',
  26: 'Virtual timer expired',
  27: 'Profiling timer expired',
  29: 'I/O possible',
  30: 'Power failure',
  31: 'Bad system call',
};

export const SIGSEGV = 11;
export const SIGPIPE = 13;
/** Signals whose default action is to do nothing (signal(7)): SIGCHLD, SIGCONT, SIGURG, SIGWINCH, and the stop signals, which we ignore too. */
const IGNORED_BY_DEFAULT = new Set([17, 18, 19, 20, 21, 22, 23, 28]);

/** open(2) flags (asm-generic/fcntl.h; x86 uses the generic values, ARM moves four: openFlagBits). */
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;

const MAP_SHARED = 0x01;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;

const TCGETS = 0x5401;
const TCSETS = 0x5402;
const TCSETSW = 0x5403;
const TCSETSF = 0x5404;
const TIOCGPGRP = 0x540f;
const TIOCSPGRP = 0x5410;
const TIOCGWINSZ = 0x5413;
const FIONREAD = 0x541b;

const PATH_MAX = 4096;

/** A guest pointer that points at nothing: the system call returns -EFAULT. */
export class GuestFault extends Error {
  override readonly name = 'GuestFault';
}

const ERRNO_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(Errno).map(([name, value]) => [value, name]));

/**
 * A system call: `args` says how --strace prints the arguments, one letter each: d signed
 * decimal, u unsigned, x hex, s a path (string pointer), o octal.
 */
export interface Syscall {
  readonly args: string;
  /** 'x': the result is an address, printed in hex. */
  readonly result?: 'x';
  readonly run: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
}

/** fork, vfork and clone as the process layer sees them. */
export interface ForkRequest {
  /** vfork: the parent waits until the child execs or exits. */
  readonly vfork: boolean;
  /** The child's stack pointer (clone's newsp), or 0 to keep the parent's. */
  readonly stack: number;
  /** CLONE_CHILD_SETTID: where the child's memory gets its ID, or 0. */
  readonly childTidAddress: number;
  /** CLONE_PARENT_SETTID: where the parent's memory gets the child's ID, or 0. */
  readonly parentTidAddress: number;
}

/**
 * What the system-call layer asks of the process layer (the runner, over ProcessTable): the calls
 * that involve other processes. Without it (a lone layer in tests) they answer as a process
 * that has no others: fork ENOSYS, wait ECHILD.
 */
export interface ProcessControl {
  readonly pid: number;
  parentPid(): number;
  /** The child's pid, or -errno. */
  fork(request: ForkRequest): number;
  /** Whether the vfork child `pid` has exec'd or ended (the parent may go on). */
  vforkReleased(pid: number): boolean;
  /** Replaces the process image: 0 on success (the CPU is then a new one), or -errno. */
  execve(hostPath: string, execfn: string, argv: readonly string[], envp: readonly string[]): number;
  wait(pid: number, options: number): { pid: number; status: number } | number | null;
  kill(pid: number, signal: number): number;
  processGroup(pid: number): number;
  setProcessGroup(pid: number, group: number): number;
  session(pid: number): number;
  setSession(): number;
}

export interface LinuxSyscallOptions {
  /** Where notices and --strace lines go (stderr). */
  readonly log: (line: string) => void;
  readonly strace: boolean;
  /** Page-aligned end of the loaded image: the brk heap starts here. */
  readonly brkStart: number;
  /** The process layer; absent for a lone process. */
  readonly process?: ProcessControl;
}

/** What a forked child or a new image inherits of the system-call layer's state. */
export interface InheritedState {
  brk: number;
  heapMappedEnd: number;
  signalActions: Map<number, Uint8Array>;
  signalMask: bigint;
  alternateStack: Uint8Array;
}

export const SA_SIGINFO = 4;
export const SA_RESTORER = 0x0400_0000;
const SA_RESTART = 0x1000_0000;
const SA_NODEFER = 0x4000_0000;
const SA_RESETHAND = 0x8000_0000;

const CLONE_VM = 0x100;
const CLONE_VFORK = 0x4000;
const CLONE_THREAD = 0x10000;
const CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_SETTID = 0x1000000;

/** A signal's action as rt_sigaction stores it (struct sigaction of the kernel, 20 bytes on i386 and ARM). */
export interface SignalAction {
  readonly handler: number;
  readonly flags: number;
  readonly restorer: number;
  readonly mask: bigint;
}

/** The six arguments of a call that was waiting, and its number: what restarting it needs. */
export interface InterruptedCall {
  readonly number: number;
  readonly args: readonly number[];
}

export abstract class LinuxSyscalls<Cpu extends SyscallCpu = SyscallCpu> {
  /** Set when the guest exits or is killed; the CPU is stopped then. */
  end: ProcessEnd | null = null;
  brk: number;
  private heapMappedEnd: number;
  readonly pid: number;
  readonly brkStart: number;
  private signalActions = new Map<number, Uint8Array>();
  protected signalMask = 0n;
  private alternateStack: Uint8Array = new Uint8Array([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
  /** A system call that returned BLOCKED: how to retry it, and what --strace prints when it ends. */
  private waitingCall: { retry: () => number; number: number; call: Syscall; args: number[] } | null = null;
  private pendingRetry: (() => number) | null = null;
  /** A timed wait's end (performance.now() milliseconds), for the scheduler. */
  wakeAt: number | null = null;
  /** Whether the waiting call waits on a host terminal or FIFO. */
  waitingOnHost = false;
  /**
   * Whether a read of a host terminal or FIFO may block l4vm now: only on a retry the scheduler
   * makes when no other process can run. A first attempt always waits, so that the others run first.
   */
  private mayBlockHost = false;
  /** Set when execve replaced the image: this layer and its CPU are finished with. */
  replaced = false;
  /** Signals sent but not yet acted on (bit n-1 for signal n): blocked ones, and ones with a handler. */
  private pendingSignals = 0n;
  /** rt_sigsuspend: the mask to restore once a handler has run. */
  private suspendedMask: bigint | null = null;
  /** Signal handlers running (innermost last): what sigreturn puts back beyond the guest's frame (the x87 state on i386; ARM restores VFP from its frame). */
  protected readonly handlerFrames: (() => void)[] = [];
  protected readonly reportedUnknown = new Set<number>();
  private readonly table: Record<number, Syscall>;
  private readonly commonCalls: Record<number, Syscall>;
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  /** Microseconds-resolution wall clock base: Date at start plus the monotonic clock since. */
  private readonly startWall = BigInt(Date.now()) * 1_000_000n;
  private readonly startMonotonic = process.hrtime.bigint();

  constructor(
    protected readonly cpu: Cpu,
    readonly space: UserAddressSpace,
    readonly files: LinuxFiles,
    protected readonly options: LinuxSyscallOptions,
  ) {
    this.brk = options.brkStart;
    this.heapMappedEnd = options.brkStart;
    this.pid = options.process?.pid ?? process.pid;
    this.brkStart = options.brkStart;
    this.commonCalls = this.buildTable();
    this.table = { ...this.renumber(this.commonCalls), ...this.architectureCalls() };
  }

  /** A call of the common table by its i386 number (for an architecture that passes its arguments differently). */
  protected commonCall(i386Number: number): Syscall | undefined {
    return this.commonCalls[i386Number];
  }

  // --- what each architecture says ---------------------------------------------------------

  /** uname's machine field. */
  protected abstract readonly machine: string;
  /** The call's number and six arguments, from the registers the architecture passes them in. */
  protected abstract readCall(): [number, number, number, number, number, number, number];
  /** Puts a call's result (or -errno) where the architecture returns it. */
  protected abstract setResult(value: number): void;
  /** Makes the interrupted call run again after a handler (SA_RESTART): its number and arguments back, the PC on the call instruction. */
  protected abstract restartCall(call: InterruptedCall): void;
  /** The common table (keyed by i386 numbers) in the architecture's numbering. */
  protected abstract renumber(calls: Record<number, Syscall>): Record<number, Syscall>;
  /** The architecture's own calls (set_thread_area, set_tls...) and those whose arguments it lays out differently, by its numbers. */
  protected abstract architectureCalls(): Record<number, Syscall>;
  /** The call's name for --strace and the "not implemented" notice. */
  protected abstract callName(number: number): string | undefined;
  /** Writes struct stat64 in the architecture's layout. */
  protected abstract writeStat64(address: number, stats: BigIntStats): void;
  /** The open(2) flags whose values differ between architectures. */
  protected abstract readonly openFlagBits: { readonly directory: number; readonly noFollow: number; readonly largeFile: number };
  /** Builds the signal frame below the stack pointer and enters the handler (Linux's setup_frame/setup_rt_frame). */
  protected abstract pushSignalFrame(signal: number, action: SignalAction, savedMask: bigint): void;
  /** sigreturn/rt_sigreturn: back from a handler; returns the value the interrupted code's result register holds again. */
  protected abstract signalReturn(rt: boolean): number;


  /** The state a forked child copies. */
  inheritable(): InheritedState {
    return { brk: this.brk, heapMappedEnd: this.heapMappedEnd, signalActions: new Map([...this.signalActions].map(([k, v]) => [k, v.slice()])), signalMask: this.signalMask, alternateStack: this.alternateStack.slice() };
  }

  /** Takes over a parent's state (fork). */
  inherit(state: InheritedState): void {
    this.brk = state.brk;
    this.heapMappedEnd = state.heapMappedEnd;
    this.signalActions = state.signalActions;
    this.signalMask = state.signalMask;
    this.alternateStack = state.alternateStack;
  }

  /** Takes over what survives execve: the signal mask, and ignored signals stay ignored (execve(2)). */
  inheritAcrossExec(state: InheritedState): void {
    this.signalMask = state.signalMask;
    for (const [signal, action] of state.signalActions) {
      if (new DataView(action.buffer).getUint32(0, true) === 1) {
        const ignored = new Uint8Array(20);
        ignored[0] = 1;
        this.signalActions.set(signal, ignored);
      }
    }
  }

  get waiting(): boolean {
    return this.waitingCall !== null;
  }

  /** Makes the current system call wait; `retry` finishes it later (or returns BLOCKED again). */
  private block(retry: () => number): number {
    this.pendingRetry = retry;
    return BLOCKED;
  }

  /** Retries the waiting system call; true when it finished (its result is in the result register) or the process ended. */
  retry(mayBlockHost: boolean): boolean {
    const waiting = this.waitingCall;
    if (waiting === null) return true;
    if (this.end !== null) {
      this.waitingCall = null;
      return true;
    }
    const interrupting = this.deliverableSignal() !== 0;
    // A waiting host read is not retried when a signal interrupts it: it could block l4vm.
    this.mayBlockHost = mayBlockHost && !interrupting;
    const result = this.runCall(waiting.retry);
    this.mayBlockHost = false;
    if (result === BLOCKED && !interrupting) return false;
    this.waitingCall = null;
    this.wakeAt = null;
    this.waitingOnHost = false;
    if (result === BLOCKED) {
      // A signal interrupts the wait (signal(7), "Interruption of system calls").
      if (this.options.strace) this.options.log(this.describe(waiting.number, waiting.call, waiting.args, -Errno.EINTR));
      this.setResult(-Errno.EINTR);
      this.deliverPending({ number: waiting.number, args: waiting.args });
      return true;
    }
    this.finishCall(waiting.number, waiting.call, waiting.args, result);
    if (this.pendingSignals !== 0n && this.end === null && !this.replaced) this.deliverPending();
    return true;
  }

  private runCall(run: () => number): number {
    this.pendingRetry = null;
    let result: number;
    try {
      result = run();
    } catch (error) {
      if (!(error instanceof GuestFault)) throw error;
      result = -Errno.EFAULT;
    }
    if (result === BLOCKED) {
      if (this.pendingRetry === null) throw new Error('a system call returned BLOCKED without saying how to retry it');
      const retry = this.pendingRetry;
      if (this.waitingCall !== null) this.waitingCall.retry = retry;
    }
    return result;
  }

  private finishCall(number: number, call: Syscall | undefined, args: number[], result: number): void {
    if (this.options.strace) this.options.log(this.describe(number, call, args, result));
    if (this.sigreturned) {
      this.sigreturned = false;
      return;
    }
    if (this.end === null && !this.replaced) this.setResult(result | 0);
  }

  /** Handles the system call in the CPU's registers (after `int 0x80`, `svc #0`). */
  handle(): void {
    const [number, a, b, c, d, e, f] = this.readCall();
    const call = this.table[number];
    let result: number;
    if (call === undefined) {
      result = -Errno.ENOSYS;
      if (!this.reportedUnknown.has(number) && !this.options.strace) {
        this.reportedUnknown.add(number);
        this.options.log(`l4vm: system call ${number} (${this.callName(number) ?? 'unknown'}) is not implemented; returning -ENOSYS`);
      }
    } else {
      result = this.runCall(() => call.run(a, b, c, d, e, f));
      if (result === BLOCKED) {
        const retry = this.pendingRetry;
        if (retry !== null) this.waitingCall = { retry, number, call, args: [a, b, c, d, e, f] };
        this.cpu.stop();
        return;
      }
    }
    this.finishCall(number, call, [a, b, c, d, e, f], result);
    if (this.pendingSignals !== 0n && this.end === null && !this.replaced) this.deliverPending();
  }

  private describe(number: number, call: Syscall | undefined, args: number[], result: number): string {
    const name = this.callName(number) ?? `syscall_${number}`;
    const spec = call?.args ?? 'xxxxxx';
    const shown = [...spec].map((kind, i) => {
      const value = args[i];
      if (kind === 'd') return String(value | 0);
      if (kind === 'u') return String(value >>> 0);
      if (kind === 'o') return `0${(value >>> 0).toString(8)}`;
      if (kind === 's') {
        try {
          return JSON.stringify(this.readString(value));
        } catch {
          return `0x${(value >>> 0).toString(16)}`;
        }
      }
      return `0x${(value >>> 0).toString(16)}`;
    });
    let outcome: string;
    if (call === undefined) outcome = '-1 ENOSYS (not implemented)';
    else if (this.end !== null) outcome = '?';
    else if (result < 0 && result >= -4095) outcome = `-1 ${ERRNO_NAMES[-result] ?? `errno ${-result}`}`;
    else outcome = call.result === 'x' ? `0x${(result >>> 0).toString(16)}` : String(result);
    return `${this.pid} ${name}(${shown.join(',')}) = ${outcome}`;
  }

  // --- guest memory ------------------------------------------------------------------------

  /**
   * Linux's access_ok plus the page protection, as copy_from_user/copy_to_user see it: a system
   * call reading from a PROT_NONE page or writing into a page without PROT_WRITE fails (EFAULT).
   */
  protected check(address: number, length: number, write = false): void {
    if (!this.space.isAccessible(address >>> 0, length, write)) throw new GuestFault();
  }

  readBytes(address: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    if (length === 0) return bytes;
    this.check(address, length);
    this.space.memory.readBytes(address >>> 0, bytes);
    return bytes;
  }

  writeBytes(address: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.check(address, bytes.length, true);
    this.space.memory.writeBytes(address >>> 0, bytes);
  }

  read32(address: number): number {
    this.check(address, 4);
    return this.space.memory.read32(address >>> 0);
  }

  write32(address: number, value: number): void {
    this.check(address, 4, true);
    this.space.memory.write32(address >>> 0, value >>> 0);
  }

  protected write64(address: number, value: bigint): void {
    this.scratchView.setBigUint64(0, BigInt.asUintN(64, value), true);
    this.writeBytes(address, this.scratch);
  }

  /** A NUL-terminated guest string (at most PATH_MAX bytes). */
  readString(address: number, limit = PATH_MAX): string {
    const memory = this.space.memory;
    const bytes: number[] = [];
    let at = address >>> 0;
    for (;;) {
      if (bytes.length >= limit) throw new GuestFault();
      if ((at & (PAGE_SIZE - 1)) === 0 || bytes.length === 0) this.check(at, 1);
      const byte = memory.read8(at);
      if (byte === 0) break;
      bytes.push(byte);
      at++;
    }
    return Buffer.from(bytes).toString('utf8');
  }

  private hostPath(pathAddress: number, dirFd: number | null = null): string | number {
    const guestPath = this.readString(pathAddress);
    if (guestPath === '') return -Errno.ENOENT;
    return this.files.resolve(guestPath, dirFd === null || dirFd === AT_FDCWD ? null : dirFd);
  }

  // --- process end -------------------------------------------------------------------------

  exit(status: number): number {
    this.end = { kind: 'exit', status: status & 0xff };
    this.cpu.stop();
    return 0;
  }

  /** Ends the process with `signal` (no delivery to guest handlers yet: see docs/user-mode.md). */
  kill(signal: number, reason: string): void {
    if (this.end !== null) return;
    this.end = { kind: 'signal', signal, reason };
    this.cpu.stop();
  }

  /**
   * A CPU exception in user mode (the runner's exception hook), sent as Linux's force_sig_fault
   * does: a handler that is installed and not blocked runs at once, with the faulting
   * instruction's state in its frame (so returning from it retries the instruction) and, for
   * SA_SIGINFO, si_code and si_addr (CR2 for a page fault) in the siginfo; a blocked, ignored or
   * defaulted signal ends the process.
   */
  fault(signal: number, reason: string, code = 0, address = 0, trap = 0, errorCode = 0): void {
    if (this.end !== null) return;
    const { handler } = this.handlerOf(signal);
    const bit = 1n << BigInt(signal - 1);
    if (handler <= 1 || (this.signalMask & bit) !== 0n) {
      this.kill(signal, reason);
      return;
    }
    this.pendingSignals |= bit;
    this.pendingReason = reason;
    this.faultInfo = { signal, code, address, trap, errorCode };
    try {
      this.deliverPending();
    } finally {
      this.faultInfo = null;
    }
  }

  /** si_code and si_addr of the fault being delivered (fault), else null. */
  protected faultInfo: { signal: number; code: number; address: number; trap: number; errorCode: number } | null = null;

  protected sendToSelf(signal: number): number {
    if (signal === 0) return 0;
    if (signal < 1 || signal > 64) return -Errno.EINVAL;
    this.receiveSignal(signal, 'sent by the program itself');
    return 0;
  }

  private handlerOf(signal: number): SignalAction {
    const action = this.signalActions.get(signal);
    if (action === undefined) return { handler: 0, flags: 0, restorer: 0, mask: 0n };
    const view = new DataView(action.buffer, action.byteOffset, action.byteLength);
    return { handler: view.getUint32(0, true), flags: view.getUint32(4, true), restorer: view.getUint32(8, true), mask: view.getBigUint64(12, true) };
  }

  /**
   * A signal arrives (from another process, a child's exit, the program itself): ignored, the
   * process ends (the default action), or it waits as pending for its handler to run when the
   * process next returns to user mode (deliverPending), or for the mask to let it through.
   */
  receiveSignal(signal: number, reason: string): void {
    if (this.end !== null || signal < 1 || signal > 64) return;
    const { handler } = this.handlerOf(signal);
    if (signal === 9) {
      this.kill(signal, reason);
      return;
    }
    if (handler === 1) return; // SIG_IGN
    if (handler === 0 && IGNORED_BY_DEFAULT.has(signal)) return;
    const bit = 1n << BigInt(signal - 1);
    if (handler === 0 && (this.signalMask & bit) === 0n) {
      this.kill(signal, reason);
      return;
    }
    this.pendingSignals |= bit;
    this.pendingReason = reason;
  }

  private pendingReason = '';

  /** The lowest pending signal the mask lets through, or 0. */
  private deliverableSignal(): number {
    const ready = this.pendingSignals & ~this.signalMask;
    if (ready === 0n) return 0;
    for (let signal = 1; signal <= 64; signal++) if ((ready & (1n << BigInt(signal - 1))) !== 0n) return signal;
    return 0;
  }

  /**
   * Acts on pending signals the mask lets through, as Linux does on the way back to user mode
   * (arch/x86/kernel/signal.c): the default action ends the process; a handler gets a signal frame
   * on the stack and the CPU continues in it. `interrupted` is the system call the process was
   * waiting in: it returns -EINTR, or restarts after the handler with SA_RESTART.
   */
  deliverPending(interrupted: InterruptedCall | null = null): boolean {
    const signal = this.deliverableSignal();
    if (signal === 0 || this.end !== null) return false;
    this.pendingSignals &= ~(1n << BigInt(signal - 1));
    const action = this.handlerOf(signal);
    if (action.handler === 1 || (action.handler === 0 && IGNORED_BY_DEFAULT.has(signal))) return false;
    if (action.handler === 0) {
      this.kill(signal, this.pendingReason);
      return true;
    }
    if (interrupted !== null) {
      // rt_sigsuspend, nanosleep and poll are never restarted (signal(7)).
      const name = this.callName(interrupted.number);
      const restart = (action.flags & SA_RESTART) !== 0 && name !== 'rt_sigsuspend' && name !== 'nanosleep' && name !== 'poll';
      if (restart) this.restartCall(interrupted);
      else this.setResult(-Errno.EINTR);
    }
    const savedMask = this.suspendedMask ?? this.signalMask;
    this.suspendedMask = null;
    try {
      this.pushSignalFrame(signal, action, savedMask);
    } catch (error) {
      if (!(error instanceof GuestFault)) throw error;
      this.kill(SIGSEGV, `no room on the stack for the frame of signal ${signal}`);
      return true;
    }
    let mask = this.signalMask | action.mask;
    if ((action.flags & SA_NODEFER) === 0) mask |= 1n << BigInt(signal - 1);
    this.signalMask = mask & ~((1n << 8n) | (1n << 18n));
    if ((action.flags & SA_RESETHAND) !== 0) this.signalActions.delete(signal);
    return true;
  }

  /** Set by sigreturn: the result register already holds the interrupted code's value. */
  protected sigreturned = false;

  // --- memory ------------------------------------------------------------------------------

  private setBrk(requested: number): number {
    const wanted = requested >>> 0;
    if (wanted === 0 || wanted < this.options.brkStart) return this.brk;
    // The heap's spare pages may have been taken by munmap or MAP_FIXED since: then they are lost to it.
    if (wanted > this.brk && !this.space.isMappedAs(pageUp(this.brk), Math.min(pageUp(wanted), this.heapMappedEnd), 'brk')) return this.brk;
    if (wanted > this.heapMappedEnd) {
      const needed = pageUp(wanted);
      // Grow the backing in steps of at least 1 MiB (or half the heap) to keep the region count low.
      const step = Math.max(needed - this.heapMappedEnd, 0x10_0000, (this.heapMappedEnd - this.options.brkStart) >>> 1);
      let end = pageUp(this.heapMappedEnd + step);
      if (!this.space.isFree(this.heapMappedEnd, end)) end = needed;
      if (!this.space.isFree(this.heapMappedEnd, end) || !this.space.map('brk', this.heapMappedEnd, end - this.heapMappedEnd, PROT_READ | PROT_WRITE)) return this.brk;
      this.heapMappedEnd = end;
    }
    // Pages above the old break are new to the guest (Linux maps them afresh): zero them, as a shrink may have left data.
    if (wanted > this.brk) this.space.zero(pageUp(this.brk), pageUp(wanted));
    this.brk = wanted;
    return this.brk;
  }

  mmap(address: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    address >>>= 0;
    length >>>= 0;
    if (length === 0 || offset % PAGE_SIZE !== 0) return -Errno.EINVAL;
    const size = pageUp(length);
    if (size > 0xffff_f000) return -Errno.ENOMEM;
    const anonymous = (flags & MAP_ANONYMOUS) !== 0;
    if (!anonymous) {
      const file = this.files.file(fd);
      if (file === null) return -Errno.EBADF;
      // A shared writable file mapping would have to write back; we only copy in.
      if ((flags & MAP_SHARED) !== 0 && (prot & PROT_WRITE) !== 0) return -Errno.ENODEV;
    }
    let at: number;
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) !== 0) {
      if (address % PAGE_SIZE !== 0 || address + size > 0x1_0000_0000) return -Errno.EINVAL;
      if (!this.space.isFree(address, address + size)) {
        if ((flags & MAP_FIXED) === 0) return -Errno.EEXIST;
        this.space.unmap(address, size);
        if (!this.space.isFree(address, address + size)) return -Errno.ENOMEM;
      }
      at = address;
    } else if (address !== 0 && address % PAGE_SIZE === 0 && address + size <= 0x1_0000_0000 && this.space.isFree(address, address + size)) {
      at = address;
    } else {
      const found = this.space.findFree(size);
      if (found === null) return -Errno.ENOMEM;
      at = found;
    }
    if (!this.space.map(anonymous ? 'mmap' : 'mmap file', at, size, prot)) return -Errno.ENOMEM;
    if (!anonymous) {
      const contents = new Uint8Array(length);
      const n = this.files.readForMapping(fd, offset, contents);
      if (n < 0) {
        this.space.unmap(at, size);
        return n;
      }
      this.space.write(at, contents.subarray(0, n));
    }
    return at;
  }

  private munmap(address: number, length: number): number {
    address >>>= 0;
    if (address % PAGE_SIZE !== 0 || (length >>> 0) === 0) return -Errno.EINVAL;
    this.space.unmap(address, pageUp(length >>> 0));
    return 0;
  }

  private mprotect(address: number, length: number, prot: number): number {
    address >>>= 0;
    if (address % PAGE_SIZE !== 0) return -Errno.EINVAL;
    if ((length >>> 0) === 0) return 0;
    if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0 && (prot & 0x01000000) === 0 && (prot & 0x02000000) === 0) return -Errno.EINVAL;
    return this.space.protect(address, pageUp(length >>> 0), prot & 7) ? 0 : -Errno.ENOMEM;
  }

  private mremap(oldAddress: number, oldLength: number, newLength: number, flags: number): number {
    oldAddress >>>= 0;
    const oldSize = pageUp(oldLength >>> 0);
    const newSize = pageUp(newLength >>> 0);
    if (oldAddress % PAGE_SIZE !== 0 || newSize === 0 || (flags & MREMAP_FIXED) !== 0) return -Errno.EINVAL;
    if (!this.space.isMapped(oldAddress, Math.max(oldSize, PAGE_SIZE))) return -Errno.EFAULT;
    if (newSize <= oldSize) {
      if (newSize < oldSize) this.space.unmap(oldAddress + newSize, oldSize - newSize);
      return oldAddress;
    }
    const prot = this.space.protection(oldAddress) ?? PROT_READ | PROT_WRITE;
    if (this.space.isFree(oldAddress + oldSize, oldAddress + newSize)) {
      return this.space.map('mmap', oldAddress + oldSize, newSize - oldSize, prot) ? oldAddress : -Errno.ENOMEM;
    }
    if ((flags & MREMAP_MAYMOVE) === 0) return -Errno.ENOMEM;
    const target = this.space.findFree(newSize);
    if (target === null || !this.space.map('mmap', target, newSize, prot)) return -Errno.ENOMEM;
    const contents = new Uint8Array(oldSize);
    this.space.read(oldAddress, contents);
    this.space.write(target, contents);
    this.space.unmap(oldAddress, oldSize);
    return target;
  }

  // --- files -------------------------------------------------------------------------------

  private decodeOpenFlags(flags: number, mode: number): OpenRequest {
    const access = flags & O_ACCMODE;
    const { directory, noFollow } = this.openFlagBits;
    return {
      access: access === 0 ? 'read' : access === 1 ? 'write' : 'readwrite',
      create: (flags & O_CREAT) !== 0,
      exclusive: (flags & O_EXCL) !== 0,
      truncate: (flags & O_TRUNC) !== 0,
      append: (flags & O_APPEND) !== 0,
      directory: (flags & directory) !== 0,
      noFollow: (flags & noFollow) !== 0,
      nonBlocking: (flags & O_NONBLOCK) !== 0,
      closeOnExec: (flags & O_CLOEXEC) !== 0,
      pathOnly: (flags & O_PATH) !== 0,
      mode,
    };
  }

  private open(dirFd: number | null, pathAddress: number, flags: number, mode: number): number {
    const hostPath = this.hostPath(pathAddress, dirFd);
    if (typeof hostPath === 'number') return hostPath;
    return this.files.open(hostPath, this.decodeOpenFlags(flags, mode));
  }

  private read(fd: number, buffer: number, count: number, at: number | null = null): number {
    count >>>= 0;
    if (count === 0) return this.files.file(fd) === null ? -Errno.EBADF : 0;
    this.check(buffer, count, true);
    const bytes = new Uint8Array(Math.min(count, 0x10_0000));
    const n = this.files.read(fd, bytes, at, this.mayBlockHost);
    if (n === BLOCKED) {
      this.waitingOnHost = this.files.file(fd)?.hostMayBlock === true;
      return this.block(() => this.read(fd, buffer, count, at));
    }
    if (n > 0) this.writeBytes(buffer, bytes.subarray(0, n));
    return n;
  }

  private write(fd: number, buffer: number, count: number, at: number | null = null): number {
    count >>>= 0;
    if (this.files.file(fd) === null) return -Errno.EBADF;
    const bytes = this.readBytes(buffer, count);
    const result = count === 0 ? 0 : this.files.write(fd, bytes, at);
    if (result === BLOCKED) return this.block(() => this.write(fd, buffer, count, at));
    // Writing to a pipe nobody reads raises SIGPIPE (pipe(7)); its default action ends the process.
    if (result === -Errno.EPIPE) this.sendToSelf(SIGPIPE);
    return result;
  }

  private vectored(fd: number, iov: number, count: number, writing: boolean): number {
    if (count < 0 || count > 1024) return -Errno.EINVAL;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const base = this.read32(iov + i * 8);
      const length = this.read32(iov + i * 8 + 4);
      if (length === 0) continue;
      const n = writing ? this.write(fd, base, length) : this.read(fd, base, length);
      if (n === BLOCKED) return total > 0 ? total : this.block(() => this.vectored(fd, iov, count, writing));
      if (n < 0) return total > 0 ? total : n;
      total += n;
      if (n < length) break;
    }
    return total;
  }

  private llseek(fd: number, high: number, low: number, result: number, whence: number): number {
    const offset = Number((BigInt(high | 0) << 32n) | BigInt(low >>> 0));
    const position = this.files.seek(fd, offset, whence);
    if (position < 0) return position;
    this.write64(result, BigInt(position));
    return 0;
  }

  /** struct statx (linux/stat.h), 256 bytes. */
  private writeStatx(address: number, stats: BigIntStats): void {
    const out = new DataView(new ArrayBuffer(256));
    out.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS | STATX_BTIME
    out.setUint32(4, Number(stats.blksize), true);
    out.setUint32(16, Number(stats.nlink), true);
    out.setUint32(20, Number(stats.uid), true);
    out.setUint32(24, Number(stats.gid), true);
    out.setUint16(28, Number(stats.mode), true);
    out.setBigUint64(32, stats.ino, true);
    out.setBigUint64(40, stats.size, true);
    out.setBigUint64(48, stats.blocks, true);
    const times: [number, bigint][] = [
      [64, stats.atimeNs],
      [80, stats.birthtimeNs],
      [96, stats.ctimeNs],
      [112, stats.mtimeNs],
    ];
    for (const [at, ns] of times) {
      out.setBigInt64(at, ns / 1_000_000_000n, true);
      out.setUint32(at + 8, Number(ns % 1_000_000_000n), true);
    }
    const [rdevMajor, rdevMinor] = splitDevice(stats.rdev);
    const [devMajor, devMinor] = splitDevice(stats.dev);
    out.setUint32(128, rdevMajor, true);
    out.setUint32(132, rdevMinor, true);
    out.setUint32(136, devMajor, true);
    out.setUint32(140, devMinor, true);
    this.writeBytes(address, new Uint8Array(out.buffer));
  }

  /** Stats a path (following links unless `noFollow`) or, with an empty path and AT_EMPTY_PATH, the descriptor. */
  protected statAt(dirFd: number | null, pathAddress: number, flags: number): BigIntStats | number {
    let guestPathForCwd: string | null = null;
    const guestPath = this.readString(pathAddress);
    if (guestPath === '') {
      if ((flags & AT_EMPTY_PATH) === 0) return -Errno.ENOENT;
      if (dirFd !== null && dirFd !== AT_FDCWD) return this.files.stat(dirFd);
      guestPathForCwd = '.';
    }
    const hostPath = this.files.resolve(guestPathForCwd ?? guestPath, dirFd === null || dirFd === AT_FDCWD ? null : dirFd);
    if (typeof hostPath === 'number') return hostPath;
    try {
      return (flags & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lstatSync(hostPath, { bigint: true }) : fs.statSync(hostPath, { bigint: true });
    } catch (error) {
      return -errnoOf(error);
    }
  }

  private stat64(dirFd: number | null, pathAddress: number, buffer: number, flags: number): number {
    const stats = this.statAt(dirFd, pathAddress, flags);
    if (typeof stats === 'number') return stats;
    this.writeStat64(buffer, stats);
    return 0;
  }

  private getdents64(fd: number, buffer: number, count: number): number {
    count >>>= 0;
    const out = new Uint8Array(count);
    const view = new DataView(out.buffer);
    let used = 0;
    const encoder = new TextEncoder();
    const n = this.files.readDirectory(fd, (entry: DirectoryEntry, next: number) => {
      const name = encoder.encode(entry.name);
      const length = (19 + name.length + 1 + 7) & ~7;
      if (used + length > count) return false;
      view.setBigUint64(used, entry.inode, true);
      view.setBigInt64(used + 8, BigInt(next), true);
      view.setUint16(used + 16, length, true);
      view.setUint8(used + 18, entry.type);
      out.set(name, used + 19);
      used += length;
      return true;
    });
    if (n < 0) return n;
    const file = this.files.file(fd);
    // Entries remain but the first did not fit: the buffer is too small.
    if (used === 0 && file !== null && file.directoryEntries !== null && file.position < file.directoryEntries.length) return -Errno.EINVAL;
    this.writeBytes(buffer, out.subarray(0, used));
    return used;
  }

  private fcntl(fd: number, command: number, argument: number): number {
    const file = this.files.file(fd);
    if (file === null) return -Errno.EBADF;
    switch (command) {
      case 0: // F_DUPFD
        return this.files.duplicate(fd, null, false, argument);
      case 1030: // F_DUPFD_CLOEXEC
        return this.files.duplicate(fd, null, true, argument);
      case 1: // F_GETFD
        return this.files.closeOnExec(fd) === true ? 1 : 0;
      case 2: // F_SETFD
        return this.files.setCloseOnExec(fd, (argument & 1) !== 0);
      case 3: {
        // F_GETFL
        const access = file.readable && file.writable ? 2 : file.writable ? 1 : 0;
        return access | (file.append ? O_APPEND : 0) | (file.nonBlocking ? O_NONBLOCK : 0) | this.openFlagBits.largeFile | (file.kind === 'path' ? O_PATH : 0);
      }
      case 4: // F_SETFL
        file.append = (argument & O_APPEND) !== 0;
        file.nonBlocking = (argument & O_NONBLOCK) !== 0;
        return 0;
      case 5: // F_GETLK: nothing else holds locks
      case 12: // F_GETLK64
        return 0;
      case 6:
      case 7:
      case 13:
      case 14: // F_SETLK(W)(64): one process, no contention
        return 0;
      default:
        return -Errno.EINVAL;
    }
  }

  private ioctl(fd: number, request: number, argument: number): number {
    const file = this.files.file(fd);
    if (file === null) return -Errno.EBADF;
    const terminal = this.files.isTerminal(fd);
    switch (request >>> 0) {
      case TCGETS:
        if (!terminal) return -Errno.ENOTTY;
        this.writeBytes(argument, defaultTermios());
        return 0;
      case TCSETS:
      case TCSETSW:
      case TCSETSF:
        // Accepted without changing the host terminal: the runner leaves its modes alone.
        return terminal ? 0 : -Errno.ENOTTY;
      case TIOCGWINSZ: {
        if (!terminal) return -Errno.ENOTTY;
        const size = this.files.terminalSize(fd);
        const out = new DataView(new ArrayBuffer(8));
        out.setUint16(0, size.rows, true);
        out.setUint16(2, size.columns, true);
        this.writeBytes(argument, new Uint8Array(out.buffer));
        return 0;
      }
      case TIOCGPGRP:
        if (!terminal) return -Errno.ENOTTY;
        this.write32(argument, this.pid);
        return 0;
      case TIOCSPGRP:
        return terminal ? 0 : -Errno.ENOTTY;
      case FIONREAD:
        if (file.pipe !== null) {
          this.write32(
            argument,
            file.pipe.size,
          );
          return 0;
        }
        return -Errno.ENOTTY;
      default:
        return -Errno.ENOTTY;
    }
  }

  // --- time --------------------------------------------------------------------------------

  /** Nanoseconds on `clock` (CLOCK_REALTIME 0, MONOTONIC 1, PROCESS/THREAD_CPUTIME 2/3, MONOTONIC_RAW 4, *_COARSE 5/6, BOOTTIME 7). */
  private clockNanoseconds(clock: number): bigint | null {
    const monotonic = process.hrtime.bigint();
    switch (clock) {
      case 0:
      case 5:
        return this.startWall + (monotonic - this.startMonotonic);
      case 1:
      case 4:
      case 6:
      case 7:
        return monotonic;
      case 2:
      case 3: {
        const usage = process.cpuUsage();
        return BigInt(usage.user + usage.system) * 1000n;
      }
      default:
        return null;
    }
  }

  private clockGettime(clock: number, buffer: number, wide: boolean): number {
    const ns = this.clockNanoseconds(clock);
    if (ns === null) return -Errno.EINVAL;
    const out = new DataView(new ArrayBuffer(wide ? 16 : 8));
    if (wide) {
      out.setBigInt64(0, ns / 1_000_000_000n, true);
      out.setBigInt64(8, ns % 1_000_000_000n, true);
    } else {
      out.setInt32(0, Number(ns / 1_000_000_000n), true);
      out.setInt32(4, Number(ns % 1_000_000_000n), true);
    }
    this.writeBytes(buffer, new Uint8Array(out.buffer));
    return 0;
  }

  private sleep(clock: number, absolute: boolean, request: number, wide: boolean): number {
    const bytes = this.readBytes(request, wide ? 16 : 8);
    const view = new DataView(bytes.buffer);
    const seconds = wide ? view.getBigInt64(0, true) : BigInt(view.getInt32(0, true));
    const nanoseconds = wide ? view.getBigInt64(8, true) : BigInt(view.getInt32(4, true));
    if (nanoseconds < 0n || nanoseconds >= 1_000_000_000n || seconds < 0n) return -Errno.EINVAL;
    let duration = seconds * 1_000_000_000n + nanoseconds;
    if (absolute) {
      const now = this.clockNanoseconds(clock);
      if (now === null) return -Errno.EINVAL;
      duration -= now;
    }
    if (duration <= 0n) return 0;
    // The process waits; the others run meanwhile (the scheduler sleeps when nobody can run).
    const wakeAt = performance.now() + Number(duration) / 1e6;
    const until = (): number => {
      if (performance.now() >= wakeAt) return 0;
      this.wakeAt = wakeAt;
      return this.block(until);
    };
    return until();
  }

  // --- the table ---------------------------------------------------------------------------

  private buildTable(): Record<number, Syscall> {
    const files = this.files;
    const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, euid: process.geteuid?.() ?? 0, egid: process.getegid?.() ?? 0 };
    const rlimit = (resource: number): [bigint, bigint] => {
      const infinity = 0xffff_ffff_ffff_ffffn;
      if (resource === 3) return [8n * 1024n * 1024n, infinity]; // RLIMIT_STACK
      if (resource === 7) return [1024n, 4096n]; // RLIMIT_NOFILE
      return [infinity, infinity];
    };
    const writeOldRlimit = (address: number, resource: number, infinity: number): number => {
      if (resource < 0 || resource > 15) return -Errno.EINVAL;
      const [current, maximum] = rlimit(resource);
      const clamp = (value: bigint): number => (value >= 0xffff_ffffn ? infinity : Number(value));
      this.write32(address, clamp(current));
      this.write32(address + 4, clamp(maximum));
      return 0;
    };
    const pathCall = (pathAddress: number, dirFd: number | null, then: (hostPath: string) => number): number => {
      const hostPath = this.hostPath(pathAddress, dirFd);
      return typeof hostPath === 'number' ? hostPath : then(hostPath);
    };
    const readlink = (dirFd: number | null, pathAddress: number, buffer: number, size: number): number =>
      pathCall(pathAddress, dirFd, (hostPath) => {
        if ((size | 0) <= 0) return -Errno.EINVAL;
        let target: string;
        if (hostPath === files.programPath && this.readString(pathAddress) === '/proc/self/exe') target = files.programPath;
        else {
          try {
            target = fs.readlinkSync(hostPath);
          } catch (error) {
            return -errnoOf(error);
          }
        }
        const bytes = Buffer.from(target, 'utf8').subarray(0, size >>> 0);
        this.writeBytes(buffer, bytes);
        return bytes.length;
      });
    const guarded = (hostPath: string, action: () => void): number => {
      if (!files.mayWrite(hostPath)) return -Errno.EROFS;
      try {
        action();
        return 0;
      } catch (error) {
        return -errnoOf(error);
      }
    };
    const pipe = (address: number, flags: number): number => {
      this.check(address, 8, true);
      const fds = files.pipe((flags & O_CLOEXEC) !== 0, (flags & O_NONBLOCK) !== 0);
      if (typeof fds === 'number') return fds;
      this.write32(address, fds[0]);
      this.write32(address + 4, fds[1]);
      return 0;
    };
    const poll = (address: number, count: number, timeout: number, wakeAt: number | null = null): number => {
      const ready = pollOnce(address, count);
      if (ready !== 0 || timeout === 0) return ready;
      // Nothing ready: wait (timeout < 0: for ever), the other processes running meanwhile.
      const deadline = wakeAt ?? (timeout > 0 ? performance.now() + timeout : null);
      if (deadline !== null && performance.now() >= deadline) return 0;
      this.wakeAt = deadline;
      return this.block(() => poll(address, count, timeout, deadline));
    };
    const pollOnce = (address: number, count: number): number => {
      if (count < 0 || count > 1024) return -Errno.EINVAL;
      this.check(address, count * 8, true);
      let ready = 0;
      for (let i = 0; i < count; i++) {
        const at = address + i * 8;
        const fd = this.read32(at) | 0;
        const events = this.space.memory.read16(at + 4);
        let revents = 0;
        if (fd >= 0) {
          const file = files.file(fd);
          if (file === null) revents = 0x20; // POLLNVAL
          else {
            if (file.readable && (file.pipe === null || file.pipe.chunks.length > 0 || file.pipe.writers === 0)) revents |= events & 0x1; // POLLIN
            if (file.writable && (file.pipe === null || file.pipe.size < PIPE_CAPACITY || file.pipe.readers === 0)) revents |= events & 0x4; // POLLOUT
            if (file.pipe !== null && file.kind === 'pipe-write' && file.pipe.readers === 0) revents |= 0x8; // POLLERR
            if (file.pipe !== null && file.kind === 'pipe-read' && file.pipe.writers === 0) revents |= 0x10; // POLLHUP
          }
        }
        this.space.memory.write16(at + 6, revents);
        if (revents !== 0) ready++;
      }
      return ready;
    };
    const uname = (address: number): number => {
      const out = new Uint8Array(65 * 6);
      const fields = ['Linux', os.hostname(), '6.1.0', '#1 SMP PREEMPT_DYNAMIC l4vm', this.machine, '(none)'];
      fields.forEach((field, i) => out.set(Buffer.from(field, 'utf8').subarray(0, 64), i * 65));
      this.writeBytes(address, out);
      return 0;
    };
    const statx = (dirFd: number, pathAddress: number, flags: number, _mask: number, buffer: number): number => {
      const stats = this.statAt(dirFd, pathAddress, flags);
      if (typeof stats === 'number') return stats;
      this.writeStatx(buffer, stats);
      return 0;
    };
    const sysinfo = (address: number): number => {
      const memory = hostMemory();
      const out = new DataView(new ArrayBuffer(64));
      // Linux scales to mem_unit when the sizes do not fit a 32-bit word (kernel/sys.c do_sysinfo).
      const unit = memory.total >= 0x1_0000_0000 || memory.swapTotal >= 0x1_0000_0000 ? PAGE_SIZE : 1;
      const word = (bytes: number): number => Math.min(0xffff_ffff, Math.floor(bytes / unit));
      out.setInt32(0, Math.floor(os.uptime()), true);
      os.loadavg().forEach((load, i) => out.setUint32(4 + i * 4, Math.min(0xffffffff, Math.round(load * 65536)), true));
      out.setUint32(16, word(memory.total), true);
      out.setUint32(20, word(memory.free), true);
      out.setUint32(24, word(memory.shared), true);
      out.setUint32(28, word(memory.buffers), true);
      out.setUint32(32, word(memory.swapTotal), true);
      out.setUint32(36, word(memory.swapFree), true);
      out.setUint16(40, 1, true);
      out.setUint32(52, unit, true);
      this.writeBytes(address, new Uint8Array(out.buffer));
      return 0;
    };
    const rusage = (who: number, address: number): number => {
      if (who !== 0 && who !== -1 && who !== 1) return -Errno.EINVAL;
      const out = new DataView(new ArrayBuffer(72));
      if (who !== -1) {
        const usage = process.cpuUsage();
        out.setInt32(0, Math.floor(usage.user / 1e6), true);
        out.setInt32(4, usage.user % 1e6, true);
        out.setInt32(8, Math.floor(usage.system / 1e6), true);
        out.setInt32(12, usage.system % 1e6, true);
        out.setInt32(16, Math.floor(process.memoryUsage().rss / 1024), true);
      }
      this.writeBytes(address, new Uint8Array(out.buffer));
      return 0;
    };
    const times = (address: number): number => {
      if (address !== 0) {
        const usage = process.cpuUsage();
        const out = new DataView(new ArrayBuffer(16));
        out.setInt32(0, Math.floor(usage.user / 10_000), true);
        out.setInt32(4, Math.floor(usage.system / 10_000), true);
        this.writeBytes(address, new Uint8Array(out.buffer));
      }
      return Math.floor(os.uptime() * 100) | 0;
    };
    const sigaction = (signal: number, action: number, old: number, size: number): number => {
      if (signal < 1 || signal > 64 || size !== 8) return -Errno.EINVAL;
      if (action !== 0 && (signal === 9 || signal === 19)) return -Errno.EINVAL;
      const previous = this.signalActions.get(signal) ?? new Uint8Array(20);
      const next = action !== 0 ? this.readBytes(action, 20) : null;
      if (old !== 0) this.writeBytes(old, previous);
      if (next !== null) this.signalActions.set(signal, next);
      return 0;
    };
    const sigprocmask = (how: number, set: number, old: number, size: number): number => {
      if (size !== 8) return -Errno.EINVAL;
      const previous = this.signalMask;
      if (set !== 0) {
        const bytes = this.readBytes(set, 8);
        const value = new DataView(bytes.buffer).getBigUint64(0, true);
        if (how === 0) this.signalMask |= value;
        else if (how === 1) this.signalMask &= ~value;
        else if (how === 2) this.signalMask = value;
        else return -Errno.EINVAL;
        this.signalMask &= ~((1n << 8n) | (1n << 18n)); // SIGKILL and SIGSTOP cannot be blocked
      }
      if (old !== 0) this.write64(old, previous);
      return 0;
    };
    const sigaltstack = (stack: number, old: number): number => {
      const next = stack !== 0 ? this.readBytes(stack, 12) : null;
      if (old !== 0) this.writeBytes(old, this.alternateStack);
      if (next !== null) this.alternateStack = next;
      return 0;
    };
    const prlimit = (pid: number, resource: number, _next: number, old: number): number => {
      if (pid !== 0 && pid !== this.pid) return -Errno.ESRCH;
      if (resource < 0 || resource > 15) return -Errno.EINVAL;
      if (old !== 0) {
        const [current, maximum] = rlimit(resource);
        this.write64(old, current);
        this.write64(old + 8, maximum);
      }
      return 0;
    };
    const gettimeofday = (tv: number, tz: number): number => {
      if (tv !== 0) {
        const ns = this.clockNanoseconds(0) ?? 0n;
        this.write32(tv, Number(ns / 1_000_000_000n));
        this.write32(tv + 4, Number((ns % 1_000_000_000n) / 1000n));
      }
      if (tz !== 0) this.writeBytes(tz, new Uint8Array(8));
      return 0;
    };
    const time = (address: number): number => {
      const seconds = Number((this.clockNanoseconds(0) ?? 0n) / 1_000_000_000n);
      if (address !== 0) this.write32(address, seconds);
      return seconds;
    };
    const getcwd = (buffer: number, size: number): number => {
      const bytes = Buffer.from(`${files.cwd}\0`, 'utf8');
      if (bytes.length > size >>> 0) return -Errno.ERANGE;
      this.writeBytes(buffer, bytes);
      return bytes.length;
    };
    const access = (dirFd: number | null, pathAddress: number, mode: number): number => pathCall(pathAddress, dirFd, (hostPath) => files.access(hostPath, mode));
    const unlinkAt = (dirFd: number | null, pathAddress: number, flags: number): number =>
      pathCall(pathAddress, dirFd, (hostPath) => files.unlink(hostPath, (flags & AT_REMOVEDIR) !== 0));
    const renameAt = (fromDir: number | null, from: number, toDir: number | null, to: number): number =>
      pathCall(from, fromDir, (fromPath) => pathCall(to, toDir, (toPath) => files.rename(fromPath, toPath)));
    const mkdirAt = (dirFd: number | null, pathAddress: number, mode: number): number => pathCall(pathAddress, dirFd, (hostPath) => files.mkdir(hostPath, mode));
    const chmod = (dirFd: number | null, pathAddress: number, mode: number): number => pathCall(pathAddress, dirFd, (hostPath) => guarded(hostPath, () => fs.chmodSync(hostPath, mode & 0o7777)));
    const chownPath = (hostPath: string, owner: number, group: number, flags: number): number => {
      let stats: fs.Stats;
      try {
        stats = fs.lstatSync(hostPath);
      } catch (error) {
        return -errnoOf(error);
      }
      // -1 leaves an id unchanged (0xffff for the 16-bit chown; the caller widens it).
      const uid = owner === -1 ? stats.uid : owner >>> 0;
      const gid = group === -1 ? stats.gid : group >>> 0;
      return guarded(hostPath, () => ((flags & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lchownSync(hostPath, uid, gid) : fs.chownSync(hostPath, uid, gid)));
    };
    const widen16 = (id: number): number => ((id & 0xffff) === 0xffff ? -1 : id & 0xffff);
    const chown = (dirFd: number | null, pathAddress: number, owner: number, group: number, flags: number): number =>
      pathCall(pathAddress, dirFd, (hostPath) => chownPath(hostPath, owner, group, flags));
    const linkAt = (fromDir: number | null, from: number, toDir: number | null, to: number): number =>
      pathCall(from, fromDir, (fromPath) => pathCall(to, toDir, (toPath) => (files.mayWrite(fromPath) ? guarded(toPath, () => fs.linkSync(fromPath, toPath)) : -Errno.EROFS)));
    const fdPath = (fd: number): string | number => {
      const file = files.file(fd);
      if (file === null) return -Errno.EBADF;
      return file.path;
    };
    const ftruncate = (fd: number, length: number): number => {
      const file = files.file(fd);
      if (file === null || file.kind !== 'host' || !file.writable) return file === null ? -Errno.EBADF : -Errno.EINVAL;
      try {
        fs.ftruncateSync(file.hostFd, length);
        return 0;
      } catch (error) {
        return -errnoOf(error);
      }
    };
    const getrandom = (buffer: number, length: number): number => {
      const bytes = new Uint8Array(Math.min(length >>> 0, 0x200_0000));
      randomFillSync(bytes);
      this.writeBytes(buffer, bytes);
      return bytes.length;
    };
    const futex = (_address: number, operation: number): number => {
      // One thread: nobody else can wake a waiter or be woken.
      const command = operation & 0x7f;
      if (command === 1 || command === 10) return 0; // FUTEX_WAKE, FUTEX_WAKE_BITSET
      return command === 0 || command === 9 ? -Errno.EAGAIN : -Errno.ENOSYS;
    };
    const schedGetaffinity = (_pid: number, size: number, mask: number): number => {
      if ((size >>> 0) < 4) return -Errno.EINVAL;
      this.write32(mask, 1);
      return 4;
    };
    const control = this.options.process ?? null;
    const fork = (request: ForkRequest): number => {
      if (control === null) return -Errno.ENOSYS;
      const child = control.fork(request);
      if (child < 0 || !request.vfork) return child;
      // vfork: the parent waits until the child execs or exits (vfork(2)); its memory is a copy, not shared.
      const released = (): number => (control.vforkReleased(child) ? child : this.block(released));
      return released();
    };
    const clone = (flags: number, stack: number, parentTid: number, _tls: number, childTid: number): number => {
      if ((flags & (CLONE_VM | CLONE_THREAD)) !== 0 && (flags & CLONE_VFORK) === 0) {
        if (!this.reportedUnknown.has(-120)) {
          this.reportedUnknown.add(-120);
          this.options.log(`l4vm: clone with CLONE_VM or CLONE_THREAD (flags 0x${(flags >>> 0).toString(16)}) would make a thread, and threads are not implemented; returning -ENOSYS`);
        }
        return -Errno.ENOSYS;
      }
      return fork({
        vfork: (flags & CLONE_VFORK) !== 0,
        stack: stack >>> 0,
        childTidAddress: (flags & CLONE_CHILD_SETTID) !== 0 ? childTid >>> 0 : 0,
        parentTidAddress: (flags & CLONE_PARENT_SETTID) !== 0 ? parentTid >>> 0 : 0,
      });
    };
    const readStringArray = (address: number): string[] => {
      const strings: string[] = [];
      if (address === 0) return strings;
      for (let at = address; ; at += 4) {
        const pointer = this.read32(at);
        if (pointer === 0) return strings;
        if (strings.length >= 0x10000) throw new GuestFault();
        strings.push(this.readString(pointer, 0x20000));
      }
    };
    const execve = (pathAddress: number, argvAddress: number, envpAddress: number): number => {
      const guestPath = this.readString(pathAddress);
      if (guestPath === '') return -Errno.ENOENT;
      const hostPath = files.resolve(guestPath);
      if (typeof hostPath === 'number') return hostPath;
      const argv = readStringArray(argvAddress);
      const envp = readStringArray(envpAddress);
      if (control === null) return -Errno.ENOSYS;
      return control.execve(hostPath, guestPath, argv, envp);
    };
    const wait4 = (pid: number, statusAddress: number, options: number, rusageAddress: number): number => {
      if (control === null) return -Errno.ECHILD;
      if ((options & ~(1 | 2 | 8 | 0x01000000 | 0x20000000 | 0x40000000 | 0x80000000)) !== 0) return -Errno.EINVAL;
      const result = control.wait(pid, options);
      if (result === null) return this.block(() => wait4(pid, statusAddress, options, rusageAddress));
      if (typeof result === 'number') return result;
      if (statusAddress !== 0) this.write32(statusAddress, result.status);
      if (rusageAddress !== 0) this.writeBytes(rusageAddress, new Uint8Array(72));
      return result.pid;
    };
    const kill = (pid: number, signal: number): number => {
      if (control !== null) return control.kill(pid, signal);
      return pid === this.pid || pid === 0 || pid === -1 ? this.sendToSelf(signal) : probeProcess(pid, signal);
    };
    // Another host process: only signal 0 (does it exist?) is passed on; the guest may not signal the host's processes.
    const probeProcess = (pid: number, signal: number): number => {
      if (signal !== 0) return -Errno.EPERM;
      try {
        process.kill(pid, 0);
        return 0;
      } catch (error) {
        return -errnoOf(error);
      }
    };
    const utimens = (dirFd: number, pathAddress: number, timesAddress: number, flags: number, wide: boolean): number => {
      let hostPath: string | number;
      if (pathAddress === 0) {
        hostPath = fdPath(dirFd);
      } else hostPath = this.hostPath(pathAddress, dirFd);
      if (typeof hostPath === 'number') return hostPath;
      const target = hostPath;
      let stats: fs.Stats;
      try {
        stats = fs.statSync(target);
      } catch (error) {
        return -errnoOf(error);
      }
      const now = Date.now() / 1000;
      const times: number[] = [now, now];
      if (timesAddress !== 0) {
        const size = wide ? 16 : 8;
        const bytes = this.readBytes(timesAddress, size * 2);
        const view = new DataView(bytes.buffer);
        for (let i = 0; i < 2; i++) {
          const seconds = wide ? Number(view.getBigInt64(i * size, true)) : view.getInt32(i * size, true);
          const nanoseconds = wide ? Number(view.getBigInt64(i * size + 8, true)) : view.getInt32(i * size + 4, true);
          if (nanoseconds === 0x3fff_fffe) times[i] = i === 0 ? stats.atimeMs / 1000 : stats.mtimeMs / 1000; // UTIME_OMIT
          else if (nanoseconds !== 0x3fff_ffff) times[i] = seconds + nanoseconds / 1e9; // not UTIME_NOW
        }
      }
      return guarded(target, () => ((flags & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lutimesSync(target, times[0], times[1]) : fs.utimesSync(target, times[0], times[1])));
    };
    const sendfile = (outFd: number, inFd: number, offsetAddress: number, count: number, wideOffset: boolean): number => {
      let offset: number | null = null;
      if (offsetAddress !== 0) {
        offset = wideOffset ? Number(new DataView(this.readBytes(offsetAddress, 8).buffer).getBigInt64(0, true)) : this.read32(offsetAddress) | 0;
        if (offset < 0) return -Errno.EINVAL;
      }
      // Into a pipe: no more than fits, so that nothing read is lost when the pipe is full.
      const out = files.file(outFd);
      const room = out !== null && out.pipe !== null && out.pipe.readers > 0 ? PIPE_CAPACITY - out.pipe.size : 0x10_0000;
      if (room === 0) return this.block(() => sendfile(outFd, inFd, offsetAddress, count, wideOffset));
      const bytes = new Uint8Array(Math.min(count >>> 0, 0x10_0000, room));
      const n = files.read(inFd, bytes, offset, this.mayBlockHost);
      if (n === BLOCKED) {
        this.waitingOnHost = files.file(inFd)?.hostMayBlock === true;
        return this.block(() => sendfile(outFd, inFd, offsetAddress, count, wideOffset));
      }
      if (n <= 0) return n;
      const written = files.write(outFd, bytes.subarray(0, n));
      if (written === BLOCKED) return -Errno.EAGAIN;
      if (written < 0) return written;
      if (offset !== null) {
        if (wideOffset) this.write64(offsetAddress, BigInt(offset + written));
        else this.write32(offsetAddress, offset + written);
      }
      return written;
    };
    /** struct statfs64 of i386 and ARM EABI (asm-generic/statfs.h, packed to 4 bytes): 84 bytes. */
    const statfs = (hostPath: string | number, size: number, buffer: number): number => {
      if (typeof hostPath === 'number') return hostPath;
      if (size !== 84) return -Errno.EINVAL;
      let info: fs.StatsFs;
      try {
        info = fs.statfsSync(hostPath);
      } catch (error) {
        return -errnoOf(error);
      }
      const out = new DataView(new ArrayBuffer(84));
      out.setUint32(0, info.type >>> 0, true);
      out.setUint32(4, info.bsize, true);
      out.setBigUint64(8, BigInt(info.blocks), true);
      out.setBigUint64(16, BigInt(info.bfree), true);
      out.setBigUint64(24, BigInt(info.bavail), true);
      out.setBigUint64(32, BigInt(info.files), true);
      out.setBigUint64(40, BigInt(info.ffree), true);
      out.setUint32(56, 255, true);
      out.setUint32(60, info.bsize, true);
      this.writeBytes(buffer, new Uint8Array(out.buffer));
      return 0;
    };

    const table: Record<number, Syscall> = {
      1: { args: 'd', run: (status) => this.exit(status) },
      2: { args: '', run: () => fork({ vfork: false, stack: 0, childTidAddress: 0, parentTidAddress: 0 }) },
      3: { args: 'dxu', run: (fd, buffer, count) => this.read(fd, buffer, count) },
      4: { args: 'dxu', run: (fd, buffer, count) => this.write(fd, buffer, count) },
      5: { args: 'sxo', run: (pathAddress, flags, mode) => this.open(null, pathAddress, flags, mode) },
      6: { args: 'd', run: (fd) => files.close(fd) },
      7: { args: 'dxd', run: (pid, status, options) => wait4(pid, status, options, 0) }, // waitpid
      8: { args: 'so', run: (pathAddress, mode) => this.open(null, pathAddress, O_CREAT | O_TRUNC | 1, mode) }, // creat
      10: { args: 's', run: (pathAddress) => unlinkAt(null, pathAddress, 0) },
      11: { args: 'sxx', run: execve },
      12: { args: 's', run: (pathAddress) => pathCall(pathAddress, null, (hostPath) => files.chdir(hostPath)) },
      13: { args: 'x', run: time },
      15: { args: 'so', run: (pathAddress, mode) => chmod(null, pathAddress, mode) },
      19: {
        args: 'ddd',
        run: (fd, offset, whence) => {
          const position = files.seek(fd, offset, whence);
          return position > 0x7fff_ffff ? -Errno.EOVERFLOW : position;
        },
      },
      20: { args: '', run: () => this.pid },
      24: { args: '', run: () => ids.uid & 0xffff },
      33: { args: 'so', run: (pathAddress, mode) => access(null, pathAddress, mode) },
      37: { args: 'dd', run: kill },
      38: { args: 'ss', run: (from, to) => renameAt(null, from, null, to) },
      39: { args: 'so', run: (pathAddress, mode) => mkdirAt(null, pathAddress, mode) },
      40: { args: 's', run: (pathAddress) => unlinkAt(null, pathAddress, AT_REMOVEDIR) },
      41: { args: 'd', run: (fd) => files.duplicate(fd, null, false) },
      42: { args: 'x', run: (address) => pipe(address, 0) },
      43: { args: 'x', run: times },
      45: { args: 'x', result: 'x', run: (address) => this.setBrk(address) },
      47: { args: '', run: () => ids.gid & 0xffff },
      49: { args: '', run: () => ids.euid & 0xffff },
      50: { args: '', run: () => ids.egid & 0xffff },
      54: { args: 'dxx', run: (fd, request, argument) => this.ioctl(fd, request, argument) },
      55: { args: 'dxx', run: (fd, command, argument) => this.fcntl(fd, command, argument) },
      57: { args: 'dd', run: (pid, group) => control?.setProcessGroup(pid, group) ?? 0 }, // setpgid
      60: {
        args: 'o',
        run: (mask) => {
          const previous = files.umask;
          files.umask = mask & 0o777;
          return previous;
        },
      },
      63: { args: 'dd', run: (oldFd, newFd) => files.duplicate(oldFd, newFd, false) },
      64: { args: '', run: () => control?.parentPid() ?? process.ppid },
      65: { args: '', run: () => control?.processGroup(0) ?? this.pid }, // getpgrp
      66: { args: '', run: () => control?.setSession() ?? this.pid }, // setsid
      75: { args: 'dx', run: () => 0 }, // setrlimit: accepted, not enforced
      76: { args: 'dx', run: (resource, address) => writeOldRlimit(address, resource, 0x7fff_ffff) },
      77: { args: 'dx', run: rusage },
      78: { args: 'xx', run: gettimeofday },
      83: { args: 'ss', run: (target, link) => pathCall(link, null, (linkPath) => guarded(linkPath, () => fs.symlinkSync(this.readString(target), linkPath))) },
      85: { args: 'sxu', run: (pathAddress, buffer, size) => readlink(null, pathAddress, buffer, size) },
      90: {
        args: 'x',
        result: 'x',
        run: (address) => {
          const bytes = this.readBytes(address, 24);
          const view = new DataView(bytes.buffer);
          const word = (i: number): number => view.getUint32(i * 4, true);
          return this.mmap(word(0), word(1), word(2), word(3), word(4) | 0, word(5));
        },
      },
      91: { args: 'xu', run: (address, length) => this.munmap(address, length) },
      93: { args: 'du', run: (fd, length) => ftruncate(fd, length >>> 0) },
      94: {
        args: 'do',
        run: (fd, mode) => {
          const hostPath = fdPath(fd);
          return typeof hostPath === 'number' ? hostPath : guarded(hostPath, () => fs.chmodSync(hostPath, mode & 0o7777));
        },
      },
      114: { args: 'dxdx', run: wait4 },
      116: { args: 'x', run: sysinfo },
      118: { args: 'd', run: (fd) => (files.file(fd) === null ? -Errno.EBADF : 0) }, // fsync
      120: { args: 'xxxxx', run: clone },
      122: { args: 'x', run: uname },
      125: { args: 'xud', run: (address, length, prot) => this.mprotect(address, length, prot) },
      132: { args: 'd', run: (pid) => control?.processGroup(pid) ?? this.pid }, // getpgid
      133: {
        args: 'd',
        run: (fd) => {
          const hostPath = fdPath(fd);
          return typeof hostPath === 'number' ? hostPath : files.chdir(hostPath);
        },
      },
      140: { args: 'dxxxd', run: (fd, high, low, result, whence) => this.llseek(fd, high, low, result, whence) },
      145: { args: 'dxd', run: (fd, iov, count) => this.vectored(fd, iov, count, false) },
      146: { args: 'dxd', run: (fd, iov, count) => this.vectored(fd, iov, count, true) },
      147: { args: 'd', run: (pid) => control?.session(pid) ?? this.pid }, // getsid
      148: { args: 'd', run: (fd) => (files.file(fd) === null ? -Errno.EBADF : 0) }, // fdatasync
      158: { args: '', run: () => 0 }, // sched_yield
      162: { args: 'xx', run: (request) => this.sleep(1, false, request, false) },
      163: { args: 'xuux', result: 'x', run: (address, oldLength, newLength, flags) => this.mremap(address, oldLength, newLength, flags) },
      168: { args: 'xdd', run: (address, count, timeout) => poll(address, count, timeout) },
      172: { args: 'dxxxx', run: () => -Errno.EINVAL }, // prctl: no options implemented
      174: { args: 'dxxu', run: sigaction },
      175: { args: 'dxxu', run: sigprocmask },
      119: { args: '', run: () => this.signalReturn(false) },
      173: { args: '', run: () => this.signalReturn(true) },
      29: {
        args: '',
        run: () => {
          const paused = (): number => this.block(paused);
          return paused();
        },
      }, // pause: waits until a signal is delivered (-EINTR)
      179: {
        args: 'xu',
        run: (set, size) => {
          if (size !== 8) return -Errno.EINVAL;
          const bytes = this.readBytes(set, 8);
          // Waits with the given mask until a signal is delivered; the old mask returns after the handler.
          this.suspendedMask = this.signalMask;
          this.signalMask = new DataView(bytes.buffer).getBigUint64(0, true) & ~((1n << 8n) | (1n << 18n));
          const suspended = (): number => this.block(suspended);
          return suspended();
        },
      }, // rt_sigsuspend
      180: { args: 'dxuxx', run: (fd, buffer, count, low, high) => this.read(fd, buffer, count, (high >>> 0) * 0x1_0000_0000 + (low >>> 0)) },
      181: { args: 'dxuxx', run: (fd, buffer, count, low, high) => this.write(fd, buffer, count, (high >>> 0) * 0x1_0000_0000 + (low >>> 0)) },
      183: { args: 'xu', run: getcwd },
      186: { args: 'xx', run: sigaltstack },
      190: { args: '', run: () => fork({ vfork: true, stack: 0, childTidAddress: 0, parentTidAddress: 0 }) },
      191: { args: 'dx', run: (resource, address) => writeOldRlimit(address, resource, 0xffff_ffff) },
      192: { args: 'xuxxdx', result: 'x', run: (address, length, prot, flags, fd, pageOffset) => this.mmap(address, length, prot, flags, fd, (pageOffset >>> 0) * PAGE_SIZE) },
      194: { args: 'dxx', run: (fd, low, high) => ftruncate(fd, (high >>> 0) * 0x1_0000_0000 + (low >>> 0)) },
      195: { args: 'sx', run: (pathAddress, buffer) => this.stat64(null, pathAddress, buffer, 0) },
      196: { args: 'sx', run: (pathAddress, buffer) => this.stat64(null, pathAddress, buffer, AT_SYMLINK_NOFOLLOW) },
      197: {
        args: 'dx',
        run: (fd, buffer) => {
          const stats = files.stat(fd);
          if (typeof stats === 'number') return stats;
          this.writeStat64(buffer, stats);
          return 0;
        },
      },
      199: { args: '', run: () => ids.uid },
      200: { args: '', run: () => ids.gid },
      201: { args: '', run: () => ids.euid },
      202: { args: '', run: () => ids.egid },
      205: { args: 'dx', run: () => 0 }, // getgroups32: no supplementary groups
      219: { args: 'xud', run: () => 0 }, // madvise: advice only
      220: { args: 'dxu', run: (fd, buffer, count) => this.getdents64(fd, buffer, count) },
      221: { args: 'dxx', run: (fd, command, argument) => this.fcntl(fd, command, argument) },
      224: { args: '', run: () => this.pid }, // gettid
      187: { args: 'ddxu', run: (outFd, inFd, offset, count) => sendfile(outFd, inFd, offset, count, false) },
      239: { args: 'ddxu', run: (outFd, inFd, offset, count) => sendfile(outFd, inFd, offset, count, true) },
      238: { args: 'dd', run: (tid, signal) => (tid === this.pid ? this.sendToSelf(signal) : tid > 0 && control !== null ? control.kill(tid, signal) : -Errno.ESRCH) }, // tkill
      240: { args: 'xdd', run: futex },
      242: { args: 'dux', run: schedGetaffinity },
      252: { args: 'd', run: (status) => this.exit(status) },
      258: { args: 'x', run: () => this.pid }, // set_tid_address
      265: { args: 'dx', run: (clock, buffer) => this.clockGettime(clock, buffer, false) },
      266: {
        args: 'dx',
        run: (clock, buffer) => {
          if (this.clockNanoseconds(clock) === null) return -Errno.EINVAL;
          if (buffer !== 0) {
            this.write32(buffer, 0);
            this.write32(buffer + 4, 1);
          }
          return 0;
        },
      }, // clock_getres: 1 ns
      267: { args: 'ddxx', run: (clock, flags, request) => this.sleep(clock, (flags & 1) !== 0, request, false) },
      268: { args: 'sux', run: (pathAddress, size, buffer) => statfs(this.hostPath(pathAddress), size, buffer) },
      269: { args: 'dux', run: (fd, size, buffer) => statfs(fdPath(fd), size, buffer) },
      270: { args: 'ddd', run: (tgid, _tid, signal) => (tgid === this.pid ? this.sendToSelf(signal) : tgid > 0 && control !== null ? control.kill(tgid, signal) : -Errno.ESRCH) },
      272: { args: 'dxxxxd', run: () => 0 }, // fadvise64_64
      295: { args: 'dsxo', run: (dirFd, pathAddress, flags, mode) => this.open(dirFd, pathAddress, flags, mode) },
      296: { args: 'dso', run: (dirFd, pathAddress, mode) => mkdirAt(dirFd, pathAddress, mode) },
      300: { args: 'dsxx', run: (dirFd, pathAddress, buffer, flags) => this.stat64(dirFd, pathAddress, buffer, flags) },
      301: { args: 'dsx', run: (dirFd, pathAddress, flags) => unlinkAt(dirFd, pathAddress, flags) },
      302: { args: 'dsds', run: (fromDir, from, toDir, to) => renameAt(fromDir, from, toDir, to) },
      305: { args: 'dsxu', run: (dirFd, pathAddress, buffer, size) => readlink(dirFd, pathAddress, buffer, size) },
      306: { args: 'dso', run: (dirFd, pathAddress, mode) => chmod(dirFd, pathAddress, mode) },
      307: { args: 'dso', run: (dirFd, pathAddress, mode) => access(dirFd, pathAddress, mode) },
      311: { args: 'xu', run: () => 0 }, // set_robust_list: recorded nowhere, one thread exits alone
      330: { args: 'ddx', run: (oldFd, newFd, flags) => (oldFd === newFd ? -Errno.EINVAL : files.duplicate(oldFd, newFd, (flags & O_CLOEXEC) !== 0)) },
      320: { args: 'dsxx', run: (dirFd, pathAddress, times, flags) => utimens(dirFd, pathAddress, times, flags, false) },
      412: { args: 'dsxx', run: (dirFd, pathAddress, times, flags) => utimens(dirFd, pathAddress, times, flags, true) },
      // Ownership: as the host allows l4vm (EPERM unless it runs as root), below the working directory only.
      182: { args: 'sdd', run: (pathAddress, owner, group) => chown(null, pathAddress, widen16(owner), widen16(group), 0) }, // chown, 16-bit ids
      198: { args: 'sdd', run: (pathAddress, owner, group) => chown(null, pathAddress, owner, group, AT_SYMLINK_NOFOLLOW) }, // lchown32
      207: {
        args: 'ddd',
        run: (fd, owner, group) => {
          const hostPath = fdPath(fd);
          return typeof hostPath === 'number' ? hostPath : chownPath(hostPath, owner, group, 0);
        },
      }, // fchown32
      212: { args: 'sdd', run: (pathAddress, owner, group) => chown(null, pathAddress, owner, group, 0) }, // chown32
      298: { args: 'dsddx', run: (dirFd, pathAddress, owner, group, flags) => chown(dirFd, pathAddress, owner, group, flags) }, // fchownat
      9: { args: 'ss', run: (from, to) => linkAt(null, from, null, to) },
      303: { args: 'dsdsx', run: (fromDir, from, toDir, to) => linkAt(fromDir, from, toDir, to) },
      36: { args: '', run: () => 0 }, // sync: our writes are the host's already
      344: { args: 'd', run: (fd) => (files.file(fd) === null ? -Errno.EBADF : 0) }, // syncfs
      331: { args: 'xx', run: (address, flags) => pipe(address, flags) },
      340: { args: 'ddxx', run: prlimit },
      353: { args: 'dsdsx', run: (fromDir, from, toDir, to, flags) => (flags === 0 ? renameAt(fromDir, from, toDir, to) : -Errno.EINVAL) },
      355: { args: 'xux', run: getrandom },
      383: { args: 'dsxxx', run: statx },
      386: { args: 'xuxx', run: () => -Errno.ENOSYS }, // rseq: glibc copes without it, as under qemu-user
      403: { args: 'dx', run: (clock, buffer) => this.clockGettime(clock, buffer, true) },
      407: { args: 'ddxx', run: (clock, flags, request) => this.sleep(clock, (flags & 1) !== 0, request, true) },
      439: { args: 'dsox', run: (dirFd, pathAddress, mode) => access(dirFd, pathAddress, mode) },
    };
    return table;
  }
}

/** The host's memory figures in bytes: /proc/meminfo on Linux (os.freemem() is MemAvailable there, not MemFree), else Node's. */
function hostMemory(): { total: number; free: number; shared: number; buffers: number; swapTotal: number; swapFree: number } {
  const figures = { total: os.totalmem(), free: os.freemem(), shared: 0, buffers: 0, swapTotal: 0, swapFree: 0 };
  try {
    const text = fs.readFileSync('/proc/meminfo', 'utf8');
    const field = (name: string): number | null => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return match === null ? null : Number(match[1]) * 1024;
    };
    figures.total = field('MemTotal') ?? figures.total;
    figures.free = field('MemFree') ?? figures.free;
    figures.shared = field('Shmem') ?? 0;
    figures.buffers = field('Buffers') ?? 0;
    figures.swapTotal = field('SwapTotal') ?? 0;
    figures.swapFree = field('SwapFree') ?? 0;
  } catch {
    // Not Linux: Node's figures.
  }
  return figures;
}

/** Linux's dev_t as glibc's 64-bit encoding (huge_encode_dev / new_encode_dev). */
function splitDevice(device: bigint): [number, number] {
  const major = Number(((device >> 8n) & 0xfffn) | ((device >> 32n) & ~0xfffn));
  const minor = Number((device & 0xffn) | ((device >> 12n) & ~0xffn));
  return [major >>> 0, minor >>> 0];
}

export function encodeDevice(device: bigint): bigint {
  const [major, minor] = splitDevice(device);
  return (BigInt(minor & 0xff) | (BigInt(major & 0xfff) << 8n) | (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n)) & 0xffff_ffff_ffff_ffffn;
}

/** A cooked terminal's termios (struct termios of asm-generic/termbits.h, 36 bytes): ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO…. */
function defaultTermios(): Uint8Array {
  const out = new DataView(new ArrayBuffer(36));
  out.setUint32(0, 0x500, true);
  out.setUint32(4, 0x5, true);
  out.setUint32(8, 0xbf, true);
  out.setUint32(12, 0x8a3b, true);
  const controlCharacters = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];
  controlCharacters.forEach((value, i) => out.setUint8(17 + i, value));
  return new Uint8Array(out.buffer);
}
