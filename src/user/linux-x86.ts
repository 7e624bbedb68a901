// The i386 half of the Linux system-call layer (the rest is linux-syscalls.ts): `int 0x80` with the
// number in EAX and the arguments in EBX, ECX, EDX, ESI, EDI, EBP; the result (or -errno) goes back
// in EAX (arch/x86/entry/entry_32.S). The common table is keyed by i386 numbers already. Here: the
// i386 signal frames (sigcontext), set_thread_area/get_thread_area on the GDT, struct stat64 of
// the i386 ABI (asm/stat.h, checked against i686-linux-gnu-gcc's offsetof).

import type { BigIntStats } from 'node:fs';
import { CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, FS, GS, SS, type X86State } from '../cpu/x86/state.js';
import type { UserAddressSpace } from './address-space.js';
import { Errno } from './linux-errno.js';
import type { LinuxFiles } from './linux-files.js';
import { encodeDevice, LinuxSyscalls, SA_RESTORER, SA_SIGINFO, type InterruptedCall, type LinuxSyscallOptions, type SignalAction, type Syscall } from './linux-syscalls.js';
import { X86_SYSCALL_NAMES } from './linux-x86-syscall-names.js';

export { SIGNAL_NAMES, SIGPIPE, SIGSEGV, type ForkRequest, type InheritedState, type ProcessControl, type ProcessEnd } from './linux-syscalls.js';

/** What the system-call layer needs of the CPU (a subset of X86Cpu). */
export interface X86SyscallCpu {
  readonly state: X86State;
  getEflags(): number;
  setEflags(value: number): void;
  loadSegment(sreg: number, selector: number): boolean;
  stop(): void;
}

/** The GDT the runner builds: qemu-user's user selectors, Linux's TLS entries (arch/x86/include/asm/segment.h). */
export const GDT_ENTRIES = 16;
export const GDT_ENTRY_TLS_MIN = 6;
export const GDT_ENTRY_TLS_ENTRIES = 3;
export const USER_CS = (4 << 3) | 3;
export const USER_DS = (5 << 3) | 3;

export interface LinuxX86Options extends LinuxSyscallOptions {
  /** Guest address of the GDT (GDT_ENTRIES descriptors) that set_thread_area fills. */
  readonly gdtBase: number;
  /** Saves the x87 state across a signal handler (the CPU's, which this layer does not see); returns what puts it back. */
  readonly saveFpu?: () => () => void;
}

export class LinuxX86 extends LinuxSyscalls<X86SyscallCpu> {
  protected readonly machine = 'i686';
  protected readonly openFlagBits = { directory: 0o200000, noFollow: 0o400000, largeFile: 0o100000 };

  constructor(
    cpu: X86SyscallCpu,
    space: UserAddressSpace,
    files: LinuxFiles,
    private readonly x86Options: LinuxX86Options,
  ) {
    super(cpu, space, files, x86Options);
  }

  protected readCall(): [number, number, number, number, number, number, number] {
    const reg = this.cpu.state.reg;
    return [reg[EAX] >>> 0, reg[EBX], reg[ECX], reg[EDX], reg[ESI], reg[EDI], reg[EBP]];
  }

  protected setResult(value: number): void {
    this.cpu.state.reg[EAX] = value;
  }

  /** EAX gets the number back and EIP goes back over `int 0x80` (2 bytes); the other registers still hold the arguments. */
  protected restartCall(call: InterruptedCall): void {
    const state = this.cpu.state;
    state.reg[EAX] = call.number;
    state.eip = (state.eip - 2) | 0;
  }

  protected renumber(calls: Record<number, Syscall>): Record<number, Syscall> {
    return calls;
  }

  protected architectureCalls(): Record<number, Syscall> {
    return {
      243: { args: 'x', run: (address) => this.setThreadArea(address) },
      244: { args: 'x', run: (address) => this.getThreadArea(address) },
    };
  }

