// The common shape of kernel objects, and the stand-in for an object that lives on another host CPU.

import type { ObjectKind } from './types.js';

export interface KernelObject {
  readonly kind: ObjectKind;
  /** Unique among the objects of one host CPU's kernel. */
  readonly id: number;
}

/**
 * An object homed on another host CPU. Operations on it travel through the shared-memory queues
 * to that CPU's kernel (interconnect.ts); `kind` is known so rights can be checked locally.
 */
export class RemoteRef {
  readonly remote = true;
  constructor(
    readonly kind: ObjectKind,
    readonly cpu: number,
    readonly id: number,
  ) {}
}

export function isRemote(object: KernelObject | RemoteRef): object is RemoteRef {
  return object instanceof RemoteRef;
}
