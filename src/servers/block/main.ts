// The block server: owns the host disk image files and serves each VM's disks from RAM through
// block sessions (src/protocols/block.ts). README.md says what it owns, its protocol and its policy.
//
// It runs on host CPU 0 (its program is a closure, made by blockServer, that reads the host files)
// as two threads: `main` answers calls on the endpoint (info, stop), `rings` waits on the doorbell
// notification and works through the request rings of the sessions whose bits are set. The kernel
// has no notification bound to an endpoint, and a receive with a short timeout would keep a
// virtual clock from ever going idle, so each kind of wait has its own thread; both share the
// sessions and, since a thread keeps its host CPU between kernel calls, never interleave inside one.

import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { Sys } from '../../kernel/syscalls.js';
import type { ThreadBody } from '../../kernel/thread.js';
import { checkDiskImage, RamDisk, SECTOR_SIZE } from '../../hw/block.js';
import {
  BLOCK_COMPLETIONS_CONSUMED_OFFSET,
  BLOCK_COMPLETIONS_PUBLISHED_OFFSET,
  BLOCK_REQUESTS_CONSUMED_OFFSET,
  BLOCK_REQUESTS_PUBLISHED_OFFSET,
  BLOCK_RING_ENTRIES,
  BlockOperation,
  BlockSessionMemory,
  BlockStatus,
  decodeBlockRequest,
  decodeRingRequest,
  encodeBlockReply,
  encodeRingCompletion,
  type BlockSessionReply,
} from '../../protocols/block.js';
import { parseLog, WAL_MAX_RECORD_SECTORS, WAL_SUFFIX, WriteAheadImage, type SectorRun } from './write-ahead-log.js';

export type BlockSessionMode = 'copy-on-write' | 'persist' | 'read-only';

/** One session: which disk of which VM, its image file and mode, and the capabilities it uses. */
export interface BlockSessionConfig {
  /** The badge of the session's capability to the server's endpoint (1 … 2³²−1). */
  badge: number;
  vm: string;
  /** The disk's name within the VM; `info` reports it. */
  disk: string;
  /** The host image file. */
  file: string;
  /** Default copy-on-write. */
  mode?: BlockSessionMode;
  /**
   * The session's bit in the server's doorbell notification, as a mask with one bit set (the badge
   * of the client's doorbell capability); default 1 << its index in `sessions`.
   */
  doorbellBit?: number;
  /** Name of this task's capability to the session dataspace (rw). */
  ringCap: string;
  /** Name of this task's capability to the client's notification (w). */
  clientNotificationCap: string;
  /** The mask (one bit set) the server signals there after posting completions. */
  clientNotificationBit: number;
}

export interface BlockServerOptions {
  sessions: BlockSessionConfig[];
  /** Name of the server's endpoint capability; default "requests". */
  endpoint?: string;
  /** Name of the server's doorbell notification; default "doorbell". */
  doorbell?: string;
  /** The badge whose holder may call `stop` (a supervisor); none by default. */
  controlBadge?: number;
  /** Where the server reports recoveries and failures (default: nowhere). */
  log?: (line: string) => void;
}

/** The program, with a host-side shutdown for a process that is about to exit. */
export type BlockServerProgram = ThreadBody & {
  /** Flushes every persisting session (synchronously) and stops serving. Idempotent. */
  shutdown(): void;
};

/** One disk of one VM, as served. */
class ServedDisk {
  readonly disk: RamDisk;
  /** Sectors written since the last flush (persisting sessions only). */
  readonly dirty = new Set<number>();
  memory: BlockSessionMemory | null = null;
  ringSlot = -1;
  notifySlot = -1;

  constructor(
    readonly options: BlockSessionConfig,
    readonly mode: BlockSessionMode,
    /** Masks, unsigned. */
    readonly doorbellBit: number,
    readonly notifyBit: number,
    base: Uint8Array,
    readonly image: WriteAheadImage | null,
  ) {
    this.disk = RamDisk.fromBytes(options.file, base, { readOnly: mode === 'read-only' });
  }

  get label(): string {
    return `${this.options.vm}/${this.options.disk}`;
  }
}

/** Checks a notification mask with exactly one of its 32 bits set; returns it unsigned (1 << 31 is negative in JavaScript). */
function checkBit(value: unknown, what: string): number {
  const mask = typeof value === 'number' && Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x8000_0000 ? value >>> 0 : 0;
  if (mask === 0 || (mask & (mask - 1)) !== 0) {
    throw new Error(`block server: ${what} is ${String(value)}, not a mask with one of 32 bits set (1 << n, n = 0 … 31)`);
  }
  return mask;
}

/**
 * Checks the options, recovers leftover logs and reads every image into RAM, then returns the
 * server's program. Throws an Error naming the file or session at fault: a missing image, one that
 * is not a whole number of sectors, two sessions persisting to one file, clashing badges or bits.
 */
