// The coprocessor interface (ARM ARM A2.9 "Coprocessor support") and the system control
// coprocessor CP15 as far as this core needs it without an MMU (B4.1, the Cortex-A15 TRM's
// register summary). The MMU session adds the translation registers (TTBR0/1, TTBCR, DACR,
// DFSR/IFSR/DFAR/IFAR writes, the TLB and cache maintenance operations); the VFP session adds
// CP10/CP11. Any encoding a coprocessor does not implement is UNDEFINED: `read`/`write`/`execute`
// return false and the core takes the undefined-instruction exception.

/** The fields of an MCR/MRC (or MCR2/MRC2) encoding. */
export function coprocessorFields(instruction: number): { opc1: number; crn: number; crm: number; opc2: number } {
  return { opc1: (instruction >>> 21) & 7, crn: (instruction >>> 16) & 0xf, crm: instruction & 0xf, opc2: (instruction >>> 5) & 7 };
}

/** A compact key for one CP15 register: opc1, CRn, CRm, opc2 as in the ARM ARM's tables (B3.17). */
export function systemRegisterKey(opc1: number, crn: number, crm: number, opc2: number): number {
  return (opc1 << 12) | (crn << 8) | (crm << 4) | opc2;
}

function keyOf(instruction: number): number {
  return systemRegisterKey((instruction >>> 21) & 7, (instruction >>> 16) & 0xf, instruction & 0xf, (instruction >>> 5) & 7);
}

export interface Coprocessor {
  /** MRC (transfer[0] receives Rt's value) or MRRC (transfer[0] Rt, transfer[1] Rt2, opc1 at bits 7:4). */
  read(instruction: number, transfer: Int32Array, privileged: boolean): boolean;
  /** MCR (transfer[0] holds Rt's value) or MCRR (transfer[0] Rt, transfer[1] Rt2). */
  write(instruction: number, transfer: Int32Array, privileged: boolean): boolean;
  /** CDP, LDC, STC: the whole instruction (VFP/Advanced SIMD will use this). */
  execute(instruction: number, privileged: boolean): boolean;
}

/** SCTLR bits (B4.1.130). */
export const Sctlr = {
  M: 1 << 0,
  A: 1 << 1,
  C: 1 << 2,
  SW: 1 << 10,
  Z: 1 << 11,
  I: 1 << 12,
  V: 1 << 13,
  WXN: 1 << 19,
  UWXN: 1 << 20,
  EE: 1 << 25,
  TRE: 1 << 28,
  AFE: 1 << 29,
  TE: 1 << 30,
} as const;

/** QEMU 7.2's cortex-a15 identification, as read by MRC under qemu-system-arm: MIDR r4p0, CTR, and the reset SCTLR. */
export const CORTEX_A15_MIDR = 0x414fc0f0;
export const CORTEX_A15_CTR = 0x8444c004;
export const CORTEX_A15_SCTLR_RESET = 0x00c50078;
/** MPIDR of CPU 0 in a multiprocessor system (bit 31: the MP extensions' format). */
export const CORTEX_A15_MPIDR = 0x80000000;

/**
 * The read-only identification registers as qemu-system-arm -M virt -cpu cortex-a15 (QEMU 7.2,
 * no EL2/EL3 on that board, so ID_PFR1 lacks the Security and Virtualization fields and ID_DFR0
 * the PMU fields QEMU hides) answers them (test/machines/roms/virt-system.S prints them):
 * key → value. TCMTR/TLBTR 0; the MIDR aliases (opc2 4 and 7) and REVIDR (opc2 6) read MIDR as
 * in QEMU.
 */
