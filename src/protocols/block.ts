// The block session protocol, shared by the block server (src/servers/block/) and the VMM tasks
// whose disk controllers use it. One session is one disk of one VM, as in Genode's block session:
// bulk traffic goes through a shared dataspace holding a request ring, a completion ring and the
// data buffers, with a doorbell each way; only `info` (and the supervisor's `stop`) are IPC calls.
//
// Objects of a session:
// - the session dataspace, created by the client's VMM task and mapped read-write into the server;
// - the server's endpoint: `info` and `stop` are calls on it, and the caller's badge names the session;
// - the server's notification, the client→server doorbell: after queueing requests the client
//   signals it through a capability badged with its session's bit (1 << doorbellBit, so up to 32
//   sessions share one server notification);
// - the client's notification, the server→client doorbell: after posting completions the server
//   signals it with a bit the client chose (it may share the notification with other devices).
//
// The session dataspace (all numbers little-endian 32-bit words; offsets from the start of the
// mapping, which must start at a multiple of 4 bytes of the dataspace):
//
//   offset   size          field                                   written by
//   0x000    4             magic 0x4b42344c ("L4BK")               client, last step of open
//   0x004    4             version (1)                             client, at open
//   0x008    4             requests published (free-running count) client (Atomics.store)
//   0x00c    4             requests consumed  (free-running count) server (Atomics.store)
//   0x010    4             completions published                   server (Atomics.store)
//   0x014    4             completions consumed                    client (Atomics.store)
//   0x018    40            reserved, 0
//   0x040    64 × 32       request ring; entry i % 64 at 0x040 + 32 × (i % 64):
//                            +0 operation (1 read, 2 write, 3 flush)  +4 tag
//                            +8 first sector, low 32 bits          +12 first sector, high bits
//                            +16 sector count (0 for a flush)       +20 data offset (bytes, from 0x000)
//                            +24, +28 reserved, 0                  client, before publishing
//   0x840    64 × 16       completion ring; entry i % 64 at 0x840 + 16 × (i % 64):
//                            +0 tag  +4 status (BlockStatus)  +8, +12 reserved, 0
//                                                                  server, before publishing
//   0xc40    0x3c0         reserved
//   0x1000   to the end    data area: whole sectors (the size minus 4 KiB, rounded down to 512);
//                            a request's data lies at its data offset, count × 512 bytes,
//                            inside this area. Write data: client, before publishing the
//                            request. Read data: server, before publishing the completion.
//
// Indices are free-running 32-bit counters (wrapping; differences are taken with `| 0`): a ring
// holds `published - consumed` entries. Each side writes an entry (and its data) with plain stores
// and then publishes it with Atomics.store on its index; the other side reads the index with
// Atomics.load before the entry. Atomics are sequentially consistent in JavaScript's memory model,
// so the plain stores before the publishing store are visible after the load that sees it, also
// when client and server run on different host CPUs (worker threads sharing the SharedArrayBuffer).
// The client keeps at most 64 requests in flight (published, not yet completed), so the completion
// ring never overflows; the server completes a request only when it has room to post it.
//
// The server handles each session's requests in ring order: a flush completes after every request
// published before it, and a read after a write to the same sector sees the write.

import type { Sys } from '../kernel/syscalls.js';
import type { ReceivedItem, Tag } from '../kernel/types.js';
import {
  BLOCK_ERROR_INVALID,
  BLOCK_ERROR_IO,
  BLOCK_ERROR_RANGE,
  BLOCK_ERROR_READ_ONLY,
  SECTOR_SIZE,
  type BlockBackend,
  type BlockDone,
} from '../hw/block.js';

