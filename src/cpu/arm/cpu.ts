// An ARMv7-A core (Cortex-A15 class, ARM ARM DDI 0406C): the A32 instruction set, the processor
// modes and exceptions, a software TLB over a flat physical mapping (the MMU session slots its
// table walk into `translate`), a decoded-instruction cache per physical page, and the
// coprocessor interface (CP15 in coprocessor.ts). Thumb state (T16 and T32, decode-thumb.ts) runs
// through the same executor: its records use the same kinds and slots.
//
// While an instruction runs, r[15] holds its address + 8 (+ 4 in Thumb state: what the
// instruction reads as PC) and
// `nextPc` the address to continue at; a write to the PC sets `nextPc`. Between instructions
// r[15] is the address of the next instruction. A guest fault inside an instruction is the
// pre-allocated FAULT signal, thrown before the instruction changes any register, caught once
// per run() and turned into the exception.

import type { IrqSink } from '../../hw/irq.js';
import type { PhysicalMemory } from '../../hw/memory.js';
import { type Coprocessor, DebugCoprocessor, Sctlr, SystemControl } from './coprocessor.js';
import { decodeA32, DecodedInstruction, Kind, Shift } from './decode.js';
import { decodeThumb, DP_ORN, isThumb32 } from './decode-thumb.js';
import { disassembleA32 } from './disasm.js';
import { Access, FSR_LPAE, longFormatStatus, Mmu } from './mmu.js';
import { NeonUnit } from './neon.js';
import { VfpUnit } from './vfp.js';
import { disassembleThumb } from './disasm-thumb.js';
import { ArmState, bankOf, Mode, Psr } from './state.js';

/** Exception kinds; the value times 4 is the vector offset (ARM ARM B1.8.1, table B1-3). */
export const ArmException = {
  RESET: 0,
  UNDEFINED: 1,
  SVC: 2,
  PREFETCH_ABORT: 3,
  DATA_ABORT: 4,
  IRQ: 6,
  FIQ: 7,
} as const;

/** Fault status codes (short-descriptor format, B3.13.3). */
export const FaultStatus = {
  ALIGNMENT: 0x01,
  DEBUG: 0x02,
  TRANSLATION_SECTION: 0x05,
  EXTERNAL: 0x08,
} as const;

export { Access };

/** The core's interrupt inputs as lines of `ArmCpu.interruptInputs` (an IrqSink for hw/irq.ts IrqLine). */
export const ARM_IRQ_INPUT = 0;
export const ARM_FIQ_INPUT = 1;

class ArmFault {
  exception = 0;
  address = 0;
  status = 0;
  write = false;
}

/** Thrown inside an instruction for a guest exception; never escapes run()/step(). */
const FAULT = new ArmFault();

export interface ArmCpuOptions {
  log?: (line: string) => void;
  /** SCTLR.V at reset: vectors (and the reset address) at 0xffff0000. */
  highVectors?: boolean;
}

const TLB_SIZE = 1024;
const PAGE_SHIFT = 12;
const MAX_CODE_PAGES = 1024;
/**
 * A code page's records: one per word for A32 (slots 0-1023), then one per halfword for Thumb
 * (THUMB_SLOTS + halfword index), so both states share the page's invalidation.
 */
const THUMB_SLOTS = 1024;
const CODE_PAGE_SLOTS = THUMB_SLOTS + 2048;
const TWO_32 = 4294967296;

/** One set of software-TLB entries: virtual page → RAM bytes, direct-mapped, separate read and write tags. */
class TlbSet {
  readonly readTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly writeTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly physicalPage = new Int32Array(TLB_SIZE).fill(-1);
  readonly offset = new Int32Array(TLB_SIZE);
  readonly bytes: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(new Uint8Array(0));
  /**
   * Instruction fetch: virtual page → what setFetchPage found (the walk's physical page, the page's
   * decoded-instruction records, its bytes), so that a branch to another page costs no walk.
   */
  readonly execTag = new Int32Array(TLB_SIZE).fill(-1);
  readonly execPhysicalPage = new Int32Array(TLB_SIZE);
  readonly execOffset = new Int32Array(TLB_SIZE);
  readonly execBytes: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(new Uint8Array(0));
  readonly execRecords: (DecodedInstruction | undefined)[][] = new Array<(DecodedInstruction | undefined)[]>(TLB_SIZE).fill([]);

  clear(): void {
    this.readTag.fill(-1);
    this.writeTag.fill(-1);
    this.physicalPage.fill(-1);
    this.execTag.fill(-1);
  }

  /** Stores to a page with decoded code must take the slow path (which drops the code). */
  forgetWrites(physicalPage: number): void {
    for (let k = 0; k < TLB_SIZE; k++) if (this.physicalPage[k] === physicalPage) this.writeTag[k] = -1;
  }
}

function swap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

function popCount16(v: number): number {
  v = v - ((v >>> 1) & 0x5555);
  v = (v & 0x3333) + ((v >>> 2) & 0x3333);
  v = (v + (v >>> 4)) & 0x0f0f;
  return (v + (v >>> 8)) & 0x1f;
}

function signedSaturate(value: number, bits: number): number {
  const max = 2 ** (bits - 1) - 1;
  const min = -(2 ** (bits - 1));
  return value > max ? max : value < min ? min : value;
}

function unsignedSaturate(value: number, bits: number): number {
  const max = 2 ** bits - 1;
  return value > max ? max : value < 0 ? 0 : value;
}

export class ArmCpu {
  readonly state = new ArmState();
  readonly cp15 = new SystemControl();
  /** VFPv3-D32/VFPv4 (CP10/CP11) and the register file Advanced SIMD shares (vfp.ts, neon.ts). */
  readonly vfp: VfpUnit = new VfpUnit(this);
  readonly neon: NeonUnit = new NeonUnit(this.vfp, this);
  /** Coprocessors by number; CP15 is installed, the rest are absent (UNDEFINED) until a session adds them. */
  readonly coprocessors: (Coprocessor | null)[] = new Array<Coprocessor | null>(16).fill(null);
  /** Instructions executed (and exceptions taken by a faulting instruction) since construction. */
  instructions = 0;
  /** Waiting in WFI/WFE for an interrupt or event. */
  halted = false;
  /**
   * Called for SVC instead of taking the exception (user-mode runners, like qemu-arm): gets the
   * immediate; r[15] is already the address after the SVC. Return false to take the exception.
   */
  svcHook: ((immediate: number) => boolean) | null = null;
  /**
   * Called before taking an undefined-instruction, prefetch-abort or data-abort exception (and
   * BKPT, as a prefetch abort with the debug status): return true when handled (a user-mode runner
   * delivers a signal). `address` is the faulting instruction, `faultAddress` the data address.
   */
  exceptionHook: ((exception: number, address: number, faultAddress: number) => boolean) | null = null;

  /**
   * HVC and SMC (the Virtualization and Security Extensions, which this core does not model):
   * a machine that answers them itself (PSCI on the virt board) sets this; it gets the kind and
   * the immediate, with r[15] the address after the instruction, and returns true when handled.
   * Without a hook, or when it returns false, they are UNDEFINED.
   */
  callHook: ((kind: 'hvc' | 'smc', immediate: number) => boolean) | null = null;

  private readonly log: (line: string) => void;
  private readonly loggedAddresses = new Set<number>();
  private stopRequested = false;
  private irqLevel = false;
  private fiqLevel = false;
  private eventRegister = false;
  /** The local exclusive monitor (A3.4.1): the tagged address, or -1 when open. */
  private exclusiveAddress = -1;
  private exclusiveSize = 0;
  /** The address of the instruction being executed. */
  private instructionAddress = 0;
  private nextPc = 0;
  /** ITSTATE before the current Thumb instruction (it is advanced before execution; a fault restores it). */
  private itBefore = 0;
  /** A 32-bit Thumb instruction across a page boundary: decoded each time, never cached. */
  private readonly straddling = new DecodedInstruction();
  private shifterCarry = 0;
  /** 64-bit results: low and high words. */
  private resultLow = 0;
  private resultHigh = 0;
  private readonly transfer = new Int32Array(2);
  private readonly loaded = new Int32Array(16);

  // Software TLB: virtual page → RAM bytes, direct-mapped, separate read and write tags.
  // Two sets, one for privileged and one for user accesses (an entry says what the walk allowed
  // at one privilege); the fields below point at the current set, swapped at every change of
  // privilege (ArmState.onPrivilegeChange) and around LDRT/STRT-style unprivileged accesses.
  private readonly privilegedTlb = new TlbSet();
  private readonly userTlb = new TlbSet();
  private tlbReadTag = this.privilegedTlb.readTag;
  private tlbWriteTag = this.privilegedTlb.writeTag;
  private tlbPhysicalPage = this.privilegedTlb.physicalPage;
  private tlbOffset = this.privilegedTlb.offset;
  private tlbBytes = this.privilegedTlb.bytes;
  /** The user set is selected for an unprivileged access (LDRT...) from a privileged mode. */
  private unprivilegedAccess = false;
  /** The VMSAv7 table walk (mmu.ts), used by translate(). */
  readonly mmu: Mmu;

  // Decoded-instruction cache: per physical page, one record per word.
  private readonly codePages = new Map<number, (DecodedInstruction | undefined)[]>();
  private fetchVirtualPage = -1;
  private fetchPhysicalPage = -1;
  private fetchRecords: (DecodedInstruction | undefined)[] = [];
  private fetchBytes: Uint8Array = new Uint8Array(0);
  private fetchOffset = 0;
  /** The fetch page is not all inside one RAM/ROM region: words come through PhysicalMemory. */
  private fetchPartial = false;
  private readonly scratch = new DecodedInstruction();

