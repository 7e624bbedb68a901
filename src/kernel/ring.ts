// A single-producer single-consumer byte queue in a SharedArrayBuffer: how the kernels of two host
// CPUs (workers) pass messages without the host's message channel. Records are a 32-bit length and
// the bytes; the indices are free-running 32-bit counters read and published with Atomics.

const WRITE = 0;
const READ = 1;
const HEADER_BYTES = 8;

export class Ring {
  private readonly indices: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  /** Bytes a ring of `capacity` (a power of two) needs. */
  static bytes(capacity: number): number {
    return HEADER_BYTES + capacity;
  }

  constructor(buffer: SharedArrayBuffer, offset: number, readonly capacity: number) {
    if (capacity & (capacity - 1)) throw new RangeError(`ring capacity ${capacity} is not a power of two`);
    this.indices = new Int32Array(buffer, offset, 2);
    this.data = new Uint8Array(buffer, offset + HEADER_BYTES, capacity);
    this.mask = capacity - 1;
  }

  private used(): number {
    return (Atomics.load(this.indices, WRITE) - Atomics.load(this.indices, READ)) >>> 0;
  }

  /** Appends one record; false when it does not fit now (the caller retries later). */
  push(record: Uint8Array): boolean {
    const need = 4 + record.length;
    if (need > this.capacity) throw new RangeError(`message of ${record.length} bytes exceeds the ring of ${this.capacity}`);
    if (this.capacity - this.used() < need) return false;
    const write = Atomics.load(this.indices, WRITE) >>> 0;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, record.length, true);
    this.copyIn(write, header);
    this.copyIn(write + 4, record);
    Atomics.store(this.indices, WRITE, (write + need) | 0);
    return true;
  }

  /** The next record without consuming it, or null. */
  peek(): Uint8Array | null {
    if (this.used() < 4) return null;
    const read = Atomics.load(this.indices, READ) >>> 0;
    const header = this.copyOut(read, 4);
    const length = new DataView(header.buffer).getUint32(0, true);
    return this.copyOut(read + 4, length);
  }

  /** Consumes the record peek() returned. */
  drop(record: Uint8Array): void {
    const read = Atomics.load(this.indices, READ) >>> 0;
    Atomics.store(this.indices, READ, (read + 4 + record.length) | 0);
  }

  private copyIn(at: number, bytes: Uint8Array): void {
    const start = at & this.mask;
    const first = Math.min(bytes.length, this.capacity - start);
    this.data.set(bytes.subarray(0, first), start);
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0);
  }

  private copyOut(at: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const start = at & this.mask;
    const first = Math.min(length, this.capacity - start);
    out.set(this.data.subarray(start, start + first));
    if (first < length) out.set(this.data.subarray(0, length - first), first);
    return out;
  }
}

/** A growable little-endian encoder and its matching decoder for interconnect messages. */
export class Encoder {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }
  f64(v: number): this {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.u32(b.length);
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
    return this;
  }
  words(w: Uint32Array): this {
    this.u32(w.length);
    for (let i = 0; i < w.length; i++) this.u32(w[i]);
    return this;
  }
  finish(): Uint8Array {
    const out = this.bytes.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

export class Decoder {
  private readonly view: DataView;
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.view.getUint8(this.at++);
  }
  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  raw(): Uint8Array {
    const n = this.u32();
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  words(): Uint32Array {
    const n = this.u32();
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32();
    return out;
  }
}
