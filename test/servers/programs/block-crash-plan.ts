// What the crash-test writer writes: generation g rewrites a few sectors of a small image, each
// filled with (g, sector) as 64 pairs of little-endian 32-bit words, then flushes. Generation 0 is
// the initial image. A sector whose pairs disagree is torn; stateAfter(f) is the image after the
// flush of generation f.

export const CRASH_SECTORS = 64;
const SECTOR = 512;

/** The sectors generation g (≥ 1) writes: 1 to 12 of them, spread by a hash of g. */
export function sectorsOf(generation: number): number[] {
  let x = Math.imul(generation, 0x9e3779b1) >>> 0;
  const count = 1 + (x % 12);
  const out = new Set<number>();
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x85ebca6b) + i) >>> 0;
    out.add(x % CRASH_SECTORS);
  }
  return [...out].sort((a, b) => a - b);
}

export function fillSector(into: Uint8Array, at: number, generation: number, sector: number): void {
  const view = new DataView(into.buffer, into.byteOffset + at, SECTOR);
  for (let i = 0; i < SECTOR; i += 8) {
    view.setUint32(i, generation, true);
    view.setUint32(i + 4, sector, true);
  }
}

export function initialImage(): Uint8Array {
  const bytes = new Uint8Array(CRASH_SECTORS * SECTOR);
  for (let s = 0; s < CRASH_SECTORS; s++) fillSector(bytes, s * SECTOR, 0, s);
  return bytes;
}

/** The generation a sector holds, or a sentence saying why it is not a whole sector of one write. */
export function generationIn(image: Uint8Array, sector: number): number | string {
  const view = new DataView(image.buffer, image.byteOffset + sector * SECTOR, SECTOR);
  const generation = view.getUint32(0, true);
  for (let i = 0; i < SECTOR; i += 8) {
    if (view.getUint32(i, true) !== generation || view.getUint32(i + 4, true) !== sector) return `sector ${sector} is torn or misplaced at byte ${i}`;
  }
  return generation;
}

/** For each sector, the generation it holds after the flush of generation `last`. */
export function stateAfter(last: number): number[] {
  const state = new Array<number>(CRASH_SECTORS).fill(0);
  for (let g = 1; g <= last; g++) for (const s of sectorsOf(g)) state[s] = g;
  return state;
}
