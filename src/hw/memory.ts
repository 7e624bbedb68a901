// A machine's physical address space: RAM, ROM and MMIO regions, read and written 8, 16, 32 (and
// 64, as two halves) bits at a time in the machine's byte order. Addresses are plain numbers, so
// 36-bit physical addresses (SPARC, PAE) fit. CPUs keep their own TLB of RAM pages (ramAt) and
// come here only on a miss or for MMIO.

export type Endianness = 'little' | 'big';

/** The registers of a memory-mapped device. Values are in the device's own register order. */
export interface MmioHandler {
  read(offset: number, size: 1 | 2 | 4): number;
  write(offset: number, size: 1 | 2 | 4, value: number): void;
}

/**
 * 'romd' is a ROM device (QEMU's name): its bytes are read directly while it is in ROM mode, and
 * every write goes to its handler — a flash chip reads like ROM until a command is written, then
 * answers status or query reads through the handler until it returns to array mode.
 */
export type RegionKind = 'ram' | 'rom' | 'mmio' | 'romd';

export class Region {
  constructor(
    readonly name: string,
    readonly kind: RegionKind,
    readonly start: number,
    readonly size: number,
    /** RAM and ROM: the backing bytes (ROM aliases share them). */
    readonly bytes: Uint8Array | null,
    readonly handler: MmioHandler | null,
    /** MMIO: the byte order of the device's registers. */
    readonly deviceEndian: Endianness,
    /** ROM: whether writes go through (an aliased shadow) or are dropped. */
    readonly writable: boolean,
  ) {}

  /**
   * A ROM device: reads come from `bytes` while true, from the handler while false. Set it through
   * PhysicalMemory.setRomMode, and flush the CPUs' TLBs: they may hold the bytes for reads.
   */
  romMode = true;

  /** Whether reads come straight from `bytes`. */
  get readsBytes(): boolean {
    return this.bytes !== null && (this.kind !== 'romd' || this.romMode);
  }

  get end(): number {
    return this.start + this.size;
  }
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff)) >>> 0;
}

export type UnassignedHandler = (address: number, size: number, write: boolean, value: number) => void;

export class PhysicalMemory {
  private regions: Region[] = [];
  private last: Region | null = null;
  /** Told about accesses that hit no region (reads then return all ones). */
  onUnassigned: UnassignedHandler = () => undefined;
  /** Told about every write to RAM or ROM bytes made through this object (CPUs drop code they decoded there). */
  private readonly writeWatchers: ((address: number, length: number) => void)[] = [];

  constructor(readonly endian: Endianness) {}

  private add(region: Region): Region {
    if (!Number.isInteger(region.start) || region.start < 0 || !Number.isInteger(region.size) || region.size <= 0) {
      throw new RangeError(`memory region ${region.name}: start ${region.start} and size ${region.size} must be non-negative whole numbers, size > 0`);
    }
    for (const other of this.regions) {
      if (region.start < other.end && other.start < region.end) {
        throw new RangeError(
          `memory region ${region.name} (0x${region.start.toString(16)}-0x${(region.end - 1).toString(16)}) overlaps ${other.name} (0x${other.start.toString(16)}-0x${(other.end - 1).toString(16)})`,
        );
      }
    }
    this.regions.push(region);
    this.regions.sort((a, b) => a.start - b.start);
    this.last = null;
    return region;
  }

  addRam(name: string, start: number, bytes: Uint8Array): Region {
    return this.add(new Region(name, 'ram', start, bytes.length, bytes, null, this.endian, true));
  }

  /** ROM: reads see `bytes`; writes are dropped unless `writable` (a shadow that aliases RAM-like). */
  addRom(name: string, start: number, bytes: Uint8Array, writable = false): Region {
    return this.add(new Region(name, 'rom', start, bytes.length, bytes, null, this.endian, writable));
  }

  /** A ROM device (see RegionKind): reads from `bytes` in ROM mode, writes always to `handler`. */
  addRomDevice(name: string, start: number, bytes: Uint8Array, handler: MmioHandler, deviceEndian: Endianness = this.endian): Region {
    return this.add(new Region(name, 'romd', start, bytes.length, bytes, handler, deviceEndian, false));
  }

