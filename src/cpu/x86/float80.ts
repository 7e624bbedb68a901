// Exact 80-bit extended-precision arithmetic for the x87 (SDM 1, 4.2 and 8.1): add, subtract,
// multiply, divide, square root, integer conversion and rounding to 24/53/64-bit significands in
// every rounding mode, with BigInt significands. A value is a sign-and-exponent word (sign in bit
// 15, biased exponent in bits 0-14, bias 16383) and a 64-bit significand with an explicit integer
// bit, as in memory. Results go to `Float80.resultExponent` / `Float80.resultMantissa` and the
// exception flags of the last operation to `Float80.flags`.

export const FLAG_INVALID = 0x01;
export const FLAG_DENORMAL = 0x02;
export const FLAG_DIVIDE_BY_ZERO = 0x04;
export const FLAG_OVERFLOW = 0x08;
export const FLAG_UNDERFLOW = 0x10;
export const FLAG_INEXACT = 0x20;

export const ROUND_NEAREST = 0;
export const ROUND_DOWN = 1;
export const ROUND_UP = 2;
export const ROUND_TRUNCATE = 3;

const BIAS = 16383;
const MAX_EXPONENT = 0x7fff;
const INTEGER_BIT = 1n << 63n;
const MASK64 = (1n << 64n) - 1n;
/** The real indefinite: negative quiet NaN. */
export const INDEFINITE_EXPONENT = 0xffff;
export const INDEFINITE_MANTISSA = 0xc000000000000000n;

function bitLength(value: bigint): number {
  // value > 0
  let bits = 0;
  let v = value;
  while (v >= 1n << 64n) {
    v >>= 64n;
    bits += 64;
  }
  let n = Number(v);
  // Number(v) may round up to the next power of two; correct below.
  let length = n === 0 ? 0 : Math.floor(Math.log2(n)) + 1;
  if (length > 0 && 1n << BigInt(length - 1) > v) length--;
  else if (1n << BigInt(length) <= v) length++;
  n = length;
  return bits + n;
}

export function isNaN80(exponent: number, mantissa: bigint): boolean {
  return (exponent & 0x7fff) === MAX_EXPONENT && (mantissa & ~INTEGER_BIT) !== 0n;
}

export function isInfinity80(exponent: number, mantissa: bigint): boolean {
  return (exponent & 0x7fff) === MAX_EXPONENT && (mantissa & ~INTEGER_BIT) === 0n;
}

export function isZero80(exponent: number, mantissa: bigint): boolean {
  return (exponent & 0x7fff) === 0 && mantissa === 0n;
}


/**
 * Whether rounding `kept` (with the non-zero `dropped` low `shift` bits cut off) moves it one unit
 * away from zero, in rounding mode `rounding` (nearest-even, down, up; toward zero never does).
 */
function roundsAway(rounding: number, negative: boolean, kept: bigint, dropped: bigint, shift: bigint): boolean {
  switch (rounding) {
    case ROUND_NEAREST: {
      const half = 1n << (shift - 1n);
      return dropped > half || (dropped === half && (kept & 1n) === 1n);
    }
    case ROUND_DOWN:
      return negative;
    case ROUND_UP:
      return !negative;
    default:
      return false;
  }
}

export class Float80 {
  resultExponent = 0;
  resultMantissa = 0n;
  flags = 0;

  private setResult(exponent: number, mantissa: bigint): void {
    this.resultExponent = exponent;
    this.resultMantissa = mantissa;
  }

  private indefinite(): void {
    this.flags |= FLAG_INVALID;
    this.setResult(INDEFINITE_EXPONENT, INDEFINITE_MANTISSA);
  }

