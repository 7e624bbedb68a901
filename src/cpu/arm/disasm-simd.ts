// The VFP and Advanced SIMD disassembler, GNU objdump-like (binutils 2.40, -mfpu=neon-vfpv4),
// working from the raw A32 word: the coprocessor 10/11 encodings (A7.5-A7.9 of the ARM ARM,
// DDI 0406C) and the Advanced SIMD data-processing and element/structure load/store spaces
// (A7.4, A7.7). Thumb records carry the same A32 words (decode-thumb.ts rewrites them), so
// disasm-thumb.ts prints them through here too. The executors (vfp.ts, neon.ts) decode the same
// words for themselves; this file is diagnostics only and answers `undefined` for any word it
// does not know, so the caller keeps its fallback text.
//
// What objdump prints that is not in the ARM ARM's assembler syntax, kept here on purpose:
// VFP immediates as the imm8 with the value in a comment, VMOV Dd, Dm as VORR, VSHL by an
// immediate as .s<size>, VEXT's index in bytes, register lists without spaces for VLDn/VSTn, and
// a `@ 0x…` comment for offsets and left shifts above 32 or below -16.

const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', '', ''];

function core(n: number): string {
  return n === 13 ? 'sp' : n === 14 ? 'lr' : n === 15 ? 'pc' : `r${n}`;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function bits(word: number, high: number, low: number): number {
  return (word >>> low) & ((1 << (high - low + 1)) - 1);
}

/** D register from a 4-bit field and its extra high bit. */
function dReg(word: number, field: number, high: number): number {
  return (bits(word, high, high) << 4) | bits(word, field + 3, field);
}

/** S register from a 4-bit field and its extra low bit. */
function sReg(word: number, field: number, low: number): number {
  return (bits(word, field + 3, field) << 1) | bits(word, low, low);
}

function vector(n: number, q: boolean): string {
  return q ? `q${n >>> 1}` : `d${n}`;
}

/** The `@ 0x…` comment objdump adds to a value above 32 or below -16. */
function valueComment(value: number): string {
  return value > 32 || value < -16 ? `\t@ ${hex(value)}` : '';
}

/** Disassembles a VFP or Advanced SIMD A32 word; undefined when it is neither (or unallocated). */
export function disassembleSimd(word: number, address = 0, thumb = false): string | undefined {
  const w = word >>> 0;
  if (bits(w, 31, 25) === 0b1111001) return neonDataProcessing(w);
  if (bits(w, 31, 24) === 0b11110100 && bits(w, 20, 20) === 0) return neonLoadStore(w);
  const cond = bits(w, 31, 28);
  if (cond === 15) return undefined;
  const coprocessor = bits(w, 11, 8);
  if (coprocessor !== 10 && coprocessor !== 11) return undefined;
  const c = CONDITIONS[cond];
  if (bits(w, 27, 24) === 0b1110) return bits(w, 4, 4) ? vfpTransfer(w, c) : vfpDataProcessing(w, c);
  if (bits(w, 27, 25) === 0b110) return vfpLoadStore(w, c, address, thumb);
  return undefined;
}

function vfpTransfer(w: number, c: string): string | undefined {
  const rt = core(bits(w, 15, 12));
  const l = bits(w, 20, 20);
  if (bits(w, 11, 8) === 10) {
    if (bits(w, 6, 5) !== 0 || bits(w, 3, 0) !== 0) return undefined;
    const opc1 = bits(w, 23, 21);
    if (opc1 === 0) return l ? `vmov${c}\t${rt}, s${sReg(w, 16, 7)}` : `vmov${c}\ts${sReg(w, 16, 7)}, ${rt}`;
    if (opc1 !== 7 || bits(w, 7, 7)) return undefined;
    const name = ['fpsid', 'fpscr', '', '', '', '', 'mvfr1', 'mvfr0', 'fpexc', 'fpinst', 'fpinst2'][bits(w, 19, 16)];
    if (!name) return undefined;
    if (l) return `vmrs${c}\t${bits(w, 15, 12) === 15 && name === 'fpscr' ? 'APSR_nzcv' : rt}, ${name}`;
    return `vmsr${c}\t${name}, ${rt}`;
  }
  // Bits 3:0 are (0) in the ARM ARM; objdump ignores them.
  const d = dReg(w, 16, 7);
  if (!l && bits(w, 23, 23)) {
    // VDUP from a core register (A8.8.322).
    if (bits(w, 6, 6)) return undefined;
    const size = [32, 16, 8][(bits(w, 22, 22) << 1) | bits(w, 5, 5)];
    if (size === undefined) return undefined;
    return `vdup${c}.${size}\t${vector(d, bits(w, 21, 21) === 1)}, ${rt}`;
  }
  const opc1 = bits(w, 22, 21);
  const opc2 = bits(w, 6, 5);
  let size: number;
  let index: number;
  if (opc1 & 2) [size, index] = [8, ((opc1 & 1) << 2) | opc2];
  else if (opc2 & 1) [size, index] = [16, ((opc1 & 1) << 1) | (opc2 >>> 1)];
  else if (opc2 === 0) [size, index] = [32, opc1 & 1];
  else return undefined;
  if (!l) return bits(w, 23, 23) ? undefined : `vmov${c}.${size}\td${d}[${index}], ${rt}`;
  const u = bits(w, 23, 23);
  return `vmov${c}.${size === 32 ? '' : u ? 'u' : 's'}${size}\t${rt}, d${d}[${index}]`;
}

/** VFPExpandImm(imm8) for a single (A7.5.1): a Bbbbbbc defgh000… */
function expandSingle(imm8: number): number {
  return (((imm8 >>> 7) << 31) | ((imm8 & 0x40 ? 0x1f : 0x20) << 25) | ((imm8 & 0x3f) << 19)) >>> 0;
}

/** The VFP modified immediate (VFPExpandImm) as objdump prints it: the single's bits and value. */
function vfpImmediateComment(imm8: number): string {
  const sign = imm8 >>> 7;
  const singleBits = expandSingle(imm8);
  const value = new Float32Array(new Uint32Array([singleBits]).buffer)[0];
  const magnitude = Math.abs(value);
  const integer = Math.floor(magnitude);
  const fraction = magnitude - integer;
  let digits = 7;
  if (Number.isInteger(fraction * 10)) digits = 1;
  else if (Number.isInteger(fraction * 1000)) digits = 3;
  const fractionText = Math.round(fraction * 10 ** digits).toString().padStart(digits, '0');
  return `\t@ 0x${singleBits.toString(16).padStart(8, '0')} ${sign ? '-' : ' '}${integer}.${fractionText}`;
}

function vfpDataProcessing(w: number, c: string): string | undefined {
  const double = bits(w, 8, 8) === 1;
  const t = double ? '.f64' : '.f32';
  const reg = (field: number, extra: number): string => (double ? `d${dReg(w, field, extra)}` : `s${sReg(w, field, extra)}`);
  const d = reg(12, 22);
  const n = reg(16, 7);
  const m = reg(0, 5);
  const op = bits(w, 6, 6);
  const opc1 = (bits(w, 23, 23) << 3) | bits(w, 21, 20);
  const three = (name: string): string => `${name}${c}${t}\t${d}, ${n}, ${m}`;
  switch (opc1) {
    case 0: return three(op ? 'vmls' : 'vmla');
    case 1: return three(op ? 'vnmla' : 'vnmls');
    case 2: return three(op ? 'vnmul' : 'vmul');
    case 3: return three(op ? 'vsub' : 'vadd');
    case 8: return op ? undefined : three('vdiv');
    case 9: return three(op ? 'vfnma' : 'vfnms');
    case 10: return three(op ? 'vfms' : 'vfma');
    case 11: break;
    default: return undefined;
  }
  if (!op) {
    if (bits(w, 7, 4) & 0b1010) return undefined;
    const imm8 = (bits(w, 19, 16) << 4) | bits(w, 3, 0);
    return `vmov${c}${t}\t${d}, #${imm8}${vfpImmediateComment(imm8)}`;
  }
  const opc2 = bits(w, 19, 16);
  const top = bits(w, 7, 7);
  const single = (field: number, extra: number): string => `s${sReg(w, field, extra)}`;
  switch (opc2) {
    case 0: return `${top ? 'vabs' : 'vmov'}${c}${t}\t${d}, ${m}`;
    case 1: return `${top ? 'vsqrt' : 'vneg'}${c}${t}\t${d}, ${m}`;
    case 2:
    case 3:
      if (double) return undefined;
      return `vcvt${top ? 't' : 'b'}${c}.${opc2 === 2 ? 'f32.f16' : 'f16.f32'}\t${d}, ${m}`;
    case 4: return `${top ? 'vcmpe' : 'vcmp'}${c}${t}\t${d}, ${m}`;
    case 5:
      if (bits(w, 5, 5)) return undefined;
      return `${top ? 'vcmpe' : 'vcmp'}${c}${t}\t${d}, #0.0`;
    case 7:
      if (!top) return undefined;
      return double ? `vcvt${c}.f32.f64\t${single(12, 22)}, ${m}` : `vcvt${c}.f64.f32\td${dReg(w, 12, 22)}, ${m}`;
    case 8: return `vcvt${c}${t}.${top ? 's' : 'u'}32\t${d}, ${single(0, 5)}`;
    case 10:
    case 11:
    case 14:
    case 15: {
      const size = top ? 32 : 16;
      const fraction = size - ((bits(w, 3, 0) << 1) | bits(w, 5, 5));
      const fixed = `${opc2 & 1 ? 'u' : 's'}${size}`;
      const types = opc2 & 4 ? `.${fixed}${t}` : `${t}.${fixed}`;
      return `vcvt${c}${types}\t${d}, ${d}, #${fraction}`;
    }
    case 12:
    case 13:
      return `vcvt${top ? '' : 'r'}${c}.${opc2 & 1 ? 's' : 'u'}32${t}\t${single(12, 22)}, ${m}`;
    default:
      return undefined;
  }
}

function vfpLoadStore(w: number, c: string, address: number, thumb: boolean): string | undefined {
  const p = bits(w, 24, 24);
  const u = bits(w, 23, 23);
  const wb = bits(w, 21, 21);
  const l = bits(w, 20, 20);
  const rn = bits(w, 19, 16);
  const double = bits(w, 8, 8) === 1;
  const imm8 = bits(w, 7, 0);
  if (!p && !u && !wb) {
    // The 64-bit transfers (A7.8).
    if (bits(w, 22, 21) !== 0b10 || bits(w, 7, 6) !== 0 || !bits(w, 4, 4)) return undefined;
    const rt = core(bits(w, 15, 12));
    const rt2 = core(rn);
    const regs = double ? `d${dReg(w, 0, 5)}` : `s${sReg(w, 0, 5)}, s${sReg(w, 0, 5) + 1}`;
    return l ? `vmov${c}\t${rt}, ${rt2}, ${regs}` : `vmov${c}\t${regs}, ${rt}, ${rt2}`;
  }
  const first = double ? dReg(w, 12, 22) : sReg(w, 12, 22);
  const prefix = double ? 'd' : 's';
  if (p && !wb) {
    const offset = imm8 * 4 * (u ? 1 : -1);
    const where = offset === 0 && u ? `[${core(rn)}]` : `[${core(rn)}, #${u ? '' : '-'}${imm8 * 4}]`;
    let comment = valueComment(offset);
    if (rn === 15) comment = `\t@ ${hex((thumb ? (address + 4) & ~3 : address + 8) + offset)}`;
    return `${l ? 'vldr' : 'vstr'}${c}\t${prefix}${first}, ${where}${comment}`;
  }
  if (p === u) return undefined;
  const extended = double && (imm8 & 1) === 1;
  const count = double ? imm8 >>> 1 : imm8;
  if (count === 0 || first + count > 32) return undefined;
  const list = count === 1 ? `{${prefix}${first}}` : `{${prefix}${first}-${prefix}${first + count - 1}}`;
  if (extended) return `${l ? 'fldm' : 'fstm'}${p ? 'db' : 'ia'}x${c}\t${core(rn)}${wb ? '!' : ''}, ${list}\t@ Deprecated`;
  if (rn === 13 && wb && (l ? !p : p)) return `${l ? 'vpop' : 'vpush'}${c}\t${list}`;
  return `${l ? 'vldm' : 'vstm'}${p ? 'db' : 'ia'}${c}\t${core(rn)}${wb ? '!' : ''}, ${list}`;
}

// Advanced SIMD data processing (A7.4).

function neonDataProcessing(w: number): string | undefined {
  const u = bits(w, 24, 24);
  const q = bits(w, 6, 6) === 1;
  const d = dReg(w, 12, 22);
  const n = dReg(w, 16, 7);
  const m = dReg(w, 0, 5);
  if (!bits(w, 23, 23)) return threeSame(w, u, q, d, n, m);
  if (bits(w, 4, 4)) {
    if (bits(w, 21, 19) === 0 && !bits(w, 7, 7)) return modifiedImmediate(w, q, d);
    return shiftImmediate(w, u, q, d, m);
  }
  if (bits(w, 21, 20) !== 3) return bits(w, 6, 6) ? byScalar(w, u, d, n) : threeDifferent(w, u, d, n, m);
  if (!u) return !q && bits(w, 11, 11) ? undefined : `vext.8\t${vector(d, q)}, ${vector(n, q)}, ${vector(m, q)}, #${bits(w, 11, 8)}`;
  if (!bits(w, 11, 11)) return twoRegistersMisc(w, q, d, m);
  if (bits(w, 11, 10) === 0b10) {
    const length = bits(w, 9, 8) + 1;
    const list = length === 1 ? `{d${n}}` : `{d${n}-d${n + length - 1}}`;
    return `${bits(w, 6, 6) ? 'vtbx' : 'vtbl'}.8\td${d}, ${list}, d${m}`;
  }
  if (bits(w, 11, 7) === 0b11000) {
    const imm4 = bits(w, 19, 16);
    let size: number;
    let index: number;
    if (imm4 & 1) [size, index] = [8, imm4 >>> 1];
    else if (imm4 & 2) [size, index] = [16, imm4 >>> 2];
    else if (imm4 & 4) [size, index] = [32, imm4 >>> 3];
    else return undefined;
    return `vdup.${size}\t${vector(d, q)}, d${m}[${index}]`;
  }
  return undefined;
}

function threeSame(w: number, u: number, q: boolean, d: number, n: number, m: number): string | undefined {
  const a = bits(w, 11, 8);
  const b = bits(w, 4, 4);
  const size = bits(w, 21, 20);
  const esize = 8 << size;
  const su = u ? 'u' : 's';
  const dd = vector(d, q);
  const nn = vector(n, q);
  const mm = vector(m, q);
  const plain = (name: string): string => `${name}\t${dd}, ${nn}, ${mm}`;
  const shift = (name: string): string => `${name}\t${dd}, ${mm}, ${nn}`;
  const noSize64 = (name: string): string | undefined => (size === 3 ? undefined : plain(name));
  const float = (name: string | undefined): string | undefined => (name === undefined || bits(w, 20, 20) ? undefined : plain(`${name}.f32`));
  const op = bits(w, 21, 21);
  switch ((a << 1) | b) {
    case 0: return noSize64(`vhadd.${su}${esize}`);
    case 1: return plain(`vqadd.${su}${esize}`);
    case 2: return noSize64(`vrhadd.${su}${esize}`);
    case 3: return plain(u ? ['veor', 'vbsl', 'vbit', 'vbif'][size] : ['vand', 'vbic', 'vorr', 'vorn'][size]);
    case 4: return noSize64(`vhsub.${su}${esize}`);
    case 5: return plain(`vqsub.${su}${esize}`);
    case 6: return noSize64(`vcgt.${su}${esize}`);
    case 7: return noSize64(`vcge.${su}${esize}`);
    case 8: return shift(`vshl.${su}${esize}`);
    case 9: return shift(`vqshl.${su}${esize}`);
    case 10: return shift(`vrshl.${su}${esize}`);
    case 11: return shift(`vqrshl.${su}${esize}`);
    case 12: return noSize64(`vmax.${su}${esize}`);
    case 13: return noSize64(`vmin.${su}${esize}`);
    case 14: return noSize64(`vabd.${su}${esize}`);
    case 15: return noSize64(`vaba.${su}${esize}`);
    case 16: return plain(`${u ? 'vsub' : 'vadd'}.i${esize}`);
    case 17: return noSize64(u ? `vceq.i${esize}` : `vtst.${esize}`);
    case 18: return noSize64(`${u ? 'vmls' : 'vmla'}.i${esize}`);
    case 19: return u ? (size === 0 ? plain('vmul.p8') : undefined) : noSize64(`vmul.i${esize}`);
    case 20: return noSize64(`vpmax.${su}${esize}`);
    case 21: return noSize64(`vpmin.${su}${esize}`);
    case 22: return size === 1 || size === 2 ? plain(`${u ? 'vqrdmulh' : 'vqdmulh'}.s${esize}`) : undefined;
    case 23: return u || size === 3 ? undefined : plain(`vpadd.i${esize}`);
    case 25: return u ? undefined : float(op ? 'vfms' : 'vfma');
    case 26: return float(u ? (op ? 'vabd' : 'vpadd') : op ? 'vsub' : 'vadd');
    case 27: return float(u ? (op ? undefined : 'vmul') : op ? 'vmls' : 'vmla');
    case 28: return float(u ? (op ? 'vcgt' : 'vcge') : op ? undefined : 'vceq');
    case 29: return float(u ? (op ? 'vacgt' : 'vacge') : undefined);
    case 30: return float(u ? (op ? 'vpmin' : 'vpmax') : op ? 'vmin' : 'vmax');
    case 31: return float(u ? undefined : op ? 'vrsqrts' : 'vrecps');
    default: return undefined;
  }
}

function threeDifferent(w: number, u: number, d: number, n: number, m: number): string | undefined {
  const a = bits(w, 11, 8);
  const esize = 8 << bits(w, 21, 20);
  const su = u ? 'u' : 's';
  const long = (name: string): string => `${name}.${su}${esize}\tq${d >>> 1}, d${n}, d${m}`;
  switch (a) {
    case 0: return long('vaddl');
    case 1: return `vaddw.${su}${esize}\tq${d >>> 1}, q${n >>> 1}, d${m}`;
    case 2: return long('vsubl');
    case 3: return `vsubw.${su}${esize}\tq${d >>> 1}, q${n >>> 1}, d${m}`;
    case 4: return `${u ? 'vraddhn' : 'vaddhn'}.i${esize * 2}\td${d}, q${n >>> 1}, q${m >>> 1}`;
    case 5: return long('vabal');
    case 6: return `${u ? 'vrsubhn' : 'vsubhn'}.i${esize * 2}\td${d}, q${n >>> 1}, q${m >>> 1}`;
    case 7: return long('vabdl');
    case 8: return long('vmlal');
    case 9: return u || esize === 8 ? undefined : `vqdmlal.s${esize}\tq${d >>> 1}, d${n}, d${m}`;
    case 10: return long('vmlsl');
    case 11: return u || esize === 8 ? undefined : `vqdmlsl.s${esize}\tq${d >>> 1}, d${n}, d${m}`;
    case 12: return long('vmull');
    case 13: return u || esize === 8 ? undefined : `vqdmull.s${esize}\tq${d >>> 1}, d${n}, d${m}`;
    case 14: return u || esize !== 8 ? undefined : `vmull.p8\tq${d >>> 1}, d${n}, d${m}`;
    default: return undefined;
  }
}

function byScalar(w: number, u: number, d: number, n: number): string | undefined {
  const a = bits(w, 11, 8);
  const size = bits(w, 21, 20);
  if (size === 0) return undefined;
  const esize = 8 << size;
  const scalar = size === 1 ? `d${bits(w, 2, 0)}[${(bits(w, 5, 5) << 1) | bits(w, 3, 3)}]` : `d${bits(w, 3, 0)}[${bits(w, 5, 5)}]`;
  const q = u === 1;
  const same = (name: string, type: string): string => `${name}.${type}\t${vector(d, q)}, ${vector(n, q)}, ${scalar}`;
  const long = (name: string, type: string): string => `${name}.${type}\tq${d >>> 1}, d${n}, ${scalar}`;
  const su = u ? 'u' : 's';
  const float = a & 1;
  if (float && size !== 2 && (a === 1 || a === 5 || a === 9)) return undefined;
  switch (a) {
    case 0: return same('vmla', `i${esize}`);
    case 1: return same('vmla', 'f32');
    case 4: return same('vmls', `i${esize}`);
    case 5: return same('vmls', 'f32');
    case 8: return same('vmul', `i${esize}`);
    case 9: return same('vmul', 'f32');
    case 12: return same('vqdmulh', `s${esize}`);
    case 13: return same('vqrdmulh', `s${esize}`);
    case 2: return long('vmlal', `${su}${esize}`);
    case 6: return long('vmlsl', `${su}${esize}`);
    case 10: return long('vmull', `${su}${esize}`);
    case 3: return u ? undefined : long('vqdmlal', `s${esize}`);
    case 7: return u ? undefined : long('vqdmlsl', `s${esize}`);
    case 11: return u ? undefined : long('vqdmull', `s${esize}`);
    default: return undefined;
  }
}

function shiftImmediate(w: number, u: number, q: boolean, d: number, m: number): string | undefined {
  const imm6 = bits(w, 21, 16);
  const l = bits(w, 7, 7);
  const a = bits(w, 11, 8);
  let esize: number;
  if (l) esize = 64;
  else if (imm6 & 0x20) esize = 32;
  else if (imm6 & 0x10) esize = 16;
  else if (imm6 & 0x08) esize = 8;
  else return undefined;
  const right = (l ? 64 : 2 * esize) - imm6;
  const left = l ? imm6 : imm6 - esize;
  const su = u ? 'u' : 's';
  const dd = vector(d, q);
  const mm = vector(m, q);
  const shiftRight = (name: string): string => `${name}\t${dd}, ${mm}, #${right}`;
  const shiftLeft = (name: string): string => `${name}\t${dd}, ${mm}, #${left}${valueComment(left)}`;
  switch (a) {
    case 0: return shiftRight(`vshr.${su}${esize}`);
    case 1: return shiftRight(`vsra.${su}${esize}`);
    case 2: return shiftRight(`vrshr.${su}${esize}`);
    case 3: return shiftRight(`vrsra.${su}${esize}`);
    case 4: return u ? shiftRight(`vsri.${esize}`) : undefined;
    case 5: return shiftLeft(u ? `vsli.${esize}` : `vshl.s${esize}`);
    case 6: return u ? shiftLeft(`vqshlu.s${esize}`) : undefined;
    case 7: return shiftLeft(`vqshl.${su}${esize}`);
    default: break;
  }
  if (l) return undefined;
  const narrow = (name: string): string => `${name}\td${d}, q${m >>> 1}, #${esize - (imm6 - esize)}`;
  switch (a) {
    case 8:
      if (!u) return narrow(`${q ? 'vrshrn' : 'vshrn'}.i${esize * 2}`);
      return narrow(`${q ? 'vqrshrun' : 'vqshrun'}.s${esize * 2}`);
    case 9: return narrow(`${q ? 'vqrshrn' : 'vqshrn'}.${su}${esize * 2}`);
    case 10:
      if (q) return undefined;
      if (left === 0) return `vmovl.${su}${esize}\tq${d >>> 1}, d${m}`;
      return `vshll.${su}${esize}\tq${d >>> 1}, d${m}, #${left}`;
    case 14:
    case 15: {
      if (esize !== 32) return undefined;
      const fixed = `${su}32`;
      return `vcvt.${a === 14 ? `f32.${fixed}` : `${fixed}.f32`}\t${dd}, ${mm}, #${64 - imm6}`;
    }
    default:
      return undefined;
  }
}

function modifiedImmediate(w: number, q: boolean, d: number): string | undefined {
  const imm8 = (bits(w, 24, 24) << 7) | (bits(w, 18, 16) << 4) | bits(w, 3, 0);
  const cmode = bits(w, 11, 8);
  const op = bits(w, 5, 5);
  const dd = vector(d, q);
  const show = (name: string, size: number, value: number): string => {
    const digits = size / 4;
    const decimal = size === 32 ? value | 0 : value;
    return `${name}.i${size}\t${dd}, #${decimal}\t@ 0x${(value >>> 0).toString(16).padStart(digits, '0')}`;
  };
  if (cmode < 8) {
    const value = (imm8 << (8 * (cmode >>> 1))) >>> 0;
    if (cmode & 1) return show(op ? 'vbic' : 'vorr', 32, value);
    return show(op ? 'vmvn' : 'vmov', 32, value);
  }
  if (cmode < 12) {
    const value = imm8 << (8 * ((cmode >>> 1) & 1));
    if (cmode & 1) return show(op ? 'vbic' : 'vorr', 16, value);
    return show(op ? 'vmvn' : 'vmov', 16, value);
  }
  if (cmode < 14) {
    const value = cmode === 12 ? ((imm8 << 8) | 0xff) : ((imm8 << 16) | 0xffff);
    return show(op ? 'vmvn' : 'vmov', 32, value >>> 0);
  }
  if (cmode === 14) {
    if (!op) return show('vmov', 8, imm8);
    let text = '';
    for (let k = 7; k >= 0; k--) text += imm8 & (1 << k) ? 'ff' : '00';
    return `vmov.i64\t${dd}, #0x${text}`;
  }
  if (op) return undefined;
  const singleBits = expandSingle(imm8);
  const value = new Float32Array(new Uint32Array([singleBits]).buffer)[0];
  return `vmov.f32\t${dd}, #${value}\t@ 0x${singleBits.toString(16).padStart(8, '0')}`;
}

function twoRegistersMisc(w: number, q: boolean, d: number, m: number): string | undefined {
  const size = bits(w, 19, 18);
  const esize = 8 << size;
  const a = bits(w, 17, 16);
  const b = bits(w, 10, 7);
  const dd = vector(d, q);
  const mm = vector(m, q);
  const two = (name: string): string => `${name}\t${dd}, ${mm}`;
  if (a === 0) {
    switch (b) {
      case 0: return size === 3 ? undefined : two(`vrev64.${esize}`);
      case 1: return size >= 2 ? undefined : two(`vrev32.${esize}`);
      case 2: return size >= 1 ? undefined : two(`vrev16.${esize}`);
      case 4:
      case 5: return size === 3 ? undefined : two(`vpaddl.${b & 1 ? 'u' : 's'}${esize}`);
      case 8: return size === 3 ? undefined : two(`vcls.s${esize}`);
      case 9: return size === 3 ? undefined : two(`vclz.i${esize}`);
      case 10: return size ? undefined : two('vcnt.8');
      case 11: return size ? undefined : two('vmvn');
      case 12:
      case 13: return size === 3 ? undefined : two(`vpadal.${b & 1 ? 'u' : 's'}${esize}`);
      case 14: return size === 3 ? undefined : two(`vqabs.s${esize}`);
      case 15: return size === 3 ? undefined : two(`vqneg.s${esize}`);
      default: return undefined;
    }
  }
  if (a === 1) {
    const float = b & 8;
    if (size === 3 || (float && size !== 2)) return undefined;
    const zero = (name: string, integer: string): string => `${name}.${float ? 'f32' : `${integer}${esize}`}\t${dd}, ${mm}, #0`;
    switch (b & 7) {
      case 0: return zero('vcgt', 's');
      case 1: return zero('vcge', 's');
      case 2: return zero('vceq', 'i');
      case 3: return zero('vcle', 's');
      case 4: return zero('vclt', 's');
      case 6: return two(`vabs.${float ? 'f32' : `s${esize}`}`);
      case 7: return two(`vneg.${float ? 'f32' : `s${esize}`}`);
      default: return undefined;
    }
  }
  if (a === 2) {
    const op = bits(w, 10, 6);
    switch (op >>> 1) {
      case 0: return size ? undefined : two('vswp');
      case 1: return size === 3 ? undefined : two(`vtrn.${esize}`);
      case 2: return size === 3 ? undefined : two(`vuzp.${esize}`);
      case 3: return size === 3 ? undefined : two(`vzip.${esize}`);
      default: break;
    }
    const narrow = (name: string): string | undefined => (size === 3 ? undefined : `${name}${esize * 2}\td${d}, q${m >>> 1}`);
    switch (op) {
      case 8: return narrow('vmovn.i');
      case 9: return narrow('vqmovun.s');
      case 10: return narrow('vqmovn.s');
      case 11: return narrow('vqmovn.u');
      case 12: return size === 3 ? undefined : `vshll.i${esize}\tq${d >>> 1}, d${m}, #${esize}`;
      case 24: return size === 1 ? `vcvt.f16.f32\td${d}, q${m >>> 1}` : undefined;
      case 28: return size === 1 ? `vcvt.f32.f16\tq${d >>> 1}, d${m}` : undefined;
      default: return undefined;
    }
  }
  if (size !== 2) return undefined;
  if ((b & 0b1100) === 0b1000) return two(`${b & 1 ? 'vrsqrte' : 'vrecpe'}.${b & 2 ? 'f32' : 'u32'}`);
  if ((b & 0b1100) === 0b1100) return two(`vcvt.${['f32.s32', 'f32.u32', 's32.f32', 'u32.f32'][b & 3]}`);
  return undefined;
}

// Advanced SIMD element and structure loads and stores (A7.7).

function registerList(first: number, count: number, spacing: number, suffix: string): string {
  if (spacing === 1 && count > 1) return `{d${first}${suffix}-d${first + count - 1}${suffix}}`;
  const names: string[] = [];
  for (let k = 0; k < count; k++) names.push(`d${first + k * spacing}${suffix}`);
  return `{${names.join(',')}}`;
}

function laneList(first: number, count: number, spacing: number, index: number): string {
  const names: string[] = [];
  for (let k = 0; k < count; k++) names.push(`d${first + k * spacing}[${index}]`);
  return `{${names.join(',')}}`;
}

function neonLoadStore(w: number): string | undefined {
  const l = bits(w, 21, 21);
  const rn = bits(w, 19, 16);
  const rm = bits(w, 3, 0);
  const d = dReg(w, 12, 22);
  const name = l ? 'vld' : 'vst';
  const address = (alignment: number): string => {
    const base = `[${core(rn)}${alignment ? ` :${alignment}` : ''}]`;
    return rm === 15 ? base : rm === 13 ? `${base}!` : `${base}, ${core(rm)}`;
  };
  const size = bits(w, 7, 6);
  if (!bits(w, 23, 23)) {
    const type = bits(w, 11, 8);
    // [structures, registers, spacing] per type (A7.7, table A7-20).
    const shapes: [number, number, number][] = [[4, 4, 1], [4, 4, 2], [1, 4, 1], [2, 4, 1], [3, 3, 1], [3, 3, 2], [1, 3, 1], [1, 1, 1], [2, 2, 1], [2, 2, 2], [1, 2, 1]];
    const shape = shapes[type];
    if (shape === undefined) return undefined;
    const [structures, registers, spacing] = shape;
    const align = bits(w, 5, 4);
    if (structures > 1 && size === 3) return undefined;
    const alignment = align ? 32 << align : 0;
    if (d + (registers - 1) * (structures === 2 && registers === 4 ? 1 : spacing) > 31) return undefined;
    return `${name}${structures}.${8 << size}\t${registerList(d, registers, structures === 2 && registers === 4 ? 1 : spacing, '')}, ${address(alignment)}`;
  }
  const structures = bits(w, 9, 8) + 1;
  const laneSize = bits(w, 11, 10);
  if (laneSize === 3) {
    if (!l) return undefined;
    const t = bits(w, 5, 5);
    const a = bits(w, 4, 4);
    const esize = size === 3 ? 32 : 8 << size;
    let alignment = 0;
    if (a) {
      if (structures === 1) alignment = size === 0 ? -1 : esize;
      else if (structures === 2) alignment = 2 * esize;
      else if (structures === 3) return undefined;
      else alignment = size === 3 ? 128 : size === 2 ? 64 : 4 * esize;
    }
    if (alignment < 0 || (size === 3 && structures !== 4)) return undefined;
    const count = structures === 1 ? t + 1 : structures;
    const spacing = structures === 1 ? 1 : t + 1;
    if (d + (count - 1) * spacing > 31) return undefined;
    return `vld${structures}.${esize}\t${registerList(d, count, spacing, '[]')}, ${address(alignment)}`;
  }
  const indexAlign = bits(w, 7, 4);
  const esize = 8 << laneSize;
  const index = indexAlign >>> (laneSize + 1);
  const spacing = laneSize > 0 && indexAlign & (1 << laneSize) ? 2 : 1;
  const low = indexAlign & ((1 << (laneSize + 1)) - 1) & (laneSize === 0 ? 1 : laneSize === 1 ? 3 : 7);
  let alignment = 0;
  if (structures === 1) {
    if (laneSize === 0 && low) return undefined;
    if (laneSize === 1) alignment = low === 1 ? 16 : low === 0 ? 0 : -1;
    if (laneSize === 2) alignment = low === 3 ? 32 : low === 0 ? 0 : -1;
    if (alignment < 0) return undefined;
    return `${name}1.${esize}\t{d${d}[${index}]}, ${address(alignment)}`;
  }
  if (structures === 2) alignment = indexAlign & 1 ? 2 * esize : 0;
  if (structures === 3 && indexAlign & 1) return undefined;
  if (structures === 4) {
    if (laneSize === 2) {
      const code = indexAlign & 3;
      if (code === 3) return undefined;
      alignment = [0, 64, 128][code];
    } else alignment = indexAlign & 1 ? 4 * esize : 0;
  }
  if (laneSize === 2 && structures !== 4 && indexAlign & 2) return undefined;
  if (d + (structures - 1) * spacing > 31) return undefined;
  return `${name}${structures}.${esize}\t${laneList(d, structures, spacing, index)}, ${address(alignment)}`;
}
