// The guest processes of one user-mode run, independent of the guest architecture: process IDs,
// parents and children, process groups and sessions, exit statuses and wait4, signals between
// processes, and the scheduler that runs them round-robin in slices of instructions. All guest
// processes live in this one Node process; each has its own CPU, memory and descriptor table (the
// architecture's runner makes them). docs/user-mode.md, "Processes", says more.

import * as fs from 'node:fs';
import type { UserAddressSpace } from './address-space.js';
import { ElfError } from './elf.js';
import { Errno, errnoOf } from './linux-errno.js';
import type { LinuxFiles } from './linux-files.js';
import { SIGNAL_NAMES, SIGPIPE, type ForkRequest, type LinuxSyscalls, type ProcessControl } from './linux-syscalls.js';

/** How a process ended: an exit status, or a signal that killed it. */
export type ProcessEnd = { readonly kind: 'exit'; readonly status: number } | { readonly kind: 'signal'; readonly signal: number; readonly reason: string };

/** wait4 options (include/uapi/linux/wait.h). */
export const WNOHANG = 1;

/** What the scheduler needs of a process's architecture-specific body (its CPU and system calls). */
export interface ProcessBody {
  /** Set when the process exited or was killed. */
  readonly end: ProcessEnd | null;
  /** Whether it waits in a system call (BLOCKED). */
  readonly waiting: boolean;
  /** While waiting: when a timed wait (nanosleep, poll) ends, in performance.now() milliseconds, or null. */
  readonly wakeAt: number | null;
  /** While waiting: whether it waits on a host terminal or FIFO. */
  readonly waitingOnHost: boolean;
  /** Retries the waiting call; true when it finished (or the process ended). */
  retry(mayBlockHost: boolean): boolean;
  /** Runs up to `slice` instructions, until the process waits, ends or replaces its image. */
  runSlice(slice: number): void;
  /** Ends the process with `signal` when its action is the default one (returns without effect when ignored). */
  receiveSignal(signal: number, reason: string): void;
}

export class LinuxProcess {
  parent: LinuxProcess | null;
  readonly children = new Set<LinuxProcess>();
  processGroup: number;
  session: number;
  /** The exit status in wait4's encoding once the process has ended (a zombie until reaped). */
  waitStatus: number | null = null;
  /** vfork: the parent waits until this child execs or exits. */
  vforkParent: LinuxProcess | null = null;
  body: ProcessBody | null = null;

  constructor(
    readonly pid: number,
    parent: LinuxProcess | null,
    public files: LinuxFiles,
  ) {
    this.parent = parent;
    this.processGroup = parent?.processGroup ?? pid;
    this.session = parent?.session ?? pid;
  }

  get alive(): boolean {
    return this.waitStatus === null;
  }
}

/** wait4's status word (include/uapi/linux/wait.h via bits/waitstatus.h): exit code << 8, or the signal number. */
export function encodeWaitStatus(end: ProcessEnd): number {
  return end.kind === 'exit' ? (end.status & 0xff) << 8 : end.signal & 0x7f;
}

export class ProcessTable {
  private readonly processes = new Map<number, LinuxProcess>();
  /** Processes in scheduling order. */
  private readonly live: LinuxProcess[] = [];
  private nextPid: number;

  constructor(
    /** The first process's ID (l4vm's own, as before processes existed). */
    readonly firstPid: number,
    /** The first process's parent ID (l4vm's parent). */
    readonly firstParentPid: number,
  ) {
    this.nextPid = firstPid;
  }

  /** A new process (the first one, or a forked child of `parent`). */
  create(parent: LinuxProcess | null, files: LinuxFiles): LinuxProcess {
    const process = new LinuxProcess(this.nextPid++, parent, files);
    this.processes.set(process.pid, process);
    this.live.push(process);
    parent?.children.add(process);
    return process;
  }

  get(pid: number): LinuxProcess | null {
    return this.processes.get(pid) ?? null;
  }

