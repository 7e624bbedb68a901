// Dataspaces: memory backed by a SharedArrayBuffer, so it can be mapped into tasks on any host CPU
// (worker) without copying. A capability to a dataspace is a mapping of a window of it with read or
// read/write rights; map items derive mappings from mappings, and revoking a mapping unmaps
// everything derived from it, recursively (L4's unmap). Guest RAM and VGA memory are dataspaces.

import type { Capability } from './capability.js';
import type { KernelObject } from './object.js';
import { Rights, type KernelError } from './types.js';

export class Dataspace implements KernelObject {
  readonly kind = 'dataspace';
  readonly bytes: Uint8Array;

  constructor(
    readonly id: number,
    /** The host CPU that created it, and its id there: names it across host CPUs. */
    readonly homeCpu: number,
    readonly homeId: number,
    readonly buffer: SharedArrayBuffer,
  ) {
    this.bytes = new Uint8Array(buffer);
  }

  get size(): number {
    return this.buffer.byteLength;
  }
}

/**
 * A task's access to one mapping. Every access checks that the mapping is still valid and has the
 * right, so a read-only mapping cannot be written through and an unmapped one reads nothing.
 * `view()` gives a raw typed array for hot paths (guest RAM); JavaScript cannot take such a view
 * back, so it is only handed out for writable mappings and the holder is trusted not to keep it
 * past an unmap (docs/kernel.md, "Dataspaces").
 */
export class Region {
  constructor(
    private readonly cap: Capability,
    private readonly dataspace: Dataspace,
  ) {}

  get size(): number {
    return this.cap.size;
  }
  get valid(): boolean {
    return this.cap.valid;
  }
  get writable(): boolean {
    return this.cap.has(Rights.write);
  }
  get readable(): boolean {
    return this.cap.has(Rights.read);
  }

  private check(offset: number, length: number, right: number): KernelError | null {
    if (!this.cap.has(right)) return 'no-right';
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > this.cap.size) return 'invalid';
    return null;
  }

  /** Copies `into.length` bytes from `offset` of the mapping. */
  read(offset: number, into: Uint8Array): KernelError | null {
    const error = this.check(offset, into.length, Rights.read);
    if (error !== null) return error;
    const start = this.cap.offset + offset;
    into.set(this.dataspace.bytes.subarray(start, start + into.length));
    return null;
  }

  /** Copies `from` into the mapping at `offset`. */
  write(offset: number, from: Uint8Array): KernelError | null {
    const error = this.check(offset, from.length, Rights.write);
    if (error !== null) return error;
    this.dataspace.bytes.set(from, this.cap.offset + offset);
    return null;
  }

  /** One byte, or -1 when the access is refused. */
  read8(offset: number): number {
    return this.check(offset, 1, Rights.read) === null ? this.dataspace.bytes[this.cap.offset + offset] : -1;
  }

  write8(offset: number, value: number): KernelError | null {
    const error = this.check(offset, 1, Rights.write);
    if (error !== null) return error;
    this.dataspace.bytes[this.cap.offset + offset] = value;
    return null;
  }

  /** A raw view of a writable mapping (see the class comment); null when read-only or unmapped. */
  view(): Uint8Array | null {
    if (!this.cap.has(Rights.read | Rights.write)) return null;
    return this.dataspace.bytes.subarray(this.cap.offset, this.cap.offset + this.cap.size);
  }
}