export const BLOCK_SESSION_MAGIC = 0x4b42344c;
export const BLOCK_SESSION_VERSION = 1;
/** Byte offsets of the header words. */
export const BLOCK_MAGIC_OFFSET = 0x000;
export const BLOCK_VERSION_OFFSET = 0x004;
export const BLOCK_REQUESTS_PUBLISHED_OFFSET = 0x008;
export const BLOCK_REQUESTS_CONSUMED_OFFSET = 0x00c;
export const BLOCK_COMPLETIONS_PUBLISHED_OFFSET = 0x010;
export const BLOCK_COMPLETIONS_CONSUMED_OFFSET = 0x014;
/** Entries in each ring (a power of two). */
export const BLOCK_RING_ENTRIES = 64;
export const BLOCK_REQUEST_RING_OFFSET = 0x040;
export const BLOCK_REQUEST_ENTRY_SIZE = 32;
export const BLOCK_COMPLETION_RING_OFFSET = BLOCK_REQUEST_RING_OFFSET + BLOCK_RING_ENTRIES * BLOCK_REQUEST_ENTRY_SIZE; // 0x840
export const BLOCK_COMPLETION_ENTRY_SIZE = 16;
export const BLOCK_DATA_OFFSET = 0x1000;
/** The smallest session dataspace: the header, the rings and one sector of data. */
export const BLOCK_SESSION_MIN_SIZE = BLOCK_DATA_OFFSET + SECTOR_SIZE;
/** A good size for an IDE disk: 64 KiB of data, eight blocks of READ/WRITE MULTIPLE 16. */
export const BLOCK_SESSION_BYTES = BLOCK_DATA_OFFSET + 0x10000;

export enum BlockOperation {
  Read = 1,
  Write = 2,
  Flush = 3,
}

/** Completion status in the ring; the error codes are BlockBackend's (src/hw/block.ts). */
export enum BlockStatus {
  Ok = 0,
  OutOfRange = 1,
  ReadOnly = 2,
  Io = 3,
  Invalid = 4,
}

const STATUS_TEXT: readonly string[] = ['', BLOCK_ERROR_RANGE, BLOCK_ERROR_READ_ONLY, BLOCK_ERROR_IO, BLOCK_ERROR_INVALID];

/** The error code of a status (null for Ok); an unknown status reads as `io`. */
export function blockStatusText(status: number): string | null {
  if (status === BlockStatus.Ok) return null;
  return STATUS_TEXT[status] ?? BLOCK_ERROR_IO;
}

/** The status for an error code (BLOCK_ERROR_…); an unknown code becomes Io. */
export function blockStatusOf(error: string | null): BlockStatus {
  if (error === null) return BlockStatus.Ok;
  const index = STATUS_TEXT.indexOf(error);
  return index > 0 ? (index as BlockStatus) : BlockStatus.Io;
}

export interface RingRequest {
  /** A BlockOperation; the server answers anything else with Invalid. */
  operation: number;
  tag: number;
  sector: number;
  /** Sectors; 0 for a flush. */
  count: number;
  /** Byte offset of the data from the start of the session dataspace; 0 for a flush. */
  dataOffset: number;
}

export interface RingCompletion {
  tag: number;
  status: BlockStatus;
}

/** The shared part of a session as both sides see it: typed views over the dataspace mapping. */
export class BlockSessionMemory {
  readonly words: Int32Array;
  /** Bytes of whole data sectors, from BLOCK_DATA_OFFSET. */
  readonly dataSize: number;

  constructor(readonly bytes: Uint8Array) {
    if (bytes.length < BLOCK_SESSION_MIN_SIZE) {
      throw new RangeError(`a block session dataspace of ${bytes.length} bytes is too small: it needs at least ${BLOCK_SESSION_MIN_SIZE} (4 KiB of rings and one sector of data)`);
    }
    if (bytes.byteOffset % 4 !== 0 || !(bytes.buffer instanceof SharedArrayBuffer)) {
      throw new RangeError('a block session dataspace must be shared memory mapped at a multiple of 4 bytes');
    }
    this.words = new Int32Array(bytes.buffer, bytes.byteOffset, BLOCK_DATA_OFFSET / 4);
    this.dataSize = Math.floor((bytes.length - BLOCK_DATA_OFFSET) / SECTOR_SIZE) * SECTOR_SIZE;
  }

