// The ARM EABI Linux system-call layer of the user-mode runner: `svc #0` with the number in r7
// and the arguments in r0-r5, the result (or -errno) in r0 (arch/arm/kernel/entry-common.S), plus
// the ARM private calls at 0x0f0000 (set_tls, cacheflush: arch/arm/kernel/traps.c). Struct
// layouts are those of the ARM EABI (asm/stat.h: struct stat64 with 8-byte aligned long longs).
// Files go through LinuxFiles, memory through UserAddressSpace, as for x86 (linux-x86.ts); this
// layer covers what single-process static programs use. Not yet: fork/exec/wait, signal
// handlers (a signal's default action is taken), and the calls the x86 layer has beyond these.

import { randomFillSync } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as os from 'node:os';
import type { ArmState } from '../cpu/arm/state.js';
import { pageUp, PROT_EXEC, PROT_READ, PROT_WRITE, type UserAddressSpace } from './address-space.js';
import { Errno, errnoOf } from './linux-errno.js';
import type { LinuxFiles, OpenRequest } from './linux-files.js';
import type { ProcessEnd } from './linux-processes.js';

/** What the system-call layer needs of the CPU. */
export interface ArmSyscallCpu {
  readonly state: ArmState;
  /** CP15 TPIDRURO, which set_tls writes and user code reads with MRC (and __kuser_get_tls). */
  readonly cp15: { tpidruro: number };
  stop(): void;
}

export interface LinuxArmOptions {
  readonly log: (line: string) => void;
  readonly strace: boolean;
  /** Page-aligned end of the loaded image: the brk heap starts here. */
  readonly brkStart: number;
}

const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_NONBLOCK = 0o4000;
/** ARM's O_DIRECTORY and O_NOFOLLOW differ from x86's (asm/fcntl.h). */
const O_DIRECTORY = 0o40000;
const O_NOFOLLOW = 0o100000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;

const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;

/** ARM EABI system-call numbers (arch/arm/tools/syscall.tbl) and the private ones. */
export const ArmSyscall = {
  exit: 1,
  read: 3,
  write: 4,
  open: 5,
  close: 6,
  lseek: 19,
  getpid: 20,
  getuid: 24,
  access: 33,
  brk: 45,
  getgid: 47,
  geteuid: 49,
  getegid: 50,
  ioctl: 54,
  getppid: 64,
  readlink: 85,
  munmap: 91,
  uname: 122,
  mprotect: 125,
  _llseek: 140,
  readv: 145,
  writev: 146,
  rt_sigaction: 174,
  rt_sigprocmask: 175,
  getcwd: 183,
  ugetrlimit: 191,
  mmap2: 192,
  fstat64: 197,
  getuid32: 199,
  getgid32: 200,
  geteuid32: 201,
  getegid32: 202,
  gettid: 224,
  exit_group: 248,
  set_tid_address: 256,
  clock_gettime: 263,
  tgkill: 268,
  openat: 322,
  set_robust_list: 338,
  prlimit64: 369,
  getrandom: 384,
  statx: 397,
  clock_gettime64: 403,
  rseq: 398,
  cacheflush: 0xf0002,
  set_tls: 0xf0005,
} as const;

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(ArmSyscall).map(([name, number]) => [number, name]));

/** A guest pointer that points at nothing: the system call returns -EFAULT. */
class BadAddress extends Error {
  override readonly name = 'BadAddress';
}

export class LinuxArm {
  /** Set when the guest exits or is killed; the CPU is stopped then. */
  end: ProcessEnd | null = null;
  brk: number;
  private readonly reportedUnknown = new Set<number>();
  readonly pid = process.pid;

  constructor(
    private readonly cpu: ArmSyscallCpu,
    readonly space: UserAddressSpace,
    readonly files: LinuxFiles,
    private readonly options: LinuxArmOptions,
  ) {
    this.brk = options.brkStart;
  }

