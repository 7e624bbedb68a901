// The VMSAv7 translation of a Cortex-A15 (ARM ARM DDI 0406C, B3 "Virtual Memory System
// Architecture"): the short-descriptor tables (B3.5: sections, supersections, large and small
// pages, domains, AP[2:0] with or without the access flag of SCTLR.AFE, XN and PXN) and the
// long-descriptor tables of the Large Physical Address Extension (B3.6: TTBCR.EAE, T0SZ/T1SZ,
// levels 1-3, blocks and pages, AF, AP[2:1], XN, PXN, the hierarchical APTable/XNTable/PXNTable),
// with the fault status codes of both formats (B3.13.3, B4.1.52). It keeps no state: the core's
// CP15 registers are read at every walk, and the core caches the results in its own TLB (which it
// forgets at every TLB maintenance operation and at every change to a register the walk reads).
//
// Output addresses beyond 4 GiB (possible with LPAE and supersections) end the walk with a
// synchronous external abort: no machine here has memory there, and the core's TLB and
// PhysicalMemory take 32-bit addresses from this module.

import type { PhysicalMemory } from '../../hw/memory.js';
import { Sctlr, type SystemControl } from './coprocessor.js';

/** What an access wants (cpu.ts re-exports it for the core's callers). */
export const Access = { READ: 0, WRITE: 1, EXECUTE: 2 } as const;

/** TTBCR.EAE: the long-descriptor format is in use (B4.1.153). */
export const TTBCR_EAE = 0x80000000;

/** The LPAE bit of a long-format DFSR/IFSR (bit 9); short-format codes never have it. */
export const FSR_LPAE = 1 << 9;

/** Short-descriptor fault status values (FS[4] at bit 10, FS[3:0] at 3:0). */
const SHORT = {
  TRANSLATION_SECTION: 0x05,
  TRANSLATION_PAGE: 0x07,
  ACCESS_SECTION: 0x03,
  ACCESS_PAGE: 0x06,
  DOMAIN_SECTION: 0x09,
  DOMAIN_PAGE: 0x0b,
  PERMISSION_SECTION: 0x0d,
  PERMISSION_PAGE: 0x0f,
  EXTERNAL: 0x08,
} as const;

/** Long-descriptor STATUS values (B4.1.52 table B4-27); the level is added to the first three. */
const LONG = {
  TRANSLATION: 0x04,
  ACCESS: 0x08,
  PERMISSION: 0x0c,
  EXTERNAL: 0x10,
  /** A synchronous external abort on the walk itself (a table beyond 4 GiB), with the level. */
  WALK_EXTERNAL: 0x14,
  ALIGNMENT: 0x21,
  DEBUG: 0x22,
} as const;

/**
 * The long-format status of a fault raised outside the walk (the core's alignment, debug and
 * external-abort codes are short-format values).
 */
export function longFormatStatus(shortStatus: number): number {
  switch (shortStatus & 0x40f) {
    case 0x01:
      return FSR_LPAE | LONG.ALIGNMENT;
    case 0x02:
      return FSR_LPAE | LONG.DEBUG;
    default:
      return FSR_LPAE | LONG.EXTERNAL;
  }
}

/** The result of the last walk that failed. */
export interface MmuFault {
  /** DFSR/IFSR value without WnR (the domain in 7:4 for short-format domain/permission faults). */
  status: number;
}

/** Memory attributes of a successful walk, for PAR. */
export interface MmuAttributes {
  /** LPAE: the MAIR attribute byte; short format: 0. */
  attribute: number;
  /** Shareability (LPAE SH[1:0]). */
  shareability: number;
}

const TWO_32 = 4294967296;

export class Mmu {
  readonly fault: MmuFault = { status: 0 };
  readonly attributes: MmuAttributes = { attribute: 0, shareability: 0 };

  constructor(
    private readonly memory: PhysicalMemory,
    private readonly cp15: SystemControl,
  ) {}

  /** Whether translation is on (SCTLR.M). */
  get enabled(): boolean {
    return (this.cp15.sctlr & Sctlr.M) !== 0;
  }