  constructor(
    readonly memory: PhysicalMemory,
    options: ArmCpuOptions = {},
  ) {
    this.log = options.log ?? ((line: string) => console.error(line));
    this.mmu = new Mmu(memory, this.cp15);
    this.coprocessors[14] = new DebugCoprocessor();
    this.coprocessors[15] = this.cp15;
    this.coprocessors[10] = this.coprocessors[11] = this.vfp;
    this.cp15.onSystemControlChange = () => this.flushTlb();
    this.cp15.onTranslationChange = () => this.flushTlb();
    this.cp15.addressTranslation = (address, write, user) => this.translateToPar(address, write, user);
    this.cp15.interruptStatus = () => (this.irqLevel ? 0x80 : 0) | (this.fiqLevel ? 0x40 : 0);
    this.state.onPrivilegeChange = (user) => this.selectTlb(user);
    memory.watchWrites((address, length) => this.wroteMemory(address, length));
    this.reset(options.highVectors ?? false);
  }

  /** Reset (B1.8.2): SVC mode, IRQ/FIQ/async aborts masked, ARM state, PC at the reset vector. */
  reset(highVectors = (this.cp15.sctlr & Sctlr.V) !== 0): void {
    this.state.reset();
    this.cp15.reset(highVectors);
    this.vfp.reset();
    this.halted = false;
    this.eventRegister = false;
    this.exclusiveAddress = -1;
    this.state.r[15] = highVectors ? 0xffff0000 | 0 : 0;
    this.unprivilegedAccess = false;
    this.selectTlb(false);
    this.flushCaches();
  }

  /** Makes run() return after the current instruction. */
  stop(): void {
    this.stopRequested = true;
  }

  /** The IRQ (line 0) and FIQ (line 1) inputs as an IrqSink, for an interrupt controller's IrqLine. */
  readonly interruptInputs: IrqSink = {
    setIrq: (line: number, level: boolean): void => {
      if (line === ARM_FIQ_INPUT) this.setFiq(level);
      else this.setIrq(level);
    },
  };

  /** The IRQ input (level-sensitive). */
  setIrq(level: boolean): void {
    this.irqLevel = level;
    if (level) this.halted = false;
  }

  setFiq(level: boolean): void {
    this.fiqLevel = level;
    if (level) this.halted = false;
  }

  /** Forgets every TLB entry (SCTLR changes; the MMU session: TTBR/TLB maintenance). */
  flushTlb(): void {
    this.privilegedTlb.clear();
    this.userTlb.clear();
    this.fetchVirtualPage = -1;
  }

  /** Forgets the TLB and all decoded instructions (code written straight into a region's bytes). */
  flushCaches(): void {
    this.flushTlb();
    this.codePages.clear();
    this.fetchPhysicalPage = -1;
  }

  /**
   * A write to RAM (from this core's slow path, as code pages have no TLB write entries, or from
   * outside): forgets the decoded instructions of the words written, so the next fetch decodes
   * the new bytes. Only those words: data next to code (literal pools, variables in the same
   * page) then costs a slow-path store, not a page of decoding.
   */
  private wroteMemory(address: number, length: number): void {
    if (this.codePages.size === 0) return;
    const end = address + length;
    for (let page = address >>> PAGE_SHIFT; page <= (end - 1) >>> PAGE_SHIFT; page++) {
      const records = this.codePages.get(page);
      if (records === undefined) continue;
      if (length >= 0x1000) {
        this.dropCode(page);
        continue;
      }
      const pageStart = page * 0x1000;
      const first = Math.max(address, pageStart) - pageStart;
      const last = Math.min(end, pageStart + 0x1000) - 1 - pageStart;
      for (let slot = first >>> 2; slot <= last >>> 2; slot++) records[slot] = undefined;
      // Thumb: the halfwords written and the one before (a 32-bit instruction that ends in them).
      for (let slot = first === 0 ? 0 : (first >>> 1) - 1; slot <= last >>> 1; slot++) records[THUMB_SLOTS + slot] = undefined;
    }
  }

  private dropCode(physicalPage: number): void {
    if (!this.codePages.delete(physicalPage)) return;
    // The fetch caches may hold the page's records.
    this.privilegedTlb.execTag.fill(-1);
    this.userTlb.execTag.fill(-1);
    if (physicalPage === this.fetchPhysicalPage) {
      this.fetchVirtualPage = -1;
      this.fetchPhysicalPage = -1;
    }
  }

  private logOnce(address: number, message: string): void {
    if (this.loggedAddresses.has(address) || this.loggedAddresses.size > 1000) return;
    this.loggedAddresses.add(address);
    this.log(message);
  }

  get privileged(): boolean {
    return this.state.mode !== Mode.USR;
  }

  // ---------------------------------------------------------------- memory

  /**
   * Virtual to physical (the MMU session replaces the body with the table walk, raising
   * translation/permission faults through `raiseAbort`). MMU off: the flat mapping (B3.2.1).
   */
  protected translate(address: number, access: number, user: boolean): number {
    const physical = this.mmu.translate(address, access, user);
    if (physical < 0) this.raiseAbort(access === Access.EXECUTE ? ArmException.PREFETCH_ABORT : ArmException.DATA_ABORT, address, this.mmu.fault.status, access === Access.WRITE);
    return physical;
  }

  /** Selects the TLB set of user (true) or privileged accesses. */
  private selectTlb(user: boolean): void {
    const set = user ? this.userTlb : this.privilegedTlb;
    this.tlbReadTag = set.readTag;
    this.tlbWriteTag = set.writeTag;
    this.tlbPhysicalPage = set.physicalPage;
    this.tlbOffset = set.offset;
    this.tlbBytes = set.bytes;
    this.fetchVirtualPage = -1;
  }

  /** Before an LDRT/STRT-style access: from a privileged mode, accesses check user permissions until endUnprivileged(). */
  private beginUnprivileged(): void {
    if (this.state.mode === Mode.USR) return;
    this.unprivilegedAccess = true;
    this.selectTlb(true);
  }

  private endUnprivileged(): void {
    if (!this.unprivilegedAccess) return;
    this.unprivilegedAccess = false;
    this.selectTlb(false);
  }

  /** ATS1C**: the walk's result in PAR (B4.1.112), in the format TTBCR.EAE selects. */
  private translateToPar(address: number, write: boolean, user: boolean): void {
    const cp15 = this.cp15;
    const mmu = this.mmu;
    const physical = mmu.translate(address, write ? Access.WRITE : Access.READ, user);
    if (mmu.longDescriptors) {
      if (physical < 0) {
        cp15.parLow = 1 | ((mmu.fault.status & 0x3f) << 1) | (1 << 11);
        cp15.parHigh = 0;
      } else {
        // PA, LPAE format, NS (no Security Extensions: everything is non-secure, as QEMU reports), SH; the MAIR attribute in 63:56.
        cp15.parLow = ((physical & 0xfffff000) | (1 << 11) | (1 << 9) | (mmu.attributes.shareability << 7)) >>> 0;
        cp15.parHigh = (mmu.attributes.attribute << 24) >>> 0;
      }
    } else if (physical < 0) {
      const status = mmu.fault.status;
      cp15.parLow = 1 | ((status & 0xf) << 1) | (((status >>> 10) & 1) << 5);
      cp15.parHigh = 0;
    } else {
      cp15.parLow = ((physical & 0xfffff000) | (1 << 9)) >>> 0;
      cp15.parHigh = 0;
    }
  }

  protected raiseAbort(exception: number, address: number, status: number, write: boolean): never {
    FAULT.exception = exception;
    FAULT.address = address >>> 0;
    FAULT.status = status;
    FAULT.write = write;
    throw FAULT;
  }

  private raiseUndefined(): never {
    FAULT.exception = ArmException.UNDEFINED;
    FAULT.address = this.instructionAddress;
    throw FAULT;
  }

  /** The alignment fault of a misaligned access (public for the VFP/Advanced SIMD loads and stores). */
  alignmentFault(address: number, write: boolean): never {
    return this.raiseAbort(ArmException.DATA_ABORT, address, FaultStatus.ALIGNMENT, write);
  }

  /** Fills the TLB entry of `address` when it is RAM; returns the physical address. */
  private fill(address: number, write: boolean): number {
    const physical = this.translate(address, write ? Access.WRITE : Access.READ, this.unprivilegedAccess || this.state.mode === Mode.USR);
    const ram = this.memory.ramAt(physical);
    if (ram !== null && (ram.offset & 0xfff) === (physical & 0xfff) && ram.offset + (0x1000 - (physical & 0xfff)) <= ram.region.size) {
      const index = (address >>> PAGE_SHIFT) & (TLB_SIZE - 1);
      const physicalPage = physical >>> PAGE_SHIFT;
      if (this.tlbPhysicalPage[index] !== physicalPage) {
        this.tlbReadTag[index] = -1;
        this.tlbWriteTag[index] = -1;
      }
      this.tlbBytes[index] = ram.bytes;
      this.tlbOffset[index] = ram.offset - (physical & 0xfff);
      this.tlbPhysicalPage[index] = physicalPage;
      this.tlbReadTag[index] = address >>> PAGE_SHIFT;
      if (write && ram.writable && !this.codePages.has(physicalPage)) this.tlbWriteTag[index] = address >>> PAGE_SHIFT;
    }
    return physical;
  }

  /** Reads 8 bits (unsigned). */
  read8(address: number): number {
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    if (this.tlbReadTag[index] === page) return this.tlbBytes[index][this.tlbOffset[index] + (address & 0xfff)];
    return this.memory.read8(this.fill(address, false));
  }