  /** NaN operands: a signalling NaN is quieted (invalid); of two NaNs the larger significand wins (SDM 1, 4.8.3.5). */
  private propagateNaN(aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint): void {
    const aNaN = isNaN80(aExponent, aMantissa);
    const bNaN = isNaN80(bExponent, bMantissa);
    const quiet = 1n << 62n;
    if ((aNaN && (aMantissa & quiet) === 0n) || (bNaN && (bMantissa & quiet) === 0n)) this.flags |= FLAG_INVALID;
    let exponent: number;
    let mantissa: bigint;
    if (aNaN && bNaN) {
      const aBits = aMantissa | quiet;
      const bBits = bMantissa | quiet;
      if (aBits > bBits || (aBits === bBits && (aExponent & 0x8000) === 0)) {
        exponent = aExponent;
        mantissa = aBits;
      } else {
        exponent = bExponent;
        mantissa = bBits;
      }
    } else if (aNaN) {
      exponent = aExponent;
      mantissa = aMantissa | quiet;
    } else {
      exponent = bExponent;
      mantissa = bMantissa | quiet;
    }
    this.setResult(exponent, mantissa | INTEGER_BIT);
  }

  /** The exponent of the value's lowest significand bit: value = mantissa * 2^unbiased(...). */
  static scale(exponent: number): number {
    const biased = exponent & 0x7fff;
    return (biased === 0 ? 1 : biased) - BIAS - 63;
  }

  /**
   * Rounds sign * sig * 2^exp2 (sig > 0) to `precision` significand bits in the extended exponent
   * range, as the rounding mode says; sets the result and flags.
   */
  roundPack(negative: boolean, sig: bigint, exp2: number, precision: number, rounding: number): void {
    const sign = negative ? 0x8000 : 0;
    const length = bitLength(sig);
    let exponent = exp2 + length - 1 + BIAS;
    let drop: number;
    if (exponent >= 1) drop = length - precision;
    else {
      drop = 1 - BIAS - 63 - exp2 + (64 - precision);
      exponent = 0;
    }
    let q: bigint;
    if (drop > 0) {
      const bigDrop = BigInt(drop);
      q = sig >> bigDrop;
      const dropped = sig & ((1n << bigDrop) - 1n);
      if (dropped !== 0n) {
        this.flags |= FLAG_INEXACT;
        if (roundsAway(rounding, negative, q, dropped, bigDrop)) q++;
        if (exponent === 0) this.flags |= FLAG_UNDERFLOW;
      }
    } else q = sig << BigInt(-drop);
    let mantissa = q << BigInt(64 - precision);
    if (exponent >= 1 && mantissa > MASK64) {
      mantissa >>= 1n;
      exponent++;
    } else if (exponent === 0 && mantissa >= INTEGER_BIT) exponent = 1;
    if (exponent >= MAX_EXPONENT) {
      this.flags |= FLAG_OVERFLOW | FLAG_INEXACT;
      const toInfinity = rounding === ROUND_NEAREST || (rounding === ROUND_UP && !negative) || (rounding === ROUND_DOWN && negative);
      if (toInfinity) this.setResult(sign | MAX_EXPONENT, INTEGER_BIT);
      else this.setResult(sign | (MAX_EXPONENT - 1), (MASK64 >> BigInt(64 - precision)) << BigInt(64 - precision));
      return;
    }
    this.setResult(sign | exponent, mantissa);
  }