const ID_REGISTERS: ReadonlyMap<number, number> = new Map([
  [systemRegisterKey(0, 0, 0, 0), CORTEX_A15_MIDR],
  [systemRegisterKey(0, 0, 0, 1), CORTEX_A15_CTR],
  [systemRegisterKey(0, 0, 0, 2), 0],
  [systemRegisterKey(0, 0, 0, 3), 0],
  [systemRegisterKey(0, 0, 0, 4), CORTEX_A15_MIDR],
  [systemRegisterKey(0, 0, 0, 5), CORTEX_A15_MPIDR],
  [systemRegisterKey(0, 0, 0, 6), CORTEX_A15_MIDR],
  [systemRegisterKey(0, 0, 0, 7), CORTEX_A15_MIDR],
  [systemRegisterKey(0, 0, 1, 0), 0x00001131], // ID_PFR0
  [systemRegisterKey(0, 0, 1, 1), 0x00010001], // ID_PFR1
  [systemRegisterKey(0, 0, 1, 2), 0x02010505], // ID_DFR0
  [systemRegisterKey(0, 0, 1, 3), 0], // ID_AFR0
  [systemRegisterKey(0, 0, 1, 4), 0x10201105], // ID_MMFR0
  [systemRegisterKey(0, 0, 1, 5), 0x20000000],
  [systemRegisterKey(0, 0, 1, 6), 0x01240000],
  [systemRegisterKey(0, 0, 1, 7), 0x02102211],
  [systemRegisterKey(0, 0, 2, 0), 0x02101110], // ID_ISAR0
  [systemRegisterKey(0, 0, 2, 1), 0x13112111],
  [systemRegisterKey(0, 0, 2, 2), 0x21232041],
  [systemRegisterKey(0, 0, 2, 3), 0x11112131],
  [systemRegisterKey(0, 0, 2, 4), 0x10011142],
  [systemRegisterKey(0, 0, 2, 5), 0],
  [systemRegisterKey(1, 0, 0, 1), 0x0a200023], // CLIDR
  [systemRegisterKey(1, 0, 0, 7), 0], // AIDR
  [systemRegisterKey(0, 1, 0, 1), 0], // ACTLR (QEMU: reads 0, writes ignored)
  [systemRegisterKey(0, 5, 1, 0), 0], // ADFSR
  [systemRegisterKey(0, 5, 1, 1), 0], // AIFSR
  [systemRegisterKey(0, 10, 3, 0), 0], // AMAIR0
  [systemRegisterKey(0, 10, 3, 1), 0], // AMAIR1
  [systemRegisterKey(1, 9, 0, 2), (1 << 23) | (0 << 24)], // L2CTLR: one CPU, interrupt controller bit (as QEMU)
  [systemRegisterKey(1, 9, 0, 3), 0], // L2ECTLR
  [systemRegisterKey(0, 13, 0, 0), 0], // FCSEIDR: the FCSE is not implemented (RAZ/WI)
]);

/** CCSIDR per CSSELR value: L1 data, L1 instruction, L2 unified (QEMU 7.2's cortex-a15). */
const CCSIDR = [0x701fe00a, 0x201fe00a, 0x711fe07a];

/** Registers that read as a constant (ID_REGISTERS) and ignore writes. */
const WRITES_IGNORED: ReadonlySet<number> = new Set([
  systemRegisterKey(0, 1, 0, 1),
  systemRegisterKey(0, 5, 1, 0),
  systemRegisterKey(0, 5, 1, 1),
  systemRegisterKey(0, 10, 3, 0),
  systemRegisterKey(0, 10, 3, 1),
  systemRegisterKey(1, 9, 0, 2),
  systemRegisterKey(1, 9, 0, 3),
  systemRegisterKey(0, 13, 0, 0),
]);

const SCTLR = systemRegisterKey(0, 1, 0, 0);
const CPACR = systemRegisterKey(0, 1, 0, 2);
const CCSIDR_KEY = systemRegisterKey(1, 0, 0, 0);
const CSSELR = systemRegisterKey(2, 0, 0, 0);
const TTBR0 = systemRegisterKey(0, 2, 0, 0);
const TTBR1 = systemRegisterKey(0, 2, 0, 1);
const TTBCR = systemRegisterKey(0, 2, 0, 2);
const DACR = systemRegisterKey(0, 3, 0, 0);
const DFSR = systemRegisterKey(0, 5, 0, 0);
const IFSR = systemRegisterKey(0, 5, 0, 1);
const DFAR = systemRegisterKey(0, 6, 0, 0);
const IFAR = systemRegisterKey(0, 6, 0, 2);
const PAR = systemRegisterKey(0, 7, 4, 0);
const PRRR = systemRegisterKey(0, 10, 2, 0);
const NMRR = systemRegisterKey(0, 10, 2, 1);
const VBAR = systemRegisterKey(0, 12, 0, 0);
const ISR = systemRegisterKey(0, 12, 1, 0);
const CONTEXTIDR = systemRegisterKey(0, 13, 0, 1);
const TPIDRURW = systemRegisterKey(0, 13, 0, 2);
const TPIDRURO = systemRegisterKey(0, 13, 0, 3);
const TPIDRPRW = systemRegisterKey(0, 13, 0, 4);
const CBAR = systemRegisterKey(4, 15, 0, 0);

/** The writable SCTLR bits this core acts on or keeps (the rest read as the reset value). */
const SCTLR_WRITABLE = Sctlr.M | Sctlr.A | Sctlr.C | Sctlr.SW | Sctlr.Z | Sctlr.I | Sctlr.V | Sctlr.WXN | Sctlr.UWXN | Sctlr.EE | Sctlr.TRE | Sctlr.AFE | Sctlr.TE;