  /** Handles the system call in the CPU's registers (after `svc #0`). */
  handle(): void {
    const r = this.cpu.state.r;
    const number = r[7] >>> 0;
    let result: number;
    try {
      result = this.call(number, r[0], r[1], r[2], r[3], r[4], r[5]);
    } catch (error) {
      if (!(error instanceof BadAddress)) throw error;
      result = -Errno.EFAULT;
    }
    if (this.options.strace) {
      const name = NAMES[number] ?? `syscall_${number}`;
      this.options.log(`${this.pid} ${name}(0x${(r[0] >>> 0).toString(16)}, 0x${(r[1] >>> 0).toString(16)}, 0x${(r[2] >>> 0).toString(16)}) = ${this.end !== null ? '?' : result}`);
    }
    if (this.end === null) r[0] = result | 0;
  }

  exit(status: number): number {
    this.end = { kind: 'exit', status: status & 0xff };
    this.cpu.stop();
    return 0;
  }

  /** Ends the process with `signal` (every signal takes its default action here). */
  kill(signal: number, reason: string): void {
    if (this.end !== null) return;
    this.end = { kind: 'signal', signal, reason };
    this.cpu.stop();
  }

  // --- guest memory ------------------------------------------------------------------------

  private check(address: number, length: number, write = false): void {
    if (!this.space.isAccessible(address >>> 0, length, write)) throw new BadAddress();
  }

  private readBytes(address: number, length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    if (length === 0) return bytes;
    this.check(address, length);
    this.space.memory.readBytes(address >>> 0, bytes);
    return bytes;
  }

  private writeBytes(address: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.check(address, bytes.length, true);
    this.space.memory.writeBytes(address >>> 0, bytes);
  }

  private read32(address: number): number {
    this.check(address, 4);
    return this.space.memory.read32(address >>> 0);
  }

  private write32(address: number, value: number): void {
    this.check(address, 4, true);
    this.space.memory.write32(address >>> 0, value >>> 0);
  }

  private readString(address: number, limit = 4096): string {
    const bytes: number[] = [];
    for (let k = 0; k < limit; k++) {
      this.check(address + k, 1);
      const byte = this.space.memory.read8((address + k) >>> 0);
      if (byte === 0) return Buffer.from(bytes).toString('utf8');
      bytes.push(byte);
    }
    throw new BadAddress();
  }

  private hostPath(pathAddress: number, dirFd: number | null = null): string | number {
    return this.files.resolve(this.readString(pathAddress), dirFd);
  }

  // --- the calls ---------------------------------------------------------------------------

