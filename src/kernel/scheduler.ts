// Ready queues of one host CPU: fixed priorities 0-255 (higher runs first), round robin within a
// priority. The run loop that uses them is in kernel.ts.

import type { Thread } from './thread.js';

export const PRIORITY_LEVELS = 256;

export class ReadyQueues {
  private readonly queues: Thread[][] = Array.from({ length: PRIORITY_LEVELS }, () => []);
  /** Highest priority that may hold a thread; queues above it are empty. */
  private top = -1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Queues a ready thread: at the back when its slice ran out or it just woke, at the front when preempted. */
  enqueue(thread: Thread, front = false): void {
    const queue = this.queues[thread.priority];
    if (front) queue.unshift(thread);
    else queue.push(thread);
    if (thread.priority > this.top) this.top = thread.priority;
    this.count++;
  }

  /** Priority of the best ready thread, or -1. */
  highest(): number {
    while (this.top >= 0 && this.queues[this.top].length === 0) this.top--;
    return this.top;
  }

  dequeue(): Thread | null {
    const priority = this.highest();
    if (priority < 0) return null;
    this.count--;
    return this.queues[priority].shift() ?? null;
  }

  remove(thread: Thread): boolean {
    const queue = this.queues[thread.priority];
    const index = queue.indexOf(thread);
    if (index < 0) return false;
    queue.splice(index, 1);
    this.count--;
    return true;
  }
}

/**
 * A min-heap of timeouts: (deadline, thread, generation of the block it belongs to). Timeouts with
 * the same deadline fire in the order they were set, so threads sleeping until the same instant
 * wake (and queue) in the order they went to sleep.
 */
export class TimerHeap {
  private readonly deadlines: number[] = [];
  private readonly threads: Thread[] = [];
  private readonly generations: number[] = [];
  /** Insertion order, the tie-breaker among equal deadlines. */
  private readonly sequences: number[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.deadlines.length;
  }

  next(): number {
    return this.deadlines.length > 0 ? this.deadlines[0] : Number.POSITIVE_INFINITY;
  }

  push(deadline: number, thread: Thread, generation: number): void {
    let i = this.deadlines.length;
    this.deadlines.push(deadline);
    this.threads.push(thread);
    this.generations.push(generation);
    this.sequences.push(this.nextSequence++);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.earlier(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the earliest timer; the caller reads it with next()/peek first. */
  pop(): { thread: Thread; generation: number } {
    const thread = this.threads[0];
    const generation = this.generations[0];
    const last = this.deadlines.length - 1;
    this.swap(0, last);
    this.deadlines.pop();
    this.threads.pop();
    this.generations.pop();
    this.sequences.pop();
    let i = 0;
    const n = this.deadlines.length;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.earlier(left, smallest)) smallest = left;
      if (right < n && this.earlier(right, smallest)) smallest = right;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return { thread, generation };
  }

  private earlier(a: number, b: number): boolean {
    const da = this.deadlines[a];
    const db = this.deadlines[b];
    return da < db || (da === db && this.sequences[a] < this.sequences[b]);
  }

  private swap(a: number, b: number): void {
    [this.deadlines[a], this.deadlines[b]] = [this.deadlines[b], this.deadlines[a]];
    [this.threads[a], this.threads[b]] = [this.threads[b], this.threads[a]];
    [this.generations[a], this.generations[b]] = [this.generations[b], this.generations[a]];
    [this.sequences[a], this.sequences[b]] = [this.sequences[b], this.sequences[a]];
  }
}