  load(offset: number): number {
    return Atomics.load(this.words, offset >>> 2);
  }

  store(offset: number, value: number): void {
    Atomics.store(this.words, offset >>> 2, value | 0);
  }

  /** True once the client has laid out the session (magic and version). */
  get ready(): boolean {
    return this.load(BLOCK_MAGIC_OFFSET) === (BLOCK_SESSION_MAGIC | 0) && this.load(BLOCK_VERSION_OFFSET) === BLOCK_SESSION_VERSION;
  }

  /** Whether `count` sectors at `dataOffset` lie inside the data area. */
  dataFits(dataOffset: number, count: number): boolean {
    return dataOffset >= BLOCK_DATA_OFFSET && count >= 0 && dataOffset + count * SECTOR_SIZE <= BLOCK_DATA_OFFSET + this.dataSize;
  }
}

/** Writes request `index` (a free-running count) into its ring entry; publish it afterwards. */
export function encodeRingRequest(memory: BlockSessionMemory, index: number, request: RingRequest): void {
  const at = (BLOCK_REQUEST_RING_OFFSET + (index & (BLOCK_RING_ENTRIES - 1)) * BLOCK_REQUEST_ENTRY_SIZE) >>> 2;
  const words = memory.words;
  words[at] = request.operation;
  words[at + 1] = request.tag | 0;
  words[at + 2] = request.sector % 0x1_0000_0000 | 0;
  words[at + 3] = Math.floor(request.sector / 0x1_0000_0000) | 0;
  words[at + 4] = request.count | 0;
  words[at + 5] = request.dataOffset | 0;
  words[at + 6] = 0;
  words[at + 7] = 0;
}

/** Reads request `index` (its operation may be one this version does not know). */
export function decodeRingRequest(memory: BlockSessionMemory, index: number): RingRequest {
  const at = (BLOCK_REQUEST_RING_OFFSET + (index & (BLOCK_RING_ENTRIES - 1)) * BLOCK_REQUEST_ENTRY_SIZE) >>> 2;
  const words = memory.words;
  return {
    operation: words[at] >>> 0,
    tag: words[at + 1] >>> 0,
    sector: (words[at + 3] >>> 0) * 0x1_0000_0000 + (words[at + 2] >>> 0),
    count: words[at + 4] >>> 0,
    dataOffset: words[at + 5] >>> 0,
  };
}

export function encodeRingCompletion(memory: BlockSessionMemory, index: number, completion: RingCompletion): void {
  const at = (BLOCK_COMPLETION_RING_OFFSET + (index & (BLOCK_RING_ENTRIES - 1)) * BLOCK_COMPLETION_ENTRY_SIZE) >>> 2;
  const words = memory.words;
  words[at] = completion.tag | 0;
  words[at + 1] = completion.status;
  words[at + 2] = 0;
  words[at + 3] = 0;
}

export function decodeRingCompletion(memory: BlockSessionMemory, index: number): RingCompletion {
  const at = (BLOCK_COMPLETION_RING_OFFSET + (index & (BLOCK_RING_ENTRIES - 1)) * BLOCK_COMPLETION_ENTRY_SIZE) >>> 2;
  return { tag: memory.words[at] >>> 0, status: memory.words[at + 1] as BlockStatus };
}

// ---- the IPC part: calls on the server's endpoint ----

/** Message labels of the calls. */
export const BLOCK_LABEL_INFO = 0x626c_0001;
export const BLOCK_LABEL_STOP = 0x626c_0002;
/** Reply labels. */
export const BLOCK_REPLY_INFO = 0x626c_8001;
export const BLOCK_REPLY_STOPPED = 0x626c_8002;
export const BLOCK_REPLY_REFUSED = 0x626c_80ff;

export type BlockSessionRequest =
  /** The disk of the caller's session (the badge says which). */
  | { op: 'info' }
  /** Flush every persisting session and end the server; only for the supervisor's badge. */
  | { op: 'stop' };

