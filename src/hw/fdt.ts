// Flattened device trees (FDT, "DTB"): how a machine tells firmware and kernels what hardware it
// has when there is no bus to probe, as QEMU's ARM `virt` board does. The writer builds a tree of
// nodes and properties and serialises it in the format of the Devicetree Specification v0.4,
// chapter 5: a header, the memory reservation block, the structure block and the strings block.
// The reader parses what the writer (or dtc, or QEMU) produced, for tests and diagnostics.
//
// Values are stored as the bytes they will have in the blob; every number in an FDT is big-endian
// (spec 5.1 "all integers ... are stored in big-endian format"), whatever the machine's byte order.

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;
/** The version written, and the oldest version a reader of it must understand (spec 5.2). */
export const FDT_VERSION = 17;
export const FDT_LAST_COMPATIBLE_VERSION = 16;
const HEADER_BYTES = 40;

/** Where QEMU starts handing out phandles (hw/core/sysbus-fdt, qemu_fdt_alloc_phandle); we do the same so the trees compare. */
export const FIRST_PHANDLE = 0x8000;

export interface FdtProperty {
  readonly name: string;
  value: Uint8Array;
}

export interface MemoryReservation {
  address: number;
  size: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function u32Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, index) => {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
      throw new RangeError(`device tree cell ${value} is not a 32-bit whole number`);
    }
    view.setUint32(index * 4, value >>> 0, false);
  });
  return bytes;
}

/** A 64-bit number (up to 2^53) as its two 32-bit cells, high first. */
export function u64Cells(value: number): [number, number] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`device tree value ${value} is not a non-negative whole number below 2^53`);
  return [Math.floor(value / 0x1_0000_0000), value % 0x1_0000_0000];
}

function nulTerminated(text: string): Uint8Array {
  const encoded = encoder.encode(text);
  if (encoded.includes(0)) throw new RangeError(`device tree string ${JSON.stringify(text)} contains a NUL character`);
  const bytes = new Uint8Array(encoded.length + 1);
  bytes.set(encoded);
  return bytes;
}

/** One node: a name ("memory@40000000"; the root is ""), its properties and its children, in the order they were added. */
export class FdtNode {
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];

  constructor(readonly name: string) {
    if (name.includes('/') || name.includes('\0')) throw new RangeError(`device tree node name ${JSON.stringify(name)} may not contain "/" or NUL`);
  }

  /** Adds a child node; names must be unique among siblings (spec 2.2.1). */
  addNode(name: string): FdtNode {
    if (this.child(name) !== null) throw new RangeError(`device tree node ${this.name || '/'} already has a child ${name}`);
    const node = new FdtNode(name);
    this.children.push(node);
    return node;
  }

  child(name: string): FdtNode | null {
    return this.children.find((node) => node.name === name) ?? null;
  }

  /** Sets (or replaces, keeping its position) a property's raw bytes. */
  setBytes(name: string, value: Uint8Array): this {
    if (name.length === 0 || name.includes('\0')) throw new RangeError(`device tree property name ${JSON.stringify(name)} is not valid`);
    const existing = this.properties.find((property) => property.name === name);
    if (existing !== undefined) existing.value = value.slice();
    else this.properties.push({ name, value: value.slice() });
    return this;
  }

  /** A property with no value (a flag such as `interrupt-controller`). */
  setEmpty(name: string): this {
    return this.setBytes(name, new Uint8Array(0));
  }

  setU32(name: string, value: number): this {
    return this.setBytes(name, u32Bytes([value]));
  }

  /** One 64-bit number as two cells, high first. */
  setU64(name: string, value: number): this {
    return this.setBytes(name, u32Bytes(u64Cells(value)));
  }

  /** A list of 32-bit cells (`reg`, `interrupts`, `ranges`…). */
  setCells(name: string, cells: readonly number[]): this {
    return this.setBytes(name, u32Bytes(cells));
  }

  setString(name: string, value: string): this {
    return this.setBytes(name, nulTerminated(value));
  }

  /** A string list: each string NUL-terminated, one after the other (`compatible`). */
  setStrings(name: string, values: readonly string[]): this {
    const parts = values.map(nulTerminated);
    const bytes = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return this.setBytes(name, bytes);
  }

  property(name: string): Uint8Array | null {
    return this.properties.find((property) => property.name === name)?.value ?? null;
  }

  /** The property as 32-bit cells, or null when it is absent or not a multiple of 4 bytes. */
  cells(name: string): number[] | null {
    const value = this.property(name);
    if (value === null || value.length % 4 !== 0) return null;
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    const out: number[] = [];
    for (let at = 0; at < value.length; at += 4) out.push(view.getUint32(at, false));
    return out;
  }

  u32(name: string): number | null {
    const cells = this.cells(name);
    return cells !== null && cells.length === 1 ? cells[0] : null;
  }

  /** The property as a string list (one string for a plain string property); null when absent or not NUL-terminated. */
  strings(name: string): string[] | null {
    const value = this.property(name);
    if (value === null || value.length === 0 || value[value.length - 1] !== 0) return null;
    return decoder.decode(value.subarray(0, value.length - 1)).split('\0');
  }

  string(name: string): string | null {
    const strings = this.strings(name);
    return strings !== null && strings.length === 1 ? strings[0] : null;
  }

  /** The node at a path relative to this one ("cpus/cpu@0"), or null. */
  find(path: string): FdtNode | null {
    const parts = path.split('/').filter((part) => part !== '');
    let node: FdtNode | null = parts.length === 0 ? this : this.child(parts[0]);
    for (let i = 1; i < parts.length && node !== null; i++) node = node.child(parts[i]);
    return node;
  }
}