  get longDescriptors(): boolean {
    return (this.cp15.ttbcr & TTBCR_EAE) !== 0;
  }

  /**
   * The physical address of `address` for `access` at the given privilege, or -1 with `fault` set.
   * With SCTLR.M = 0 the flat mapping (B3.2.1).
   */
  translate(address: number, access: number, user: boolean): number {
    address >>>= 0;
    if ((this.cp15.sctlr & Sctlr.M) === 0) return address;
    return (this.cp15.ttbcr & TTBCR_EAE) !== 0 ? this.walkLong(address, access, user) : this.walkShort(address, access, user);
  }

  // ------------------------------------------------------------ short descriptors (B3.5)

  private walkShort(address: number, access: number, user: boolean): number {
    const cp15 = this.cp15;
    const n = cp15.ttbcr & 7;
    let tableAddress: number;
    if (n === 0 || address >>> (32 - n) === 0) {
      // TTBR0: the table holds 2^(12 - N) entries, aligned to its size.
      const base = (cp15.ttbr0Low >>> (14 - n)) * 2 ** (14 - n);
      tableAddress = base + ((address << n) >>> (n + 20)) * 4;
    } else {
      tableAddress = (cp15.ttbr1Low & 0xffffc000) >>> 0;
      tableAddress += (address >>> 20) * 4;
    }
    const first = this.memory.read32(tableAddress) >>> 0;
    const type = first & 3;
    if (type === 0) return this.shortFault(SHORT.TRANSLATION_SECTION, 0, access);
    if (type === 1) {
      // A page table (coarse): domain 8:5, PXN bit 2, the second-level table at 31:10.
      const domain = (first >>> 5) & 0xf;
      const second = this.memory.read32(((first & 0xfffffc00) >>> 0) + ((address >>> 12) & 0xff) * 4) >>> 0;
      if ((second & 3) === 0) return this.shortFault(SHORT.TRANSLATION_PAGE, domain, access);
      const large = (second & 3) === 1;
      const physical = large ? ((second & 0xffff0000) >>> 0) + (address & 0xffff) : ((second & 0xfffff000) >>> 0) + (address & 0xfff);
      const xn = large ? (second >>> 15) & 1 : second & 1;
      const ap = ((second >>> 7) & 4) | ((second >>> 4) & 3);
      const pxn = (first >>> 2) & 1;
      return this.shortCheck(physical, domain, ap, xn, pxn, access, user, false);
    }
    // A section (bit 18 = 0) or supersection (bit 18 = 1); PXN at bit 0 (B3.5.1).
    const domain = (first >>> 18) & 1 ? 0 : (first >>> 5) & 0xf;
    let physical: number;
    if ((first >>> 18) & 1) {
      if (((first >>> 20) & 0xf) !== 0 || ((first >>> 5) & 0xf) !== 0) return this.externalFault();
      physical = ((first & 0xff000000) >>> 0) + (address & 0xffffff);
    } else {
      physical = ((first & 0xfff00000) >>> 0) + (address & 0xfffff);
    }
    const ap = ((first >>> 13) & 4) | ((first >>> 10) & 3);
    return this.shortCheck(physical, domain, ap, (first >>> 4) & 1, first & 1, access, user, true);
  }