  /** Switches a ROM device between reading its bytes (true) and reading through its handler. */
  setRomMode(region: Region, romMode: boolean): void {
    region.romMode = romMode;
  }

  addMmio(name: string, start: number, size: number, handler: MmioHandler, deviceEndian: Endianness = this.endian): Region {
    return this.add(new Region(name, 'mmio', start, size, null, handler, deviceEndian, true));
  }

  remove(region: Region): void {
    this.regions = this.regions.filter((r) => r !== region);
    this.last = null;
  }

  /**
   * Calls `watcher` after each write to RAM or ROM bytes made through this object (write8/16/32/64,
   * writeBytes). Writes straight into a region's `bytes` are not seen.
   */
  watchWrites(watcher: (address: number, length: number) => void): void {
    this.writeWatchers.push(watcher);
  }

  private wrote(address: number, length: number): void {
    for (const watcher of this.writeWatchers) watcher(address, length);
  }

  /** The region holding `address`, or null. */
  find(address: number): Region | null {
    const last = this.last;
    if (last !== null && address >= last.start && address < last.end) return last;
    let low = 0;
    let high = this.regions.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const region = this.regions[middle];
      if (address < region.start) high = middle - 1;
      else if (address >= region.end) low = middle + 1;
      else {
        this.last = region;
        return region;
      }
    }
    return null;
  }

  /**
   * For a CPU's TLB: the bytes and offset of the RAM (or readable ROM) page holding `address`, and
   * whether it may be written directly; null for MMIO or unassigned addresses.
   */
  ramAt(address: number): { bytes: Uint8Array; offset: number; writable: boolean; region: Region } | null {
    const region = this.find(address);
    if (region === null || region.bytes === null || !region.readsBytes) return null;
    return { bytes: region.bytes, offset: address - region.start, writable: region.kind === 'ram' || region.writable, region };
  }

  read8(address: number): number {
    const region = this.find(address);
    if (region === null) {
      this.onUnassigned(address, 1, false, 0);
      return 0xff;
    }
    if (region.bytes !== null && region.readsBytes) return region.bytes[address - region.start];
    return region.handler?.read(address - region.start, 1) ?? 0xff;
  }

  write8(address: number, value: number): void {
    const region = this.find(address);
    if (region === null) {
      this.onUnassigned(address, 1, true, value);
      return;
    }
    if (region.bytes !== null && region.kind !== 'romd') {
      if (region.kind === 'ram' || region.writable) {
        region.bytes[address - region.start] = value;
        if (this.writeWatchers.length !== 0) this.wrote(address, 1);
      }
      return;
    }
    region.handler?.write(address - region.start, 1, value & 0xff);
  }

  read16(address: number): number {
    const region = this.find(address);
    if (region !== null && address + 2 <= region.end) {
      const offset = address - region.start;
      if (region.bytes !== null && region.readsBytes) {
        const b = region.bytes;
        return this.endian === 'little' ? b[offset] | (b[offset + 1] << 8) : (b[offset] << 8) | b[offset + 1];
      }
      const value = region.handler?.read(offset, 2) ?? 0xffff;
      return region.deviceEndian === this.endian ? value : swap16(value);
    }
    if (region === null && this.find(address + 1) === null) {
      this.onUnassigned(address, 2, false, 0);
      return 0xffff;
    }
    // Straddles a region boundary: byte by byte.
    const first = this.read8(address);
    const second = this.read8(address + 1);
    return this.endian === 'little' ? first | (second << 8) : (first << 8) | second;
  }

  write16(address: number, value: number): void {
    const region = this.find(address);
    if (region !== null && address + 2 <= region.end) {
      const offset = address - region.start;
      if (region.bytes !== null && region.kind !== 'romd') {
        if (region.kind !== 'ram' && !region.writable) return;
        const b = region.bytes;
        if (this.endian === 'little') {
          b[offset] = value;
          b[offset + 1] = value >>> 8;
        } else {
          b[offset] = value >>> 8;
          b[offset + 1] = value;
        }
        if (this.writeWatchers.length !== 0) this.wrote(address, 2);
        return;
      }
      region.handler?.write(offset, 2, region.deviceEndian === this.endian ? value & 0xffff : swap16(value));
      return;
    }
    if (this.endian === 'little') {
      this.write8(address, value & 0xff);
      this.write8(address + 1, (value >>> 8) & 0xff);
    } else {
      this.write8(address, (value >>> 8) & 0xff);
      this.write8(address + 1, value & 0xff);
    }
  }

  read32(address: number): number {
    const region = this.find(address);
    if (region !== null && address + 4 <= region.end) {
      const offset = address - region.start;
      if (region.bytes !== null && region.readsBytes) {
        const b = region.bytes;
        return this.endian === 'little'
          ? (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) | (b[offset + 3] << 24)) >>> 0
          : ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
      }
      const value = region.handler?.read(offset, 4) ?? 0xffffffff;
      return region.deviceEndian === this.endian ? value >>> 0 : swap32(value);
    }
    if (region === null && this.find(address + 3) === null) {
      this.onUnassigned(address, 4, false, 0);
      return 0xffffffff;
    }
    const low = this.read16(address);
    const high = this.read16(address + 2);
    return this.endian === 'little' ? (low | (high << 16)) >>> 0 : ((low << 16) | high) >>> 0;
  }

  write32(address: number, value: number): void {
    const region = this.find(address);
    if (region !== null && address + 4 <= region.end) {
      const offset = address - region.start;
      if (region.bytes !== null && region.kind !== 'romd') {
        if (region.kind !== 'ram' && !region.writable) return;
        const b = region.bytes;
        if (this.endian === 'little') {
          b[offset] = value;
          b[offset + 1] = value >>> 8;
          b[offset + 2] = value >>> 16;
          b[offset + 3] = value >>> 24;
        } else {
          b[offset] = value >>> 24;
          b[offset + 1] = value >>> 16;
          b[offset + 2] = value >>> 8;
          b[offset + 3] = value;
        }
        if (this.writeWatchers.length !== 0) this.wrote(address, 4);
        return;
      }
      region.handler?.write(offset, 4, region.deviceEndian === this.endian ? value >>> 0 : swap32(value));
      return;
    }
    if (this.endian === 'little') {
      this.write16(address, value & 0xffff);
      this.write16(address + 2, (value >>> 16) & 0xffff);
    } else {
      this.write16(address, (value >>> 16) & 0xffff);
      this.write16(address + 2, value & 0xffff);
    }
  }

  /** A 64-bit access as two 32-bit halves in the machine's byte order: [low word, high word]. */
  read64(address: number, into: Uint32Array): void {
    if (this.endian === 'little') {
      into[0] = this.read32(address);
      into[1] = this.read32(address + 4);
    } else {
      into[1] = this.read32(address);
      into[0] = this.read32(address + 4);
    }
  }

  write64(address: number, low: number, high: number): void {
    if (this.endian === 'little') {
      this.write32(address, low);
      this.write32(address + 4, high);
    } else {
      this.write32(address, high);
      this.write32(address + 4, low);
    }
  }

  /** Copies bytes out of the address space (DMA, loaders). */
  readBytes(address: number, into: Uint8Array): void {
    for (let i = 0; i < into.length; ) {
      const region = this.find(address + i);
      if (region !== null && region.bytes !== null && region.readsBytes) {
        const offset = address + i - region.start;
        const n = Math.min(into.length - i, region.size - offset);
        into.set(region.bytes.subarray(offset, offset + n), i);
        i += n;
      } else {
        into[i] = this.read8(address + i);
        i++;
      }
    }
  }

  /** Copies bytes into the address space (DMA, loaders); ROM is written too, as by a loader. */
  writeBytes(address: number, from: Uint8Array, intoRom = false): void {
    for (let i = 0; i < from.length; ) {
      const region = this.find(address + i);
      if (region !== null && region.bytes !== null && (region.kind === 'ram' || region.writable || intoRom)) {
        const offset = address + i - region.start;
        const n = Math.min(from.length - i, region.size - offset);
        region.bytes.set(from.subarray(i, i + n), offset);
        if (this.writeWatchers.length !== 0) this.wrote(address + i, n);
        i += n;
      } else {
        this.write8(address + i, from[i]);
        i++;
      }
    }
  }

  /** The regions, in address order (for diagnostics). */
  map(): readonly Region[] {
    return this.regions;
  }
}
