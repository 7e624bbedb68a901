// The virtio MMIO transport (Virtual I/O Device specification 1.1, 4.2 "Virtio Over MMIO") and
// the split virtqueue (2.6 "Split Virtqueues") that virtio devices share. QEMU's ARM `virt` board
// has 32 of these transports at 0x0a000000 + 0x200·n (SPI 16 + n); each either carries a device or
// answers as "no device" (device ID 0), which is what drivers probe for.
//
// Two register layouts (4.2.2 and 4.2.4 "Legacy interface"):
// - version 2 (modern): the driver gives the descriptor table, the available ring and the used
//   ring as three 64-bit addresses and enables the queue with QueueReady; features are 64 bits
//   through the feature select registers, VIRTIO_F_VERSION_1 (bit 32) is offered and must be
//   accepted, FEATURES_OK is checked.
// - version 1 (legacy): the driver gives GuestPageSize, QueueAlign and a page number (QueuePFN)
//   and the three parts follow each other in one area (2.6.2 "Legacy Interfaces: A Note on
//   Virtqueue Layout"); only feature bits 0–31 exist.
// QEMU 7.2's virtio-mmio has `force-legacy` on by default, so its virt board shows version 1
// unless started with `-global virtio-mmio.force-legacy=false`; the option `legacy` here has the
// same default. U-Boot 2023.01 and Linux drive both.
//
// All fields of the rings and of the registers are little-endian (on a legacy device they are in
// the guest's byte order, which on ARM is little-endian too). Guest memory is reached through
// PhysicalMemory.readBytes/writeBytes, so rings may live in RAM of any region.

import { stateNumber, type Device, type DeviceState } from '../hw/device.js';
import type { IrqLine } from '../hw/irq.js';
import type { MmioHandler, PhysicalMemory } from '../hw/memory.js';

export const VIRTIO_MMIO_MAGIC = 0x74726976; // "virt"
export const VIRTIO_MMIO_VENDOR = 0x554d4551; // "QEMU"
/** The largest queue QEMU's transport offers (VIRTQUEUE_MAX_SIZE). */
export const VIRTQUEUE_MAX_SIZE = 1024;

export const MMIO_MAGIC_VALUE = 0x000;
export const MMIO_VERSION = 0x004;
export const MMIO_DEVICE_ID = 0x008;
export const MMIO_VENDOR_ID = 0x00c;
export const MMIO_DEVICE_FEATURES = 0x010;
export const MMIO_DEVICE_FEATURES_SEL = 0x014;
export const MMIO_DRIVER_FEATURES = 0x020;
export const MMIO_DRIVER_FEATURES_SEL = 0x024;
export const MMIO_GUEST_PAGE_SIZE = 0x028;
export const MMIO_QUEUE_SEL = 0x030;
export const MMIO_QUEUE_NUM_MAX = 0x034;
export const MMIO_QUEUE_NUM = 0x038;
export const MMIO_QUEUE_ALIGN = 0x03c;
export const MMIO_QUEUE_PFN = 0x040;
export const MMIO_QUEUE_READY = 0x044;
export const MMIO_QUEUE_NOTIFY = 0x050;
export const MMIO_INTERRUPT_STATUS = 0x060;
export const MMIO_INTERRUPT_ACK = 0x064;
export const MMIO_STATUS = 0x070;
export const MMIO_QUEUE_DESC_LOW = 0x080;
export const MMIO_QUEUE_DESC_HIGH = 0x084;
export const MMIO_QUEUE_AVAIL_LOW = 0x090;
export const MMIO_QUEUE_AVAIL_HIGH = 0x094;
export const MMIO_QUEUE_USED_LOW = 0x0a0;
export const MMIO_QUEUE_USED_HIGH = 0x0a4;
export const MMIO_SHM_LEN_LOW = 0x0b0;
export const MMIO_SHM_LEN_HIGH = 0x0b4;
export const MMIO_CONFIG_GENERATION = 0x0fc;
export const MMIO_CONFIG = 0x100;