  /** a + b (or a - b): SDM 2, FADD/FSUB. */
  add(aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, subtract: boolean, precision: number, rounding: number): void {
    this.flags = 0;
    if (subtract) bExponent ^= 0x8000;
    if (isNaN80(aExponent, aMantissa) || isNaN80(bExponent, bMantissa)) {
      this.propagateNaN(aExponent, aMantissa, subtract ? bExponent ^ 0x8000 : bExponent, bMantissa);
      return;
    }
    const aNegative = (aExponent & 0x8000) !== 0;
    const bNegative = (bExponent & 0x8000) !== 0;
    const aInfinite = isInfinity80(aExponent, aMantissa);
    const bInfinite = isInfinity80(bExponent, bMantissa);
    if (aInfinite || bInfinite) {
      if (aInfinite && bInfinite && aNegative !== bNegative) this.indefinite();
      else this.setResult(aInfinite ? aExponent : bExponent, INTEGER_BIT);
      return;
    }
    const aZero = aMantissa === 0n;
    const bZero = bMantissa === 0n;
    if (aZero && bZero) {
      const negative = aNegative === bNegative ? aNegative : rounding === ROUND_DOWN;
      this.setResult(negative ? 0x8000 : 0, 0n);
      return;
    }
    if (aZero || bZero) {
      const exponent = bZero ? aExponent : bExponent;
      const mantissa = bZero ? aMantissa : bMantissa;
      this.roundPack((exponent & 0x8000) !== 0, mantissa, Float80.scale(exponent), precision, rounding);
      return;
    }
    let aScale = Float80.scale(aExponent);
    let bScale = Float80.scale(bExponent);
    let aSig = aMantissa;
    let bSig = bMantissa;
    // A much smaller operand only matters as a sticky bit below every rounding position.
    if (aScale - bScale > 200) {
      bSig = 1n;
      bScale = aScale - 200;
    } else if (bScale - aScale > 200) {
      aSig = 1n;
      aScale = bScale - 200;
    }
    const low = Math.min(aScale, bScale);
    const a = aSig << BigInt(aScale - low);
    const b = bSig << BigInt(bScale - low);
    let sum = (aNegative ? -a : a) + (bNegative ? -b : b);
    if (sum === 0n) {
      this.setResult(rounding === ROUND_DOWN ? 0x8000 : 0, 0n);
      return;
    }
    const negative = sum < 0n;
    if (negative) sum = -sum;
    this.roundPack(negative, sum, low, precision, rounding);
  }

  multiply(aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, precision: number, rounding: number): void {
    this.flags = 0;
    if (isNaN80(aExponent, aMantissa) || isNaN80(bExponent, bMantissa)) {
      this.propagateNaN(aExponent, aMantissa, bExponent, bMantissa);
      return;
    }
    const sign = (aExponent ^ bExponent) & 0x8000;
    const aInfinite = isInfinity80(aExponent, aMantissa);
    const bInfinite = isInfinity80(bExponent, bMantissa);
    if (aInfinite || bInfinite) {
      if (aMantissa === 0n || bMantissa === 0n) this.indefinite();
      else this.setResult(sign | MAX_EXPONENT, INTEGER_BIT);
      return;
    }
    if (aMantissa === 0n || bMantissa === 0n) {
      this.setResult(sign, 0n);
      return;
    }
    this.roundPack(sign !== 0, aMantissa * bMantissa, Float80.scale(aExponent) + Float80.scale(bExponent), precision, rounding);
  }

  divide(aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint, precision: number, rounding: number): void {
    this.flags = 0;
    if (isNaN80(aExponent, aMantissa) || isNaN80(bExponent, bMantissa)) {
      this.propagateNaN(aExponent, aMantissa, bExponent, bMantissa);
      return;
    }
    const sign = (aExponent ^ bExponent) & 0x8000;
    const aInfinite = isInfinity80(aExponent, aMantissa);
    const bInfinite = isInfinity80(bExponent, bMantissa);
    if (aInfinite && bInfinite) {
      this.indefinite();
      return;
    }
    if (aInfinite) {
      this.setResult(sign | MAX_EXPONENT, INTEGER_BIT);
      return;
    }
    if (bInfinite) {
      this.setResult(sign, 0n);
      return;
    }
    if (bMantissa === 0n) {
      if (aMantissa === 0n) this.indefinite();
      else {
        this.flags |= FLAG_DIVIDE_BY_ZERO;
        this.setResult(sign | MAX_EXPONENT, INTEGER_BIT);
      }
      return;
    }
    if (aMantissa === 0n) {
      this.setResult(sign, 0n);
      return;
    }
    const numerator = aMantissa << 130n;
    let quotient = numerator / bMantissa;
    const sticky = numerator - quotient * bMantissa !== 0n;
    quotient = (quotient << 1n) | (sticky ? 1n : 0n);
    this.roundPack(sign !== 0, quotient, Float80.scale(aExponent) - Float80.scale(bExponent) - 131, precision, rounding);
  }

