// The console protocol: how a VMM shows its VM's screen and state, and how the serial server
// passes on output bound for the terminal's serial pane.
//
// The screen is a *view*: a dataspace the VMM declares and writes, mapped read-only into the
// console server (the root task gives the console server a capability `view-<vm>` to it). The VMM
// copies its display into the view when it changed; the console server reads the focused VM's
// view at its frame rate. No IPC per frame: a sequence counter in the header tells the reader
// whether the copy it made is whole (odd while the VMM writes, Atomics on the writer's side).
//
// View layout (little-endian, offsets in bytes):
//
//   0   Int32 magic 0x57564c34 ("L4VW")
//   4   Int32 sequence: odd while being written, even when stable; +2 per update
//   8   Int32 kind: VIEW_NONE, VIEW_TEXT or VIEW_GRAPHICS
//   12  Int32 columns          16 Int32 rows
//   20  Int32 cursor row       24 Int32 cursor column       28 Int32 cursor visible (0/1)
//   32  Int32 width (pixels)   36 Int32 height (pixels)
//   40  Int32 snapshot count: +1 each time the VMM answers a screenshot request (CONTROL_SCREENSHOT)
//       with the whole screen rendered (any mode, the VGA's own font) into the pixel area
//   44  Int32 snapshot width   48 Int32 snapshot height
//   52  reserved
//   56  Float64 guest instructions executed so far (for the status line and benchmarks)
//   64  cells: columns × rows × 2 bytes (character, attribute), row by row; at most VIEW_MAX_CELLS
//   VIEW_PIXELS_OFFSET  RGBA pixels, width × height × 4, at most VIEW_MAX_WIDTH × VIEW_MAX_HEIGHT
//
// Requests to the console server's endpoint; the badge says who asks: VM n has badge n + 1, the
// serial server CONSOLE_SERIAL_BADGE, the input server CONSOLE_INPUT_BADGE.
//   ConsoleLabel.state   words [VmState], optional string (detail)  a VMM reports its VM's state
//   ConsoleLabel.serial  words [vm, port], string bytes             serial output for the terminal pane
//   ConsoleLabel.focus   words [vm, pane]                            the input server moved the focus
// The reply has label 0 (done) or ConsoleLabel.refused with a reason string.

import type { TextScreen, RgbaImage } from '../machines/machine.js';

export const VIEW_MAGIC = 0x57564c34;
export const VIEW_NONE = 0;
export const VIEW_TEXT = 1;
export const VIEW_GRAPHICS = 2;
export const VIEW_HEADER_BYTES = 64;
/** Enough for 132 × 60 text. */
export const VIEW_MAX_CELLS = 132 * 60;
export const VIEW_MAX_WIDTH = 1024;
export const VIEW_MAX_HEIGHT = 768;
export const VIEW_PIXELS_OFFSET = VIEW_HEADER_BYTES + VIEW_MAX_CELLS * 2;
export const VIEW_BYTES = VIEW_PIXELS_OFFSET + VIEW_MAX_WIDTH * VIEW_MAX_HEIGHT * 4;

const H_MAGIC = 0;
const H_SEQUENCE = 1;
const H_KIND = 2;
const H_COLUMNS = 3;
const H_ROWS = 4;
const H_CURSOR_ROW = 5;
const H_CURSOR_COLUMN = 6;
const H_CURSOR_VISIBLE = 7;
const H_WIDTH = 8;
const H_HEIGHT = 9;
const H_SNAPSHOT = 10;
const H_SNAPSHOT_WIDTH = 11;
const H_SNAPSHOT_HEIGHT = 12;
/** Float64 index of the instruction count. */
const H_INSTRUCTIONS_F64 = 7;

export const ConsoleLabel = {
  state: 1,
  serial: 2,
  focus: 3,
  refused: 0xff,
} as const;

export const CONSOLE_SERIAL_BADGE = 0x10000;
export const CONSOLE_INPUT_BADGE = 0x10001;

/** What the console shows of the focused VM. */
export const Pane = { screen: 0, serial: 1 } as const;
export type PaneValue = (typeof Pane)[keyof typeof Pane];

/** The badge a VM's capabilities to servers carry. */
export function vmBadge(vm: number): number {
  return vm + 1;
}