export interface FdtWriteOptions {
  /**
   * Pads the blob with zeros to this total size (QEMU pads its tree to 1 MiB so that firmware can
   * add nodes in place). The header's totalsize then says this size. Default: no padding.
   */
  totalSize?: number;
  /**
   * The alignment of the memory reservation block after the 40-byte header: dtc uses 8; libfdt's
   * fdt_create (QEMU) aligns it to the size of a reservation entry, 16. Default 8.
   */
  reservationAlignment?: number;
}

/** A whole tree: the root node, the memory reservations and the boot CPU. */
export class DeviceTree {
  readonly root = new FdtNode('');
  readonly reservations: MemoryReservation[] = [];
  bootCpuId = 0;
  private nextPhandle = FIRST_PHANDLE;

  /** The node at an absolute path ("/", "/cpus/cpu@0"), or null. */
  find(path: string): FdtNode | null {
    return this.root.find(path);
  }

  /** The node's phandle, giving it the next free one (and its `phandle` property) if it has none. */
  phandleOf(node: FdtNode): number {
    const existing = node.u32('phandle');
    if (existing !== null) return existing;
    const phandle = this.nextPhandle++;
    node.setU32('phandle', phandle);
    return phandle;
  }

  /** Serialises the tree (Devicetree Specification v0.4, chapter 5). */
  toBytes(options: FdtWriteOptions = {}): Uint8Array {
    const strings = new StringsBlock();
    const structure = new ByteWriter();
    const writeNode = (node: FdtNode): void => {
      structure.u32(FDT_BEGIN_NODE);
      structure.bytes(nulTerminated(node.name));
      structure.align(4);
      for (const property of node.properties) {
        structure.u32(FDT_PROP);
        structure.u32(property.value.length);
        structure.u32(strings.offsetOf(property.name));
        structure.bytes(property.value);
        structure.align(4);
      }
      for (const child of node.children) writeNode(child);
      structure.u32(FDT_END_NODE);
    };
    writeNode(this.root);
    structure.u32(FDT_END);

    const reservations = new ByteWriter();
    for (const reservation of this.reservations) {
      reservations.u32s(u64Cells(reservation.address));
      reservations.u32s(u64Cells(reservation.size));
    }
    reservations.u32s([0, 0, 0, 0]);

    // Layout as dtc and libfdt make it: header, reservations (aligned), structure, strings.
    const reservationOffset = align(HEADER_BYTES, options.reservationAlignment ?? 8);
    const structureOffset = reservationOffset + reservations.length;
    const stringsOffset = structureOffset + structure.length;
    const stringBytes = strings.bytes();
    const used = stringsOffset + stringBytes.length;
    const total = options.totalSize ?? used;
    if (total < used) throw new RangeError(`device tree needs ${used} bytes, more than the ${total} asked for`);

    const blob = new Uint8Array(total);
    const view = new DataView(blob.buffer);
    const header = [FDT_MAGIC, total, structureOffset, stringsOffset, reservationOffset, FDT_VERSION, FDT_LAST_COMPATIBLE_VERSION, this.bootCpuId, stringBytes.length, structure.length];
    header.forEach((value, index) => view.setUint32(index * 4, value >>> 0, false));
    blob.set(reservations.result(), reservationOffset);
    blob.set(structure.result(), structureOffset);
    blob.set(stringBytes, stringsOffset);
    return blob;
  }
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

class ByteWriter {
  private buffer = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
    bigger.set(this.buffer.subarray(0, this.length));
    this.buffer = bigger;
  }

  u32(value: number): void {
    this.room(4);
    new DataView(this.buffer.buffer).setUint32(this.length, value >>> 0, false);
    this.length += 4;
  }

