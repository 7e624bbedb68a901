// Moving typed items from a sender to a receiver: string items are copied; map and grant items
// derive (or move) a capability into the receiver's capability space. Items coming from another
// host CPU arrive already resolved, as ImportedItem.

import { Capability, unlinkCapability } from './capability.js';
import { Dataspace } from './dataspace.js';
import type { KernelObject } from './object.js';
import { RemoteRef } from './object.js';
import type { Task } from './task.js';
import type { Thread } from './thread.js';
import {
  MESSAGE_ITEMS,
  Rights,
  STRING_ITEM_MAX_BYTES,
  type KernelError,
  type ObjectKind,
  type ReceivedItem,
  type RightsMask,
  type SendItem,
} from './types.js';

/** A map/grant item in flight between host CPUs, or a string item. */
export type ImportedItem =
  | { kind: 'string'; bytes: Uint8Array }
  | {
      kind: 'map' | 'grant';
      objectKind: ObjectKind;
      /** Where the object lives and its id there. */
      homeCpu: number;
      homeId: number;
      /** The dataspace's memory, for dataspaces. */
      buffer: SharedArrayBuffer | null;
      offset: number;
      size: number;
      rights: RightsMask;
      badge: number;
      /** Names the new capability for revocation from the sending host CPU. */
      fromCpu: number;
      transferId: number;
    };

/** Resolves the window a map item asks for, relative to the sender's capability. */
function window(cap: Capability, item: SendItem & { kind: 'map' | 'grant' }): { offset: number; size: number } | null {
  if (cap.object.kind !== 'dataspace') return { offset: 0, size: 0 };
  const offset = item.offset ?? 0;
  const size = item.size ?? cap.size - offset;
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size <= 0 || offset + size > cap.size) return null;
  return { offset: cap.offset + offset, size };
}

/**
 * Checks a message's items before it is sent; `via` is the endpoint capability used, or null for a
 * reply (the caller accepted capabilities by calling).
 */
export function validateItems(task: Task, via: Capability | null, items: SendItem[]): KernelError | null {
  if (items.length > MESSAGE_ITEMS) return 'invalid';
  for (const item of items) {
    if (item.kind === 'string') {
      if (!(item.bytes instanceof Uint8Array) || item.bytes.length > STRING_ITEM_MAX_BYTES) return 'invalid';
      continue;
    }
    if (via !== null && !via.has(Rights.grant)) return 'no-right';
    const cap = task.capabilities.get(item.slot);
    if (cap === null) return 'no-right';
    if (item.kind !== 'map' && item.kind !== 'grant') return 'invalid';
    if (item.rights !== undefined && (item.rights & ~cap.rights) !== 0) return 'no-right';
    if (window(cap, item) === null) return 'invalid';
  }
  return null;
}

const EMPTY_ITEM: ReceivedItem = { kind: 'map', slot: -1, size: 0, rights: 0 };

/**
 * Delivers items between two tasks of this host CPU. A map item whose source capability went away
 * while the sender waited, or that finds the receiver's capability space full, arrives empty
 * (slot -1).
 */
export function transferLocalItems(senderTask: Task, items: SendItem[], receiver: Thread): ReceivedItem[] {
  const out: ReceivedItem[] = [];
  for (const item of items) {
    if (item.kind === 'string') {
      out.push({ kind: 'string', bytes: item.bytes.slice() });
      continue;
    }
    const source = senderTask.capabilities.get(item.slot);
    const range = source === null ? null : window(source, item);
    if (source === null || range === null) {
      out.push(EMPTY_ITEM);
      continue;
    }
    const rights = (item.rights ?? source.rights) & source.rights;
    const cap = new Capability(source.object, rights, source.badge, range.offset, range.size);
    if (receiver.task.capabilities.insert(cap) < 0) {
      out.push(EMPTY_ITEM);
      continue;
    }
    if (item.kind === 'grant') {
      // The granted capability takes the source's place in the derivation tree.
      const parent = source.parent;
      cap.original = source.original;
      for (const child of source.children) cap.adopt(child);
      cap.remoteChildren.push(...source.remoteChildren);
      source.children.clear();
      source.remoteChildren.length = 0;
      unlinkCapability(source);
      if (parent !== null) parent.adopt(cap);
    } else {
      source.adopt(cap);
    }
    out.push({ kind: item.kind, slot: cap.slot, size: range.size, rights });
  }
  return out;
}

/** Looks up (or creates) the local object that an imported capability names. */
export type ObjectResolver = (item: ImportedItem & { kind: 'map' | 'grant' }) => KernelObject | RemoteRef;

/** Installs items that came from another host CPU into a receiver on this one. */
export function importItems(
  items: ImportedItem[],
  receiver: Thread,
  resolve: ObjectResolver,
  registerImport: (cap: Capability, fromCpu: number, transferId: number) => void,
): ReceivedItem[] {
  return items.map((item): ReceivedItem => {
    if (item.kind === 'string') return { kind: 'string', bytes: item.bytes };
    const object = resolve(item);
    const cap = new Capability(object, item.rights, item.badge, item.offset, item.size);
    if (receiver.task.capabilities.insert(cap) < 0) return EMPTY_ITEM;
    registerImport(cap, item.fromCpu, item.transferId);
    return { kind: item.kind, slot: cap.slot, size: item.size, rights: item.rights };
  });
}

/**
 * Prepares items for a receiver on another host CPU. A mapped capability records the remote child
 * so that revoking it reaches across; a granted one must have nothing derived from it, since the
 * derivation tree cannot span host CPUs upward.
 */
export function exportItems(
  senderTask: Task,
  items: SendItem[],
  localCpu: number,
  nextTransferId: () => number,
  destinationCpu: number,
): ImportedItem[] | KernelError {
  const out: ImportedItem[] = [];
  for (const item of items) {
    if (item.kind === 'string') {
      out.push({ kind: 'string', bytes: item.bytes.slice() });
      continue;
    }
    const source = senderTask.capabilities.get(item.slot);
    if (source === null) return 'no-right';
    const range = window(source, item);
    if (range === null) return 'invalid';
    if (item.kind === 'grant' && (source.children.size > 0 || source.remoteChildren.length > 0 || source.original)) {
      return 'invalid';
    }
    const object = source.object;
    if (object.kind === 'reply' || object.kind === 'irq') return 'invalid'; // meaningful on their own host CPU only
    const homeCpu = object instanceof RemoteRef ? object.cpu : object instanceof Dataspace ? object.homeCpu : localCpu;
    const homeId = object instanceof RemoteRef ? object.id : object instanceof Dataspace ? object.homeId : object.id;
    const transferId = nextTransferId();
    out.push({
      kind: item.kind,
      objectKind: object.kind,
      homeCpu,
      homeId,
      buffer: object instanceof Dataspace ? object.buffer : null,
      offset: range.offset,
      size: range.size,
      rights: (item.rights ?? source.rights) & source.rights,
      badge: source.badge,
      fromCpu: localCpu,
      transferId,
    });
    if (item.kind === 'grant') {
      // The moved capability stays under the source's parent, so revoking that still reaches it.
      source.parent?.remoteChildren.push({ cpu: destinationCpu, transferId });
      unlinkCapability(source);
    } else {
      source.remoteChildren.push({ cpu: destinationCpu, transferId });
    }
  }
  return out;
}