/** What the console shows about a VM. */
export const VmState = {
  starting: 0,
  running: 1,
  halted: 2,
  stopped: 3,
  reset: 4,
} as const;
export type VmStateValue = (typeof VmState)[keyof typeof VmState];

export const VM_STATE_NAMES: Readonly<Record<number, string>> = { 0: 'starting', 1: 'running', 2: 'halted', 3: 'stopped', 4: 'reset' };

export type ConsoleRequest =
  | { kind: 'state'; state: VmStateValue; detail: string }
  | { kind: 'serial'; vm: number; port: number; bytes: Uint8Array }
  | { kind: 'focus'; vm: number; pane: PaneValue };

/** Writes a VM's display into its view (the VMM side). */
export class ViewWriter {
  private readonly words: Int32Array;
  private readonly doubles: Float64Array;
  private readonly bytes: Uint8Array;

  constructor(memory: Uint8Array) {
    if (memory.length < VIEW_BYTES) throw new RangeError(`a view needs ${VIEW_BYTES} bytes, not ${memory.length}`);
    this.bytes = memory;
    this.words = new Int32Array(memory.buffer, memory.byteOffset, VIEW_HEADER_BYTES / 4);
    this.doubles = new Float64Array(memory.buffer, memory.byteOffset, VIEW_HEADER_BYTES / 8);
    this.words[H_MAGIC] = VIEW_MAGIC;
  }

  /** Publishes a text screen. */
  writeText(screen: TextScreen): void {
    const cells = Math.min(screen.columns * screen.rows, VIEW_MAX_CELLS);
    this.begin();
    const words = this.words;
    words[H_KIND] = VIEW_TEXT;
    words[H_COLUMNS] = screen.columns;
    words[H_ROWS] = Math.floor(cells / Math.max(1, screen.columns));
    words[H_CURSOR_ROW] = screen.cursor.row;
    words[H_CURSOR_COLUMN] = screen.cursor.column;
    words[H_CURSOR_VISIBLE] = screen.cursor.visible ? 1 : 0;
    const bytes = this.bytes;
    for (let i = 0, at = VIEW_HEADER_BYTES; i < cells; i++, at += 2) {
      bytes[at] = screen.characters[i];
      bytes[at + 1] = screen.attributes[i];
    }
    this.end();
  }

  /** Publishes a graphics frame (cropped to the view's maximum size). */
  writeGraphics(image: RgbaImage): void {
    const width = Math.min(image.width, VIEW_MAX_WIDTH);
    const height = Math.min(image.height, VIEW_MAX_HEIGHT);
    this.begin();
    const words = this.words;
    words[H_KIND] = VIEW_GRAPHICS;
    words[H_WIDTH] = width;
    words[H_HEIGHT] = height;
    if (width === image.width) this.bytes.set(image.rgba.subarray(0, width * height * 4), VIEW_PIXELS_OFFSET);
    else for (let y = 0; y < height; y++) this.bytes.set(image.rgba.subarray(y * image.width * 4, (y * image.width + width) * 4), VIEW_PIXELS_OFFSET + y * width * 4);
    this.end();
  }

  /** Publishes the guest's instruction count (no sequence change: a counter, read on its own). */
  writeInstructions(count: number): void {
    this.doubles[H_INSTRUCTIONS_F64] = count;
  }

  /** Answers a screenshot request: the rendered screen (any mode) into the pixel area. */
  writeSnapshot(image: RgbaImage): void {
    const width = Math.min(image.width, VIEW_MAX_WIDTH);
    const height = Math.min(image.height, VIEW_MAX_HEIGHT);
    this.begin();
    for (let y = 0; y < height; y++) this.bytes.set(image.rgba.subarray(y * image.width * 4, (y * image.width + width) * 4), VIEW_PIXELS_OFFSET + y * width * 4);
    this.words[H_SNAPSHOT_WIDTH] = width;
    this.words[H_SNAPSHOT_HEIGHT] = height;
    this.words[H_SNAPSHOT]++;
    this.end();
  }

  /** Nothing to show (the display is off). */
  writeNone(): void {
    this.begin();
    this.words[H_KIND] = VIEW_NONE;
    this.end();
  }

  private begin(): void {
    Atomics.add(this.words, H_SEQUENCE, 1);
  }

