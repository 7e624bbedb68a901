// The system-call table: everything a thread can ask of the kernel, in one place (seL4 keeps its
// call dispatch in one file too). A `Sys` is handed to each thread's body; its methods act for that
// thread only, with the capabilities of that thread's task. docs/kernel.md documents each call.

import { Dataspace, Region } from './dataspace.js';
import { Irq } from './irq.js';
import { Endpoint } from './endpoint.js';
import { Notification } from './notification.js';
import type { Kernel, CreatableKind } from './kernel.js';
import { isRemote } from './object.js';
import { Reply } from './reply.js';
import { Capability } from './capability.js';
import type { Thread, ThreadBody } from './thread.js';
import { ipcReceive, ipcReply, ipcSend, ipcSignal } from './ipc.js';
import {
  NEVER,
  Rights,
  fail,
  ok,
  type IpcResult,
  type KernelError,
  type Nanoseconds,
  type ObjectKind,
  type ReceivedItem,
  type Result,
  type RightsMask,
  type SendItem,
  type Tag,
} from './types.js';

export interface Timeouts {
  send?: Nanoseconds;
  receive?: Nanoseconds;
}

export interface CapabilityInfo {
  kind: ObjectKind;
  rights: RightsMask;
  badge: number;
  size: number;
  /** The host CPU the object lives on. */
  cpu: number;
}

export class Sys {
  constructor(
    private readonly kernel: Kernel,
    private readonly thread: Thread,
  ) {}

  // ---- the UTCB ----

  /** Message registers: write the words to send here; read received words here. */
  get mr(): Uint32Array {
    return this.thread.utcb.mr;
  }
  /** Typed items that arrived with the last message. */
  get received(): ReceivedItem[] {
    return this.thread.utcb.received;
  }
  /** Sets the typed items the next message carries (the tag says how many are sent). */
  setItems(items: SendItem[]): void {
    this.thread.utcb.items = items;
  }

  /** The slot of a capability the configuration gave this task under `name`, or -1. */
  capability(name: string): number {
    const slot = this.thread.task.environment.get(name);
    return slot !== undefined && this.thread.task.capabilities.get(slot) !== null ? slot : -1;
  }

  /** The names of every capability the configuration gave this task. */
  capabilityNames(): string[] {
    return [...this.thread.task.environment.keys()];
  }

  get threadId(): number {
    return this.thread.id;
  }
  get taskName(): string {
    return this.thread.task.name;
  }
  get cpu(): number {
    return this.kernel.cpu;
  }

  /** Builds a tag and copies `words` into the message registers. */
  message(label: number, words: ArrayLike<number> = [], items: SendItem[] = []): Tag {
    const mr = this.thread.utcb.mr;
    // More words than registers: copy what fits; the tag keeps the real count, which send refuses ('invalid').
    mr.set(words.length <= mr.length ? words : Array.from({ length: mr.length }, (_, i) => words[i]));
    this.thread.utcb.items = items;
    return { label, words: words.length, items: items.length };
  }

  // ---- IPC ----

  private async finish(result: IpcResult | null): Promise<IpcResult> {
    if (result === null) {
      await this.kernel.switchAway(this.thread);
      return this.thread.result;
    }
    await this.preemptionPoint();
    return result;
  }

  /** Sends a message; blocks until a receiver takes it or `timeout` passes. */
  send(slot: number, tag: Tag, timeout: Nanoseconds = NEVER): Promise<IpcResult> {
    return this.finish(ipcSend(this.kernel, this.thread, slot, tag, timeout, null));
  }

  /** Waits for a message on an endpoint, the bits of a notification, or the bound interrupt. */
  receive(slot: number, timeout: Nanoseconds = NEVER): Promise<IpcResult> {
    return this.finish(ipcReceive(this.kernel, this.thread, slot, timeout));
  }

  /** Sends and waits for the reply, atomically (the server's reply can only go to this caller). */
  call(slot: number, tag: Tag, timeouts: Timeouts = {}): Promise<IpcResult> {
    return this.finish(ipcSend(this.kernel, this.thread, slot, tag, timeouts.send ?? NEVER, timeouts.receive ?? NEVER));
  }

  /** Replies to the caller of the last call received; never blocks. */
  reply(tag: Tag): Promise<IpcResult> {
    const target = this.thread.replyTo;
    this.thread.replyTo = null;
    const result = ipcReply(this.kernel, this.thread, tag, target);
    // A malformed reply leaves the caller waiting for a good one, not lost.
    if (!result.ok && (result.error === 'invalid' || result.error === 'no-right')) this.thread.replyTo = target;
    return this.finish(result);
  }

