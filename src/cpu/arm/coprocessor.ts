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
  Z: 1 << 11,
  I: 1 << 12,
  V: 1 << 13,
  EE: 1 << 25,
  TE: 1 << 30,
} as const;

/** QEMU 7.2's cortex-a15 identification, as read by MRC under qemu-system-arm: MIDR r4p0, CTR, and the reset SCTLR. */
export const CORTEX_A15_MIDR = 0x414fc0f0;
export const CORTEX_A15_CTR = 0x8444c004;
export const CORTEX_A15_SCTLR_RESET = 0x00c50078;
/** MPIDR of CPU 0 in a multiprocessor system (bit 31: the MP extensions' format). */
export const CORTEX_A15_MPIDR = 0x80000000;

const MIDR = systemRegisterKey(0, 0, 0, 0);
const CTR = systemRegisterKey(0, 0, 0, 1);
const MPIDR = systemRegisterKey(0, 0, 0, 5);
const SCTLR = systemRegisterKey(0, 1, 0, 0);
const VBAR = systemRegisterKey(0, 12, 0, 0);
const DFSR = systemRegisterKey(0, 5, 0, 0);
const IFSR = systemRegisterKey(0, 5, 0, 1);
const DFAR = systemRegisterKey(0, 6, 0, 0);
const IFAR = systemRegisterKey(0, 6, 0, 2);
const TPIDRURW = systemRegisterKey(0, 13, 0, 2);
const TPIDRURO = systemRegisterKey(0, 13, 0, 3);
const TPIDRPRW = systemRegisterKey(0, 13, 0, 4);

/** The writable SCTLR bits this core acts on or keeps (the rest read as the reset value). */
const SCTLR_WRITABLE = Sctlr.M | Sctlr.A | Sctlr.C | Sctlr.Z | Sctlr.I | Sctlr.V | Sctlr.EE | Sctlr.TE;

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
  /** Told after SCTLR changes (the core re-reads A, V, TE, EE; the MMU session flushes its TLB). */
  onSystemControlChange: () => void = () => undefined;

  reset(highVectors: boolean): void {
    this.sctlr = CORTEX_A15_SCTLR_RESET | (highVectors ? Sctlr.V : 0);
    this.vbar = 0;
    this.dfsr = this.ifsr = this.dfar = this.ifar = 0;
    this.tpidrurw = this.tpidruro = this.tpidrprw = 0;
  }

  read(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (((instruction >>> 25) & 7) === 6) return false; // MRRC: no 64-bit CP15 registers yet
    const key = keyOf(instruction);
    if (key === TPIDRURW) transfer[0] = this.tpidrurw;
    else if (key === TPIDRURO) transfer[0] = this.tpidruro;
    else if (!privileged) return false;
    else if (key === MIDR) transfer[0] = CORTEX_A15_MIDR;
    else if (key === CTR) transfer[0] = CORTEX_A15_CTR;
    else if (key === MPIDR) transfer[0] = CORTEX_A15_MPIDR;
    else if (key === SCTLR) transfer[0] = this.sctlr;
    else if (key === VBAR) transfer[0] = this.vbar;
    else if (key === DFSR) transfer[0] = this.dfsr;
    else if (key === IFSR) transfer[0] = this.ifsr;
    else if (key === DFAR) transfer[0] = this.dfar;
    else if (key === IFAR) transfer[0] = this.ifar;
    else if (key === TPIDRPRW) transfer[0] = this.tpidrprw;
    else return false;
    return true;
  }

  write(instruction: number, transfer: Int32Array, privileged: boolean): boolean {
    if (((instruction >>> 25) & 7) === 6) return false;
    const key = keyOf(instruction);
    const value = transfer[0];
    if (key === TPIDRURW) this.tpidrurw = value;
    else if (!privileged) return false;
    else if (key === TPIDRURO) this.tpidruro = value;
    else if (key === TPIDRPRW) this.tpidrprw = value;
    else if (key === SCTLR) {
      this.sctlr = ((this.sctlr & ~SCTLR_WRITABLE) | (value & SCTLR_WRITABLE)) >>> 0;
      this.onSystemControlChange();
    } else if (key === VBAR) this.vbar = (value & ~0x1f) >>> 0;
    else if (key === DFSR) this.dfsr = value;
    else if (key === IFSR) this.ifsr = value;
    else if (key === DFAR) this.dfar = value >>> 0;
    else if (key === IFAR) this.ifar = value >>> 0;
    else return false;
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