/** Device status bits (2.1). */
export const STATUS_ACKNOWLEDGE = 0x01;
export const STATUS_DRIVER = 0x02;
export const STATUS_DRIVER_OK = 0x04;
export const STATUS_FEATURES_OK = 0x08;
export const STATUS_NEEDS_RESET = 0x40;
export const STATUS_FAILED = 0x80;

/** Interrupt status bits (4.2.2): a used buffer, a configuration change. */
export const INTERRUPT_VRING = 0x1;
export const INTERRUPT_CONFIG = 0x2;

/** Transport feature bits (6 "Reserved Feature Bits"). */
export const VIRTIO_F_NOTIFY_ON_EMPTY = 24;
export const VIRTIO_F_ANY_LAYOUT = 27;
export const VIRTIO_F_RING_INDIRECT_DESC = 28;
export const VIRTIO_F_RING_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;

/** A 64-bit feature set as two 32-bit words: [bits 0–31, bits 32–63]. */
export type FeatureWords = [number, number];

export function hasFeature(features: FeatureWords, bit: number): boolean {
  return ((features[bit >>> 5] >>> (bit & 31)) & 1) === 1;
}

/** One buffer of a descriptor chain: `length` bytes of guest memory at `address`. */
export interface Segment {
  address: number;
  length: number;
}

/** A descriptor chain taken from the available ring. */
export interface VirtqueueElement {
  head: number;
  /** Buffers the device reads (driver → device), in chain order. */
  readable: Segment[];
  /** Buffers the device writes (device → driver), in chain order. */
  writable: Segment[];
}

/** Little-endian access to guest memory through a small scratch buffer. */
class GuestMemory {
  private readonly scratch = new Uint8Array(16);
  private readonly view = new DataView(this.scratch.buffer);

  constructor(readonly memory: PhysicalMemory) {}

  u16(address: number): number {
    this.memory.readBytes(address, this.scratch.subarray(0, 2));
    return this.view.getUint16(0, true);
  }

  u32(address: number): number {
    this.memory.readBytes(address, this.scratch.subarray(0, 4));
    return this.view.getUint32(0, true);
  }

  setU16(address: number, value: number): void {
    this.view.setUint16(0, value, true);
    this.memory.writeBytes(address, this.scratch.subarray(0, 2));
  }

  setU32(address: number, value: number): void {
    this.view.setUint32(0, value >>> 0, true);
    this.memory.writeBytes(address, this.scratch.subarray(0, 4));
  }

  /** A 16-byte descriptor: [address, length, flags, next]. */
  descriptor(address: number): [number, number, number, number] {
    this.memory.readBytes(address, this.scratch);
    const low = this.view.getUint32(0, true);
    const high = this.view.getUint32(4, true);
    return [high * 0x1_0000_0000 + low, this.view.getUint32(8, true), this.view.getUint16(12, true), this.view.getUint16(14, true)];
  }
}

/** A split virtqueue (2.6): descriptor table, available ring and used ring in guest memory. */
export class Virtqueue {
  size = 0;
  descAddress = 0;
  availAddress = 0;
  usedAddress = 0;
  /** Modern: QueueReady. Legacy: a page number was given. */
  ready = false;
  /** The next available-ring index the device will take. */
  lastAvailIndex = 0;
  /** The used-ring index the device will write next. */
  usedIndex = 0;
  /** Whether the driver may use indirect descriptors (VIRTIO_F_RING_INDIRECT_DESC accepted). */
  indirect = false;
  /** Set when the driver broke the ring (a loop, a chain longer than the queue); the device then needs a reset. */
  broken = false;

  constructor(
    private readonly guest: GuestMemory,
    readonly index: number,
  ) {}