  /**
   * Replies to the pending caller (if any; a failed reply is not reported, as in seL4's ReplyRecv)
   * and waits for the next message on `slot`: the server loop in one call.
   */
  replyWait(slot: number, tag: Tag | null, timeout: Nanoseconds = NEVER): Promise<IpcResult> {
    const target = this.thread.replyTo;
    this.thread.replyTo = null;
    if (tag !== null && target !== null) ipcReply(this.kernel, this.thread, tag, target);
    return this.finish(ipcReceive(this.kernel, this.thread, slot, timeout));
  }

  /** Keeps the right to answer the pending caller later, as a reply capability; returns its slot. */
  saveReply(): Result<number> {
    const target = this.thread.replyTo;
    if (target === null) return fail('no-partner');
    this.thread.replyTo = null;
    const reply = new Reply(this.kernel.newId(), target);
    const slot = this.thread.task.capabilities.insert(new Capability(reply, Rights.write, 0));
    return slot < 0 ? fail('invalid') : ok(slot);
  }

  /** Answers through a saved reply capability, which is used up. */
  replyTo(slot: number, tag: Tag): Promise<IpcResult> {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null || !(cap.object instanceof Reply) || !cap.has(Rights.write)) return this.finish(fail('no-right'));
    const reply = cap.object;
    if (reply.used) {
      this.kernel.deleteLocal(cap);
      return this.finish(fail('no-partner'));
    }
    const result = ipcReply(this.kernel, this.thread, tag, reply.target);
    // A malformed reply keeps the reply capability for a good one.
    if (result.ok || (result.error !== 'invalid' && result.error !== 'no-right')) {
      reply.used = true;
      this.kernel.deleteLocal(cap);
    }
    return this.finish(result);
  }

  // ---- notifications and interrupts ----

  /** ORs `bits` (default: the capability's badge, or 1) into a notification. Never blocks. */
  async signal(slot: number, bits?: number): Promise<KernelError | null> {
    const error = ipcSignal(this.kernel, this.thread, slot, bits);
    await this.preemptionPoint();
    return error;
  }

  /** Waits for notification bits; returns them, or the error of the receive (timeout, ...). */
  async wait(slot: number, timeout: Nanoseconds = NEVER): Promise<Result<number>> {
    const result = await this.receive(slot, timeout);
    return result.ok ? ok(this.mr[0]) : result;
  }

  /** Binds the calling thread to an interrupt, so it receives it with receive(slot). */
  irqAttach(slot: number): KernelError | null {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null || !(cap.object instanceof Irq) || !cap.has(Rights.read)) return 'no-right';
    if (cap.object.bound !== null && cap.object.bound !== this.thread && cap.object.bound.alive) return 'no-right';
    cap.object.bound = this.thread;
    return null;
  }

  /** Unmasks an interrupt after handling it; a raise that came meanwhile is delivered now. */
  irqAck(slot: number): KernelError | null {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null || !(cap.object instanceof Irq) || !cap.has(Rights.read)) return 'no-right';
    if (cap.object.bound !== this.thread) return 'no-right';
    cap.object.masked = false;
    return null;
  }

  // ---- capabilities ----

  /** Describes the capability in a slot. */
  identify(slot: number): Result<CapabilityInfo> {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null) return fail('no-right');
    const object = cap.object;
    if ((object instanceof Endpoint || object instanceof Notification || object instanceof Irq) && object.destroyed) return fail('no-right');
    const cpu = isRemote(object) ? object.cpu : object instanceof Dataspace ? object.homeCpu : this.kernel.cpu;
    return ok({ kind: object.kind, rights: cap.rights, badge: cap.badge, size: cap.size, cpu });
  }

  /** Copies a capability into a free slot (derived from it: revoking the source removes the copy). */
  copy(slot: number): Result<number> {
    return this.mint(slot, Rights.all, null);
  }

  /**
   * Derives a capability with fewer rights and, for an unbadged endpoint or notification capability,
   * a badge; for a dataspace, a sub-window (offset, size).
   */
  mint(slot: number, rights: RightsMask, badge: number | null, window?: { offset: number; size: number }): Result<number> {
    const source = this.thread.task.capabilities.get(slot);
    if (source === null) return fail('no-right');
    if (badge !== null && (source.badge !== 0 || (source.object.kind !== 'endpoint' && source.object.kind !== 'notification'))) {
      return fail('invalid');
    }
    if (badge !== null && (!Number.isInteger(badge) || badge <= 0 || badge > 0xffff_ffff)) return fail('invalid');
    let offset = source.offset;
    let size = source.size;
    if (window !== undefined) {
      if (source.object.kind !== 'dataspace') return fail('invalid');
      if (!Number.isInteger(window.offset) || !Number.isInteger(window.size) || window.offset < 0 || window.size <= 0 || window.offset + window.size > source.size) {
        return fail('invalid');
      }
      offset += window.offset;
      size = window.size;
    }
    const cap = this.kernel.derive(source, rights, badge ?? source.badge, offset, size);
    const placed = this.thread.task.capabilities.insert(cap);
    if (placed < 0) {
      source.children.delete(cap);
      return fail('invalid');
    }
    return ok(placed);
  }

  /** Removes every capability and mapping derived from this one, in every task, on every host CPU. */
  async revoke(slot: number): Promise<KernelError | null> {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null) return 'no-right';
    const remote = this.kernel.revokeLocal(cap);
    if (remote.length > 0) await this.hostAwait(this.kernel.revokeRemote(remote));
    await this.preemptionPoint(); // a higher-priority thread it cancelled runs now
    return null;
  }

  /** Deletes a capability; deleting an object's original capability destroys the object. */
  async delete(slot: number): Promise<KernelError | null> {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null) return 'no-right';
    const remote = this.kernel.deleteLocal(cap);
    if (remote.length > 0) await this.hostAwait(this.kernel.revokeRemote(remote));
    await this.preemptionPoint();
    return null;
  }

  // ---- objects and memory ----

  /** Creates an endpoint, a notification or a dataspace of `size` bytes; returns the slot of its capability. */
  create(kind: CreatableKind, size = 0): Result<number> {
    if (kind !== 'endpoint' && kind !== 'notification' && kind !== 'dataspace') return fail('invalid');
    if (kind === 'dataspace' && (!Number.isInteger(size) || size <= 0 || size > 0x8000_0000)) return fail('invalid');
    const slot = this.kernel.createObject(this.thread.task, kind, size);
    return slot < 0 ? fail('invalid') : ok(slot);
  }

  /** Access to a mapped dataspace window, within the rights of the mapping. */
  region(slot: number): Result<Region> {
    const cap = this.thread.task.capabilities.get(slot);
    if (cap === null || !(cap.object instanceof Dataspace)) return fail('no-right');
    return ok(new Region(cap, cap.object));
  }

  // ---- threads and time ----

  /** Starts another thread in this task, at most at the task's maximum priority. */
  spawn(name: string, body: ThreadBody, priority = this.thread.priority): Result<number> {
    if (!Number.isInteger(priority) || priority < 0 || priority > this.thread.task.maxPriority) return fail('no-right');
    const thread = this.kernel.createThread(this.thread.task, name, body, { priority });
    thread.faultHandler = this.thread.faultHandler;
    return ok(thread.id);
  }

  /** Current time of this host CPU's clock, in nanoseconds. */
  now(): Nanoseconds {
    return this.kernel.clock.now();
  }

  /** Charges CPU work to this thread; on a virtual clock time advances by it (a vCPU charges guest time). */
  work(duration: Nanoseconds): void {
    this.kernel.clock.advance(duration);
  }

  /** A preemption point: lets a higher-priority thread run, or an equal one when the slice is spent. */
  async yield(): Promise<void> {
    await this.preemptionPoint();
  }

  private async preemptionPoint(): Promise<void> {
    if (!this.kernel.mustYield(this.thread)) return;
    this.kernel.requeue(this.thread);
    await this.kernel.switchAway(this.thread);
  }

  /** Blocks for `duration` nanoseconds. */
  async sleep(duration: Nanoseconds): Promise<void> {
    this.kernel.block(this.thread, 'sleeping', null, duration);
    await this.kernel.switchAway(this.thread);
  }

  /**
   * Waits for a host promise (file I/O, a timer of the host) without holding the CPU: other threads
   * run meanwhile. Threads must not await anything else, or they hold their host CPU while waiting.
   */
  async hostAwait<T>(promise: Promise<T>): Promise<T> {
    const kernel = this.kernel;
    const thread = this.thread;
    kernel.block(thread, 'sleeping', null, NEVER);
    const generation = thread.generation;
    kernel.beginHostWait();
    const outcome: { settled: boolean; value?: T; error?: unknown; failed: boolean } = { settled: false, failed: false };
    void promise
      .then(
        (value) => {
          outcome.value = value;
        },
        (error: unknown) => {
          outcome.failed = true;
          outcome.error = error;
        },
      )
      .finally(() => {
        outcome.settled = true;
        kernel.endHostWait();
        if (thread.generation === generation) kernel.wake(thread, { ok: true, tag: { label: 0, words: 0, items: 0 }, badge: 0 });
      });
    await kernel.switchAway(thread);
    if (outcome.failed) throw outcome.error;
    return outcome.value as T;
  }
}