  protected callName(number: number): string | undefined {
    return X86_SYSCALL_NAMES[number];
  }

  /** struct stat64 of i386 (asm/stat.h), 96 bytes. */
  protected writeStat64(address: number, stats: BigIntStats): void {
    const out = new DataView(new ArrayBuffer(96));
    out.setBigUint64(0, encodeDevice(stats.dev), true);
    out.setUint32(12, Number(stats.ino & 0xffffffffn), true);
    out.setUint32(16, Number(stats.mode), true);
    out.setUint32(20, Number(stats.nlink), true);
    out.setUint32(24, Number(stats.uid), true);
    out.setUint32(28, Number(stats.gid), true);
    out.setBigUint64(32, encodeDevice(stats.rdev), true);
    out.setBigInt64(44, stats.size, true);
    out.setUint32(52, Number(stats.blksize), true);
    out.setBigUint64(56, stats.blocks, true);
    out.setUint32(64, Number(stats.atimeNs / 1_000_000_000n), true);
    out.setUint32(68, Number(stats.atimeNs % 1_000_000_000n), true);
    out.setUint32(72, Number(stats.mtimeNs / 1_000_000_000n), true);
    out.setUint32(76, Number(stats.mtimeNs % 1_000_000_000n), true);
    out.setUint32(80, Number(stats.ctimeNs / 1_000_000_000n), true);
    out.setUint32(84, Number(stats.ctimeNs % 1_000_000_000n), true);
    out.setBigUint64(88, stats.ino, true);
    this.writeBytes(address, new Uint8Array(out.buffer));
  }

  /** struct sigcontext of i386 (asm/sigcontext.h), 88 bytes, at `address`. */
  private writeSigcontext(address: number, mask: bigint): void {
    const state = this.cpu.state;
    const out = new DataView(new ArrayBuffer(88));
    const selector = state.segments.selector;
    out.setUint32(0, selector[GS], true);
    out.setUint32(4, selector[FS], true);
    out.setUint32(8, selector[ES], true);
    out.setUint32(12, selector[DS], true);
    const order = [EDI, ESI, EBP, ESP, EBX, EDX, ECX, EAX];
    order.forEach((register, i) => out.setUint32(16 + i * 4, state.reg[register] >>> 0, true));
    out.setUint32(56, state.eip >>> 0, true);
    out.setUint32(60, selector[CS], true);
    out.setUint32(64, this.cpu.getEflags(), true);
    out.setUint32(68, state.reg[ESP] >>> 0, true);
    out.setUint32(72, selector[SS], true);
    out.setUint32(80, Number(mask & 0xffff_ffffn), true);
    if (this.faultInfo !== null) {
      // trapno, err and cr2, as Linux records them for a fault.
      out.setUint32(48, this.faultInfo.trap, true);
      out.setUint32(52, this.faultInfo.errorCode >>> 0, true);
      out.setUint32(84, this.faultInfo.address >>> 0, true);
    }
    this.writeBytes(address, new Uint8Array(out.buffer));
  }

  /** Loads the registers back from a sigcontext (sigreturn), keeping the flags a user may not change. */
  private readSigcontext(address: number): void {
    const bytes = this.readBytes(address, 88);
    const view = new DataView(bytes.buffer);
    const state = this.cpu.state;
    const order = [EDI, ESI, EBP, ESP, EBX, EDX, ECX, EAX];
    order.forEach((register, i) => {
      state.reg[register] = view.getUint32(16 + i * 4, true) | 0;
    });
    state.eip = view.getUint32(56, true) | 0;
    const userFlags = 0x40dd5; // AC OF DF TF SF ZF AF PF CF RF (Linux's FIX_EFLAGS)
    this.cpu.setEflags(((this.cpu.getEflags() & ~userFlags) | (view.getUint32(64, true) & userFlags)) >>> 0);
    const gs = view.getUint16(0, true);
    if (gs !== this.cpu.state.segments.selector[GS]) this.cpu.loadSegment(GS, gs);
  }

