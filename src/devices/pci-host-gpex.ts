// A generic PCI Express host bridge reached through ECAM (the PCI Express Base Specification's
// Enhanced Configuration Access Mechanism: bus << 20 | device << 15 | function << 12 | register),
// as QEMU's `gpex` on the ARM virt board: the device tree calls it "pci-host-ecam-generic". On its
// bus 0 sits only the host bridge's own function, 00:00.0, a conventional PCI header of type 0
// with the identity QEMU gives it — vendor 0x1b36 (Red Hat), device 0x0008 ("QEMU PCIe host
// bridge"), class 0x060000 (host bridge), subsystem 0x1af4:0x1100, no BARs, no interrupt pin, no
// capabilities. Every other function answers as absent (all ones, writes dropped), as do
// registers past the 256 bytes of a conventional function.
//
// Writable bits as in QEMU's PCI core: the command register's I/O, memory, bus-master, SERR and
// INTx-disable bits, the cache line size, the interrupt line and the device-specific bytes
// 0x40-0xff; the status register's error bits are write-one-to-clear but never set here.

import { bytesToHex, hexToBytes, type Device, type DeviceState } from '../hw/device.js';
import type { MmioHandler } from '../hw/memory.js';

export const PCI_VENDOR_REDHAT = 0x1b36;
export const PCI_DEVICE_REDHAT_PCIE_HOST = 0x0008;
export const PCI_SUBVENDOR_REDHAT_QUMRANET = 0x1af4;
export const PCI_SUBDEVICE_QEMU = 0x1100;
const PCI_CLASS_BRIDGE_HOST = 0x0600;

const CONFIG_BYTES = 256;
const COMMAND = 0x04;
/** I/O, memory, bus master, SERR#, INTx disable. */
const COMMAND_WRITABLE = 0x0001 | 0x0002 | 0x0004 | 0x0100 | 0x0400;
const CACHE_LINE_SIZE = 0x0c;
const INTERRUPT_LINE = 0x3c;
const DEVICE_SPECIFIC = 0x40;

export interface PciHostOptions {
  name?: string;
  /** Buses the ECAM window covers (QEMU's low ECAM on virt: 16, bus-range 0-15). */
  buses?: number;
}

export class PciHostGpex implements Device, MmioHandler {
  readonly name: string;
  readonly buses: number;
  /** The configuration space of 00:00.0. */
  readonly config = new Uint8Array(CONFIG_BYTES);

  constructor(options: PciHostOptions = {}) {
    this.name = options.name ?? 'pcie-ecam';
    this.buses = options.buses ?? 16;
    this.reset();
  }

  /** The ECAM window's size in bytes. */
  get size(): number {
    return this.buses << 20;
  }

  reset(): void {
    const c = this.config;
    c.fill(0);
    c[0x00] = PCI_VENDOR_REDHAT & 0xff;
    c[0x01] = PCI_VENDOR_REDHAT >>> 8;
    c[0x02] = PCI_DEVICE_REDHAT_PCIE_HOST & 0xff;
    c[0x03] = PCI_DEVICE_REDHAT_PCIE_HOST >>> 8;
    // Revision 0, programming interface 0, then the sub-class and base class.
    c[0x0a] = PCI_CLASS_BRIDGE_HOST & 0xff;
    c[0x0b] = PCI_CLASS_BRIDGE_HOST >>> 8;
    c[0x2c] = PCI_SUBVENDOR_REDHAT_QUMRANET & 0xff;
    c[0x2d] = PCI_SUBVENDOR_REDHAT_QUMRANET >>> 8;
    c[0x2e] = PCI_SUBDEVICE_QEMU & 0xff;
    c[0x2f] = PCI_SUBDEVICE_QEMU >>> 8;
  }

  /** The register offset in 00:00.0's space, or -1 for a function that is not there. */
  private hostRegister(offset: number): number {
    if (offset >>> 12 !== 0) return -1; // bus 0, device 0, function 0 only
    const register = offset & 0xfff;
    return register < CONFIG_BYTES ? register : -1;
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const register = this.hostRegister(offset);
    if (register < 0) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    let value = 0;
    for (let k = size - 1; k >= 0; k--) value = value * 256 + this.config[register + k];
    return value;
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const register = this.hostRegister(offset);
    if (register < 0) return;
    for (let k = 0; k < size; k++) this.writeByte(register + k, (value >>> (8 * k)) & 0xff);
  }

  private writeByte(register: number, byte: number): void {
    if (register === COMMAND) this.config[register] = byte & COMMAND_WRITABLE & 0xff;
    else if (register === COMMAND + 1) this.config[register] = byte & (COMMAND_WRITABLE >>> 8);
    else if (register === CACHE_LINE_SIZE || register === INTERRUPT_LINE || register >= DEVICE_SPECIFIC) this.config[register] = byte;
    // Everything else is read-only (the status bits it could clear are never set).
  }

  saveState(): DeviceState {
    return { config: bytesToHex(this.config) };
  }

  restoreState(state: DeviceState): void {
    const config = state.config;
    if (typeof config !== 'string') throw new Error(`saved state of ${this.name}: field config is not a string`);
    hexToBytes(config, this.config, this.name);
  }
}
