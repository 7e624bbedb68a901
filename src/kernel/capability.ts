// Capabilities and capability spaces. A capability names one kernel object with rights and a
// badge; capabilities derived from it (copy, mint, map items) form a derivation tree so that
// revoke can remove everything derived from a capability, on this host CPU and on others
// (seL4's capability derivation tree; L4's recursive unmap).

import type { KernelObject, RemoteRef } from './object.js';
import type { RightsMask } from './types.js';

/** A capability derived on another host CPU from a local one (by an IPC map item). */
export interface RemoteChild {
  cpu: number;
  transferId: number;
}

export class Capability {
  parent: Capability | null = null;
  readonly children = new Set<Capability>();
  readonly remoteChildren: RemoteChild[] = [];
  space: CapabilitySpace | null = null;
  slot = -1;
  /** Cleared when the capability is deleted or revoked; holders of a stale reference check it. */
  valid = true;
  /** Set on the capability created with its object: deleting it destroys the object. */
  original = false;
  /** Set on a capability received from another host CPU: its id there, for revocation. */
  importedTransferId = -1;

  constructor(
    readonly object: KernelObject | RemoteRef,
    readonly rights: RightsMask,
    readonly badge: number,
    /** For dataspaces: the window of the dataspace this capability (mapping) covers. */
    readonly offset = 0,
    readonly size = 0,
  ) {}

  has(rights: RightsMask): boolean {
    return this.valid && (this.rights & rights) === rights;
  }

  /** Makes `child` derived from this capability. */
  adopt(child: Capability): void {
    child.parent = this;
    this.children.add(child);
  }
}

/** A task's table of capabilities, indexed by slot number. */
export class CapabilitySpace {
  private readonly slots: (Capability | null)[] = [];

  constructor(readonly limit = 4096) {}

  get(slot: number): Capability | null {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slots.length) return null;
    const cap = this.slots[slot];
    return cap !== undefined && cap !== null && cap.valid ? cap : null;
  }

  /** Puts a capability into the lowest free slot (or `slot`, if given and free); -1 when full. */
  insert(cap: Capability, slot = -1): number {
    if (slot < 0) {
      slot = this.slots.findIndex((c) => c === null || !c.valid);
      if (slot < 0) slot = this.slots.length;
    } else if (this.get(slot) !== null) {
      return -1;
    }
    if (slot >= this.limit) return -1;
    while (this.slots.length <= slot) this.slots.push(null);
    this.slots[slot] = cap;
    cap.space = this;
    cap.slot = slot;
    return slot;
  }

  /** Empties a slot without touching the derivation tree (the kernel does that). */
  clear(cap: Capability): void {
    if (cap.space === this && this.slots[cap.slot] === cap) this.slots[cap.slot] = null;
    cap.space = null;
    cap.slot = -1;
  }

  /** Every valid capability with its slot, in slot order (for diagnostics and tests). */
  entries(): [number, Capability][] {
    const out: [number, Capability][] = [];
    this.slots.forEach((cap, slot) => {
      if (cap !== null && cap.valid) out.push([slot, cap]);
    });
    return out;
  }
}

/**
 * Removes `cap` from the tree and its slot. Its children move up to its parent (seL4: deleting a
 * capability does not revoke what was derived from it; revoke does).
 */
export function unlinkCapability(cap: Capability): void {
  cap.valid = false;
  const parent = cap.parent;
  if (parent !== null) parent.children.delete(cap);
  for (const child of cap.children) {
    child.parent = parent;
    if (parent !== null) parent.children.add(child);
  }
  cap.children.clear();
  if (parent !== null) parent.remoteChildren.push(...cap.remoteChildren);
  cap.remoteChildren.length = 0;
  cap.parent = null;
  if (cap.space !== null) cap.space.clear(cap);
}

/**
 * Invalidates every capability derived from `cap`, depth first, and returns the remote children
 * met on the way, which the kernel revokes on their host CPUs. `cap` itself stays.
 */
export function revokeDescendants(cap: Capability, removed: (c: Capability) => void): RemoteChild[] {
  const remote: RemoteChild[] = [...cap.remoteChildren];
  cap.remoteChildren.length = 0;
  for (const child of [...cap.children]) {
    remote.push(...revokeDescendants(child, removed));
    child.valid = false;
    child.parent = null;
    if (child.space !== null) child.space.clear(child);
    removed(child);
  }
  cap.children.clear();
  return remote;
}
