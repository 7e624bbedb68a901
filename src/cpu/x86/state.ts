// The architectural state of a P6-class 32-bit x86 CPU (Intel SDM vol. 1 ch. 3, vol. 3A ch. 2-3).
// Plain typed arrays and number fields, so the interpreter and a later translator index it
// directly. The flags are kept lazily: see flags.ts.

/** General registers, in encoding order (the reg field of ModRM). */
export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;

/** Segment registers, in encoding order (the sreg field). */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;

/** EFLAGS bits (SDM 1, 3.4.3). */
export const Flag = {
  CF: 1 << 0,
  PF: 1 << 2,
  AF: 1 << 4,
  ZF: 1 << 6,
  SF: 1 << 7,
  TF: 1 << 8,
  IF: 1 << 9,
  DF: 1 << 10,
  OF: 1 << 11,
  IOPL: 3 << 12,
  NT: 1 << 14,
  RF: 1 << 16,
  VM: 1 << 17,
  AC: 1 << 18,
  VIF: 1 << 19,
  VIP: 1 << 20,
  ID: 1 << 21,
} as const;

/** The arithmetic flags, which flags.ts may compute lazily. */
export const ARITHMETIC_FLAGS = Flag.CF | Flag.PF | Flag.AF | Flag.ZF | Flag.SF | Flag.OF;

/** CR0 bits (SDM 3A, 2.5). */
export const Cr0 = {
  PE: 1 << 0,
  MP: 1 << 1,
  EM: 1 << 2,
  TS: 1 << 3,
  ET: 1 << 4,
  NE: 1 << 5,
  WP: 1 << 16,
  AM: 1 << 18,
  NW: 1 << 29,
  CD: 1 << 30,
  PG: 1 << 31,
} as const;

/** CR4 bits used by a P6 without SSE (SDM 3A, 2.5). */
export const Cr4 = {
  VME: 1 << 0,
  PVI: 1 << 1,
  TSD: 1 << 2,
  DE: 1 << 3,
  PSE: 1 << 4,
  PAE: 1 << 5,
  MCE: 1 << 6,
  PGE: 1 << 7,
  PCE: 1 << 8,
} as const;

/** Exception vectors (SDM 3A, 6.3.1). */
export const Vector = {
  DE: 0,
  DB: 1,
  NMI: 2,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
} as const;

/** A segment register's visible selector and its hidden descriptor cache (SDM 3A, 3.4.3). */
export class SegmentCache {
  /** Per segment register (ES, CS, SS, DS, FS, GS), then LDTR (6) and TR (7). */
  readonly selector = new Uint16Array(8);
  readonly base = new Int32Array(8);
  /** Effective limit in bytes (granularity applied). */
  readonly limit = new Int32Array(8);
  /** Access-rights byte and flags: bits 0-7 type/S/DPL/P of descriptor byte 5, bits 12-15 AVL/L/DB/G. */
  readonly access = new Uint16Array(8);
}

export const LDTR = 6;
export const TR = 7;

export class X86State {
  /** EAX … EDI. */
  readonly reg = new Int32Array(8);
  eip = 0;
  /** EFLAGS except the arithmetic flags while flags.ts holds them lazily. */
  eflags = 0x2;
  readonly segments = new SegmentCache();
  /** Current privilege level (CS.RPL in protected mode, 3 in V86 mode, 0 in real mode). */
  cpl = 0;

  cr0 = Cr0.ET | Cr0.CD | Cr0.NW;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);

  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0xffff;

  /** Time-stamp counter, as a float of cycles (exact up to 2^53). */
  tsc = 0;
}