  parentPid(process: LinuxProcess): number {
    // An orphan's parent is init (pid 1), as in Linux.
    if (process.parent !== null) return process.parent.pid;
    return process.pid === this.firstPid ? this.firstParentPid : 1;
  }

  /** Makes an ended process a zombie, closes its files, hands its children to nobody, wakes a vfork parent. */
  private finish(process: LinuxProcess, end: ProcessEnd): void {
    process.waitStatus = encodeWaitStatus(end);
    process.files.closeAll();
    for (const child of process.children) {
      child.parent = null;
      if (!child.alive) this.processes.delete(child.pid);
    }
    process.children.clear();
    process.vforkParent = null;
    const index = this.live.indexOf(process);
    if (index >= 0) this.live.splice(index, 1);
    // Nobody waits for an orphan: it is reaped at once (init would). A parent gets SIGCHLD.
    if (process.parent === null) this.processes.delete(process.pid);
    else process.parent.body?.receiveSignal(17, `child ${process.pid} ended`);
  }

  /**
   * wait4(pid, options) for `parent`: { pid, status } for a reaped child, 0 with WNOHANG when
   * none has ended, -ECHILD when no child matches, or null when the caller must wait.
   */
  wait(parent: LinuxProcess, pid: number, options: number): { pid: number; status: number } | number | null {
    let matched = false;
    for (const child of parent.children) {
      const matches = pid === -1 || (pid > 0 && child.pid === pid) || (pid === 0 && child.processGroup === parent.processGroup) || (pid < -1 && child.processGroup === -pid);
      if (!matches) continue;
      matched = true;
      if (child.waitStatus !== null) {
        parent.children.delete(child);
        this.processes.delete(child.pid);
        return { pid: child.pid, status: child.waitStatus };
      }
    }
    if (!matched) return -Errno.ECHILD;
    return (options & WNOHANG) !== 0 ? 0 : null;
  }

  /** kill(pid, signal) from `sender` (kill(2)'s pid forms: one process, the caller's group, every process, a group). */
  kill(sender: LinuxProcess, pid: number, signal: number): number {
    if (signal < 0 || signal > 64) return -Errno.EINVAL;
    const targets =
      pid > 0
        ? [this.processes.get(pid)].filter((p): p is LinuxProcess => p !== undefined)
        : [...this.processes.values()].filter((p) => (pid === 0 ? p.processGroup === sender.processGroup : pid === -1 ? p !== sender : p.processGroup === -pid));
    if (targets.length === 0) return -Errno.ESRCH;
    if (signal === 0) return 0;
    for (const target of targets) {
      if (target.alive) target.body?.receiveSignal(signal, `sent by process ${sender.pid}`);
    }
    return 0;
  }

  setProcessGroup(caller: LinuxProcess, pid: number, group: number): number {
    const target = pid === 0 ? caller : this.processes.get(pid);
    if (target === undefined || (target !== caller && target.parent !== caller)) return -Errno.ESRCH;
    if (group < 0) return -Errno.EINVAL;
    target.processGroup = group === 0 ? target.pid : group;
    return 0;
  }

  setSession(caller: LinuxProcess): number {
    if (caller.processGroup === caller.pid) return -Errno.EPERM;
    caller.session = caller.pid;
    caller.processGroup = caller.pid;
    return caller.pid;
  }