  squareRoot(exponent: number, mantissa: bigint, precision: number, rounding: number): void {
    this.flags = 0;
    if (isNaN80(exponent, mantissa)) {
      this.propagateNaN(exponent, mantissa, exponent, mantissa);
      return;
    }
    if (mantissa === 0n) {
      this.setResult(exponent & 0x8000, 0n);
      return;
    }
    if ((exponent & 0x8000) !== 0) {
      this.indefinite();
      return;
    }
    if (isInfinity80(exponent, mantissa)) {
      this.setResult(MAX_EXPONENT, INTEGER_BIT);
      return;
    }
    let scale = Float80.scale(exponent);
    let sig = mantissa;
    if ((scale & 1) !== 0) {
      sig <<= 1n;
      scale -= 1;
    }
    sig <<= 140n;
    scale -= 140;
    let root = integerSquareRoot(sig);
    const sticky = root * root !== sig;
    root = (root << 1n) | (sticky ? 1n : 0n);
    this.roundPack(false, root, scale / 2 - 1, precision, rounding);
  }

  /** Rounds to an integer value (FRNDINT); the result stays in extended format. */
  roundToInteger(exponent: number, mantissa: bigint, rounding: number): void {
    this.flags = 0;
    if (isNaN80(exponent, mantissa)) {
      this.propagateNaN(exponent, mantissa, exponent, mantissa);
      return;
    }
    if (mantissa === 0n || isInfinity80(exponent, mantissa)) {
      this.setResult(exponent, mantissa);
      return;
    }
    const negative = (exponent & 0x8000) !== 0;
    const integer = this.toInteger(exponent, mantissa, rounding);
    if (integer === 0n) {
      this.setResult(exponent & 0x8000, 0n);
      return;
    }
    const flags = this.flags;
    this.roundPack(negative, integer < 0n ? -integer : integer, 0, 64, rounding);
    this.flags = flags;
  }

  /** The value rounded to an integer by `rounding` (sets INEXACT); for FIST and FRNDINT. */
  toInteger(exponent: number, mantissa: bigint, rounding: number): bigint {
    const negative = (exponent & 0x8000) !== 0;
    const scale = Float80.scale(exponent);
    let magnitude: bigint;
    if (scale >= 0) magnitude = mantissa << BigInt(scale);
    else if (scale < -70) {
      magnitude = 0n;
      if (mantissa !== 0n) {
        this.flags |= FLAG_INEXACT;
        if ((rounding === ROUND_UP && !negative) || (rounding === ROUND_DOWN && negative)) magnitude = 1n;
      }
    } else {
      const shift = BigInt(-scale);
      magnitude = mantissa >> shift;
      const dropped = mantissa & ((1n << shift) - 1n);
      if (dropped !== 0n) {
        this.flags |= FLAG_INEXACT;
        if (roundsAway(rounding, negative, magnitude, dropped, shift)) magnitude++;
      }
    }
    return negative ? -magnitude : magnitude;
  }

  /** An integer as an extended value (exact). */
  fromInteger(value: bigint): void {
    this.flags = 0;
    if (value === 0n) {
      this.setResult(0, 0n);
      return;
    }
    const negative = value < 0n;
    this.roundPack(negative, negative ? -value : value, 0, 64, ROUND_NEAREST);
  }

