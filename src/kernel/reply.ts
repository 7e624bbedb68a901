// Reply capabilities: a saved right to answer one call later, so a server can hold several callers
// at once and answer them out of order (seL4's reply objects). Used at most once.

import type { KernelObject } from './object.js';
import type { ReplyTarget } from './thread.js';

export class Reply implements KernelObject {
  readonly kind = 'reply';
  used = false;
  constructor(
    readonly id: number,
    readonly target: ReplyTarget,
  ) {}
}
