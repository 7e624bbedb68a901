// The P6-class 32-bit x86 interpreter: fetch through the software TLB, decode with decode.ts,
// execute by opcode. Guest faults are a pre-allocated signal (GUEST_FAULT) thrown from the slow
// paths (TLB miss with a page fault, a segment check that fails) and caught once per step, so the
// fast path has no checks beyond one tag compare per memory access. Decoded instructions are
// cached per physical page and dropped when the page is written (see README.md).

import type { IoPorts } from '../../hw/ioports.js';
import type { PhysicalMemory } from '../../hw/memory.js';
import { decode, DecodedInstruction, DecodeStatus, type ByteSource } from './decode.js';
import { disassemble } from './disasm.js';
import { CcOp, LazyFlags, parityFlag } from './flags.js';
import { executeX87, isNonWaiting, X87, type X87Host } from './fpu.js';
import { ARITHMETIC_FLAGS, CS, Cr0, Cr4, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, Flag, FS, GS, LDTR, SS, TR, Vector, X86State } from './state.js';

export interface X86CpuOptions {
  log?: (line: string) => void;
}

/** The one object thrown for a guest exception inside an instruction (never a host error). */
class GuestFault {
  vector = 0;
  /** -1: no error code. */
  errorCode = -1;
}
const GUEST_FAULT = new GuestFault();

/** EFLAGS bits that exist on a P6 (SDM 1, 3.4.3); bit 1 always reads 1. */
const EFLAGS_MASK = 0x3f7fd5;

/** Access-rights bits of the segment cache (descriptor byte 5 and the flags nibble). */
const ACCESS_ACCESSED = 0x01;
const ACCESS_RW = 0x02; // data: writable; code: readable
const ACCESS_DC = 0x04; // data: expand-down; code: conforming
const ACCESS_CODE = 0x08;
const ACCESS_S = 0x10;
const ACCESS_PRESENT = 0x80;
const ACCESS_DB = 0x4000;

/** Why a task switch happens (SDM 3A 7.3, Table 7-2). */
const TASK_JMP = 0;
const TASK_CALL = 1;
const TASK_IRET = 2;

const TLB_BITS = 12;
const TLB_SIZE = 1 << TLB_BITS;
const TLB_MASK = TLB_SIZE - 1;
const USER_TAG = 1 << 20;
const NO_PAGE = new Uint8Array(0);

/** Physical pages that may hold decoded instructions at once, and decoded instructions in all. */
const CODE_SLOTS = 512;
const CODE_RECORDS = 1 << 16;

/**
 * The instructions executeCommon32 does, by opcode (0 none): a small dense number to switch on
 * (a switch on the sparse opcodes themselves compiles to a chain of compares).
 */
const COMMON_ALU_E_G = 1;
const COMMON_ALU_G_E = 2;
const COMMON_INC_DEC = 3;
const COMMON_JCC = 4;
const COMMON_ALU_E_I = 5;
const COMMON_TEST = 6;
const COMMON_MOV_E_G = 7;
const COMMON_MOV_G_E = 8;
const COMMON_LEA = 9;
const COMMON_MOVZX_B = 10;
const COMMON_ALU_A_I = 11;
const COMMON_ALU_EB_IB = 12;
const COMMON_MOV_EB_IB = 13;
const COMMON_SHIFT_IB = 14;
const COMMON_PUSH_R = 15;
const COMMON_POP_R = 16;
const COMMON_CALL_J = 17;
const COMMON_RET = 18;
const COMMON_JMP_J = 19;
const COMMON32 = new Uint8Array(512);
for (let aluOp = 0; aluOp < 8; aluOp++) {
  COMMON32[aluOp * 8 + 1] = COMMON_ALU_E_G;
  COMMON32[aluOp * 8 + 3] = COMMON_ALU_G_E;
  COMMON32[aluOp * 8 + 5] = COMMON_ALU_A_I;
}
for (let i = 0; i < 16; i++) {
  COMMON32[0x40 + i] = COMMON_INC_DEC;
  COMMON32[0x70 + i] = COMMON_JCC;
  COMMON32[0x180 + i] = COMMON_JCC;
}
for (let r = 0; r < 8; r++) {
  COMMON32[0x50 + r] = COMMON_PUSH_R;
  COMMON32[0x58 + r] = COMMON_POP_R;
}
COMMON32[0xe8] = COMMON_CALL_J;
COMMON32[0xc3] = COMMON_RET;
COMMON32[0xe9] = COMMON_JMP_J;
COMMON32[0xeb] = COMMON_JMP_J;
COMMON32[0x80] = COMMON_ALU_EB_IB;
COMMON32[0x82] = COMMON_ALU_EB_IB;
COMMON32[0x81] = COMMON_ALU_E_I;
COMMON32[0x83] = COMMON_ALU_E_I;
COMMON32[0x85] = COMMON_TEST;
COMMON32[0x89] = COMMON_MOV_E_G;
COMMON32[0x8b] = COMMON_MOV_G_E;
COMMON32[0x8d] = COMMON_LEA;
COMMON32[0x1b6] = COMMON_MOVZX_B;
COMMON32[0xc6] = COMMON_MOV_EB_IB;
COMMON32[0xc1] = COMMON_SHIFT_IB;

/** MSR numbers (SDM 4). */
const MSR_TSC = 0x10;
const MSR_APIC_BASE = 0x1b;
const MSR_SYSENTER_CS = 0x174;
const MSR_SYSENTER_ESP = 0x175;
const MSR_SYSENTER_EIP = 0x176;

/**
 * Instruction bytes for the decoder: straight from the TLB's RAM page while the instruction stays
 * inside that page and the CS limit, else through fetchCodeByte (which checks and may fault).
 */
class CodeFetcher implements ByteSource {
  bytes: Uint8Array = NO_PAGE;
  offset = 0;
  /** Bytes that may be read directly. */
  direct = 0;
  constructor(private readonly cpu: X86Cpu) {}
  byteAt(index: number): number {
    if (index < this.direct) return this.bytes[this.offset + index];
    return this.cpu.fetchCodeByte(index);
  }
}

export class X86Cpu implements X87Host {
  readonly state = new X86State();
  /** The segment caches' arrays (the same objects as in state), one load closer for the hot paths. */
  private readonly segmentBase = this.state.segments.base;
  private readonly segmentLimit = this.state.segments.limit;
  private readonly segmentAccess = this.state.segments.access;
  readonly flags = new LazyFlags();
  /** The x87 FPU (fpu.ts). */
  readonly fpu = new X87();
  halted = false;
  instructions = 0;
  softwareInterruptHook: ((vector: number) => boolean) | null = null;
  exceptionHook: ((vector: number, errorCode: number) => boolean) | null = null;
  /**
   * Called on a triple fault (shutdown). A machine resets itself and its devices there; without a
   * hook the CPU resets itself, as a PC's chipset would have it do.
   */
  shutdownHook: (() => void) | null = null;
  /** Triple faults since construction. */
  shutdowns = 0;
  /** FERR#: a PC wires it to IRQ 13 (see fpuWait). */
  ferrLine: { set(level: boolean): void } | null = null;
  private ignoreFpuErrors = false;
  interruptController: { hasInterrupt(): boolean; acknowledge(): number } | null = null;
  /** Iterations of a REP string instruction done per step (each iteration is one step for step(); run() batches). */
  private repeatBudget = 1;

  private readonly log: (line: string) => void;
  /** The instruction being executed: a record of the decoded-instruction cache, or `scratch`. */
  private inst: DecodedInstruction;
  /** Where instructions that are not cached are decoded. */
  private readonly scratch = new DecodedInstruction();
  private readonly fetcher: CodeFetcher;
  private stopRequested = false;
  /** Address mask of the A20 gate: all ones, or bit 20 clear while the gate is off. */
  private a20Mask = -1;
  /** EIP of the instruction being executed (faults restart it). */
  private instructionStart = 0;
  /** Linear address of the current instruction's first byte. */
  private fetchBase = 0;
  /** An instruction after MOV SS / POP SS / STI is not interrupted (SDM 3A 6.8.3). */
  private interruptShadow = false;
  private readonly loggedUnimplemented = new Set<string>();
  /** Linear address of the current memory operand. */
  private ea = 0;
  /** Descriptor scratch (readDescriptor). */
  private descriptorLow = 0;
  private descriptorHigh = 0;
  private descriptorAddress = 0;
  /** MSRs a P6 has that we keep. */
  private sysenterCs = 0;
  private sysenterEsp = 0;
  private sysenterEip = 0;
  private apicBase = 0xfee00900;
  /** Exception delivery nesting, for double and triple faults (SDM 3A 6.15, interrupt 8). */
  private deliveringVector = -1;
  /** Set by enterFlatProtectedMode: built-in flat descriptors for its selectors (readDescriptor). */
  private flatDescriptors = false;
  private flatCodeSelector = 0;

  // Software TLB, direct-mapped on the linear page number; a tag is the page number, plus
  // USER_TAG when filled for a CPL-3 access. Entries map to RAM only; MMIO always misses.
  private readonly tlbReadTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly tlbWriteTag = new Int32Array(TLB_SIZE).fill(-1);
  private readonly tlbBytes: Uint8Array[] = new Array<Uint8Array>(TLB_SIZE).fill(NO_PAGE);
  /** Offset in tlbBytes of the page's first byte. */
  private readonly tlbOffset = new Int32Array(TLB_SIZE);
  /** Physical page number of each entry. */
  private readonly tlbPhysicalPage = new Int32Array(TLB_SIZE);
  /** The code slot last found for each entry; valid while codeSlotPage[slot] is still the entry's page. */
  private readonly tlbCodeSlot = new Int32Array(TLB_SIZE).fill(-1);

  // Decoded-instruction cache, keyed by physical page (so it survives CR3 loads and serves aliases).
  // A page with decoded code has a slot: a map from byte offset to a record (0: none). Such a page
  // never has a TLB write entry, so every write to it takes the slow path (translate, or
  // PhysicalMemory's write watcher for writes from outside the CPU), which drops the page's code.
  private readonly codeSlotByPage = new Map<number, number>();
  /** Physical page number held by each slot, or -1. */
  private readonly codeSlotPage = new Int32Array(CODE_SLOTS).fill(-1);
  private readonly codeMaps: Int32Array[] = [];
  private readonly freeCodeSlots = new Int32Array(CODE_SLOTS);
  private freeCodeSlotCount = 0;
  /** Decoded instructions; record 0 is unused (0 means "none" in a code map). */
  private readonly records: DecodedInstruction[] = [new DecodedInstruction()];
  /** Per record: decoded with 32-bit default operand and address size (CS.D). */
  private readonly recordCode32 = new Uint8Array(CODE_RECORDS);
  private recordsUsed = 1;
  /**
   * The page instructions were last fetched from: its TLB tag (-1 none) and code map. Reset by
   * every change that could make them stale (TLB flush or refill, code dropped or flushed).
   */
  private fetchTag = -1;
  private fetchMap: Int32Array = new Int32Array(0);

  constructor(
    private readonly memory: PhysicalMemory,
    private readonly io: IoPorts,
    options: X86CpuOptions = {},
  ) {
    this.log = options.log ?? (() => undefined);
    this.fetcher = new CodeFetcher(this);
    this.inst = this.scratch;
    this.flushCode();
    memory.watchWrites((address, length) => {
      if (this.codeSlotByPage.size === 0) return;
      for (let page = Math.floor(address / 4096); page * 4096 < address + length; page++) this.dropCode(page);
    });
    this.reset();
  }

  // ---------------------------------------------------------------------------------------------
  // Reset, flags, modes

  /** Power-on state (SDM 3A 9.1.1, Table 9-1). */
  reset(): void {
    const s = this.state;
    s.reg.fill(0);
    s.reg[EDX] = 0x0673; // family 6 model 7 stepping 3, as CPUID leaf 1 EAX
    s.eip = 0xfff0;
    s.eflags = 0x2;
    this.flags.setAll(0);
    s.cr0 = Cr0.ET | Cr0.CD | Cr0.NW;
    s.cr2 = 0;
    s.cr3 = 0;
    s.cr4 = 0;
    s.dr.fill(0);
    s.dr[6] = 0xffff0ff0 | 0;
    s.dr[7] = 0x400;
    s.gdtrBase = 0;
    s.gdtrLimit = 0xffff;
    s.idtrBase = 0;
    s.idtrLimit = 0xffff;
    s.cpl = 0;
    s.tsc = 0;
    this.flatDescriptors = false;
    for (let seg = 0; seg < 6; seg++) this.setSegment(seg, 0, 0, 0xffff, ACCESS_PRESENT | ACCESS_S | ACCESS_RW | ACCESS_ACCESSED);
    this.setSegment(CS, 0xf000, 0xffff0000 | 0, 0xffff, ACCESS_PRESENT | ACCESS_S | ACCESS_CODE | ACCESS_RW | ACCESS_ACCESSED);
    this.setSegment(LDTR, 0, 0, 0xffff, 0x82);
    this.setSegment(TR, 0, 0, 0xffff, 0x83);
    this.halted = false;
    this.instructions = 0;
    this.interruptShadow = false;
    this.deliveringVector = -1;
    this.sysenterCs = 0;
    this.sysenterEsp = 0;
    this.sysenterEip = 0;
    this.apicBase = 0xfee00900;
    this.fpu.reset();
    this.flushCaches();
  }

  getEflags(): number {
    return ((this.state.eflags & ~ARITHMETIC_FLAGS & EFLAGS_MASK) | this.flags.compute() | 2) >>> 0;
  }

  setEflags(value: number): void {
    this.state.eflags = (value & EFLAGS_MASK & ~ARITHMETIC_FLAGS) | 2;
    this.flags.setAll(value);
  }

  private get protectedMode(): boolean {
    return (this.state.cr0 & Cr0.PE) !== 0;
  }

  private get v86Mode(): boolean {
    return (this.state.eflags & Flag.VM) !== 0;
  }

  private get iopl(): number {
    return (this.state.eflags >> 12) & 3;
  }

  private setSegment(seg: number, selector: number, base: number, limit: number, access: number): void {
    const c = this.state.segments;
    c.selector[seg] = selector;
    c.base[seg] = base;
    c.limit[seg] = limit;
    c.access[seg] = access;
  }

  enterFlatProtectedMode(cpl: 0 | 3): void {
    const s = this.state;
    s.cr0 = (s.cr0 | Cr0.PE | Cr0.ET) & ~Cr0.PG;
    s.eflags &= ~Flag.VM;
    s.cpl = cpl;
    const dpl = cpl << 5;
    const code = ACCESS_PRESENT | ACCESS_S | ACCESS_CODE | ACCESS_RW | ACCESS_ACCESSED | dpl | ACCESS_DB | 0x8000;
    const data = ACCESS_PRESENT | ACCESS_S | ACCESS_RW | ACCESS_ACCESSED | dpl | ACCESS_DB | 0x8000;
    // The selectors QEMU's linux-user gives a 32-bit process: CS 0x23 (GDT entry 4), DS 0x2b
    // (entry 5); at CPL 0, entries 2 and 3. Until the guest's GDT covers them, descriptor loads
    // of these selectors see built-in flat descriptors (readDescriptor), so POP ES and the like work.
    const codeSelector = cpl === 3 ? 0x23 : 0x10;
    const dataSelector = cpl === 3 ? 0x2b : 0x18;
    this.setSegment(LDTR, 0, 0, 0, 0);
    this.setSegment(TR, 0, 0, 0, 0);
    this.flatDescriptors = true;
    this.flatCodeSelector = codeSelector;
    s.gdtrBase = 0;
    s.gdtrLimit = 0;
    s.idtrBase = 0;
    s.idtrLimit = 0;
    for (let seg = 0; seg < 6; seg++) {
      const selector = seg === CS ? codeSelector : seg === FS || seg === GS ? 0 : dataSelector;
      this.setSegment(seg, selector, 0, -1, seg === CS ? code : data);
    }
    this.flushCaches();
  }

  /** Drops the TLB and all decoded instructions (call it when RAM regions change under the CPU). */
  flushCaches(): void {
    this.flushTlb();
    this.flushCode();
  }

  /** Drops the TLB (paging changes); decoded code is keyed by physical page and stays valid. */
  private flushTlb(): void {
    this.tlbReadTag.fill(-1);
    this.tlbWriteTag.fill(-1);
    this.tlbBytes.fill(NO_PAGE);
    this.tlbCodeSlot.fill(-1);
    this.fetchTag = -1;
  }

  private flushCode(): void {
    this.codeSlotByPage.clear();
    this.codeSlotPage.fill(-1);
    for (let i = 0; i < CODE_SLOTS; i++) this.freeCodeSlots[i] = CODE_SLOTS - 1 - i;
    this.freeCodeSlotCount = CODE_SLOTS;
    this.recordsUsed = 1;
    this.fetchTag = -1;
  }

  /** Drops the decoded instructions of a physical page (it is being written). */
  private dropCode(physicalPage: number): void {
    const slot = this.codeSlotByPage.get(physicalPage);
    if (slot === undefined) return;
    this.codeSlotByPage.delete(physicalPage);
    this.codeSlotPage[slot] = -1;
    this.freeCodeSlots[this.freeCodeSlotCount++] = slot;
    this.fetchTag = -1;
  }

