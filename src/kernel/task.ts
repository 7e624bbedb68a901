// Tasks: an address space (the dataspace mappings it holds) and a capability space. A task reaches
// nothing it holds no capability for; its threads run on the host CPU the task is placed on.

import { CapabilitySpace } from './capability.js';
import type { KernelObject } from './object.js';
import type { Thread } from './thread.js';

export class Task implements KernelObject {
  readonly kind = 'task';
  readonly capabilities = new CapabilitySpace();
  readonly threads = new Set<Thread>();
  /** Named capabilities the root task gave this task (L4Re's named environment capabilities). */
  readonly environment = new Map<string, number>();
  /** Highest priority its threads may take (seL4's maximum controlled priority). */
  constructor(
    readonly id: number,
    readonly name: string,
    readonly maxPriority: number,
  ) {}

  /** The address space: every dataspace capability in the capability space is a mapping. */
  mappings(): { slot: number; dataspace: number; offset: number; size: number; rights: number }[] {
    return this.capabilities
      .entries()
      .filter(([, cap]) => cap.object.kind === 'dataspace')
      .map(([slot, cap]) => ({ slot, dataspace: cap.object.id, offset: cap.offset, size: cap.size, rights: cap.rights }));
  }
}
