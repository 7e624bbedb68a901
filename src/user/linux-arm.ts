// The ARM EABI half of the Linux system-call layer (the rest is linux-syscalls.ts): `svc #0` with
// the number in r7 and the arguments in r0-r5, the result (or -errno) in r0
// (arch/arm/kernel/entry-common.S), plus the ARM private calls at 0x0f0000 (set_tls, get_tls,
// cacheflush: arch/arm/kernel/traps.c). The common table is keyed by i386 numbers; the ARM numbers
// reach it by name (linux-arm-syscall-names.ts). What differs from i386: the calls whose 64-bit
// arguments EABI puts in an even register pair (pread64, pwrite64, truncate64, ftruncate64),
// struct stat64 (asm/stat.h: 104 bytes, 8-byte aligned long longs), four open(2) flags
// (asm/fcntl.h) and the signal frames (arch/arm/kernel/signal.c).

import type { BigIntStats } from 'node:fs';
import type { ArmState } from '../cpu/arm/state.js';
import type { UserAddressSpace } from './address-space.js';
import { ARM_SYSCALL_NAMES } from './linux-arm-syscall-names.js';
import type { LinuxFiles } from './linux-files.js';
import { encodeDevice, LinuxSyscalls, SA_RESTORER, SA_SIGINFO, type InterruptedCall, type LinuxSyscallOptions, type SignalAction, type Syscall } from './linux-syscalls.js';
import { X86_SYSCALL_NAMES } from './linux-x86-syscall-names.js';

/** What the system-call layer needs of the CPU. */
export interface ArmSyscallCpu {
  readonly state: ArmState;
  /** CP15 TPIDRURO, which set_tls writes and user code reads with MRC (and __kuser_get_tls). */
  readonly cp15: { tpidruro: number };
  /** The VFP/Advanced SIMD registers (D0-D31 as words) and FPSCR, which signal frames save. */
  readonly vfp: { readonly words: Int32Array; fpscr: number; fpexc: number };
  stop(): void;
}

/** ARM EABI system-call numbers used by name elsewhere (arch/arm/tools/syscall.tbl) and the private ones. */
export const ArmSyscall = {
  sigreturn: 119,
  rt_sigreturn: 173,
  cacheflush: 0xf0002,
  set_tls: 0xf0005,
  get_tls: 0xf0006,
} as const;

/** i386 numbers by name, to find a call of the common table from its ARM number. */
const I386_NUMBERS: ReadonlyMap<string, number> = new Map(Object.entries(X86_SYSCALL_NAMES).map(([number, name]) => [name, Number(number)]));

/** The common table in ARM numbering: every ARM call whose i386 namesake the common layer implements. */
function armNumbering(calls: Record<number, Syscall>): Record<number, Syscall> {
  const table: Record<number, Syscall> = {};
  for (const [number, name] of Object.entries(ARM_SYSCALL_NAMES)) {
    const i386 = I386_NUMBERS.get(name);
    const call = i386 === undefined ? undefined : calls[i386];
    if (call !== undefined) table[Number(number)] = call;
  }
  return table;
}

const CPSR_USER_BITS = 0xf80f_0000 | 0x0600_0000 | 0xfc00 | 0x200 | 0x20; // N Z C V Q, GE, IT, E, T
/** struct vfp_sigframe (arch/arm/include/asm/ucontext.h): magic, size, 32 doubles, FPSCR, FPEXC/FPINST/FPINST2. */
const VFP_MAGIC = 0x5646_5001;
const VFP_STORAGE_SIZE = 288;
/** struct ucontext of ARM: uc_flags, uc_link, uc_stack (12), uc_mcontext (sigcontext, 84), uc_sigmask (8), 30 unused ints, uc_regspace (512, 8-aligned). */
const UC_MCONTEXT = 20;
const UC_SIGMASK = 104;
const UC_REGSPACE = 232;
const UCONTEXT_SIZE = 744;
/** struct sigframe: the ucontext and two words of return code; struct rt_sigframe: siginfo (128) first. */
const SIGFRAME_SIZE = UCONTEXT_SIZE + 8;
const RT_SIGFRAME_SIZE = 128 + SIGFRAME_SIZE;

export class LinuxArm extends LinuxSyscalls<ArmSyscallCpu> {
  protected readonly machine = 'armv7l';
  /** asm/fcntl.h of ARM: O_DIRECTORY 040000, O_NOFOLLOW 0100000, O_LARGEFILE 0400000 (i386: 0200000, 0400000, 0100000). */
  protected readonly openFlagBits = { directory: 0o40000, noFollow: 0o100000, largeFile: 0o400000 };