  /** The code slot of TLB entry `index`'s physical page, made on first use. */
  private codeSlotFor(index: number): number {
    const physicalPage = this.tlbPhysicalPage[index];
    let slot = this.codeSlotByPage.get(physicalPage);
    if (slot === undefined) {
      if (this.freeCodeSlotCount === 0) this.flushCode();
      slot = this.freeCodeSlots[--this.freeCodeSlotCount];
      this.codeSlotByPage.set(physicalPage, slot);
      this.codeSlotPage[slot] = physicalPage;
      if (slot < this.codeMaps.length) this.codeMaps[slot].fill(0);
      else while (this.codeMaps.length <= slot) this.codeMaps.push(new Int32Array(4096));
      // From now on writes to the page must take the slow path, which drops its code.
      const physical = this.tlbPhysicalPage;
      for (let i = 0; i < TLB_SIZE; i++) if (physical[i] === physicalPage) this.tlbWriteTag[i] = -1;
    }
    this.tlbCodeSlot[index] = slot;
    return slot;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /**
   * The A20 gate (the PC's A20M# input, driven by the 8042 output port and port 0x92): while it is
   * off, address bit 20 of every memory access reads as 0, so 0x100000–0x10FFFF wraps to 0
   * (SDM 3A 8.7.13.4). Page-table walks are masked too, as on a real processor.
   */
  setA20(enabled: boolean): void {
    const mask = enabled ? -1 : ~(1 << 20);
    if (mask === this.a20Mask) return;
    this.a20Mask = mask;
    this.flushTlb();
  }

  /** EFLAGS.IF: maskable interrupts are taken. */
  get interruptsEnabled(): boolean {
    return (this.state.eflags & Flag.IF) !== 0;
  }

  get a20Enabled(): boolean {
    return this.a20Mask === -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  /** Raises a guest exception from inside an instruction; never returns. */
  private fault(vector: number, errorCode = -1): never {
    GUEST_FAULT.vector = vector;
    GUEST_FAULT.errorCode = errorCode;
    throw GUEST_FAULT;
  }

  private gp(errorCode: number): never {
    return this.fault(Vector.GP, errorCode & 0xffff);
  }

  private undefinedOpcode(): never {
    const inst = this.inst;
    const key = `${this.state.segments.selector[CS]}:${this.instructionStart}`;
    if (!this.loggedUnimplemented.has(key) && this.loggedUnimplemented.size < 1000) {
      this.loggedUnimplemented.add(key);
      const bytes: string[] = [];
      const code = new Uint8Array(Math.max(1, inst.length));
      for (let i = 0; i < code.length; i++) {
        const byte = this.peekLinear8(this.fetchBase + i);
        code[i] = byte < 0 ? 0 : byte;
        bytes.push(byte < 0 ? '??' : byte.toString(16).padStart(2, '0'));
      }
      const text = disassemble(code, 0, this.codeSize32(), this.instructionStart).text;
      this.log(
        `x86: invalid or unimplemented opcode at ${this.state.segments.selector[CS].toString(16).padStart(4, '0')}:${(this.instructionStart >>> 0).toString(16).padStart(8, '0')}: ${bytes.join(' ')} (${text}); raising #UD`,
      );
    }
    return this.fault(Vector.UD);
  }

  private codeSize32(): boolean {
    return (this.segmentAccess[CS] & ACCESS_DB) !== 0 && !this.v86Mode && this.protectedMode;
  }

  // ---------------------------------------------------------------------------------------------
  // Paging and the software TLB (SDM 3A 4.3, 32-bit paging, 4 KiB and 4 MiB pages)

  /**
   * Translates `linear` for an access of the given kind, filling the TLB. Returns the physical
   * address, or -1 after recording a page fault in GUEST_FAULT (and CR2) when `raise` is false.
   */
  private translate(linear: number, write: boolean, user: boolean, raise: boolean): number {
    const s = this.state;
    linear >>>= 0;
    let physical: number;
    let writable = true;
    let dirty = true;
    const a20 = this.a20Mask;
    if ((s.cr0 & Cr0.PG) === 0) {
      physical = (linear & a20) >>> 0;
    } else {
      const pdeAddress = ((((s.cr3 & 0xfffff000) >>> 0) + ((linear >>> 22) << 2)) & a20) >>> 0;
      const pde = this.memory.read32(pdeAddress);
      if ((pde & 1) === 0) return this.pageFault(linear, write, user, false, raise);
      let pte: number;
      let pteAddress: number;
      let large = false;
      if ((pde & 0x80) !== 0 && (s.cr4 & Cr4.PSE) !== 0) {
        large = true;
        pte = pde;
        pteAddress = pdeAddress;
      } else {
        pteAddress = ((((pde & 0xfffff000) >>> 0) + (((linear >>> 12) & 0x3ff) << 2)) & a20) >>> 0;
        pte = this.memory.read32(pteAddress);
        if ((pte & 1) === 0) return this.pageFault(linear, write, user, false, raise);
      }
      const userOk = (pde & pte & 4) !== 0;
      writable = (pde & pte & 2) !== 0;
      if (user && !userOk) return this.pageFault(linear, write, user, true, raise);
      if (!writable && (user || (s.cr0 & Cr0.WP) !== 0)) {
        if (write) return this.pageFault(linear, write, user, true, raise);
      } else writable = true;
      if (user && !userOk) writable = false;
      // Accessed and dirty bits (SDM 3A 4.8).
      if (!large && (pde & 0x20) === 0) this.memory.write32(pdeAddress, pde | 0x20);
      const wanted = write ? 0x60 : 0x20;
      if ((pte & wanted) !== wanted) this.memory.write32(pteAddress, pte | wanted);
      dirty = write || (pte & 0x40) !== 0;
      physical = large ? ((pte & 0xffc00000) >>> 0) + (linear & 0x3fffff) : ((pte & 0xfffff000) >>> 0) + (linear & 0xfff);
      physical = (physical & a20) >>> 0;
    }
    const pagePhysical = physical - (physical & 0xfff);
    const physicalPage = Math.floor(physical / 4096);
    let codePage = false;
    if (this.codeSlotByPage.size !== 0) {
      if (write) this.dropCode(physicalPage);
      else codePage = this.codeSlotByPage.has(physicalPage);
    }
    const ram = this.memory.ramAt(pagePhysical);
    if (ram !== null && pagePhysical + 4096 <= ram.region.end) {
      const index = (linear >>> 12) & TLB_MASK;
      const tag = (linear >>> 12) | (user ? USER_TAG : 0);
      this.tlbBytes[index] = ram.bytes;
      this.tlbOffset[index] = ram.offset;
      this.fetchTag = -1;
      this.tlbPhysicalPage[index] = physicalPage;
      this.tlbReadTag[index] = tag;
      this.tlbWriteTag[index] = ram.writable && writable && dirty && !codePage ? tag : -1;
    }
    return physical;
  }

  private pageFault(linear: number, write: boolean, user: boolean, present: boolean, raise: boolean): number {
    this.state.cr2 = linear | 0;
    GUEST_FAULT.vector = Vector.PF;
    GUEST_FAULT.errorCode = (present ? 1 : 0) | (write ? 2 : 0) | (user ? 4 : 0);
    if (raise) throw GUEST_FAULT;
    return -1;
  }

  private get userAccess(): boolean {
    return this.state.cpl === 3;
  }

  read8(linear: number): number {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if (this.tlbReadTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      return this.tlbBytes[index][this.tlbOffset[index] + (linear & 0xfff)];
    }
    return this.memory.read8(this.translate(linear, false, this.userAccess, true));
  }

  read16(linear: number): number {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if ((linear & 0xfff) <= 0xffe && this.tlbReadTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (linear & 0xfff);
      return bytes[offset] | (bytes[offset + 1] << 8);
    }
    if ((linear & 0xfff) === 0xfff) return this.read8(linear) | (this.read8(linear + 1) << 8);
    return this.memory.read16(this.translate(linear, false, this.userAccess, true));
  }

  read32(linear: number): number {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if ((linear & 0xfff) <= 0xffc && this.tlbReadTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (linear & 0xfff);
      return bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
    }
    if ((linear & 0xfff) > 0xffc) {
      return this.read8(linear) | (this.read8(linear + 1) << 8) | (this.read8(linear + 2) << 16) | (this.read8(linear + 3) << 24);
    }
    return this.memory.read32(this.translate(linear, false, this.userAccess, true)) | 0;
  }

  /** Makes sure `size` bytes at `linear` may be written (faulting now, before any byte changes). */
  private probeWrite(linear: number, size: number): void {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    const user = this.state.cpl === 3;
    if (this.tlbWriteTag[index] !== (user ? page | USER_TAG : page)) this.translate(linear, true, user, true);
    if (((linear & 0xfff) + size) > 0x1000) {
      const next = (linear + size - 1) >>> 12;
      if (this.tlbWriteTag[next & TLB_MASK] !== (user ? next | USER_TAG : next)) this.translate(linear + size - 1, true, user, true);
    }
  }

  write8(linear: number, value: number): void {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if (this.tlbWriteTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      this.tlbBytes[index][this.tlbOffset[index] + (linear & 0xfff)] = value;
      return;
    }
    this.memory.write8(this.translate(linear, true, this.userAccess, true), value & 0xff);
  }

  write16(linear: number, value: number): void {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if ((linear & 0xfff) <= 0xffe && this.tlbWriteTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (linear & 0xfff);
      bytes[offset] = value;
      bytes[offset + 1] = value >> 8;
      return;
    }
    if ((linear & 0xfff) === 0xfff) {
      this.probeWrite(linear, 2);
      this.write8(linear, value);
      this.write8(linear + 1, value >> 8);
      return;
    }
    this.memory.write16(this.translate(linear, true, this.userAccess, true), value & 0xffff);
  }

  write32(linear: number, value: number): void {
    const page = linear >>> 12;
    const index = page & TLB_MASK;
    if ((linear & 0xfff) <= 0xffc && this.tlbWriteTag[index] === (this.state.cpl === 3 ? page | USER_TAG : page)) {
      const bytes = this.tlbBytes[index];
      const offset = this.tlbOffset[index] + (linear & 0xfff);
      bytes[offset] = value;
      bytes[offset + 1] = value >> 8;
      bytes[offset + 2] = value >> 16;
      bytes[offset + 3] = value >> 24;
      return;
    }
    if ((linear & 0xfff) > 0xffc) {
      this.probeWrite(linear, 4);
      this.write8(linear, value);
      this.write8(linear + 1, value >> 8);
      this.write8(linear + 2, value >> 16);
      this.write8(linear + 3, value >> 24);
      return;
    }
    this.memory.write32(this.translate(linear, true, this.userAccess, true), value >>> 0);
  }

  /** System-structure accesses (descriptor tables, TSS, IDT) are supervisor accesses (SDM 3A 4.6). */
  private readSystem32(linear: number): number {
    return this.memory.read32(this.translate(linear, false, false, true)) | 0;
  }

  private readSystem16(linear: number): number {
    return this.readSystem32(linear) & 0xffff;
  }

  private writeSystem32(linear: number, value: number): void {
    this.memory.write32(this.translate(linear, true, false, true), value >>> 0);
  }

  /** A byte of linear memory, or -1 on a page fault (for diagnostics; no fault is raised). */
  private peekLinear8(linear: number): number {
    const physical = this.translate(linear, false, false, false);
    return physical < 0 ? -1 : this.memory.read8(physical);
  }

  readLinear(address: number, into: Uint8Array): boolean {
    const user = this.userAccess;
    for (let i = 0; i < into.length; ) {
      const physical = this.translate(address + i, false, user, false);
      if (physical < 0) return false;
      const n = Math.min(into.length - i, 0x1000 - ((address + i) & 0xfff));
      this.memory.readBytes(physical, into.subarray(i, i + n));
      i += n;
    }
    return true;
  }

  writeLinear(address: number, from: Uint8Array): boolean {
    const user = this.userAccess;
    for (let i = 0; i < from.length; ) {
      const physical = this.translate(address + i, true, user, false);
      if (physical < 0) return false;
      const n = Math.min(from.length - i, 0x1000 - ((address + i) & 0xfff));
      this.memory.writeBytes(physical, from.subarray(i, i + n));
      i += n;
    }
    return true;
  }

  /** Instruction byte `index` of the current instruction (CS limit checked; SDM 3A 5.3). */
  fetchCodeByte(index: number): number {
    const offset = (this.instructionStart + index) >>> 0;
    if (offset > this.state.segments.limit[CS] >>> 0) this.gp(0);
    return this.read8((this.fetchBase + index) | 0);
  }

  // ---------------------------------------------------------------------------------------------
  // Segmentation (SDM 3A ch. 3 and 5)

  /** Linear address of seg:offset for an access of `size` bytes, with limit and rights checks. */
  private linear(seg: number, offset: number, size: number, write: boolean): number {
    const access = this.segmentAccess[seg];
    offset >>>= 0;
    const limit = this.segmentLimit[seg] >>> 0;
    if ((access & (ACCESS_CODE | ACCESS_DC)) === ACCESS_DC) {
      // Expand-down data segment: valid offsets are above the limit (SDM 3A 5.3).
      const top = (access & ACCESS_DB) !== 0 ? 0xffffffff : 0xffff;
      if (offset <= limit || offset + size - 1 > top) this.segmentFault(seg);
    } else if (offset + size - 1 > limit) {
      this.segmentFault(seg);
    }
    if (this.protectedMode && !this.v86Mode) {
      if ((access & ACCESS_PRESENT) === 0) this.segmentFault(seg);
      if (write) {
        if ((access & (ACCESS_CODE | ACCESS_RW)) !== ACCESS_RW) this.segmentFault(seg);
      } else if ((access & (ACCESS_CODE | ACCESS_RW)) === ACCESS_CODE) this.segmentFault(seg);
    }
    return (this.segmentBase[seg] + offset) | 0;
  }

  private segmentFault(seg: number): never {
    return this.fault(seg === SS ? Vector.SS : Vector.GP, 0);
  }

  private readDescriptor(selector: number): boolean {
    const s = this.state;
    let base: number;
    let limit: number;
    if ((selector & 4) !== 0) {
      if ((s.segments.selector[LDTR] & 0xfffc) === 0) return false;
      base = s.segments.base[LDTR];
      limit = s.segments.limit[LDTR] >>> 0;
    } else {
      base = s.gdtrBase;
      limit = s.gdtrLimit >>> 0;
    }
    const offset = selector & 0xfff8;
    if (offset + 7 > limit) {
      if (!this.flatDescriptors || (selector & 4) !== 0) return false;
      const index = offset >> 3;
      const codeIndex = this.flatCodeSelector >> 3;
      if (index !== codeIndex && index !== codeIndex + 1) return false;
      const dpl = this.flatCodeSelector & 3;
      // Base 0, limit 4 GiB, 32-bit, accessed: code (type B) or data (type 3).
      this.descriptorLow = 0x0000ffff;
      this.descriptorHigh = (0x00cf0000 | ((0x90 | (dpl << 5) | (index === codeIndex ? 0x0b : 0x03)) << 8)) | 0;
      this.descriptorAddress = -1;
      return true;
    }
    this.descriptorAddress = (base + offset) | 0;
    this.descriptorLow = this.readSystem32(this.descriptorAddress);
    this.descriptorHigh = this.readSystem32(this.descriptorAddress + 4);
    return true;
  }

  private descriptorBase(): number {
    return ((this.descriptorLow >>> 16) | ((this.descriptorHigh & 0xff) << 16) | (this.descriptorHigh & 0xff000000)) | 0;
  }

  private descriptorLimit(): number {
    const raw = (this.descriptorLow & 0xffff) | (this.descriptorHigh & 0xf0000);
    return (this.descriptorHigh & 0x800000) !== 0 ? (raw << 12) | 0xfff : raw;
  }

  private descriptorAccess(): number {
    return ((this.descriptorHigh >> 8) & 0xff) | ((this.descriptorHigh >> 8) & 0xf000);
  }

  private markAccessed(): void {
    if ((this.descriptorHigh & 0x100) === 0 && this.descriptorAddress !== -1) {
      this.descriptorHigh |= 0x100;
      this.writeSystem32(this.descriptorAddress + 4, this.descriptorHigh);
    }
  }

  private loadFromDescriptor(seg: number, selector: number): void {
    this.setSegment(seg, selector, this.descriptorBase(), this.descriptorLimit(), this.descriptorAccess());
  }

  loadSegment(sreg: number, selector: number): boolean {
    try {
      this.loadSegmentOrFault(sreg, selector);
      return true;
    } catch (error) {
      if (error !== GUEST_FAULT) throw error;
      this.deliverException(GUEST_FAULT.vector, GUEST_FAULT.errorCode);
      return false;
    }
  }

  /** MOV/POP/LxS to a data or stack segment register (SDM 2, MOV operation). CS goes through far transfers. */
  private loadSegmentOrFault(seg: number, selector: number): void {
    selector &= 0xffff;
    const c = this.state.segments;
    if (!this.protectedMode || this.v86Mode) {
      c.selector[seg] = selector;
      c.base[seg] = selector << 4;
      if (this.v86Mode) {
        c.limit[seg] = 0xffff;
        c.access[seg] = ACCESS_PRESENT | ACCESS_S | ACCESS_RW | ACCESS_ACCESSED | (seg === CS ? ACCESS_CODE : 0) | (3 << 5);
      }
      return;
    }
    const cpl = this.state.cpl;
    const rpl = selector & 3;
    if (seg === CS) {
      // Only for the host (loadSegment): CS with the selector's RPL as the new CPL.
      if ((selector & 0xfffc) === 0 || !this.readDescriptor(selector)) this.gp(selector & 0xfffc);
      const access = this.descriptorAccess();
      if ((access & (ACCESS_S | ACCESS_CODE)) !== (ACCESS_S | ACCESS_CODE)) this.gp(selector & 0xfffc);
      if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
      this.loadCodeSegment(selector, rpl);
      return;
    }
    if ((selector & 0xfffc) === 0) {
      if (seg === SS) this.gp(0);
      // A null selector loads an unusable segment: any access faults (not present).
      this.setSegment(seg, selector, 0, 0, 0);
      return;
    }
    if (!this.readDescriptor(selector)) this.gp(selector & 0xfffc);
    const access = this.descriptorAccess();
    const dpl = (access >> 5) & 3;
    if ((access & ACCESS_S) === 0) this.gp(selector & 0xfffc);
    if (seg === SS) {
      if (rpl !== cpl || dpl !== cpl || (access & (ACCESS_CODE | ACCESS_RW)) !== ACCESS_RW) this.gp(selector & 0xfffc);
      if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.SS, selector & 0xfffc);
    } else {
      if ((access & (ACCESS_CODE | ACCESS_RW)) === ACCESS_CODE) this.gp(selector & 0xfffc);
      const conformingCode = (access & (ACCESS_CODE | ACCESS_DC)) === (ACCESS_CODE | ACCESS_DC);
      if (!conformingCode && (rpl > dpl || cpl > dpl)) this.gp(selector & 0xfffc);
      if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
    }
    this.markAccessed();
    this.loadFromDescriptor(seg, selector);
  }

  /** Loads CS for a far JMP/CALL/RET/IRET to `selector` at privilege `cpl` (descriptor already read and checked). */
  private loadCodeSegment(selector: number, cpl: number): void {
    this.markAccessed();
    this.setSegment(CS, (selector & 0xfffc) | cpl, this.descriptorBase(), this.descriptorLimit(), this.descriptorAccess());
    this.state.cpl = cpl;
  }

  /** After a return to an outer level: data segments the new CPL may not use become null (SDM 2, RET). */
  private nullInaccessibleSegments(): void {
    const c = this.state.segments;
    for (let seg = ES; seg <= GS; seg++) {
      if (seg === CS || seg === SS) continue;
      const access = c.access[seg];
      const dpl = (access >> 5) & 3;
      const conformingCode = (access & (ACCESS_CODE | ACCESS_DC)) === (ACCESS_CODE | ACCESS_DC);
      if (((access & ACCESS_CODE) === 0 || !conformingCode) && dpl < this.state.cpl) this.setSegment(seg, 0, 0, 0, 0);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stack

  private stack32(): boolean {
    return (this.state.segments.access[SS] & ACCESS_DB) !== 0;
  }

  private push(size: number, value: number): void {
    const reg = this.state.reg;
    if (this.stack32()) {
      const sp = (reg[ESP] - (size >> 3)) | 0;
      this.writeSized(size, this.linear(SS, sp, size >> 3, true), value);
      reg[ESP] = sp;
    } else {
      const sp = (reg[ESP] - (size >> 3)) & 0xffff;
      this.writeSized(size, this.linear(SS, sp, size >> 3, true), value);
      reg[ESP] = (reg[ESP] & ~0xffff) | sp;
    }
  }

  private pop(size: number): number {
    const reg = this.state.reg;
    if (this.stack32()) {
      const value = this.readSized(size, this.linear(SS, reg[ESP], size >> 3, false));
      reg[ESP] = (reg[ESP] + (size >> 3)) | 0;
      return value;
    }
    const sp = reg[ESP] & 0xffff;
    const value = this.readSized(size, this.linear(SS, sp, size >> 3, false));
    reg[ESP] = (reg[ESP] & ~0xffff) | ((sp + (size >> 3)) & 0xffff);
    return value;
  }

  /** Reads the stack slot `index` slots above the top without popping. */
  private peekStack(size: number, byteOffset: number): number {
    const reg = this.state.reg;
    const sp = this.stack32() ? (reg[ESP] + byteOffset) | 0 : (reg[ESP] + byteOffset) & 0xffff;
    return this.readSized(size, this.linear(SS, sp, size >> 3, false));
  }

  private adjustStack(bytes: number): void {
    const reg = this.state.reg;
    if (this.stack32()) reg[ESP] = (reg[ESP] + bytes) | 0;
    else reg[ESP] = (reg[ESP] & ~0xffff) | ((reg[ESP] + bytes) & 0xffff);
  }

  private readSized(size: number, linear: number): number {
    return size === 32 ? this.read32(linear) : size === 16 ? this.read16(linear) : this.read8(linear);
  }

  private writeSized(size: number, linear: number, value: number): void {
    if (size === 32) this.write32(linear, value);
    else if (size === 16) this.write16(linear, value);
    else this.write8(linear, value);
  }

  // ---------------------------------------------------------------------------------------------
  // Interrupts and exceptions (SDM 3A ch. 6; real mode: SDM 3A 20.1.4)

  private static contributory(vector: number): boolean {
    return vector === 0 || (vector >= 10 && vector <= 13);
  }

  /** Delivers an exception raised by the instruction at instructionStart (EIP already restored). */
  private deliverException(vector: number, errorCode: number): void {
    if (this.exceptionHook !== null && this.deliveringVector < 0 && this.exceptionHook(vector, errorCode)) return;
    const previous = this.deliveringVector;
    if (previous === Vector.DF && vector !== Vector.DF) {
      // Shutdown (SDM 3A 6.15, interrupt 8): a PC's chipset turns it into a reset of the machine.
      this.log(`x86: triple fault (exception ${vector} while delivering a double fault) at eip ${(this.instructionStart >>> 0).toString(16)}: the processor shuts down`);
      this.deliveringVector = -1;
      this.shutdowns++;
      if (this.shutdownHook !== null) this.shutdownHook();
      else this.reset();
      this.stopRequested = true;
      return;
    }
    if (
      previous >= 0 &&
      ((X86Cpu.contributory(previous) && X86Cpu.contributory(vector)) || (previous === Vector.PF && (vector === Vector.PF || X86Cpu.contributory(vector))))
    ) {
      vector = Vector.DF;
      errorCode = 0;
    }
    this.deliveringVector = vector;
    try {
      this.interrupt(vector, false, errorCode, true);
      this.deliveringVector = -1;
    } catch (error) {
      if (error !== GUEST_FAULT) throw error;
      this.deliverException(GUEST_FAULT.vector, GUEST_FAULT.errorCode);
      this.deliveringVector = -1;
    }
  }

  /**
   * Transfers control to the handler of `vector`. `software`: INT n/INT3/INTO (privilege checked
   * against the gate DPL); `external`: an exception or hardware interrupt (EXT bit in error codes).
   */
  private interrupt(vector: number, software: boolean, errorCode: number, external: boolean): void {
    const s = this.state;
    this.halted = false;
    const ext = external && !software ? 1 : 0;
    if (!this.protectedMode) {
      const entry = vector * 4;
      if (entry + 3 > s.idtrLimit >>> 0) this.gp(0);
      const offset = this.memory.read16(this.translate((s.idtrBase + entry) | 0, false, false, true));
      const selector = this.memory.read16(this.translate((s.idtrBase + entry + 2) | 0, false, false, true));
      this.push(16, this.getEflags());
      this.push(16, s.segments.selector[CS]);
      this.push(16, s.eip);
      s.eflags &= ~(Flag.IF | Flag.TF | Flag.AC | Flag.RF);
      s.segments.selector[CS] = selector;
      s.segments.base[CS] = selector << 4;
      s.eip = offset;
      return;
    }
    const entry = vector * 8;
    if (entry + 7 > s.idtrLimit >>> 0) this.gp(entry + 2 + ext);
    const low = this.readSystem32((s.idtrBase + entry) | 0);
    const high = this.readSystem32((s.idtrBase + entry + 4) | 0);
    const type = (high >> 8) & 0x1f;
    const gateDpl = (high >> 13) & 3;
    if (type !== 0x05 && type !== 0x06 && type !== 0x07 && type !== 0x0e && type !== 0x0f) this.gp(entry + 2 + ext);
    if (software && gateDpl < s.cpl) this.gp(entry + 2);
    if ((high & 0x8000) === 0) this.fault(Vector.NP, entry + 2 + ext);
    if (type === 0x05) {
      // Task gate: switch to the TSS it names, as a nested task (SDM 3A 7.3).
      const tss = low >>> 16;
      this.taskSwitch(tss, TASK_CALL, ext);
      if (errorCode >= 0) this.push((this.state.segments.access[TR] & 0x08) !== 0 ? 32 : 16, errorCode);
      return;
    }
    const gate32 = (type & 8) !== 0;
    const size = gate32 ? 32 : 16;
    const selector = low >>> 16;
    const offset = gate32 ? (high & 0xffff0000) | (low & 0xffff) : low & 0xffff;
    if ((selector & 0xfffc) === 0) this.gp(ext);
    if (!this.readDescriptor(selector)) this.gp((selector & 0xfffc) + ext);
    const access = this.descriptorAccess();
    const dpl = (access >> 5) & 3;
    if ((access & (ACCESS_S | ACCESS_CODE)) !== (ACCESS_S | ACCESS_CODE) || dpl > s.cpl) this.gp((selector & 0xfffc) + ext);
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, (selector & 0xfffc) + ext);
    const eflags = this.getEflags();
    const conforming = (access & ACCESS_DC) !== 0;
    const wasV86 = this.v86Mode;
    const codeLow = this.descriptorLow;
    const codeHigh = this.descriptorHigh;
    const codeAddress = this.descriptorAddress;
    if (!conforming && dpl < s.cpl) {
      // Inter-privilege: the new stack comes from the TSS (SDM 3A 6.12.1, 7.2.1).
      if (wasV86 && dpl !== 0) this.gp(selector & 0xfffc);
      this.stackFromTss(dpl, ext);
      const newSs = this.tssSs;
      const newEsp = this.tssEsp;
      const oldSs = s.segments.selector[SS];
      const oldEsp = s.reg[ESP];
      const c = s.segments;
      const oldEs = c.selector[ES];
      const oldDs = c.selector[DS];
      const oldFs = c.selector[FS];
      const oldGs = c.selector[GS];
      // The new SS was checked by stackFromTss and is still in the descriptor scratch.
      this.loadFromDescriptor(SS, newSs);
      s.reg[ESP] = newEsp;
      s.cpl = dpl;
      if (wasV86) {
        s.eflags &= ~Flag.VM;
        this.push(size, oldGs);
        this.push(size, oldFs);
        this.push(size, oldDs);
        this.push(size, oldEs);
        this.setSegment(ES, 0, 0, 0, 0);
        this.setSegment(DS, 0, 0, 0, 0);
        this.setSegment(FS, 0, 0, 0, 0);
        this.setSegment(GS, 0, 0, 0, 0);
      }
      this.push(size, oldSs);
      this.push(size, oldEsp);
    } else if (wasV86) {
      this.gp(selector & 0xfffc);
    }
    this.push(size, eflags);
    this.push(size, s.segments.selector[CS]);
    this.push(size, s.eip);
    if (errorCode >= 0) this.push(size, errorCode);
    this.descriptorLow = codeLow;
    this.descriptorHigh = codeHigh;
    this.descriptorAddress = codeAddress;
    this.loadCodeSegment(selector, conforming ? s.cpl : dpl);
    s.eip = gate32 ? offset : offset & 0xffff;
    s.eflags &= ~(Flag.TF | Flag.NT | Flag.RF | Flag.VM);
    if ((type & 1) === 0) s.eflags &= ~Flag.IF;
  }

  /** SS:ESP for privilege level `dpl` from the current TSS, checked as SDM 3A 6.12.1 says. */
  private tssSs = 0;
  private tssEsp = 0;

  /** Sets tssSs/tssEsp (no allocation on every system call). */
  private stackFromTss(dpl: number, ext: number): void {
    const c = this.state.segments;
    const tss32 = (c.access[TR] & 0x08) !== 0;
    const slot = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    if (slot + (tss32 ? 5 : 3) > c.limit[TR] >>> 0) this.fault(Vector.TS, (c.selector[TR] & 0xfffc) + ext);
    const newEsp = tss32 ? this.readSystem32((c.base[TR] + slot) | 0) : this.readSystem16((c.base[TR] + slot) | 0);
    const newSs = tss32 ? this.readSystem16((c.base[TR] + slot + 4) | 0) : this.readSystem16((c.base[TR] + slot + 2) | 0);
    if ((newSs & 0xfffc) === 0 || !this.readDescriptor(newSs)) this.fault(Vector.TS, (newSs & 0xfffc) + ext);
    const access = this.descriptorAccess();
    if ((newSs & 3) !== dpl || ((access >> 5) & 3) !== dpl || (access & (ACCESS_S | ACCESS_CODE | ACCESS_RW)) !== (ACCESS_S | ACCESS_RW)) {
      this.fault(Vector.TS, (newSs & 0xfffc) + ext);
    }
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.SS, (newSs & 0xfffc) + ext);
    this.markAccessed();
    this.tssSs = newSs;
    this.tssEsp = newEsp;
  }

  private unimplementedFeature(what: string): void {
    if (!this.loggedUnimplemented.has(what)) {
      this.loggedUnimplemented.add(what);
      this.log(`x86: ${what} not implemented (at eip ${(this.instructionStart >>> 0).toString(16)})`);
    }
  }

  /** INT n, INT3, INTO: the host hook first (EIP is past the instruction), then the IDT/IVT. */
  private softwareInterrupt(vector: number): void {
    if (this.softwareInterruptHook !== null && this.softwareInterruptHook(vector)) return;
    this.interrupt(vector, true, -1, false);
  }

  // ---------------------------------------------------------------------------------------------
  // The run loop

  step(): void {
    this.repeatBudget = 1;
    this.stepOnce();
  }

  run(limit: number): number {
    this.stopRequested = false;
    this.repeatBudget = 1024;
    const s = this.state;
    let count = 0;
    while (count < limit && !this.stopRequested) {
      if (this.halted) {
        this.stepOnce();
        if (this.halted) break;
        count++;
      } else if (this.interruptShadow || (s.eflags & Flag.TF) !== 0 || this.interruptPending()) {
        this.stepOnce();
        count++;
      } else count += this.runBlock(limit - count);
    }
    return count;
  }

  private interruptPending(): boolean {
    return (this.state.eflags & Flag.IF) !== 0 && this.interruptController !== null && this.interruptController.hasInterrupt();
  }

  /**
   * Runs instructions as stepOnce would while none of its special cases (interrupt shadow,
   * single-stepping, a deliverable interrupt, HLT, stop()) applies, with one try for them all.
   * Returns how many were run, counting one that faulted (as run() counts it).
   */
  private runBlock(limit: number): number {
    const s = this.state;
    const csBase = this.segmentBase;
    let count = 0;
    try {
      while (count < limit) {
        this.instructionStart = s.eip;
        this.fetchBase = (csBase[CS] + s.eip) | 0;
        this.execute();
        this.instructions++;
        s.tsc++;
        count++;
        if (this.stopRequested || this.halted || this.interruptShadow || (s.eflags & Flag.TF) !== 0) break;
        if (this.interruptController !== null && this.interruptPending()) break;
      }
    } catch (error) {
      if (error !== GUEST_FAULT) throw error;
      s.eip = this.instructionStart;
      this.deliverException(GUEST_FAULT.vector, GUEST_FAULT.errorCode);
      count++;
    }
    return count;
  }

  private stepOnce(): void {
    const s = this.state;
    if (this.interruptShadow) this.interruptShadow = false;
    else if ((s.eflags & Flag.IF) !== 0 && this.interruptController !== null && this.interruptController.hasInterrupt()) {
      const vector = this.interruptController.acknowledge();
      this.instructionStart = s.eip;
      try {
        this.interrupt(vector & 0xff, false, -1, true);
      } catch (error) {
        if (error !== GUEST_FAULT) throw error;
        this.deliverException(GUEST_FAULT.vector, GUEST_FAULT.errorCode);
      }
      return;
    }
    if (this.halted) return;
    this.instructionStart = s.eip;
    const singleStep = (s.eflags & Flag.TF) !== 0;
    try {
      this.fetchBase = (s.segments.base[CS] + s.eip) | 0;
      this.execute();
      this.instructions++;
      s.tsc++;
      if (singleStep && this.deliveringVector < 0) {
        // TF set before the instruction: a #DB trap after it, with DR6.BS (SDM 3A 17.3.1.4).
        s.dr[6] |= 0x4000;
        this.instructionStart = s.eip;
        this.deliverException(Vector.DB, -1);
      }
    } catch (error) {
      if (error !== GUEST_FAULT) throw error;
      s.eip = this.instructionStart;
      this.deliverException(GUEST_FAULT.vector, GUEST_FAULT.errorCode);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Operands

  private readReg(size: number, r: number): number {
    const reg = this.state.reg;
    if (size === 32) return reg[r];
    if (size === 16) return reg[r] & 0xffff;
    return r < 4 ? reg[r] & 0xff : (reg[r - 4] >> 8) & 0xff;
  }

  private writeReg(size: number, r: number, value: number): void {
    const reg = this.state.reg;
    if (size === 32) reg[r] = value;
    else if (size === 16) reg[r] = (reg[r] & ~0xffff) | (value & 0xffff);
    else if (r < 4) reg[r] = (reg[r] & ~0xff) | (value & 0xff);
    else reg[r - 4] = (reg[r - 4] & ~0xff00) | ((value & 0xff) << 8);
  }

  /** The memory operand's offset, wrapped to the address size. */
  private effectiveOffset(): number {
    const inst = this.inst;
    const reg = this.state.reg;
    let address = inst.displacement;
    if (inst.addressSize32) {
      if (inst.base >= 0) address += reg[inst.base];
      if (inst.index >= 0) address += reg[inst.index] << inst.scale;
      return address | 0;
    }
    if (inst.base >= 0) address += reg[inst.base];
    if (inst.index >= 0) address += reg[inst.index];
    return address & 0xffff;
  }

  private effectiveLinear(bytes: number, write: boolean): number {
    return this.linear(this.inst.segment, this.effectiveOffset(), bytes, write);
  }

  private requireMemory(): void {
    if (!this.inst.memory) this.undefinedOpcode();
  }

  /** r/m operand, read. */
  private readE(size: number): number {
    if (!this.inst.memory) return this.readReg(size, this.inst.rm);
    this.ea = this.effectiveLinear(size >> 3, false);
    return this.readSized(size, this.ea);
  }

  /** r/m operand, read for a following writeBack (write access checked now). */
  private readModify(size: number): number {
    if (!this.inst.memory) return this.readReg(size, this.inst.rm);
    this.ea = this.effectiveLinear(size >> 3, true);
    this.probeWrite(this.ea, size >> 3);
    return this.readSized(size, this.ea);
  }

  private writeBack(size: number, value: number): void {
    if (!this.inst.memory) this.writeReg(size, this.inst.rm, value);
    else this.writeSized(size, this.ea, value);
  }

  /** r/m operand, written without reading it first. */
  private writeE(size: number, value: number): void {
    if (!this.inst.memory) this.writeReg(size, this.inst.rm, value);
    else this.writeSized(size, this.effectiveLinear(size >> 3, true), value);
  }

  // ---------------------------------------------------------------------------------------------
  // Arithmetic

  /** LOCK is allowed only on these read-modify-write instructions with a memory destination (SDM 2, LOCK). */
  private static lockable(op: number, reg: number, memory: boolean): boolean {
    if (!memory) return false;
    if (op < 0x38) return (op & 7) < 2;
    switch (op) {
      case 0x80:
      case 0x81:
      case 0x82:
      case 0x83:
        return reg !== 7;
      case 0x86:
      case 0x87:
      case 0x1ab:
      case 0x1b3:
      case 0x1bb:
      case 0x1b0:
      case 0x1b1:
      case 0x1c0:
      case 0x1c1:
      case 0x1c7:
        return true;
      case 0xf6:
      case 0xf7:
        return reg === 2 || reg === 3;
      case 0xfe:
      case 0xff:
        return reg < 2;
      case 0x1ba:
        return reg > 4;
      default:
        return false;
    }
  }

  private static mask(size: number): number {
    return size === 32 ? -1 : (1 << size) - 1;
  }

  /** ALU operation `op` (ADD OR ADC SBB AND SUB XOR CMP) at `size` bits; returns the result. */
  private alu(op: number, size: number, a: number, b: number): number {
    const f = this.flags;
    const mask = X86Cpu.mask(size);
    b &= mask;
    let result: number;
    switch (op) {
      case 0:
        result = (a + b) & mask;
        f.set(CcOp.ADD, size, result, b);
        break;
      case 1:
        result = (a | b) & mask;
        f.set(CcOp.LOGIC, size, result, 0);
        break;
      case 2: {
        const carry = f.carry() ? 1 : 0;
        result = (a + b + carry) & mask;
        f.set(CcOp.ADC, size, result, b);
        f.src2 = carry;
        break;
      }
      case 3: {
        const carry = f.carry() ? 1 : 0;
        result = (a - b - carry) & mask;
        f.set(CcOp.SBB, size, result, b);
        f.src2 = carry;
        break;
      }
      case 4:
        result = a & b & mask;
        f.set(CcOp.LOGIC, size, result, 0);
        break;
      case 6:
        result = (a ^ b) & mask;
        f.set(CcOp.LOGIC, size, result, 0);
        break;
      default:
        result = (a - b) & mask;
        f.set(CcOp.SUB, size, result, b);
        break;
    }
    return result;
  }

  private incDec(size: number, value: number, decrement: boolean): number {
    const f = this.flags;
    const carry = f.carry() ? 1 : 0;
    const result = (decrement ? value - 1 : value + 1) & X86Cpu.mask(size);
    f.set(decrement ? CcOp.DEC : CcOp.INC, size, result, 0);
    f.src2 = carry;
    return result;
  }

  /** Group 2: ROL ROR RCL RCR SHL SHR SAL SAR, as QEMU's translate.c and shift helpers do them. */
  private shift(op: number, size: number, value: number, count: number): number {
    count &= 0x1f;
    if (count === 0) return value;
    const f = this.flags;
    const mask = X86Cpu.mask(size);
    value &= mask;
    switch (op) {
      case 0:
      case 1: {
        const n = count & (size - 1);
        let result = value;
        if (n !== 0) result = op === 0 ? ((value << n) | (value >>> (size - n))) & mask : ((value >>> n) | (value << (size - n))) & mask;
        let flags = f.materialize() & ~(Flag.CF | Flag.OF);
        if (op === 0) {
          const cf = result & 1;
          flags |= cf | ((((result >>> (size - 1)) & 1) ^ cf) << 11);
        } else {
          const cf = (result >>> (size - 1)) & 1;
          flags |= cf | ((((result >>> (size - 2)) & 1) ^ cf) << 11);
        }
        f.setAll(flags);
        return result;
      }
      case 2:
      case 3: {
        const n = size === 8 ? count % 9 : size === 16 ? count % 17 : count;
        if (n === 0) return value;
        const flags = f.materialize();
        const carry = flags & 1;
        let result: number;
        let cf: number;
        if (op === 2) {
          result = (value << n) | (carry << (n - 1));
          if (n > 1) result |= value >>> (size + 1 - n);
          cf = (value >>> (size - n)) & 1;
        } else {
          result = (value >>> n) | (carry << (size - n));
          if (n > 1) result |= value << (size + 1 - n);
          cf = (value >>> (n - 1)) & 1;
        }
        result &= mask;
        const of = ((value ^ result) >>> (size - 1)) & 1;
        f.setAll((flags & ~(Flag.CF | Flag.OF)) | cf | (of << 11));
        return result;
      }
      case 4:
      case 6: {
        const result = (value << count) & mask;
        f.set(CcOp.SHL, size, result, value << (count - 1));
        return result;
      }
      case 5: {
        const result = value >>> count;
        f.set(CcOp.SAR, size, result, value >>> (count - 1));
        return result;
      }
      default: {
        const signed = size === 32 ? value | 0 : size === 16 ? (value << 16) >> 16 : (value << 24) >> 24;
        const result = (signed >> count) & mask;
        f.set(CcOp.SAR, size, result, signed >> (count - 1));
        return result;
      }
    }
  }

  /** SHLD/SHRD (QEMU gen_shiftd_rm_T1; a 16-bit count above 16 shifts A:B:A as Intel CPUs do). */
  private doubleShift(right: boolean, size: number, a: number, b: number, count: number): number {
    count &= 0x1f;
    if (count === 0) return a;
    let value = a;
    let other = b;
    if (size === 16) {
      a &= 0xffff;
      b &= 0xffff;
      if (right) {
        value = (b << 16) | a;
        other = a;
      } else {
        value = a;
        other = (b << 16) | a;
      }
    }
    let result: number;
    let shifted: number;
    if (right) {
      shifted = value >>> (count - 1);
      result = (value >>> count) | (other << (32 - count));
    } else {
      shifted = value << (count - 1);
      if (size === 16 && count > 1) shifted |= other >>> (33 - count);
      result = (value << count) | (other >>> (32 - count));
    }
    result &= X86Cpu.mask(size);
    this.flags.set(right ? CcOp.SAR : CcOp.SHL, size, result, shifted);
    return result;
  }

  /** The high word of the last multiply32. */
  private mulHigh = 0;

  /** 32x32 multiply (signed or not): the low word is returned, the high word left in mulHigh. */
  private multiply32(a: number, b: number, signed: boolean): number {
    const a0 = a & 0xffff;
    const a1 = a >>> 16;
    const b0 = b & 0xffff;
    const b1 = b >>> 16;
    const low = a0 * b0;
    const middle1 = a1 * b0;
    const middle2 = a0 * b1;
    const middle = (low >>> 16) + (middle1 & 0xffff) + (middle2 & 0xffff);
    let high = a1 * b1 + (middle1 >>> 16) + (middle2 >>> 16) + (middle >>> 16);
    if (signed) {
      if (a < 0) high -= b >>> 0;
      if (b < 0) high -= a >>> 0;
    }
    this.mulHigh = high | 0;
    return ((middle << 16) | (low & 0xffff)) | 0;
  }

  /** The remainder of the last divide64. */
  private divideRemainder = 0;

  /**
   * (high * 2^32 + low) / divisor for unsigned 32-bit parts with high < divisor, so the quotient
   * fits in 32 bits: two steps of 16 bits, each exact in doubles (every value stays below 2^48, and
   * the floor of a correctly rounded quotient below 2^48/divisor is the true one). The remainder is
   * left in divideRemainder.
   */
  private divide64(high: number, low: number, divisor: number): number {
    let partial = high * 65536 + (low >>> 16);
    const upper = Math.floor(partial / divisor);
    partial = (partial - upper * divisor) * 65536 + (low & 0xffff);
    const lower = Math.floor(partial / divisor);
    this.divideRemainder = partial - lower * divisor;
    return upper * 65536 + lower;
  }

  /** Group 3 MUL/IMUL/DIV/IDIV with the accumulator (SDM 2; QEMU's flag values). */
  private multiplyDivide(op: number, size: number, source: number): void {
    const reg = this.state.reg;
    const f = this.flags;
    switch (op) {
      case 4: // MUL
        if (size === 8) {
          const product = (reg[EAX] & 0xff) * source;
          this.writeReg(16, EAX, product);
          f.set(CcOp.MUL, 8, product & 0xff, product & 0xff00);
        } else if (size === 16) {
          const product = (reg[EAX] & 0xffff) * source;
          this.writeReg(16, EAX, product);
          this.writeReg(16, EDX, product >>> 16);
          f.set(CcOp.MUL, 16, product & 0xffff, product >>> 16);
        } else {
          const low = this.multiply32(reg[EAX], source, false);
          reg[EAX] = low;
          reg[EDX] = this.mulHigh;
          f.set(CcOp.MUL, 32, low, this.mulHigh);
        }
        return;
      case 5: // IMUL
        if (size === 8) {
          const product = ((reg[EAX] << 24) >> 24) * ((source << 24) >> 24);
          this.writeReg(16, EAX, product);
          f.set(CcOp.MUL, 8, product, product - ((product << 24) >> 24));
        } else if (size === 16) {
          const product = ((reg[EAX] << 16) >> 16) * ((source << 16) >> 16);
          this.writeReg(16, EAX, product);
          this.writeReg(16, EDX, product >> 16);
          f.set(CcOp.MUL, 16, product, product - ((product << 16) >> 16));
        } else {
          const low = this.multiply32(reg[EAX], source | 0, true);
          reg[EAX] = low;
          reg[EDX] = this.mulHigh;
          f.set(CcOp.MUL, 32, low, (this.mulHigh - (low >> 31)) | 0);
        }
        return;
      case 6: // DIV
        if (size === 8) {
          const divisor = source & 0xff;
          if (divisor === 0) this.fault(Vector.DE);
          const dividend = reg[EAX] & 0xffff;
          const quotient = Math.floor(dividend / divisor);
          if (quotient > 0xff) this.fault(Vector.DE);
          this.writeReg(16, EAX, quotient | ((dividend % divisor) << 8));
        } else if (size === 16) {
          const divisor = source & 0xffff;
          if (divisor === 0) this.fault(Vector.DE);
          const dividend = (((reg[EDX] & 0xffff) << 16) | (reg[EAX] & 0xffff)) >>> 0;
          const quotient = Math.floor(dividend / divisor);
          if (quotient > 0xffff) this.fault(Vector.DE);
          this.writeReg(16, EAX, quotient);
          this.writeReg(16, EDX, dividend % divisor);
        } else {
          const divisor = source >>> 0;
          if (divisor === 0) this.fault(Vector.DE);
          const high = reg[EDX] >>> 0;
          if (high >= divisor) this.fault(Vector.DE);
          if (high === 0) {
            const dividend = reg[EAX] >>> 0;
            reg[EAX] = Math.floor(dividend / divisor) | 0;
            reg[EDX] = dividend % divisor | 0;
          } else {
            reg[EAX] = this.divide64(high, reg[EAX] >>> 0, divisor) | 0;
            reg[EDX] = this.divideRemainder | 0;
          }
        }
        return;
      default: {
        // IDIV: the quotient truncates toward zero; #DE when it does not fit (SDM 2, IDIV).
        if (size === 8) {
          const divisor = (source << 24) >> 24;
          if (divisor === 0) this.fault(Vector.DE);
          const dividend = (reg[EAX] << 16) >> 16;
          const quotient = Math.trunc(dividend / divisor);
          if (quotient > 127 || quotient < -128) this.fault(Vector.DE);
          this.writeReg(16, EAX, (quotient & 0xff) | ((dividend % divisor & 0xff) << 8));
        } else if (size === 16) {
          const divisor = (source << 16) >> 16;
          if (divisor === 0) this.fault(Vector.DE);
          const dividend = ((reg[EDX] & 0xffff) << 16) | (reg[EAX] & 0xffff);
          const quotient = Math.trunc(dividend / divisor);
          if (quotient > 32767 || quotient < -32768) this.fault(Vector.DE);
          this.writeReg(16, EAX, quotient);
          this.writeReg(16, EDX, dividend % divisor);
        } else {
          const divisor = source | 0;
          if (divisor === 0) this.fault(Vector.DE);
          // On magnitudes: |EDX:EAX| / |divisor|, then the signs (truncation toward zero).
          const negativeDividend = reg[EDX] < 0;
          let high = reg[EDX] >>> 0;
          let low = reg[EAX] >>> 0;
          if (negativeDividend) {
            low = (-low) >>> 0;
            high = (~high + (low === 0 ? 1 : 0)) >>> 0;
          }
          const magnitude = divisor < 0 ? -divisor : divisor;
          // A quotient of 2^32 or more does not fit either way.
          if (high >= magnitude) this.fault(Vector.DE);
          const quotient = this.divide64(high, low, magnitude);
          const negativeQuotient = negativeDividend !== divisor < 0;
          if (negativeQuotient ? quotient > 0x80000000 : quotient > 0x7fffffff) this.fault(Vector.DE);
          reg[EAX] = negativeQuotient ? -quotient | 0 : quotient | 0;
          reg[EDX] = negativeDividend ? -this.divideRemainder | 0 : this.divideRemainder | 0;
        }
      }
    }
  }

  /** IMUL r, r/m (, imm): the truncated product; flags as QEMU (CC_OP_MUL, CF=OF=overflow). */
  private imul(size: number, a: number, b: number): number {
    if (size === 16) {
      const product = ((a << 16) >> 16) * ((b << 16) >> 16);
      this.flags.set(CcOp.MUL, 16, product, product - ((product << 16) >> 16));
      return product & 0xffff;
    }
    const low = this.multiply32(a | 0, b | 0, true);
    this.flags.set(CcOp.MUL, 32, low, (this.mulHigh - (low >> 31)) | 0);
    return low;
  }

  // ---------------------------------------------------------------------------------------------
  // Control transfers

  private jumpNear(target: number, size: number): void {
    if (size === 16) target &= 0xffff;
    if (target >>> 0 > this.segmentLimit[CS] >>> 0) this.gp(0);
    this.state.eip = target | 0;
  }

  /** Reads and checks the code segment of a far JMP/CALL/RET/IRET target (SDM 2, JMP/CALL). */
  private checkCodeDescriptor(selector: number, rpl: number, returning: boolean): number {
    if ((selector & 0xfffc) === 0) this.gp(0);
    if (!this.readDescriptor(selector)) this.gp(selector & 0xfffc);
    const access = this.descriptorAccess();
    if ((access & ACCESS_S) === 0) return access;
    if ((access & ACCESS_CODE) === 0) this.gp(selector & 0xfffc);
    const dpl = (access >> 5) & 3;
    const cpl = this.state.cpl;
    if (returning) {
      if ((access & ACCESS_DC) !== 0 ? dpl > rpl : dpl !== rpl) this.gp(selector & 0xfffc);
    } else if ((access & ACCESS_DC) !== 0) {
      if (dpl > cpl) this.gp(selector & 0xfffc);
    } else if (rpl > cpl || dpl !== cpl) this.gp(selector & 0xfffc);
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
    return access;
  }

  private farJump(selector: number, offset: number, size: number): void {
    const s = this.state;
    if (size === 16) offset &= 0xffff;
    if (!this.protectedMode || this.v86Mode) {
      if (offset >>> 0 > s.segments.limit[CS] >>> 0) this.gp(0);
      s.segments.selector[CS] = selector;
      s.segments.base[CS] = selector << 4;
      s.eip = offset;
      return;
    }
    const access = this.checkCodeDescriptor(selector, selector & 3, false);
    if ((access & ACCESS_S) === 0) {
      this.callGate(selector, access, false);
      return;
    }
    if (offset >>> 0 > this.descriptorLimit() >>> 0) this.gp(0);
    this.loadCodeSegment(selector, s.cpl);
    s.eip = offset;
  }

  private farCall(selector: number, offset: number, size: number): void {
    const s = this.state;
    if (size === 16) offset &= 0xffff;
    if (!this.protectedMode || this.v86Mode) {
      const returnCs = s.segments.selector[CS];
      this.push(size, returnCs);
      this.push(size, s.eip);
      s.segments.selector[CS] = selector;
      s.segments.base[CS] = selector << 4;
      s.eip = offset;
      return;
    }
    const access = this.checkCodeDescriptor(selector, selector & 3, false);
    if ((access & ACCESS_S) === 0) {
      this.callGate(selector, access, true);
      return;
    }
    if (offset >>> 0 > this.descriptorLimit() >>> 0) this.gp(0);
    // Push first (a stack fault leaves everything unchanged), then load CS.
    const low = this.descriptorLow;
    const high = this.descriptorHigh;
    const address = this.descriptorAddress;
    const sp = s.reg[ESP];
    this.push(size, s.segments.selector[CS]);
    try {
      this.push(size, s.eip);
    } catch (error) {
      s.reg[ESP] = sp;
      throw error;
    }
    this.descriptorLow = low;
    this.descriptorHigh = high;
    this.descriptorAddress = address;
    this.loadCodeSegment(selector, s.cpl);
    s.eip = offset;
  }

  /** JMP/CALL through a call gate (SDM 3A 5.8.4-5.8.6), or to a TSS or task gate (a task switch). */
  private callGate(selector: number, access: number, call: boolean): void {
    const s = this.state;
    const type = access & 0x1f;
    const gateDpl = (access >> 5) & 3;
    if (type === 0x01 || type === 0x09 || type === 0x05) {
      // JMP/CALL to a TSS or through a task gate (SDM 3A 7.3).
      if (gateDpl < s.cpl || gateDpl < (selector & 3)) this.gp(selector & 0xfffc);
      if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
      this.taskSwitch(type === 0x05 ? this.descriptorLow >>> 16 : selector, call ? TASK_CALL : TASK_JMP, 0);
      return;
    }
    if (type !== 0x04 && type !== 0x0c) this.gp(selector & 0xfffc);
    if (gateDpl < s.cpl || gateDpl < (selector & 3)) this.gp(selector & 0xfffc);
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
    const gate32 = type === 0x0c;
    const gateSize = gate32 ? 32 : 16;
    const targetSelector = this.descriptorLow >>> 16;
    const targetOffset = gate32 ? (this.descriptorHigh & 0xffff0000) | (this.descriptorLow & 0xffff) : this.descriptorLow & 0xffff;
    const parameterCount = this.descriptorHigh & 0x1f;
    if ((targetSelector & 0xfffc) === 0) this.gp(0);
    if (!this.readDescriptor(targetSelector)) this.gp(targetSelector & 0xfffc);
    const codeAccess = this.descriptorAccess();
    const dpl = (codeAccess >> 5) & 3;
    if ((codeAccess & (ACCESS_S | ACCESS_CODE)) !== (ACCESS_S | ACCESS_CODE) || dpl > s.cpl) this.gp(targetSelector & 0xfffc);
    if (!call && (codeAccess & ACCESS_DC) === 0 && dpl !== s.cpl) this.gp(targetSelector & 0xfffc);
    if ((codeAccess & ACCESS_PRESENT) === 0) this.fault(Vector.NP, targetSelector & 0xfffc);
    if (targetOffset >>> 0 > this.descriptorLimit() >>> 0) this.gp(0);
    const codeLow = this.descriptorLow;
    const codeHigh = this.descriptorHigh;
    const codeAddress = this.descriptorAddress;
    const restoreCode = (): void => {
      this.descriptorLow = codeLow;
      this.descriptorHigh = codeHigh;
      this.descriptorAddress = codeAddress;
    };
    if (!call) {
      this.loadCodeSegment(targetSelector, s.cpl);
      s.eip = targetOffset;
      return;
    }
    const returnCs = s.segments.selector[CS];
    const returnEip = s.eip;
    if ((codeAccess & ACCESS_DC) === 0 && dpl < s.cpl) {
      // To a more privileged level: new stack from the TSS, parameters copied (SDM 3A 5.8.5).
      const oldSs = s.segments.selector[SS];
      const oldEsp = s.reg[ESP];
      const parameters: number[] = [];
      for (let i = parameterCount - 1; i >= 0; i--) parameters.push(this.peekStack(gateSize, i * (gateSize >> 3)));
      this.stackFromTss(dpl, 0);
      const newSs = this.tssSs;
      const newEsp = this.tssEsp;
      this.loadFromDescriptor(SS, newSs);
      s.reg[ESP] = newEsp;
      s.cpl = dpl;
      this.push(gateSize, oldSs);
      this.push(gateSize, oldEsp);
      for (const parameter of parameters) this.push(gateSize, parameter);
      this.push(gateSize, returnCs);
      this.push(gateSize, returnEip);
      restoreCode();
      this.loadCodeSegment(targetSelector, dpl);
    } else {
      this.push(gateSize, returnCs);
      this.push(gateSize, returnEip);
      restoreCode();
      this.loadCodeSegment(targetSelector, s.cpl);
    }
    s.eip = targetOffset;
  }

  /**
   * A hardware task switch to the 32-bit TSS `selector` (SDM 3A 7.3): the current state goes to
   * the current TSS, the new one is loaded from the new TSS. 16-bit TSSs are not supported.
   */
  private taskSwitch(selector: number, reason: number, ext: number): void {
    const s = this.state;
    const c = s.segments;
    const reg = s.reg;
    if ((selector & 4) !== 0 || (selector & 0xfffc) === 0 || !this.readDescriptor(selector)) this.gp((selector & 0xfffc) + ext);
    const access = this.descriptorAccess();
    const type = access & 0x1f;
    const busy = (type & 2) !== 0;
    if ((type & 0x15) !== 0x01 || (reason === TASK_IRET ? !busy : busy)) this.gp((selector & 0xfffc) + ext);
    if ((type & 8) === 0) {
      this.unimplementedFeature('task switches to a 16-bit TSS');
      this.gp((selector & 0xfffc) + ext);
    }
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, (selector & 0xfffc) + ext);
    const newBase = this.descriptorBase();
    const newLimit = this.descriptorLimit();
    if (newLimit >>> 0 < 0x67) this.fault(Vector.TS, (selector & 0xfffc) + ext);
    const newLow = this.descriptorLow;
    const newHigh = this.descriptorHigh;
    const newAddress = this.descriptorAddress;
    // Read the whole new state first, so that a fault here leaves the old task intact.
    const image = new Int32Array(26);
    for (let i = 0; i < 26; i++) image[i] = this.readSystem32((newBase + i * 4) | 0);
    // Save the old task.
    const oldBase = c.base[TR];
    let flags = this.getEflags();
    if (reason === TASK_IRET) flags &= ~Flag.NT;
    if ((c.access[TR] & 0x08) !== 0 && (c.limit[TR] >>> 0) >= 0x67) {
      this.writeSystem32((oldBase + 0x20) | 0, s.eip);
      this.writeSystem32((oldBase + 0x24) | 0, flags);
      for (let r = 0; r < 8; r++) this.writeSystem32((oldBase + 0x28 + r * 4) | 0, reg[r]);
      for (let seg = 0; seg < 6; seg++) this.writeSystem32((oldBase + 0x48 + seg * 4) | 0, c.selector[seg]);
    }
    if (reason !== TASK_CALL && (c.selector[TR] & 0xfffc) !== 0 && this.readDescriptor(c.selector[TR])) {
      this.writeSystem32(this.descriptorAddress + 4, this.descriptorHigh & ~0x200);
    }
    let newFlags = image[9];
    if (reason === TASK_CALL) {
      this.writeSystem32(newBase, c.selector[TR]);
      newFlags |= Flag.NT;
    }
    this.descriptorLow = newLow;
    this.descriptorHigh = newHigh | 0x200;
    this.descriptorAddress = newAddress;
    if (reason !== TASK_IRET) this.writeSystem32(newAddress + 4, this.descriptorHigh);
    this.loadFromDescriptor(TR, selector);
    s.cr0 |= Cr0.TS;
    // Load the new task.
    if ((s.cr0 & Cr0.PG) !== 0 && image[7] !== s.cr3) {
      s.cr3 = image[7];
      this.flushTlb();
    }
    s.eip = image[8];
    this.setEflags(newFlags);
    for (let r = 0; r < 8; r++) reg[r] = image[10 + r];
    const ldt = image[24] & 0xffff;
    if ((ldt & 0xfffc) === 0) this.setSegment(LDTR, ldt, 0, 0, 0);
    else {
      if ((ldt & 4) !== 0 || !this.readDescriptor(ldt) || (this.descriptorAccess() & 0x1f) !== 0x02) this.fault(Vector.TS, ldt & 0xfffc);
      this.loadFromDescriptor(LDTR, ldt);
    }
    const selectors = [0, 0, 0, 0, 0, 0];
    for (let seg = 0; seg < 6; seg++) selectors[seg] = image[18 + seg] & 0xffff;
    if ((newFlags & Flag.VM) !== 0) {
      s.cpl = 3;
      for (let seg = 0; seg < 6; seg++) {
        this.setSegment(seg, selectors[seg], selectors[seg] << 4, 0xffff, ACCESS_PRESENT | ACCESS_S | ACCESS_RW | ACCESS_ACCESSED | (3 << 5) | (seg === CS ? ACCESS_CODE : 0));
      }
      return;
    }
    // Segment loads fault in the context of the new task (SDM 3A 7.3, step 13).
    const cs = selectors[CS];
    const csAccess = this.checkCodeDescriptorForTask(cs);
    const newCpl = (csAccess & ACCESS_DC) !== 0 ? (csAccess >> 5) & 3 : cs & 3;
    this.loadCodeSegment(cs, newCpl);
    this.loadSegmentOrFault(SS, selectors[SS]);
    for (const seg of [ES, DS, FS, GS]) this.loadSegmentOrFault(seg, selectors[seg]);
  }

  private checkCodeDescriptorForTask(selector: number): number {
    if ((selector & 0xfffc) === 0 || !this.readDescriptor(selector)) this.fault(Vector.TS, selector & 0xfffc);
    const access = this.descriptorAccess();
    if ((access & (ACCESS_S | ACCESS_CODE)) !== (ACCESS_S | ACCESS_CODE)) this.fault(Vector.TS, selector & 0xfffc);
    if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
    return access;
  }

  /** RETF (SDM 2, RET: far return, same or outer privilege). */
  private farReturn(size: number, release: number): void {
    const s = this.state;
    const bytes = size >> 3;
    if (!this.protectedMode || this.v86Mode) {
      const offset = this.peekStack(size, 0);
      const selector = this.peekStack(size, bytes) & 0xffff;
      if (offset >>> 0 > s.segments.limit[CS] >>> 0) this.gp(0);
      this.adjustStack(2 * bytes + release);
      s.segments.selector[CS] = selector;
      s.segments.base[CS] = selector << 4;
      s.eip = size === 16 ? offset & 0xffff : offset;
      return;
    }
    const offset = size === 16 ? this.peekStack(size, 0) & 0xffff : this.peekStack(size, 0);
    const selector = this.peekStack(size, bytes) & 0xffff;
    const rpl = selector & 3;
    if (rpl < s.cpl) this.gp(selector & 0xfffc);
    this.checkCodeDescriptor(selector, rpl, true);
    if (offset >>> 0 > this.descriptorLimit() >>> 0) this.gp(0);
    if (rpl === s.cpl) {
      this.adjustStack(2 * bytes + release);
      this.loadCodeSegment(selector, rpl);
      s.eip = offset;
      return;
    }
    this.returnToOuterLevel(selector, offset, rpl, size, 2 * bytes + release, release);
  }

  /** The outer-level part of RETF/IRET: new SS:ESP from the stack at `stackOffset`. */
  private returnToOuterLevel(selector: number, offset: number, rpl: number, size: number, stackOffset: number, release: number): void {
    const s = this.state;
    const codeLow = this.descriptorLow;
    const codeHigh = this.descriptorHigh;
    const codeAddress = this.descriptorAddress;
    const bytes = size >> 3;
    const newEsp = size === 16 ? this.peekStack(size, stackOffset) & 0xffff : this.peekStack(size, stackOffset);
    const newSs = this.peekStack(size, stackOffset + bytes) & 0xffff;
    if ((newSs & 0xfffc) === 0) this.gp(0);
    if (!this.readDescriptor(newSs)) this.gp(newSs & 0xfffc);
    const ssAccess = this.descriptorAccess();
    if ((newSs & 3) !== rpl || ((ssAccess >> 5) & 3) !== rpl || (ssAccess & (ACCESS_S | ACCESS_CODE | ACCESS_RW)) !== (ACCESS_S | ACCESS_RW)) {
      this.gp(newSs & 0xfffc);
    }
    if ((ssAccess & ACCESS_PRESENT) === 0) this.fault(Vector.SS, newSs & 0xfffc);
    this.markAccessed();
    this.loadFromDescriptor(SS, newSs);
    this.descriptorLow = codeLow;
    this.descriptorHigh = codeHigh;
    this.descriptorAddress = codeAddress;
    this.loadCodeSegment(selector, rpl);
    s.eip = offset;
    if (this.stack32()) s.reg[ESP] = (newEsp + release) | 0;
    else s.reg[ESP] = (s.reg[ESP] & ~0xffff) | ((newEsp + release) & 0xffff);
    this.nullInaccessibleSegments();
  }

  /** IRET/IRETD (SDM 2, IRET). */
  private interruptReturn(size: number): void {
    const s = this.state;
    const bytes = size >> 3;
    if (!this.protectedMode || this.v86Mode) {
      if (this.v86Mode && this.iopl < 3) this.gp(0);
      const offset = this.peekStack(size, 0);
      const selector = this.peekStack(size, bytes) & 0xffff;
      const flags = this.peekStack(size, 2 * bytes);
      this.adjustStack(3 * bytes);
      s.segments.selector[CS] = selector;
      s.segments.base[CS] = selector << 4;
      s.eip = size === 16 ? offset & 0xffff : offset;
      let mask = EFLAGS_MASK & ~(Flag.VM | Flag.VIP | Flag.VIF);
      if (this.v86Mode) mask &= ~Flag.IOPL;
      if (size === 16) mask &= 0xffff;
      this.writeFlags(flags, mask);
      return;
    }
    if ((s.eflags & Flag.NT) !== 0) {
      // Return from a nested task: to the TSS in the back link (SDM 2, IRET: TASK-RETURN).
      const link = this.readSystem16(s.segments.base[TR]);
      if ((link & 4) !== 0) this.fault(Vector.TS, link & 0xfffc);
      this.taskSwitch(link, TASK_IRET, 0);
      return;
    }
    const offset = size === 16 ? this.peekStack(size, 0) & 0xffff : this.peekStack(size, 0);
    const selector = this.peekStack(size, bytes) & 0xffff;
    const flags = this.peekStack(size, 2 * bytes);
    const oldCpl = s.cpl;
    if (size === 32 && (flags & Flag.VM) !== 0 && oldCpl === 0) {
      // Return to virtual-8086 mode (SDM 2, IRET: RETURN-TO-VIRTUAL-8086-MODE).
      const newEsp = this.peekStack(32, 12);
      const newSs = this.peekStack(32, 16) & 0xffff;
      const es = this.peekStack(32, 20) & 0xffff;
      const ds = this.peekStack(32, 24) & 0xffff;
      const fs = this.peekStack(32, 28) & 0xffff;
      const gs = this.peekStack(32, 32) & 0xffff;
      this.writeFlags(flags, EFLAGS_MASK);
      s.cpl = 3;
      const vmAccess = ACCESS_PRESENT | ACCESS_S | ACCESS_RW | ACCESS_ACCESSED | (3 << 5);
      const load = (seg: number, sel: number): void => this.setSegment(seg, sel, sel << 4, 0xffff, vmAccess | (seg === CS ? ACCESS_CODE : 0));
      load(CS, selector);
      load(SS, newSs);
      load(ES, es);
      load(DS, ds);
      load(FS, fs);
      load(GS, gs);
      s.reg[ESP] = newEsp;
      s.eip = offset & 0xffff;
      return;
    }
    const rpl = selector & 3;
    if (rpl < oldCpl) this.gp(selector & 0xfffc);
    this.checkCodeDescriptor(selector, rpl, true);
    if (offset >>> 0 > this.descriptorLimit() >>> 0) this.gp(0);
    let mask = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT | Flag.RF | Flag.AC | Flag.ID;
    if (oldCpl === 0) mask |= Flag.IOPL | Flag.VIF | Flag.VIP;
    if (oldCpl <= this.iopl) mask |= Flag.IF;
    if (size === 16) mask &= 0xffff;
    if (rpl === oldCpl) {
      this.adjustStack(3 * bytes);
      this.loadCodeSegment(selector, rpl);
      s.eip = offset;
    } else {
      this.returnToOuterLevel(selector, offset, rpl, size, 3 * bytes, 0);
    }
    this.writeFlags(flags, mask);
  }

  /** Replaces the EFLAGS bits in `mask` by those of `value`. */
  private writeFlags(value: number, mask: number): void {
    this.setEflags((this.getEflags() & ~mask) | (value & mask));
  }

  // ---------------------------------------------------------------------------------------------
  // I/O (SDM 1, 18.5: I/O privilege level and the TSS I/O permission bitmap)

  private checkIoPermission(port: number, bytes: number): void {
    if (!this.protectedMode || (!this.v86Mode && this.state.cpl <= this.iopl)) return;
    const c = this.state.segments;
    const limit = c.limit[TR] >>> 0;
    if ((c.access[TR] & 0x08) === 0 || limit < 0x67) this.gp(0);
    const bitmap = this.readSystem16((c.base[TR] + 0x66) | 0);
    const byteOffset = bitmap + (port >> 3);
    if (byteOffset + 1 > limit) this.gp(0);
    const bits = this.readSystem16((c.base[TR] + byteOffset) | 0);
    if (((bits >> (port & 7)) & ((1 << bytes) - 1)) !== 0) this.gp(0);
  }

  private portIn(port: number, size: number): number {
    this.checkIoPermission(port, size >> 3);
    return this.io.read(port, (size >> 3) as 1 | 2 | 4);
  }

  private portOut(port: number, size: number, value: number): void {
    this.checkIoPermission(port, size >> 3);
    const mask = X86Cpu.mask(size);
    this.io.write(port, (size >> 3) as 1 | 2 | 4, size === 32 ? value >>> 0 : value & mask);
  }

  // ---------------------------------------------------------------------------------------------
  // String instructions (SDM 2, MOVS/CMPS/SCAS/LODS/STOS/INS/OUTS and REP prefixes)

  /** kind: 0 MOVS, 1 CMPS, 2 STOS, 3 LODS, 4 SCAS, 5 INS, 6 OUTS. */
  private stringInstruction(kind: number, size: number): void {
    const inst = this.inst;
    const s = this.state;
    const reg = s.reg;
    const address32 = inst.addressSize32;
    const bytes = size >> 3;
    const step = (s.eflags & Flag.DF) !== 0 ? -bytes : bytes;
    const sourceSegment = inst.segmentOverride >= 0 ? inst.segmentOverride : DS;
    const repeat = inst.repeat;
    let budget = this.repeatBudget;
    for (;;) {
      if (repeat !== 0) {
        const count = address32 ? reg[ECX] : reg[ECX] & 0xffff;
        if (count === 0) return;
      }
      const si = address32 ? reg[ESI] : reg[ESI] & 0xffff;
      const di = address32 ? reg[EDI] : reg[EDI] & 0xffff;
      let advanceSi = false;
      let advanceDi = false;
      let compared = false;
      switch (kind) {
        case 0: {
          const value = this.readSized(size, this.linear(sourceSegment, si, bytes, false));
          this.writeSized(size, this.linear(ES, di, bytes, true), value);
          advanceSi = advanceDi = true;
          break;
        }
        case 1: {
          const a = this.readSized(size, this.linear(sourceSegment, si, bytes, false));
          const b = this.readSized(size, this.linear(ES, di, bytes, false));
          this.alu(7, size, a, b);
          advanceSi = advanceDi = compared = true;
          break;
        }
        case 2:
          this.writeSized(size, this.linear(ES, di, bytes, true), reg[EAX]);
          advanceDi = true;
          break;
        case 3:
          this.writeReg(size, EAX, this.readSized(size, this.linear(sourceSegment, si, bytes, false)));
          advanceSi = true;
          break;
        case 4: {
          const b = this.readSized(size, this.linear(ES, di, bytes, false));
          this.alu(7, size, this.readReg(size, EAX), b);
          advanceDi = compared = true;
          break;
        }
        case 5: {
          const linear = this.linear(ES, di, bytes, true);
          this.probeWrite(linear, bytes);
          this.writeSized(size, linear, this.portIn(reg[EDX] & 0xffff, size));
          advanceDi = true;
          break;
        }
        default: {
          const value = this.readSized(size, this.linear(sourceSegment, si, bytes, false));
          this.portOut(reg[EDX] & 0xffff, size, value);
          advanceSi = true;
          break;
        }
      }
      if (address32) {
        if (advanceSi) reg[ESI] = (reg[ESI] + step) | 0;
        if (advanceDi) reg[EDI] = (reg[EDI] + step) | 0;
      } else {
        if (advanceSi) reg[ESI] = (reg[ESI] & ~0xffff) | ((reg[ESI] + step) & 0xffff);
        if (advanceDi) reg[EDI] = (reg[EDI] & ~0xffff) | ((reg[EDI] + step) & 0xffff);
      }
      if (repeat === 0) return;
      let count: number;
      if (address32) count = reg[ECX] = (reg[ECX] - 1) | 0;
      else {
        count = (reg[ECX] - 1) & 0xffff;
        reg[ECX] = (reg[ECX] & ~0xffff) | count;
      }
      if (count === 0) return;
      if (compared && this.flags.zero() !== (repeat === 0xf3)) return;
      if (--budget <= 0) {
        // More to do: the instruction runs again (interrupts may come in between; SDM 2, REP).
        s.eip = this.instructionStart;
        return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Execution

  /**
   * The instruction at CS:EIP, from the decoded-instruction cache when its page is in the TLB and
   * it was decoded there before with the same CS.D, else decoded now (and cached when it lies
   * wholly inside its page and the CS limit). Sets this.inst; faults as decoding would.
   */
  private fetchInstruction(code32: boolean): DecodedInstruction {
    const s = this.state;
    const linear = this.fetchBase;
    const page = linear >>> 12;
    const tag = s.cpl === 3 ? page | USER_TAG : page;
    const offset = linear & 0xfff;
    const limitLeft = (this.segmentLimit[CS] >>> 0) - (s.eip >>> 0) + 1;
    if (tag === this.fetchTag) {
      const id = this.fetchMap[offset];
      if (id !== 0 && this.recordCode32[id] === (code32 ? 1 : 0)) {
        const cached = this.records[id];
        if (cached.length <= limitLeft) {
          this.inst = cached;
          return cached;
        }
      }
    }
    return this.fetchInstructionSlow(code32, tag, offset, limitLeft);
  }

  /** fetchInstruction past the page it last fetched from (kept apart so the fast part inlines). */
  private fetchInstructionSlow(code32: boolean, tag: number, offset: number, limitLeft: number): DecodedInstruction {
    const fetcher = this.fetcher;
    const index = (this.fetchBase >>> 12) & TLB_MASK;
    if (this.tlbReadTag[index] !== tag) {
      fetcher.direct = 0;
      return this.decodeInto(this.scratch, code32);
    }
    let slot = this.tlbCodeSlot[index];
    if (slot < 0 || this.codeSlotPage[slot] !== this.tlbPhysicalPage[index]) slot = this.codeSlotFor(index);
    const map = this.codeMaps[slot];
    this.fetchTag = tag;
    this.fetchMap = map;
    const id = map[offset];
    if (id !== 0 && this.recordCode32[id] === (code32 ? 1 : 0)) {
      const cached = this.records[id];
      if (cached.length <= limitLeft) {
        this.inst = cached;
        return cached;
      }
    }
    fetcher.bytes = this.tlbBytes[index];
    fetcher.offset = this.tlbOffset[index] + offset;
    fetcher.direct = Math.min(0x1000 - offset, limitLeft);
    if (this.recordsUsed === CODE_RECORDS) this.flushCode();
    const next = this.recordsUsed;
    if (next === this.records.length) this.records.push(new DecodedInstruction());
    const inst = this.decodeInto(this.records[next], code32);
    // Only bytes of this page, inside the CS limit, went into it: cache it. (A fault above, or
    // flushCode from codeSlotFor, leaves nothing half made.)
    if (inst.length <= fetcher.direct && this.codeSlotPage[slot] === this.tlbPhysicalPage[index]) {
      map[offset] = next;
      this.recordCode32[next] = code32 ? 1 : 0;
      this.recordsUsed = next + 1;
    }
    return inst;
  }

  private decodeInto(inst: DecodedInstruction, code32: boolean): DecodedInstruction {
    this.inst = inst;
    const status = decode(this.fetcher, code32, inst);
    if (status === DecodeStatus.TOO_LONG) this.gp(0);
    if (status !== DecodeStatus.OK) this.undefinedOpcode();
    return inst;
  }

  private execute(): void {
    const s = this.state;
    const code32 = this.codeSize32();
    const inst = this.fetchInstruction(code32);
    s.eip = code32 ? (s.eip + inst.length) | 0 : (s.eip + inst.length) & 0xffff;
    if (inst.invalid) this.undefinedOpcode();
    const op = inst.opcode;
    if (inst.lock && !X86Cpu.lockable(op, inst.reg, inst.memory)) this.undefinedOpcode();
    if (inst.operandSize32 && COMMON32[op] !== 0 && this.executeCommon32(inst, op)) return;
    this.executeAny(inst, op, inst.operandSize32 ? 32 : 16);
  }

  /**
   * The most frequent instructions with a 32-bit operand size, done without the size-generic
   * operand helpers (the same steps as executeAny, in the same order). Returns false for anything
   * else, which executeAny then does.
   */
  private executeCommon32(inst: DecodedInstruction, op: number): boolean {
    const reg = this.state.reg;
    switch (COMMON32[op]) {
      case COMMON_ALU_E_G: {
        if (!inst.memory) {
          const result = this.alu(op >> 3, 32, reg[inst.rm], reg[inst.reg]);
          if (op !== 0x39) reg[inst.rm] = result;
          return true;
        }
        const a = op === 0x39 ? this.readE(32) : this.readModify(32);
        const result = this.alu(op >> 3, 32, a, reg[inst.reg]);
        if (op !== 0x39) this.writeBack(32, result);
        return true;
      }
      case COMMON_ALU_A_I: {
        const result = this.alu(op >> 3, 32, reg[EAX], inst.immediate);
        if (op !== 0x3d) reg[EAX] = result;
        return true;
      }
      case COMMON_ALU_G_E: {
        const value = inst.memory ? this.read32(this.effectiveLinear(4, false)) : reg[inst.rm];
        const result = this.alu(op >> 3, 32, reg[inst.reg], value);
        if (op !== 0x3b) reg[inst.reg] = result;
        return true;
      }
      case COMMON_INC_DEC:
        reg[op & 7] = this.incDec(32, reg[op & 7], op >= 0x48);
        return true;
      case COMMON_JCC:
        if (this.flags.condition(op & 0xf)) this.jumpNear(this.state.eip + inst.immediate, 32);
        return true;
      case COMMON_ALU_E_I: {
        if (!inst.memory) {
          const result = this.alu(inst.reg, 32, reg[inst.rm], inst.immediate);
          if (inst.reg !== 7) reg[inst.rm] = result;
          return true;
        }
        const a = inst.reg === 7 ? this.readE(32) : this.readModify(32);
        const result = this.alu(inst.reg, 32, a, inst.immediate);
        if (inst.reg !== 7) this.writeBack(32, result);
        return true;
      }
      case COMMON_ALU_EB_IB: {
        const a = inst.reg === 7 ? this.readE(8) : this.readModify(8);
        const result = this.alu(inst.reg, 8, a, inst.immediate);
        if (inst.reg !== 7) this.writeBack(8, result);
        return true;
      }
      case COMMON_MOV_EB_IB:
        this.writeE(8, inst.immediate);
        return true;
      case COMMON_PUSH_R:
        this.push(32, reg[op & 7]);
        return true;
      case COMMON_POP_R: {
        const value = this.pop(32);
        reg[op & 7] = value;
        return true;
      }
      case COMMON_CALL_J: {
        const s = this.state;
        const target = (s.eip + inst.immediate) | 0;
        if (target >>> 0 > this.segmentLimit[CS] >>> 0) this.gp(0);
        this.push(32, s.eip);
        s.eip = target;
        return true;
      }
      case COMMON_RET: {
        const target = this.peekStack(32, 0);
        this.jumpNear(target, 32);
        this.adjustStack(4);
        return true;
      }
      case COMMON_JMP_J:
        this.jumpNear(this.state.eip + inst.immediate, 32);
        return true;
      case COMMON_SHIFT_IB:
        if (inst.memory) return false;
        reg[inst.rm] = this.shift(inst.reg, 32, reg[inst.rm], inst.immediate);
        return true;
      case COMMON_TEST:
        this.alu(4, 32, inst.memory ? this.read32(this.effectiveLinear(4, false)) : reg[inst.rm], reg[inst.reg]);
        return true;
      case COMMON_MOV_E_G:
        if (inst.memory) this.write32(this.effectiveLinear(4, true), reg[inst.reg]);
        else reg[inst.rm] = reg[inst.reg];
        return true;
      case COMMON_MOV_G_E:
        reg[inst.reg] = inst.memory ? this.read32(this.effectiveLinear(4, false)) : reg[inst.rm];
        return true;
      case COMMON_LEA:
        if (!inst.memory) return false;
        reg[inst.reg] = this.effectiveOffset();
        return true;
      case COMMON_MOVZX_B:
        reg[inst.reg] = inst.memory ? this.read8(this.effectiveLinear(1, false)) : this.readReg(8, inst.rm);
        return true;
      default:
        return false;
    }
  }

  private executeAny(inst: DecodedInstruction, op: number, size: number): void {
    const s = this.state;
    const reg = s.reg;
    if (op < 0x40 && (op & 7) < 6) {
      // ADD OR ADC SBB AND SUB XOR CMP in their six forms.
      const aluOp = op >> 3;
      switch (op & 7) {
        case 0: {
          // CMP only reads its destination: no write access check (a read-only page must not fault).
          const a = aluOp === 7 ? this.readE(8) : this.readModify(8);
          const result = this.alu(aluOp, 8, a, this.readReg(8, inst.reg));
          if (aluOp !== 7) this.writeBack(8, result);
          return;
        }
        case 1: {
          const a = aluOp === 7 ? this.readE(size) : this.readModify(size);
          const result = this.alu(aluOp, size, a, this.readReg(size, inst.reg));
          if (aluOp !== 7) this.writeBack(size, result);
          return;
        }
        case 2: {
          const result = this.alu(aluOp, 8, this.readReg(8, inst.reg), this.readE(8));
          if (aluOp !== 7) this.writeReg(8, inst.reg, result);
          return;
        }
        case 3: {
          const result = this.alu(aluOp, size, this.readReg(size, inst.reg), this.readE(size));
          if (aluOp !== 7) this.writeReg(size, inst.reg, result);
          return;
        }
        case 4: {
          const result = this.alu(aluOp, 8, reg[EAX] & 0xff, inst.immediate);
          if (aluOp !== 7) this.writeReg(8, EAX, result);
          return;
        }
        default: {
          const result = this.alu(aluOp, size, this.readReg(size, EAX), inst.immediate);
          if (aluOp !== 7) this.writeReg(size, EAX, result);
          return;
        }
      }
    }
    switch (op) {
      case 0x06:
      case 0x0e:
      case 0x16:
      case 0x1e:
        this.push(size, s.segments.selector[op >> 3]);
        return;
      case 0x07:
      case 0x17:
      case 0x1f: {
        const selector = this.peekStack(size, 0) & 0xffff;
        this.loadSegmentOrFault(op >> 3, selector);
        this.adjustStack(size >> 3);
        if (op === 0x17) this.interruptShadow = true;
        return;
      }
      case 0x27:
      case 0x2f:
        this.decimalAdjust(op === 0x2f);
        return;
      case 0x37:
      case 0x3f:
        this.asciiAdjust(op === 0x3f);
        return;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
        this.writeReg(size, op & 7, this.incDec(size, this.readReg(size, op & 7), false));
        return;
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
        this.writeReg(size, op & 7, this.incDec(size, this.readReg(size, op & 7), true));
        return;
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        this.push(size, this.readReg(size, op & 7));
        return;
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f: {
        const value = this.pop(size);
        this.writeReg(size, op & 7, value);
        return;
      }
      case 0x60: {
        const bytes = size >> 3;
        const sp = reg[ESP];
        const base = this.stack32() ? (sp - 8 * bytes) | 0 : (sp - 8 * bytes) & 0xffff;
        const linear = this.linear(SS, base, 8 * bytes, true);
        this.probeWrite(linear, 8 * bytes);
        for (let r = 0; r < 8; r++) this.writeSized(size, (linear + (7 - r) * bytes) | 0, r === ESP ? sp : reg[r]);
        this.adjustStack(-8 * bytes);
        return;
      }
      case 0x61: {
        const bytes = size >> 3;
        const values = [0, 0, 0, 0, 0, 0, 0, 0];
        for (let r = 0; r < 8; r++) values[7 - r] = this.peekStack(size, r * bytes);
        for (let r = 0; r < 8; r++) if (r !== ESP) this.writeReg(size, r, values[r]);
        this.adjustStack(8 * bytes);
        return;
      }
      case 0x62: {
        this.requireMemory();
        const linear = this.effectiveLinear(2 * (size >> 3), false);
        const index = size === 16 ? (reg[inst.reg] << 16) >> 16 : reg[inst.reg];
        const lower = size === 16 ? (this.read16(linear) << 16) >> 16 : this.read32(linear);
        const upper = size === 16 ? (this.read16((linear + 2) | 0) << 16) >> 16 : this.read32((linear + 4) | 0);
        if (index < lower || index > upper) this.fault(Vector.BR);
        return;
      }
      case 0x63: {
        if (!this.protectedMode || this.v86Mode) this.undefinedOpcode();
        const destination = this.readModify(16);
        const source = this.readReg(16, inst.reg);
        let flags = this.flags.materialize();
        if ((destination & 3) < (source & 3)) {
          this.writeBack(16, (destination & ~3) | (source & 3));
          flags |= Flag.ZF;
        } else flags &= ~Flag.ZF;
        this.flags.setAll(flags);
        return;
      }
      case 0x68:
      case 0x6a:
        this.push(size, inst.immediate);
        return;
      case 0x69:
      case 0x6b:
        this.writeReg(size, inst.reg, this.imul(size, this.readE(size), inst.immediate));
        return;
      case 0x6c:
      case 0x6d:
        this.stringInstruction(5, op === 0x6c ? 8 : size);
        return;
      case 0x6e:
      case 0x6f:
        this.stringInstruction(6, op === 0x6e ? 8 : size);
        return;
      case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
      case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
        if (this.flags.condition(op & 0xf)) this.jumpNear(s.eip + inst.immediate, size);
        return;
      case 0x80:
      case 0x82: {
        const a = inst.reg === 7 ? this.readE(8) : this.readModify(8);
        const result = this.alu(inst.reg, 8, a, inst.immediate);
        if (inst.reg !== 7) this.writeBack(8, result);
        return;
      }
      case 0x81:
      case 0x83: {
        const a = inst.reg === 7 ? this.readE(size) : this.readModify(size);
        const result = this.alu(inst.reg, size, a, inst.immediate);
        if (inst.reg !== 7) this.writeBack(size, result);
        return;
      }
      case 0x84:
        this.alu(4, 8, this.readE(8), this.readReg(8, inst.reg));
        return;
      case 0x85:
        this.alu(4, size, this.readE(size), this.readReg(size, inst.reg));
        return;
      case 0x86:
      case 0x87: {
        const width = op === 0x86 ? 8 : size;
        const a = this.readModify(width);
        const b = this.readReg(width, inst.reg);
        this.writeBack(width, b);
        this.writeReg(width, inst.reg, a);
        return;
      }
      case 0x88:
        this.writeE(8, this.readReg(8, inst.reg));
        return;
      case 0x89:
        this.writeE(size, this.readReg(size, inst.reg));
        return;
      case 0x8a:
        this.writeReg(8, inst.reg, this.readE(8));
        return;
      case 0x8b:
        this.writeReg(size, inst.reg, this.readE(size));
        return;
      case 0x8c:
        if (inst.reg > 5) this.undefinedOpcode();
        // To a register the selector is zero-extended with a 32-bit operand size; memory gets 16 bits.
        if (inst.memory) this.writeE(16, s.segments.selector[inst.reg]);
        else this.writeReg(size, inst.rm, s.segments.selector[inst.reg]);
        return;
      case 0x8d:
        this.requireMemory();
        this.writeReg(size, inst.reg, this.effectiveOffset());
        return;
      case 0x8e:
        if (inst.reg === CS || inst.reg > 5) this.undefinedOpcode();
        this.loadSegmentOrFault(inst.reg, this.readE(16));
        if (inst.reg === SS) this.interruptShadow = true;
        return;
      case 0x8f: {
        // POP r/m: ESP is incremented before the address is computed (SDM 2, POP).
        const value = this.peekStack(size, 0);
        const oldEsp = reg[ESP];
        this.adjustStack(size >> 3);
        try {
          this.writeE(size, value);
        } catch (error) {
          reg[ESP] = oldEsp;
          throw error;
        }
        return;
      }
      case 0x90: // NOP, and PAUSE (F3 90)
        return;
      case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: {
        const a = this.readReg(size, op & 7);
        this.writeReg(size, op & 7, this.readReg(size, EAX));
        this.writeReg(size, EAX, a);
        return;
      }
      case 0x98:
        if (size === 32) reg[EAX] = (reg[EAX] << 16) >> 16;
        else this.writeReg(16, EAX, (reg[EAX] << 24) >> 24);
        return;
      case 0x99:
        if (size === 32) reg[EDX] = reg[EAX] >> 31;
        else this.writeReg(16, EDX, (reg[EAX] << 16) >> 31);
        return;
      case 0x9a:
        this.farCall(inst.immediate2, inst.immediate, size);
        return;
      case 0x9b:
        if ((s.cr0 & (Cr0.MP | Cr0.TS)) === (Cr0.MP | Cr0.TS)) this.fault(Vector.NM);
        this.fpuWait();
        return;
      case 0x9c:
        if (this.v86Mode && this.iopl < 3) this.gp(0);
        // The pushed image has VM and RF clear (SDM 2, PUSHF).
        this.push(size, this.getEflags() & ~(Flag.VM | Flag.RF));
        return;
      case 0x9d: {
        if (this.v86Mode && this.iopl < 3) this.gp(0);
        const value = this.peekStack(size, 0);
        let mask = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.TF | Flag.DF | Flag.OF | Flag.NT | Flag.AC | Flag.ID;
        if (!this.protectedMode || (s.cpl === 0 && !this.v86Mode)) mask |= Flag.IOPL;
        if (!this.protectedMode || s.cpl <= this.iopl || this.v86Mode) mask |= Flag.IF;
        if (size === 16) mask &= 0xffff;
        this.adjustStack(size >> 3);
        this.writeFlags(value, mask);
        return;
      }
      case 0x9e: {
        const flags = this.flags.materialize();
        this.flags.setAll((flags & ~0xd5) | ((reg[EAX] >> 8) & 0xd5));
        return;
      }
      case 0x9f:
        this.writeReg(8, 4, (this.flags.compute() & 0xd5) | 2);
        return;
      case 0xa0:
        this.writeReg(8, EAX, this.read8(this.linear(inst.segment, inst.immediate, 1, false)));
        return;
      case 0xa1:
        this.writeReg(size, EAX, this.readSized(size, this.linear(inst.segment, inst.immediate, size >> 3, false)));
        return;
      case 0xa2:
        this.write8(this.linear(inst.segment, inst.immediate, 1, true), reg[EAX]);
        return;
      case 0xa3:
        this.writeSized(size, this.linear(inst.segment, inst.immediate, size >> 3, true), reg[EAX]);
        return;
      case 0xa4:
      case 0xa5:
        this.stringInstruction(0, op === 0xa4 ? 8 : size);
        return;
      case 0xa6:
      case 0xa7:
        this.stringInstruction(1, op === 0xa6 ? 8 : size);
        return;
      case 0xa8:
        this.alu(4, 8, reg[EAX], inst.immediate);
        return;
      case 0xa9:
        this.alu(4, size, reg[EAX], inst.immediate);
        return;
      case 0xaa:
      case 0xab:
        this.stringInstruction(2, op === 0xaa ? 8 : size);
        return;
      case 0xac:
      case 0xad:
        this.stringInstruction(3, op === 0xac ? 8 : size);
        return;
      case 0xae:
      case 0xaf:
        this.stringInstruction(4, op === 0xae ? 8 : size);
        return;
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        this.writeReg(8, op & 7, inst.immediate);
        return;
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        this.writeReg(size, op & 7, inst.immediate);
        return;
      case 0xc0:
      case 0xd0:
      case 0xd2:
        this.writeBack(8, this.shift(inst.reg, 8, this.readModify(8), op === 0xc0 ? inst.immediate : op === 0xd0 ? 1 : reg[ECX]));
        return;
      case 0xc1:
      case 0xd1:
      case 0xd3:
        this.writeBack(size, this.shift(inst.reg, size, this.readModify(size), op === 0xc1 ? inst.immediate : op === 0xd1 ? 1 : reg[ECX]));
        return;
      case 0xc2:
      case 0xc3: {
        const target = this.peekStack(size, 0);
        this.jumpNear(target, size);
        this.adjustStack((size >> 3) + (op === 0xc2 ? inst.immediate & 0xffff : 0));
        return;
      }
      case 0xc4:
      case 0xc5:
        this.loadFarPointer(op === 0xc4 ? ES : DS, size);
        return;
      case 0xc6:
        this.writeE(8, inst.immediate);
        return;
      case 0xc7:
        this.writeE(size, inst.immediate);
        return;
      case 0xc8:
        this.enter(size, inst.immediate & 0xffff, inst.immediate2 & 0x1f);
        return;
      case 0xc9: {
        const frame = this.stack32() ? reg[EBP] : reg[EBP] & 0xffff;
        const value = this.readSized(size, this.linear(SS, frame, size >> 3, false));
        if (this.stack32()) reg[ESP] = (frame + (size >> 3)) | 0;
        else reg[ESP] = (reg[ESP] & ~0xffff) | ((frame + (size >> 3)) & 0xffff);
        this.writeReg(size, EBP, value);
        return;
      }
      case 0xca:
      case 0xcb:
        this.farReturn(size, op === 0xca ? inst.immediate & 0xffff : 0);
        return;
      case 0xcc:
        this.softwareInterrupt(Vector.BP);
        return;
      case 0xcd:
        // INT n is IOPL-sensitive in virtual-8086 mode (without VME); INT3 and INTO are not (SDM 3A 20.2.7).
        if (this.v86Mode && this.iopl < 3) this.gp(0);
        this.softwareInterrupt(inst.immediate & 0xff);
        return;
      case 0xce:
        if (this.flags.overflow()) this.softwareInterrupt(Vector.OF);
        return;
      case 0xcf:
        this.interruptReturn(size);
        return;
      case 0xd4: {
        const base = inst.immediate & 0xff;
        if (base === 0) this.fault(Vector.DE);
        const al = reg[EAX] & 0xff;
        this.writeReg(16, EAX, (Math.floor(al / base) << 8) | al % base);
        this.flags.set(CcOp.LOGIC, 8, al % base, 0);
        return;
      }
      case 0xd5: {
        const al = ((reg[EAX] & 0xff) + ((reg[EAX] >> 8) & 0xff) * (inst.immediate & 0xff)) & 0xff;
        this.writeReg(16, EAX, al);
        this.flags.set(CcOp.LOGIC, 8, al, 0);
        return;
      }
      case 0xd6:
        this.writeReg(8, EAX, this.flags.carry() ? 0xff : 0);
        return;
      case 0xd7: {
        const offset = inst.addressSize32 ? (reg[EBX] + (reg[EAX] & 0xff)) | 0 : (reg[EBX] + (reg[EAX] & 0xff)) & 0xffff;
        this.writeReg(8, EAX, this.read8(this.linear(inst.segment, offset, 1, false)));
        return;
      }
      case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        if ((s.cr0 & (Cr0.EM | Cr0.TS)) !== 0) this.fault(Vector.NM);
        this.fpuInstruction();
        return;
      case 0xe0:
      case 0xe1:
      case 0xe2: {
        let count: number;
        if (inst.addressSize32) count = reg[ECX] = (reg[ECX] - 1) | 0;
        else {
          count = (reg[ECX] - 1) & 0xffff;
          reg[ECX] = (reg[ECX] & ~0xffff) | count;
        }
        const taken = count !== 0 && (op === 0xe2 || this.flags.zero() === (op === 0xe1));
        if (taken) this.jumpNear(s.eip + inst.immediate, size);
        return;
      }
      case 0xe3:
        if ((inst.addressSize32 ? reg[ECX] : reg[ECX] & 0xffff) === 0) this.jumpNear(s.eip + inst.immediate, size);
        return;
      case 0xe4:
        this.writeReg(8, EAX, this.portIn(inst.immediate & 0xff, 8));
        return;
      case 0xe5:
        this.writeReg(size, EAX, this.portIn(inst.immediate & 0xff, size));
        return;
      case 0xe6:
        this.portOut(inst.immediate & 0xff, 8, reg[EAX]);
        return;
      case 0xe7:
        this.portOut(inst.immediate & 0xff, size, reg[EAX]);
        return;
      case 0xe8: {
        const target = size === 16 ? (s.eip + inst.immediate) & 0xffff : (s.eip + inst.immediate) | 0;
        if (target >>> 0 > s.segments.limit[CS] >>> 0) this.gp(0);
        this.push(size, s.eip);
        s.eip = target;
        return;
      }
      case 0xe9:
      case 0xeb:
        this.jumpNear(s.eip + inst.immediate, size);
        return;
      case 0xea:
        this.farJump(inst.immediate2, inst.immediate, size);
        return;
      case 0xec:
        this.writeReg(8, EAX, this.portIn(reg[EDX] & 0xffff, 8));
        return;
      case 0xed:
        this.writeReg(size, EAX, this.portIn(reg[EDX] & 0xffff, size));
        return;
      case 0xee:
        this.portOut(reg[EDX] & 0xffff, 8, reg[EAX]);
        return;
      case 0xef:
        this.portOut(reg[EDX] & 0xffff, size, reg[EAX]);
        return;
      case 0xf1:
        this.interrupt(Vector.DB, false, -1, true);
        return;
      case 0xf4:
        if (this.protectedMode && s.cpl !== 0) this.gp(0);
        this.halted = true;
        return;
      case 0xf5:
        this.flags.setAll(this.flags.compute() ^ Flag.CF);
        return;
      case 0xf6:
      case 0xf7:
        this.group3(op === 0xf6 ? 8 : size);
        return;
      case 0xf8:
      case 0xf9:
        this.flags.setAll((this.flags.compute() & ~Flag.CF) | (op & 1));
        return;
      case 0xfa:
      case 0xfb:
        if (this.protectedMode && (this.v86Mode ? this.iopl < 3 : s.cpl > this.iopl)) this.gp(0);
        if (op === 0xfa) s.eflags &= ~Flag.IF;
        else {
          if ((s.eflags & Flag.IF) === 0) this.interruptShadow = true;
          s.eflags |= Flag.IF;
        }
        return;
      case 0xfc:
        s.eflags &= ~Flag.DF;
        return;
      case 0xfd:
        s.eflags |= Flag.DF;
        return;
      case 0xfe:
        if (inst.reg > 1) this.undefinedOpcode();
        this.writeBack(8, this.incDec(8, this.readModify(8), inst.reg === 1));
        return;
      case 0xff:
        this.group5(size);
        return;
      default:
        this.executeTwoByte(op, size);
    }
  }

  private group3(size: number): void {
    const inst = this.inst;
    switch (inst.reg) {
      case 0:
      case 1:
        this.alu(4, size, this.readE(size), inst.immediate);
        return;
      case 2:
        this.writeBack(size, ~this.readModify(size) & X86Cpu.mask(size));
        return;
      case 3:
        this.writeBack(size, this.alu(5, size, 0, this.readModify(size)));
        return;
      default:
        this.multiplyDivide(inst.reg, size, this.readE(size));
    }
  }

  private group5(size: number): void {
    const inst = this.inst;
    const s = this.state;
    switch (inst.reg) {
      case 0:
      case 1:
        this.writeBack(size, this.incDec(size, this.readModify(size), inst.reg === 1));
        return;
      case 2: {
        const target = this.readE(size);
        const masked = size === 16 ? target & 0xffff : target;
        if (masked >>> 0 > s.segments.limit[CS] >>> 0) this.gp(0);
        this.push(size, s.eip);
        s.eip = masked;
        return;
      }
      case 3:
      case 5: {
        this.requireMemory();
        const linear = this.effectiveLinear((size >> 3) + 2, false);
        const offset = this.readSized(size, linear);
        const selector = this.read16((linear + (size >> 3)) | 0);
        if (inst.reg === 3) this.farCall(selector, offset, size);
        else this.farJump(selector, offset, size);
        return;
      }
      case 4:
        this.jumpNear(this.readE(size), size);
        return;
      case 6:
        this.push(size, this.readE(size));
        return;
      default:
        this.undefinedOpcode();
    }
  }

  /** LDS/LES/LFS/LGS/LSS: offset and selector from memory (SDM 2, LDS). */
  private loadFarPointer(seg: number, size: number): void {
    this.requireMemory();
    const linear = this.effectiveLinear((size >> 3) + 2, false);
    const offset = this.readSized(size, linear);
    const selector = this.read16((linear + (size >> 3)) | 0);
    this.loadSegmentOrFault(seg, selector);
    this.writeReg(size, this.inst.reg, offset);
  }

  /** ENTER (SDM 2, ENTER). */
  private enter(size: number, allocation: number, level: number): void {
    const s = this.state;
    const reg = s.reg;
    const bytes = size >> 3;
    const stack32 = this.stack32();
    const startEsp = reg[ESP];
    try {
      this.push(size, reg[EBP]);
      const frame = stack32 ? reg[ESP] : reg[ESP] & 0xffff;
      if (level > 0) {
        let ebp = reg[EBP];
        for (let i = 1; i < level; i++) {
          ebp = stack32 ? (ebp - bytes) | 0 : (ebp - bytes) & 0xffff;
          this.push(size, this.readSized(size, this.linear(SS, ebp, bytes, false)));
        }
        this.push(size, frame);
      }
      const newEsp = stack32 ? (reg[ESP] - allocation) | 0 : (reg[ESP] - allocation) & 0xffff;
      // The whole frame must be writable (the P6 checks the final stack pointer).
      this.linear(SS, newEsp, 1, true);
      if (stack32) reg[EBP] = frame;
      else this.writeReg(16, EBP, frame);
      if (stack32) reg[ESP] = newEsp;
      else reg[ESP] = (reg[ESP] & ~0xffff) | newEsp;
    } catch (error) {
      reg[ESP] = startEsp;
      throw error;
    }
  }

  /** DAA/DAS (QEMU helper_daa/helper_das). */
  private decimalAdjust(subtract: boolean): void {
    const reg = this.state.reg;
    const flags = this.flags.compute();
    const af = (flags & Flag.AF) !== 0;
    const cf = (flags & Flag.CF) !== 0;
    let al = reg[EAX] & 0xff;
    const oldAl = al;
    let result = 0;
    if (!subtract) {
      if ((al & 0x0f) > 9 || af) {
        al = (al + 6) & 0xff;
        result |= Flag.AF;
      }
      if (oldAl > 0x99 || cf) {
        al = (al + 0x60) & 0xff;
        result |= Flag.CF;
      }
    } else {
      if ((al & 0x0f) > 9 || af) {
        result |= Flag.AF;
        if (al < 6 || cf) result |= Flag.CF;
        al = (al - 6) & 0xff;
      }
      if (oldAl > 0x99 || cf) {
        al = (al - 0x60) & 0xff;
        result |= Flag.CF;
      }
    }
    this.writeReg(8, EAX, al);
    result |= (al === 0 ? Flag.ZF : 0) | parityFlag(al) | (al & 0x80);
    this.flags.setAll(result);
  }

  /** AAA/AAS (QEMU helper_aaa/helper_aas). */
  private asciiAdjust(subtract: boolean): void {
    const reg = this.state.reg;
    let flags = this.flags.compute();
    let al = reg[EAX] & 0xff;
    let ah = (reg[EAX] >> 8) & 0xff;
    if ((al & 0x0f) > 9 || (flags & Flag.AF) !== 0) {
      if (!subtract) {
        const carry = al > 0xf9 ? 1 : 0;
        al = (al + 6) & 0x0f;
        ah = (ah + 1 + carry) & 0xff;
      } else {
        const borrow = al < 6 ? 1 : 0;
        al = (al - 6) & 0x0f;
        ah = (ah - 1 - borrow) & 0xff;
      }
      flags |= Flag.CF | Flag.AF;
    } else {
      flags &= ~(Flag.CF | Flag.AF);
      al &= 0x0f;
    }
    this.writeReg(16, EAX, al | (ah << 8));
    this.flags.setAll(flags);
  }

  // ---------------------------------------------------------------------------------------------
  // Two-byte opcodes

  private requirePrivilege(): void {
    if (this.protectedMode && (this.v86Mode || this.state.cpl !== 0)) this.gp(0);
  }

  private executeTwoByte(op: number, size: number): void {
    const inst = this.inst;
    const s = this.state;
    const reg = s.reg;
    switch (op) {
      case 0x100:
        this.group6();
        return;
      case 0x101:
        this.group7(size);
        return;
      case 0x102:
      case 0x103:
        this.loadAccessOrLimit(op === 0x103, size);
        return;
      case 0x106:
        this.requirePrivilege();
        s.cr0 &= ~Cr0.TS;
        return;
      case 0x108:
      case 0x109:
        this.requirePrivilege();
        return;
      case 0x10b:
      case 0x1b9:
        this.undefinedOpcode();
        return;
      case 0x118: case 0x119: case 0x11a: case 0x11b: case 0x11c: case 0x11d: case 0x11e: case 0x11f:
        return; // hint NOPs (no memory access is made)
      case 0x120: {
        this.requirePrivilege();
        const n = inst.reg;
        if (n === 1 || n > 4) this.undefinedOpcode();
        reg[inst.rm] = n === 0 ? s.cr0 : n === 2 ? s.cr2 : n === 3 ? s.cr3 : s.cr4;
        return;
      }
      case 0x122:
        this.requirePrivilege();
        this.writeControlRegister(inst.reg, reg[inst.rm]);
        return;
      case 0x121:
      case 0x123: {
        this.requirePrivilege();
        let n = inst.reg;
        if (n === 4 || n === 5) {
          if ((s.cr4 & Cr4.DE) !== 0) this.undefinedOpcode();
          n += 2;
        }
        if (op === 0x121) reg[inst.rm] = s.dr[n];
        else s.dr[n] = n === 6 ? reg[inst.rm] | 0xffff0ff0 : n === 7 ? (reg[inst.rm] & ~0xd000) | 0x400 : reg[inst.rm];
        return;
      }
      case 0x130:
        this.requirePrivilege();
        this.writeMsr(reg[ECX] >>> 0, reg[EAX], reg[EDX]);
        return;
      case 0x131:
        if ((s.cr4 & Cr4.TSD) !== 0 && this.protectedMode && s.cpl !== 0) this.gp(0);
        reg[EAX] = s.tsc % 0x100000000 | 0;
        reg[EDX] = Math.floor(s.tsc / 0x100000000) | 0;
        return;
      case 0x132:
        this.requirePrivilege();
        this.readMsr(reg[ECX] >>> 0);
        return;
      case 0x133:
        if ((s.cr4 & Cr4.PCE) === 0 && this.protectedMode && s.cpl !== 0) this.gp(0);
        reg[EAX] = 0;
        reg[EDX] = 0;
        return;
      case 0x134:
      case 0x135:
        // CPUID reports no SEP, as for the first P6 models.
        this.undefinedOpcode();
        return;
      case 0x140: case 0x141: case 0x142: case 0x143: case 0x144: case 0x145: case 0x146: case 0x147:
      case 0x148: case 0x149: case 0x14a: case 0x14b: case 0x14c: case 0x14d: case 0x14e: case 0x14f: {
        // The source is read even when the condition is false (SDM 2, CMOVcc).
        const value = this.readE(size);
        if (this.flags.condition(op & 0xf)) this.writeReg(size, inst.reg, value);
        return;
      }
      case 0x180: case 0x181: case 0x182: case 0x183: case 0x184: case 0x185: case 0x186: case 0x187:
      case 0x188: case 0x189: case 0x18a: case 0x18b: case 0x18c: case 0x18d: case 0x18e: case 0x18f:
        if (this.flags.condition(op & 0xf)) this.jumpNear(s.eip + inst.immediate, size);
        return;
      case 0x190: case 0x191: case 0x192: case 0x193: case 0x194: case 0x195: case 0x196: case 0x197:
      case 0x198: case 0x199: case 0x19a: case 0x19b: case 0x19c: case 0x19d: case 0x19e: case 0x19f:
        this.writeE(8, this.flags.condition(op & 0xf) ? 1 : 0);
        return;
      case 0x1a0:
      case 0x1a8:
        this.push(size, s.segments.selector[op === 0x1a0 ? FS : GS]);
        return;
      case 0x1a1:
      case 0x1a9: {
        const selector = this.peekStack(size, 0) & 0xffff;
        this.loadSegmentOrFault(op === 0x1a1 ? FS : GS, selector);
        this.adjustStack(size >> 3);
        return;
      }
      case 0x1a2:
        this.cpuid();
        return;
      case 0x1a3:
      case 0x1ab:
      case 0x1b3:
      case 0x1bb:
        this.bitTest(op === 0x1a3 ? 0 : op === 0x1ab ? 1 : op === 0x1b3 ? 2 : 3, size, this.readReg(size, inst.reg), true);
        return;
      case 0x1ba:
        this.bitTest(inst.reg - 4, size, inst.immediate & 0xff, false);
        return;
      case 0x1a4:
      case 0x1a5:
      case 0x1ac:
      case 0x1ad: {
        const count = op === 0x1a4 || op === 0x1ac ? inst.immediate : reg[ECX];
        const value = this.readModify(size);
        this.writeBack(size, this.doubleShift(op >= 0x1ac, size, value, this.readReg(size, inst.reg), count));
        return;
      }
      case 0x1aa:
        this.undefinedOpcode();
        return;
      case 0x1af:
        this.writeReg(size, inst.reg, this.imul(size, this.readReg(size, inst.reg), this.readE(size)));
        return;
      case 0x1b0:
      case 0x1b1: {
        const width = op === 0x1b0 ? 8 : size;
        const destination = this.readModify(width);
        const accumulator = this.readReg(width, EAX);
        this.alu(7, width, accumulator, destination);
        if (accumulator === destination) this.writeBack(width, this.readReg(width, inst.reg));
        else {
          // The destination is written back either way (a locked cycle; SDM 2, CMPXCHG).
          if (inst.memory) this.writeBack(width, destination);
          this.writeReg(width, EAX, destination);
        }
        return;
      }
      case 0x1b2:
        this.loadFarPointer(SS, size);
        this.interruptShadow = true;
        return;
      case 0x1b4:
      case 0x1b5:
        this.loadFarPointer(op === 0x1b4 ? FS : GS, size);
        return;
      case 0x1b6:
        this.writeReg(size, inst.reg, this.readE(8));
        return;
      case 0x1b7:
        this.writeReg(size, inst.reg, this.readE(16));
        return;
      case 0x1be:
        this.writeReg(size, inst.reg, (this.readE(8) << 24) >> 24);
        return;
      case 0x1bf:
        this.writeReg(size, inst.reg, (this.readE(16) << 16) >> 16);
        return;
      case 0x1bc:
      case 0x1bd: {
        const value = this.readE(size) & X86Cpu.mask(size);
        // ZF is set and the destination left unchanged for a zero source (as QEMU and P6 CPUs do).
        this.flags.set(CcOp.LOGIC, size, value, 0);
        if (value === 0) return;
        const index = op === 0x1bc ? 31 - Math.clz32(value & -value) : 31 - Math.clz32(value);
        this.writeReg(size, inst.reg, index);
        return;
      }
      case 0x1c0:
      case 0x1c1: {
        const width = op === 0x1c0 ? 8 : size;
        const destination = this.readModify(width);
        const source = this.readReg(width, inst.reg);
        const sum = this.alu(0, width, destination, source);
        this.writeReg(width, inst.reg, destination);
        this.writeBack(width, sum);
        return;
      }
      case 0x1c7: {
        if (inst.reg !== 1 || !inst.memory) this.undefinedOpcode();
        const linear = this.effectiveLinear(8, true);
        this.probeWrite(linear, 8);
        const low = this.read32(linear);
        const high = this.read32((linear + 4) | 0);
        let flags = this.flags.materialize();
        if (low === reg[EAX] && high === reg[EDX]) {
          this.write32(linear, reg[EBX]);
          this.write32((linear + 4) | 0, reg[ECX]);
          flags |= Flag.ZF;
        } else {
          this.write32(linear, low);
          this.write32((linear + 4) | 0, high);
          reg[EAX] = low;
          reg[EDX] = high;
          flags &= ~Flag.ZF;
        }
        this.flags.setAll(flags);
        return;
      }
      case 0x1c8: case 0x1c9: case 0x1ca: case 0x1cb: case 0x1cc: case 0x1cd: case 0x1ce: case 0x1cf: {
        // BSWAP always swaps all 32 bits, as QEMU does (a 16-bit operand size is undefined; SDM 2, BSWAP).
        const value = reg[op & 7];
        reg[op & 7] = ((value & 0xff) << 24) | ((value & 0xff00) << 8) | ((value >>> 8) & 0xff00) | (value >>> 24);
        return;
      }
      default:
        this.undefinedOpcode();
    }
  }

  /** BT/BTS/BTR/BTC (op 0-3); a register bit offset addresses memory beyond the operand (SDM 2, BT). */
  private bitTest(op: number, size: number, offset: number, registerOffset: boolean): void {
    const inst = this.inst;
    if (op < 0) this.undefinedOpcode();
    let value: number;
    let bit: number;
    let linear = 0;
    if (inst.memory) {
      let displacement = 0;
      if (registerOffset) {
        const signed = size === 16 ? (offset << 16) >> 16 : offset | 0;
        displacement = (signed >> (size === 16 ? 4 : 5)) * (size >> 3);
      }
      bit = offset & (size - 1);
      const sum = this.effectiveOffset() + displacement;
      linear = this.linear(inst.segment, inst.addressSize32 ? sum | 0 : sum & 0xffff, size >> 3, op !== 0);
      if (op !== 0) this.probeWrite(linear, size >> 3);
      value = this.readSized(size, linear);
    } else {
      bit = offset & (size - 1);
      value = this.readReg(size, inst.rm);
    }
    const flags = this.flags.materialize();
    this.flags.setAll((flags & ~Flag.CF) | ((value >>> bit) & 1));
    if (op === 0) return;
    const mask = 1 << bit;
    const result = op === 1 ? value | mask : op === 2 ? value & ~mask : value ^ mask;
    if (inst.memory) this.writeSized(size, linear, result);
    else this.writeReg(size, inst.rm, result);
  }

  private writeControlRegister(n: number, value: number): void {
    const s = this.state;
    switch (n) {
      case 0: {
        if ((value & Cr0.PG) !== 0 && (value & Cr0.PE) === 0) this.gp(0);
        if ((value & Cr0.NW) !== 0 && (value & Cr0.CD) === 0) this.gp(0);
        const changed = s.cr0 ^ value;
        s.cr0 = value | Cr0.ET;
        if ((changed & (Cr0.PG | Cr0.WP | Cr0.PE)) !== 0) this.flushTlb();
        if ((changed & Cr0.PE) !== 0 && (value & Cr0.PE) === 0) s.cpl = 0;
        return;
      }
      case 2:
        s.cr2 = value;
        return;
      case 3:
        s.cr3 = value;
        this.flushTlb();
        return;
      case 4: {
        const supported = Cr4.VME | Cr4.PVI | Cr4.TSD | Cr4.DE | Cr4.PSE | Cr4.PGE | Cr4.PCE;
        if ((value & ~supported) !== 0) this.gp(0);
        if (((s.cr4 ^ value) & (Cr4.PSE | Cr4.PGE)) !== 0) this.flushTlb();
        s.cr4 = value;
        return;
      }
      default:
        this.undefinedOpcode();
    }
  }

  /** CPUID of a P6 without MMX/SSE/SEP (SDM 2, CPUID). */
  private cpuid(): void {
    const reg = this.state.reg;
    const leaf = reg[EAX] >>> 0;
    if (leaf === 0) {
      reg[EAX] = 2;
      reg[EBX] = 0x756e6547; // "Genu"
      reg[EDX] = 0x49656e69; // "ineI"
      reg[ECX] = 0x6c65746e; // "ntel"
    } else if (leaf === 1) {
      reg[EAX] = 0x0673;
      reg[EBX] = 0;
      reg[ECX] = 0;
      // FPU, DE, PSE, TSC, MSR, CX8, PGE, CMOV.
      reg[EDX] = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 13) | (1 << 15);
    } else if (leaf >= 0x80000000) {
      reg[EAX] = reg[EBX] = reg[ECX] = reg[EDX] = 0;
    } else {
      // Leaf 2 (and any higher basic leaf, which answers as the highest one): cache descriptors.
      reg[EAX] = 0x03020101;
      reg[EBX] = 0;
      reg[ECX] = 0;
      reg[EDX] = 0x0c040843;
    }
  }

  private readMsr(msr: number): void {
    const s = this.state;
    const reg = s.reg;
    let low = 0;
    let high = 0;
    switch (msr) {
      case MSR_TSC:
        low = s.tsc % 0x100000000 | 0;
        high = Math.floor(s.tsc / 0x100000000) | 0;
        break;
      case MSR_APIC_BASE:
        low = this.apicBase;
        break;
      case MSR_SYSENTER_CS:
        low = this.sysenterCs;
        break;
      case MSR_SYSENTER_ESP:
        low = this.sysenterEsp;
        break;
      case MSR_SYSENTER_EIP:
        low = this.sysenterEip;
        break;
      default:
        this.unimplementedFeature(`RDMSR 0x${msr.toString(16)} (reads 0)`);
    }
    reg[EAX] = low;
    reg[EDX] = high;
  }

  private writeMsr(msr: number, low: number, high: number): void {
    const s = this.state;
    switch (msr) {
      case MSR_TSC:
        s.tsc = (high >>> 0) * 0x100000000 + (low >>> 0);
        return;
      case MSR_APIC_BASE:
        this.apicBase = (low & 0xfffff900) | 0x100;
        return;
      case MSR_SYSENTER_CS:
        this.sysenterCs = low & 0xffff;
        return;
      case MSR_SYSENTER_ESP:
        this.sysenterEsp = low;
        return;
      case MSR_SYSENTER_EIP:
        this.sysenterEip = low;
        return;
      default:
        this.unimplementedFeature(`WRMSR 0x${msr.toString(16)} (ignored)`);
    }
  }

  /** Group 6: SLDT STR LLDT LTR VERR VERW (SDM 2). */
  private group6(): void {
    const inst = this.inst;
    const s = this.state;
    if (!this.protectedMode || this.v86Mode) this.undefinedOpcode();
    switch (inst.reg) {
      case 0:
      case 1: {
        const selector = s.segments.selector[inst.reg === 0 ? LDTR : TR];
        if (inst.memory) this.writeE(16, selector);
        else this.writeReg(inst.operandSize32 ? 32 : 16, inst.rm, selector);
        return;
      }
      case 2: {
        this.requirePrivilege();
        const selector = this.readE(16);
        if ((selector & 0xfffc) === 0) {
          this.setSegment(LDTR, selector, 0, 0, 0);
          return;
        }
        if ((selector & 4) !== 0 || !this.readDescriptor(selector)) this.gp(selector & 0xfffc);
        const access = this.descriptorAccess();
        if ((access & 0x1f) !== 0x02) this.gp(selector & 0xfffc);
        if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
        this.loadFromDescriptor(LDTR, selector);
        return;
      }
      case 3: {
        this.requirePrivilege();
        const selector = this.readE(16);
        if ((selector & 0xfffc) === 0) this.gp(0);
        if ((selector & 4) !== 0 || !this.readDescriptor(selector)) this.gp(selector & 0xfffc);
        const access = this.descriptorAccess();
        if ((access & 0x1f) !== 0x01 && (access & 0x1f) !== 0x09) this.gp(selector & 0xfffc);
        if ((access & ACCESS_PRESENT) === 0) this.fault(Vector.NP, selector & 0xfffc);
        this.descriptorHigh |= 0x200; // busy
        this.writeSystem32(this.descriptorAddress + 4, this.descriptorHigh);
        this.loadFromDescriptor(TR, selector);
        return;
      }
      case 4:
      case 5: {
        const selector = this.readE(16);
        let ok = false;
        if ((selector & 0xfffc) !== 0 && this.readDescriptor(selector)) {
          const access = this.descriptorAccess();
          const dpl = (access >> 5) & 3;
          const conformingCode = (access & (ACCESS_CODE | ACCESS_DC)) === (ACCESS_CODE | ACCESS_DC);
          if ((access & ACCESS_S) !== 0 && (conformingCode || (dpl >= s.cpl && dpl >= (selector & 3)))) {
            ok = inst.reg === 4 ? (access & (ACCESS_CODE | ACCESS_RW)) !== ACCESS_CODE : (access & (ACCESS_CODE | ACCESS_RW)) === ACCESS_RW;
          }
        }
        const flags = this.flags.materialize();
        this.flags.setAll(ok ? flags | Flag.ZF : flags & ~Flag.ZF);
        return;
      }
      default:
        this.undefinedOpcode();
    }
  }

  /** LAR/LSL (SDM 2). */
  private loadAccessOrLimit(limit: boolean, size: number): void {
    const s = this.state;
    if (!this.protectedMode || this.v86Mode) this.undefinedOpcode();
    const selector = this.readE(16);
    let ok = false;
    let value = 0;
    if ((selector & 0xfffc) !== 0 && this.readDescriptor(selector)) {
      const access = this.descriptorAccess();
      const dpl = (access >> 5) & 3;
      const type = access & 0x1f;
      const conformingCode = (access & (ACCESS_S | ACCESS_CODE | ACCESS_DC)) === (ACCESS_S | ACCESS_CODE | ACCESS_DC);
      const validSystem = limit ? [1, 2, 3, 9, 11].includes(type) : [1, 2, 3, 4, 5, 9, 11, 12].includes(type);
      if (((access & ACCESS_S) !== 0 || validSystem) && (conformingCode || (dpl >= s.cpl && dpl >= (selector & 3)))) {
        ok = true;
        value = limit ? this.descriptorLimit() : this.descriptorHigh & 0x00f0ff00;
      }
    }
    const flags = this.flags.materialize();
    this.flags.setAll(ok ? flags | Flag.ZF : flags & ~Flag.ZF);
    if (ok) this.writeReg(size, this.inst.reg, value);
  }

  /** Group 7: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG (SDM 2). */
  private group7(size: number): void {
    const inst = this.inst;
    const s = this.state;
    switch (inst.reg) {
      case 0:
      case 1: {
        this.requireMemory();
        const linear = this.effectiveLinear(6, true);
        this.probeWrite(linear, 6);
        const limit = inst.reg === 0 ? s.gdtrLimit : s.idtrLimit;
        const base = inst.reg === 0 ? s.gdtrBase : s.idtrBase;
        this.write16(linear, limit);
        this.write32((linear + 2) | 0, size === 16 ? base & 0xffffff : base);
        return;
      }
      case 2:
      case 3: {
        this.requireMemory();
        this.requirePrivilege();
        const linear = this.effectiveLinear(6, false);
        const limit = this.read16(linear);
        let base = this.read32((linear + 2) | 0);
        if (size === 16) base &= 0xffffff;
        if (inst.reg === 2) {
          s.gdtrLimit = limit;
          s.gdtrBase = base;
        } else {
          s.idtrLimit = limit;
          s.idtrBase = base;
        }
        return;
      }
      case 4:
        if (inst.memory) this.writeE(16, s.cr0);
        else this.writeReg(size, inst.rm, s.cr0);
        return;
      case 6: {
        this.requirePrivilege();
        const value = this.readE(16);
        // LMSW changes PE MP EM TS only and cannot clear PE (SDM 2, LMSW).
        this.writeControlRegister(0, (s.cr0 & ~0xe) | (value & 0xf) | (s.cr0 & Cr0.PE));
        return;
      }
      case 7: {
        this.requireMemory();
        this.requirePrivilege();
        const index = (this.effectiveLinear(1, false) >>> 12) & TLB_MASK;
        this.tlbReadTag[index] = -1;
        this.tlbWriteTag[index] = -1;
        this.fetchTag = -1;
        return;
      }
      default:
        this.undefinedOpcode();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // x87 (fpu.ts)

  /**
   * WAIT, and waiting x87 instructions: a pending unmasked exception is #MF with CR0.NE; with NE
   * clear it asserts FERR#, which a PC routes to IRQ 13, and the instruction goes on (SDM 1, 8.7;
   * the "MS-DOS compatibility" mode). FERR# stays asserted until the machine's port 0xF0 write
   * (clearFerr) or until the exception is cleared (FNCLEX, FNINIT).
   */
  private fpuWait(): void {
    if (!this.fpu.pending) {
      this.ignoreFpuErrors = false;
      return;
    }
    if ((this.state.cr0 & Cr0.NE) !== 0) this.fault(Vector.MF);
    else if (!this.ignoreFpuErrors) this.ferrLine?.set(true);
  }

  /** The PC's port 0xF0 write: deasserts FERR# and ignores x87 errors (IGNNE#) until they are cleared. */
  clearFerr(): void {
    this.ignoreFpuErrors = true;
    this.ferrLine?.set(false);
  }

  private fpuInstruction(): void {
    const inst = this.inst;
    if (!isNonWaiting(inst)) this.fpuWait();
    const c = this.state.segments;
    executeX87(this.fpu, this, inst, this.instructionStart, c.selector[CS], inst.memory ? c.selector[inst.segment] : 0, inst.operandSize32);
  }

  x87OperandAddress(bytes: number, write: boolean): number {
    return this.effectiveLinear(bytes, write);
  }

  x87ProbeWrite(linear: number, bytes: number): void {
    this.probeWrite(linear, bytes);
  }

  x87Eflags(): number {
    return this.flags.compute();
  }

  x87SetCompareFlags(zf: boolean, pf: boolean, cf: boolean): void {
    this.flags.setAll((zf ? Flag.ZF : 0) | (pf ? Flag.PF : 0) | (cf ? Flag.CF : 0));
  }

  x87SetAx(value: number): void {
    this.writeReg(16, EAX, value);
  }

  x87Undefined(): never {
    return this.undefinedOpcode();
  }
}

