// IPC between host CPUs. Each ordered pair of host CPUs has a shared-memory ring (ring.ts); each CPU
// has a doorbell word its kernel waits on with Atomics.waitAsync when idle. Sends, replies,
// signals and revocations travel as messages; an object always lives on one host CPU (its home),
// and other CPUs hold RemoteRef capabilities to it. A SharedArrayBuffer cannot travel through a
// ring, so a dataspace's memory goes once per peer over the host's message port, and a message
// that needs it waits in the ring until it has arrived.

import type { Capability, RemoteChild } from './capability.js';
import { Dataspace } from './dataspace.js';
import { Endpoint, ProxySender } from './endpoint.js';
import { acceptRemoteSend, signalNotification } from './ipc.js';
import type { Kernel } from './kernel.js';
import { Notification } from './notification.js';
import { RemoteRef, type KernelObject } from './object.js';
import { Decoder, Encoder, Ring } from './ring.js';
import type { Thread } from './thread.js';
import { importItems, type ImportedItem } from './transfer.js';
import type { KernelError, ObjectKind, ReceivedItem } from './types.js';

/** The shared memory of a system of host CPUs: doorbells, then one ring per ordered pair. */
export interface InterconnectLayout {
  cpus: number;
  ringCapacity: number;
  buffer: SharedArrayBuffer;
  /** Wall-clock milliseconds that count as time 0 on every host CPU. */
  epoch: number;
}

const DOORBELL_BYTES = 64;

export function createLayout(cpus: number, epoch: number, ringCapacity = 1 << 20): InterconnectLayout {
  const buffer = new SharedArrayBuffer(DOORBELL_BYTES * Math.ceil((cpus * 4) / DOORBELL_BYTES) + cpus * cpus * Ring.bytes(ringCapacity));
  return { cpus, ringCapacity, buffer, epoch };
}

function ringOf(layout: InterconnectLayout, from: number, to: number): Ring {
  const base = DOORBELL_BYTES * Math.ceil((layout.cpus * 4) / DOORBELL_BYTES);
  return new Ring(layout.buffer, base + (from * layout.cpus + to) * Ring.bytes(layout.ringCapacity), layout.ringCapacity);
}

