// Block storage as devices see it: a number of 512-byte sectors that can be read, written and
// flushed. A disk controller (IDE, virtio-blk, SCSI, an SD card) talks to a BlockBackend and never
// knows where the bytes live. Nothing here knows any architecture.
//
// RamDisk keeps an image in memory with a copy-on-write overlay: the bytes it was made from are
// never modified, the guest's writes go to pages of changed sectors, and a persistence layer can
// ask which sectors changed (changedSectors) or take the whole image (snapshotBytes). It completes
// every request before returning; called without `done` it works as a plain synchronous store
// that throws on a bad request, which is how the block server and the tests use it.

export const SECTOR_SIZE = 512;

/**
 * Why a request failed, as a short code (the block session protocol carries the same codes). A
 * disk controller maps them to its own error bits: IDE reports `out-of-range` as IDNF,
 * `read-only` as ABRT, anything else as UNC on a read and ABRT on a write or flush.
 */
export const BLOCK_ERROR_RANGE = 'out-of-range';
export const BLOCK_ERROR_READ_ONLY = 'read-only';
/** The medium or the host file failed. */
export const BLOCK_ERROR_IO = 'io';
/** The request itself was malformed (a buffer outside its area, an unknown operation). */
export const BLOCK_ERROR_INVALID = 'invalid';

/** Completion of one request: `null` for success, otherwise an error code (BLOCK_ERROR_…). */
export type BlockDone = (error: string | null) => void;

/**
 * A disk as a controller sees it. Every request completes by calling its `done` exactly once,
 * either before the call returns (a RamDisk) or later (a BlockSessionClient, once the block
 * server has answered). Errors go to `done`, never thrown. The buffer of a request belongs to the
 * backend until `done`: a read may fill `into` at any time before it, a write may read `from` at
 * any time before it, so the caller leaves both alone meanwhile. Requests complete in any order
 * the backend likes, except that a flush completes only after every write issued before it
 * reached the medium.
 */
export interface BlockBackend {
  readonly name: string;
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** Reads sectors sector … sector+count-1 into `into` at `offset`. */
  read(sector: number, count: number, into: Uint8Array, offset: number, done: BlockDone): void;
  /** Writes count sectors from `from` at `offset`. */
  write(sector: number, count: number, from: Uint8Array, offset: number, done: BlockDone): void;
  /** Makes earlier writes durable (a disk's FLUSH CACHE). */
  flush(done: BlockDone): void;
}

/**
 * Checks that `bytes` can be a raw disk image: not empty and a whole number of sectors. Throws an
 * Error whose message says what is wrong with the file at `path` and what to do.
 */
export function checkDiskImage(path: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new Error(`disk image ${path} has an impossible size (${bytes} bytes)`);
  }
  if (bytes === 0) {
    throw new Error(`disk image ${path} is empty: a disk needs at least one sector of ${SECTOR_SIZE} bytes`);
  }
  if (bytes % SECTOR_SIZE !== 0) {
    const padded = Math.ceil(bytes / SECTOR_SIZE) * SECTOR_SIZE;
    throw new Error(
      `disk image ${path} is ${bytes} bytes, not a multiple of ${SECTOR_SIZE} bytes (one sector): ` +
        `pad it to ${padded} bytes (truncate -s ${padded} ${path}) or give a raw image`,
    );
  }
}

/** Sectors per overlay page: big enough that sequential I/O copies long runs, small enough to stay sparse. */
const PAGE_SECTORS = 64;

/**
 * A disk image held in RAM. Reads come from the overlay page when the guest wrote into that page,
 * otherwise from the base bytes (or zeros for a blank disk). The first write into a page copies the
 * base page into it, so a read never has to merge sector by sector.
 */
export class RamDisk implements BlockBackend {
  readonly sectorCount: number;
  /** Overlay pages (PAGE_SECTORS sectors each, the last one shorter), allocated on first write. */
  private readonly pages: (Uint8Array | undefined)[];
  /** Two 32-bit words per page: which of its sectors the guest wrote. */
  private readonly dirty: Uint32Array;

  private constructor(
    readonly name: string,
    /** The image as given; never written. Null for a blank disk (all zeros). */
    private readonly base: Uint8Array | null,
    sectorCount: number,
    readonly readOnly: boolean,
  ) {
    this.sectorCount = sectorCount;
    const pageCount = Math.ceil(sectorCount / PAGE_SECTORS);
    this.pages = new Array<Uint8Array | undefined>(pageCount).fill(undefined);
    this.dirty = new Uint32Array(pageCount * 2);
  }

  /** A disk over `bytes` (checked with checkDiskImage, `name` standing for its file). The bytes are never modified. */
  static fromBytes(name: string, bytes: Uint8Array, options: { readOnly?: boolean } = {}): RamDisk {
    checkDiskImage(name, bytes.length);
    return new RamDisk(name, bytes, bytes.length / SECTOR_SIZE, options.readOnly ?? false);
  }

  /** A zero-filled writable disk of `sectorCount` sectors; memory is taken only for written pages. */
  static blank(name: string, sectorCount: number): RamDisk {
    if (!Number.isSafeInteger(sectorCount) || sectorCount <= 0) {
      throw new RangeError(`blank disk ${name}: ${sectorCount} is not a positive whole number of sectors`);
    }
    return new RamDisk(name, null, sectorCount, false);
  }

