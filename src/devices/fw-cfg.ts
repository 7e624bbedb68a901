// QEMU's firmware configuration device (fw_cfg): how firmware written for QEMU (SeaBIOS, OpenBIOS,
// U-Boot's qemu boards) learns the machine it runs on — the RAM size, the CPU count, the boot
// order — and receives whole files such as the VGA BIOS. It is part of the machines we copy from
// QEMU, so the firmware Debian ships for them runs unchanged.
//
// The interface (QEMU docs/specs/fw_cfg.txt): a 16-bit selector picks an item and rewinds it;
// each read of the data register returns the item's next byte, 0 past its end. Item 0x0000 is the
// signature "QEMU", 0x0001 the interface id (bit 0: the traditional interface; bit 1, the DMA
// interface, is not offered), 0x0019 the file directory: a big-endian 32-bit count, then per file
// a big-endian 32-bit size, a big-endian 16-bit selector, 16 reserved bits and a 56-byte
// NUL-padded name. Files get selectors from 0x0020 up in the order of their names, as QEMU gives
// them. Keys with bit 15 set are architecture-specific; bit 14 would ask for a write, which this
// device (like QEMU since 2.4 on the traditional interface) ignores.
//
// On a PC the selector is I/O port 0x510 and the data register port 0x511.
//
// On ARM's `virt` board the device is memory-mapped (QEMU's "fw_cfg_mem", 0x18 bytes at
// 0x09020000) and big-endian: the data register at +0 returns the item's next 1, 2, 4 (or, as two
// halves, 8) bytes with the first byte most significant, the 16-bit selector is at +8, and the DMA
// address register at +0x10 (high word) / +0x14 (low word; writing it starts the transfer) reads
// as the signature "QEMU CFG". The machine maps `mmioHandler()` with deviceEndian 'big', so the
// bytes land in guest memory in item order. With `enableDma(memory)` the ID item says so (bit 1)
// and a write of an FWCfgDmaAccess address runs a transfer: the access is three big-endian fields
// (control: bit 0 error, 1 read, 2 skip, 3 select with the key in bits 16–31, 4 write; a 32-bit
// length; a 64-bit address); reading past the end of an item fills zeros; writes fail (no item is
// writable); the device writes the control word back as 0, or with the error bit.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IoPorts, PortHandler } from '../hw/ioports.js';
import type { MmioHandler, PhysicalMemory } from '../hw/memory.js';

export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
export const FW_CFG_WRITE_CHANNEL = 0x4000;
export const FW_CFG_ARCH_LOCAL = 0x8000;

/** The PC's I/O ports. */
export const FW_CFG_PORT_SELECTOR = 0x510;
export const FW_CFG_PORT_DATA = 0x511;

/** The memory-mapped form (virt): register offsets and the size of the region. */
export const FW_CFG_MMIO_DATA = 0x00;
export const FW_CFG_MMIO_SELECTOR = 0x08;
export const FW_CFG_MMIO_DMA = 0x10;
export const FW_CFG_MMIO_SIZE = 0x18;
/** FW_CFG_ID bit 1: the DMA interface exists. */
export const FW_CFG_VERSION_DMA = 0x02;
export const FW_CFG_DMA_CTL_ERROR = 0x01;
export const FW_CFG_DMA_CTL_READ = 0x02;
export const FW_CFG_DMA_CTL_SKIP = 0x04;
export const FW_CFG_DMA_CTL_SELECT = 0x08;
export const FW_CFG_DMA_CTL_WRITE = 0x10;
/** "QEMU CFG", as the DMA address register reads: high word at +0x10, low word at +0x14. */
export const FW_CFG_DMA_SIGNATURE_HIGH = 0x51454d55;
export const FW_CFG_DMA_SIGNATURE_LOW = 0x20434647;

const FILE_NAME_BYTES = 56;
const DIRECTORY_ENTRY_BYTES = 64;

export class FwCfg implements Device, PortHandler {
  readonly name: string;
  private readonly items = new Map<number, Uint8Array>();
  private readonly files = new Map<string, Uint8Array>();
  private selector = 0;
  private offset = 0;
  private current: Uint8Array = new Uint8Array(0);
  private dmaMemory: PhysicalMemory | null = null;
  /** The high word of the DMA address register, waiting for the low word. */
  private dmaAddressHigh = 0;

  constructor(name = 'fw_cfg') {
    this.name = name;
    this.setItem(FW_CFG_SIGNATURE, new TextEncoder().encode('QEMU'));
    this.setInt(FW_CFG_ID, 4, 1);
    this.rebuildDirectory();
  }