/** CPACR bits kept: ASEDIS, D32DIS and the CP10/CP11 fields (the others are RAZ/WI: no other coprocessors). */
const CPACR_WRITABLE = 0xc0f00000;

/**
 * The CP15 registers the generic timer owns (CRn = 14, and the 64-bit ones with CRm = 14); the
 * core's timer implements this (generic-timer.ts).
 */
export interface TimerRegisters {
  read(opc1: number, crm: number, opc2: number, transfer: Int32Array, privileged: boolean): boolean;
  write(opc1: number, crm: number, opc2: number, value: number, privileged: boolean): boolean;
  read64(opc1: number, transfer: Int32Array, privileged: boolean): boolean;
  write64(opc1: number, low: number, high: number, privileged: boolean): boolean;
}

/** Address translation operations (ATS1C**) put their result in PAR through this. */
export type AddressTranslation = (address: number, write: boolean, user: boolean) => void;

export class SystemControl implements Coprocessor {
  sctlr = CORTEX_A15_SCTLR_RESET;
  vbar = 0;
  dfsr = 0;
  ifsr = 0;
  dfar = 0;
  ifar = 0;
  /** The thread ID registers (B4.1.150): user read/write, user read-only, privileged only. */
  tpidrurw = 0;
  tpidruro = 0;
  tpidrprw = 0;
  /** CPACR (B4.1.40): coprocessor access rights; bits 23:20 give CP10/CP11 (VFP, Advanced SIMD). */
  cpacr = 0;
  csselr = 0;
  /** TTBR0/TTBR1 as two words each (64 bits with LPAE: the ASID in 55:48 of TTBR0 or TTBR1). */
  ttbr0Low = 0;
  ttbr0High = 0;
  ttbr1Low = 0;
  ttbr1High = 0;
  ttbcr = 0;
  dacr = 0;
  /** PRRR/NMRR, which are MAIR0/MAIR1 with TTBCR.EAE = 1. */
  mair0 = 0;
  mair1 = 0;
  contextidr = 0;
  parLow = 0;
  parHigh = 0;
  /** CBAR: the base of the private peripherals (the GIC) — set by the machine (virt: 0x08000000). */
  cbar = 0;
  /** Told after SCTLR changes (the core re-reads A, V, TE, EE, and forgets its TLB). */
  onSystemControlChange: () => void = () => undefined;
  /** Told when a translation register changes or a TLB maintenance operation runs (the core forgets its TLB). */
  onTranslationChange: () => void = () => undefined;
  /** ATS1CPR/CPW/CUR/CUW (set by the core, which owns the walk). */
  addressTranslation: AddressTranslation | null = null;
  /** ISR: the pending A/I/F bits (set by the core). */
  interruptStatus: () => number = () => 0;
  /** The generic timer's registers, or null (then CRn = 14 is UNDEFINED). */
  timer: TimerRegisters | null = null;

  reset(highVectors: boolean): void {
    this.sctlr = CORTEX_A15_SCTLR_RESET | (highVectors ? Sctlr.V : 0);
    this.vbar = 0;
    this.dfsr = this.ifsr = this.dfar = this.ifar = 0;
    this.tpidrurw = this.tpidruro = this.tpidrprw = 0;
    this.cpacr = 0;
    this.csselr = 0;
    this.ttbr0Low = this.ttbr0High = this.ttbr1Low = this.ttbr1High = 0;
    this.ttbcr = 0;
    this.dacr = 0;
    this.mair0 = this.mair1 = 0;
    this.contextidr = 0;
    this.parLow = this.parHigh = 0;
  }

