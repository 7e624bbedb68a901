// The general IPC path: send, receive, call, reply, replyWait, notifications and interrupts
// delivered as messages, and faults. Each function either completes at once and returns the
// result, or blocks the thread and returns null; the caller (syscalls.ts) then gives up the CPU and
// finds the result in thread.result when it runs again.

import type { Capability } from './capability.js';
import { Endpoint, ProxySender } from './endpoint.js';
import { Irq } from './irq.js';
import type { Kernel } from './kernel.js';
import { Notification } from './notification.js';
import { isRemote, type RemoteRef } from './object.js';
import { Thread, type ReplyTarget } from './thread.js';
import { exportItems, transferLocalItems, validateItems } from './transfer.js';
import {
  KernelLabel,
  MESSAGE_WORDS,
  Rights,
  fail,
  type IpcResult,
  type KernelError,
  type Nanoseconds,
  type SendItem,
  type Tag,
} from './types.js';

const SENT: IpcResult = { ok: true, tag: { label: 0, words: 0, items: 0 }, badge: 0 };

function checkTimeout(timeout: Nanoseconds): KernelError | null {
  return typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0 ? 'invalid' : null;
}

function checkTag(thread: Thread, tag: Tag): KernelError | null {
  if (!Number.isInteger(tag.words) || tag.words < 0 || tag.words > MESSAGE_WORDS) return 'invalid';
  if (!Number.isInteger(tag.items) || tag.items < 0 || tag.items > thread.utcb.items.length) return 'invalid';
  if (!Number.isInteger(tag.label) || tag.label < 0 || tag.label > 0xffff_ffff) return 'invalid';
  return null;
}

/** Copies a local sender's message into a receiver's UTCB; returns what the receiver's call returns. */
function deliverFromThread(sender: Thread, receiver: Thread): IpcResult {
  receiver.utcb.mr.set(sender.utcb.mr.subarray(0, sender.sendWords));
  receiver.utcb.received = sender.sendItems.length > 0 ? transferLocalItems(sender.task, sender.sendItems, receiver) : [];
  const result: IpcResult = {
    ok: true,
    tag: { label: sender.sendLabel, words: sender.sendWords, items: sender.sendItems.length },
    badge: sender.sendBadge,
  };
  sender.sendItems = [];
  sender.sendCap = null;
  return result;
}

/** After a queued local sender's message was taken by `receiver`: wake it, or wait for the reply. */
function completeSender(kernel: Kernel, sender: Thread, receiver: Thread): void {
  if (sender.fault !== null) {
    sender.waitingOn = null;
    return; // a fault message: the thread stays stopped
  }
  if (sender.isCall) {
    kernel.block(sender, 'blocked-reply', null, sender.callReceiveTimeout);
    receiver.replyTo = { thread: sender, generation: sender.generation };
  } else {
    kernel.wake(sender, SENT);
  }
}

/** Hands a message that came from another host CPU to a receiver here. */
export function deliverFromProxy(kernel: Kernel, proxy: ProxySender, receiver: Thread): IpcResult {
  receiver.utcb.mr.set(proxy.words);
  receiver.utcb.received = proxy.items.length > 0 && kernel.interconnect !== null ? kernel.interconnect.importItems(proxy.items, receiver) : [];
  receiver.replyTo = proxy.isCall ? { cpu: proxy.cpu, callId: proxy.callId } : null;
  kernel.interconnect?.delivered(proxy);
  return { ok: true, tag: { label: proxy.label, words: proxy.words.length, items: proxy.items.length }, badge: proxy.badge };
}

/** A send from another host CPU reached its endpoint here. */
export function acceptRemoteSend(kernel: Kernel, endpoint: Endpoint, proxy: ProxySender): void {
  const receiver = endpoint.receivers.shift();
  if (receiver !== undefined) {
    kernel.wake(receiver, deliverFromProxy(kernel, proxy, receiver));
  } else if (proxy.deadline <= kernel.clock.now()) {
    kernel.interconnect?.sendFailed(proxy, 'timeout');
  } else {
    endpoint.senders.push(proxy);
  }
}

/** True for an object that was destroyed: a capability to it that outlived it is worth nothing. */
function destroyed(object: Capability['object']): boolean {
  return (object instanceof Endpoint || object instanceof Notification || object instanceof Irq) && object.destroyed;
}

function lookup(thread: Thread, slot: number, kind: string, rights: number): Capability | KernelError {
  const cap = thread.task.capabilities.get(slot);
  if (cap === null || cap.object.kind !== kind || destroyed(cap.object)) return 'no-right';
  if (!cap.has(rights)) return 'no-right';
  return cap;
}

/**
 * send (call === null) or the send phase of call. Returns the result, or null when the thread blocked.
 */