  private call(number: number, a: number, b: number, c: number, d: number, e: number, f: number): number {
    switch (number) {
      case ArmSyscall.exit:
      case ArmSyscall.exit_group:
        return this.exit(a);
      case ArmSyscall.read: {
        const into = new Uint8Array(Math.min(c >>> 0, 1 << 20));
        this.check(b, into.length, true);
        const count = this.files.read(a, into);
        if (count > 0) this.writeBytes(b, into.subarray(0, count));
        return count;
      }
      case ArmSyscall.write:
        return this.files.write(a, this.readBytes(b, c >>> 0));
      case ArmSyscall.readv:
      case ArmSyscall.writev:
        return this.vectored(a, b, c, number === ArmSyscall.writev);
      case ArmSyscall.open:
        return this.open(null, a, b, c);
      case ArmSyscall.openat:
        return this.open(a, b, c, d);
      case ArmSyscall.close:
        return this.files.close(a);
      case ArmSyscall.lseek:
        return this.files.seek(a, b, c);
      case ArmSyscall._llseek: {
        const result = this.files.seek(a, Number((BigInt(b >>> 0) << 32n) | BigInt(c >>> 0)), e);
        if (result < 0) return result;
        this.write32(d, result);
        this.write32(d + 4, Math.floor(result / 2 ** 32));
        return 0;
      }
      case ArmSyscall.getpid:
      case ArmSyscall.gettid:
        return this.pid;
      case ArmSyscall.getppid:
        return process.ppid;
      case ArmSyscall.getuid:
      case ArmSyscall.getuid32:
        return process.getuid?.() ?? 0;
      case ArmSyscall.geteuid:
      case ArmSyscall.geteuid32:
        return process.geteuid?.() ?? 0;
      case ArmSyscall.getgid:
      case ArmSyscall.getgid32:
        return process.getgid?.() ?? 0;
      case ArmSyscall.getegid:
      case ArmSyscall.getegid32:
        return process.getegid?.() ?? 0;
      case ArmSyscall.access: {
        const path = this.hostPath(a);
        return typeof path === 'number' ? path : this.files.access(path, b);
      }
      case ArmSyscall.brk:
        return this.setBrk(a >>> 0);
      case ArmSyscall.mmap2:
        return this.mmap(a >>> 0, b >>> 0, c, d, e, (f >>> 0) * 4096);
      case ArmSyscall.munmap:
        if ((a & 0xfff) !== 0) return -Errno.EINVAL;
        this.space.unmap(a >>> 0, pageUp(b >>> 0));
        return 0;
      case ArmSyscall.mprotect:
        if ((a & 0xfff) !== 0) return -Errno.EINVAL;
        return this.space.protect(a >>> 0, pageUp(b >>> 0), c & (PROT_READ | PROT_WRITE | PROT_EXEC)) ? 0 : -Errno.ENOMEM;
      case ArmSyscall.ioctl:
        // TCGETS and friends: a terminal answers as one with default modes would; anything else is not a tty.
        if (this.files.file(a) === null) return -Errno.EBADF;
        if ((b >>> 0) === 0x5401 && this.files.isTerminal(a)) {
          this.writeBytes(c, new Uint8Array(60));
          return 0;
        }
        return -Errno.ENOTTY;
      case ArmSyscall.uname:
        return this.uname(a);
      case ArmSyscall.readlink: {
        if (this.readString(a) !== '/proc/self/exe') return -Errno.EINVAL;
        const target = Buffer.from(this.files.programPath);
        const length = Math.min(target.length, c >>> 0);
        this.writeBytes(b, target.subarray(0, length));
        return length;
      }
      case ArmSyscall.getcwd: {
        const cwd = Buffer.from(`${process.cwd()}\0`);
        if (cwd.length > b >>> 0) return -Errno.ERANGE;
        this.writeBytes(a, cwd);
        return cwd.length;
      }
      case ArmSyscall.rt_sigaction:
        if (c !== 0) this.writeBytes(c, new Uint8Array(20));
        return 0;
      case ArmSyscall.rt_sigprocmask:
        if (c !== 0) this.writeBytes(c, new Uint8Array(8));
        return 0;
      case ArmSyscall.tgkill:
        this.kill(c, `tgkill(${a}, ${b}, ${c})`);
        return 0;
      case ArmSyscall.ugetrlimit:
      case ArmSyscall.prlimit64:
        return this.rlimit(number === ArmSyscall.prlimit64 ? b : a, number === ArmSyscall.prlimit64 ? d : b, number === ArmSyscall.prlimit64);
      case ArmSyscall.set_tid_address:
        return this.pid;
      case ArmSyscall.set_robust_list:
      case ArmSyscall.rseq:
        return -Errno.ENOSYS;
      case ArmSyscall.clock_gettime:
      case ArmSyscall.clock_gettime64:
        return this.clockGettime(a, b, number === ArmSyscall.clock_gettime64);
      case ArmSyscall.getrandom: {
        const bytes = new Uint8Array(Math.min(b >>> 0, 1 << 20));
        randomFillSync(bytes);
        this.writeBytes(a, bytes);
        return bytes.length;
      }
      case ArmSyscall.fstat64: {
        const stats = this.files.stat(a);
        if (typeof stats === 'number') return stats;
        this.writeBytes(b, stat64Bytes(stats));
        return 0;
      }
      case ArmSyscall.statx: {
        if ((c & AT_EMPTY_PATH) === 0 || this.readString(b) !== '') return -Errno.ENOSYS;
        const stats = this.files.stat(a);
        if (typeof stats === 'number') return stats;
        this.writeBytes(e, statxBytes(stats));
        return 0;
      }
      case ArmSyscall.set_tls:
        // arch/arm/kernel/traps.c: TPIDRURO, which user code reads (MRC p15 c13 c0 3).
        this.cpu.cp15.tpidruro = a;
        return 0;
      case ArmSyscall.cacheflush:
        return 0;
      default:
        if (!this.reportedUnknown.has(number) && !this.options.strace) {
          this.reportedUnknown.add(number);
          this.options.log(`l4vm: ARM system call ${number} (${NAMES[number] ?? 'unknown'}) is not implemented; returning -ENOSYS`);
        }
        return -Errno.ENOSYS;
    }
  }

