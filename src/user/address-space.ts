// The memory of a user-mode guest process: its mappings as RAM regions of a PhysicalMemory. The
// guest's page tables identity-map them, so a guest virtual address is the physical address and
// every mapping is simply a region at that address.
//
// Policy (docs/user-mode.md, "Memory"):
// - Every mapping is page-granular (4 KiB) and zero-filled when made.
// - munmap and MAP_FIXED over existing pages split the regions they cut: the pieces left keep
//   views (subarrays) of the old bytes, so nothing is copied. The bytes of a region are freed when
//   no piece of it is mapped any more.
// - The region count is the number of live mappings (each mmap is one region; the brk heap grows
//   in steps of at least 1 MiB, so it stays a few regions). Linux allows 65530 mappings; we stop
//   at MAX_REGIONS with ENOMEM.
// - Page protections are enforced by the CPU's paging: the runner keeps i386 page tables that
//   mirror the mappings (forEachMapping) and identity-map them (a guest virtual address is still
//   the physical address). System calls reach guest memory through PhysicalMemory, so they check
//   the protection themselves with isAccessible, as Linux's copy_to_user/copy_from_user fail.

import { PhysicalMemory, type Region } from '../hw/memory.js';

export const PAGE_SIZE = 0x1000;
export const PAGE_MASK = PAGE_SIZE - 1;
export const MAX_REGIONS = 4096;
const ADDRESS_SPACE_END = 0x1_0000_0000;

export function pageDown(address: number): number {
  return address - (address % PAGE_SIZE);
}

export function pageUp(address: number): number {
  return Math.ceil(address / PAGE_SIZE) * PAGE_SIZE;
}

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

export interface Mapping {
  readonly region: Region;
  prot: number;
}

export class UserAddressSpace {
  /** Mappings by region, in no particular order (PhysicalMemory keeps them sorted). */
  private readonly mappings = new Map<Region, Mapping>();
  /** Called after mappings change, so the CPU can drop cached translations. */
  onChange: () => void = () => undefined;

  constructor(
    readonly memory: PhysicalMemory,
    /** mmap without an address searches downwards from here. */
    readonly mmapTop: number,
    /** … and not below here. */
    readonly mmapBottom = 0x0100_0000,
  ) {}

  get regionCount(): number {
    return this.mappings.size;
  }

  /** Whether every byte of [start, start+length) is mapped. */
  isMapped(start: number, length: number): boolean {
    if (start < 0 || length < 0 || start + length > ADDRESS_SPACE_END) return false;
    let address = start;
    const end = start + length;
    while (address < end) {
      const region = this.memory.find(address);
      if (region === null || !this.mappings.has(region)) return false;
      address = region.end;
    }
    return true;
  }

  /**
   * Whether every byte of [start, start+length) is mapped with a protection that lets a user
   * access through: any protection but PROT_NONE reads (i386 pages are readable when present),
   * only PROT_WRITE writes.
   */
  isAccessible(start: number, length: number, write: boolean): boolean {
    if (start < 0 || length < 0 || start + length > ADDRESS_SPACE_END) return false;
    let address = start;
    const end = start + length;
    while (address < end) {
      const region = this.memory.find(address);
      const mapping = region === null ? undefined : this.mappings.get(region);
      if (region === null || mapping === undefined) return false;
      if (write ? (mapping.prot & PROT_WRITE) === 0 : mapping.prot === 0) return false;
      address = region.end;
    }
    return true;
  }

  /** Calls `visit` for every mapping (in no particular order). */
  forEachMapping(visit: (start: number, end: number, prot: number) => void): void {
    for (const mapping of this.mappings.values()) visit(mapping.region.start, mapping.region.end, mapping.prot);
  }

  /** Whether every byte of [start, end) is mapped by regions named `name`. */
  isMappedAs(start: number, end: number, name: string): boolean {
    let address = start;
    while (address < end) {
      const region = this.memory.find(address);
      if (region === null || region.name !== name || !this.mappings.has(region)) return false;
      address = region.end;
    }
    return true;
  }

  /** Whether no byte of the page range [start, end) is mapped (or otherwise taken in PhysicalMemory). */
  isFree(start: number, end: number): boolean {
    if (start < 0 || end > ADDRESS_SPACE_END || start >= end) return false;
    for (const region of this.memory.map()) {
      if (region.start < end && start < region.end) return false;
    }
    return true;
  }

  /** Maps zeroed pages at [start, start+length) (page-aligned, free). Returns false when out of regions. */
  map(name: string, start: number, length: number, prot: number): boolean {
    if (start % PAGE_SIZE !== 0 || length <= 0 || length % PAGE_SIZE !== 0) throw new RangeError(`map ${name}: 0x${start.toString(16)}+0x${length.toString(16)} is not page-aligned`);
    if (this.mappings.size >= MAX_REGIONS) return false;
    const region = this.memory.addRam(name, start, new Uint8Array(length));
    this.mappings.set(region, { region, prot });
    this.onChange();
    return true;
  }