  private shortCheck(physical: number, domain: number, ap: number, xn: number, pxn: number, access: number, user: boolean, section: boolean): number {
    const cp15 = this.cp15;
    const domainAccess = (cp15.dacr >>> (domain * 2)) & 3;
    if (domainAccess === 0 || domainAccess === 2) return this.shortFault(section ? SHORT.DOMAIN_SECTION : SHORT.DOMAIN_PAGE, domain, access);
    if (domainAccess === 3) {
      // Manager: no permission or access-flag checks, XN ignored (B3.7.2; QEMU's order of checks).
      this.attributes.attribute = 0;
      this.attributes.shareability = 0;
      return physical;
    }
    if (access === Access.EXECUTE && (xn !== 0 || (!user && pxn !== 0))) return this.shortFault(section ? SHORT.PERMISSION_SECTION : SHORT.PERMISSION_PAGE, domain, access);
    const afe = (cp15.sctlr & Sctlr.AFE) !== 0;
    if (afe && (ap & 1) === 0) return this.shortFault(section ? SHORT.ACCESS_SECTION : SHORT.ACCESS_PAGE, domain, access);
    let read: boolean;
    let write: boolean;
    if (afe) {
      // AP[2:1] (B3.7.1 table B3-9): 00 PL1 RW; 01 RW at any level; 10 PL1 RO; 11 RO at any level.
      const model = ap >>> 1;
      read = !user || (model & 1) !== 0;
      write = (model & 2) === 0 && (!user || model === 1);
    } else {
      // AP[2:0] (table B3-8).
      switch (ap) {
        case 1:
          read = !user;
          write = !user;
          break;
        case 2:
          read = true;
          write = !user;
          break;
        case 3:
          read = true;
          write = true;
          break;
        case 5:
          read = !user;
          write = false;
          break;
        case 6:
        case 7:
          read = true;
          write = false;
          break;
        default:
          read = false;
          write = false;
      }
    }
    let allowed: boolean;
    if (access === Access.WRITE) allowed = write;
    else if (access === Access.READ) allowed = read;
    // SCTLR.WXN/UWXN are not applied to short-descriptor translations: QEMU 7.2 (the reference)
    // applies them only to the long-descriptor format, and Linux and U-Boot set neither.
    else allowed = read;
    if (!allowed) return this.shortFault(section ? SHORT.PERMISSION_SECTION : SHORT.PERMISSION_PAGE, domain, access);
    this.attributes.attribute = 0;
    this.attributes.shareability = 0;
    return physical;
  }

  /** SCTLR.WXN (writable means execute-never) and UWXN (PL1 cannot execute what PL0 may write). */
  private writeImpliesNever(writable: boolean, userWritable: boolean, user: boolean): boolean {
    const sctlr = this.cp15.sctlr;
    if ((sctlr & Sctlr.WXN) !== 0 && writable) return true;
    return !user && (sctlr & Sctlr.UWXN) !== 0 && userWritable;
  }

  private shortFault(status: number, domain: number, access: number): -1 {
    // IFSR has no domain field; DFSR reports it for domain and permission faults (and QEMU for
    // page translation and access-flag faults too: the domain of the first-level entry).
    this.fault.status = access === Access.EXECUTE ? status : status | (domain << 4);
    return -1;
  }

  private externalFault(): -1 {
    this.fault.status = (this.cp15.ttbcr & TTBCR_EAE) !== 0 ? FSR_LPAE | LONG.EXTERNAL : SHORT.EXTERNAL;
    return -1;
  }

  // ------------------------------------------------------------ long descriptors (B3.6)