  /** Sets the bytes of a numbered item (keys below 0x20, or architecture keys from 0x8000). */
  setItem(key: number, bytes: Uint8Array): void {
    if (!Number.isInteger(key) || key < 0 || key > 0xffff || (key >= FW_CFG_FILE_FIRST && key < FW_CFG_ARCH_LOCAL) || key === FW_CFG_FILE_DIR) {
      throw new RangeError(`${this.name}: key 0x${key.toString(16)} is not a numbered item (files get their keys from addFile)`);
    }
    this.items.set(key, bytes.slice());
  }

  /** Sets a numbered item to a little-endian integer of `bytes` bytes (QEMU's fw_cfg_add_i16/i32/i64). */
  setInt(key: number, bytes: 1 | 2 | 4 | 8, value: number | bigint): void {
    this.setItem(key, littleEndian(bytes, value));
  }

  /** Adds or replaces a named file; selectors follow the sorted names. */
  addFile(name: string, bytes: Uint8Array): void {
    const encoded = new TextEncoder().encode(name);
    if (encoded.length === 0 || encoded.length >= FILE_NAME_BYTES) {
      throw new RangeError(`${this.name}: file name "${name}" must be 1 to ${FILE_NAME_BYTES - 1} bytes long`);
    }
    this.files.set(name, bytes.slice());
    this.rebuildDirectory();
  }

  file(name: string): Uint8Array | null {
    return this.files.get(name) ?? null;
  }

  /** The selector a file has now. */
  fileSelector(name: string): number {
    const index = this.sortedFileNames().indexOf(name);
    if (index < 0) throw new RangeError(`${this.name}: no file named "${name}"`);
    return FW_CFG_FILE_FIRST + index;
  }

  attach(io: IoPorts, selectorPort = FW_CFG_PORT_SELECTOR): void {
    io.register(this.name, selectorPort, 2, this);
  }

  read(port: number, size: 1 | 2 | 4): number {
    if ((port & 1) === 0) return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
    // The data register is a byte register; a wider read takes that many bytes, first byte lowest,
    // as QEMU's port I/O does.
    let value = 0;
    for (let i = 0; i < size; i++) value |= this.readByte() << (8 * i);
    return value >>> 0;
  }

  write(port: number, size: 1 | 2 | 4, value: number): void {
    if ((port & 1) === 0) {
      this.select(size === 1 ? value & 0xff : value & 0xffff);
    }
    // Writes to the data register are ignored (the traditional interface is read-only).
  }

  /** Offers the DMA interface (FW_CFG_ID bit 1), transferring through `memory`. */
  enableDma(memory: PhysicalMemory): void {
    this.dmaMemory = memory;
    this.setInt(FW_CFG_ID, 4, 1 | FW_CFG_VERSION_DMA);
  }

  /**
   * The memory-mapped registers as virt has them (FW_CFG_MMIO_SIZE bytes); map them with
   * deviceEndian 'big'.
   */
  mmioHandler(): MmioHandler {
    return {
      read: (offset, size) => this.readMmio(offset, size),
      write: (offset, size, value) => this.writeMmio(offset, size, value),
    };
  }

  private readMmio(offset: number, size: 1 | 2 | 4): number {
    if (offset < FW_CFG_MMIO_SELECTOR) {
      // The next `size` bytes, first byte most significant, zeros past the end (QEMU fw_cfg_data_read).
      let value = 0;
      for (let i = 0; i < size; i++) value = value * 256 + this.readByte();
      return value >>> 0;
    }
    if (offset >= FW_CFG_MMIO_DMA && offset < FW_CFG_MMIO_SIZE && this.dmaMemory !== null) {
      const signature = new Uint8Array(8);
      const view = new DataView(signature.buffer);
      view.setUint32(0, FW_CFG_DMA_SIGNATURE_HIGH, false);
      view.setUint32(4, FW_CFG_DMA_SIGNATURE_LOW, false);
      let value = 0;
      for (let i = 0; i < size; i++) value = value * 256 + (signature[offset - FW_CFG_MMIO_DMA + i] ?? 0);
      return value >>> 0;
    }
    // The selector is write-only.
    return 0;
  }