  /** Unmaps every mapped page of the page range [start, start+length), splitting the regions it cuts. */
  unmap(start: number, length: number): void {
    const end = start + length;
    let changed = false;
    for (const region of [...this.memory.map()]) {
      if (region.end <= start || region.start >= end) continue;
      const mapping = this.mappings.get(region);
      if (mapping === undefined || region.bytes === null) continue;
      this.memory.remove(region);
      this.mappings.delete(region);
      if (region.start < start) this.addPiece(region.name, region.start, region.bytes.subarray(0, start - region.start), mapping.prot);
      if (region.end > end) this.addPiece(region.name, end, region.bytes.subarray(end - region.start), mapping.prot);
      changed = true;
    }
    if (changed) this.onChange();
  }

  private addPiece(name: string, start: number, bytes: Uint8Array, prot: number): void {
    const region = this.memory.addRam(name, start, bytes);
    this.mappings.set(region, { region, prot });
  }

  /** Records `prot` for the mapped pages of [start, start+length), splitting regions at the edges. Returns false if a page there is unmapped. */
  protect(start: number, length: number, prot: number): boolean {
    if (!this.isMapped(start, length)) return false;
    const end = start + length;
    for (const region of [...this.memory.map()]) {
      if (region.end <= start || region.start >= end) continue;
      const mapping = this.mappings.get(region);
      if (mapping === undefined || mapping.prot === prot || region.bytes === null) continue;
      if (region.start >= start && region.end <= end) {
        mapping.prot = prot;
        continue;
      }
      // Split so that the protection applies to whole regions: at most three pieces, no copy.
      this.memory.remove(region);
      this.mappings.delete(region);
      const cutStart = Math.max(start, region.start);
      const cutEnd = Math.min(end, region.end);
      if (region.start < cutStart) this.addPiece(region.name, region.start, region.bytes.subarray(0, cutStart - region.start), mapping.prot);
      this.addPiece(region.name, cutStart, region.bytes.subarray(cutStart - region.start, cutEnd - region.start), prot);
      if (region.end > cutEnd) this.addPiece(region.name, cutEnd, region.bytes.subarray(cutEnd - region.start), mapping.prot);
    }
    this.onChange();
    return true;
  }

  /** The protection of the page holding `address`, or null when it is unmapped. */
  protection(address: number): number | null {
    const region = this.memory.find(address);
    return region === null ? null : (this.mappings.get(region)?.prot ?? null);
  }

  /**
   * The highest free page range of `length` bytes between mmapBottom and mmapTop (top-down, as
   * Linux's default mmap layout and qemu-user do), or null.
   */
  findFree(length: number): number | null {
    let ceiling = this.mmapTop;
    const regions = this.memory.map();
    for (let i = regions.length - 1; i >= 0; i--) {
      const region = regions[i];
      if (region.start >= ceiling) continue;
      if (ceiling - Math.max(region.end, this.mmapBottom) >= length) return ceiling - length;
      ceiling = region.start;
      if (ceiling <= this.mmapBottom) return null;
    }
    return ceiling - this.mmapBottom >= length ? ceiling - length : null;
  }

  /**
   * A copy for a forked child: a new PhysicalMemory with every mapping's bytes copied. No
   * copy-on-write; instead pages that are all zeros are not copied, as the child's fresh buffer
   * is zeros already and the host has not even touched its pages. Most of an 8 MiB stack and a
   * fresh brk heap are such pages; writing all of them costs tens of milliseconds per fork.
   */
  fork(): UserAddressSpace {
    const memory = new PhysicalMemory(this.memory.endian);
    const child = new UserAddressSpace(memory, this.mmapTop, this.mmapBottom);
    for (const mapping of this.mappings.values()) {
      const source = mapping.region.bytes;
      if (source === null) continue;
      const copy = new Uint8Array(source.length);
      // Regions are whole pages at page offsets of their buffer, so a word view lines up.
      const words = new Int32Array(source.buffer, source.byteOffset, source.length >>> 2);
      const wordsPerPage = PAGE_SIZE >>> 2;
      for (let page = 0; page < words.length; page += wordsPerPage) {
        const end = page + wordsPerPage;
        let i = page;
        while (i < end && words[i] === 0) i++;
        if (i < end) copy.set(source.subarray(page << 2, end << 2), page << 2);
      }
      child.addPiece(mapping.region.name, mapping.region.start, copy, mapping.prot);
    }
    return child;
  }

  /** Copies guest bytes out; false if part of the range is unmapped. */
  read(address: number, into: Uint8Array): boolean {
    if (!this.isMapped(address, into.length)) return false;
    this.memory.readBytes(address, into);
    return true;
  }

  /** Copies bytes into the guest; false if part of the range is unmapped. */
  write(address: number, from: Uint8Array): boolean {
    if (!this.isMapped(address, from.length)) return false;
    this.memory.writeBytes(address, from);
    return true;
  }

  /** Zeroes [start, end) of mapped memory. */
  zero(start: number, end: number): void {
    let address = start;
    while (address < end) {
      const region = this.memory.find(address);
      if (region === null || region.bytes === null) {
        address = pageUp(address + 1);
        continue;
      }
      const stop = Math.min(end, region.end);
      region.bytes.fill(0, address - region.start, stop - region.start);
      address = stop;
    }
  }
}