export type BlockSessionReply =
  | { op: 'info'; sectorCount: number; readOnly: boolean; name: string }
  | { op: 'stopped' }
  /** `error`: `unknown-session`, `not-allowed`, `unknown-request`. */
  | { op: 'refused'; error: string };

const INFO_READ_ONLY = 1;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function encodeBlockRequest(sys: Pick<Sys, 'message'>, request: BlockSessionRequest): Tag {
  return sys.message(request.op === 'info' ? BLOCK_LABEL_INFO : BLOCK_LABEL_STOP);
}

export function decodeBlockRequest(tag: Tag): BlockSessionRequest | null {
  if (tag.label === BLOCK_LABEL_INFO) return { op: 'info' };
  if (tag.label === BLOCK_LABEL_STOP) return { op: 'stop' };
  return null;
}

export function encodeBlockReply(sys: Pick<Sys, 'message'>, reply: BlockSessionReply): Tag {
  switch (reply.op) {
    case 'info':
      return sys.message(
        BLOCK_REPLY_INFO,
        [reply.sectorCount % 0x1_0000_0000, Math.floor(reply.sectorCount / 0x1_0000_0000), reply.readOnly ? INFO_READ_ONLY : 0],
        [{ kind: 'string', bytes: textEncoder.encode(reply.name) }],
      );
    case 'stopped':
      return sys.message(BLOCK_REPLY_STOPPED);
    case 'refused':
      return sys.message(BLOCK_REPLY_REFUSED, [], [{ kind: 'string', bytes: textEncoder.encode(reply.error) }]);
  }
}

export function decodeBlockReply(tag: Tag, mr: Uint32Array, received: readonly ReceivedItem[]): BlockSessionReply | null {
  const text = (): string => {
    const item = received[0];
    return tag.items > 0 && item !== undefined && item.kind === 'string' ? textDecoder.decode(item.bytes) : '';
  };
  if (tag.label === BLOCK_REPLY_INFO && tag.words >= 3) {
    return { op: 'info', sectorCount: mr[1] * 0x1_0000_0000 + mr[0], readOnly: (mr[2] & INFO_READ_ONLY) !== 0, name: text() };
  }
  if (tag.label === BLOCK_REPLY_STOPPED) return { op: 'stopped' };
  if (tag.label === BLOCK_REPLY_REFUSED) return { op: 'refused', error: text() };
  return null;
}

// ---- the client ----

/** The slots of a session's capabilities in the client's task. */
export interface BlockSessionSlots {
  /** The server's endpoint, badged with the session's badge (`w`). */
  server: number;
  /** The session dataspace (`rw`). */
  ring: number;
  /** The server's notification, badged with 1 << the session's doorbell bit (`w`). */
  doorbell: number;
}

/** One piece of a request as it goes through the ring (requests bigger than the data area are split). */
interface Piece {
  operation: BlockOperation;
  sector: number;
  count: number;
  buffer: Uint8Array | null;
  bufferOffset: number;
  /** Where its data lies in the data area, while it is in flight. */
  dataOffset: number;
  whole: WholeRequest;
}

interface WholeRequest {
  pieces: number;
  error: string | null;
  done: BlockDone;
}

/**
 * A block session as a BlockBackend, for a disk controller inside a VMM task. Requests go into
 * the ring at once when there is room (otherwise they wait in order in the client); the doorbell
 * is rung and completions are delivered by `poll`, which the VMM awaits after each slice of guest
 * CPU time and whenever its notification shows the session's bit. So `done` is never called from
 * inside read, write or flush. Requests bigger than the data area are split into pieces that fit;
 * `done` comes once, when all pieces are done (with the first error, if any).
 */
export class BlockSessionClient implements BlockBackend {
  private readonly memory: BlockSessionMemory;
  /** One entry per data-area sector: whether a piece in flight holds it. */
  private readonly dataBusy: Uint8Array;
  private readonly inFlight = new Map<number, Piece>();
  private readonly waiting: Piece[] = [];
  private nextTag = 1;
  private doorbellDue = false;