  /**
   * Compares a with b: -1 less, 0 equal, 1 greater, 2 unordered (either is a NaN).
   */
  static compare(aExponent: number, aMantissa: bigint, bExponent: number, bMantissa: bigint): number {
    if (isNaN80(aExponent, aMantissa) || isNaN80(bExponent, bMantissa)) return 2;
    const aZero = aMantissa === 0n;
    const bZero = bMantissa === 0n;
    if (aZero && bZero) return 0;
    const aNegative = !aZero && (aExponent & 0x8000) !== 0;
    const bNegative = !bZero && (bExponent & 0x8000) !== 0;
    if (aZero) return bNegative ? 1 : -1;
    if (bZero) return aNegative ? -1 : 1;
    if (aNegative !== bNegative) return aNegative ? -1 : 1;
    // Same sign: compare magnitudes (normalizing denormals through the scale).
    const aLength = bitLength(aMantissa) + Float80.scale(aExponent);
    const bLength = bitLength(bMantissa) + Float80.scale(bExponent);
    let magnitude: number;
    if (aLength !== bLength) magnitude = aLength < bLength ? -1 : 1;
    else {
      const aScale = Float80.scale(aExponent);
      const bScale = Float80.scale(bExponent);
      const low = Math.min(aScale, bScale);
      const a = aMantissa << BigInt(aScale - low);
      const b = bMantissa << BigInt(bScale - low);
      magnitude = a === b ? 0 : a < b ? -1 : 1;
    }
    return aNegative ? -magnitude : magnitude;
  }
}

// Transcendentals for F2XM1, FYL2X, FYL2XP1 and FPATAN (SDM 2): computed in BigInt fixed point
// with WORK fraction bits (about 2^-250 relative), then rounded once by roundPack with the
// precision and rounding controls. An inexact approximation is made sticky (a set bit below the
// rounding point), so the result is the correctly rounded one unless the true value lies within
// 2^-250 of a rounding boundary. Only for finite, nonzero, normal operands in the domain.
const WORK = 256;
let constantsCache: { ln2: bigint; log2e: bigint; pi: bigint } | null = null;

/** atan(1/n) with `bits` fraction bits. */
function atanInverse(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let power = one / n;
  const n2 = n * n;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= n2;
    const term = power / (2n * k + 1n);
    sum += (k & 1n) === 1n ? -term : term;
  }
  return sum;
}

/** ln 2, log2(e) and pi with WORK fraction bits. */
function constants(): { ln2: bigint; log2e: bigint; pi: bigint } {
  if (constantsCache === null) {
    const extra = BigInt(WORK + 32);
    // ln 2 = 2 atanh(1/3); pi = 16 atan(1/5) - 4 atan(1/239) (Machin).
    let power = (1n << extra) / 3n;
    let sum = 0n;
    for (let k = 1n; power !== 0n; k += 2n) {
      sum += power / k;
      power /= 9n;
    }
    const ln2 = 2n * sum;
    const pi = 16n * atanInverse(5n, extra) - 4n * atanInverse(239n, extra);
    constantsCache = { ln2: ln2 >> 32n, log2e: (1n << (extra + BigInt(WORK))) / ln2, pi: pi >> 32n };
  }
  return constantsCache;
}

