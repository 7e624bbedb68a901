// Threads: a priority, a time slice, a UTCB of message registers, and the state of the one kernel
// call it may be blocked in. In JavaScript a thread is a coroutine (an async function) that runs
// until it blocks in a kernel call or reaches a preemption point (DESIGN.md, "The microkernel").

import type { Capability } from './capability.js';
import type { KernelObject } from './object.js';
import type { Task } from './task.js';
import type { IpcResult, Nanoseconds, ReceivedItem, SendItem } from './types.js';
import { MESSAGE_WORDS } from './types.js';

/** The user thread control block: message registers and typed items, as in L4's UTCB. */
export class Utcb {
  /** Message registers: the untyped words of the message being sent or just received. */
  readonly mr = new Uint32Array(MESSAGE_WORDS);
  /** Typed items to send with the next message. */
  items: SendItem[] = [];
  /** Typed items that arrived with the last message received. */
  received: ReceivedItem[] = [];
}

export type ThreadState =
  | 'ready'
  | 'running'
  | 'blocked-send'
  | 'blocked-receive'
  | 'blocked-reply'
  | 'blocked-remote'
  | 'sleeping'
  | 'faulted'
  | 'dead';

/** Where a received call must be answered: a local thread, or a caller on another host CPU. */
export type ReplyTarget = { thread: Thread; generation: number } | { cpu: number; callId: number };

export type ThreadBody = (sys: import('./syscalls.js').Sys) => Promise<void>;

export class Thread implements KernelObject {
  readonly kind = 'thread';
  state: ThreadState = 'ready';
  readonly utcb = new Utcb();
  /** Remaining time of the current slice; refilled when it runs out. */
  sliceLeft: Nanoseconds;
  /** CPU time charged to this thread so far. */
  cpuTime: Nanoseconds = 0;
  /** The value the kernel call this thread is blocked in will return. */
  result: IpcResult = { ok: false, error: 'cancelled' };
  /** Resolves the promise the thread's coroutine awaits when it gave up the CPU. */
  resume: (() => void) | null = null;

  // The blocked operation, when state is blocked-*:
  /** The object whose queue the thread waits in. */
  waitingOn: KernelObject | null = null;
  /** Message to deliver when blocked in send: its label and counts; words are in utcb.mr. */
  sendLabel = 0;
  sendWords = 0;
  sendBadge = 0;
  /** Typed items of the pending send, taken from the UTCB when the send began. */
  sendItems: SendItem[] = [];
  /** The capability the pending send goes through: revoking it cancels the send (seL4 does so too). */
  sendCap: Capability | null = null;
  /** True when the pending send is the first phase of a call. */
  isCall = false;
  /** Receive timeout of a call, started once the send phase completes. */
  callReceiveTimeout: Nanoseconds = 0;
  /** Absolute time at which the current block times out; Infinity for never. */
  deadline: Nanoseconds = Number.POSITIVE_INFINITY;
  /** Bumped on every block, so stale timers and replies can be told from current ones. */
  generation = 0;

  /** The caller of the call this thread received last, until it replies (seL4's reply slot). */
  replyTo: ReplyTarget | null = null;
  /** Endpoint the kernel sends this thread's fault to; null: faults are only logged. */
  faultHandler: Capability | null = null;
  /** Set when the thread faulted: the error it threw. */
  fault: unknown = null;

  constructor(
    readonly id: number,
    readonly task: Task,
    readonly name: string,
    public priority: number,
    readonly timeSlice: Nanoseconds,
  ) {
    this.sliceLeft = timeSlice;
  }

  get alive(): boolean {
    return this.state !== 'dead' && this.state !== 'faulted';
  }
}