  /**
   * Builds the frame Linux's setup_frame/setup_rt_frame build for i386 (SA_SIGINFO: the rt frame
   * with siginfo and ucontext), below the stack pointer, and enters the handler. The x87 state is
   * kept by l4vm rather than in the frame (fpstate is NULL).
   */
  protected pushSignalFrame(signal: number, action: SignalAction, savedMask: bigint): void {
    const state = this.cpu.state;
    const rt = (action.flags & SA_SIGINFO) !== 0;
    const size = rt ? 4 * 4 + 128 + 116 + 8 : 4 * 2 + 88 + 4 + 8;
    let sp = (state.reg[ESP] >>> 0) - size;
    sp = ((sp + 4) & ~15) - 4;
    sp >>>= 0;
    this.check(sp, size, true);
    const retcodeAt = sp + size - 8;
    // Used only without SA_RESTORER (glibc always gives one): popl %eax; movl $119,%eax; int $0x80 / movl $173,%eax; int $0x80.
    this.writeBytes(retcodeAt, new Uint8Array(rt ? [0xb8, 0xad, 0, 0, 0, 0xcd, 0x80, 0] : [0x58, 0xb8, 0x77, 0, 0, 0, 0xcd, 0x80]));
    const returnAddress = (action.flags & SA_RESTORER) !== 0 ? action.restorer : retcodeAt;
    this.write32(sp, returnAddress);
    this.write32(sp + 4, signal);
    if (rt) {
      const info = sp + 16;
      const context = info + 128;
      this.write32(sp + 8, info);
      this.write32(sp + 12, context);
      const siginfo = new Uint8Array(128);
      const fields = new DataView(siginfo.buffer);
      fields.setInt32(0, signal, true);
      if (this.faultInfo !== null && this.faultInfo.signal === signal) {
        fields.setInt32(8, this.faultInfo.code, true); // si_code
        fields.setUint32(12, this.faultInfo.address >>> 0, true); // si_addr
      }
      this.writeBytes(info, siginfo);
      this.writeBytes(context, new Uint8Array(20)); // uc_flags, uc_link, uc_stack
      this.writeSigcontext(context + 20, savedMask);
      this.write64(context + 108, savedMask);
    } else {
      this.writeSigcontext(sp + 8, savedMask);
      this.write32(sp + 96, Number((savedMask >> 32n) & 0xffff_ffffn));
    }
    this.handlerFrames.push(this.saveFpu());
    if (this.handlerFrames.length > 64) this.handlerFrames.shift();
    state.reg[ESP] = sp | 0;
    state.eip = action.handler | 0;
    state.reg[EAX] = signal;
    state.reg[EDX] = rt ? sp + 16 : 0;
    state.reg[ECX] = rt ? sp + 16 + 128 : 0;
    this.cpu.setEflags(this.cpu.getEflags() & ~(0x100 | 0x400 | 0x10000)); // TF, DF, RF cleared
  }

  private saveFpu(): () => void {
    return this.x86Options.saveFpu?.() ?? (() => undefined);
  }

  /** sigreturn (119) and rt_sigreturn (173): back from a handler to where the signal came. */
  protected signalReturn(rt: boolean): number {
    const sp = this.cpu.state.reg[ESP] >>> 0;
    const context = rt ? sp - 4 + 16 + 128 + 20 : sp - 8 + 8;
    const mask = rt ? new DataView(this.readBytes(sp - 4 + 16 + 128 + 108, 8).buffer).getBigUint64(0, true) : BigInt(this.read32(context + 80)) | (BigInt(this.read32(sp - 8 + 96)) << 32n);
    this.readSigcontext(context);
    this.signalMask = mask & ~((1n << 8n) | (1n << 18n));
    this.handlerFrames.pop()?.();
    this.sigreturned = true;
    return this.cpu.state.reg[EAX];
  }