  /** Reads at once; errors go to `done`, or are thrown (RangeError) when there is no `done`. */
  read(sector: number, count: number, into: Uint8Array, offset: number, done?: BlockDone): void {
    if (done === undefined) {
      this.readNow(sector, count, into, offset);
      return;
    }
    try {
      this.readNow(sector, count, into, offset);
    } catch (error) {
      done(errorCode(error));
      return;
    }
    done(null);
  }

  /** Writes at once; errors go to `done`, or are thrown (RangeError, Error when read-only) when there is no `done`. */
  write(sector: number, count: number, from: Uint8Array, offset: number, done?: BlockDone): void {
    if (done === undefined) {
      this.writeNow(sector, count, from, offset);
      return;
    }
    try {
      this.writeNow(sector, count, from, offset);
    } catch (error) {
      done(errorCode(error));
      return;
    }
    done(null);
  }

  flush(done?: BlockDone): void {
    // RAM is as durable as it gets here; a persistence layer saves changedSectors() on its own schedule.
    done?.(null);
  }

  private readNow(sector: number, count: number, into: Uint8Array, offset: number): void {
    this.checkRange('read', sector, count, into, offset);
    while (count > 0) {
      const page = Math.floor(sector / PAGE_SECTORS);
      const inPage = sector - page * PAGE_SECTORS;
      const run = Math.min(count, PAGE_SECTORS - inPage);
      const bytes = run * SECTOR_SIZE;
      const overlay = this.pages[page];
      if (overlay !== undefined) {
        const start = inPage * SECTOR_SIZE;
        into.set(overlay.subarray(start, start + bytes), offset);
      } else if (this.base !== null) {
        const start = sector * SECTOR_SIZE;
        into.set(this.base.subarray(start, start + bytes), offset);
      } else {
        into.fill(0, offset, offset + bytes);
      }
      sector += run;
      count -= run;
      offset += bytes;
    }
  }

  private writeNow(sector: number, count: number, from: Uint8Array, offset: number): void {
    if (this.readOnly) throw new ReadOnlyError(`disk ${this.name} is read-only: the write to sector ${sector} was refused`);
    this.checkRange('write', sector, count, from, offset);
    while (count > 0) {
      const page = Math.floor(sector / PAGE_SECTORS);
      const inPage = sector - page * PAGE_SECTORS;
      const run = Math.min(count, PAGE_SECTORS - inPage);
      const bytes = run * SECTOR_SIZE;
      const overlay = this.pages[page] ?? this.allocatePage(page);
      overlay.set(from.subarray(offset, offset + bytes), inPage * SECTOR_SIZE);
      for (let s = inPage; s < inPage + run; s++) this.dirty[page * 2 + (s >>> 5)] |= 1 << (s & 31);
      sector += run;
      count -= run;
      offset += bytes;
    }
  }

  /** The sectors the guest wrote (even with unchanged contents), in ascending order. */
  changedSectors(): number[] {
    const sectors: number[] = [];
    for (let page = 0; page < this.pages.length; page++) {
      if (this.pages[page] === undefined) continue;
      for (let word = 0; word < 2; word++) {
        let bits = this.dirty[page * 2 + word];
        while (bits !== 0) {
          const bit = 31 - Math.clz32(bits & -bits);
          sectors.push(page * PAGE_SECTORS + word * 32 + bit);
          bits &= bits - 1;
        }
      }
    }
    return sectors;
  }

  /** The current image (base with the overlay applied) as a new array. */
  snapshotBytes(): Uint8Array {
    const out = new Uint8Array(this.sectorCount * SECTOR_SIZE);
    if (this.base !== null) out.set(this.base);
    for (let page = 0; page < this.pages.length; page++) {
      const overlay = this.pages[page];
      if (overlay !== undefined) out.set(overlay, page * PAGE_SECTORS * SECTOR_SIZE);
    }
    return out;
  }

  private allocatePage(page: number): Uint8Array {
    const first = page * PAGE_SECTORS;
    const sectors = Math.min(PAGE_SECTORS, this.sectorCount - first);
    const overlay = new Uint8Array(sectors * SECTOR_SIZE);
    if (this.base !== null) overlay.set(this.base.subarray(first * SECTOR_SIZE, (first + sectors) * SECTOR_SIZE));
    this.pages[page] = overlay;
    return overlay;
  }

  private checkRange(what: string, sector: number, count: number, buffer: Uint8Array, offset: number): void {
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 0 || sector + count > this.sectorCount) {
      throw new RangeError(`disk ${this.name}: ${what} of ${count} sectors at sector ${sector} is outside its ${this.sectorCount} sectors`);
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + count * SECTOR_SIZE > buffer.length) {
      throw new RangeError(`disk ${this.name}: ${what} of ${count} sectors does not fit the buffer at offset ${offset}`);
    }
  }
}

class ReadOnlyError extends Error {}

/** The BLOCK_ERROR_… code for an error RamDisk threw. */
function errorCode(error: unknown): string {
  if (error instanceof RangeError) return BLOCK_ERROR_RANGE;
  if (error instanceof ReadOnlyError) return BLOCK_ERROR_READ_ONLY;
  return BLOCK_ERROR_IO;
}
