// Endpoints: rendezvous points for synchronous IPC. A sender and a receiver meet here; whoever
// comes first waits in the endpoint's queue (FIFO) until the partner arrives or the timeout runs out.
// The badge of the capability a sender used is what the receiver learns about who sent.

import type { KernelObject } from './object.js';
import type { Thread } from './thread.js';
import type { ImportedItem } from './transfer.js';
import type { Nanoseconds } from './types.js';

/** A send that arrived from another host CPU and waits here for a receiver. */
export class ProxySender {
  readonly proxy = true;
  constructor(
    readonly cpu: number,
    readonly callId: number,
    readonly label: number,
    readonly words: Uint32Array,
    readonly items: ImportedItem[],
    readonly badge: number,
    readonly isCall: boolean,
    readonly deadline: Nanoseconds,
  ) {}
}

export type Sender = Thread | ProxySender;

export class Endpoint implements KernelObject {
  readonly kind = 'endpoint';
  readonly senders: Sender[] = [];
  readonly receivers: Thread[] = [];
  destroyed = false;

  constructor(readonly id: number) {}
}