export function ipcSend(
  kernel: Kernel,
  thread: Thread,
  slot: number,
  tag: Tag,
  timeout: Nanoseconds,
  callReceiveTimeout: Nanoseconds | null,
): IpcResult | null {
  const tagError = checkTag(thread, tag) ?? checkTimeout(timeout) ?? (callReceiveTimeout === null ? null : checkTimeout(callReceiveTimeout));
  if (tagError !== null) return fail(tagError);
  const cap = lookup(thread, slot, 'endpoint', Rights.write);
  if (typeof cap === 'string') return fail(cap);
  const items = thread.utcb.items.slice(0, tag.items);
  const itemError = validateItems(thread.task, cap, items);
  if (itemError !== null) return fail(itemError);
  kernel.stats.ipcs++;
  thread.sendLabel = tag.label;
  thread.sendWords = tag.words;
  thread.sendBadge = cap.badge;
  thread.sendItems = items;
  thread.sendCap = cap;
  thread.isCall = callReceiveTimeout !== null;
  thread.callReceiveTimeout = callReceiveTimeout ?? 0;

  if (isRemote(cap.object)) return remoteSend(kernel, thread, cap.object, timeout);
  const endpoint = cap.object as Endpoint;
  const receiver = endpoint.receivers.shift();
  if (receiver !== undefined) {
    const result = deliverFromThread(thread, receiver);
    kernel.wake(receiver, result);
    if (callReceiveTimeout === null) return SENT;
    kernel.block(thread, 'blocked-reply', null, callReceiveTimeout);
    receiver.replyTo = { thread, generation: thread.generation };
    return null;
  }
  if (timeout <= 0) {
    thread.sendItems = [];
    return fail('timeout');
  }
  kernel.block(thread, 'blocked-send', endpoint, timeout);
  endpoint.senders.push(thread);
  return null;
}

function remoteSend(kernel: Kernel, thread: Thread, endpoint: RemoteRef, timeout: Nanoseconds): IpcResult | null {
  const interconnect = kernel.interconnect;
  // A reference back to this host CPU names an object that is gone.
  if (interconnect === null || endpoint.cpu === kernel.cpu) return fail('no-partner');
  const exported = exportItems(thread.task, thread.sendItems, kernel.cpu, () => interconnect.nextTransferId(), endpoint.cpu);
  thread.sendItems = [];
  thread.sendCap = null;
  if (typeof exported === 'string') return fail(exported);
  const error = interconnect.send(thread, endpoint, exported, timeout);
  return error === null ? null : fail(error);
}

/** receive on an endpoint, a notification, or the thread's bound interrupt. */
export function ipcReceive(kernel: Kernel, thread: Thread, slot: number, timeout: Nanoseconds): IpcResult | null {
  const timeoutError = checkTimeout(timeout);
  if (timeoutError !== null) return fail(timeoutError);
  const cap = thread.task.capabilities.get(slot);
  if (cap === null || !cap.has(Rights.read) || destroyed(cap.object)) return fail('no-right');
  const object = cap.object;
  if (isRemote(object)) return fail('invalid'); // receiving happens where the object lives
  if (object instanceof Notification) return notificationWait(kernel, thread, object, timeout);
  if (object instanceof Irq) return irqReceive(kernel, thread, object, timeout);
  if (!(object instanceof Endpoint)) return fail('no-right');
  thread.replyTo = null;
  const sender = object.senders.shift();
  if (sender !== undefined) {
    if (sender instanceof ProxySender) return deliverFromProxy(kernel, sender, thread);
    const result = deliverFromThread(sender, thread);
    completeSender(kernel, sender, thread);
    return result;
  }
  if (timeout <= 0) return fail('timeout');
  kernel.block(thread, 'blocked-receive', object, timeout);
  object.receivers.push(thread);
  return null;
}

/** Answers a call: the thread's pending caller, or a saved reply target. Never blocks. */
export function ipcReply(kernel: Kernel, thread: Thread, tag: Tag, target: ReplyTarget | null): IpcResult {
  const tagError = checkTag(thread, tag);
  if (tagError !== null) return fail(tagError);
  if (target === null) return fail('no-partner');
  const items: SendItem[] = thread.utcb.items.slice(0, tag.items);
  const itemError = validateItems(thread.task, null, items);
  if (itemError !== null) return fail(itemError);
  kernel.stats.ipcs++;
  if ('cpu' in target) {
    const interconnect = kernel.interconnect;
    if (interconnect === null) return fail('no-partner');
    const exported = exportItems(thread.task, items, kernel.cpu, () => interconnect.nextTransferId(), target.cpu);
    if (typeof exported === 'string') return fail(exported);
    const error = interconnect.reply(target, tag.label, thread.utcb.mr.slice(0, tag.words), exported);
    return error === null ? SENT : fail(error);
  }
  const caller = target.thread;
  if (caller.state !== 'blocked-reply' || caller.generation !== target.generation) return fail('no-partner');
  caller.utcb.mr.set(thread.utcb.mr.subarray(0, tag.words));
  caller.utcb.received = items.length > 0 ? transferLocalItems(thread.task, items, caller) : [];
  kernel.wake(caller, { ok: true, tag: { label: tag.label, words: tag.words, items: items.length }, badge: 0 });
  return SENT;
}

