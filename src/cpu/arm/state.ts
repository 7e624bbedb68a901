// The architectural state of an ARMv7-A core (ARM ARM DDI 0406C, B1.3 "ARM processor modes and ARM
// core registers"): the sixteen registers the current mode sees, the banked copies of the other
// modes, CPSR and the SPSRs. Registers live in typed arrays; CPSR is kept split into number
// fields (N Z C V as 0/1) so the interpreter tests and sets flags without masking; getCpsr() and
// setCpsr() pack and unpack it. Hyp mode and the Security Extensions (mon) are not modelled.

/** CPSR.M values (ARM ARM B1.3.1, table B1-1). */
export const Mode = {
  USR: 0x10,
  FIQ: 0x11,
  IRQ: 0x12,
  SVC: 0x13,
  ABT: 0x17,
  UND: 0x1b,
  SYS: 0x1f,
} as const;

/** The banks of r13/r14/SPSR: usr and sys share bank 0 (and have no SPSR). */
export const Bank = { USR: 0, FIQ: 1, IRQ: 2, SVC: 3, ABT: 4, UND: 5 } as const;
export const BANK_COUNT = 6;

/** The bank of a mode, or -1 for a mode value this core does not implement. */
export function bankOf(mode: number): number {
  switch (mode) {
    case Mode.USR:
    case Mode.SYS:
      return Bank.USR;
    case Mode.FIQ:
      return Bank.FIQ;
    case Mode.IRQ:
      return Bank.IRQ;
    case Mode.SVC:
      return Bank.SVC;
    case Mode.ABT:
      return Bank.ABT;
    case Mode.UND:
      return Bank.UND;
    default:
      return -1;
  }
}

export const MODE_NAMES: Readonly<Record<number, string>> = {
  [Mode.USR]: 'usr',
  [Mode.FIQ]: 'fiq',
  [Mode.IRQ]: 'irq',
  [Mode.SVC]: 'svc',
  [Mode.ABT]: 'abt',
  [Mode.UND]: 'und',
  [Mode.SYS]: 'sys',
};

/** CPSR bits (ARM ARM B1.3.3). */
export const Psr = {
  N: 1 << 31,
  Z: 1 << 30,
  C: 1 << 29,
  V: 1 << 28,
  Q: 1 << 27,
  /** IT[1:0] at 26:25, IT[7:2] at 15:10. */
  IT_LOW: 3 << 25,
  J: 1 << 24,
  GE: 0xf << 16,
  IT_HIGH: 0x3f << 10,
  E: 1 << 9,
  A: 1 << 8,
  I: 1 << 7,
  F: 1 << 6,
  T: 1 << 5,
  M: 0x1f,
} as const;

export const PC = 15;
export const LR = 14;
export const SP = 13;

export class ArmState {
  /** r0-r15 as the current mode sees them (Int32: use `>>> 0` for unsigned values). */
  readonly r = new Int32Array(16);
  /** r13 and r14 of each bank (index bank * 2 + 0/1); the current bank's copy is stale while it is live in `r`. */
  readonly bankedSpLr = new Int32Array(BANK_COUNT * 2);
  /** r8-r12 of the non-FIQ modes while FIQ is current, and FIQ's own r8-r12 otherwise. */
  readonly userHighRegisters = new Int32Array(5);
  readonly fiqHighRegisters = new Int32Array(5);
  /** SPSR per bank (index 0, usr/sys, is unused). */
  readonly spsr = new Int32Array(BANK_COUNT);

  /** CPSR split: N Z C V Q are 0 or 1. */
  n = 0;
  z = 0;
  c = 0;
  v = 0;
  q = 0;
  /** GE[3:0]. */
  ge = 0;
  /** IT[7:0] (Thumb's If-Then state; always 0 in ARM state). */
  it = 0;
  /** CPSR.E: big-endian data accesses. */
  e = 0;
  /** The mask bits A, I, F as 0/1. */
  a = 1;
  i = 1;
  f = 1;
  /** CPSR.T: Thumb state. */
  t = 0;
  /** CPSR.M. */
  mode: number = Mode.SVC;
  /** Told when the mode changes between usr and a privileged mode (the core's TLB has a set for each): true for usr. */
  onPrivilegeChange: ((user: boolean) => void) | null = null;

  getCpsr(): number {
    return (
      ((this.n << 31) |
        (this.z << 30) |
        (this.c << 29) |
        (this.v << 28) |
        (this.q << 27) |
        ((this.it & 3) << 25) |
        (this.ge << 16) |
        ((this.it >>> 2) << 10) |
        (this.e << 9) |
        (this.a << 8) |
        (this.i << 7) |
        (this.f << 6) |
        (this.t << 5) |
        this.mode) >>>
      0
    );
  }