  read(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (((instruction >>> 25) & 7) === 6) return this.read64(instruction, transfer, privileged);
    const key = keyOf(instruction);
    if (key === TPIDRURO) {
      transfer[0] = this.tpidruro;
      return true;
    }
    if (key === TPIDRURW) {
      transfer[0] = this.tpidrurw;
      return true;
    }
    if ((key >>> 8) === 0x0e || (key >>> 8) === 0x1e) {
      // CRn = 14 (any opc1): the generic timer, some of whose registers PL0 may read.
      return this.timer !== null && this.timer.read((instruction >>> 21) & 7, instruction & 0xf, (instruction >>> 5) & 7, transfer, privileged);
    }
    if (!privileged) return false;
    const id = ID_REGISTERS.get(key);
    if (id !== undefined) {
      transfer[0] = id;
      return true;
    }
    switch (key) {
      case SCTLR:
        transfer[0] = this.sctlr;
        break;
      case CPACR:
        transfer[0] = this.cpacr;
        break;
      case CSSELR:
        transfer[0] = this.csselr;
        break;
      case CCSIDR_KEY:
        transfer[0] = this.csselr < CCSIDR.length ? CCSIDR[this.csselr] : 0;
        break;
      case TTBR0:
        transfer[0] = this.ttbr0Low;
        break;
      case TTBR1:
        transfer[0] = this.ttbr1Low;
        break;
      case TTBCR:
        transfer[0] = this.ttbcr;
        break;
      case DACR:
        transfer[0] = this.dacr;
        break;
      case DFSR:
        transfer[0] = this.dfsr;
        break;
      case IFSR:
        transfer[0] = this.ifsr;
        break;
      case DFAR:
        transfer[0] = this.dfar;
        break;
      case IFAR:
        transfer[0] = this.ifar;
        break;
      case PAR:
        transfer[0] = this.parLow;
        break;
      case PRRR:
        transfer[0] = this.mair0;
        break;
      case NMRR:
        transfer[0] = this.mair1;
        break;
      case VBAR:
        transfer[0] = this.vbar;
        break;
      case ISR:
        transfer[0] = this.interruptStatus();
        break;
      case CONTEXTIDR:
        transfer[0] = this.contextidr;
        break;
      case TPIDRPRW:
        transfer[0] = this.tpidrprw;
        break;
      case CBAR:
        transfer[0] = this.cbar;
        break;
      default:
        return false;
    }
    return true;
  }

  write(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (((instruction >>> 25) & 7) === 6) return this.write64(instruction, transfer, privileged);
    const key = keyOf(instruction);
    const value = transfer[0];
    if (key === TPIDRURW) {
      this.tpidrurw = value;
      return true;
    }
    if ((key >>> 8) === 0x0e || (key >>> 8) === 0x1e) {
      return this.timer !== null && this.timer.write((instruction >>> 21) & 7, instruction & 0xf, (instruction >>> 5) & 7, value, privileged);
    }
    if (!privileged) return false;
    // Cache and branch-predictor maintenance (CRn = 7) and TLB maintenance (CRn = 8).
    if ((key & 0x7f00) === 0x0700 || (key & 0x7f00) === 0x0800) return this.maintenance(key, value);
    switch (key) {
      case SCTLR:
        this.sctlr = ((this.sctlr & ~SCTLR_WRITABLE) | (value & SCTLR_WRITABLE)) >>> 0;
        this.onSystemControlChange();
        break;
      case CPACR:
        this.cpacr = (value & CPACR_WRITABLE) >>> 0;
        break;
      case CSSELR:
        this.csselr = value & 0xf;
        break;
      case TTBR0:
        // A 32-bit write sets the low word and clears the high one (B4.1.154).
        this.ttbr0Low = value >>> 0;
        this.ttbr0High = 0;
        this.onTranslationChange();
        break;
      case TTBR1:
        this.ttbr1Low = value >>> 0;
        this.ttbr1High = 0;
        this.onTranslationChange();
        break;
      case TTBCR:
        // Short format: N and PD0/PD1; long format (EAE): T0SZ EPD0 IRGN0 ORGN0 SH0 T1SZ A1 EPD1 IRGN1 ORGN1 SH1 EAE.
        this.ttbcr = (value & 0x80000000) !== 0 ? (value & 0xbfc73f87) >>> 0 : value & 0x37;
        this.onTranslationChange();
        break;
      case DACR:
        this.dacr = value >>> 0;
        this.onTranslationChange();
        break;
      case DFSR:
        this.dfsr = value;
        break;
      case IFSR:
        this.ifsr = value;
        break;
      case DFAR:
        this.dfar = value >>> 0;
        break;
      case IFAR:
        this.ifar = value >>> 0;
        break;
      case PAR:
        this.parLow = value >>> 0;
        this.parHigh = 0;
        break;
      case PRRR:
        this.mair0 = value >>> 0;
        break;
      case NMRR:
        this.mair1 = value >>> 0;
        break;
      case VBAR:
        this.vbar = (value & ~0x1f) >>> 0;
        break;
      case CONTEXTIDR:
        this.contextidr = value >>> 0;
        this.onTranslationChange();
        break;
      case TPIDRURO:
        this.tpidruro = value;
        break;
      case TPIDRPRW:
        this.tpidrprw = value;
        break;
      default:
        // ACTLR, the auxiliary registers, L2CTLR/L2ECTLR and FCSEIDR ignore writes (as QEMU);
        // writing an identification register is UNDEFINED.
        if (!WRITES_IGNORED.has(key)) return false;
    }
    return true;
  }