  /** Reads 16 bits (unsigned), unaligned allowed. */
  read16(address: number): number {
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    let value: number;
    if (this.tlbReadTag[index] === page && (address & 0xfff) <= 0xffe) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (address & 0xfff);
      value = bytes[offset] | (bytes[offset + 1] << 8);
    } else if ((address & 0xfff) === 0xfff) {
      value = this.read8(address) | (this.read8(address + 1) << 8);
    } else {
      value = this.memory.read16(this.fill(address, false));
    }
    return this.state.e ? swap16(value) : value;
  }

  /** Reads 32 bits (as a signed int32), unaligned allowed. */
  read32(address: number): number {
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    let value: number;
    if (this.tlbReadTag[index] === page && (address & 0xfff) <= 0xffc) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (address & 0xfff);
      value = bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
    } else if ((address & 0xfff) > 0xffc) {
      value = this.read8(address) | (this.read8(address + 1) << 8) | (this.read8(address + 2) << 16) | (this.read8(address + 3) << 24);
    } else {
      value = this.memory.read32(this.fill(address, false)) | 0;
    }
    return this.state.e ? swap32(value) : value;
  }

  write8(address: number, value: number): void {
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    if (this.tlbWriteTag[index] === page) {
      this.tlbBytes[index][this.tlbOffset[index] + (address & 0xfff)] = value;
      return;
    }
    this.memory.write8(this.fill(address, true), value & 0xff);
  }

  write16(address: number, value: number): void {
    if (this.state.e) value = swap16(value);
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    if (this.tlbWriteTag[index] === page && (address & 0xfff) <= 0xffe) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (address & 0xfff);
      bytes[offset] = value;
      bytes[offset + 1] = value >>> 8;
      return;
    }
    if ((address & 0xfff) === 0xfff || (address & 1) !== 0) {
      // Byte by byte in little-endian order (the swap for E = 1 was done above).
      const saved = this.state.e;
      this.state.e = 0;
      this.write8(address, value & 0xff);
      this.write8(address + 1, (value >>> 8) & 0xff);
      this.state.e = saved;
      return;
    }
    this.memory.write16(this.fill(address, true), value & 0xffff);
  }

  write32(address: number, value: number): void {
    if (this.state.e) value = swap32(value);
    const page = address >>> PAGE_SHIFT;
    const index = page & (TLB_SIZE - 1);
    if (this.tlbWriteTag[index] === page && (address & 0xfff) <= 0xffc) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (address & 0xfff);
      bytes[offset] = value;
      bytes[offset + 1] = value >>> 8;
      bytes[offset + 2] = value >>> 16;
      bytes[offset + 3] = value >>> 24;
      return;
    }
    if ((address & 3) !== 0) {
      for (let k = 0; k < 4; k++) this.write8(address + k, (value >>> (8 * k)) & 0xff);
      return;
    }
    this.memory.write32(this.fill(address, true), value >>> 0);
  }

  /** Word access with the SCTLR.A check (A3.2.1: unaligned LDR/STR are allowed while A = 0). */
  private loadWord(address: number): number {
    if ((address & 3) !== 0 && (this.cp15.sctlr & Sctlr.A) !== 0) this.alignmentFault(address, false);
    return this.read32(address);
  }

  private storeWord(address: number, value: number): void {
    if ((address & 3) !== 0 && (this.cp15.sctlr & Sctlr.A) !== 0) this.alignmentFault(address, true);
    this.write32(address, value);
  }

  private loadHalf(address: number): number {
    if ((address & 1) !== 0 && (this.cp15.sctlr & Sctlr.A) !== 0) this.alignmentFault(address, false);
    return this.read16(address);
  }

  private storeHalf(address: number, value: number): void {
    if ((address & 1) !== 0 && (this.cp15.sctlr & Sctlr.A) !== 0) this.alignmentFault(address, true);
    this.write16(address, value);
  }

  /** LDM/STM/LDRD/STRD/SWP/RFE/SRS: word alignment is required whatever SCTLR.A says (A3.2.1). */
  private checkWordAligned(address: number, write: boolean): void {
    if ((address & 3) !== 0) this.alignmentFault(address, write);
  }

  /** Reads guest memory from outside an instruction (runners, debuggers); false on a fault. */
  readVirtual(address: number, into: Uint8Array): boolean {
    try {
      for (let k = 0; k < into.length; k++) into[k] = this.read8((address + k) >>> 0);
      return true;
    } catch (error) {
      if (error !== FAULT) throw error;
      return false;
    }
  }

  // ---------------------------------------------------------------- running

  /** Runs up to `limit` instructions; returns how many ran (an exception taken counts as one). */
  run(limit: number): number {
    this.stopRequested = false;
    const start = this.instructions;
    while (this.instructions - start < limit && !this.stopRequested) {
      if (this.halted) {
        if (!this.irqLevel && !this.fiqLevel) break;
        this.halted = false;
      }
      try {
        this.runBlock(start + limit);
      } catch (error) {
        if (error !== FAULT) throw error;
        this.instructions++;
        this.takeFault();
      }
      if (this.halted) break;
    }
    return this.instructions - start;
  }

  /** One instruction (or one exception entry). */
  step(): void {
    this.run(1);
  }

  private runBlock(end: number): void {
    const state = this.state;
    const r = state.r;
    while (this.instructions < end && !this.stopRequested) {
      if (state.t !== 0) {
        this.runThumbBlock(end);
        if (this.halted) return;
        continue;
      }
      if ((this.irqLevel && state.i === 0) || (this.fiqLevel && state.f === 0)) {
        this.instructionAddress = r[15] >>> 0;
        if (this.fiqLevel && state.f === 0) this.takeException(ArmException.FIQ, this.instructionAddress + 4);
        else this.takeException(ArmException.IRQ, this.instructionAddress + 4);
        r[15] = this.nextPc;
        this.instructions++;
        continue;
      }
      const pc = r[15] >>> 0;
      this.instructionAddress = pc;
      if (pc >>> PAGE_SHIFT !== this.fetchVirtualPage) this.setFetchPage(pc);
      const slot = (pc & 0xfff) >>> 2;
      let instruction = this.fetchRecords[slot];
      if (instruction === undefined) instruction = this.decodeAt(slot);
      r[15] = (pc + 8) | 0;
      this.nextPc = (pc + 4) | 0;
      const cond = instruction.cond;
      if (cond >= 14 || this.conditionPassed(cond)) this.execute(instruction);
      r[15] = this.nextPc;
      this.instructions++;
      if (this.halted) return;
    }
  }

  /**
   * The Thumb run loop: PC reads as the address + 4; ITSTATE (A2.5.2) gives the condition of the
   * instructions in an IT block and is advanced before each one executes (so an SVC or exception
   * return sees the state after it; a fault restores it from itBefore).
   */
  private runThumbBlock(end: number): void {
    const state = this.state;
    const r = state.r;
    while (this.instructions < end && !this.stopRequested && state.t !== 0) {
      if ((this.irqLevel && state.i === 0) || (this.fiqLevel && state.f === 0)) {
        this.instructionAddress = r[15] >>> 0;
        if (this.fiqLevel && state.f === 0) this.takeException(ArmException.FIQ, this.instructionAddress + 4);
        else this.takeException(ArmException.IRQ, this.instructionAddress + 4);
        r[15] = this.nextPc;
        this.instructions++;
        continue;
      }
      const pc = r[15] >>> 0;
      this.instructionAddress = pc;
      const it = state.it;
      this.itBefore = it;
      if (pc >>> PAGE_SHIFT !== this.fetchVirtualPage) this.setFetchPage(pc);
      let instruction = this.fetchRecords[THUMB_SLOTS + ((pc & 0xfff) >>> 1)];
      if (instruction === undefined) instruction = this.decodeThumbAt(pc);
      r[15] = (pc + 4) | 0;
      this.nextPc = (pc + instruction.size) | 0;
      let cond = instruction.cond;
      if (it !== 0) {
        cond = it >>> 4;
        state.it = (it & 7) === 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
      }
      if (cond >= 14 || this.conditionPassed(cond)) this.execute(instruction);
      r[15] = this.nextPc;
      this.instructions++;
      if (this.halted) return;
    }
  }

  /** Decodes the Thumb instruction at `pc` (on the fetch page) and caches it, unless it straddles into the next page. */
  private decodeThumbAt(pc: number): DecodedInstruction {
    const offset = pc & 0xfff;
    const first = this.fetchHalfword(offset);
    if (!isThumb32(first)) {
      const instruction = decodeThumb(first, 0, new DecodedInstruction(), pc);
      this.fetchRecords[THUMB_SLOTS + (offset >>> 1)] = instruction;
      return instruction;
    }
    if (offset === 0xffe) {
      // The second halfword is on the next page: fetched and decoded each time, so a write to
      // either page needs no invalidation.
      const next = (pc + 2) >>> 0;
      const physical = this.translate(next, Access.EXECUTE, !this.privileged);
      if (this.memory.ramAt(physical) === null) this.raiseAbort(ArmException.PREFETCH_ABORT, next, FaultStatus.EXTERNAL, false);
      return decodeThumb(first, this.memory.read16(physical), this.straddling, pc);
    }
    const instruction = decodeThumb(first, this.fetchHalfword(offset + 2), new DecodedInstruction(), pc);
    this.fetchRecords[THUMB_SLOTS + (offset >>> 1)] = instruction;
    return instruction;
  }

  /** A halfword of the fetch page (little-endian whatever CPSR.E says, A3.3.1). */
  private fetchHalfword(offset: number): number {
    if (this.fetchPartial) return this.memory.read16(this.fetchPhysicalPage * 0x1000 + offset);
    const at = this.fetchOffset + offset;
    return this.fetchBytes[at] | (this.fetchBytes[at + 1] << 8);
  }

  private setFetchPage(pc: number): void {
    if ((pc & (this.state.t !== 0 ? 1 : 3)) !== 0) this.raiseAbort(ArmException.PREFETCH_ABORT, pc, FaultStatus.ALIGNMENT, false);
    const virtualPage = pc >>> PAGE_SHIFT;
    const set = this.state.mode === Mode.USR ? this.userTlb : this.privilegedTlb;
    const index = virtualPage & (TLB_SIZE - 1);
    if (set.execTag[index] === virtualPage) {
      // Seen before: the same page, records and bytes, without a walk.
      const bytes = set.execBytes[index];
      this.fetchRecords = set.execRecords[index];
      this.fetchBytes = bytes;
      this.fetchOffset = set.execOffset[index];
      this.fetchPartial = this.fetchOffset < 0 || this.fetchOffset + 0x1000 > bytes.length;
      this.fetchVirtualPage = virtualPage;
      this.fetchPhysicalPage = set.execPhysicalPage[index];
      return;
    }
    const physical = this.translate(pc, Access.EXECUTE, !this.privileged);
    const ram = this.memory.ramAt(physical);
    if (ram === null) this.raiseAbort(ArmException.PREFETCH_ABORT, pc, FaultStatus.EXTERNAL, false);
    const physicalPage = physical >>> PAGE_SHIFT;
    let records = this.codePages.get(physicalPage);
    if (records === undefined) {
      if (this.codePages.size >= MAX_CODE_PAGES) {
        this.codePages.clear();
        this.privilegedTlb.execTag.fill(-1);
        this.userTlb.execTag.fill(-1);
      }
      records = new Array<DecodedInstruction | undefined>(CODE_PAGE_SLOTS);
      this.codePages.set(physicalPage, records);
      // Writes to a page with decoded code must take the slow path (which drops the code).
      this.privilegedTlb.forgetWrites(physicalPage);
      this.userTlb.forgetWrites(physicalPage);
    }
    this.fetchRecords = records;
    this.fetchBytes = ram.bytes;
    this.fetchOffset = ram.offset - (physical & 0xfff);
    this.fetchPartial = this.fetchOffset < 0 || this.fetchOffset + 0x1000 > ram.bytes.length;
    this.fetchVirtualPage = pc >>> PAGE_SHIFT;
    this.fetchPhysicalPage = physicalPage;
    set.execTag[index] = virtualPage;
    set.execPhysicalPage[index] = physicalPage;
    set.execOffset[index] = this.fetchOffset;
    set.execBytes[index] = ram.bytes;
    set.execRecords[index] = records;
  }

  private decodeAt(slot: number): DecodedInstruction {
    const bytes = this.fetchBytes;
    const offset = this.fetchOffset + slot * 4;
    // Instruction fetches are little-endian whatever CPSR.E says (A3.3.1). A page only partly
    // covered by its region (a small boot ROM) is read through PhysicalMemory, word by word.
    const word = this.fetchPartial
      ? this.memory.read32(this.fetchPhysicalPage * 0x1000 + slot * 4)
      : (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
    const instruction = decodeA32(word, new DecodedInstruction());
    this.fetchRecords[slot] = instruction;
    return instruction;
  }

  /** The instruction at `address` disassembled (diagnostics), in the current instruction set. */
  disassembleAt(address: number): string {
    const bytes = new Uint8Array(4);
    if (this.state.t !== 0) {
      if (!this.readVirtual(address, bytes.subarray(0, 2))) return '(unreadable)';
      const first = bytes[0] | (bytes[1] << 8);
      if (isThumb32(first) && !this.readVirtual(address + 2, bytes.subarray(2))) return '(unreadable)';
      return disassembleThumb(decodeThumb(first, bytes[2] | (bytes[3] << 8), this.scratch, address), address);
    }
    if (!this.readVirtual(address, bytes)) return '(unreadable)';
    const word = (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
    return disassembleA32(decodeA32(word, this.scratch), address);
  }

  private conditionPassed(cond: number): boolean {
    const s = this.state;
    switch (cond) {
      case 0:
        return s.z === 1;
      case 1:
        return s.z === 0;
      case 2:
        return s.c === 1;
      case 3:
        return s.c === 0;
      case 4:
        return s.n === 1;
      case 5:
        return s.n === 0;
      case 6:
        return s.v === 1;
      case 7:
        return s.v === 0;
      case 8:
        return s.c === 1 && s.z === 0;
      case 9:
        return s.c === 0 || s.z === 1;
      case 10:
        return s.n === s.v;
      case 11:
        return s.n !== s.v;
      case 12:
        return s.z === 0 && s.n === s.v;
      case 13:
        return s.z === 1 || s.n !== s.v;
      default:
        return true;
    }
  }

  // ---------------------------------------------------------------- exceptions

  private takeFault(): void {
    const exception = FAULT.exception;
    const address = this.instructionAddress;
    const thumb = this.state.t;
    this.state.r[15] = address | 0;
    // The exception returns to the faulting instruction with its ITSTATE.
    if (thumb !== 0) this.state.it = this.itBefore;
    this.endUnprivileged();
    // Faults raised outside the walk carry short-format codes; with TTBCR.EAE the FSRs use the long format.
    if (this.mmu.longDescriptors && (FAULT.status & FSR_LPAE) === 0) FAULT.status = longFormatStatus(FAULT.status);
    if (exception === ArmException.DATA_ABORT) {
      this.cp15.dfsr = FAULT.status | (FAULT.write ? 1 << 11 : 0);
      this.cp15.dfar = FAULT.address;
    } else if (exception === ArmException.PREFETCH_ABORT) {
      this.cp15.ifsr = FAULT.status;
      // A debug event (BKPT) leaves IFAR UNKNOWN in the ARM ARM; we leave it unchanged, as QEMU does.
      if (FAULT.status !== FaultStatus.DEBUG && FAULT.status !== (FSR_LPAE | 0x22)) this.cp15.ifar = FAULT.address;
    }
    if (this.exceptionHook !== null && this.exceptionHook(exception, address, FAULT.address)) return;
    if (exception === ArmException.UNDEFINED) this.takeException(exception, address + (thumb ? 2 : 4));
    else if (exception === ArmException.PREFETCH_ABORT) this.takeException(exception, address + 4);
    else this.takeException(exception, address + 8);
    this.state.r[15] = this.nextPc;
  }

  /**
   * Exception entry (B1.8.3 and the pseudocode of B1.9): SPSR ← CPSR, the mode's LR ← the return
   * link, masks set, ARM/Thumb and endianness from SCTLR.TE/EE, PC ← the vector (B1.8.1: SCTLR.V
   * selects 0xffff0000, else VBAR). Leaves the new PC in nextPc.
   */
  takeException(exception: number, returnLink: number): void {
    const s = this.state;
    const cpsr = s.getCpsr();
    let mode: number = Mode.UND;
    switch (exception) {
      case ArmException.RESET:
      case ArmException.SVC:
        mode = Mode.SVC;
        break;
      case ArmException.PREFETCH_ABORT:
      case ArmException.DATA_ABORT:
        mode = Mode.ABT;
        break;
      case ArmException.IRQ:
        mode = Mode.IRQ;
        break;
      case ArmException.FIQ:
        mode = Mode.FIQ;
        break;
      default:
        mode = Mode.UND;
    }
    s.switchMode(mode);
    s.spsr[bankOf(mode)] = cpsr | 0;
    s.r[14] = returnLink | 0;
    s.i = 1;
    if (exception === ArmException.FIQ || exception === ArmException.RESET) s.f = 1;
    if (exception === ArmException.FIQ || exception === ArmException.IRQ || exception === ArmException.DATA_ABORT || exception === ArmException.PREFETCH_ABORT || exception === ArmException.RESET) s.a = 1;
    s.it = 0;
    const sctlr = this.cp15.sctlr;
    s.t = (sctlr & Sctlr.TE) !== 0 ? 1 : 0;
    s.e = (sctlr & Sctlr.EE) !== 0 ? 1 : 0;
    this.exclusiveAddress = -1;
    const base = (sctlr & Sctlr.V) !== 0 ? 0xffff0000 : this.cp15.vbar;
    this.nextPc = (base + exception * 4) | 0;
    this.halted = false;
  }

  // ---------------------------------------------------------------- PC writes

  /** BranchWritePC (A2.3.1): ARM state keeps the PC word aligned. */
  private branchWritePc(address: number): void {
    this.nextPc = this.state.t ? address & ~1 : address & ~3;
  }

  /**
   * BXWritePC: bit 0 selects Thumb. In ARM state an address with bits 1:0 = 10 is UNPREDICTABLE;
   * we clear bit 1 (QEMU keeps it and faults at the fetch).
   */
  private bxWritePc(address: number): void {
    if ((address & 1) !== 0) {
      this.state.t = 1;
      this.nextPc = address & ~1;
    } else {
      this.state.t = 0;
      this.nextPc = address & ~3;
    }
  }

  private writeRegister(rd: number, value: number): void {
    if (rd === 15) this.bxWritePc(value);
    else this.state.r[rd] = value;
  }

  // ---------------------------------------------------------------- shifter

  /** Shift by an immediate (A8.4.3 Shift_C; LSR/ASR #32 and RRX already decoded). Sets shifterCarry. */
  private shiftImmediate(value: number, type: number, amount: number): number {
    switch (type) {
      case Shift.LSL:
        if (amount === 0) {
          this.shifterCarry = this.state.c;
          return value;
        }
        this.shifterCarry = (value >>> (32 - amount)) & 1;
        return value << amount;
      case Shift.LSR:
        if (amount === 32) {
          this.shifterCarry = value >>> 31;
          return 0;
        }
        this.shifterCarry = (value >>> (amount - 1)) & 1;
        return value >>> amount;
      case Shift.ASR:
        if (amount === 32) {
          this.shifterCarry = value >>> 31;
          return value >> 31;
        }
        this.shifterCarry = (value >>> (amount - 1)) & 1;
        return value >> amount;
      case Shift.ROR:
        this.shifterCarry = (value >>> (amount - 1)) & 1;
        return (value >>> amount) | (value << (32 - amount));
      default:
        this.shifterCarry = value & 1;
        return (this.state.c << 31) | (value >>> 1);
    }
  }

  /** Shift by the bottom byte of a register (A8.4.3 with the amount from Rs). */
  private shiftByRegister(value: number, type: number, amount: number): number {
    amount &= 0xff;
    if (amount === 0) {
      this.shifterCarry = this.state.c;
      return value;
    }
    switch (type) {
      case Shift.LSL:
        if (amount < 32) {
          this.shifterCarry = (value >>> (32 - amount)) & 1;
          return value << amount;
        }
        this.shifterCarry = amount === 32 ? value & 1 : 0;
        return 0;
      case Shift.LSR:
        if (amount < 32) {
          this.shifterCarry = (value >>> (amount - 1)) & 1;
          return value >>> amount;
        }
        this.shifterCarry = amount === 32 ? value >>> 31 : 0;
        return 0;
      case Shift.ASR:
        if (amount < 32) {
          this.shifterCarry = (value >>> (amount - 1)) & 1;
          return value >> amount;
        }
        this.shifterCarry = value >>> 31;
        return value >> 31;
      default: {
        const rotation = amount & 31;
        if (rotation === 0) {
          this.shifterCarry = value >>> 31;
          return value;
        }
        const result = (value >>> rotation) | (value << (32 - rotation));
        this.shifterCarry = result >>> 31;
        return result;
      }
    }
  }

  /** Shift without carry (addressing modes, SSAT, PKH). */
  private shiftValue(value: number, type: number, amount: number): number {
    const carry = this.shifterCarry;
    const result = this.shiftImmediate(value, type, amount);
    this.shifterCarry = carry;
    return result;
  }

  // ---------------------------------------------------------------- execution

  private execute(d: DecodedInstruction): void {
    const s = this.state;
    const r = s.r;
    switch (d.kind) {
      case Kind.DP_IMM:
        this.shifterCarry = d.immCarry < 0 ? s.c : d.immCarry;
        this.dataProcessing(d, d.imm);
        return;
      case Kind.DP_REG:
        this.dataProcessing(d, this.shiftImmediate(r[d.rm], d.shiftType, d.shiftAmount));
        return;
      case Kind.DP_RSR: {
        // A register-shifted register reads PC as address + 12 on some cores; UNPREDICTABLE (A8.8.*), we read + 8.
        this.dataProcessing(d, this.shiftByRegister(r[d.rm], d.shiftType, r[d.rs]));
        return;
      }
      case Kind.MOVW:
        this.writeRegister(d.rd, d.imm);
        return;
      case Kind.MOVT:
        this.writeRegister(d.rd, (r[d.rd] & 0xffff) | (d.imm << 16));
        return;
      case Kind.LS_IMM:
      case Kind.LS_REG:
        this.loadStore(d);
        return;
      case Kind.EXTRA_IMM:
      case Kind.EXTRA_REG:
        this.extraLoadStore(d);
        return;
      case Kind.LDM_STM:
        this.blockTransfer(d);
        return;
      case Kind.B:
        this.branchWritePc(r[15] + d.imm);
        return;
      case Kind.BL:
        // In Thumb state the link has bit 0 set (A8.8.25).
        r[14] = this.nextPc | s.t;
        this.branchWritePc(r[15] + d.imm);
        return;
      case Kind.BLX_IMM:
        // Changes the instruction set either way; Thumb records have Align(PC, 4) folded into imm.
        r[14] = this.nextPc | s.t;
        s.t ^= 1;
        this.nextPc = (r[15] + d.imm) | 0;
        return;
      case Kind.BX:
        this.bxWritePc(r[d.rm]);
        return;
      case Kind.BLX_REG: {
        const target = r[d.rm];
        r[14] = this.nextPc | s.t;
        this.bxWritePc(target);
        return;
      }
      default:
        this.executeOther(d);
    }
  }

  private setNZ(result: number): void {
    this.state.n = result >>> 31;
    this.state.z = result === 0 ? 1 : 0;
  }

  private dataProcessing(d: DecodedInstruction, operand: number): void {
    const s = this.state;
    const a = s.r[d.rn];
    // s = 3: a T16 instruction that sets the flags outside an IT block only (A6.2).
    const setFlags = d.s === 3 ? (this.itBefore === 0 ? 1 : 0) : d.s;
    let result = 0;
    let arithmetic = false;
    let carry = 0;
    let overflow = 0;
    switch (d.op) {
      case 0:
      case 8:
        result = a & operand;
        break;
      case 1:
      case 9:
        result = a ^ operand;
        break;
      case 12:
        result = a | operand;
        break;
      case 13:
        result = operand;
        break;
      case 14:
        result = a & ~operand;
        break;
      case 15:
        result = ~operand;
        break;
      case DP_ORN:
        result = a | ~operand;
        break;
      default: {
        // AddWithCarry (A2.2.1) on the operands of each arithmetic op.
        let x = a;
        let y = operand;
        let carryIn = 0;
        switch (d.op) {
          case 2: // SUB
          case 10: // CMP
            y = ~operand;
            carryIn = 1;
            break;
          case 3: // RSB
            x = operand;
            y = ~a;
            carryIn = 1;
            break;
          case 4: // ADD
          case 11: // CMN
            break;
          case 5: // ADC
            carryIn = s.c;
            break;
          case 6: // SBC
            y = ~operand;
            carryIn = s.c;
            break;
          default: // 7 RSC
            x = operand;
            y = ~a;
            carryIn = s.c;
        }
        const sum = (x >>> 0) + (y >>> 0) + carryIn;
        result = sum | 0;
        carry = sum >= TWO_32 ? 1 : 0;
        overflow = (~(x ^ y) & (x ^ result)) >>> 31;
        arithmetic = true;
      }
    }
    const op = d.op;
    if (op >= 8 && op <= 11) {
      // TST TEQ CMP CMN: flags only.
      this.setNZ(result);
      if (arithmetic) {
        s.c = carry;
        s.v = overflow;
      } else s.c = this.shifterCarry;
      return;
    }
    if (d.rd === 15) {
      if (setFlags) {
        // SUBS PC, LR and friends: exception return (B9.3.20); CPSR ← SPSR first.
        if (!s.hasSpsr()) this.raiseUndefined();
        s.setCpsr(s.getSpsr());
        this.nextPc = s.t ? result & ~1 : result & ~3;
      } else if (s.t !== 0) {
        // ALUWritePC is BranchWritePC in Thumb state (A2.3.1): no interworking.
        this.nextPc = result & ~1;
      } else this.bxWritePc(result);
      return;
    }
    s.r[d.rd] = result;
    if (setFlags) {
      this.setNZ(result);
      if (arithmetic) {
        s.c = carry;
        s.v = overflow;
      } else s.c = this.shifterCarry;
    }
  }

  // Addressing (A5.3, A5.2.8): the offset address, the access address, writeback.
  private loadStore(d: DecodedInstruction): void {
    const s = this.state;
    const r = s.r;
    const offset = d.kind === Kind.LS_IMM ? d.imm : this.shiftValue(r[d.rm], d.shiftType, d.shiftAmount);
    const base = r[d.rn];
    const offsetAddress = (d.u ? base + offset : base - offset) | 0;
    const address = (d.p ? offsetAddress : base) >>> 0;
    const writeback = d.p === 0 || d.w === 1;
    // P = 0, W = 1: LDRT/STRT/LDRBT/STRBT, with user permissions; Thumb's (Rn + imm8, no writeback) have imm2 = 1.
    const unprivileged = (d.p === 0 && d.w === 1) || d.imm2 === 1;
    if (unprivileged) this.beginUnprivileged();
    if (d.l) {
      const value = d.b ? this.read8(address) : this.loadWord(address);
      if (unprivileged) this.endUnprivileged();
      if (writeback) r[d.rn] = offsetAddress;
      if (d.rd === 15) this.bxWritePc(value);
      else r[d.rd] = value;
    } else {
      const value = r[d.rd];
      if (d.b) this.write8(address, value & 0xff);
      else this.storeWord(address, value);
      if (unprivileged) this.endUnprivileged();
      if (writeback) r[d.rn] = offsetAddress;
    }
  }

  private extraLoadStore(d: DecodedInstruction): void {
    const s = this.state;
    const r = s.r;
    const op = d.op;
    if ((op & 3) === 0) this.raiseUndefined();
    // Thumb's register offsets may be shifted left (LSL #imm2); A32 records have shiftAmount 0.
    const offset = d.kind === Kind.EXTRA_IMM ? d.imm : r[d.rm] << d.shiftAmount;
    const base = r[d.rn];
    const offsetAddress = (d.u ? base + offset : base - offset) | 0;
    const address = (d.p ? offsetAddress : base) >>> 0;
    const writeback = d.p === 0 || d.w === 1;
    const rt = d.rd;
    // P = 0, W = 1 on the halfword and signed-byte forms: LDRHT/STRHT/LDRSBT/LDRSHT, with user permissions.
    // Thumb's LDRHT/STRHT/LDRSBT/LDRSHT (Rn + imm8, no writeback) have imm2 = 1.
    if (((d.p === 0 && d.w === 1) || d.imm2 === 1) && op !== 2 && op !== 3) {
      this.unprivilegedExtraLoadStore(op, address, offsetAddress, rt, d.rn, writeback);
      return;
    }
    switch (op) {
      case 1: // STRH
        this.storeHalf(address, r[rt]);
        break;
      case 2: {
        // LDRD: in A32 Rt even, Rt ≠ 14, Rt2 = Rt + 1 (A8.8.72); Thumb names Rt2 (in ra). Word alignment required.
        if (s.t === 0 && ((rt & 1) !== 0 || rt === 14 || (d.p === 0 && d.w === 1))) this.raiseUndefined();
        this.checkWordAligned(address, false);
        const low = this.read32(address);
        const high = this.read32(address + 4);
        if (writeback) r[d.rn] = offsetAddress;
        r[rt] = low;
        r[s.t !== 0 ? d.ra : rt + 1] = high;
        return;
      }
      case 3: {
        if (s.t === 0 && ((rt & 1) !== 0 || rt === 14 || (d.p === 0 && d.w === 1))) this.raiseUndefined();
        this.checkWordAligned(address, true);
        this.write32(address, r[rt]);
        this.write32(address + 4, r[s.t !== 0 ? d.ra : rt + 1]);
        break;
      }
      case 5: {
        const value = this.loadHalf(address);
        if (writeback) r[d.rn] = offsetAddress;
        this.writeRegister(rt, value);
        return;
      }
      case 6: {
        const value = (this.read8(address) << 24) >> 24;
        if (writeback) r[d.rn] = offsetAddress;
        this.writeRegister(rt, value);
        return;
      }
      default: {
        const value = (this.loadHalf(address) << 16) >> 16;
        if (writeback) r[d.rn] = offsetAddress;
        this.writeRegister(rt, value);
        return;
      }
    }
    if (writeback) r[d.rn] = offsetAddress;
  }

  private unprivilegedExtraLoadStore(op: number, address: number, offsetAddress: number, rt: number, rn: number, writeback: boolean): void {
    const r = this.state.r;
    this.beginUnprivileged();
    let value = 0;
    if (op === 1) this.storeHalf(address, r[rt]);
    else if (op === 5) value = this.loadHalf(address);
    else if (op === 6) value = (this.read8(address) << 24) >> 24;
    else value = (this.loadHalf(address) << 16) >> 16;
    this.endUnprivileged();
    if (writeback) r[rn] = offsetAddress;
    if (op !== 1) this.writeRegister(rt, value);
  }

  /** LDM/STM (A8.8.58-A8.8.61, A8.8.198-A8.8.201, B9.3.5/6/7 for the ^ forms). */
  private blockTransfer(d: DecodedInstruction): void {
    const s = this.state;
    const r = s.r;
    const list = d.imm;
    const count = popCount16(list);
    const base = r[d.rn];
    let address: number;
    if (d.u) address = d.p ? base + 4 : base;
    else address = d.p ? base - 4 * count : base - 4 * count + 4;
    address >>>= 0;
    const newBase = (d.u ? base + 4 * count : base - 4 * count) | 0;
    if (count === 0) this.raiseUndefined();
    this.checkWordAligned(address, d.l === 0);
    // The S bit (22, `b` in the record): STM^ and LDM^ without the PC use the user-mode registers;
    // in usr/sys mode those are the current ones (UNPREDICTABLE forms, done as the plain ones).
    const userBank = d.b === 1 && (d.l === 0 || (list & 0x8000) === 0);
    const banked = userBank && s.mode !== Mode.USR && s.mode !== Mode.SYS;
    if (d.l === 0) {
      let a = address;
      for (let k = 0; k < 16; k++) {
        if ((list & (1 << k)) === 0) continue;
        this.write32(a, banked ? s.getUserRegister(k) : r[k]);
        a += 4;
      }
      if (d.w && !banked) r[d.rn] = newBase;
      return;
    }
    const loaded = this.loaded;
    let a = address;
    for (let k = 0; k < 16; k++) {
      if ((list & (1 << k)) === 0) continue;
      loaded[k] = this.read32(a);
      a += 4;
    }
    if (d.w && (list & (1 << d.rn)) === 0) r[d.rn] = newBase;
    for (let k = 0; k < 15; k++) {
      if ((list & (1 << k)) === 0) continue;
      if (banked) s.setUserRegister(k, loaded[k]);
      else r[k] = loaded[k];
    }
    if ((list & 0x8000) !== 0) {
      if (d.b) {
        // LDM (exception return): CPSR ← SPSR, then the PC (B9.3.6).
        if (!s.hasSpsr()) this.raiseUndefined();
        s.setCpsr(s.getSpsr());
        this.nextPc = s.t ? loaded[15] & ~1 : loaded[15] & ~3;
      } else this.bxWritePc(loaded[15]);
    }
  }

  private multiply64(a: number, b: number, signed: boolean): void {
    const ua = a >>> 0;
    const ub = b >>> 0;
    const al = ua & 0xffff;
    const ah = ua >>> 16;
    const bl = ub & 0xffff;
    const bh = ub >>> 16;
    const middle = ah * bl + al * bh;
    const low = al * bl + (middle % 65536) * 65536;
    let high = ah * bh + Math.floor(middle / 65536) + Math.floor(low / TWO_32);
    if (signed) {
      if (a < 0) high -= ub;
      if (b < 0) high -= ua;
    }
    this.resultLow = low >>> 0;
    this.resultHigh = ((high % TWO_32) + TWO_32) >>> 0;
  }

  /** resultHigh:resultLow += high:low (mod 2^64). */
  private add64(low: number, high: number): void {
    const sum = this.resultLow + (low >>> 0);
    this.resultLow = sum >>> 0;
    this.resultHigh = (this.resultHigh + (high >>> 0) + (sum >= TWO_32 ? 1 : 0)) >>> 0;
  }

  private halfOf(value: number, top: number): number {
    return top ? value >> 16 : (value << 16) >> 16;
  }

  private executeOther(d: DecodedInstruction): void {
    const s = this.state;
    const r = s.r;
    switch (d.kind) {
      case Kind.MUL: {
        const result = Math.imul(r[d.rn], r[d.rm]);
        r[d.rd] = result;
        if (d.s === 1 || (d.s === 3 && this.itBefore === 0)) this.setNZ(result);
        return;
      }
      case Kind.MLA: {
        const result = (Math.imul(r[d.rn], r[d.rm]) + r[d.ra]) | 0;
        r[d.rd] = result;
        if (d.s) this.setNZ(result);
        return;
      }
      case Kind.MLS:
        r[d.rd] = (r[d.ra] - Math.imul(r[d.rn], r[d.rm])) | 0;
        return;
      case Kind.UMULL:
      case Kind.SMULL:
      case Kind.UMLAL:
      case Kind.SMLAL: {
        // RdHi in the rd slot, RdLo in ra.
        const accumulateLow = r[d.ra];
        const accumulateHigh = r[d.rd];
        this.multiply64(r[d.rn], r[d.rm], d.kind === Kind.SMULL || d.kind === Kind.SMLAL);
        if (d.kind === Kind.UMLAL || d.kind === Kind.SMLAL) this.add64(accumulateLow, accumulateHigh);
        r[d.ra] = this.resultLow;
        r[d.rd] = this.resultHigh;
        if (d.s) {
          s.n = this.resultHigh >>> 31;
          s.z = this.resultLow === 0 && this.resultHigh === 0 ? 1 : 0;
        }
        return;
      }
      case Kind.UMAAL: {
        const low = r[d.ra];
        const high = r[d.rd];
        this.multiply64(r[d.rn], r[d.rm], false);
        this.add64(low, 0);
        this.add64(high, 0);
        r[d.ra] = this.resultLow;
        r[d.rd] = this.resultHigh;
        return;
      }
      case Kind.SMLA_XY:
      case Kind.SMUL_XY: {
        const product = this.halfOf(r[d.rn], d.op & 1) * this.halfOf(r[d.rm], d.op & 2);
        if (d.kind === Kind.SMUL_XY) {
          r[d.rd] = product;
          return;
        }
        const sum = product + r[d.ra];
        if (sum !== (sum | 0)) s.q = 1;
        r[d.rd] = sum | 0;
        return;
      }
      case Kind.SMULW_Y:
      case Kind.SMLAW_Y: {
        const product = Math.floor((r[d.rn] * this.halfOf(r[d.rm], d.op & 2)) / 65536);
        if (d.kind === Kind.SMULW_Y) {
          r[d.rd] = product;
          return;
        }
        const sum = product + r[d.ra];
        if (sum !== (sum | 0)) s.q = 1;
        r[d.rd] = sum | 0;
        return;
      }
      case Kind.SMLAL_XY: {
        const product = this.halfOf(r[d.rn], d.op & 1) * this.halfOf(r[d.rm], d.op & 2);
        this.resultLow = r[d.ra] >>> 0;
        this.resultHigh = r[d.rd] >>> 0;
        this.add64(product, product < 0 ? -1 : 0);
        r[d.ra] = this.resultLow;
        r[d.rd] = this.resultHigh;
        return;
      }
      case Kind.SMLAD:
      case Kind.SMLSD:
      case Kind.SMLALD:
      case Kind.SMLSLD: {
        const n = r[d.rn];
        const m = d.op & 1 ? (r[d.rm] >>> 16) | (r[d.rm] << 16) : r[d.rm];
        const product1 = this.halfOf(n, 0) * this.halfOf(m, 0);
        const product2 = this.halfOf(n, 1) * this.halfOf(m, 1);
        const subtract = d.kind === Kind.SMLSD || d.kind === Kind.SMLSLD;
        const total = subtract ? product1 - product2 : product1 + product2;
        if (d.kind === Kind.SMLALD || d.kind === Kind.SMLSLD) {
          this.resultLow = r[d.ra] >>> 0;
          this.resultHigh = r[d.rd] >>> 0;
          this.add64(total, total < 0 ? -1 : 0);
          r[d.ra] = this.resultLow;
          r[d.rd] = this.resultHigh;
          return;
        }
        // Ra = 15 is SMUAD/SMUSD.
        const sum = d.ra === 15 ? total : total + r[d.ra];
        if (sum !== (sum | 0)) s.q = 1;
        r[d.rd] = sum | 0;
        return;
      }
      case Kind.SMMLA:
      case Kind.SMMLS: {
        // (Ra << 32 ± Rn × Rm [+ 0x80000000]) >> 32; Ra = 15 with SMMLA is SMMUL.
        this.multiply64(r[d.rn], r[d.rm], true);
        if (d.kind === Kind.SMMLS) {
          const low = this.resultLow;
          const high = this.resultHigh;
          this.resultLow = 0;
          this.resultHigh = r[d.ra] >>> 0;
          this.add64(~low + 1, ~high + (low === 0 ? 1 : 0));
        } else if (d.ra !== 15) this.add64(0, r[d.ra]);
        if (d.op & 1) this.add64(0x80000000, 0);
        r[d.rd] = this.resultHigh;
        return;
      }
      case Kind.SDIV: {
        // A-profile: division by zero gives 0 (no DZ trap, A8.8.165); INT_MIN / -1 wraps.
        const divisor = r[d.rm];
        const dividend = r[d.rn];
        r[d.rd] = divisor === 0 ? 0 : divisor === -1 ? -dividend | 0 : Math.trunc(dividend / divisor) | 0;
        return;
      }
      case Kind.UDIV: {
        const divisor = r[d.rm] >>> 0;
        r[d.rd] = divisor === 0 ? 0 : Math.floor((r[d.rn] >>> 0) / divisor) | 0;
        return;
      }
      case Kind.USADA8: {
        const n = r[d.rn];
        const m = r[d.rm];
        let sum = 0;
        for (let k = 0; k < 32; k += 8) sum += Math.abs(((n >>> k) & 0xff) - ((m >>> k) & 0xff));
        r[d.rd] = d.ra === 15 ? sum : (sum + r[d.ra]) | 0;
        return;
      }
      case Kind.QADDSUB: {
        // QADD Rd, Rm, Rn: Rm ± (doubled, saturated) Rn (A8.8.124-A8.8.136).
        let n = r[d.rn];
        if (d.op & 2) {
          const doubled = n * 2;
          n = signedSaturate(doubled, 32);
          if (n !== doubled) s.q = 1;
        }
        const exact = d.op & 1 ? r[d.rm] - n : r[d.rm] + n;
        const result = signedSaturate(exact, 32);
        if (result !== exact) s.q = 1;
        r[d.rd] = result;
        return;
      }
      case Kind.PARALLEL:
        this.parallelAddSubtract(d);
        return;
      case Kind.SEL: {
        const ge = s.ge;
        let result = 0;
        for (let k = 0; k < 4; k++) {
          const source = (ge >>> k) & 1 ? r[d.rn] : r[d.rm];
          result |= source & (0xff << (8 * k));
        }
        r[d.rd] = result;
        return;
      }
      case Kind.PKH: {
        const shifted = this.shiftValue(r[d.rm], d.shiftType, d.shiftAmount);
        r[d.rd] = d.shiftType === Shift.ASR ? (r[d.rn] & 0xffff0000) | (shifted & 0xffff) : (r[d.rn] & 0xffff) | (shifted & 0xffff0000);
        return;
      }
      case Kind.EXTEND: {
        const amount = d.shiftAmount;
        const rotated = amount === 0 ? r[d.rm] : (r[d.rm] >>> amount) | (r[d.rm] << (32 - amount));
        const signed = d.op & 4;
        const size = d.op & 3;
        const add = d.rn === 15 ? 0 : r[d.rn];
        if (size === 0) {
          const low = signed ? ((rotated & 0xff) << 24) >> 24 : rotated & 0xff;
          const high = signed ? (((rotated >>> 16) & 0xff) << 24) >> 24 : (rotated >>> 16) & 0xff;
          r[d.rd] = ((low + add) & 0xffff) | (((high + (add >> 16)) & 0xffff) << 16);
        } else {
          const value = size === 2 ? (signed ? (rotated << 24) >> 24 : rotated & 0xff) : signed ? (rotated << 16) >> 16 : rotated & 0xffff;
          r[d.rd] = (value + add) | 0;
        }
        return;
      }
      case Kind.SSAT:
      case Kind.USAT: {
        const operand = this.shiftValue(r[d.rn], d.shiftType, d.shiftAmount);
        const result = d.kind === Kind.SSAT ? signedSaturate(operand, d.imm + 1) : unsignedSaturate(operand, d.imm);
        if (result !== operand) s.q = 1;
        r[d.rd] = result;
        return;
      }
      case Kind.SSAT16:
      case Kind.USAT16: {
        const n = r[d.rn];
        const low = (n << 16) >> 16;
        const high = n >> 16;
        const signed = d.kind === Kind.SSAT16;
        const lowResult = signed ? signedSaturate(low, d.imm + 1) : unsignedSaturate(low, d.imm);
        const highResult = signed ? signedSaturate(high, d.imm + 1) : unsignedSaturate(high, d.imm);
        if (lowResult !== low || highResult !== high) s.q = 1;
        r[d.rd] = (lowResult & 0xffff) | (highResult << 16);
        return;
      }
      case Kind.REV:
        r[d.rd] = swap32(r[d.rm]);
        return;
      case Kind.REV16: {
        const v = r[d.rm];
        r[d.rd] = ((v & 0x00ff00ff) << 8) | ((v >>> 8) & 0x00ff00ff);
        return;
      }
      case Kind.REVSH:
        r[d.rd] = (swap16(r[d.rm] & 0xffff) << 16) >> 16;
        return;
      case Kind.RBIT: {
        let v = r[d.rm];
        v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
        v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
        v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
        r[d.rd] = swap32(v);
        return;
      }
      case Kind.CLZ:
        r[d.rd] = Math.clz32(r[d.rm]);
        return;
      case Kind.SBFX:
      case Kind.UBFX: {
        const lsb = d.imm;
        const widthMinus1 = d.imm2;
        if (lsb + widthMinus1 > 31) this.raiseUndefined();
        const up = r[d.rn] << (31 - lsb - widthMinus1);
        r[d.rd] = d.kind === Kind.SBFX ? up >> (31 - widthMinus1) : up >>> (31 - widthMinus1);
        return;
      }
      case Kind.BFI:
      case Kind.BFC: {
        const lsb = d.imm;
        const msb = d.imm2;
        if (msb < lsb) this.raiseUndefined();
        const mask = (msb === 31 ? -1 : (1 << (msb + 1)) - 1) & ~((1 << lsb) - 1);
        const insert = d.kind === Kind.BFI ? (r[d.rn] << lsb) & mask : 0;
        r[d.rd] = (r[d.rd] & ~mask) | insert;
        return;
      }
      case Kind.MRS:
        if (d.b) {
          if (!s.hasSpsr()) this.raiseUndefined();
          r[d.rd] = s.getSpsr();
        } else {
          // The execution state bits (T, IT, J) read as zero (B9.3.8).
          r[d.rd] = s.getCpsr() & ~(Psr.T | Psr.IT_LOW | Psr.IT_HIGH | Psr.J);
        }
        return;
      case Kind.MSR_REG:
      case Kind.MSR_IMM:
        this.moveToStatusRegister(d.b, d.rn, d.kind === Kind.MSR_IMM ? d.imm : r[d.rm]);
        return;
      case Kind.MRS_BANKED:
      case Kind.MSR_BANKED:
        this.logOnce(this.instructionAddress, `arm: banked-register MRS/MSR at 0x${this.instructionAddress.toString(16)} is not implemented: undefined-instruction exception`);
        this.raiseUndefined();
        return;
      case Kind.HINT:
        if (d.op === 3) this.halted = true;
        else if (d.op === 2) {
          if (this.eventRegister) this.eventRegister = false;
          else this.halted = true;
        } else if (d.op === 4) this.eventRegister = true;
        return;
      case Kind.SWP: {
        const address = r[d.rn] >>> 0;
        if (d.op === 4) {
          this.checkWordAligned(address, false);
          const value = this.read32(address);
          this.write32(address, r[d.rm]);
          r[d.rd] = value;
        } else {
          const value = this.read8(address);
          this.write8(address, r[d.rm] & 0xff);
          r[d.rd] = value;
        }
        return;
      }
      case Kind.LDREX: {
        // Thumb: LDREX has an immediate offset; LDREXD names Rt2 (in ra).
        const address = (r[d.rn] + d.imm) >>> 0;
        const size = d.op;
        if ((address & (size - 1)) !== 0) this.alignmentFault(address, false);
        if (size === 8) {
          if (s.t === 0 && ((d.rd & 1) !== 0 || d.rd === 14)) this.raiseUndefined();
          const low = this.read32(address);
          r[s.t !== 0 ? d.ra : d.rd + 1] = this.read32(address + 4);
          r[d.rd] = low;
        } else r[d.rd] = size === 4 ? this.read32(address) : size === 2 ? this.read16(address) : this.read8(address);
        this.exclusiveAddress = address;
        this.exclusiveSize = size;
        return;
      }
      case Kind.STREX: {
        const address = (r[d.rn] + d.imm) >>> 0;
        const size = d.op;
        if ((address & (size - 1)) !== 0) this.alignmentFault(address, true);
        if (size === 8 && s.t === 0 && ((d.rm & 1) !== 0 || d.rm === 14)) this.raiseUndefined();
        if (this.exclusiveAddress === address && this.exclusiveSize === size) {
          if (size === 8) {
            this.write32(address, r[d.rm]);
            this.write32(address + 4, r[s.t !== 0 ? d.ra : d.rm + 1]);
          } else if (size === 4) this.write32(address, r[d.rm]);
          else if (size === 2) this.write16(address, r[d.rm]);
          else this.write8(address, r[d.rm] & 0xff);
          r[d.rd] = 0;
        } else r[d.rd] = 1;
        this.exclusiveAddress = -1;
        return;
      }
      case Kind.CLREX:
        this.exclusiveAddress = -1;
        return;
      case Kind.TBB: {
        // TBB/TBH (A8.8.239): a forward branch by twice the byte at Rn + Rm or the halfword at Rn + 2 × Rm.
        const base = r[d.rn];
        const entry = d.op === 1 ? this.read8((base + r[d.rm]) >>> 0) : this.loadHalf((base + (r[d.rm] << 1)) >>> 0);
        this.nextPc = (r[15] + entry * 2) | 0;
        return;
      }
      case Kind.CBZ:
        // CBZ/CBNZ (A8.8.29): op = 1 for CBNZ.
        if ((r[d.rn] === 0) !== (d.op === 1)) this.nextPc = (r[15] + d.imm) | 0;
        return;
      case Kind.IT:
        s.it = d.imm;
        return;
      case Kind.BARRIER:
      case Kind.PRELOAD:
        return;
      case Kind.SVC:
        if (this.svcHook !== null) {
          // The hook sees the state as after the SVC: r[15] = the next instruction.
          r[15] = this.nextPc;
          if (this.svcHook(d.imm)) {
            this.nextPc = r[15];
            return;
          }
          r[15] = (this.instructionAddress + (s.t !== 0 ? 4 : 8)) | 0;
        }
        this.takeException(ArmException.SVC, this.nextPc);
        return;
      case Kind.HVC:
      case Kind.SMC:
        if (this.callHook !== null) {
          r[15] = this.nextPc;
          if (this.callHook(d.kind === Kind.HVC ? 'hvc' : 'smc', d.imm)) {
            this.nextPc = r[15];
            return;
          }
          r[15] = (this.instructionAddress + (s.t !== 0 ? 4 : 8)) | 0;
        }
        this.logOnce(this.instructionAddress, `arm: ${d.entry.mnemonic} at 0x${this.instructionAddress.toString(16)} without a machine that answers it: undefined-instruction exception`);
        this.raiseUndefined();
        return;
      case Kind.BKPT:
        // BKPT without halting debug: a Prefetch Abort with the debug-event status (C4.1).
        this.raiseAbort(ArmException.PREFETCH_ABORT, this.instructionAddress, FaultStatus.DEBUG, false);
        return;
      case Kind.UDF:
        this.raiseUndefined();
        return;
      case Kind.CPS:
        if (!this.privileged) return;
        if (d.op >= 2) {
          const value = d.op === 3 ? 1 : 0;
          if (d.imm2 & 4) s.a = value;
          if (d.imm2 & 2) s.i = value;
          if (d.imm2 & 1) s.f = value;
        }
        if (d.s && bankOf(d.imm) >= 0) s.switchMode(d.imm);
        return;
      case Kind.SETEND:
        s.e = (d.raw >>> 9) & 1;
        return;
      case Kind.SRS:
        this.storeReturnState(d);
        return;
      case Kind.RFE:
        this.returnFromException(d);
        return;
      case Kind.MCR:
      case Kind.MRC:
      case Kind.MCRR:
      case Kind.MRRC:
      case Kind.COPROCESSOR:
        this.coprocessorInstruction(d);
        return;
      case Kind.NEON_DP:
      case Kind.NEON_LS:
        if (!(d.kind === Kind.NEON_DP ? this.neon.executeNeon(d.raw) : this.neon.loadStoreNeon(d.raw))) {
          this.logOnce(
            this.instructionAddress,
            `arm: Advanced SIMD instruction 0x${d.raw.toString(16).padStart(8, '0')} at 0x${this.instructionAddress.toString(16)} is UNDEFINED or not implemented: undefined-instruction exception`,
          );
          this.raiseUndefined();
        }
        return;
      default:
        this.logOnce(
          this.instructionAddress,
          `arm: undefined instruction 0x${d.raw.toString(16).padStart(d.size * 2, '0')} (${s.t !== 0 ? disassembleThumb(d, this.instructionAddress) : disassembleA32(d, this.instructionAddress)}) at 0x${this.instructionAddress.toString(16)}${s.t !== 0 ? ' (Thumb)' : ''}`,
        );
        this.raiseUndefined();
    }
  }

  /** MSR (B9.3.11/12, A8.8.113): field mask c x s f; PL0 writes only N Z C V Q and GE. */
  private moveToStatusRegister(spsr: number, fieldMask: number, value: number): void {
    const s = this.state;
    let mask = 0;
    if (fieldMask & 1) mask |= 0x000000ff;
    if (fieldMask & 2) mask |= 0x0000ff00;
    if (fieldMask & 4) mask |= 0x00ff0000;
    if (fieldMask & 8) mask |= 0xff000000;
    if (spsr) {
      if (!s.hasSpsr()) this.raiseUndefined();
      s.setSpsr(value, mask);
      return;
    }
    // The execution state bits are never written by MSR (B9.3.12).
    mask &= ~(Psr.T | Psr.IT_LOW | Psr.IT_HIGH | Psr.J);
    if (!this.privileged) mask &= Psr.N | Psr.Z | Psr.C | Psr.V | Psr.Q | Psr.GE;
    s.setCpsr(value, mask);
  }

  /** SRS (B9.3.16): stores LR and SPSR to the stack of the mode named in the instruction. */
  private storeReturnState(d: DecodedInstruction): void {
    const s = this.state;
    if (!this.privileged || !s.hasSpsr()) this.raiseUndefined();
    const mode = d.imm;
    const bank = bankOf(mode);
    if (bank < 0) this.raiseUndefined();
    const base = s.getModeRegister(mode, 13);
    const address = (d.u ? (d.p ? base + 4 : base) : d.p ? base - 8 : base - 4) >>> 0;
    this.checkWordAligned(address, true);
    this.write32(address, s.r[14]);
    this.write32(address + 4, s.getSpsr());
    if (d.w) {
      const newBase = d.u ? base + 8 : base - 8;
      if (bank === bankOf(s.mode)) s.r[13] = newBase;
      else s.bankedSpLr[bank * 2] = newBase;
    }
  }

  /** RFE (B9.3.13): loads PC and CPSR. */
  private returnFromException(d: DecodedInstruction): void {
    const s = this.state;
    if (!this.privileged) this.raiseUndefined();
    const base = s.r[d.rn];
    const address = (d.u ? (d.p ? base + 4 : base) : d.p ? base - 8 : base - 4) >>> 0;
    this.checkWordAligned(address, false);
    const pc = this.read32(address);
    const cpsr = this.read32(address + 4);
    if (d.w) s.r[d.rn] = d.u ? base + 8 : base - 8;
    s.setCpsr(cpsr);
    this.nextPc = s.t ? pc & ~1 : pc & ~3;
  }

  private coprocessorInstruction(d: DecodedInstruction): void {
    const raw = d.raw;
    const number = (raw >>> 8) & 0xf;
    const coprocessor = this.coprocessors[number];
    const r = this.state.r;
    const transfer = this.transfer;
    let ok = false;
    if (coprocessor !== null) {
      switch (d.kind) {
        case Kind.MRC:
          ok = coprocessor.read(raw, transfer, this.privileged);
          if (ok) {
            if (d.rd === 15) {
              // MRC to APSR_nzcv (A8.8.108).
              const s = this.state;
              s.n = (transfer[0] >>> 31) & 1;
              s.z = (transfer[0] >>> 30) & 1;
              s.c = (transfer[0] >>> 29) & 1;
              s.v = (transfer[0] >>> 28) & 1;
            } else r[d.rd] = transfer[0];
          }
          break;
        case Kind.MCR:
          transfer[0] = r[d.rd];
          ok = coprocessor.write(raw, transfer, this.privileged);
          break;
        case Kind.MRRC:
          ok = coprocessor.read(raw, transfer, this.privileged);
          if (ok) {
            r[d.rd] = transfer[0];
            r[d.rn] = transfer[1];
          }
          break;
        case Kind.MCRR:
          transfer[0] = r[d.rd];
          transfer[1] = r[d.rn];
          ok = coprocessor.write(raw, transfer, this.privileged);
          break;
        default:
          ok = coprocessor.execute(raw, this.privileged);
      }
    }
    if (!ok) {
      this.logOnce(
        this.instructionAddress,
        `arm: coprocessor instruction 0x${raw.toString(16).padStart(8, '0')} (${disassembleA32(d, this.instructionAddress)}) at 0x${this.instructionAddress.toString(16)} is not implemented: undefined-instruction exception`,
      );
      this.raiseUndefined();
    }
  }

  /** Parallel additions and subtractions (A5.4.1, A5.4.2): op = prefix << 3 | operation. */
  private parallelAddSubtract(d: DecodedInstruction): void {
    const s = this.state;
    const prefix = d.op >>> 3;
    const operation = d.op & 7;
    if (prefix === 0 || prefix === 4 || operation === 5 || operation === 6) this.raiseUndefined();
    const n = this.state.r[d.rn];
    const m = this.state.r[d.rm];
    const signed = prefix < 4;
    const kind = prefix & 3; // 1 plain (sets GE), 2 saturating, 3 halving
    const bytes = operation >= 4;
    const laneBits = bytes ? 8 : 16;
    const lanes = bytes ? 4 : 2;
    const laneMask = bytes ? 0xff : 0xffff;
    let result = 0;
    let ge = 0;
    for (let k = 0; k < lanes; k++) {
      const shift = k * laneBits;
      let a = (n >>> shift) & laneMask;
      // ASX: lane 0 subtracts m's lane 1, lane 1 adds m's lane 0; SAX the reverse.
      const otherLane = operation === 1 || operation === 2 ? 1 - k : k;
      let b = (m >>> (otherLane * laneBits)) & laneMask;
      if (signed) {
        a = (a << (32 - laneBits)) >> (32 - laneBits);
        b = (b << (32 - laneBits)) >> (32 - laneBits);
      }
      let subtract: boolean;
      switch (operation) {
        case 0:
        case 4:
          subtract = false;
          break;
        case 1:
          subtract = k === 0;
          break;
        case 2:
          subtract = k === 1;
          break;
        default:
          subtract = true;
      }
      let value = subtract ? a - b : a + b;
      if (kind === 1) {
        const geSet = signed ? value >= 0 : subtract ? value >= 0 : value >= 1 << laneBits;
        if (geSet) ge |= bytes ? 1 << k : 3 << (2 * k);
      } else if (kind === 2) {
        value = signed ? signedSaturate(value, laneBits) : unsignedSaturate(value, laneBits);
      } else {
        value >>= 1;
      }
      result |= (value & laneMask) << shift;
    }
    s.r[d.rd] = result;
    if (kind === 1) s.ge = ge;
  }
}
