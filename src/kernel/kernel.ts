// The kernel of one host CPU: its objects, its threads' scheduling, timeouts, and the glue to the
// other host CPUs (interconnect.ts). Threads are coroutines; exactly one runs at a time per host
// CPU. A thread gives up the CPU only inside a kernel call (it blocks, is preempted, or its slice
// is spent at a preemption point), so the kernel's data is never touched by two threads at once.

import { Capability, revokeDescendants, unlinkCapability, type RemoteChild } from './capability.js';
import { HostClock, VirtualClock, type Clock } from './clock.js';
import { Dataspace } from './dataspace.js';
import { Endpoint } from './endpoint.js';
import { Irq } from './irq.js';
import { Notification } from './notification.js';
import { isRemote, type KernelObject, type RemoteRef } from './object.js';
import { ReadyQueues, TimerHeap } from './scheduler.js';
import { Sys } from './syscalls.js';
import { Task } from './task.js';
import { Thread, type ThreadBody, type ThreadState } from './thread.js';
import { cancelBlocked, deliverFault } from './ipc.js';
import { KernelLabel, milliseconds, Rights, type Nanoseconds, type RightsMask } from './types.js';
import type { Interconnect } from './interconnect.js';

/** How often a busy kernel lets the host's event loop run (host milliseconds). */
const HOST_TURN_EVERY_MS = 4;