  private open(dirFd: number | null, pathAddress: number, flags: number, mode: number): number {
    const path = this.hostPath(pathAddress, dirFd === null || dirFd === AT_FDCWD ? null : dirFd);
    if (typeof path === 'number') return path;
    const access = flags & 3;
    const request: OpenRequest = {
      access: access === 0 ? 'read' : access === 1 ? 'write' : 'readwrite',
      create: (flags & O_CREAT) !== 0,
      exclusive: (flags & O_EXCL) !== 0,
      truncate: (flags & O_TRUNC) !== 0,
      append: (flags & O_APPEND) !== 0,
      nonBlocking: (flags & O_NONBLOCK) !== 0,
      directory: (flags & O_DIRECTORY) !== 0,
      noFollow: (flags & O_NOFOLLOW) !== 0,
      closeOnExec: (flags & O_CLOEXEC) !== 0,
      pathOnly: (flags & O_PATH) !== 0,
      mode,
    };
    try {
      return this.files.open(path, request);
    } catch (error) {
      return -errnoOf(error);
    }
  }

  private vectored(fd: number, iov: number, count: number, writing: boolean): number {
    let total = 0;
    for (let k = 0; k < count; k++) {
      const base = this.read32(iov + k * 8);
      const length = this.read32(iov + k * 8 + 4);
      if (length === 0) continue;
      if (writing) {
        const result = this.files.write(fd, this.readBytes(base, length));
        if (result < 0) return total > 0 ? total : result;
        total += result;
      } else {
        const into = new Uint8Array(length);
        const result = this.files.read(fd, into);
        if (result < 0) return total > 0 ? total : result;
        this.writeBytes(base, into.subarray(0, result));
        total += result;
        if (result < length) break;
      }
    }
    return total;
  }

  /** brk (mm/mmap.c): grows or shrinks the heap after the image; returns the (new) break. */
  private setBrk(requested: number): number {
    if (requested < this.options.brkStart) return this.brk;
    const mappedEnd = pageUp(this.brk);
    const newEnd = pageUp(requested);
    if (newEnd > mappedEnd) {
      if (!this.space.isFree(mappedEnd, newEnd)) return this.brk;
      if (!this.space.map('heap', mappedEnd, newEnd - mappedEnd, PROT_READ | PROT_WRITE)) return this.brk;
    } else if (newEnd < mappedEnd) this.space.unmap(newEnd, mappedEnd - newEnd);
    this.brk = requested;
    return this.brk;
  }