  private constructor(
    private readonly sys: Sys,
    private readonly slots: BlockSessionSlots,
    bytes: Uint8Array,
    readonly name: string,
    readonly sectorCount: number,
    readonly readOnly: boolean,
  ) {
    this.memory = new BlockSessionMemory(bytes);
    this.dataBusy = new Uint8Array(this.memory.dataSize / SECTOR_SIZE);
  }

  /**
   * Lays out the session dataspace and asks the server about the disk (`info`). Throws an Error
   * that names what is wrong (a capability missing, the server refusing the session).
   */
  static async open(sys: Sys, slots: BlockSessionSlots): Promise<BlockSessionClient> {
    const region = sys.region(slots.ring);
    const bytes = region.ok ? region.value.view() : null;
    if (bytes === null) throw new Error(`block session: capability ${slots.ring} is not a dataspace mapped read-write`);
    const memory = new BlockSessionMemory(bytes);
    // Zero the header and rings, then publish the magic last, so a server never sees half a layout.
    memory.words.fill(0);
    memory.store(BLOCK_VERSION_OFFSET, BLOCK_SESSION_VERSION);
    memory.store(BLOCK_MAGIC_OFFSET, BLOCK_SESSION_MAGIC);
    const answer = await sys.call(slots.server, encodeBlockRequest(sys, { op: 'info' }));
    if (!answer.ok) throw new Error(`block session: the info call to the block server failed (${answer.error})`);
    const reply = decodeBlockReply(answer.tag, sys.mr, sys.received);
    if (reply === null || reply.op !== 'info') {
      throw new Error(`block session: the block server refused info${reply?.op === 'refused' ? ` (${reply.error})` : ''}`);
    }
    return new BlockSessionClient(sys, slots, bytes, reply.name, reply.sectorCount, reply.readOnly);
  }

  /** Requests given to this client and not yet done. */
  get outstanding(): number {
    return this.inFlight.size + this.waiting.length;
  }

  /**
   * True when requests went into the ring since the last poll, so the server has not been told:
   * a VMM may end its slice early to poll, rather than leave a guest spinning on BSY.
   */
  get doorbellPending(): boolean {
    return this.doorbellDue;
  }

  read(sector: number, count: number, into: Uint8Array, offset: number, done: BlockDone): void {
    this.enqueue(BlockOperation.Read, sector, count, into, offset, done);
  }

  write(sector: number, count: number, from: Uint8Array, offset: number, done: BlockDone): void {
    this.enqueue(BlockOperation.Write, sector, count, from, offset, done);
  }

  flush(done: BlockDone): void {
    const whole: WholeRequest = { pieces: 1, error: null, done };
    this.waiting.push({ operation: BlockOperation.Flush, sector: 0, count: 0, buffer: null, bufferOffset: 0, dataOffset: 0, whole });
    this.submit();
  }

  /**
   * Delivers the completions the server posted (running their `done`), puts waiting requests into
   * the ring, and rings the server's doorbell if anything new is there. A preemption point.
   */
  async poll(): Promise<void> {
    for (;;) {
      this.reap();
      this.submit();
      if (!this.doorbellDue) return;
      this.doorbellDue = false;
      await this.sys.signal(this.slots.doorbell);
    }
  }

