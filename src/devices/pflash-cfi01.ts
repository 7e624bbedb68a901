// A bank of parallel NOR flash with the Intel/Sharp command set and a CFI query table (the "CFI01"
// kind, command set 0x0001), as QEMU's `virt` board has two of (hw/arm/virt.c virt_flash_create1):
// 64 MiB each, a 32-bit bank made of two x16 chips side by side (bank width 4, device width 2),
// manufacturer 0x89 (Intel) and device 0x18, 256 KiB erase blocks across the bank (128 KiB in
// each chip). Bank 0 holds the firmware (--bios), bank 1 U-Boot's environment.
//
// Sources: the CFI specification (JEDEC JESD68, "Common Flash Interface"; the query table layout
// at word offsets 0x10–0x3F) and Intel's StrataFlash/P30 datasheets for the commands: 0xFF read
// array, 0x90 read identifier (manufacturer at word 0, device at word 1, the block lock status at
// word 2 of each block), 0x98 CFI query, 0x70 read status, 0x50 clear status, 0x40/0x10 word
// program, 0xE8 buffered program (count, data words, 0xD0 confirm), 0x20 then 0xD0 block erase,
// 0x60 then 0x01/0xD0/0x2F block lock/unlock/lock-down. Status register: SR7 ready, SR5 erase
// error, SR4 program error (both together: an improper command sequence), SR3 VPP low, SR1 block
// locked. The chips of a bank see the same commands; each answers in its own 16-bit lane, so an
// identifier or status read returns the answer replicated per chip (0x00890089).
//
// Where QEMU (hw/block/pflash_cfi01.c) differs from the datasheets we follow the datasheets: a
// program operation can only clear bits (new = old AND data; QEMU stores the data as is), an
// erase happens at the 0xD0 confirm rather than at the 0x20 setup, a buffered program writes the
// buffer at the confirm, and block lock bits are kept (QEMU accepts and ignores the lock
// commands). Operations complete at once, so SR7 always reads ready. The CFI table is QEMU's,
// built for one chip: device size 2^25 (32 MiB per chip), one erase region of 256 blocks of
// 128 KiB, a 2 KiB write buffer. Reads narrower than the bank return the byte lanes of the chips
// (a byte read at offset 1 sees the high byte of chip 0); QEMU answers every narrow read with the
// low bytes, which differs only for reads at odd lanes, and no driver we know makes those. U-Boot's
// probe settles on 16-bit accesses with the address shifted by two, so it sees each bank as one
// x16 chip of 32 MiB in 256 sectors of 128 KiB and prints "Flash: 64 MiB" for the two banks.
//
// Fast reads: while the bank is in read-array mode its contents are plain bytes, so a machine maps
// `bytes` for reads (like a ROM) and sends only writes here; `onModeChange(false)` says that a
// command switched the bank out of array mode, after which reads must come here too, and
// `onModeChange(true)` says array mode is back. (QEMU does the same with a "ROM device" region.)

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { MmioHandler } from '../hw/memory.js';

export const CFI_READ_ARRAY = 0xff;
export const CFI_READ_ID = 0x90;
export const CFI_QUERY = 0x98;
export const CFI_READ_STATUS = 0x70;
export const CFI_CLEAR_STATUS = 0x50;
export const CFI_PROGRAM = 0x40;
export const CFI_PROGRAM_ALT = 0x10;
export const CFI_BUFFERED_PROGRAM = 0xe8;
export const CFI_BLOCK_ERASE = 0x20;
export const CFI_CONFIRM = 0xd0;
export const CFI_LOCK_SETUP = 0x60;
export const CFI_LOCK_BLOCK = 0x01;
export const CFI_LOCK_DOWN = 0x2f;
export const CFI_SUSPEND = 0xb0;
export const CFI_AMD_RESET = 0xf0;

export const SR_READY = 0x80;
export const SR_ERASE_ERROR = 0x20;
export const SR_PROGRAM_ERROR = 0x10;
export const SR_VPP_LOW = 0x08;
export const SR_LOCKED = 0x02;

/** virt's banks: 64 MiB, 256 KiB sectors, bank width 4, device width 2, 0x89/0x18. */
export const VIRT_FLASH_SIZE = 64 * 1024 * 1024;
export const VIRT_FLASH_SECTOR = 256 * 1024;

export interface PflashCfi01Options {
  name?: string;
  /** Bytes in the bank (default 64 MiB). */
  size?: number;
  /** Erase block size across the bank (default 256 KiB). */
  sectorSize?: number;
  /** Bytes per bus access of the bank (default 4). */
  bankWidth?: 1 | 2 | 4;
  /** Bytes per chip (default 2: x16 chips). */
  deviceWidth?: 1 | 2 | 4;
  manufacturerId?: number;
  deviceId?: number;
  /** Refuse programming and erasing (status shows the errors). */
  readOnly?: boolean;
}