  constructor(cpu: ArmSyscallCpu, space: UserAddressSpace, files: LinuxFiles, options: LinuxSyscallOptions) {
    super(cpu, space, files, options);
  }

  protected readCall(): [number, number, number, number, number, number, number] {
    const r = this.cpu.state.r;
    return [r[7] >>> 0, r[0], r[1], r[2], r[3], r[4], r[5]];
  }

  protected setResult(value: number): void {
    this.cpu.state.r[0] = value;
  }

  /** r0 gets its argument back (Linux's ARM_ORIG_r0) and the PC goes back over the SVC (4 bytes, 2 in Thumb). */
  protected restartCall(call: InterruptedCall): void {
    const state = this.cpu.state;
    state.r[0] = call.args[0] | 0;
    state.r[15] = (state.r[15] - (state.t !== 0 ? 2 : 4)) | 0;
  }

  protected renumber(calls: Record<number, Syscall>): Record<number, Syscall> {
    return armNumbering(calls);
  }

  protected architectureCalls(): Record<number, Syscall> {
    const i386 = (name: string): Syscall => {
      const number = I386_NUMBERS.get(name);
      const call = number === undefined ? undefined : this.commonCall(number);
      if (call === undefined) throw new Error(`the common system-call table has no ${name}`);
      return call;
    };
    const pread = i386('pread64');
    const pwrite = i386('pwrite64');
    const ftruncate = i386('ftruncate64');
    return {
      // EABI passes a 64-bit argument in an even register pair: r3 is padding here.
      180: { args: 'dxuxxx', run: (fd, buffer, count, _pad, low, high) => pread.run(fd, buffer, count, low, high, 0) },
      181: { args: 'dxuxxx', run: (fd, buffer, count, _pad, low, high) => pwrite.run(fd, buffer, count, low, high, 0) },
      194: { args: 'dxxx', run: (fd, _pad, low, high) => ftruncate.run(fd, low, high, 0, 0, 0) },
      270: { args: 'ddxxxx', run: () => 0 }, // arm_fadvise64_64: advice only
      341: { args: 'ddxxxx', run: () => 0 }, // arm_sync_file_range: our writes are the host's already
      // arch/arm/kernel/traps.c: TPIDRURO, which user code reads (MRC p15 c13 c0 3).
      [ArmSyscall.set_tls]: {
        args: 'x',
        run: (value) => {
          this.cpu.cp15.tpidruro = value;
          return 0;
        },
      },
      [ArmSyscall.get_tls]: { args: '', run: () => this.cpu.cp15.tpidruro },
      [ArmSyscall.cacheflush]: { args: 'xxx', run: () => 0 }, // the core sees every write to code itself
    };
  }

  protected callName(number: number): string | undefined {
    return ARM_SYSCALL_NAMES[number];
  }

  protected writeStat64(address: number, stats: BigIntStats): void {
    this.writeBytes(address, stat64Bytes(stats));
  }

  // --- signal frames (arch/arm/kernel/signal.c) ----------------------------------------------

  /** struct sigcontext (asm/sigcontext.h): trap_no, error_code, oldmask, r0-r15, cpsr, fault_address. */
  private sigcontextBytes(mask: bigint): Uint8Array {
    const state = this.cpu.state;
    const out = new DataView(new ArrayBuffer(84));
    if (this.faultInfo !== null) {
      out.setUint32(0, this.faultInfo.trap, true);
      out.setUint32(4, this.faultInfo.errorCode >>> 0, true);
      out.setUint32(80, this.faultInfo.address >>> 0, true);
    }
    out.setUint32(8, Number(mask & 0xffff_ffffn), true);
    for (let i = 0; i < 16; i++) out.setUint32(12 + i * 4, state.r[i] >>> 0, true);
    out.setUint32(76, state.getCpsr(), true);
    return new Uint8Array(out.buffer);
  }

  /** struct vfp_sigframe, then a zero word ending uc_regspace's list. */
  private vfpFrameBytes(): Uint8Array {
    const vfp = this.cpu.vfp;
    const out = new DataView(new ArrayBuffer(VFP_STORAGE_SIZE + 4));
    out.setUint32(0, VFP_MAGIC, true);
    out.setUint32(4, VFP_STORAGE_SIZE, true);
    for (let i = 0; i < 64; i++) out.setUint32(8 + i * 4, vfp.words[i] >>> 0, true);
    out.setUint32(264, vfp.fpscr >>> 0, true);
    out.setUint32(272, vfp.fpexc >>> 0, true);
    return new Uint8Array(out.buffer);
  }