/** Resolves after one turn of the host's event loop (a macrotask), in Node and in browsers. */
function hostTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate !== undefined) return new Promise((resolve) => immediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export interface KernelOptions {
  /** Index of this host CPU in its system; 0 for a lone kernel. */
  cpu?: number;
  /** 'virtual' (deterministic, for tests) or 'host' (wall-clock). */
  clock?: 'virtual' | 'host' | Clock;
  /** Default time slice of new threads. */
  timeSlice?: Nanoseconds;
  /** Where the kernel reports faults no handler takes, and other diagnostics. */
  log?: (line: string) => void;
}

export interface ThreadOptions {
  priority?: number;
  timeSlice?: Nanoseconds;
  /** A capability slot in the task naming the endpoint faults are sent to. */
  faultHandlerSlot?: number;
}

export type CreatableKind = 'endpoint' | 'notification' | 'dataspace';

export class Kernel {
  readonly cpu: number;
  readonly clock: Clock;
  readonly defaultTimeSlice: Nanoseconds;
  readonly ready = new ReadyQueues();
  readonly timers = new TimerHeap();
  readonly tasks = new Set<Task>();
  readonly threads = new Map<number, Thread>();
  /** Objects by id, for lookups from other host CPUs. */
  readonly objects = new Map<number, KernelObject>();
  current: Thread | null = null;
  interconnect: Interconnect | null = null;
  readonly log: (line: string) => void;
  /** Counters for the self-check and benchmarks. */
  readonly stats = { contextSwitches: 0, ipcs: 0, faults: 0, timeouts: 0 };

  private nextId = 1;
  private switchedOut: (() => void) | null = null;
  private dispatchedAt: Nanoseconds = 0;
  private running = false;
  private stopRequested = false;
  /** Host time (ms) the run loop last let the host's event loop have a turn. */
  private lastHostTurn = 0;
  private dispatches = 0;
  private hostTurnDue = false;
  /** The `until` of the current run(): threads give way at preemption points once a virtual clock reaches it. */
  private runUntil: Nanoseconds = Number.POSITIVE_INFINITY;
  /** Host promises threads wait for (Sys.hostAwait); while any is pending the kernel is not idle for good. */
  private hostWaits = 0;

  constructor(options: KernelOptions = {}) {
    this.cpu = options.cpu ?? 0;
    const clock = options.clock ?? 'virtual';
    this.clock = clock === 'virtual' ? new VirtualClock() : clock === 'host' ? new HostClock() : clock;
    this.defaultTimeSlice = options.timeSlice ?? milliseconds(10);
    this.log = options.log ?? ((line) => console.error(line));
  }

  newId(): number {
    return this.nextId++;
  }

  // ---- creating objects (used by the root task, the host and Sys.create) ----

  createTask(name: string, maxPriority = 255): Task {
    const task = new Task(this.newId(), name, maxPriority);
    this.tasks.add(task);
    this.objects.set(task.id, task);
    return task;
  }

  createThread(task: Task, name: string, body: ThreadBody, options: ThreadOptions = {}): Thread {
    const priority = options.priority ?? Math.min(100, task.maxPriority);
    if (!Number.isInteger(priority) || priority < 0 || priority > task.maxPriority) {
      throw new RangeError(`thread ${name}: priority ${priority} is outside 0..${task.maxPriority} allowed for task ${task.name}`);
    }
    const thread = new Thread(this.newId(), task, name, priority, options.timeSlice ?? this.defaultTimeSlice);
    task.threads.add(thread);
    this.threads.set(thread.id, thread);
    if (options.faultHandlerSlot !== undefined) thread.faultHandler = task.capabilities.get(options.faultHandlerSlot);
    const sys = new Sys(this, thread);
    // The body starts in a promise job, never inside the call that dispatches it (a direct switch
    // from another thread's kernel call must not run this thread's code on that thread's stack).
    thread.resume = () => {
      void Promise.resolve(sys).then(body).then(
        () => this.finish(thread, null),
        (error: unknown) => this.finish(thread, error ?? new Error('thread threw a nullish value')),
      );
    };
    this.ready.enqueue(thread);
    this.kick();
    return thread;
  }

  /** Creates an object and puts its original capability (all rights) into `task`; returns the slot. */
  createObject(task: Task, kind: CreatableKind, size = 0, slot = -1): number {
    let object: KernelObject;
    const id = this.newId();
    if (kind === 'endpoint') object = new Endpoint(id);
    else if (kind === 'notification') object = new Notification(id);
    else object = new Dataspace(id, this.cpu, id, new SharedArrayBuffer(size));
    this.objects.set(id, object);
    const cap = new Capability(object, Rights.all, 0, 0, kind === 'dataspace' ? size : 0);
    cap.original = true;
    const placed = task.capabilities.insert(cap, slot);
    if (placed < 0) this.objects.delete(id);
    return placed;
  }

  /** Creates an interrupt line a host adapter raises, with its capability in `task`. */
  createIrq(task: Task, line: number, slot = -1): { slot: number; irq: Irq } {
    const irq = new Irq(this.newId(), line);
    this.objects.set(irq.id, irq);
    const cap = new Capability(irq, Rights.read | Rights.write, 0);
    cap.original = true;
    return { slot: task.capabilities.insert(cap, slot), irq };
  }

  /** Puts a capability to an object of this or another host CPU into `task` (root task use). */
  grantCapability(task: Task, object: KernelObject | RemoteRef, rights: RightsMask, badge: number, slot = -1, size = 0): number {
    return task.capabilities.insert(new Capability(object, rights, badge, 0, size), slot);
  }

  // ---- capability operations (Sys.copy/mint/revoke/delete) ----

  derive(source: Capability, rights: RightsMask, badge: number, offset: number, size: number): Capability {
    const cap = new Capability(source.object, rights & source.rights, badge, offset, size);
    source.adopt(cap);
    return cap;
  }

  /**
   * Revokes everything derived from `cap` on this host CPU at once; returns the derived capabilities
   * on other host CPUs, which revokeRemote removes (asynchronously: a thread waits with hostAwait).
   */
  revokeLocal(cap: Capability): RemoteChild[] {
    return revokeDescendants(cap, (removed) => this.capabilityRemoved(removed));
  }

  /** Revokes everything derived from `cap`, here and on other host CPUs; resolves when all is gone. */
  async revoke(cap: Capability): Promise<void> {
    await this.revokeRemote(this.revokeLocal(cap));
  }

  async revokeRemote(remote: RemoteChild[]): Promise<void> {
    const interconnect = this.interconnect;
    if (remote.length === 0 || interconnect === null) return;
    await Promise.all(remote.map((child) => interconnect.revoke(child)));
  }

  /**
   * Deletes one capability. Deleting an object's original capability destroys the object and
   * revokes everything derived from it; what that leaves to do on other host CPUs is returned.
   */
  deleteLocal(cap: Capability): RemoteChild[] {
    let remote: RemoteChild[] = [];
    if (cap.original) {
      remote = this.revokeLocal(cap);
      unlinkCapability(cap);
      this.destroy(cap.object);
    } else {
      unlinkCapability(cap);
    }
    this.capabilityRemoved(cap);
    return remote;
  }

  /** Removes one capability that a revocation from another host CPU reached. */
  removeCapability(cap: Capability): void {
    unlinkCapability(cap);
    this.capabilityRemoved(cap);
  }

  private capabilityRemoved(cap: Capability): void {
    for (const thread of this.threads.values()) {
      // A thread's fault handler capability going away means its faults are only logged.
      if (thread.faultHandler === cap) thread.faultHandler = null;
      // A send still queued through it is cancelled, so no message arrives with a revoked badge.
      if (thread.sendCap === cap && thread.state === 'blocked-send') {
        cancelBlocked(this, thread);
        this.wakeWithError(thread, 'cancelled');
      }
    }
  }

  /** Cancels everyone blocked on an object that goes away. */
  private destroy(object: KernelObject | RemoteRef): void {
    if (isRemote(object)) return;
    this.objects.delete(object.id);
    if (object instanceof Endpoint) {
      object.destroyed = true;
      for (const sender of object.senders.splice(0)) {
        if (sender instanceof Thread) this.wakeWithError(sender, 'cancelled');
        else this.interconnect?.sendFailed(sender, 'cancelled');
      }
      for (const receiver of object.receivers.splice(0)) this.wakeWithError(receiver, 'cancelled');
    } else if (object instanceof Notification) {
      object.destroyed = true;
      for (const waiter of object.waiters.splice(0)) this.wakeWithError(waiter, 'cancelled');
    } else if (object instanceof Irq) {
      object.destroyed = true;
      if (object.bound !== null && object.bound.waitingOn === object) this.wakeWithError(object.bound, 'cancelled');
    }
  }

  // ---- interrupts from the host ----

  /** Raises an interrupt line (from a host adapter); delivered as IPC when unmasked. */
  raiseIrq(irq: Irq): void {
    irq.raised++;
    irq.pending = true;
    this.deliverIrq(irq);
    this.kick();
  }

  deliverIrq(irq: Irq): boolean {
    const thread = irq.bound;
    // A killed thread keeps its waitingOn: it must not take (and mask away) the interrupt.
    if (irq.destroyed || irq.masked || !irq.pending || thread === null || !thread.alive || thread.waitingOn !== irq) return false;
    irq.pending = false;
    irq.masked = true;
    thread.utcb.mr[0] = irq.line;
    thread.utcb.received = [];
    this.wake(thread, { ok: true, tag: { label: KernelLabel.irq, words: 1, items: 0 }, badge: 0 });
    return true;
  }

  // ---- blocking and waking ----

  /** Marks the current thread blocked; the caller then awaits switchAway. */
  block(thread: Thread, state: ThreadState, waitingOn: KernelObject | null, timeout: Nanoseconds): void {
    thread.state = state;
    thread.waitingOn = waitingOn;
    thread.generation++;
    thread.deadline = this.clock.now() + timeout;
    if (Number.isFinite(thread.deadline)) this.timers.push(thread.deadline, thread, thread.generation);
  }

  /** Makes a blocked thread ready with the result its kernel call returns. */
  wake(thread: Thread, result: Thread['result']): void {
    thread.result = result;
    thread.waitingOn = null;
    thread.deadline = Number.POSITIVE_INFINITY;
    thread.generation++;
    if (thread.state === 'faulted' || thread.state === 'dead') return;
    thread.state = 'ready';
    this.ready.enqueue(thread);
    this.kick();
  }

  wakeWithError(thread: Thread, error: 'timeout' | 'cancelled' | 'no-partner'): void {
    this.wake(thread, { ok: false, error });
  }

  /**
   * Gives up the CPU: the current thread has blocked or been queued as ready. Resolves when the
   * scheduler runs it again.
   */
  switchAway(thread: Thread): Promise<void> {
    return new Promise<void>((resolve) => {
      thread.resume = resolve;
      this.leave(thread);
    });
  }

  /**
   * The current thread stops running. The CPU goes straight to the best ready thread (L4's direct
   * process switch: no trip through the run loop), unless the run loop has something to do first:
   * stop, the end of a virtual-time run, or the host's turn.
   */
  private leave(thread: Thread): void {
    const used = this.clock.now() - this.dispatchedAt;
    thread.cpuTime += used;
    thread.sliceLeft -= used;
    if (thread.sliceLeft <= 0) thread.sliceLeft = thread.timeSlice;
    this.current = null;
    const next = this.directSwitchTarget();
    if (next !== null) {
      this.enter(next);
      return;
    }
    const switched = this.switchedOut;
    this.switchedOut = null;
    switched?.();
  }

  private directSwitchTarget(): Thread | null {
    if (this.stopRequested || this.switchedOut === null) return null;
    if (this.clock.virtual && this.clock.now() >= this.runUntil) return null;
    // Reading the host's clock costs as much as a quick switch, so only every few switches.
    if ((++this.dispatches & 15) === 0 && performance.now() - this.lastHostTurn >= HOST_TURN_EVERY_MS) {
      this.hostTurnDue = true;
      return null;
    }
    this.fireTimers();
    this.interconnect?.poll();
    const next = this.ready.dequeue();
    if (next !== null && next.resume === null) return null;
    return next;
  }

  /** Runs `thread` from now on; its code continues in a promise job. */
  private enter(thread: Thread): void {
    const resume = thread.resume;
    thread.resume = null;
    thread.state = 'running';
    this.current = thread;
    this.stats.contextSwitches++;
    this.dispatchedAt = this.clock.now();
    resume?.();
  }

  /** A preemption point: true when the current thread must let another run (see Sys.yield). */
  mustYield(thread: Thread): boolean {
    this.fireTimers();
    this.interconnect?.poll();
    // The run loop must get the CPU back to return at `until` or after stop(), even from a thread
    // that is alone at its priority (it would otherwise never switch away).
    if (this.stopRequested || (this.clock.virtual && this.clock.now() >= this.runUntil)) return true;
    const best = this.ready.highest();
    if (best > thread.priority) return true;
    return best === thread.priority && this.clock.now() - this.dispatchedAt >= thread.sliceLeft;
  }

  /** Queues the current thread as ready again: in front when preempted, at the back when its slice is spent. */
  requeue(thread: Thread): void {
    const spent = this.clock.now() - this.dispatchedAt >= thread.sliceLeft;
    thread.state = 'ready';
    this.ready.enqueue(thread, !spent);
  }

  /** True when a thread of higher priority than `thread` is ready (after a wake-up). */
  preempts(thread: Thread): boolean {
    return this.ready.highest() > thread.priority;
  }

  // ---- host waits (Sys.hostAwait) ----

  beginHostWait(): void {
    this.hostWaits++;
  }
  endHostWait(): void {
    this.hostWaits--;
    this.kick();
  }

  // ---- timeouts ----

  fireTimers(): void {
    const now = this.clock.now();
    while (this.timers.size > 0 && this.timers.next() <= now) {
      const { thread, generation } = this.timers.pop();
      if (thread.generation !== generation) continue; // woken before its deadline
      this.stats.timeouts++;
      cancelBlocked(this, thread);
      if (thread.state === 'sleeping') this.wake(thread, { ok: true, tag: { label: 0, words: 0, items: 0 }, badge: 0 });
      else this.wakeWithError(thread, 'timeout');
    }
  }

  // ---- the run loop ----

  /** Wakes the run loop if it idles (an IRQ, a host event, a message from another host CPU). */
  kick(): void {
    const wake = this.wake_;
    if (wake !== null) {
      this.wake_ = null;
      wake();
    }
  }
  private wake_: (() => void) | null = null;

  /**
   * Runs threads until stop() is called. On a virtual clock it also returns when nothing can
   * happen any more (no ready thread, no timeout, no host wait), or once virtual time reaches `until`.
   */
  async run(options: { until?: Nanoseconds } = {}): Promise<void> {
    if (this.running) throw new Error(`kernel of host CPU ${this.cpu} is already running`);
    this.running = true;
    this.stopRequested = false;
    const until = options.until ?? Number.POSITIVE_INFINITY;
    this.runUntil = until;
    try {
      while (!this.stopRequested) {
        this.fireTimers();
        this.interconnect?.poll();
        if (this.clock.virtual && this.clock.now() >= until) return;
        const thread = this.ready.dequeue();
        if (thread === null) {
          if (!(await this.idle(until))) return;
          continue;
        }
        await this.dispatch(thread);
        // Threads hand the CPU to each other through promises (microtasks), which would keep the
        // host's own events (timers, I/O, message ports) out for as long as any thread is ready.
        if (this.hostTurnDue || ((++this.dispatches & 15) === 0 && performance.now() - this.lastHostTurn >= HOST_TURN_EVERY_MS)) {
          await hostTurn();
          this.lastHostTurn = performance.now();
          this.hostTurnDue = false;
        }
      }
    } finally {
      this.running = false;
      this.runUntil = Number.POSITIVE_INFINITY;
    }
  }

  stop(): void {
    this.stopRequested = true;
    this.kick();
  }

  /** Waits for something to do; false when a virtual-clock kernel has nothing left to wait for. */
  private async idle(until: Nanoseconds): Promise<boolean> {
    const next = Math.min(this.timers.next(), until);
    if (this.clock.virtual) {
      // Virtual time stands still while a host event a thread waits for is outstanding; otherwise
      // it jumps to the next timeout. A system of several host CPUs always runs on host time.
      if (this.hostWaits === 0 && this.interconnect === null) {
        if (!Number.isFinite(next)) return false;
        this.clock.advance(next - this.clock.now());
        return true;
      }
      await this.waitForHost(Number.POSITIVE_INFINITY);
      return true;
    }
    await this.waitForHost((next - this.clock.now()) / 1e6);
    return true;
  }

  /** Sleeps on the host until kick(), a message from another host CPU, or `milliseconds` pass. */
  private waitForHost(milliseconds: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (): void => {
        if (timer !== null) clearTimeout(timer);
        if (this.wake_ === done) this.wake_ = null;
        resolve();
      };
      this.wake_ = done;
      if (Number.isFinite(milliseconds)) timer = setTimeout(done, Math.max(0, milliseconds));
      this.interconnect?.waitForMessage(done);
    });
  }

  /** Runs threads from `thread` on until one gives the CPU back to the run loop. */
  private async dispatch(thread: Thread): Promise<void> {
    if (thread.resume === null) return;
    const switched = new Promise<void>((resolve) => (this.switchedOut = resolve));
    this.enter(thread);
    await switched;
  }

  /** Called when a thread's body returns or throws. */
  private finish(thread: Thread, error: unknown): void {
    if (error === null) {
      thread.state = 'dead';
    } else {
      thread.state = 'faulted';
      thread.fault = error;
      this.stats.faults++;
      deliverFault(this, thread, error);
    }
    thread.resume = null;
    this.leave(thread);
  }

  /** Stops a thread from outside (the root task tearing down a VM): its blocked call is cancelled. */
  kill(thread: Thread): void {
    if (!thread.alive) return;
    cancelBlocked(this, thread);
    this.ready.remove(thread);
    thread.state = 'dead';
    thread.generation++;
    thread.resume = null;
  }

  /** A one-line description of every thread, for diagnostics. */
  describe(): string[] {
    return [...this.threads.values()].map(
      (t) => `cpu${this.cpu} ${t.task.name}/${t.name} prio ${t.priority} ${t.state} cpu ${(t.cpuTime / 1e6).toFixed(3)} ms`,
    );
  }
}