type Mode = 'array' | 'status' | 'id' | 'query';
/** What the next write means, after the first cycle of a two-cycle command. */
type Pending = 'none' | 'program' | 'erase' | 'lock' | 'buffer-count' | 'buffer-data' | 'buffer-confirm';

export class PflashCfi01 implements Device, MmioHandler {
  readonly name: string;
  readonly size: number;
  readonly sectorSize: number;
  readonly bankWidth: number;
  readonly deviceWidth: number;
  readonly readOnly: boolean;
  /** The contents; read-array mode reads them directly (map them as ROM while `arrayMode`). */
  readonly bytes: Uint8Array;
  /** The CFI query table of one chip, indexed by word offset. */
  readonly cfiTable = new Uint8Array(0x40);
  /** Told when the bank enters (true) or leaves (false) read-array mode. */
  onModeChange: ((arrayMode: boolean) => void) | null = null;
  /** Told after a program or erase changed bytes offset … offset+length-1 (to persist them). */
  onContentsChange: ((offset: number, length: number) => void) | null = null;

  private readonly manufacturerId: number;
  private readonly deviceId: number;
  private readonly locked: Uint8Array;
  /** Bytes per chip's write buffer times the chips: the largest buffered program. */
  readonly writeBufferBytes: number;
  private mode: Mode = 'array';
  private pending: Pending = 'none';
  status = SR_READY;
  /** Buffered program: words still expected, and the collected (offset, size, value) triples. */
  private bufferRemaining = 0;
  private buffer: number[] = [];

  constructor(options: PflashCfi01Options = {}) {
    this.name = options.name ?? 'pflash';
    this.size = options.size ?? VIRT_FLASH_SIZE;
    this.sectorSize = options.sectorSize ?? VIRT_FLASH_SECTOR;
    this.bankWidth = options.bankWidth ?? 4;
    this.deviceWidth = options.deviceWidth ?? 2;
    this.manufacturerId = options.manufacturerId ?? 0x89;
    this.deviceId = options.deviceId ?? 0x18;
    this.readOnly = options.readOnly ?? false;
    if (this.deviceWidth > this.bankWidth) throw new RangeError(`${this.name}: device width ${this.deviceWidth} is wider than the bank (${this.bankWidth})`);
    if (this.size % this.sectorSize !== 0 || this.sectorSize <= 0) throw new RangeError(`${this.name}: size ${this.size} is not a whole number of ${this.sectorSize}-byte sectors`);
    this.bytes = new Uint8Array(this.size).fill(0xff);
    this.locked = new Uint8Array(this.size / this.sectorSize);
    const chips = this.bankWidth / this.deviceWidth;
    this.writeBufferBytes = (this.bankWidth === 1 ? 1 << 8 : 1 << 11) * chips;
    this.buildCfiTable(chips);
  }

  /** QEMU's table (pflash_cfi01_fill_cfi_table) for one chip of the bank. */
  private buildCfiTable(chips: number): void {
    const t = this.cfiTable;
    const blocks = this.size / this.sectorSize;
    const chipSector = this.sectorSize / chips;
    const chipBytes = chipSector * blocks;
    t.set([0x51, 0x52, 0x59], 0x10); // "QRY"
    t.set([0x01, 0x00], 0x13); // primary command set: Intel/Sharp extended
    t.set([0x31, 0x00], 0x15); // primary extended table at 0x31
    t.set([0x00, 0x00, 0x00, 0x00], 0x17); // no alternate command set
    t.set([0x45, 0x55, 0x00, 0x00], 0x1b); // Vcc 4.5–5.5 V, no Vpp
    t.set([0x07, 0x07, 0x0a, 0x00], 0x1f); // typical timeouts: word 2^7 us, buffer 2^7 us, block 2^10 ms, no chip erase
    t.set([0x04, 0x04, 0x04, 0x00], 0x23); // maximum timeouts (× 2^n)
    t[0x27] = 31 - Math.clz32(chipBytes); // device size 2^n bytes per chip
    t.set([0x02, 0x00], 0x28); // x8/x16 asynchronous interface
    t.set([this.bankWidth === 1 ? 0x08 : 0x0b, 0x00], 0x2a); // write buffer 2^n bytes per chip
    t[0x2c] = 0x01; // one erase block region
    t[0x2d] = (blocks - 1) & 0xff;
    t[0x2e] = ((blocks - 1) >>> 8) & 0xff;
    t[0x2f] = (chipSector >>> 8) & 0xff; // block size in 256-byte units
    t[0x30] = (chipSector >>> 16) & 0xff;
    t.set([0x50, 0x52, 0x49, 0x31, 0x30], 0x31); // "PRI" version 1.0
    t[0x3f] = 0x01; // one protection register field
  }