  /** CRn = 7 and CRn = 8 writes: caches are not modelled, so their operations only need accepting. */
  private maintenance(key: number, value: number): boolean {
    const crn = (key >>> 8) & 0xf;
    const crm = (key >>> 4) & 0xf;
    const opc2 = key & 0xf;
    if ((key >>> 12) !== 0) return false;
    if (crn === 8) {
      // TLBIALL(IS), TLBIMVA(IS), TLBIASID(IS), TLBIMVAA(IS); the instruction and data forms.
      if ((crm === 3 || crm === 7 || crm === 5 || crm === 6) && opc2 <= 3) {
        this.onTranslationChange();
        return true;
      }
      return false;
    }
    switch (crm) {
      case 1: // ICIALLUIS, BPIALLIS
        return opc2 === 0 || opc2 === 6;
      case 4: // PAR is handled as a register
        return false;
      case 5: // ICIALLU, ICIMVAU, CP15ISB, BPIALL, BPIMVA
        return opc2 === 0 || opc2 === 1 || opc2 === 4 || opc2 === 6 || opc2 === 7;
      case 6: // DCIMVAC, DCISW
      case 14: // DCCIMVAC, DCCISW
        return opc2 === 1 || opc2 === 2;
      case 10: // DCCMVAC, DCCSW, CP15DSB, CP15DMB
        return opc2 === 1 || opc2 === 2 || opc2 === 4 || opc2 === 5;
      case 11: // DCCMVAU
        return opc2 === 1;
      case 8: // ATS1CPR, ATS1CPW, ATS1CUR, ATS1CUW
        if (opc2 > 3 || this.addressTranslation === null) return false;
        this.addressTranslation(value >>> 0, (opc2 & 1) !== 0, opc2 >= 2);
        return true;
      default:
        return false;
    }
  }

  /** MRRC: TTBR0 (opc1 0, CRm 2), TTBR1 (1, 2), PAR (0, 7), the timer's (CRm 14). */
  private read64(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    const opc1 = (instruction >>> 4) & 0xf;
    const crm = instruction & 0xf;
    if (crm === 14) return this.timer !== null && this.timer.read64(opc1, transfer, privileged);
    if (!privileged) return false;
    if (crm === 2 && opc1 === 0) {
      transfer[0] = this.ttbr0Low;
      transfer[1] = this.ttbr0High;
    } else if (crm === 2 && opc1 === 1) {
      transfer[0] = this.ttbr1Low;
      transfer[1] = this.ttbr1High;
    } else if (crm === 7 && opc1 === 0) {
      transfer[0] = this.parLow;
      transfer[1] = this.parHigh;
    } else return false;
    return true;
  }

  private write64(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    const opc1 = (instruction >>> 4) & 0xf;
    const crm = instruction & 0xf;
    if (crm === 14) return this.timer !== null && this.timer.write64(opc1, transfer[0], transfer[1], privileged);
    if (!privileged) return false;
    if (crm === 2 && opc1 === 0) {
      this.ttbr0Low = transfer[0] >>> 0;
      this.ttbr0High = transfer[1] & 0x00ff00ff;
      this.onTranslationChange();
    } else if (crm === 2 && opc1 === 1) {
      this.ttbr1Low = transfer[0] >>> 0;
      this.ttbr1High = transfer[1] & 0x00ff00ff;
      this.onTranslationChange();
    } else if (crm === 7 && opc1 === 0) {
      this.parLow = transfer[0] >>> 0;
      this.parHigh = transfer[1] >>> 0;
    } else return false;
    return true;
  }

  execute(): boolean {
    return false;
  }
}

/** DBGDIDR of QEMU 7.2's cortex-a15 (read under qemu-system-arm). */
export const CORTEX_A15_DBGDIDR = 0x3515f021;

/**
 * CP14, the debug registers (ARM ARM C6.1): only DBGDIDR, which ARMv7 requires and QEMU answers;
 * every other CP14 access is UNDEFINED here (no debug logic is modelled).
 */
export class DebugCoprocessor implements Coprocessor {
  read(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (((instruction >>> 25) & 7) === 6 || !privileged) return false;
    if (keyOf(instruction) !== systemRegisterKey(0, 0, 0, 0)) return false;
    transfer[0] = CORTEX_A15_DBGDIDR;
    return true;
  }

  write(): boolean {
    return false;
  }

  execute(): boolean {
    return false;
  }
}