  private mmap(address: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    if (length === 0 || (address & 0xfff) !== 0) return -Errno.EINVAL;
    const size = pageUp(length);
    let start: number;
    if ((flags & MAP_FIXED) !== 0) {
      this.space.unmap(address, size);
      start = address;
    } else {
      const hint = address !== 0 && this.space.isFree(address, address + size) ? address : this.space.findFree(size);
      if (hint === null) return -Errno.ENOMEM;
      start = hint;
    }
    if (!this.space.map((flags & MAP_ANONYMOUS) !== 0 ? 'anonymous' : `fd ${fd}`, start, size, prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return -Errno.ENOMEM;
    if ((flags & MAP_ANONYMOUS) === 0) {
      const bytes = new Uint8Array(length);
      const read = this.files.readForMapping(fd, offset, bytes);
      if (read < 0) {
        this.space.unmap(start, size);
        return read;
      }
      this.space.memory.writeBytes(start, bytes.subarray(0, read));
    }
    return start | 0;
  }

  private uname(address: number): number {
    const out = new Uint8Array(65 * 6);
    const fields = ['Linux', os.hostname(), '6.1.0', '#1 SMP l4vm', 'armv7l', '(none)'];
    fields.forEach((text, index) => out.set(Buffer.from(text.slice(0, 64)), index * 65));
    this.writeBytes(address, out);
    return 0;
  }

  private rlimit(resource: number, address: number, wide: boolean): number {
    if (address === 0) return 0;
    const stack = resource === 3;
    const current = stack ? 8 * 1024 * 1024 : -1;
    if (wide) {
      const out = new DataView(new ArrayBuffer(16));
      out.setBigInt64(0, BigInt(current), true);
      out.setBigInt64(8, -1n, true);
      this.writeBytes(address, new Uint8Array(out.buffer));
    } else {
      this.write32(address, current);
      this.write32(address + 4, -1);
    }
    return 0;
  }

  private clockGettime(clock: number, address: number, wide: boolean): number {
    let nanoseconds: bigint;
    if (clock === 0 || clock === 5) nanoseconds = BigInt(Date.now()) * 1_000_000n;
    else if (clock === 1 || clock === 4 || clock === 6 || clock === 7) nanoseconds = process.hrtime.bigint();
    else if (clock === 2 || clock === 3) {
      const usage = process.cpuUsage();
      nanoseconds = BigInt(usage.user + usage.system) * 1000n;
    } else return -Errno.EINVAL;
    const seconds = nanoseconds / 1_000_000_000n;
    const rest = Number(nanoseconds % 1_000_000_000n);
    if (wide) {
      const out = new DataView(new ArrayBuffer(16));
      out.setBigInt64(0, seconds, true);
      out.setBigInt64(8, BigInt(rest), true);
      this.writeBytes(address, new Uint8Array(out.buffer));
    } else {
      this.write32(address, Number(seconds));
      this.write32(address + 4, rest);
    }
    return 0;
  }
}

/** struct stat64 of the ARM EABI (arch/arm/include/uapi/asm/stat.h), 104 bytes. */
export function stat64Bytes(stats: BigIntStats): Uint8Array {
  const out = new DataView(new ArrayBuffer(104));
  out.setBigUint64(0, stats.dev, true);
  out.setUint32(12, Number(stats.ino & 0xffffffffn), true);
  out.setUint32(16, Number(stats.mode), true);
  out.setUint32(20, Number(stats.nlink), true);
  out.setUint32(24, Number(stats.uid), true);
  out.setUint32(28, Number(stats.gid), true);
  out.setBigUint64(32, stats.rdev, true);
  out.setBigInt64(48, stats.size, true);
  out.setUint32(56, Number(stats.blksize), true);
  out.setBigUint64(64, stats.blocks, true);
  const times = [stats.atimeNs, stats.mtimeNs, stats.ctimeNs];
  times.forEach((ns, index) => {
    out.setUint32(72 + index * 8, Number(ns / 1_000_000_000n), true);
    out.setUint32(76 + index * 8, Number(ns % 1_000_000_000n), true);
  });
  out.setBigUint64(96, stats.ino, true);
  return new Uint8Array(out.buffer);
}

/** struct statx (include/uapi/linux/stat.h), the same on every architecture, 256 bytes. */
export function statxBytes(stats: BigIntStats): Uint8Array {
  const out = new DataView(new ArrayBuffer(256));
  out.setUint32(0, 0x7ff, true);
  out.setUint32(4, Number(stats.blksize), true);
  out.setUint32(16, Number(stats.nlink), true);
  out.setUint32(20, Number(stats.uid), true);
  out.setUint32(24, Number(stats.gid), true);
  out.setUint16(28, Number(stats.mode), true);
  out.setBigUint64(32, stats.ino, true);
  out.setBigUint64(40, stats.size, true);
  out.setBigUint64(48, stats.blocks, true);
  const times = [stats.atimeNs, stats.birthtimeNs, stats.ctimeNs, stats.mtimeNs];
  times.forEach((ns, index) => {
    out.setBigInt64(64 + index * 16, ns / 1_000_000_000n, true);
    out.setUint32(72 + index * 16, Number(ns % 1_000_000_000n), true);
  });
  out.setUint32(128, Number(stats.rdev >> 8n) & 0xfff, true);
  out.setUint32(132, Number(stats.rdev & 0xffn), true);
  out.setUint32(136, Number(stats.dev >> 8n) & 0xfff, true);
  out.setUint32(140, Number(stats.dev & 0xffn), true);
  return new Uint8Array(out.buffer);
}