  /**
   * Linux's setup_frame/setup_rt_frame: the frame 8-aligned below SP; r0 = the signal (and with
   * SA_SIGINFO r1 = &siginfo, r2 = &ucontext), LR = sa_restorer (glibc always gives one) or the
   * return code in the frame, PC = the handler with its Thumb bit in CPSR.T; N Z C V Q, IT and E
   * cleared (setup_return).
   */
  protected pushSignalFrame(signal: number, action: SignalAction, savedMask: bigint): void {
    const state = this.cpu.state;
    const rt = (action.flags & SA_SIGINFO) !== 0;
    const size = rt ? RT_SIGFRAME_SIZE : SIGFRAME_SIZE;
    const frame = ((state.r[13] >>> 0) - size) & ~7;
    this.check(frame >>> 0, size, true);
    const context = (frame + (rt ? 128 : 0)) >>> 0;
    const retcode = context + UCONTEXT_SIZE;
    if (rt) {
      const siginfo = new DataView(new ArrayBuffer(128));
      siginfo.setInt32(0, signal, true);
      if (this.faultInfo !== null && this.faultInfo.signal === signal) {
        siginfo.setInt32(8, this.faultInfo.code, true);
        siginfo.setUint32(12, this.faultInfo.address >>> 0, true);
      }
      this.writeBytes(frame >>> 0, new Uint8Array(siginfo.buffer));
    }
    this.writeBytes(context, new Uint8Array(UCONTEXT_SIZE));
    this.writeBytes(context + UC_MCONTEXT, this.sigcontextBytes(savedMask));
    this.write64(context + UC_SIGMASK, savedMask);
    this.writeBytes(context + UC_REGSPACE, this.vfpFrameBytes());
    // mov r7, #119 (or #173); svc #0: used only without SA_RESTORER.
    this.write32(retcode, rt ? 0xe3a0_70ad : 0xe3a0_7077);
    this.write32(retcode + 4, 0xef00_0000);
    this.handlerFrames.push(() => undefined);
    if (this.handlerFrames.length > 64) this.handlerFrames.shift();
    const r = state.r;
    r[0] = signal;
    if (rt) {
      r[1] = frame;
      r[2] = context;
    }
    r[13] = frame;
    r[14] = (action.flags & SA_RESTORER) !== 0 ? action.restorer : retcode;
    state.setCpsr(state.getCpsr() & ~(0xff00_0000 | 0x0600_fc00 | 0x200 | 0x20));
    state.t = action.handler & 1;
    r[15] = action.handler & ~1;
  }

  /** sigreturn/rt_sigreturn: the frame is at SP; registers, CPSR's user bits, the mask and the VFP state come back. */
  protected signalReturn(rt: boolean): number {
    const state = this.cpu.state;
    const frame = state.r[13] >>> 0;
    const context = frame + (rt ? 128 : 0);
    const saved = new DataView(this.readBytes(context + UC_MCONTEXT, 84).buffer);
    const mask = new DataView(this.readBytes(context + UC_SIGMASK, 8).buffer).getBigUint64(0, true);
    const vfp = new DataView(this.readBytes(context + UC_REGSPACE, VFP_STORAGE_SIZE).buffer);
    for (let i = 0; i < 16; i++) state.r[i] = saved.getUint32(12 + i * 4, true) | 0;
    const cpsr = saved.getUint32(76, true);
    state.setCpsr(((state.getCpsr() & ~CPSR_USER_BITS) | (cpsr & CPSR_USER_BITS)) >>> 0);
    state.r[15] &= state.t !== 0 ? ~1 : ~3;
    if (vfp.getUint32(0, true) === VFP_MAGIC && vfp.getUint32(4, true) === VFP_STORAGE_SIZE) {
      for (let i = 0; i < 64; i++) this.cpu.vfp.words[i] = vfp.getUint32(8 + i * 4, true) | 0;
      this.cpu.vfp.fpscr = vfp.getUint32(264, true);
    }
    this.signalMask = mask & ~((1n << 8n) | (1n << 18n));
    this.handlerFrames.pop()?.();
    this.sigreturned = true;
    return state.r[0];
  }
}

/** struct stat64 of the ARM EABI (arch/arm/include/uapi/asm/stat.h), 104 bytes. */
export function stat64Bytes(stats: BigIntStats): Uint8Array {
  const out = new DataView(new ArrayBuffer(104));
  out.setBigUint64(0, encodeDevice(stats.dev), true);
  out.setUint32(12, Number(stats.ino & 0xffffffffn), true);
  out.setUint32(16, Number(stats.mode), true);
  out.setUint32(20, Number(stats.nlink), true);
  out.setUint32(24, Number(stats.uid), true);
  out.setUint32(28, Number(stats.gid), true);
  out.setBigUint64(32, encodeDevice(stats.rdev), true);
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