/** log2(n * 2^e) for n > 0: sign, magnitude m and scale s (value = m * 2^s), and whether exact. */
function log2Rational(n: bigint, e: number): { negative: boolean; sig: bigint; exp2: number; exact: boolean } {
  const bits = BigInt(WORK);
  const length = bitLength(n);
  let k = e + length - 1;
  let denominator = 1n << BigInt(length - 1);
  // f = n / denominator in [sqrt(1/2), sqrt(2)).
  if (n * n >= 2n * denominator * denominator) {
    k++;
    denominator <<= 1n;
  }
  const a = n - denominator;
  if (a === 0n) return { negative: k < 0, sig: BigInt(Math.abs(k)), exp2: 0, exact: true };
  // ln f = 2 atanh(s), s = (f - 1) / (f + 1) = a / b, |s| < 0.172; s = sFixed * 2^-shift to WORK bits relative.
  const b = n + denominator;
  const magnitude = a < 0n ? -a : a;
  const shift = WORK + 8 + bitLength(b) - bitLength(magnitude);
  const sFixed = (magnitude << BigInt(shift)) / b;
  // atanh(s) / s = sum s^2j / (2j + 1), s^2 with WORK fraction bits.
  const s2 = (sFixed * sFixed) >> BigInt(2 * shift - WORK);
  let power = 1n << bits;
  let ratio = power;
  for (let j = 1n; power !== 0n; j++) {
    power = (power * s2) >> bits;
    ratio += power / (2n * j + 1n);
  }
  // log2 f = 2 s ratio log2(e): magnitude with (shift + 2 WORK - 1) fraction bits.
  const fraction = sFixed * ratio * constants().log2e;
  const fractionBits = shift + 2 * WORK - 1;
  if (k === 0) return { negative: a < 0n, sig: fraction, exp2: -fractionBits, exact: false };
  // |k| >= 1 and |log2 f| <= 1/2: WORK fraction bits are enough.
  const f = fraction >> BigInt(fractionBits - WORK);
  const total = BigInt(k) * (1n << bits) + (a < 0n ? -f : f);
  return { negative: total < 0n, sig: total < 0n ? -total : total, exp2: -WORK, exact: false };
}

/** atan(p / q) for 0 < p <= q (p = pm * 2^pe, q = qm * 2^qe): magnitude and scale, never exact. */
function atanRatio(pm: bigint, pe: number, qm: bigint, qe: number): { sig: bigint; exp2: number } {
  // r = p / q = rFixed * 2^-shift with about WORK + 8 significant bits.
  const shift = WORK + 8 + bitLength(qm) - bitLength(pm) - (pe - qe);
  const raw = shift + pe - qe;
  const rFixed = raw >= 0 ? (pm << BigInt(raw)) / qm : pm / (qm << BigInt(-raw));
  if (shift > WORK + 24) {
    // r < 2^-16: atan(r) / r = 1 - r^2/3 + r^4/5 - ..., from r^2 with WORK fraction bits.
    const bits = BigInt(WORK);
    const r2 = (rFixed * rFixed) >> BigInt(2 * shift - WORK);
    let power = 1n << bits;
    let ratio = power;
    for (let j = 1n; power !== 0n; j++) {
      power = (power * r2) >> bits;
      const term = power / (2n * j + 1n);
      ratio += (j & 1n) === 1n ? -term : term;
    }
    return { sig: rFixed * ratio, exp2: -shift - WORK };
  }
  // Fixed point with W fraction bits: three halvings atan(r) = 2 atan(r / (1 + sqrt(1 + r^2))),
  // then the series; r >= 2^-16 so the absolute error is small relative to the result.
  const w = WORK + 32;
  const bits = BigInt(w);
  const one = 1n << bits;
  let r = shift >= w ? rFixed >> BigInt(shift - w) : rFixed << BigInt(w - shift);
  for (let i = 0; i < 3; i++) {
    const root = integerSquareRoot((one << bits) + r * r);
    r = (r << bits) / (one + root);
  }
  const r2 = (r * r) >> bits;
  let power = r;
  let sum = r;
  for (let j = 1n; power !== 0n; j++) {
    power = (power * r2) >> bits;
    const term = power / (2n * j + 1n);
    sum += (j & 1n) === 1n ? -term : term;
  }
  return { sig: sum * 8n, exp2: -w };
}

/** Value and scale of a finite nonzero operand: mantissa * 2^scale. */
function operand(exponent: number, mantissa: bigint): { negative: boolean; mantissa: bigint; scale: number } {
  return { negative: (exponent & 0x8000) !== 0, mantissa, scale: Float80.scale(exponent) };
}

/**
 * The transcendental instructions on finite, nonzero operands inside their domains (the caller
 * handles zeros, infinities, NaNs, denormals and out-of-domain operands). Each sets the result and
 * flags as roundPack does. The x87 passes precision 64: the precision control applies only to the
 * basic arithmetic and FSQRT (SDM 1, 8.1.5.2), and QEMU 7.2 agrees.
 */
