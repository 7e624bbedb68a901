// The write-ahead log that makes a persisting block session's flushes atomic on the host file:
// `<image>.l4vm-wal` beside the image holds the sectors of one flush and a commit record, each
// record with a CRC-32; only after the log is synced are the sectors written into the image. The
// format and the guarantee are in README.md ("Persistence").
//
// Host file I/O is synchronous (node:fs *Sync): the block server's thread holds host CPU 0 while
// a flush syncs, which keeps a flush atomic with respect to everything else in the server.

import { closeSync, constants, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SECTOR_SIZE } from '../../hw/block.js';

export const WAL_SUFFIX = '.l4vm-wal';
export const WAL_MAGIC = 0x4c41574c; // "LWAL" little-endian
export const WAL_RECORD_DATA = 1;
export const WAL_RECORD_COMMIT = 2;
export const WAL_HEADER_SIZE = 32;
/** Sectors per data record at most, so that one record stays a modest buffer. */
export const WAL_MAX_RECORD_SECTORS = 256;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG): crc32 of "123456789" is CBF43926h. Pass `crc` to continue one. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** One run of sectors of a flush. */
export interface SectorRun {
  sector: number;
  data: Uint8Array;
}

/** A record: 32-byte header (see README.md) and its payload, with the CRC filled in. */
export function encodeLogRecord(type: number, batch: number, first: number, count: number, payload: Uint8Array | null): Uint8Array {
  const record = new Uint8Array(WAL_HEADER_SIZE + (payload?.length ?? 0));
  const view = new DataView(record.buffer);
  view.setUint32(0, WAL_MAGIC, true);
  view.setUint32(4, type, true);
  view.setUint32(8, batch % 0x1_0000_0000, true);
  view.setUint32(12, Math.floor(batch / 0x1_0000_0000), true);
  view.setUint32(16, first % 0x1_0000_0000, true);
  view.setUint32(20, Math.floor(first / 0x1_0000_0000), true);
  view.setUint32(24, count, true);
  if (payload !== null) record.set(payload, WAL_HEADER_SIZE);
  view.setUint32(28, crc32(record.subarray(WAL_HEADER_SIZE), crc32(record.subarray(0, 28))), true);
  return record;
}

/** The log of one batch: its data records, then the commit record naming how many there were. */
export function encodeBatch(batch: number, runs: readonly SectorRun[]): Uint8Array {
  const records = runs.map((run) => encodeLogRecord(WAL_RECORD_DATA, batch, run.sector, run.data.length / SECTOR_SIZE, run.data));
  records.push(encodeLogRecord(WAL_RECORD_COMMIT, batch, records.length, 0, null));
  const out = new Uint8Array(records.reduce((sum, r) => sum + r.length, 0));
  let at = 0;
  for (const record of records) {
    out.set(record, at);
    at += record.length;
  }
  return out;
}

export interface ParsedLog {
  /** The committed batches, in log order. */
  batches: SectorRun[][];
  /** Bytes after the last committed batch that were ignored (a torn or corrupt tail). */
  ignoredBytes: number;
}

/**
 * Reads the committed batches of a log. Parsing stops at the first record that is cut short,
 * has a wrong magic, type or CRC, or does not belong to the batch being read; what follows the
 * last commit record is ignored. Throws an Error when a committed batch names a sector outside
 * an image of `sectorCount` sectors (the log belongs to another image).
 */
