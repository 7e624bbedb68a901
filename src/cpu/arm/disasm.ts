// The A32 disassembler, GNU objdump-like, printed from the decoded record (decode.ts): the same
// table decides what an instruction is for the interpreter and for this text. VFP and Advanced SIMD
// records print through disasm-simd.ts, from their raw word.

import { decodeA32, DecodedInstruction, DP_MNEMONICS, Kind, Shift } from './decode.js';
import { disassembleSimd } from './disasm-simd.js';

const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', '', ''];
const SHIFTS = ['lsl', 'lsr', 'asr', 'ror'];
const PARALLEL_PREFIX = ['', 's', 'q', 'sh', '', 'u', 'uq', 'uh'];
/** DMB/DSB options (A8.8.43). */
const BARRIER_OPTIONS = ['', '', 'oshst', 'osh', '', '', 'nshst', 'nsh', '', '', 'ishst', 'ish', '', '', 'st', 'sy'];
const PARALLEL_OPERATION = ['add16', 'asx', 'sax', 'sub16', 'add8', '', '', 'sub8'];

function register(n: number): string {
  return n === 13 ? 'sp' : n === 14 ? 'lr' : n === 15 ? 'pc' : `r${n}`;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function immediate(value: number): string {
  const v = value | 0;
  return v >= -255 && v <= 255 ? `#${v}` : `#${v >>> 0}\t@ ${hex(v)}`;
}

function shiftText(type: number, amount: number): string {
  if (type === Shift.RRX) return ', rrx';
  if (type === Shift.LSL && amount === 0) return '';
  return `, ${SHIFTS[type]} #${amount}`;
}

function registerList(list: number): string {
  const names: string[] = [];
  for (let k = 0; k < 16; k++) if (list & (1 << k)) names.push(register(k));
  return `{${names.join(', ')}}`;
}

/** Disassembles one decoded A32 instruction at `address`. */
export function disassembleA32(d: DecodedInstruction, address = 0): string {
  const cond = CONDITIONS[d.cond];
  const rd = register(d.rd);
  const rn = register(d.rn);
  const rm = register(d.rm);
  const rs = register(d.rs);
  const ra = register(d.ra);
  const sign = d.u ? '' : '-';
  const mnemonic = d.entry.mnemonic;
  if (isSimdRecord(d)) {
    const text = disassembleSimd(d.raw, address);
    if (text !== undefined) return text;
  }
  switch (d.kind) {
    case Kind.DP_IMM:
    case Kind.DP_REG:
    case Kind.DP_RSR: {
      const name = DP_MNEMONICS[d.op];
      const operand = d.kind === Kind.DP_IMM ? immediate(d.imm) : d.kind === Kind.DP_REG ? `${rm}${shiftText(d.shiftType, d.shiftAmount)}` : `${rm}, ${SHIFTS[d.shiftType]} ${rs}`;
      if (d.op >= 8 && d.op <= 11) return `${name}${cond}\t${rn}, ${operand}`;
      const s = d.s ? 's' : '';
      if (d.op === 13 || d.op === 15) {
        if (d.op === 13 && d.kind === Kind.DP_REG && !(d.shiftType === Shift.LSL && d.shiftAmount === 0)) {
          return d.shiftType === Shift.RRX ? `rrx${s}${cond}\t${rd}, ${rm}` : `${SHIFTS[d.shiftType]}${s}${cond}\t${rd}, ${rm}, #${d.shiftAmount}`;
        }
        if (d.op === 13 && d.kind === Kind.DP_RSR) return `${SHIFTS[d.shiftType]}${s}${cond}\t${rd}, ${rm}, ${rs}`;
        return `${name}${s}${cond}\t${rd}, ${operand}`;
      }
      return `${name}${s}${cond}\t${rd}, ${rn}, ${operand}`;
    }
    case Kind.MOVW:
    case Kind.MOVT:
      return `${mnemonic}${cond}\t${rd}, #${d.imm}\t@ ${hex(d.imm)}`;
    case Kind.MUL:
      return `mul${d.s ? 's' : ''}${cond}\t${rd}, ${rn}, ${rm}`;
    case Kind.MLA:
    case Kind.MLS:
      return `${mnemonic}${d.kind === Kind.MLA && d.s ? 's' : ''}${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    case Kind.UMAAL:
    case Kind.UMULL:
    case Kind.UMLAL:
    case Kind.SMULL:
    case Kind.SMLAL:
      return `${mnemonic}${d.s && d.kind !== Kind.UMAAL ? 's' : ''}${cond}\t${ra}, ${rd}, ${rn}, ${rm}`;
    case Kind.SMLA_XY:
    case Kind.SMUL_XY:
    case Kind.SMLAL_XY: {
      const xy = `${d.op & 1 ? 't' : 'b'}${d.op & 2 ? 't' : 'b'}`;
      if (d.kind === Kind.SMUL_XY) return `smul${xy}${cond}\t${rd}, ${rn}, ${rm}`;
      if (d.kind === Kind.SMLAL_XY) return `smlal${xy}${cond}\t${ra}, ${rd}, ${rn}, ${rm}`;
      return `smla${xy}${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    }
    case Kind.SMULW_Y:
      return `smulw${d.op & 2 ? 't' : 'b'}${cond}\t${rd}, ${rn}, ${rm}`;
    case Kind.SMLAW_Y:
      return `smlaw${d.op & 2 ? 't' : 'b'}${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    case Kind.SMLAD:
    case Kind.SMLSD: {
      const x = d.op & 1 ? 'x' : '';
      if (d.ra === 15) return `${d.kind === Kind.SMLAD ? 'smuad' : 'smusd'}${x}${cond}\t${rd}, ${rn}, ${rm}`;
      return `${mnemonic}${x}${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    }
    case Kind.SMLALD:
    case Kind.SMLSLD:
      return `${mnemonic}${d.op & 1 ? 'x' : ''}${cond}\t${ra}, ${rd}, ${rn}, ${rm}`;
    case Kind.SMMLA:
    case Kind.SMMLS: {
      const round = d.op & 1 ? 'r' : '';
      if (d.kind === Kind.SMMLA && d.ra === 15) return `smmul${round}${cond}\t${rd}, ${rn}, ${rm}`;
      return `${mnemonic}${round}${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    }
    case Kind.SDIV:
    case Kind.UDIV:
      return `${mnemonic}${cond}\t${rd}, ${rn}, ${rm}`;
    case Kind.USADA8:
      return d.ra === 15 ? `usad8${cond}\t${rd}, ${rn}, ${rm}` : `usada8${cond}\t${rd}, ${rn}, ${rm}, ${ra}`;
    case Kind.QADDSUB:
      return `${mnemonic}${cond}\t${rd}, ${rm}, ${rn}`;
    case Kind.PARALLEL:
      return `${PARALLEL_PREFIX[d.op >>> 3]}${PARALLEL_OPERATION[d.op & 7]}${cond}\t${rd}, ${rn}, ${rm}`;
    case Kind.SEL:
      return `sel${cond}\t${rd}, ${rn}, ${rm}`;
    case Kind.PKH:
      return d.shiftType === Shift.ASR
        ? `pkhtb${cond}\t${rd}, ${rn}, ${rm}, asr #${d.shiftAmount}`
        : `pkhbt${cond}\t${rd}, ${rn}, ${rm}${d.shiftAmount ? `, lsl #${d.shiftAmount}` : ''}`;
    case Kind.EXTEND: {
      const rotation = d.shiftAmount ? `, ror #${d.shiftAmount}` : '';
      if (d.rn === 15) return `${mnemonic.replace('a', '')}${cond}\t${rd}, ${rm}${rotation}`;
      return `${mnemonic}${cond}\t${rd}, ${rn}, ${rm}${rotation}`;
    }
    case Kind.SSAT:
    case Kind.USAT:
      return `${mnemonic}${cond}\t${rd}, #${d.kind === Kind.SSAT ? d.imm + 1 : d.imm}, ${rn}${d.shiftType === Shift.ASR ? `, asr #${d.shiftAmount}` : d.shiftAmount ? `, lsl #${d.shiftAmount}` : ''}`;
    case Kind.SSAT16:
    case Kind.USAT16:
      return `${mnemonic}${cond}\t${rd}, #${d.kind === Kind.SSAT16 ? d.imm + 1 : d.imm}, ${rn}`;
    case Kind.REV:
    case Kind.REV16:
    case Kind.RBIT:
    case Kind.REVSH:
    case Kind.CLZ:
      return `${mnemonic}${cond}\t${rd}, ${rm}`;
    case Kind.SBFX:
    case Kind.UBFX:
      return `${mnemonic}${cond}\t${rd}, ${rn}, #${d.imm}, #${d.imm2 + 1}`;
    case Kind.BFI:
      return `bfi${cond}\t${rd}, ${rn}, #${d.imm}, #${d.imm2 - d.imm + 1}`;
    case Kind.BFC:
      return `bfc${cond}\t${rd}, #${d.imm}, #${d.imm2 - d.imm + 1}`;
    case Kind.MRS:
      return `mrs${cond}\t${rd}, ${d.b ? 'SPSR' : 'APSR'}`;
    case Kind.MSR_REG:
    case Kind.MSR_IMM: {
      const fields = `${d.rn & 8 ? 'f' : ''}${d.rn & 4 ? 's' : ''}${d.rn & 2 ? 'x' : ''}${d.rn & 1 ? 'c' : ''}`;
      return `msr${cond}\t${d.b ? 'SPSR' : 'CPSR'}_${fields}, ${d.kind === Kind.MSR_IMM ? immediate(d.imm) : rm}`;
    }
    case Kind.HINT:
      return d.op === 0xf0 ? `dbg${cond}\t#${d.raw & 0xf}` : `${mnemonic}${cond}`;
    case Kind.BX:
    case Kind.BLX_REG:
      return `${mnemonic}${cond}\t${rm}`;
    case Kind.B:
    case Kind.BL:
    case Kind.BLX_IMM:
      return `${mnemonic}${cond}\t${hex(address + 8 + d.imm)}`;
    case Kind.LS_IMM:
    case Kind.LS_REG:
    case Kind.EXTRA_IMM:
    case Kind.EXTRA_REG: {
      let name: string;
      if (d.kind === Kind.LS_IMM || d.kind === Kind.LS_REG) name = `${d.l ? 'ldr' : 'str'}${d.b ? 'b' : ''}`;
      else name = ['', 'strh', 'ldrd', 'strd', '', 'ldrh', 'ldrsb', 'ldrsh'][d.op] || 'undefined';
      const user = d.p === 0 && d.w === 1 ? 't' : '';
      let offset: string;
      if (d.kind === Kind.LS_IMM || d.kind === Kind.EXTRA_IMM) offset = d.imm === 0 && d.u ? '' : `, #${sign}${d.imm}`;
      else if (d.kind === Kind.LS_REG) offset = `, ${sign}${rm}${shiftText(d.shiftType, d.shiftAmount)}`;
      else offset = `, ${sign}${rm}`;
      const target = name === 'ldrd' || name === 'strd' ? `${rd}, ${register(d.rd + 1)}` : rd;
      const where = d.p ? `[${rn}${offset}]${d.w ? '!' : ''}` : `[${rn}]${offset}`;
      return `${name}${user}${cond}\t${target}, ${where}`;
    }
    case Kind.LDM_STM: {
      const modes = ['da', 'ia', 'db', 'ib'];
      const mode = modes[(d.p << 1) | d.u];
      if (d.rn === 13 && d.w && d.b === 0 && popCountList(d.imm) > 1) {
        if (d.l && mode === 'ia') return `pop${cond}\t${registerList(d.imm)}`;
        if (!d.l && mode === 'db') return `push${cond}\t${registerList(d.imm)}`;
      }
      return `${d.l ? 'ldm' : 'stm'}${mode === 'ia' ? '' : mode}${cond}\t${rn}${d.w ? '!' : ''}, ${registerList(d.imm)}${d.b ? '^' : ''}`;
    }
    case Kind.SWP:
      return `${mnemonic}${cond}\t${rd}, ${rm}, [${rn}]`;
    case Kind.LDREX:
      return d.op === 8 ? `ldrexd${cond}\t${rd}, ${register(d.rd + 1)}, [${rn}]` : `${mnemonic}${cond}\t${rd}, [${rn}]`;
    case Kind.STREX:
      return d.op === 8 ? `strexd${cond}\t${rd}, ${rm}, ${register(d.rm + 1)}, [${rn}]` : `${mnemonic}${cond}\t${rd}, ${rm}, [${rn}]`;
    case Kind.CLREX:
      return 'clrex';
    case Kind.BARRIER:
      return `${mnemonic}\t${BARRIER_OPTIONS[d.raw & 0xf] || `#${d.raw & 0xf}`}`;
    case Kind.PRELOAD:
      return `${mnemonic}\t[${rn}${d.raw & (1 << 25) ? `, ${sign}${rm}${shiftText(d.shiftType, d.shiftAmount)}` : `, #${sign}${d.imm}`}]`;
    case Kind.SVC:
      return `svc${cond}\t${hex(d.imm)}`;
    case Kind.BKPT:
    case Kind.UDF:
    case Kind.HVC:
      return `${mnemonic}\t${hex(d.imm)}`;
    case Kind.SMC:
      return `smc${cond}\t${hex(d.imm & 0xf)}`;
    case Kind.CPS: {
      const flags = `${d.imm2 & 4 ? 'a' : ''}${d.imm2 & 2 ? 'i' : ''}${d.imm2 & 1 ? 'f' : ''}`;
      if (d.op >= 2) return `cps${d.op === 2 ? 'ie' : 'id'}\t${flags}${d.s ? `, #${d.imm}` : ''}`;
      return `cps\t#${d.imm}`;
    }
    case Kind.SETEND:
      return `setend\t${(d.raw >>> 9) & 1 ? 'be' : 'le'}`;
    case Kind.SRS:
      return `srs${['da', 'ia', 'db', 'ib'][(d.p << 1) | d.u]}\tsp${d.w ? '!' : ''}, #${d.imm}`;
    case Kind.RFE:
      return `rfe${['da', 'ia', 'db', 'ib'][(d.p << 1) | d.u]}\t${rn}${d.w ? '!' : ''}`;
    case Kind.MCR:
    case Kind.MRC: {
      const raw = d.raw;
      return `${mnemonic}${cond}\t${(raw >>> 8) & 0xf}, ${(raw >>> 21) & 7}, ${rd}, cr${(raw >>> 16) & 0xf}, cr${raw & 0xf}, {${(raw >>> 5) & 7}}`;
    }
    case Kind.MCRR:
    case Kind.MRRC: {
      const raw = d.raw;
      return `${mnemonic}${cond}\t${(raw >>> 8) & 0xf}, ${(raw >>> 4) & 0xf}, ${rd}, ${rn}, cr${raw & 0xf}`;
    }
    case Kind.MRS_BANKED:
    case Kind.MSR_BANKED:
      return `${mnemonic}${cond}\t(banked register ${d.imm})`;
    case Kind.COPROCESSOR:
      return `${mnemonic}${cond}\t(coprocessor ${(d.raw >>> 8) & 0xf}) ${hex(d.raw)}`;
    default:
      return `.word\t${hex(d.raw)}\t@ undefined`;
  }
}

/** VFP (coprocessors 10 and 11) and Advanced SIMD records, printed by disasm-simd.ts. */
export function isSimdRecord(d: DecodedInstruction): boolean {
  switch (d.kind) {
    case Kind.NEON_DP:
    case Kind.NEON_LS:
      return true;
    case Kind.MCR:
    case Kind.MRC:
    case Kind.MCRR:
    case Kind.MRRC:
    case Kind.COPROCESSOR:
      return ((d.raw >>> 9) & 7) === 5;
    default:
      return false;
  }
}

function popCountList(list: number): number {
  let count = 0;
  for (let k = 0; k < 16; k++) if (list & (1 << k)) count++;
  return count;
}

/** Disassembles the A32 word `word` at `address`. */
export function disassembleWord(word: number, address = 0): string {
  return disassembleA32(decodeA32(word, new DecodedInstruction()), address);
}