function notificationWait(kernel: Kernel, thread: Thread, notification: Notification, timeout: Nanoseconds): IpcResult | null {
  if (notification.word !== 0) return takeBits(thread, notification);
  if (timeout <= 0) return fail('timeout');
  kernel.block(thread, 'blocked-receive', notification, timeout);
  notification.waiters.push(thread);
  return null;
}

function takeBits(thread: Thread, notification: Notification): IpcResult {
  thread.utcb.mr[0] = notification.word;
  thread.utcb.received = [];
  notification.word = 0;
  return { ok: true, tag: { label: KernelLabel.notification, words: 1, items: 0 }, badge: 0 };
}

/** ORs bits into a notification (local or on another host CPU); wakes one waiter. */
export function signalNotification(kernel: Kernel, notification: Notification, bits: number): void {
  notification.word = (notification.word | bits) >>> 0;
  if (notification.word === 0) return;
  const waiter = notification.waiters.shift();
  if (waiter !== undefined) kernel.wake(waiter, takeBits(waiter, notification));
}

export function ipcSignal(kernel: Kernel, thread: Thread, slot: number, bits: number | undefined): KernelError | null {
  const cap = lookup(thread, slot, 'notification', Rights.write);
  if (typeof cap === 'string') return cap;
  const word = (bits ?? (cap.badge !== 0 ? cap.badge : 1)) >>> 0;
  if (word === 0) return null; // no bits: nothing to signal
  if (isRemote(cap.object)) {
    if (kernel.interconnect === null || cap.object.cpu === kernel.cpu) return 'no-partner';
    kernel.interconnect.signal(cap.object, word);
  } else {
    signalNotification(kernel, cap.object as Notification, word);
  }
  return null;
}

function irqReceive(kernel: Kernel, thread: Thread, irq: Irq, timeout: Nanoseconds): IpcResult | null {
  if (irq.bound !== thread) return fail('no-right');
  if (irq.pending && !irq.masked) {
    irq.pending = false;
    irq.masked = true;
    thread.utcb.mr[0] = irq.line;
    thread.utcb.received = [];
    return { ok: true, tag: { label: KernelLabel.irq, words: 1, items: 0 }, badge: 0 };
  }
  if (timeout <= 0) return fail('timeout');
  kernel.block(thread, 'blocked-receive', irq, timeout);
  return null;
}

/** Takes a blocked thread out of whatever queue it waits in (timeout, kill). */
export function cancelBlocked(kernel: Kernel, thread: Thread): void {
  const object = thread.waitingOn;
  if (object instanceof Endpoint) {
    const s = object.senders.indexOf(thread);
    if (s >= 0) object.senders.splice(s, 1);
    const r = object.receivers.indexOf(thread);
    if (r >= 0) object.receivers.splice(r, 1);
  } else if (object instanceof Notification) {
    const w = object.waiters.indexOf(thread);
    if (w >= 0) object.waiters.splice(w, 1);
  }
  if (thread.state === 'blocked-remote') kernel.interconnect?.cancel(thread);
  thread.sendItems = [];
  thread.sendCap = null;
}

/** Sends a faulted thread's fault to its handler endpoint (as a send with no timeout), and logs it. */
export function deliverFault(kernel: Kernel, thread: Thread, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  kernel.log(`cpu${kernel.cpu}: thread ${thread.task.name}/${thread.name} faulted: ${text.split('\n')[0]}`);
  const handler = thread.faultHandler;
  if (handler === null || !handler.valid || !handler.has(Rights.write)) return;
  thread.utcb.mr[0] = thread.id;
  thread.sendLabel = KernelLabel.fault;
  thread.sendWords = 1;
  thread.sendBadge = handler.badge;
  thread.sendItems = [{ kind: 'string', bytes: new TextEncoder().encode(text) }];
  thread.isCall = false;
  const object = handler.object;
  if (isRemote(object)) {
    const interconnect = kernel.interconnect;
    if (interconnect === null || object.cpu === kernel.cpu) return;
    const exported = exportItems(thread.task, thread.sendItems, kernel.cpu, () => interconnect.nextTransferId(), object.cpu);
    thread.sendItems = [];
    if (typeof exported !== 'string') interconnect.send(null, object, exported, Number.POSITIVE_INFINITY, thread);
    return;
  }
  if (!(object instanceof Endpoint)) return;
  const receiver = object.receivers.shift();
  if (receiver !== undefined) {
    kernel.wake(receiver, deliverFromThread(thread, receiver));
    return;
  }
  thread.waitingOn = object;
  object.senders.push(thread);
}
