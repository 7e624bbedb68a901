// Notifications: a word of event bits. Signal ORs bits in and never blocks; wait returns and clears
// the accumulated bits, blocking while there are none (seL4 notifications; L4's asynchronous IPC).

import type { KernelObject } from './object.js';
import type { Thread } from './thread.js';

export class Notification implements KernelObject {
  readonly kind = 'notification';
  word = 0;
  readonly waiters: Thread[] = [];
  destroyed = false;

  constructor(readonly id: number) {}
}