  /**
   * Writes the CPSR bits selected by `mask`. A change of mode swaps the banked registers; a mode
   * value this core does not implement is ignored (ARM ARM B1.3.1 makes it UNPREDICTABLE).
   */
  setCpsr(value: number, mask = 0xffffffff): void {
    if (mask & Psr.N) this.n = (value >>> 31) & 1;
    if (mask & Psr.Z) this.z = (value >>> 30) & 1;
    if (mask & Psr.C) this.c = (value >>> 29) & 1;
    if (mask & Psr.V) this.v = (value >>> 28) & 1;
    if (mask & Psr.Q) this.q = (value >>> 27) & 1;
    if (mask & Psr.GE) this.ge = (value >>> 16) & 0xf;
    if (mask & (Psr.IT_LOW | Psr.IT_HIGH)) this.it = ((value >>> 25) & 3) | (((value >>> 10) & 0x3f) << 2);
    if (mask & Psr.E) this.e = (value >>> 9) & 1;
    if (mask & Psr.A) this.a = (value >>> 8) & 1;
    if (mask & Psr.I) this.i = (value >>> 7) & 1;
    if (mask & Psr.F) this.f = (value >>> 6) & 1;
    if (mask & Psr.T) this.t = (value >>> 5) & 1;
    if (mask & Psr.M) {
      const mode = value & 0x1f;
      if (bankOf(mode) >= 0) this.switchMode(mode);
    }
  }

  /** Changes CPSR.M, saving the current bank's r8-r14 and loading the new one's (ARM ARM B1.3.2). */
  switchMode(mode: number): void {
    const oldBank = bankOf(this.mode);
    const newBank = bankOf(mode);
    const r = this.r;
    if (oldBank !== newBank) {
      this.bankedSpLr[oldBank * 2] = r[13];
      this.bankedSpLr[oldBank * 2 + 1] = r[14];
      r[13] = this.bankedSpLr[newBank * 2];
      r[14] = this.bankedSpLr[newBank * 2 + 1];
      if (oldBank === Bank.FIQ || newBank === Bank.FIQ) {
        const save = oldBank === Bank.FIQ ? this.fiqHighRegisters : this.userHighRegisters;
        const load = newBank === Bank.FIQ ? this.fiqHighRegisters : this.userHighRegisters;
        for (let k = 0; k < 5; k++) {
          save[k] = r[8 + k];
          r[8 + k] = load[k];
        }
      }
    }
    const wasUser = this.mode === Mode.USR;
    this.mode = mode;
    if (wasUser !== (mode === Mode.USR) && this.onPrivilegeChange !== null) this.onPrivilegeChange(!wasUser);
  }

  /** The SPSR of the current mode, or -1 (as unsigned: none) in usr/sys. */
  hasSpsr(): boolean {
    return bankOf(this.mode) > 0;
  }

  getSpsr(): number {
    return this.spsr[bankOf(this.mode)] >>> 0;
  }

  setSpsr(value: number, mask = 0xffffffff): void {
    const bank = bankOf(this.mode);
    if (bank <= 0) return;
    this.spsr[bank] = (this.spsr[bank] & ~mask) | (value & mask);
  }

  /** The user-mode view of register n (for LDM/STM with ^ and the T loads/stores' base never needs it). */
  getUserRegister(n: number): number {
    const bank = bankOf(this.mode);
    if (n >= 8 && n <= 12 && bank === Bank.FIQ) return this.userHighRegisters[n - 8];
    if ((n === 13 || n === 14) && bank !== Bank.USR) return this.bankedSpLr[n - 13];
    return this.r[n];
  }

  setUserRegister(n: number, value: number): void {
    const bank = bankOf(this.mode);
    if (n >= 8 && n <= 12 && bank === Bank.FIQ) this.userHighRegisters[n - 8] = value;
    else if ((n === 13 || n === 14) && bank !== Bank.USR) this.bankedSpLr[n - 13] = value;
    else this.r[n] = value;
  }

  /** Register n of another mode (banked MRS/MSR, debuggers): reads the live copy when it is the current bank. */
  getModeRegister(mode: number, n: number): number {
    const bank = bankOf(mode);
    const current = bankOf(this.mode);
    if (bank === current || n < 8 || n === 15) return this.r[n];
    if (n <= 12) {
      if (bank === Bank.FIQ) return this.fiqHighRegisters[n - 8];
      return current === Bank.FIQ ? this.userHighRegisters[n - 8] : this.r[n];
    }
    return this.bankedSpLr[bank * 2 + n - 13];
  }

  reset(): void {
    this.r.fill(0);
    this.bankedSpLr.fill(0);
    this.userHighRegisters.fill(0);
    this.fiqHighRegisters.fill(0);
    this.spsr.fill(0);
    this.n = this.z = this.c = this.v = this.q = 0;
    this.ge = 0;
    this.it = 0;
    this.e = 0;
    this.t = 0;
    this.a = this.i = this.f = 1;
    this.mode = Mode.SVC;
  }
}
