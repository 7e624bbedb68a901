// Interrupts: a host event source (a tty, a timer, a socket) raises an Irq; the kernel delivers it as
// an IPC (label KernelLabel.irq) to the one thread bound to it, and masks the line until that thread
// acknowledges. Raises while masked are remembered as one pending interrupt, as a level line would be.

import type { KernelObject } from './object.js';
import type { Thread } from './thread.js';

export class Irq implements KernelObject {
  readonly kind = 'irq';
  bound: Thread | null = null;
  masked = false;
  pending = false;
  /** How many times the line was raised (for diagnostics). */
  raised = 0;
  destroyed = false;

  constructor(
    readonly id: number,
    readonly line: number,
  ) {}
}