export class Transcendental {
  constructor(private readonly math: Float80) {}

  private pack(negative: boolean, sig: bigint, exp2: number, exact: boolean, precision: number, rounding: number): void {
    this.math.flags = 0;
    if (exact) this.math.roundPack(negative, sig, exp2, precision, rounding);
    else this.math.roundPack(negative, (sig << 1n) | 1n, exp2 - 1, precision, rounding);
  }

  /** F2XM1: 2^x - 1 for 0 < |x| <= 1. */
  f2xm1(exponent: number, mantissa: bigint, precision: number, rounding: number): void {
    const x = operand(exponent, mantissa);
    const { ln2 } = constants();
    const bits = BigInt(WORK);
    // 2^x - 1 = expm1(t), t = x ln 2; expm1(t) / t = sum t^(k-1) / k!, from t with WORK fraction bits.
    let t = x.scale >= 0 ? (x.mantissa * ln2) << BigInt(x.scale) : (x.mantissa * ln2) >> BigInt(-x.scale);
    if (x.negative) t = -t;
    if (x.mantissa === 1n << 63n && x.scale === -63) {
      // x = +-1: 1 and -1/2 exactly.
      this.pack(x.negative, 1n, x.negative ? -1 : 0, true, precision, rounding);
      return;
    }
    let term = 1n << bits;
    let ratio = term;
    for (let k = 2n; term !== 0n; k++) {
      term = (term * t) / (k << bits);
      ratio += term;
    }
    // ratio > 0 (t > -0.7).
    this.pack(x.negative, x.mantissa * ln2 * ratio, x.scale - 2 * WORK, false, precision, rounding);
  }

  /** FYL2X (x > 0) and FYL2XP1 (1 + x > 0): y log2(x) or y log2(1 + x); y nonzero. */
  yLog2(xExponent: number, xMantissa: bigint, yExponent: number, yMantissa: bigint, plusOne: boolean, precision: number, rounding: number): void {
    const x = operand(xExponent, xMantissa);
    const y = operand(yExponent, yMantissa);
    let n = x.mantissa;
    let e = x.scale;
    if (plusOne) {
      const signed = x.negative ? -x.mantissa : x.mantissa;
      if (e >= 0) {
        n = 1n + (signed << BigInt(e));
        e = 0;
      } else n = (1n << BigInt(-e)) + signed;
    }
    const log = log2Rational(n, e);
    if (log.sig === 0n) {
      // log2(1) = +0: y * +0 keeps y's sign.
      this.math.flags = 0;
      this.math.resultExponent = y.negative ? 0x8000 : 0;
      this.math.resultMantissa = 0n;
      return;
    }
    this.pack(log.negative !== y.negative, log.sig * y.mantissa, log.exp2 + y.scale, log.exact, precision, rounding);
  }

  /** FPATAN: atan(y / x) with the quadrant of (x, y) (SDM 2, FPATAN table), x and y nonzero. */
  atan2(yExponent: number, yMantissa: bigint, xExponent: number, xMantissa: bigint, precision: number, rounding: number): void {
    const x = operand(xExponent, xMantissa);
    const y = operand(yExponent, yMantissa);
    const { pi } = constants();
    // Compare |y| with |x|.
    const low = Math.min(x.scale, y.scale);
    const yBig = y.mantissa << BigInt(y.scale - low);
    const xBig = x.mantissa << BigInt(x.scale - low);
    const steep = yBig > xBig;
    const angle = steep ? atanRatio(x.mantissa, x.scale, y.mantissa, y.scale) : atanRatio(y.mantissa, y.scale, x.mantissa, x.scale);
    if (!steep && !x.negative) {
      this.pack(y.negative, angle.sig, angle.exp2, false, precision, rounding);
      return;
    }
    // pi/2 -+ angle or pi - angle, with WORK fraction bits (the result is at least pi/4).
    const a = angle.exp2 >= -WORK ? angle.sig << BigInt(angle.exp2 + WORK) : angle.sig >> BigInt(-WORK - angle.exp2);
    const value = steep ? (x.negative ? (pi >> 1n) + a : (pi >> 1n) - a) : pi - a;
    this.pack(y.negative, value, -WORK, false, precision, rounding);
  }
}

