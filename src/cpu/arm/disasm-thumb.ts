// The Thumb disassembler, GNU objdump-like, printed from the records of decode-thumb.ts. Most
// kinds print as their A32 twins (disasm.ts) since the records share slots; this file prints what
// Thumb does differently: PC-relative targets (PC = address + 4, Align(PC, 4) for literals), the
// Thumb-only kinds, ORN, the free second register of LDRD/STRD/LDREXD/STREXD, shifted register
// offsets of halfword loads, and the unprivileged forms. Conditions inside IT blocks come from
// ITSTATE at run time, so a record alone prints without them.

import { DecodedInstruction, Kind } from './decode.js';
import { decodeThumb, DP_ORN, isThumb32 } from './decode-thumb.js';
import { disassembleA32, isSimdRecord } from './disasm.js';
import { disassembleSimd } from './disasm-simd.js';

const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', '', ''];

function register(n: number): string {
  return n === 13 ? 'sp' : n === 14 ? 'lr' : n === 15 ? 'pc' : `r${n}`;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** The IT instruction's suffix (t/e per following instruction) and condition (A8.8.54). */
function itText(value: number): string {
  const firstCondition = value >>> 4;
  const mask = value & 0xf;
  const trailing = mask & -mask;
  let suffix = '';
  for (let bit = 8; bit > trailing; bit >>>= 1) suffix += ((mask & bit) !== 0 ? 1 : 0) === (firstCondition & 1) ? 't' : 'e';
  return `it${suffix}\t${CONDITIONS[firstCondition] || 'al'}`;
}

/** Disassembles one decoded Thumb instruction at `address`. */
export function disassembleThumb(d: DecodedInstruction, address = 0): string {
  const cond = CONDITIONS[d.cond];
  const pc = (address + 4) >>> 0;
  const width = d.size === 4 ? '.w' : '.n';
  const rd = register(d.rd);
  const rn = register(d.rn);
  const rm = register(d.rm);
  if (isSimdRecord(d)) {
    // VFP/Advanced SIMD: the record holds the A32 word (cond 1110 outside IT blocks, as objdump).
    const text = disassembleSimd(d.raw, address, true);
    if (text !== undefined) return text;
  }
  switch (d.kind) {
    case Kind.B:
      return `b${cond}${width}\t${hex(pc + d.imm)}`;
    case Kind.BL:
    case Kind.BLX_IMM:
      return `${d.entry.mnemonic}\t${hex(pc + d.imm)}`;
    case Kind.CBZ:
      return `${d.entry.mnemonic}\t${rn}, ${hex(pc + d.imm)}`;
    case Kind.IT:
      return itText(d.imm);
    case Kind.TBB:
      return d.op === 1 ? `tbb\t[${rn}, ${rm}]` : `tbh\t[${rn}, ${rm}, lsl #1]`;
    case Kind.DP_IMM:
      if (d.rn === 15 && d.s === 0 && (d.op === 4 || d.op === 2)) return `${d.size === 4 ? 'adr.w' : 'adr'}\t${rd}, ${hex(d.op === 4 ? pc + d.imm : pc - d.imm)}`;
      if (d.op === DP_ORN) return `orn${d.s ? 's' : ''}\t${rd}, ${rn}, #${d.imm >>> 0}\t@ ${hex(d.imm)}`;
      return disassembleA32(d, address);
    case Kind.DP_REG:
      if (d.op === DP_ORN) return disassembleA32(d, address).replace(/^and/, 'orn');
      return disassembleA32(d, address);
    case Kind.LS_IMM:
    case Kind.EXTRA_IMM:
      if (d.rn === 15) {
        // The literal forms: imm has Align(PC, 4) - PC folded in.
        const target = (pc + (d.u ? d.imm : -d.imm)) >>> 0;
        const offset = Math.abs((target - (pc & ~3)) | 0);
        const name = d.kind === Kind.LS_IMM ? `ldr${d.b ? 'b' : ''}` : d.entry.mnemonic;
        const targets = d.op === 2 && d.kind === Kind.EXTRA_IMM ? `${rd}, ${register(d.ra)}` : rd;
        return `${name}\t${targets}, [pc, #${target >= (pc & ~3) ? '' : '-'}${offset}]\t@ ${hex(target)}`;
      }
      return loadStore(d, address);
    case Kind.LS_REG:
    case Kind.EXTRA_REG:
      return loadStore(d, address);
    case Kind.LDREX:
      if (d.op === 8) return `ldrexd\t${rd}, ${register(d.ra)}, [${rn}]`;
      return `${d.entry.mnemonic}\t${rd}, [${rn}${d.imm ? `, #${d.imm}` : ''}]`;
    case Kind.STREX:
      if (d.op === 8) return `strexd\t${rd}, ${rm}, ${register(d.ra)}, [${rn}]`;
      return `${d.entry.mnemonic}\t${rd}, ${rm}, [${rn}${d.imm ? `, #${d.imm}` : ''}]`;
    default:
      return disassembleA32(d, address);
  }
}

function loadStore(d: DecodedInstruction, address: number): string {
  const text = disassembleA32(d, address);
  const dual = d.kind === Kind.EXTRA_IMM && (d.op === 2 || d.op === 3);
  let result = dual ? text.replace(/^(\S+)\t(\w+), (\w+),/, `$1\t$2, ${register(d.ra)},`) : text;
  // The unprivileged forms (imm2 = 1): LDRT, STRHT...
  if (d.imm2 === 1) result = result.replace(/^(\w+?)(\t)/, '$1t$2');
  if (d.kind === Kind.EXTRA_REG && d.shiftAmount !== 0) result = result.replace(/\]/, `, lsl #${d.shiftAmount}]`);
  return result;
}

/** Disassembles the Thumb instruction made of `first` (and `second` when 32-bit) at `address`. */
export function disassembleHalfwords(first: number, second: number, address = 0): string {
  return disassembleThumb(decodeThumb(first, isThumb32(first) ? second : 0, new DecodedInstruction(), address), address);
}