  private walkLong(address: number, access: number, user: boolean): number {
    const cp15 = this.cp15;
    const ttbcr = cp15.ttbcr;
    const t0sz = ttbcr & 7;
    const t1sz = (ttbcr >>> 16) & 7;
    // B3.6.4: with both sizes 0 TTBR0 covers everything; else TTBR0 covers addresses below
    // 2^(32 - T0SZ) (all but TTBR1's part when T0SZ = 0), TTBR1 those from 2^32 - 2^(32 - T1SZ)
    // (all above TTBR0's part when T1SZ = 0); an address in neither faults at level 1.
    let useTtbr1: boolean;
    if (t0sz === 0 && t1sz === 0) useTtbr1 = false;
    else if (t0sz !== 0 && address < 2 ** (32 - t0sz)) useTtbr1 = false;
    else if (t1sz !== 0 && address >= TWO_32 - 2 ** (32 - t1sz)) useTtbr1 = true;
    else if (t0sz === 0) useTtbr1 = false;
    else if (t1sz === 0) useTtbr1 = true;
    else return this.longFault(LONG.TRANSLATION, 1);
    // EPD0/EPD1: walks through that TTBR disabled.
    if ((ttbcr & (useTtbr1 ? 0x800000 : 0x80)) !== 0) return this.longFault(LONG.TRANSLATION, 1);
    const size = useTtbr1 ? t1sz : t0sz;
    const ttbrLow = useTtbr1 ? cp15.ttbr1Low : cp15.ttbr0Low;
    const ttbrHigh = useTtbr1 ? cp15.ttbr1High : cp15.ttbr0High;
    // The first level looked up: 1 when the region is larger than 1 GiB (size 0 or 1), else 2.
    let level = size <= 1 ? 1 : 2;
    const alignBits = level === 1 ? 5 - size : 14 - size;
    if ((ttbrHigh & 0xff) !== 0) return this.longFault(LONG.WALK_EXTERNAL, level);
    let table = ((ttbrLow >>> alignBits) * 2 ** alignBits) >>> 0;
    // Hierarchical permission limits from table descriptors (APTable, XNTable, PXNTable).
    let noUser = false;
    let readOnly = false;
    let xnTable = false;
    let pxnTable = false;
    for (;;) {
      let index: number;
      if (level === 1) index = (address >>> 30) & (size === 0 ? 3 : 1);
      else if (level === 2) index = size >= 2 ? (address << size) >>> (size + 21) : (address >>> 21) & 0x1ff;
      else index = (address >>> 12) & 0x1ff;
      const entryAddress = table + index * 8;
      const low = this.memory.read32(entryAddress) >>> 0;
      const high = this.memory.read32(entryAddress + 4) >>> 0;
      const type = low & 3;
      if ((type & 1) === 0 || (level === 3 && type === 1)) return this.longFault(LONG.TRANSLATION, level);
      if (level < 3 && type === 3) {
        // A table: the next level's address and the limits it puts on everything below.
        if ((high & 0xff) !== 0) return this.longFault(LONG.WALK_EXTERNAL, level);
        if ((high >>> 29) & 1) noUser = true; // APTable[0]
        if ((high >>> 30) & 1) readOnly = true; // APTable[1]
        if ((high >>> 28) & 1) xnTable = true;
        if ((high >>> 27) & 1) pxnTable = true;
        table = (low & 0xfffff000) >>> 0;
        level++;
        continue;
      }
      // A block (levels 1, 2) or page (level 3).
      if ((high & 0xff) !== 0) return this.externalFault(); // the output address: no memory above 4 GiB
      let physical: number;
      if (level === 1) physical = ((low & 0xc0000000) >>> 0) + (address & 0x3fffffff);
      else if (level === 2) physical = ((low & 0xffe00000) >>> 0) + (address & 0x1fffff);
      else physical = ((low & 0xfffff000) >>> 0) + (address & 0xfff);
      if ((low & 0x400) === 0) return this.longFault(LONG.ACCESS, level);
      const ap = (low >>> 6) & 3;
      const userAccess = (ap & 1) !== 0 && !noUser;
      const writable = (ap & 2) === 0 && !readOnly;
      const xn = ((high >>> 22) & 1) !== 0 || xnTable;
      const pxn = ((high >>> 21) & 1) !== 0 || pxnTable;
      let allowed: boolean;
      if (user && !userAccess) allowed = false;
      else if (access === Access.WRITE) allowed = writable;
      else if (access === Access.READ) allowed = true;
      else allowed = !xn && (user || !pxn) && !this.writeImpliesNever(writable, userAccess && writable, user);
      if (!allowed) return this.longFault(LONG.PERMISSION, level);
      const attrIndex = (low >>> 2) & 7;
      const mair = attrIndex < 4 ? cp15.mair0 : cp15.mair1;
      this.attributes.attribute = (mair >>> ((attrIndex & 3) * 8)) & 0xff;
      this.attributes.shareability = (low >>> 8) & 3;
      return physical;
    }
  }

  /** Translation, access-flag, permission and walk external faults: the STATUS with the level in its low bits (B4.1.52). */
  private longFault(status: number, level: number): -1 {
    this.fault.status = FSR_LPAE | status | level;
    return -1;
  }
}