  private end(): void {
    Atomics.add(this.words, H_SEQUENCE, 1);
  }
}

export type ViewContents = { kind: 'none'; sequence: number } | { kind: 'text'; sequence: number; screen: TextScreen } | { kind: 'graphics'; sequence: number; image: RgbaImage };

/**
 * Reads a view (the console side). The mapping is read-only, so every read is a copy through the
 * kernel's Region.read (`read`); the sequence word before and after the copy says whether the
 * writer changed the view meanwhile.
 */
export class ViewReader {
  private readonly header = new Int32Array(VIEW_HEADER_BYTES / 4);
  private readonly headerBytes = new Uint8Array(this.header.buffer);

  constructor(private readonly copy: (offset: number, into: Uint8Array) => void) {}

  private loadHeader(): Int32Array {
    this.copy(0, this.headerBytes);
    return this.header;
  }

  private sequenceNow(): number {
    const word = new Uint8Array(4);
    this.copy(H_SEQUENCE * 4, word);
    return new Int32Array(word.buffer)[0];
  }

  get valid(): boolean {
    return this.loadHeader()[H_MAGIC] === VIEW_MAGIC;
  }

  /** The guest's instruction count as last published. */
  get instructions(): number {
    const bytes = new Uint8Array(8);
    this.copy(H_INSTRUCTIONS_F64 * 8, bytes);
    return new Float64Array(bytes.buffer)[0];
  }

  get sequence(): number {
    return this.sequenceNow();
  }

  /** How many screenshots the VMM has answered. */
  get snapshots(): number {
    return this.loadHeader()[H_SNAPSHOT];
  }

  /** The last screenshot, or null while the writer is in the middle of an update. */
  readSnapshot(): { count: number; image: RgbaImage } | null {
    const words = this.loadHeader();
    const before = words[H_SEQUENCE];
    if ((before & 1) !== 0) return null;
    const width = Math.max(0, Math.min(words[H_SNAPSHOT_WIDTH], VIEW_MAX_WIDTH));
    const height = Math.max(0, Math.min(words[H_SNAPSHOT_HEIGHT], VIEW_MAX_HEIGHT));
    const count = words[H_SNAPSHOT];
    const rgba = new Uint8ClampedArray(width * height * 4);
    this.copy(VIEW_PIXELS_OFFSET, new Uint8Array(rgba.buffer));
    return this.sequenceNow() === before ? { count, image: { width, height, rgba } } : null;
  }

  /** A whole copy of the view, or null while the writer is in the middle of an update. */
  read(): ViewContents | null {
    const words = this.loadHeader();
    const before = words[H_SEQUENCE];
    if ((before & 1) !== 0 || words[H_MAGIC] !== VIEW_MAGIC) return null;
    let contents: ViewContents;
    const kind = words[H_KIND];
    if (kind === VIEW_TEXT) {
      const columns = words[H_COLUMNS];
      const rows = words[H_ROWS];
      const cells = Math.max(0, Math.min(columns * rows, VIEW_MAX_CELLS));
      const raw = new Uint8Array(cells * 2);
      this.copy(VIEW_HEADER_BYTES, raw);
      const characters = new Uint8Array(cells);
      const attributes = new Uint8Array(cells);
      for (let i = 0; i < cells; i++) {
        characters[i] = raw[2 * i];
        attributes[i] = raw[2 * i + 1];
      }
      contents = {
        kind: 'text',
        sequence: before,
        screen: { columns, rows, characters, attributes, cursor: { row: words[H_CURSOR_ROW], column: words[H_CURSOR_COLUMN], visible: words[H_CURSOR_VISIBLE] !== 0 } },
      };
    } else if (kind === VIEW_GRAPHICS) {
      const width = Math.max(0, Math.min(words[H_WIDTH], VIEW_MAX_WIDTH));
      const height = Math.max(0, Math.min(words[H_HEIGHT], VIEW_MAX_HEIGHT));
      const rgba = new Uint8ClampedArray(width * height * 4);
      this.copy(VIEW_PIXELS_OFFSET, new Uint8Array(rgba.buffer));
      contents = { kind: 'graphics', sequence: before, image: { width, height, rgba } };
    } else contents = { kind: 'none', sequence: before };
    return this.sequenceNow() === before ? contents : null;
  }
}