function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  let x = 1n << BigInt(Math.ceil(bitLength(value) / 2));
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Converts to a double's bits with the rounding mode (for FST m64 and the double view). */
export function float80ToDouble(math: Float80, exponent: number, mantissa: bigint, rounding: number): number {
  const sign = (exponent & 0x8000) !== 0 ? -1 : 1;
  if (isNaN80(exponent, mantissa)) return NaN;
  if (isInfinity80(exponent, mantissa)) return sign * Infinity;
  if (mantissa === 0n) return sign * 0;
  return roundToBinary(math, exponent, mantissa, rounding, 53, 1023);
}

export function float80ToSingle(math: Float80, exponent: number, mantissa: bigint, rounding: number): number {
  const sign = (exponent & 0x8000) !== 0 ? -1 : 1;
  if (isNaN80(exponent, mantissa)) return NaN;
  if (isInfinity80(exponent, mantissa)) return sign * Infinity;
  if (mantissa === 0n) return sign * 0;
  return roundToBinary(math, exponent, mantissa, rounding, 24, 127);
}

/** Rounds to a binary format with `precision` bits and exponent bias `bias` (subnormals included). */
function roundToBinary(math: Float80, exponent: number, mantissa: bigint, rounding: number, precision: number, bias: number): number {
  const negative = (exponent & 0x8000) !== 0;
  const scale = Float80.scale(exponent);
  const length = bitLength(mantissa);
  const leading = scale + length - 1;
  const minimumNormal = 1 - bias;
  // Bits kept: precision for normals, fewer for subnormals.
  const kept = leading >= minimumNormal ? precision : precision - (minimumNormal - leading);
  let q: bigint;
  let qScale: number;
  if (kept <= 0) {
    // Below half the smallest subnormal, or just at it.
    q = 0n;
    qScale = minimumNormal - precision + 1;
    const half = kept === 0 ? mantissa === 1n << BigInt(length - 1) : false;
    let up = false;
    switch (rounding) {
      case ROUND_NEAREST:
        up = kept === 0 && !half;
        break;
      case ROUND_DOWN:
        up = negative;
        break;
      case ROUND_UP:
        up = !negative;
        break;
    }
    math.flags |= FLAG_INEXACT | FLAG_UNDERFLOW;
    if (up) q = 1n;
  } else {
    const drop = length - kept;
    if (drop > 0) {
      const bigDrop = BigInt(drop);
      q = mantissa >> bigDrop;
      const dropped = mantissa & ((1n << bigDrop) - 1n);
      if (dropped !== 0n) {
        math.flags |= FLAG_INEXACT;
        if (kept < precision) math.flags |= FLAG_UNDERFLOW;
        if (roundsAway(rounding, negative, q, dropped, bigDrop)) q++;
      }
      qScale = scale + drop;
    } else {
      q = mantissa;
      qScale = scale;
    }
  }
  // Overflow past the largest finite value (SDM 1, 4.9.1.4).
  const value = Number(q) * Math.pow(2, qScale);
  if (!Number.isFinite(value) || (precision === 24 && Math.abs(value) >= 2 ** 128)) {
    math.flags |= FLAG_OVERFLOW | FLAG_INEXACT;
    const toInfinity = rounding === ROUND_NEAREST || (rounding === ROUND_UP && !negative) || (rounding === ROUND_DOWN && negative);
    const largest = precision === 24 ? (2 - 2 ** -23) * 2 ** 127 : Number.MAX_VALUE;
    return (negative ? -1 : 1) * (toInfinity ? Infinity : largest);
  }
  return negative ? -value : value;
}