  private writeMmio(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === FW_CFG_MMIO_SELECTOR && size === 2) {
      this.select(value & 0xffff);
    } else if (offset === FW_CFG_MMIO_DMA && size === 4) {
      this.dmaAddressHigh = value >>> 0;
    } else if (offset === FW_CFG_MMIO_DMA + 4 && size === 4) {
      const address = this.dmaAddressHigh * 0x1_0000_0000 + (value >>> 0);
      this.dmaAddressHigh = 0;
      this.dmaTransfer(address);
    }
    // Data register writes are ignored, as on the ports.
  }

  /** Runs the FWCfgDmaAccess at `address` (QEMU docs/specs/fw_cfg.txt, "FW_CFG_DMA_ADDRESS"). */
  private dmaTransfer(address: number): void {
    const memory = this.dmaMemory;
    if (memory === null) return;
    const access = new Uint8Array(16);
    memory.readBytes(address, access);
    const view = new DataView(access.buffer);
    let control = view.getUint32(0, false);
    let length = view.getUint32(4, false);
    const target = view.getUint32(8, false) * 0x1_0000_0000 + view.getUint32(12, false);
    if (control & FW_CFG_DMA_CTL_SELECT) this.select(control >>> 16);
    const read = (control & FW_CFG_DMA_CTL_READ) !== 0;
    const write = !read && (control & FW_CFG_DMA_CTL_WRITE) !== 0;
    const skip = !read && !write && (control & FW_CFG_DMA_CTL_SKIP) !== 0;
    if (!read && !write && !skip) length = 0;
    control = 0;
    if (length > 0) {
      if (write) {
        control |= FW_CFG_DMA_CTL_ERROR; // no item accepts writes
      } else {
        const available = Math.max(0, this.current.length - this.offset);
        const n = Math.min(length, available);
        if (read) {
          const out = new Uint8Array(length);
          out.set(this.current.subarray(this.offset, this.offset + n));
          memory.writeBytes(target, out);
        }
        this.offset += n;
      }
    }
    const status = new Uint8Array(4);
    new DataView(status.buffer).setUint32(0, control, false);
    memory.writeBytes(address, status);
  }

  select(key: number): void {
    this.selector = key & 0xffff;
    this.offset = 0;
    this.current = this.lookup(this.selector & ~FW_CFG_WRITE_CHANNEL);
  }

  readByte(): number {
    if (this.offset >= this.current.length) return 0;
    return this.current[this.offset++];
  }

  reset(): void {
    this.select(0);
    this.dmaAddressHigh = 0;
  }

  saveState(): DeviceState {
    // The items are configuration made by the machine, not guest-changed state.
    return { selector: this.selector, offset: this.offset, dmaAddressHigh: this.dmaAddressHigh };
  }

  restoreState(state: DeviceState): void {
    this.select(stateNumber(state, this.name, 'selector'));
    this.offset = stateNumber(state, this.name, 'offset');
    this.dmaAddressHigh = typeof state.dmaAddressHigh === 'number' ? state.dmaAddressHigh : 0;
  }

  private lookup(key: number): Uint8Array {
    if (key >= FW_CFG_FILE_FIRST && key < FW_CFG_ARCH_LOCAL) {
      const names = this.sortedFileNames();
      const name = names[key - FW_CFG_FILE_FIRST];
      return name === undefined ? EMPTY : (this.files.get(name) ?? EMPTY);
    }
    return this.items.get(key) ?? EMPTY;
  }

  private sortedFileNames(): string[] {
    return [...this.files.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private rebuildDirectory(): void {
    const names = this.sortedFileNames();
    const directory = new Uint8Array(4 + names.length * DIRECTORY_ENTRY_BYTES);
    const view = new DataView(directory.buffer);
    view.setUint32(0, names.length, false);
    names.forEach((name, index) => {
      const at = 4 + index * DIRECTORY_ENTRY_BYTES;
      view.setUint32(at, this.files.get(name)?.length ?? 0, false);
      view.setUint16(at + 4, FW_CFG_FILE_FIRST + index, false);
      directory.set(new TextEncoder().encode(name), at + 8);
    });
    this.items.set(FW_CFG_FILE_DIR, directory);
    // A selected item keeps what it was; the guest reselects after the machine is built.
    this.current = this.lookup(this.selector & ~FW_CFG_WRITE_CHANNEL);
  }
}

const EMPTY = new Uint8Array(0);

/** `value` as `bytes` little-endian bytes. */
export function littleEndian(bytes: number, value: number | bigint): Uint8Array {
  const out = new Uint8Array(bytes);
  let rest = BigInt.asUintN(bytes * 8, BigInt(value));
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}