  /**
   * Runs every process until all have ended, round-robin in slices of `slice` instructions. A
   * process waiting in a system call is retried each round. When none can run: a process waiting
   * on the host (a terminal or FIFO) is let read, blocking l4vm; else l4vm sleeps until the
   * earliest timed wait; else every process waits for another and `onDeadlock` names them.
   */
  run(slice: number, onDeadlock: (pids: number[]) => void): void {
    while (this.live.length > 0) {
      let progressed = false;
      for (const process of [...this.live]) {
        const body = process.body;
        if (body === null) continue;
        if (body.end === null && body.waiting && !body.retry(false)) continue;
        if (body.end === null) {
          body.runSlice(slice);
          progressed = true;
        }
        this.reapEnded();
      }
      if (progressed) continue;
      this.reapEnded();
      const waiting = this.live.filter((p) => p.body !== null && p.body.end === null);
      const hostReader = waiting.find((p) => p.body?.waitingOnHost === true);
      if (hostReader !== undefined) {
        hostReader.body?.retry(true);
        this.reapEnded();
        continue;
      }
      let wakeAt = Infinity;
      for (const p of waiting) wakeAt = Math.min(wakeAt, p.body?.wakeAt ?? Infinity);
      if (wakeAt !== Infinity) {
        const milliseconds = Math.ceil(wakeAt - performance.now());
        if (milliseconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
        continue;
      }
      if (this.live.length > 0) {
        onDeadlock(this.live.map((p) => p.pid));
        for (const p of [...this.live]) p.body?.receiveSignal(9, 'every guest process was waiting for another (deadlock)');
        this.reapEnded();
        for (const p of [...this.live]) this.finish(p, { kind: 'signal', signal: 9, reason: 'deadlock' });
      }
    }
  }

  /** Turns processes whose body has ended into zombies. */
  private reapEnded(): void {
    for (const process of [...this.live]) {
      const end = process.body?.end ?? null;
      if (end !== null) this.finish(process, end);
    }
  }
}

/** A bug in l4vm (not the guest) while running a process, with where the guest was. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

/**
 * A guest process on some CPU: what every architecture's process does the same way — the
 * scheduler's view (ProcessBody) through its system-call layer, and the process calls that only
 * ask the ProcessTable. The architecture adds starting an image, running a slice, fork and execve.
 */
export abstract class GuestProcess implements ProcessBody, ProcessControl {
  protected linuxLayer: LinuxSyscalls | null = null;

  constructor(
    protected readonly table: ProcessTable,
    readonly process: LinuxProcess,
  ) {
    process.body = this;
  }

  get pid(): number {
    return this.process.pid;
  }

  protected get linux(): LinuxSyscalls {
    if (this.linuxLayer === null) throw new InternalError(`process ${this.pid} has no program loaded`);
    return this.linuxLayer;
  }

  abstract runSlice(slice: number): void;
  abstract fork(request: ForkRequest): number;
  abstract execve(hostPath: string, execfn: string, argv: readonly string[], envp: readonly string[]): number;

  /** A new child process sharing this one's open file descriptions (fork). */
  protected createChild(): LinuxProcess {
    return this.table.create(this.process, this.process.files.fork());
  }

  /** The end of fork once the child has its CPU and layer: its inherited state, the CLONE_*_SETTID words, vfork's tie. */
  protected finishFork(child: LinuxProcess, childLayer: LinuxSyscalls, request: ForkRequest, parentSpace: UserAddressSpace, childSpace: UserAddressSpace): number {
    childLayer.inherit(this.linux.inheritable());
    if (request.childTidAddress !== 0 && childSpace.isMapped(request.childTidAddress, 4)) childSpace.memory.write32(request.childTidAddress, child.pid);
    if (request.parentTidAddress !== 0) {
      if (parentSpace.isMapped(request.parentTidAddress, 4)) parentSpace.memory.write32(request.parentTidAddress, child.pid);
      if (childSpace.isMapped(request.parentTidAddress, 4)) childSpace.memory.write32(request.parentTidAddress, child.pid);
    }
    if (request.vfork) child.vforkParent = this.process;
    return child.pid;
  }