  // --- thread area (TLS through %gs) ----------------------------------------------------------

  /** set_thread_area(struct user_desc *): fills a TLS descriptor of the GDT (arch/x86/kernel/tls.c). */
  private setThreadArea(userDesc: number): number {
    const desc = this.readBytes(userDesc, 16);
    const view = new DataView(desc.buffer);
    let entry = view.getInt32(0, true);
    const base = view.getUint32(4, true);
    const limit = view.getUint32(8, true);
    const bits = view.getUint32(12, true);
    if (entry === -1) {
      entry = -1;
      for (let i = GDT_ENTRY_TLS_MIN; i < GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES; i++) {
        if (this.read32(this.x86Options.gdtBase + i * 8 + 4) === 0 && this.read32(this.x86Options.gdtBase + i * 8) === 0) {
          entry = i;
          break;
        }
      }
      if (entry === -1) return -Errno.ESRCH;
      this.write32(userDesc, entry);
    }
    if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return -Errno.EINVAL;
    const [low, high] = encodeUserDescriptor(base, limit, bits);
    this.write32(this.x86Options.gdtBase + entry * 8, low);
    this.write32(this.x86Options.gdtBase + entry * 8 + 4, high);
    // A selector already loaded with this entry must see the new descriptor (Linux's load_TLS).
    const selector = (entry << 3) | 3;
    const state = this.cpu.state;
    if (state.segments.selector[GS] === selector) this.cpu.loadSegment(GS, selector);
    return 0;
  }

  private getThreadArea(userDesc: number): number {
    const entry = this.read32(userDesc) | 0;
    if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return -Errno.EINVAL;
    const low = this.read32(this.x86Options.gdtBase + entry * 8);
    const high = this.read32(this.x86Options.gdtBase + entry * 8 + 4);
    const out = new DataView(new ArrayBuffer(16));
    out.setUint32(0, entry, true);
    out.setUint32(4, ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0, true);
    out.setUint32(8, ((low & 0xffff) | (high & 0xf0000)) >>> 0, true);
    const bits =
      ((high >>> 22) & 1) |
      (((high >>> 10) & 3) << 1) |
      ((((high >>> 9) & 1) ^ 1) << 3) |
      (((high >>> 23) & 1) << 4) |
      ((((high >>> 15) & 1) ^ 1) << 5) |
      (((high >>> 20) & 1) << 6);
    out.setUint32(12, high === 0 && low === 0 ? 0x28 : bits, true);
    this.writeBytes(userDesc, new Uint8Array(out.buffer));
    return 0;
  }
}

/**
 * The two descriptor words for a struct user_desc (Linux's fill_ldt, arch/x86/include/asm/desc.h);
 * an "empty" descriptor (base 0, limit 0, read_exec_only and seg_not_present set) clears the entry.
 */
export function encodeUserDescriptor(base: number, limit: number, bits: number): [number, number] {
  const seg32 = bits & 1;
  const contents = (bits >>> 1) & 3;
  const readExecOnly = (bits >>> 3) & 1;
  const limitInPages = (bits >>> 4) & 1;
  const notPresent = (bits >>> 5) & 1;
  const useable = (bits >>> 6) & 1;
  if (base === 0 && limit === 0 && contents === 0 && readExecOnly === 1 && seg32 === 0 && limitInPages === 0 && notPresent === 1 && useable === 0) return [0, 0];
  const low = (((base & 0xffff) << 16) | (limit & 0xffff)) >>> 0;
  const high =
    ((base & 0xff000000) |
      ((base & 0x00ff0000) >>> 16) |
      (limit & 0xf0000) |
      ((readExecOnly ^ 1) << 9) |
      (contents << 10) |
      ((notPresent ^ 1) << 15) |
      (seg32 << 22) |
      (limitInPages << 23) |
      (useable << 20) |
      0x7000) >>>
    0;
  return [low, high];
}