export function blockServer(options: BlockServerOptions): BlockServerProgram {
  const log = options.log ?? ((): void => undefined);
  const sessions = options.sessions;
  if (sessions.length > 32) throw new Error(`block server: ${sessions.length} sessions, but one doorbell notification has room for 32`);
  const badges = new Set<number>();
  const bits = new Set<number>();
  const persisted = new Map<string, string>();
  const planned = sessions.map((session, index) => {
    const label = `${session.vm}/${session.disk}`;
    if (!Number.isInteger(session.badge) || session.badge < 1 || session.badge > 0xffff_ffff) throw new Error(`block server: session ${label} has badge ${session.badge}, not 1 … 2³²−1`);
    if (badges.has(session.badge) || session.badge === options.controlBadge) throw new Error(`block server: badge ${session.badge} of session ${label} is used twice`);
    badges.add(session.badge);
    const bit = checkBit(session.doorbellBit ?? (1 << index) >>> 0, `the doorbell bit of session ${label}`);
    if (bits.has(bit)) throw new Error(`block server: doorbell bit ${bit.toString(16)}h of session ${label} is used twice`);
    bits.add(bit);
    const notifyBit = checkBit(session.clientNotificationBit, `the client notification bit of session ${label}`);
    const mode = session.mode ?? 'copy-on-write';
    if (mode !== 'copy-on-write' && mode !== 'persist' && mode !== 'read-only') throw new Error(`block server: session ${label} has mode ${String(mode)}, not copy-on-write, persist or read-only`);
    if (!existsSync(session.file)) throw new Error(`disk image ${session.file} of ${label} does not exist: give the path of a raw disk image`);
    const stat = statSync(session.file);
    if (!stat.isFile()) throw new Error(`disk image ${session.file} of ${label} is not a file`);
    checkDiskImage(session.file, stat.size);
    const real = realpathSync(session.file);
    if (mode === 'persist') {
      const other = persisted.get(real);
      if (other !== undefined) throw new Error(`disk image ${session.file} is persisted by both ${other} and ${label}: two sessions writing one file would corrupt it; give one of them mode copy-on-write`);
      persisted.set(real, label);
    }
    return { session, mode, bit, notifyBit, real };
  });

  // Each file once: recover a leftover log (into the file when a session persists to it; in RAM
  // only otherwise, since copy-on-write never writes the host file), then read it.
  const bases = new Map<string, Uint8Array>();
  for (const { session, real } of planned) {
    if (bases.has(real)) continue;
    const sectorCount = statSync(real).size / SECTOR_SIZE;
    if (persisted.has(real)) {
      const recovered = WriteAheadImage.recover(session.file, sectorCount);
      if (recovered.batches > 0 || recovered.ignoredBytes > 0) {
        log(`block: ${session.file}: replayed ${recovered.batches} committed flush(es), ${recovered.sectors} sectors, from its log; ignored ${recovered.ignoredBytes} bytes of an unfinished one`);
      }
    }
    const bytes = new Uint8Array(readFileSync(real));
    if (!persisted.has(real) && existsSync(session.file + WAL_SUFFIX)) {
      for (const batch of parseLog(readFileSync(session.file + WAL_SUFFIX), sectorCount, session.file + WAL_SUFFIX).batches) {
        for (const run of batch) bytes.set(run.data, run.sector * SECTOR_SIZE);
      }
    }
    bases.set(real, bytes);
  }
  const served = planned.map(({ session, mode, bit, notifyBit, real }) => {
    const base = bases.get(real);
    if (base === undefined) throw new Error(`block server: ${session.file} was not read`);
    return new ServedDisk(session, mode, bit, notifyBit, base, mode === 'persist' ? new WriteAheadImage(session.file) : null);
  });

  let stopped = false;

  /** Makes a persisting session's writes durable; returns the error code, or null. */
  const flushDisk = (disk: ServedDisk): string | null => {
    if (disk.image === null || disk.dirty.size === 0) return null;
    const sectors = [...disk.dirty].sort((a, b) => a - b);
    const runs: SectorRun[] = [];
    for (let i = 0; i < sectors.length; ) {
      let count = 1;
      while (i + count < sectors.length && sectors[i + count] === sectors[i] + count && count < WAL_MAX_RECORD_SECTORS) count++;
      const data = new Uint8Array(count * SECTOR_SIZE);
      disk.disk.read(sectors[i], count, data, 0);
      runs.push({ sector: sectors[i], data });
      i += count;
    }
    try {
      disk.image.commit(runs);
    } catch (error) {
      log(`block: ${disk.label}: flush to ${disk.options.file} failed: ${(error as Error).message}`);
      return 'io';
    }
    disk.dirty.clear();
    return null;
  };

  const shutdown = (): void => {
    if (stopped) return;
    stopped = true;
    for (const disk of served) {
      flushDisk(disk);
      disk.image?.close();
    }
  };

  /** Carries out one request of a session's ring. */
  const handle = (disk: ServedDisk, memory: BlockSessionMemory, operation: number, sector: number, count: number, dataOffset: number): BlockStatus => {
    if (stopped) return BlockStatus.Io; // shut down from the host side: the images are closed
    if (operation === BlockOperation.Flush) return flushDisk(disk) === null ? BlockStatus.Ok : BlockStatus.Io;
    if (operation !== BlockOperation.Read && operation !== BlockOperation.Write) return BlockStatus.Invalid;
    if (count === 0 || !memory.dataFits(dataOffset, count)) return BlockStatus.Invalid;
    if (sector + count > disk.disk.sectorCount) return BlockStatus.OutOfRange;
    if (operation === BlockOperation.Read) {
      disk.disk.read(sector, count, memory.bytes, dataOffset);
      return BlockStatus.Ok;
    }
    if (disk.mode === 'read-only') return BlockStatus.ReadOnly;
    disk.disk.write(sector, count, memory.bytes, dataOffset);
    if (disk.image !== null) for (let s = sector; s < sector + count; s++) disk.dirty.add(s);
    return BlockStatus.Ok;
  };

  /** Works through a session's request ring, posts the completions and rings the client's doorbell. */
  const drain = async (sys: Sys, disk: ServedDisk): Promise<void> => {
    if (disk.memory === null) {
      const region = sys.region(disk.ringSlot);
      const view = region.ok ? region.value.view() : null;
      if (view === null) {
        log(`block: ${disk.label}: capability "${disk.options.ringCap}" is not a dataspace mapped read-write; the session is not served`);
        return;
      }
      disk.memory = new BlockSessionMemory(view);
    }
    const memory = disk.memory;
    if (!memory.ready) return;
    let consumed = memory.load(BLOCK_REQUESTS_CONSUMED_OFFSET);
    let completions = memory.load(BLOCK_COMPLETIONS_PUBLISHED_OFFSET);
    const published = memory.load(BLOCK_REQUESTS_PUBLISHED_OFFSET);
    let posted = false;
    // At most a ring's worth per doorbell: a client that publishes nonsense cannot hold the server.
    for (let n = 0; n < BLOCK_RING_ENTRIES && consumed !== published; n++) {
      if (((completions - memory.load(BLOCK_COMPLETIONS_CONSUMED_OFFSET)) | 0) >= BLOCK_RING_ENTRIES) break;
      const request = decodeRingRequest(memory, consumed);
      const status = handle(disk, memory, request.operation, request.sector, request.count, request.dataOffset);
      encodeRingCompletion(memory, completions, { tag: request.tag, status });
      consumed = (consumed + 1) | 0;
      completions = (completions + 1) | 0;
      memory.store(BLOCK_REQUESTS_CONSUMED_OFFSET, consumed);
      memory.store(BLOCK_COMPLETIONS_PUBLISHED_OFFSET, completions);
      posted = true;
    }
    if (posted) await sys.signal(disk.notifySlot, disk.notifyBit);
  };

  const capability = (sys: Sys, name: string, what: string): number => {
    const slot = sys.capability(name);
    if (slot < 0) throw new Error(`block server: task ${sys.taskName} has no capability "${name}" (${what})`);
    return slot;
  };

  const body = async (sys: Sys): Promise<void> => {
    const endpoint = capability(sys, options.endpoint ?? 'requests', 'its endpoint');
    const doorbell = capability(sys, options.doorbell ?? 'doorbell', 'its doorbell notification');
    for (const disk of served) {
      disk.ringSlot = capability(sys, disk.options.ringCap, `the session dataspace of ${disk.label}`);
      disk.notifySlot = capability(sys, disk.options.clientNotificationCap, `the notification of ${disk.label}`);
    }
    const spawned = sys.spawn('rings', async (rings: Sys) => {
      while (!stopped) {
        const woken = await rings.wait(doorbell);
        if (!woken.ok || stopped) return;
        for (const disk of served) if ((woken.value & disk.doorbellBit) !== 0) await drain(rings, disk);
      }
    });
    if (!spawned.ok) throw new Error(`block server: cannot start its rings thread (${spawned.error})`);

    const bySession = new Map(served.map((disk) => [disk.options.badge, disk]));
    let received = await sys.receive(endpoint);
    while (received.ok && !stopped) {
      const request = decodeBlockRequest(received.tag);
      const disk = bySession.get(received.badge);
      let reply: BlockSessionReply;
      if (request === null) reply = { op: 'refused', error: 'unknown-request' };
      else if (request.op === 'info') {
        reply = disk === undefined
          ? { op: 'refused', error: 'unknown-session' }
          : { op: 'info', sectorCount: disk.disk.sectorCount, readOnly: disk.mode === 'read-only', name: disk.options.disk };
      } else if (options.controlBadge === undefined || received.badge !== options.controlBadge) {
        reply = { op: 'refused', error: 'not-allowed' };
      } else {
        // Take what is already queued, make it durable, answer, and end both threads.
        for (const served of bySession.values()) await drain(sys, served);
        shutdown();
        await sys.reply(encodeBlockReply(sys, { op: 'stopped' }));
        // Any bit wakes the rings thread, which sees `stopped` and ends (signal with 0 bits is a no-op in ipc.ts).
        await sys.signal(doorbell, 1);
        return;
      }
      received = await sys.replyWait(endpoint, encodeBlockReply(sys, reply));
    }
  };
  return Object.assign(body, { shutdown });
}