export function parseLog(log: Uint8Array, sectorCount: number, path: string): ParsedLog {
  const view = new DataView(log.buffer, log.byteOffset, log.length);
  const batches: SectorRun[][] = [];
  let at = 0;
  let committedEnd = 0;
  let current: SectorRun[] = [];
  let currentBatch = -1;
  while (at + WAL_HEADER_SIZE <= log.length) {
    if (view.getUint32(at, true) !== WAL_MAGIC) break;
    const type = view.getUint32(at + 4, true);
    const batch = view.getUint32(at + 8, true) + view.getUint32(at + 12, true) * 0x1_0000_0000;
    const first = view.getUint32(at + 16, true) + view.getUint32(at + 20, true) * 0x1_0000_0000;
    const count = view.getUint32(at + 24, true);
    if (type !== WAL_RECORD_DATA && type !== WAL_RECORD_COMMIT) break;
    const payloadBytes = type === WAL_RECORD_DATA ? count * SECTOR_SIZE : 0;
    if (type === WAL_RECORD_DATA && (count === 0 || count > WAL_MAX_RECORD_SECTORS)) break;
    if (at + WAL_HEADER_SIZE + payloadBytes > log.length) break;
    const payload = log.subarray(at + WAL_HEADER_SIZE, at + WAL_HEADER_SIZE + payloadBytes);
    if (crc32(payload, crc32(log.subarray(at, at + 28))) !== view.getUint32(at + 28, true)) break;
    if (currentBatch !== -1 && batch !== currentBatch) break;
    currentBatch = batch;
    at += WAL_HEADER_SIZE + payloadBytes;
    if (type === WAL_RECORD_DATA) {
      current.push({ sector: first, data: payload });
      continue;
    }
    if (first !== current.length) break;
    for (const run of current) {
      if (run.sector + run.data.length / SECTOR_SIZE > sectorCount) {
        throw new Error(
          `write-ahead log ${path} has a committed write to sector ${run.sector}, outside its image of ${sectorCount} sectors: ` +
            `it belongs to another image; move it away to use this one as it is`,
        );
      }
    }
    batches.push(current);
    current = [];
    currentBatch = -1;
    committedEnd = at;
  }
  return { batches, ignoredBytes: log.length - committedEnd };
}

/** Writes `data` at `position` of an open file, all of it. */
function writeAll(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

/** Makes a new or truncated file's directory entry durable. */
function syncDirectory(path: string): void {
  let fd = -1;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // Some systems cannot sync a directory; a crash of the process cannot lose the entry anyway.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * An image file opened for persisting flushes through its log. Replaying a leftover log happens in
 * `recover` before the image is read; `commit` is one flush.
 */
export class WriteAheadImage {
  private readonly imageFd: number;
  private readonly logFd: number;
  private batch = 1;
  /** Set when a commit failed after its log was synced: the log must stay for the next start. */
  private broken: string | null = null;

  constructor(readonly path: string) {
    this.imageFd = openSync(path, 'r+');
    const logPath = path + WAL_SUFFIX;
    const created = !existsSync(logPath);
    // Not O_APPEND: Linux's pwrite ignores the position on such a file.
    this.logFd = openSync(logPath, constants.O_RDWR | constants.O_CREAT, 0o644);
    if (created) syncDirectory(logPath);
  }

  /**
   * Applies the committed batches of a leftover log to the image file and empties the log.
   * Returns what was done, for the server's log.
   */
  static recover(path: string, sectorCount: number): { batches: number; sectors: number; ignoredBytes: number } {
    const logPath = path + WAL_SUFFIX;
    if (!existsSync(logPath)) return { batches: 0, sectors: 0, ignoredBytes: 0 };
    const parsed = parseLog(readFileSync(logPath), sectorCount, logPath);
    let sectors = 0;
    if (parsed.batches.length > 0) {
      const fd = openSync(path, 'r+');
      try {
        for (const batch of parsed.batches) {
          for (const run of batch) {
            writeAll(fd, run.data, run.sector * SECTOR_SIZE);
            sectors += run.data.length / SECTOR_SIZE;
          }
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    if (parsed.batches.length > 0 || parsed.ignoredBytes > 0) {
      const fd = openSync(logPath, 'r+');
      try {
        ftruncateSync(fd, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    return { batches: parsed.batches.length, sectors, ignoredBytes: parsed.ignoredBytes };
  }

  /**
   * Makes `runs` durable in the image, atomically: the log is written and synced, then the image,
   * then the log is emptied. Throws on an I/O error; after a failure past the log's sync the
   * image refuses further commits (the log stays, to be replayed at the next start).
   */
  commit(runs: readonly SectorRun[]): void {
    if (this.broken !== null) throw new Error(this.broken);
    if (runs.length === 0) return;
    const log = encodeBatch(this.batch++, runs);
    ftruncateSync(this.logFd, 0);
    writeAll(this.logFd, log, 0);
    fsyncSync(this.logFd);
    try {
      for (const run of runs) writeAll(this.imageFd, run.data, run.sector * SECTOR_SIZE);
      fsyncSync(this.imageFd);
      ftruncateSync(this.logFd, 0);
      fsyncSync(this.logFd);
    } catch (error) {
      this.broken = `disk image ${this.path}: a flush failed after its log was written (${(error as Error).message}); its log ${this.path}${WAL_SUFFIX} will complete it at the next start`;
      throw error;
    }
  }

  close(): void {
    closeSync(this.imageFd);
    closeSync(this.logFd);
  }
}