/** The part of a host message port the interconnect needs (Node's MessagePort and the DOM's both fit). */
export interface PortLike {
  postMessage(value: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

const enum Kind {
  send = 1,
  sendResult = 2,
  reply = 3,
  signal = 4,
  revoke = 5,
  revokeAck = 6,
  control = 7,
  controlReply = 8,
}

/** Runs `callback` as a macrotask: lets host events (message ports, timers) in before it. */
function setImmediateLike(callback: () => void): void {
  setTimeout(callback, 0);
}

/** Spin-polling before sleeping: for how long, and only if a message came this recently. */
const SPIN_MS = 0.05;
const SPIN_WHILE_RECENT_MS = 2;

const ERRORS: KernelError[] = ['timeout', 'cancelled', 'no-partner', 'no-right', 'invalid'];
const KINDS: ObjectKind[] = ['endpoint', 'notification', 'irq', 'dataspace', 'reply', 'task', 'thread'];

interface PendingSend {
  thread: Thread;
  generation: number;
  isCall: boolean;
  receiveTimeout: number;
  /** The send's deadline on this CPU's clock. */
  deadline: number;
}

/** Handles control requests from other host CPUs (the root task starting tasks there). */
export type ControlHandler = (from: number, request: unknown) => unknown;

export class Interconnect {
  private readonly outgoing: (Ring | null)[] = [];
  private readonly incoming: (Ring | null)[] = [];
  private readonly doorbells: Int32Array;
  private readonly outbox: { to: number; bytes: Uint8Array }[] = [];
  private readonly shared: Set<string>[] = [];
  private readonly dataspaces = new Map<string, Dataspace>();
  private readonly pending = new Map<number, PendingSend>();
  private readonly imports = new Map<string, Capability>();
  private readonly queued = new Set<{ proxy: ProxySender; endpoint: Endpoint }>();
  private readonly waits = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly encoder = new Encoder();
  private nextCall = 1;
  private nextTransfer = 1;
  private nextRequest = 1;
  private listener: (() => void) | null = null;
  private armed = false;
  /** Set while a message waits for a dataspace's memory from the message port. */
  private stalled = false;
  onControl: ControlHandler | null = null;
  /** Counters for benchmarks and the self-check. */
  readonly stats = { sent: 0, received: 0, stalls: 0 };

  constructor(
    private readonly kernel: Kernel,
    private readonly layout: InterconnectLayout,
    private readonly ports: (PortLike | null)[],
  ) {
    const cpu = kernel.cpu;
    this.doorbells = new Int32Array(layout.buffer, 0, layout.cpus);
    for (let peer = 0; peer < layout.cpus; peer++) {
      this.outgoing.push(peer === cpu ? null : ringOf(layout, cpu, peer));
      this.incoming.push(peer === cpu ? null : ringOf(layout, peer, cpu));
      this.shared.push(new Set());
      const port = ports[peer];
      if (port === null || port === undefined) continue;
      port.addEventListener('message', (event) => this.portMessage(event.data));
      port.start?.();
    }
    kernel.interconnect = this;
  }

  nextTransferId(): number {
    return this.nextTransfer++;
  }

  // ---- outgoing ----

  private post(to: number, bytes: Uint8Array): void {
    const ring = this.outgoing[to];
    if (ring === null || ring === undefined) throw new RangeError(`no host CPU ${to} in this system`);
    this.stats.sent++;
    if (this.outbox.length > 0 || !ring.push(bytes)) this.outbox.push({ to, bytes });
    Atomics.add(this.doorbells, to, 1);
    Atomics.notify(this.doorbells, to);
  }

  private flushOutbox(): void {
    while (this.outbox.length > 0) {
      const next = this.outbox[0];
      const ring = this.outgoing[next.to];
      if (ring === null || ring === undefined || !ring.push(next.bytes)) return;
      this.outbox.shift();
      Atomics.add(this.doorbells, next.to, 1);
      Atomics.notify(this.doorbells, next.to);
    }
  }

  private encodeItems(to: number, items: ImportedItem[]): void {
    const e = this.encoder;
    e.u32(items.length);
    for (const item of items) {
      if (item.kind === 'string') {
        e.u8(0).raw(item.bytes);
        continue;
      }
      if (item.buffer !== null) this.shareDataspace(to, item.homeCpu, item.homeId, item.buffer);
      e.u8(item.kind === 'map' ? 1 : 2)
        .u8(KINDS.indexOf(item.objectKind))
        .u32(item.homeCpu)
        .u32(item.homeId)
        .f64(item.offset)
        .f64(item.size)
        .u32(item.rights)
        .u32(item.badge)
        .u32(item.fromCpu)
        .u32(item.transferId);
    }
  }

  private shareDataspace(to: number, homeCpu: number, homeId: number, buffer: SharedArrayBuffer): void {
    const key = `${homeCpu}:${homeId}`;
    if (homeCpu === to || this.shared[to].has(key)) return;
    this.shared[to].add(key);
    const port = this.ports[to];
    if (port === null || port === undefined) throw new Error(`host CPU ${this.kernel.cpu} has no message port to host CPU ${to}`);
    port.postMessage({ type: 'dataspace', homeCpu, homeId, buffer });
  }

  /**
   * Starts a send or call to an endpoint on another host CPU and blocks `thread` until the answer
   * comes (`thread` is null for a fault message). 'invalid' when the message cannot fit the ring.
   */
  send(thread: Thread | null, endpoint: RemoteRef, items: ImportedItem[], timeout: number, faulted?: Thread): KernelError | null {
    const source = thread ?? faulted;
    if (source === undefined) return null;
    const callId = thread === null ? 0 : this.nextCall++;
    const deadline = this.kernel.clock.now() + timeout;
    const e = this.encoder;
    e.u8(Kind.send).u32(callId).u32(endpoint.id).u32(source.sendBadge).u8(source.isCall ? 1 : 0).f64(deadline).u32(source.sendLabel);
    e.words(source.utcb.mr.slice(0, source.sendWords));
    this.encodeItems(endpoint.cpu, items);
    const bytes = e.finish();
    if (!this.fits(bytes)) return 'invalid';
    if (thread !== null) {
      this.kernel.block(thread, 'blocked-remote', null, Number.POSITIVE_INFINITY);
      this.pending.set(callId, { thread, generation: thread.generation, isCall: thread.isCall, receiveTimeout: thread.callReceiveTimeout, deadline });
    }
    this.post(endpoint.cpu, bytes);
    return null;
  }

  /** A message may take at most half a ring, so one big message cannot lock out the rest. */
  private fits(bytes: Uint8Array): boolean {
    return bytes.length + 4 <= this.layout.ringCapacity / 2;
  }

  delivered(proxy: ProxySender): void {
    this.post(proxy.cpu, this.encoder.u8(Kind.sendResult).u32(proxy.callId).u8(0).finish());
  }

  sendFailed(proxy: ProxySender, error: KernelError): void {
    this.post(proxy.cpu, this.encoder.u8(Kind.sendResult).u32(proxy.callId).u8(1 + ERRORS.indexOf(error)).finish());
  }

  reply(target: { cpu: number; callId: number }, label: number, words: Uint32Array, items: ImportedItem[]): KernelError | null {
    const e = this.encoder;
    e.u8(Kind.reply).u32(target.callId).u32(label).words(words);
    this.encodeItems(target.cpu, items);
    const bytes = e.finish();
    if (!this.fits(bytes)) return 'invalid';
    this.post(target.cpu, bytes);
    return null;
  }

  signal(notification: RemoteRef, bits: number): void {
    this.post(notification.cpu, this.encoder.u8(Kind.signal).u32(notification.id).u32(bits).finish());
  }

  /** Revokes a capability derived on another host CPU; resolves once it is gone there. */
  revoke(child: RemoteChild): Promise<void> {
    const request = this.nextRequest++;
    const done = new Promise<void>((resolve, reject) => this.waits.set(request, { resolve: () => resolve(), reject }));
    this.post(child.cpu, this.encoder.u8(Kind.revoke).u32(child.transferId).u32(request).finish());
    return done;
  }

  /** Sends a control request (JSON-serialisable) to another host CPU's control handler. */
  control(to: number, request: unknown): Promise<unknown> {
    const id = this.nextRequest++;
    const done = new Promise<unknown>((resolve, reject) => this.waits.set(id, { resolve, reject }));
    const json = new TextEncoder().encode(JSON.stringify(request));
    this.post(to, this.encoder.u8(Kind.control).u32(id).raw(json).finish());
    this.kernel.kick();
    return done;
  }

  /** A thread blocked in a remote send gave up (timeout, kill): later answers are ignored. */
  cancel(thread: Thread): void {
    for (const [callId, entry] of this.pending) if (entry.thread === thread) this.pending.delete(callId);
  }

  // ---- incoming ----

  /** True while another host CPU may still send: the kernel waits for the doorbell when idle. */
  get active(): boolean {
    return true;
  }

  /** When the last message arrived (host milliseconds), for spinning before sleeping. */
  private lastArrival = -Infinity;

  /**
   * Calls `listener` once when a message may have arrived. While messages came recently, it first
   * polls the rings for a few microseconds: waking a sleeping worker costs far more than that.
   */
  waitForMessage(listener: () => void): void {
    this.listener = listener;
    if (this.armed) return;
    const now = performance.now();
    if (now - this.lastArrival < SPIN_WHILE_RECENT_MS && !this.stalled && this.outbox.length === 0) {
      const until = now + SPIN_MS;
      while (performance.now() < until) {
        if (this.hasIncoming()) {
          this.ring();
          return;
        }
      }
    }
    const seen = Atomics.load(this.doorbells, this.kernel.cpu);
    if (this.outbox.length > 0) {
      // A full ring: try again shortly (a macrotask, so the peer's progress is not starved).
      setTimeout(() => this.ring(), 1);
      return;
    }
    if (!this.stalled && this.hasIncoming()) {
      setImmediateLike(() => this.ring());
      return;
    }
    const wait = Atomics.waitAsync(this.doorbells, this.kernel.cpu, seen);
    if (!wait.async) {
      queueMicrotask(() => this.ring());
      return;
    }
    this.armed = true;
    void wait.value.then(() => {
      this.armed = false;
      this.ring();
    });
  }

  private ring(): void {
    const listener = this.listener;
    this.listener = null;
    listener?.();
  }

  private hasIncoming(): boolean {
    return this.incoming.some((ring) => ring !== null && ring.peek() !== null);
  }

  /** Handles every message that has arrived; called by the kernel's run loop. */
  poll(): void {
    this.stalled = false;
    this.flushOutbox();
    for (let from = 0; from < this.incoming.length; from++) {
      const ring = this.incoming[from];
      if (ring === null) continue;
      let record = ring.peek();
      while (record !== null) {
        if (!this.handle(from, record)) {
          this.stats.stalls++;
          this.stalled = true; // until the dataspace's memory arrives from the message port
          break;
        }
        ring.drop(record);
        this.stats.received++;
        this.lastArrival = performance.now();
        record = ring.peek();
      }
    }
    this.expireProxies();
  }

  private portMessage(data: unknown): void {
    if (typeof data !== 'object' || data === null) return;
    const message = data as { type?: unknown; homeCpu?: unknown; homeId?: unknown; buffer?: unknown };
    if (message.type !== 'dataspace' || !(message.buffer instanceof SharedArrayBuffer)) return;
    const homeCpu = Number(message.homeCpu);
    const homeId = Number(message.homeId);
    const key = `${homeCpu}:${homeId}`;
    if (!this.dataspaces.has(key)) this.dataspaces.set(key, new Dataspace(this.kernel.newId(), homeCpu, homeId, message.buffer));
    this.kernel.kick();
  }

  private decodeItems(d: Decoder): ImportedItem[] | null {
    const count = d.u32();
    const items: ImportedItem[] = [];
    let missing = false;
    for (let i = 0; i < count; i++) {
      const kind = d.u8();
      if (kind === 0) {
        items.push({ kind: 'string', bytes: d.raw() });
        continue;
      }
      const objectKind = KINDS[d.u8()];
      const homeCpu = d.u32();
      const homeId = d.u32();
      const item: ImportedItem = {
        kind: kind === 1 ? 'map' : 'grant',
        objectKind,
        homeCpu,
        homeId,
        buffer: null,
        offset: d.f64(),
        size: d.f64(),
        rights: d.u32(),
        badge: d.u32(),
        fromCpu: d.u32(),
        transferId: d.u32(),
      };
      if (objectKind === 'dataspace' && homeCpu !== this.kernel.cpu && !this.dataspaces.has(`${homeCpu}:${homeId}`)) missing = true;
      items.push(item);
    }
    return missing ? null : items;
  }

  /** Installs items from another host CPU into a receiver here. */
  importItems(items: ImportedItem[], receiver: Thread): ReceivedItem[] {
    return importItems(
      items,
      receiver,
      (item) => this.resolve(item.objectKind, item.homeCpu, item.homeId),
      (cap, fromCpu, transferId) => this.registerImport(cap, fromCpu, transferId),
    );
  }

  /** Records a capability derived on host CPU `fromCpu`, so a revocation from there finds it. */
  registerImport(cap: Capability, fromCpu: number, transferId: number): void {
    cap.importedTransferId = transferId;
    this.imports.set(`${fromCpu}:${transferId}`, cap);
  }

  private resolve(kind: ObjectKind, homeCpu: number, homeId: number): KernelObject | RemoteRef {
    if (homeCpu === this.kernel.cpu) return this.kernel.objects.get(homeId) ?? new RemoteRef(kind, homeCpu, homeId);
    if (kind === 'dataspace') {
      const dataspace = this.dataspaces.get(`${homeCpu}:${homeId}`);
      if (dataspace !== undefined) return dataspace;
    }
    return new RemoteRef(kind, homeCpu, homeId);
  }

  /** Sends the memory of a dataspace that lives here to another host CPU (the root task does this). */
  shareLocalDataspace(id: number, to: number): void {
    const object = this.kernel.objects.get(id);
    if (!(object instanceof Dataspace)) throw new Error(`host CPU ${this.kernel.cpu} has no dataspace ${id}`);
    this.shareDataspace(to, this.kernel.cpu, id, object.buffer);
  }

  /** The local mirror of a dataspace of another host CPU, once its memory has arrived. */
  async dataspace(homeCpu: number, homeId: number, limitMs = 10_000): Promise<Dataspace> {
    const key = `${homeCpu}:${homeId}`;
    const started = Date.now();
    for (;;) {
      const found = this.dataspaces.get(key);
      if (found !== undefined) return found;
      if (Date.now() - started > limitMs) throw new Error(`host CPU ${this.kernel.cpu}: the memory of dataspace ${key} never arrived`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Handles one message; false when it must wait (for a dataspace's memory). */
  private handle(from: number, record: Uint8Array): boolean {
    const d = new Decoder(record);
    const kind = d.u8() as Kind;
    switch (kind) {
      case Kind.send: {
        const callId = d.u32();
        const endpointId = d.u32();
        const badge = d.u32();
        const isCall = d.u8() === 1;
        const deadline = d.f64();
        const label = d.u32();
        const words = d.words();
        const items = this.decodeItems(d);
        if (items === null) return false;
        const proxy = new ProxySender(from, callId, label, words, items, badge, isCall, deadline);
        const endpoint = this.kernel.objects.get(endpointId);
        if (!(endpoint instanceof Endpoint) || endpoint.destroyed) {
          this.sendFailed(proxy, 'no-partner');
          return true;
        }
        acceptRemoteSend(this.kernel, endpoint, proxy);
        if (endpoint.senders.includes(proxy) && Number.isFinite(deadline)) {
          this.queued.add({ proxy, endpoint });
          setTimeout(() => this.kernel.kick(), Math.max(0, (deadline - this.kernel.clock.now()) / 1e6) + 1);
        }
        return true;
      }
      case Kind.sendResult: {
        const callId = d.u32();
        const status = d.u8();
        const entry = this.pending.get(callId);
        if (entry === undefined) return true;
        const thread = entry.thread;
        if (thread.generation !== entry.generation || thread.state !== 'blocked-remote') {
          this.pending.delete(callId);
          return true;
        }
        const early = this.kernel.clock.now() < entry.deadline;
        if (status !== 0 && ERRORS[status - 1] === 'timeout' && early) {
          // The home CPU's clock may run a little ahead of ours: the timeout is ours to call.
          this.pending.delete(callId);
          this.kernel.block(thread, 'blocked-remote', null, entry.deadline - this.kernel.clock.now());
        } else if (status !== 0) {
          this.pending.delete(callId);
          this.kernel.wakeWithError(thread, ERRORS[status - 1] as 'timeout' | 'cancelled' | 'no-partner');
        } else if (!entry.isCall) {
          this.pending.delete(callId);
          this.kernel.wake(thread, { ok: true, tag: { label: 0, words: 0, items: 0 }, badge: 0 });
        } else {
          this.kernel.block(thread, 'blocked-remote', null, entry.receiveTimeout);
          entry.generation = thread.generation;
        }
        return true;
      }
      case Kind.reply: {
        const callId = d.u32();
        const label = d.u32();
        const words = d.words();
        const items = this.decodeItems(d);
        if (items === null) return false;
        const entry = this.pending.get(callId);
        if (entry === undefined) return true;
        this.pending.delete(callId);
        const thread = entry.thread;
        if (thread.generation !== entry.generation || thread.state !== 'blocked-remote') return true;
        thread.utcb.mr.set(words);
        thread.utcb.received = this.importItems(items, thread);
        this.kernel.wake(thread, { ok: true, tag: { label, words: words.length, items: items.length }, badge: 0 });
        return true;
      }
      case Kind.signal: {
        const object = this.kernel.objects.get(d.u32());
        const bits = d.u32();
        if (object instanceof Notification && !object.destroyed) signalNotification(this.kernel, object, bits);
        return true;
      }
      case Kind.revoke: {
        const transferId = d.u32();
        const request = d.u32();
        const key = `${from}:${transferId}`;
        const cap = this.imports.get(key);
        this.imports.delete(key);
        const ack = (): void => this.post(from, this.encoder.u8(Kind.revokeAck).u32(request).finish());
        if (cap === undefined || !cap.valid) {
          ack();
          return true;
        }
        void this.kernel.revoke(cap).then(() => {
          this.kernel.removeCapability(cap);
          ack();
        });
        return true;
      }
      case Kind.revokeAck: {
        const request = d.u32();
        this.waits.get(request)?.resolve(undefined);
        this.waits.delete(request);
        return true;
      }
      case Kind.control: {
        const id = d.u32();
        const request: unknown = JSON.parse(new TextDecoder().decode(d.raw()));
        const answer = (value: unknown, error: string | null): void => {
          const json = new TextEncoder().encode(JSON.stringify({ value: value ?? null, error }));
          this.post(from, this.encoder.u8(Kind.controlReply).u32(id).raw(json).finish());
        };
        try {
          const handler = this.onControl;
          if (handler === null) throw new Error(`host CPU ${this.kernel.cpu} takes no control requests`);
          Promise.resolve(handler(from, request)).then(
            (value) => answer(value, null),
            (error: unknown) => answer(null, error instanceof Error ? error.message : String(error)),
          );
        } catch (error) {
          answer(null, error instanceof Error ? error.message : String(error));
        }
        return true;
      }
      case Kind.controlReply: {
        const id = d.u32();
        const body = JSON.parse(new TextDecoder().decode(d.raw())) as { value: unknown; error: string | null };
        const wait = this.waits.get(id);
        this.waits.delete(id);
        if (wait !== undefined) {
          if (body.error !== null) wait.reject(new Error(body.error));
          else wait.resolve(body.value);
        }
        return true;
      }
      default:
        throw new Error(`host CPU ${this.kernel.cpu}: unknown interconnect message kind ${String(kind)} from host CPU ${from}`);
    }
  }

  private expireProxies(): void {
    if (this.queued.size === 0) return;
    const now = this.kernel.clock.now();
    for (const entry of this.queued) {
      const index = entry.endpoint.senders.indexOf(entry.proxy);
      if (index < 0) {
        this.queued.delete(entry);
      } else if (entry.proxy.deadline <= now) {
        entry.endpoint.senders.splice(index, 1);
        this.queued.delete(entry);
        this.sendFailed(entry.proxy, 'timeout');
      }
    }
  }
}