  /** Copies an image into the bank from `offset` (a loader's write, not a program operation). */
  load(image: Uint8Array, offset = 0): void {
    if (offset < 0 || offset + image.length > this.size) {
      throw new RangeError(`${this.name}: an image of ${image.length} bytes does not fit the ${this.size}-byte flash bank at offset ${offset}`);
    }
    this.bytes.set(image, offset);
  }

  /** Whether reads return the contents (read-array mode, no command half-way). */
  get arrayMode(): boolean {
    return this.mode === 'array' && this.pending === 'none';
  }

  isLocked(offset: number): boolean {
    return this.locked[Math.floor(offset / this.sectorSize)] !== 0;
  }

  reset(): void {
    const was = this.arrayMode;
    this.mode = 'array';
    this.pending = 'none';
    this.status = SR_READY;
    this.buffer = [];
    this.bufferRemaining = 0;
    // Lock bits are non-volatile on StrataFlash; power-on leaves them as they were.
    if (!was) this.onModeChange?.(true);
  }

  // ---- reads ----

  read(offset: number, size: 1 | 2 | 4): number {
    if (offset + size > this.size) return 0;
    if (this.pending !== 'none' || this.mode === 'status') return this.lanes(offset, size, () => this.status);
    switch (this.mode) {
      case 'id':
        return this.lanes(offset, size, (word) => this.identifier(word));
      case 'query':
        return this.lanes(offset, size, (word) => this.cfiTable[word] ?? 0);
      default: {
        const b = this.bytes;
        if (size === 1) return b[offset];
        if (size === 2) return b[offset] | (b[offset + 1] << 8);
        return (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0;
      }
    }
  }

  /**
   * A read in a mode where each chip answers a word of its own: `answer(wordIndex)` gives one
   * chip's answer for the bank word holding each byte, placed in every chip's lane.
   */
  private lanes(offset: number, size: number, answer: (word: number) => number): number {
    let value = 0;
    for (let i = 0; i < size; i++) {
      const at = offset + i;
      const word = Math.floor(at / this.bankWidth);
      const laneByte = (at % this.bankWidth) % this.deviceWidth;
      const byte = (answer(word) >>> (8 * laneByte)) & 0xff;
      value |= byte << (8 * i);
    }
    return value >>> 0;
  }

  private identifier(word: number): number {
    const inBlock = word % (this.sectorSize / this.bankWidth);
    if (inBlock === 2) return this.locked[Math.floor((word * this.bankWidth) / this.sectorSize)] ?? 0;
    switch (word & 0xff) {
      case 0:
        return this.manufacturerId;
      case 1:
        return this.deviceId;
      default:
        return 0;
    }
  }

  // ---- writes: the command state machine ----

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset + size > this.size) return;
    const wasArray = this.arrayMode;
    const command = value & 0xff;
    switch (this.pending) {
      case 'none':
        this.command(command);
        break;
      case 'program':
        this.pending = 'none';
        this.mode = 'status';
        this.program(offset, size, value);
        break;
      case 'erase':
        this.pending = 'none';
        this.mode = 'status';
        if (command === CFI_CONFIRM) this.erase(offset);
        else this.status |= SR_ERASE_ERROR | SR_PROGRAM_ERROR; // improper command sequence
        break;
      case 'lock':
        this.pending = 'none';
        this.mode = 'status';
        if (command === CFI_LOCK_BLOCK || command === CFI_LOCK_DOWN) this.locked[Math.floor(offset / this.sectorSize)] = command === CFI_LOCK_DOWN ? 3 : 1;
        else if (command === CFI_CONFIRM) this.locked[Math.floor(offset / this.sectorSize)] &= 2;
        else this.status |= SR_ERASE_ERROR | SR_PROGRAM_ERROR;
        break;
      case 'buffer-count': {
        const words = (value & ((1 << (8 * this.deviceWidth)) - 1) & 0xffff) + 1;
        if (words * this.bankWidth > this.writeBufferBytes) {
          this.pending = 'none';
          this.mode = 'status';
          this.status |= SR_ERASE_ERROR | SR_PROGRAM_ERROR;
        } else {
          this.bufferRemaining = words;
          this.buffer = [];
          this.pending = 'buffer-data';
        }
        break;
      }
      case 'buffer-data':
        this.buffer.push(offset, size, value >>> 0);
        this.bufferRemaining--;
        if (this.bufferRemaining === 0) this.pending = 'buffer-confirm';
        break;
      case 'buffer-confirm':
        this.pending = 'none';
        this.mode = 'status';
        if (command === CFI_CONFIRM) {
          for (let i = 0; i < this.buffer.length; i += 3) this.program(this.buffer[i], this.buffer[i + 1] as 1 | 2 | 4, this.buffer[i + 2]);
        } else {
          this.status |= SR_ERASE_ERROR | SR_PROGRAM_ERROR;
        }
        this.buffer = [];
        break;
    }
    const isArray = this.arrayMode;
    if (wasArray !== isArray) this.onModeChange?.(isArray);
  }

  /** The first cycle of a command. */
  private command(command: number): void {
    switch (command) {
      case CFI_READ_ARRAY:
      case CFI_AMD_RESET:
      case 0x00:
        this.mode = 'array';
        break;
      case CFI_READ_STATUS:
        this.mode = 'status';
        break;
      case CFI_CLEAR_STATUS:
        this.status = SR_READY;
        this.mode = 'array';
        break;
      case CFI_READ_ID:
        this.mode = 'id';
        break;
      case CFI_QUERY:
        this.mode = 'query';
        break;
      case CFI_PROGRAM:
      case CFI_PROGRAM_ALT:
        this.pending = 'program';
        break;
      case CFI_BLOCK_ERASE:
        this.pending = 'erase';
        break;
      case CFI_LOCK_SETUP:
        this.pending = 'lock';
        break;
      case CFI_BUFFERED_PROGRAM:
        // Reads now return the extended status (XSR): SR7 set means a buffer is free.
        this.pending = 'buffer-count';
        break;
      case CFI_SUSPEND:
      case CFI_CONFIRM:
        // Suspend/resume: every operation has already finished.
        this.mode = 'status';
        break;
      default:
        // Not a command of this set: back to read array, as QEMU does.
        this.mode = 'array';
        break;
    }
  }

  /** Programs `size` bytes at `offset`: flash cells can only go from 1 to 0. */
  private program(offset: number, size: number, value: number): void {
    if (this.readOnly) {
      this.status |= SR_PROGRAM_ERROR | SR_VPP_LOW;
      return;
    }
    if (this.isLocked(offset)) {
      this.status |= SR_PROGRAM_ERROR | SR_LOCKED;
      return;
    }
    for (let i = 0; i < size; i++) this.bytes[offset + i] &= (value >>> (8 * i)) & 0xff;
    this.onContentsChange?.(offset, size);
  }

  private erase(offset: number): void {
    const start = offset - (offset % this.sectorSize);
    if (this.readOnly) {
      this.status |= SR_ERASE_ERROR | SR_VPP_LOW;
      return;
    }
    if (this.isLocked(start)) {
      this.status |= SR_ERASE_ERROR | SR_LOCKED;
      return;
    }
    this.bytes.fill(0xff, start, start + this.sectorSize);
    this.onContentsChange?.(start, this.sectorSize);
  }

  saveState(): DeviceState {
    // The contents are the machine's to persist (they can be 64 MiB); the state is the mode.
    return {
      mode: this.mode,
      pending: this.pending,
      status: this.status,
      bufferRemaining: this.bufferRemaining,
      buffer: this.buffer.slice(),
      locked: Array.from(this.locked),
    };
  }

  restoreState(state: DeviceState): void {
    const was = this.arrayMode;
    const modes: readonly Mode[] = ['array', 'status', 'id', 'query'];
    const pendings: readonly Pending[] = ['none', 'program', 'erase', 'lock', 'buffer-count', 'buffer-data', 'buffer-confirm'];
    const mode = modes.find((m) => m === state.mode);
    const pending = pendings.find((p) => p === state.pending);
    if (mode === undefined) throw new Error(`saved state of ${this.name}: field mode is not one of ${modes.join(', ')}`);
    if (pending === undefined) throw new Error(`saved state of ${this.name}: field pending is not one of ${pendings.join(', ')}`);
    const buffer = state.buffer;
    const locked = state.locked;
    if (!Array.isArray(buffer) || !buffer.every((n) => typeof n === 'number')) throw new Error(`saved state of ${this.name}: field buffer is not a list of numbers`);
    if (!Array.isArray(locked) || locked.length !== this.locked.length || !locked.every((n) => typeof n === 'number')) {
      throw new Error(`saved state of ${this.name}: field locked is not a list of ${this.locked.length} numbers`);
    }
    this.mode = mode;
    this.pending = pending;
    this.status = stateNumber(state, this.name, 'status') & 0xff;
    this.bufferRemaining = stateNumber(state, this.name, 'bufferRemaining');
    this.buffer = buffer as number[];
    this.locked.set(locked as number[]);
    if (was !== this.arrayMode) this.onModeChange?.(this.arrayMode);
  }
}