  u32s(values: readonly number[]): void {
    for (const value of values) this.u32(value);
  }

  bytes(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  align(to: number): void {
    const padded = align(this.length, to);
    this.room(padded - this.length);
    this.buffer.fill(0, this.length, padded);
    this.length = padded;
  }

  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** The strings block: each property name once, in order of first use. */
class StringsBlock {
  private readonly offsets = new Map<string, number>();
  private readonly writer = new ByteWriter();

  offsetOf(name: string): number {
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const offset = this.writer.length;
    this.writer.bytes(nulTerminated(name));
    this.offsets.set(name, offset);
    return offset;
  }

  bytes(): Uint8Array {
    return this.writer.result();
  }
}

/** What the reader found besides the tree. */
export interface ParsedDeviceTree {
  tree: DeviceTree;
  version: number;
  lastCompatibleVersion: number;
  totalSize: number;
}

/** Parses a blob (version 16 or later). Throws an Error saying what is malformed. */
export function parseFdt(blob: Uint8Array): ParsedDeviceTree {
  const fail = (what: string): never => {
    throw new Error(`device tree blob is malformed: ${what}`);
  };
  if (blob.length < HEADER_BYTES) fail(`${blob.length} bytes is shorter than the 40-byte header`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const word = (at: number): number => {
    if (at < 0 || at + 4 > blob.length) fail(`offset ${at} is past the end`);
    return view.getUint32(at, false);
  };
  if (word(0) !== FDT_MAGIC) fail(`magic 0x${word(0).toString(16)} is not 0xd00dfeed`);
  const totalSize = word(4);
  const structureOffset = word(8);
  const stringsOffset = word(12);
  const reservationOffset = word(16);
  const version = word(20);
  const lastCompatibleVersion = word(24);
  if (lastCompatibleVersion > FDT_VERSION) fail(`it needs a reader of version ${lastCompatibleVersion}`);
  if (totalSize > blob.length) fail(`totalsize ${totalSize} is more than the ${blob.length} bytes given`);
  const stringsSize = word(32);
  const structureSize = word(36);

  const tree = new DeviceTree();
  tree.bootCpuId = word(28);
  for (let at = reservationOffset; ; at += 16) {
    const address = word(at) * 0x1_0000_0000 + word(at + 4);
    const size = word(at + 8) * 0x1_0000_0000 + word(at + 12);
    if (address === 0 && size === 0) break;
    tree.reservations.push({ address, size });
  }

  const stringAt = (offset: number): string => {
    if (offset >= stringsSize) fail(`property name offset ${offset} is outside the strings block`);
    const start = stringsOffset + offset;
    const end = blob.indexOf(0, start);
    if (end < 0 || end >= stringsOffset + stringsSize) fail(`property name at ${offset} is not NUL-terminated`);
    return decoder.decode(blob.subarray(start, end));
  };

  const end = structureOffset + structureSize;
  let at = structureOffset;
  const stack: FdtNode[] = [];
  let finished = false;
  while (!finished) {
    if (at >= end) fail('the structure block ends without FDT_END');
    const token = word(at);
    at += 4;
    switch (token) {
      case FDT_BEGIN_NODE: {
        const nameEnd = blob.indexOf(0, at);
        if (nameEnd < 0 || nameEnd >= end) fail('a node name is not NUL-terminated');
        const name = decoder.decode(blob.subarray(at, nameEnd));
        at = align(nameEnd + 1, 4);
        const parent = stack[stack.length - 1];
        let node: FdtNode;
        if (parent === undefined) {
          if (tree.root.properties.length > 0 || tree.root.children.length > 0) fail('there is more than one root node');
          node = tree.root;
        } else {
          node = parent.addNode(name);
        }
        stack.push(node);
        break;
      }
      case FDT_PROP: {
        const length = word(at);
        const nameOffset = word(at + 4);
        at += 8;
        const node = stack[stack.length - 1];
        if (node === undefined) fail('a property outside any node');
        if (at + length > end) fail('a property value runs past the structure block');
        node.setBytes(stringAt(nameOffset), blob.subarray(at, at + length));
        at = align(at + length, 4);
        break;
      }
      case FDT_END_NODE:
        if (stack.pop() === undefined) fail('FDT_END_NODE without a node');
        break;
      case FDT_NOP:
        break;
      case FDT_END:
        if (stack.length !== 0) fail(`${stack.length} nodes are not closed at FDT_END`);
        finished = true;
        break;
      default:
        fail(`unknown token 0x${token.toString(16)} at offset ${at - 4}`);
    }
  }
  return { tree, version, lastCompatibleVersion, totalSize };
}
