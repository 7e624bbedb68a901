// The virtio block device (Virtual I/O Device specification 1.1, 5.2 "Block Device"): one request
// queue; each request is a descriptor chain holding a 16-byte header (type, reserved, sector),
// the data, and a final status byte the device writes. Sectors are always 512 bytes (5.2.6).
//
// Requests go to an asynchronous BlockBackend; each completes on its own (a RamDisk at once, the
// block server later), writes its status, returns the chain through the used ring and interrupts.
//
// Feature bits offered: SEG_MAX (the most segments per request: the queue size minus 2, as QEMU
// says for its 256-entry queue), BLK_SIZE (512), FLUSH, RO for a read-only disk, and the transport
// features RING_INDIRECT_DESC and ANY_LAYOUT (the header, data and status may be split across
// descriptors any way: requests are gathered by byte position, not by descriptor). QEMU offers more
// (GEOMETRY, TOPOLOGY, CONFIG_WCE, DISCARD, WRITE_ZEROES, EVENT_IDX); drivers do without them.

import type { BlockBackend } from '../hw/block.js';
import { SECTOR_SIZE } from '../hw/block.js';
import { VIRTIO_F_ANY_LAYOUT, VIRTIO_F_RING_INDIRECT_DESC, type FeatureWords, type VirtioDevice, type VirtioTransportContext, type Virtqueue, type VirtqueueElement } from './virtio-mmio.js';

export const VIRTIO_ID_BLOCK = 2;

export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_GEOMETRY = 4;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;

export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;

export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;

/** The length of the identification string GET_ID returns (VIRTIO_BLK_ID_BYTES). */
export const VIRTIO_BLK_ID_BYTES = 20;
const HEADER_BYTES = 16;
/** The queue size QEMU's virtio-blk has (queue-size 256); SEG_MAX is derived from it. */
const QUEUE_SIZE = 256;

export interface VirtioBlkOptions {
  name?: string;
  /** The serial number GET_ID returns (up to 20 bytes; default none: an empty string). */
  serial?: string;
}

export class VirtioBlk implements VirtioDevice {
  readonly name: string;
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: FeatureWords;
  readonly queueCount = 1;
  private readonly serial: Uint8Array;
  private readonly config = new Uint8Array(64);
  private context: VirtioTransportContext | null = null;
  /** Bumped by reset so completions of requests from before it are dropped. */
  private generation = 0;
  /** Requests issued to the backend and not completed yet. */
  inFlight = 0;

  constructor(
    readonly backend: BlockBackend,
    options: VirtioBlkOptions = {},
  ) {
    this.name = options.name ?? `virtio-blk (${backend.name})`;
    const serial = new TextEncoder().encode(options.serial ?? '');
    this.serial = serial.subarray(0, VIRTIO_BLK_ID_BYTES);
    let low = (1 << VIRTIO_BLK_F_SEG_MAX) | (1 << VIRTIO_BLK_F_BLK_SIZE) | (1 << VIRTIO_BLK_F_FLUSH);
    if (backend.readOnly) low |= 1 << VIRTIO_BLK_F_RO;
    low |= (1 << VIRTIO_F_ANY_LAYOUT) | (1 << VIRTIO_F_RING_INDIRECT_DESC);
    this.features = [low >>> 0, 0];
    // 5.2.4 struct virtio_blk_config, little-endian.
    const view = new DataView(this.config.buffer);
    view.setUint32(0, backend.sectorCount % 0x1_0000_0000, true); // capacity, in 512-byte sectors
    view.setUint32(4, Math.floor(backend.sectorCount / 0x1_0000_0000), true);
    view.setUint32(12, QUEUE_SIZE - 2, true); // seg_max
    view.setUint32(20, SECTOR_SIZE, true); // blk_size
  }

  attach(context: VirtioTransportContext): void {
    this.context = context;
  }

  reset(): void {
    this.generation++;
    this.inFlight = 0;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    if (offset < 0 || offset + size > this.config.length) return 0;
    const view = new DataView(this.config.buffer);
    return size === 1 ? view.getUint8(offset) : size === 2 ? view.getUint16(offset, true) : view.getUint32(offset, true);
  }

  writeConfig(_offset: number, _size: 1 | 2 | 4, _value: number): void {
    // Nothing writable is offered (the writeback field needs CONFIG_WCE).
  }

  queueNotified(queue: Virtqueue): void {
    for (let element = queue.pop(); element !== null; element = queue.pop()) this.handle(queue, element);
  }

  private handle(queue: Virtqueue, element: VirtqueueElement): void {
    const context = this.context;
    if (context === null) return;
    const writableBytes = element.writable.reduce((sum, s) => sum + s.length, 0);
    const readableBytes = element.readable.reduce((sum, s) => sum + s.length, 0);
    if (readableBytes < HEADER_BYTES || writableBytes < 1) {
      // 5.2.6.1: a request needs its header and a status byte; without them nothing can be answered.
      context.fail(`a request of ${readableBytes} readable and ${writableBytes} writable bytes is too short`);
      queue.push(element.head, 0);
      context.notifyUsed(queue);
      return;
    }
    const header = queue.gather(element.readable, HEADER_BYTES);
    const view = new DataView(header.buffer);
    const type = view.getUint32(0, true);
    const sector = view.getUint32(8, true) + view.getUint32(12, true) * 0x1_0000_0000;
    const generation = this.generation;
    const dataIn = writableBytes - 1; // device-writable bytes before the status byte
    const finish = (status: number, written: number): void => {
      if (generation !== this.generation) return;
      this.inFlight--;
      queue.scatter(element.writable, Uint8Array.of(status), writableBytes - 1);
      queue.push(element.head, written + 1);
      context.notifyUsed(queue);
    };
    this.inFlight++;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const count = dataIn / SECTOR_SIZE;
        if (dataIn % SECTOR_SIZE !== 0 || sector + count > this.backend.sectorCount) {
          finish(VIRTIO_BLK_S_IOERR, 0);
          return;
        }
        const buffer = new Uint8Array(dataIn);
        this.backend.read(sector, count, buffer, 0, (error) => {
          if (generation !== this.generation) return;
          if (error !== null) {
            finish(VIRTIO_BLK_S_IOERR, 0);
            return;
          }
          queue.scatter(element.writable, buffer);
          finish(VIRTIO_BLK_S_OK, dataIn);
        });
        return;
      }
      case VIRTIO_BLK_T_OUT: {
        const data = queue.gather(element.readable).subarray(HEADER_BYTES);
        const count = data.length / SECTOR_SIZE;
        if (data.length % SECTOR_SIZE !== 0 || sector + count > this.backend.sectorCount || this.backend.readOnly) {
          finish(VIRTIO_BLK_S_IOERR, 0);
          return;
        }
        this.backend.write(sector, count, data, 0, (error) => finish(error === null ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0));
        return;
      }
      case VIRTIO_BLK_T_FLUSH:
        this.backend.flush((error) => finish(error === null ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR, 0));
        return;
      case VIRTIO_BLK_T_GET_ID: {
        // 5.2.6: up to 20 bytes, NUL-padded when shorter.
        const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, dataIn));
        id.set(this.serial.subarray(0, id.length));
        const written = queue.scatter(element.writable, id);
        finish(VIRTIO_BLK_S_OK, written);
        return;
      }
      default:
        finish(VIRTIO_BLK_S_UNSUPP, 0);
    }
  }
}