  private enqueue(operation: BlockOperation, sector: number, count: number, buffer: Uint8Array, offset: number, done: BlockDone): void {
    // Refuse what the server would refuse, without a round trip; errors still come through done.
    let error: string | null = null;
    if (!Number.isSafeInteger(sector) || !Number.isSafeInteger(count) || sector < 0 || count < 0 || sector + count > this.sectorCount) error = BLOCK_ERROR_RANGE;
    else if (!Number.isSafeInteger(offset) || offset < 0 || offset + count * SECTOR_SIZE > buffer.length) error = BLOCK_ERROR_INVALID;
    else if (operation === BlockOperation.Write && this.readOnly) error = BLOCK_ERROR_READ_ONLY;
    if (error !== null || count === 0) {
      done(error);
      return;
    }
    const most = this.dataBusy.length;
    const whole: WholeRequest = { pieces: Math.ceil(count / most), error: null, done };
    for (let first = 0; first < count; first += most) {
      const pieceCount = Math.min(most, count - first);
      this.waiting.push({ operation, sector: sector + first, count: pieceCount, buffer, bufferOffset: offset + first * SECTOR_SIZE, dataOffset: 0, whole });
    }
    this.submit();
  }

  /** Moves waiting pieces into the ring, in order, while there are ring entries and data space. */
  private submit(): void {
    const memory = this.memory;
    let published = memory.load(BLOCK_REQUESTS_PUBLISHED_OFFSET);
    const start = published;
    while (this.waiting.length > 0 && this.inFlight.size < BLOCK_RING_ENTRIES) {
      const piece = this.waiting[0];
      if (piece.count > 0) {
        const first = this.allocate(piece.count);
        if (first < 0) break;
        piece.dataOffset = BLOCK_DATA_OFFSET + first * SECTOR_SIZE;
        if (piece.operation === BlockOperation.Write && piece.buffer !== null) {
          memory.bytes.set(piece.buffer.subarray(piece.bufferOffset, piece.bufferOffset + piece.count * SECTOR_SIZE), piece.dataOffset);
        }
      }
      this.waiting.shift();
      const tag = this.nextTag;
      this.nextTag = (this.nextTag % 0x7fff_ffff) + 1;
      this.inFlight.set(tag, piece);
      encodeRingRequest(memory, published, { operation: piece.operation, tag, sector: piece.sector, count: piece.count, dataOffset: piece.dataOffset });
      published = (published + 1) | 0;
    }
    if (published !== start) {
      memory.store(BLOCK_REQUESTS_PUBLISHED_OFFSET, published);
      this.doorbellDue = true;
    }
  }

  /** Takes every posted completion: frees its data, copies read data out, and finishes requests. */
  private reap(): void {
    const memory = this.memory;
    let consumed = memory.load(BLOCK_COMPLETIONS_CONSUMED_OFFSET);
    while (consumed !== memory.load(BLOCK_COMPLETIONS_PUBLISHED_OFFSET)) {
      const completion = decodeRingCompletion(memory, consumed);
      consumed = (consumed + 1) | 0;
      memory.store(BLOCK_COMPLETIONS_CONSUMED_OFFSET, consumed);
      const piece = this.inFlight.get(completion.tag);
      if (piece === undefined) continue; // not ours: a confused server; nothing waits for it
      this.inFlight.delete(completion.tag);
      const error = blockStatusText(completion.status);
      if (error === null && piece.operation === BlockOperation.Read && piece.buffer !== null) {
        piece.buffer.set(memory.bytes.subarray(piece.dataOffset, piece.dataOffset + piece.count * SECTOR_SIZE), piece.bufferOffset);
      }
      if (piece.count > 0) this.dataBusy.fill(0, (piece.dataOffset - BLOCK_DATA_OFFSET) / SECTOR_SIZE, (piece.dataOffset - BLOCK_DATA_OFFSET) / SECTOR_SIZE + piece.count);
      const whole = piece.whole;
      whole.error ??= error;
      if (--whole.pieces === 0) whole.done(whole.error);
    }
  }

  /** First fit of `count` free data sectors; marks them busy and returns the first, or -1. */
  private allocate(count: number): number {
    const busy = this.dataBusy;
    let run = 0;
    for (let i = 0; i < busy.length; i++) {
      run = busy[i] === 0 ? run + 1 : 0;
      if (run === count) {
        const first = i - count + 1;
        busy.fill(1, first, i + 1);
        return first;
      }
    }
    return -1;
  }
}