  /**
   * execve: checks the file (a regular file the caller may execute), loads it with `load` (an
   * ElfError — a host program, a #! script, another architecture — is ENOEXEC, and the shell then
   * runs a script itself), and only then replaces the image: the old CPU stops (`stopOld`), the
   * close-on-exec descriptors close, `start` runs the new image, the signal mask and ignored
   * signals carry over. 0, or -errno with the old image untouched.
   */
  protected replaceImage<Loaded>(hostPath: string, load: () => Loaded, start: (loaded: Loaded) => void, stopOld: () => void): number {
    try {
      const stats = fs.statSync(hostPath);
      if (!stats.isFile()) return -Errno.EACCES;
      fs.accessSync(hostPath, fs.constants.X_OK);
    } catch (error) {
      return -errnoOf(error);
    }
    let loaded: Loaded;
    try {
      loaded = load();
    } catch (error) {
      if (error instanceof ElfError) return -Errno.ENOEXEC;
      throw error;
    }
    const old = this.linux;
    const inherited = old.inheritable();
    old.replaced = true;
    stopOld();
    this.process.files.exec(fs.realpathSync(hostPath));
    start(loaded);
    this.linux.inheritAcrossExec(inherited);
    this.process.vforkParent = null;
    return 0;
  }

  // --- ProcessBody -------------------------------------------------------------------------

  get end(): ProcessEnd | null {
    return this.linux.end;
  }

  get waiting(): boolean {
    return this.linux.waiting;
  }

  get wakeAt(): number | null {
    return this.linux.waiting ? this.linux.wakeAt : null;
  }

  get waitingOnHost(): boolean {
    return this.linux.waiting && this.linux.waitingOnHost;
  }

  retry(mayBlockHost: boolean): boolean {
    return this.linux.retry(mayBlockHost);
  }

  receiveSignal(signal: number, reason: string): void {
    this.linux.receiveSignal(signal, reason);
  }

  // --- ProcessControl ----------------------------------------------------------------------

  parentPid(): number {
    return this.table.parentPid(this.process);
  }

  vforkReleased(pid: number): boolean {
    const child = this.table.get(pid);
    return child === null || child.vforkParent !== this.process || !child.alive;
  }

  wait(pid: number, options: number): { pid: number; status: number } | number | null {
    return this.table.wait(this.process, pid, options);
  }

  kill(pid: number, signal: number): number {
    return this.table.kill(this.process, pid, signal);
  }

  processGroup(pid: number): number {
    const target = pid === 0 ? this.process : this.table.get(pid);
    return target === null ? -Errno.ESRCH : target.processGroup;
  }

  setProcessGroup(pid: number, group: number): number {
    return this.table.setProcessGroup(this.process, pid, group);
  }

  session(pid: number): number {
    const target = pid === 0 ? this.process : this.table.get(pid);
    return target === null ? -Errno.ESRCH : target.session;
  }

  setSession(): number {
    return this.table.setSession(this.process);
  }
}

/**
 * Runs a user-mode program and every process it forks to the end (what runX86Program and
 * runArmProgram share): `begin` loads the program and starts the first process in the table; an
 * ElfError or an unusable working directory from it is one sentence and status 1. Returns the
 * first process's exit status, 128 + the signal that killed it, or 70 for an internal error.
 * Processes it leaves behind run to their end first, as they would outlive qemu-user.
 */
export function runUserProgram(options: { readonly log: (line: string) => void; readonly slice?: number }, begin: (table: ProcessTable) => GuestProcess): number {
  const table = new ProcessTable(process.pid, process.ppid);
  let first: GuestProcess;
  try {
    first = begin(table);
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
  try {
    table.run(options.slice ?? 100_000, (pids) => options.log(`l4vm: every guest process is waiting for another (processes ${pids.join(', ')}): a deadlock; ending them all.`));
  } catch (error) {
    options.log(`l4vm: ${error instanceof InternalError ? error.message : `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`}`);
    return 70;
  }
  const end = first.end;
  if (end === null) return 70;
  if (end.kind === 'exit') return end.status;
  // A shell reports SIGPIPE deaths silently, and `yes | head` is no error.
  if (end.signal !== SIGPIPE) options.log(`l4vm: uncaught target signal ${end.signal} (${SIGNAL_NAMES[end.signal] ?? `signal ${end.signal}`}): ${end.reason}`);
  return 128 + end.signal;
}