  reset(): void {
    this.size = 0;
    this.descAddress = this.availAddress = this.usedAddress = 0;
    this.ready = false;
    this.lastAvailIndex = 0;
    this.usedIndex = 0;
    this.broken = false;
  }

  /** Whether the driver has made buffers available that the device has not taken. */
  hasAvailable(): boolean {
    if (!this.ready || this.size === 0 || this.broken) return false;
    return this.guest.u16(this.availAddress + 2) !== this.lastAvailIndex;
  }

  /** Takes the next available descriptor chain, or null when there is none (or the ring is broken). */
  pop(): VirtqueueElement | null {
    if (!this.hasAvailable()) return null;
    const slot = this.lastAvailIndex % this.size;
    const head = this.guest.u16(this.availAddress + 4 + 2 * slot);
    this.lastAvailIndex = (this.lastAvailIndex + 1) & 0xffff;
    const element: VirtqueueElement = { head, readable: [], writable: [] };
    if (!this.walk(this.descAddress, this.size, head, element, true)) {
      this.broken = true;
      return null;
    }
    return element;
  }

  /** Follows a chain in a table of `count` descriptors; false when the chain is malformed (2.6.5). */
  private walk(table: number, count: number, first: number, element: VirtqueueElement, topLevel: boolean): boolean {
    let index = first;
    for (let steps = 0; ; steps++) {
      if (index >= count || steps >= count) return false;
      const [address, length, flags, next] = this.guest.descriptor(table + 16 * index);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        // 2.6.5.3: an indirect table is a whole chain of its own; it cannot nest or be chained on.
        if (!topLevel || !this.indirect || flags & VIRTQ_DESC_F_NEXT || length % 16 !== 0 || length === 0) return false;
        return this.walk(address, length / 16, 0, element, false);
      }
      const segment = { address, length };
      if (flags & VIRTQ_DESC_F_WRITE) element.writable.push(segment);
      else if (element.writable.length > 0) return false; // readable after writable (2.6.4.2)
      else element.readable.push(segment);
      if (!(flags & VIRTQ_DESC_F_NEXT)) return true;
      index = next;
    }
  }

  /** Returns a chain to the driver through the used ring, saying how many bytes the device wrote. */
  push(head: number, written: number): void {
    const slot = this.usedIndex % this.size;
    this.guest.setU32(this.usedAddress + 4 + 8 * slot, head);
    this.guest.setU32(this.usedAddress + 8 + 8 * slot, written);
    this.usedIndex = (this.usedIndex + 1) & 0xffff;
    // The index is written after the entry so the driver never sees an entry before its contents.
    this.guest.setU16(this.usedAddress + 2, this.usedIndex);
  }

  /** Whether the driver wants an interrupt for used buffers (VIRTQ_AVAIL_F_NO_INTERRUPT clear). */
  wantsInterrupt(): boolean {
    return (this.guest.u16(this.availAddress) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /** Copies the bytes of `segments` into one array (at most `limit` bytes). */
  gather(segments: readonly Segment[], limit = Number.POSITIVE_INFINITY): Uint8Array {
    const total = Math.min(limit, segments.reduce((sum, s) => sum + s.length, 0));
    const out = new Uint8Array(total);
    let at = 0;
    for (const segment of segments) {
      if (at >= total) break;
      const n = Math.min(segment.length, total - at);
      this.guest.memory.readBytes(segment.address, out.subarray(at, at + n));
      at += n;
    }
    return out;
  }

  /** Copies `bytes` into `segments` from byte `skip` of the segments on; returns how many were copied. */
  scatter(segments: readonly Segment[], bytes: Uint8Array, skip = 0): number {
    let from = 0;
    let position = 0;
    for (const segment of segments) {
      if (from >= bytes.length) break;
      const start = Math.max(0, skip - position);
      position += segment.length;
      if (start >= segment.length) continue;
      const n = Math.min(segment.length - start, bytes.length - from);
      this.guest.memory.writeBytes(segment.address + start, bytes.subarray(from, from + n));
      from += n;
    }
    return from;
  }
}

/** What a device may do through its transport. */
export interface VirtioTransportContext {
  readonly memory: PhysicalMemory;
  queue(index: number): Virtqueue;
  /** The features the driver accepted. */
  readonly driverFeatures: FeatureWords;
  /** Signals used buffers on `queue` (unless the driver suppressed interrupts for it). */
  notifyUsed(queue: Virtqueue): void;
  /** Signals a change of the device's configuration space. */
  notifyConfigChanged(): void;
  /** Marks the device as needing a reset (DEVICE_NEEDS_RESET) after the driver broke a ring. */
  fail(reason: string): void;
}

/** A virtio device behind a transport (virtio-blk, …). */
export interface VirtioDevice {
  readonly name: string;
  /** The virtio device ID (5.x: 2 for a block device). */
  readonly deviceId: number;
  /** Device-specific and transport feature bits the device offers (without VERSION_1: the transport adds it). */
  readonly features: FeatureWords;
  readonly queueCount: number;
  /** The device-specific configuration space (4.2.2 Config, at 0x100). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /** Called once by the transport the device is plugged into. */
  attach(context: VirtioTransportContext): void;
  /** The driver notified `queue` (QueueNotify). */
  queueNotified(queue: Virtqueue): void;
  /** The driver reset the device (status 0): forget requests in flight. */
  reset(): void;
}

export interface VirtioMmioOptions {
  name?: string;
  /** Version 1 (legacy) registers instead of version 2; QEMU 7.2's default is legacy. Default true. */
  legacy?: boolean;
  /** Called when the device enters DEVICE_NEEDS_RESET, with the reason. */
  onError?: (message: string) => void;
}

export class VirtioMmio implements Device, MmioHandler, VirtioTransportContext {
  readonly name: string;
  readonly legacy: boolean;
  private readonly guest: GuestMemory;
  private readonly queues: Virtqueue[] = [];
  private readonly onError: (message: string) => void;

  status = 0;
  interruptStatus = 0;
  private deviceFeaturesSelect = 0;
  private driverFeaturesSelect = 0;
  readonly driverFeatures: FeatureWords = [0, 0];
  private queueSelect = 0;
  private guestPageSize = 4096;
  /** Legacy: per queue, QueueAlign and the page number written. */
  private readonly legacyAlign: number[] = [];
  private readonly legacyPfn: number[] = [];
  private configGeneration = 0;

  constructor(
    readonly memory: PhysicalMemory,
    private readonly irq: IrqLine,
    readonly device: VirtioDevice | null = null,
    options: VirtioMmioOptions = {},
  ) {
    this.name = options.name ?? `virtio-mmio${device === null ? '' : ` (${device.name})`}`;
    this.legacy = options.legacy ?? true;
    this.onError = options.onError ?? (() => undefined);
    this.guest = new GuestMemory(memory);
    const count = device?.queueCount ?? 0;
    for (let i = 0; i < count; i++) {
      this.queues.push(new Virtqueue(this.guest, i));
      this.legacyAlign.push(4096);
      this.legacyPfn.push(0);
    }
    device?.attach(this);
    this.reset();
  }

  queue(index: number): Virtqueue {
    const queue = this.queues[index];
    if (queue === undefined) throw new RangeError(`${this.name}: no queue ${index}`);
    return queue;
  }

  /** The feature words offered to the driver. */
  deviceFeatures(): FeatureWords {
    if (this.device === null) return [0, 0];
    const [low, high] = this.device.features;
    if (this.legacy) return [low >>> 0, 0];
    // NOTIFY_ON_EMPTY and ANY_LAYOUT are legacy-only bits (6.3); a modern device does not offer them.
    const legacyOnly = (1 << VIRTIO_F_NOTIFY_ON_EMPTY) | (1 << VIRTIO_F_ANY_LAYOUT);
    return [(low & ~legacyOnly) >>> 0, (high | (1 << (VIRTIO_F_VERSION_1 - 32))) >>> 0];
  }

  notifyUsed(queue: Virtqueue): void {
    if (!queue.wantsInterrupt()) return;
    this.interruptStatus |= INTERRUPT_VRING;
    this.updateIrq();
  }

  notifyConfigChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & STATUS_DRIVER_OK) {
      this.interruptStatus |= INTERRUPT_CONFIG;
      this.updateIrq();
    }
  }

  fail(reason: string): void {
    this.onError(`${this.name}: ${reason}`);
    if (this.legacy) return; // version 1 has no DEVICE_NEEDS_RESET
    this.status |= STATUS_NEEDS_RESET;
    this.notifyConfigChanged();
  }

  reset(): void {
    this.status = 0;
    this.interruptStatus = 0;
    this.deviceFeaturesSelect = 0;
    this.driverFeaturesSelect = 0;
    this.driverFeatures[0] = this.driverFeatures[1] = 0;
    this.queueSelect = 0;
    this.guestPageSize = 4096;
    for (let i = 0; i < this.queues.length; i++) {
      this.queues[i].reset();
      this.legacyAlign[i] = 4096;
      this.legacyPfn[i] = 0;
    }
    this.device?.reset();
    this.updateIrq();
  }

  read(offset: number, size: 1 | 2 | 4): number {
    const device = this.device;
    if (device === null) {
      // "No device": enough for a driver to see a transport and skip it (QEMU does the same).
      switch (offset) {
        case MMIO_MAGIC_VALUE:
          return VIRTIO_MMIO_MAGIC;
        case MMIO_VERSION:
          return this.legacy ? 1 : 2;
        case MMIO_VENDOR_ID:
          return VIRTIO_MMIO_VENDOR;
        default:
          return 0;
      }
    }
    if (offset >= MMIO_CONFIG) return device.readConfig(offset - MMIO_CONFIG, size);
    if (size !== 4) return 0; // 4.2.2.2: registers are read 32 bits wide
    const queue = this.queues[this.queueSelect];
    switch (offset) {
      case MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
      case MMIO_VERSION:
        return this.legacy ? 1 : 2;
      case MMIO_DEVICE_ID:
        return device.deviceId;
      case MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
      case MMIO_DEVICE_FEATURES:
        return this.deviceFeatures()[this.deviceFeaturesSelect] ?? 0;
      case MMIO_QUEUE_NUM_MAX:
        return queue === undefined ? 0 : VIRTQUEUE_MAX_SIZE;
      case MMIO_QUEUE_PFN:
        return this.legacy && queue !== undefined ? this.legacyPfn[this.queueSelect] : 0;
      case MMIO_QUEUE_READY:
        return !this.legacy && queue !== undefined && queue.ready ? 1 : 0;
      case MMIO_INTERRUPT_STATUS:
        return this.interruptStatus;
      case MMIO_STATUS:
        return this.status;
      case MMIO_CONFIG_GENERATION:
        return this.legacy ? 0 : this.configGeneration;
      case MMIO_SHM_LEN_LOW:
      case MMIO_SHM_LEN_HIGH:
        return this.legacy ? 0 : 0xffffffff; // no shared memory regions
      default:
        return 0;
    }
  }

  write(offset: number, size: 1 | 2 | 4, value: number): void {
    const device = this.device;
    if (device === null) return;
    if (offset >= MMIO_CONFIG) {
      device.writeConfig(offset - MMIO_CONFIG, size, value);
      return;
    }
    if (size !== 4) return;
    value >>>= 0;
    const queue = this.queues[this.queueSelect];
    switch (offset) {
      case MMIO_DEVICE_FEATURES_SEL:
        this.deviceFeaturesSelect = value === 0 ? 0 : 1;
        break;
      case MMIO_DRIVER_FEATURES_SEL:
        this.driverFeaturesSelect = value === 0 ? 0 : 1;
        break;
      case MMIO_DRIVER_FEATURES:
        if (this.legacy && this.driverFeaturesSelect !== 0) break;
        // Only offered features can be accepted (2.2.1).
        this.driverFeatures[this.driverFeaturesSelect] = (value & this.deviceFeatures()[this.driverFeaturesSelect]) >>> 0;
        if (this.legacy) this.featuresAccepted();
        break;
      case MMIO_GUEST_PAGE_SIZE:
        if (this.legacy) this.guestPageSize = value;
        break;
      case MMIO_QUEUE_SEL:
        this.queueSelect = value;
        break;
      case MMIO_QUEUE_NUM:
        if (queue !== undefined && value <= VIRTQUEUE_MAX_SIZE) {
          queue.size = value;
          if (this.legacy) this.layOutLegacyQueue(this.queueSelect);
        }
        break;
      case MMIO_QUEUE_ALIGN:
        if (this.legacy && queue !== undefined) {
          this.legacyAlign[this.queueSelect] = value;
          this.layOutLegacyQueue(this.queueSelect);
        }
        break;
      case MMIO_QUEUE_PFN:
        if (!this.legacy || queue === undefined) break;
        if (value === 0) {
          // 4.2.4: writing 0 to QueuePFN resets the device's use of the queue (QEMU resets the device).
          this.reset();
        } else {
          this.legacyPfn[this.queueSelect] = value;
          this.layOutLegacyQueue(this.queueSelect);
        }
        break;
      case MMIO_QUEUE_READY:
        if (!this.legacy && queue !== undefined) {
          queue.ready = (value & 1) === 1;
          queue.indirect = hasFeature(this.driverFeatures, VIRTIO_F_RING_INDIRECT_DESC);
        }
        break;
      case MMIO_QUEUE_DESC_LOW:
      case MMIO_QUEUE_DESC_HIGH:
      case MMIO_QUEUE_AVAIL_LOW:
      case MMIO_QUEUE_AVAIL_HIGH:
      case MMIO_QUEUE_USED_LOW:
      case MMIO_QUEUE_USED_HIGH:
        if (!this.legacy && queue !== undefined) this.setQueueAddress(queue, offset, value);
        break;
      case MMIO_QUEUE_NOTIFY:
        this.notified(value);
        break;
      case MMIO_INTERRUPT_ACK:
        this.interruptStatus &= ~value;
        this.updateIrq();
        break;
      case MMIO_STATUS:
        this.writeStatus(value & 0xff);
        break;
      default:
        break;
    }
  }

  private setQueueAddress(queue: Virtqueue, offset: number, value: number): void {
    const high = (offset & 4) !== 0;
    const combine = (old: number): number => (high ? value * 0x1_0000_0000 + (old % 0x1_0000_0000) : Math.floor(old / 0x1_0000_0000) * 0x1_0000_0000 + value);
    if (offset < MMIO_QUEUE_AVAIL_LOW) queue.descAddress = combine(queue.descAddress);
    else if (offset < MMIO_QUEUE_USED_LOW) queue.availAddress = combine(queue.availAddress);
    else queue.usedAddress = combine(queue.usedAddress);
  }

  /** 2.6.2 legacy layout: descriptors, then the available ring, then (aligned) the used ring. */
  private layOutLegacyQueue(index: number): void {
    const queue = this.queues[index];
    const pfn = this.legacyPfn[index];
    if (pfn === 0 || queue.size === 0) {
      queue.ready = false;
      return;
    }
    const align = this.legacyAlign[index] > 0 ? this.legacyAlign[index] : 4096;
    queue.descAddress = pfn * this.guestPageSize;
    queue.availAddress = queue.descAddress + 16 * queue.size;
    queue.usedAddress = Math.ceil((queue.availAddress + 6 + 2 * queue.size) / align) * align;
    queue.ready = true;
    queue.indirect = hasFeature(this.driverFeatures, VIRTIO_F_RING_INDIRECT_DESC);
  }

  private featuresAccepted(): void {
    for (const queue of this.queues) queue.indirect = hasFeature(this.driverFeatures, VIRTIO_F_RING_INDIRECT_DESC);
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    if (!this.legacy && value & STATUS_FEATURES_OK && !(this.status & STATUS_FEATURES_OK)) {
      // 3.1.1: a modern device accepts the features only if VERSION_1 is among them.
      if (!hasFeature(this.driverFeatures, VIRTIO_F_VERSION_1)) value &= ~STATUS_FEATURES_OK;
      else this.featuresAccepted();
    }
    this.status = value | (this.status & STATUS_NEEDS_RESET);
    if (value & STATUS_DRIVER_OK) for (const queue of this.queues) this.notified(queue.index);
  }

  private notified(index: number): void {
    const queue = this.queues[index];
    if (queue === undefined || this.device === null || !(this.status & STATUS_DRIVER_OK)) return;
    if (queue.broken) return;
    this.device.queueNotified(queue);
    if (queue.broken) this.fail(`the driver's queue ${index} has a malformed descriptor chain`);
  }

  private updateIrq(): void {
    this.irq.set(this.interruptStatus !== 0);
  }

  saveState(): DeviceState {
    return {
      status: this.status,
      interruptStatus: this.interruptStatus,
      deviceFeaturesSelect: this.deviceFeaturesSelect,
      driverFeaturesSelect: this.driverFeaturesSelect,
      driverFeatures: [...this.driverFeatures],
      queueSelect: this.queueSelect,
      guestPageSize: this.guestPageSize,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q, i) => ({
        size: q.size,
        desc: q.descAddress,
        avail: q.availAddress,
        used: q.usedAddress,
        ready: q.ready,
        lastAvail: q.lastAvailIndex,
        usedIndex: q.usedIndex,
        indirect: q.indirect,
        broken: q.broken,
        align: this.legacyAlign[i],
        pfn: this.legacyPfn[i],
      })),
    };
  }

  restoreState(state: DeviceState): void {
    const number = (field: string): number => stateNumber(state, this.name, field);
    this.status = number('status');
    this.interruptStatus = number('interruptStatus');
    this.deviceFeaturesSelect = number('deviceFeaturesSelect');
    this.driverFeaturesSelect = number('driverFeaturesSelect');
    const features = state.driverFeatures;
    if (!Array.isArray(features) || features.length !== 2 || typeof features[0] !== 'number' || typeof features[1] !== 'number') {
      throw new Error(`saved state of ${this.name}: field driverFeatures is not two numbers`);
    }
    this.driverFeatures[0] = features[0];
    this.driverFeatures[1] = features[1];
    this.queueSelect = number('queueSelect');
    this.guestPageSize = number('guestPageSize');
    this.configGeneration = number('configGeneration');
    const queues = state.queues;
    if (!Array.isArray(queues) || queues.length !== this.queues.length) throw new Error(`saved state of ${this.name}: field queues does not list ${this.queues.length} queues`);
    queues.forEach((saved, i) => {
      if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) throw new Error(`saved state of ${this.name}: queue ${i} is not an object`);
      const field = (name: string): number => stateNumber(saved, `${this.name} queue ${i}`, name);
      const q = this.queues[i];
      q.size = field('size');
      q.descAddress = field('desc');
      q.availAddress = field('avail');
      q.usedAddress = field('used');
      q.ready = saved.ready === true;
      q.lastAvailIndex = field('lastAvail');
      q.usedIndex = field('usedIndex');
      q.indirect = saved.indirect === true;
      q.broken = saved.broken === true;
      this.legacyAlign[i] = field('align');
      this.legacyPfn[i] = field('pfn');
    });
    this.updateIrq();
  }
}
