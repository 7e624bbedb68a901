// A guest's screen drawn on an ANSI (xterm-compatible) terminal: a VGA text screen cell by cell in
// the 16 colours, or a graphics mode as a preview of half-block characters in 24-bit colour.
//
// The first draw paints every cell; later draws send only the cells that changed since (a copy
// of what the terminal shows is kept) and only the SGR parameters that differ from the last
// ones sent. The whole update goes out in one write, with the terminal's cursor hidden while
// cells are painted and then put where the guest's cursor is.
//
// Sequences: ECMA-48 CUP (CSI row;col H), SGR (CSI … m: 5/25 blink on/off, 30–37/90–97 and
// 40–47/100–107 the 16 colours, 38;2;r;g;b and 48;2;r;g;b direct colour), xterm's DECTCEM
// (CSI ? 25 h/l) and alternate screen (CSI ? 1049 h/l).

import { CP437_TO_UNICODE } from '../hw/cp437.js';
import type { RgbaImage, TextScreen } from '../machines/machine.js';

export type { RgbaImage, TextScreen };

export interface AnsiScreenOptions {
  /** The terminal row (0-based) of the screen's top line; default 0. */
  top?: number;
  /** The terminal column (0-based) of the screen's left edge; default 0. */
  left?: number;
}

const CSI = '\x1b[';
export const SHOW_CURSOR = `${CSI}?25h`;
export const HIDE_CURSOR = `${CSI}?25l`;
/** Switches to the alternate screen, clears it and hides the cursor: what a full-screen console starts with. */
export const ENTER_FULL_SCREEN = `${CSI}?1049h${CSI}0m${CSI}2J${HIDE_CURSOR}`;
/** Shows the cursor, resets colours and leaves the alternate screen: write it on every way out. */
export const RESTORE_TERMINAL = `${SHOW_CURSOR}${CSI}0m${CSI}?1049l`;

/** The sequence that gives the terminal back as it was (RESTORE_TERMINAL). */
export function restoreTerminal(): string {
  return RESTORE_TERMINAL;
}

// The VGA's colour order is blue=1, green=2, red=4 (IBM's RGBI bits); ANSI's is red=1, green=2, blue=4.
const VGA_TO_ANSI = [0, 4, 2, 6, 1, 5, 3, 7] as const;

/** The SGR foreground parameter for VGA colour 0–15: 30–37, or 90–97 for the bright half. */
export function vgaForegroundSgr(colour: number): number {
  return (colour & 8 ? 90 : 30) + VGA_TO_ANSI[colour & 7];
}

/** The SGR background parameter for VGA colour 0–15: 40–47, or 100–107 for the bright half. */
export function vgaBackgroundSgr(colour: number): number {
  return (colour & 8 ? 100 : 40) + VGA_TO_ANSI[colour & 7];
}

const UPPER_HALF_BLOCK = '▀';
const DEFAULT_FOREGROUND = '39';
const DEFAULT_BACKGROUND = '49';
/** What a cell holds when the terminal's content is not known. */
const UNKNOWN = -1;
/** The second key of a text cell (a preview cell's is a colour, never negative). */
const TEXT_CELL = -2;

export class AnsiScreen {
  private readonly top: number;
  private readonly left: number;
  /** What the terminal shows, per cell: a text cell's character, attribute and blink mode, or a preview cell's upper colour … */
  private cellKeys = new Int32Array(0);
  /** … and TEXT_CELL, or the preview cell's lower colour. */
  private cellKinds = new Int32Array(0);
  private columns = 0;
  private rows = 0;
  /** The SGR state the terminal is in. */
  private foreground = DEFAULT_FOREGROUND;
  private background = DEFAULT_BACKGROUND;
  private blink = false;
  private styleKnown = false;
  /** Where the terminal's cursor is, in screen cells; row -1 when not known. */
  private cursorRow = UNKNOWN;
  private cursorColumn = 0;
  /** Whether the terminal shows its cursor; null when not known. */
  private cursorShown: boolean | null = null;
  private out: string[] = [];

  constructor(
    private readonly write: (text: string) => void,
    options: AnsiScreenOptions = {},
  ) {
    this.top = options.top ?? 0;
    this.left = options.left ?? 0;
  }

  /**
   * Draws a text screen. `blinkIsBright` follows the VGA's attribute mode control bit 3 (clear:
   * bit 7 of an attribute is a bright background, not blink).
   */
  drawText(screen: TextScreen, blinkIsBright = false): void {
    const { columns, rows, characters, attributes } = screen;
    this.resize(columns, rows);
    const blinkMode = blinkIsBright ? 1 << 16 : 0;
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) {
        const index = row * columns + column;
        const character = characters[index] ?? 0;
        const attribute = attributes[index] ?? 0;
        const key = character | (attribute << 8) | blinkMode;
        if (this.cellKeys[index] === key && this.cellKinds[index] === TEXT_CELL) continue;
        this.cellKeys[index] = key;
        this.cellKinds[index] = TEXT_CELL;
        const background = blinkIsBright ? (attribute >>> 4) & 0x0f : (attribute >>> 4) & 0x07;
        const blank = character === 0x00 || character === 0x20 || character === 0xff;
        this.paint(
          row,
          column,
          blank ? null : String(vgaForegroundSgr(attribute & 0x0f)),
          String(vgaBackgroundSgr(background)),
          !blinkIsBright && (attribute & 0x80) !== 0,
          blank ? ' ' : (CP437_TO_UNICODE[character] ?? ' '),
        );
      }
    }
    const { row, column, visible } = screen.cursor;
    this.finish(visible && row >= 0 && row < rows && column >= 0 && column < columns, row, column);
  }

  /**
   * Draws a graphics frame scaled down to fit columns × rows cells, two pixels per cell (the upper
   * half block in the upper pixel's colour over the lower pixel's), each pixel the average of the
   * frame's pixels it covers. The aspect ratio is kept and the frame is never enlarged.
   */
  drawGraphicsPreview(image: RgbaImage, columns: number, rows: number): void {
    const { width: outputWidth, height: outputHeight } = previewSize(image.width, image.height, columns, rows);
    const cellRows = (outputHeight + 1) >> 1;
    this.resize(outputWidth, cellRows);
    const pixels = scaleDown(image, outputWidth, outputHeight);
    for (let row = 0; row < cellRows; row++) {
      for (let column = 0; column < outputWidth; column++) {
        const upper = pixels[2 * row * outputWidth + column] ?? 0;
        const lower = 2 * row + 1 < outputHeight ? (pixels[(2 * row + 1) * outputWidth + column] ?? 0) : 0;
        const index = row * outputWidth + column;
        if (this.cellKeys[index] === upper && this.cellKinds[index] === lower) continue;
        this.cellKeys[index] = upper;
        this.cellKinds[index] = lower;
        if (upper === lower) this.paint(row, column, null, `48;2;${rgbText(lower)}`, false, ' ');
        else this.paint(row, column, `38;2;${rgbText(upper)}`, `48;2;${rgbText(lower)}`, false, UPPER_HALF_BLOCK);
      }
    }
    this.finish(false, 0, 0);
  }

  /** Clears the terminal and forgets what it showed, so the next draw paints everything. */
  clear(): void {
    this.write(`${CSI}0m${CSI}2J`);
    this.foreground = DEFAULT_FOREGROUND;
    this.background = DEFAULT_BACKGROUND;
    this.blink = false;
    this.styleKnown = true;
    this.cursorRow = UNKNOWN;
    this.columns = 0;
    this.rows = 0;
    this.cellKeys = new Int32Array(0);
    this.cellKinds = new Int32Array(0);
  }

  /** A new size: blanks what the old one covered beyond the new one, and forgets every cell. */
  private resize(columns: number, rows: number): void {
    if (columns === this.columns && rows === this.rows) return;
    for (let row = 0; row < this.rows; row++) {
      const from = row < rows ? columns : 0;
      if (from >= this.columns) continue;
      this.paintBlank(row, from, this.columns - from);
    }
    this.columns = columns;
    this.rows = rows;
    this.cellKeys = new Int32Array(columns * rows).fill(UNKNOWN);
    this.cellKinds = new Int32Array(columns * rows).fill(UNKNOWN);
  }

  private paintBlank(row: number, column: number, count: number): void {
    this.beginPainting();
    this.moveTo(row, column);
    this.setStyle(null, DEFAULT_BACKGROUND, false);
    this.out.push(' '.repeat(count));
    this.cursorRow = UNKNOWN;
  }

  /** One cell; a null foreground means the glyph shows none (a blank), so it is left as it is. */
  private paint(row: number, column: number, foreground: string | null, background: string, blink: boolean, glyph: string): void {
    this.beginPainting();
    this.moveTo(row, column);
    this.setStyle(foreground, background, blink);
    this.out.push(glyph);
    this.cursorColumn++;
    // After the last column the terminal may wait to wrap, so where the cursor is is not known.
    if (this.cursorColumn >= this.columns) this.cursorRow = UNKNOWN;
  }

  private beginPainting(): void {
    if (this.cursorShown !== false) {
      this.out.push(HIDE_CURSOR);
      this.cursorShown = false;
    }
  }

  private moveTo(row: number, column: number): void {
    if (this.cursorRow === row && this.cursorColumn === column) return;
    this.out.push(`${CSI}${this.top + row + 1};${this.left + column + 1}H`);
    this.cursorRow = row;
    this.cursorColumn = column;
  }

  private setStyle(foreground: string | null, background: string, blink: boolean): void {
    if (!this.styleKnown) {
      this.out.push(`${CSI}0m`);
      this.foreground = DEFAULT_FOREGROUND;
      this.background = DEFAULT_BACKGROUND;
      this.blink = false;
      this.styleKnown = true;
    }
    const parameters: string[] = [];
    if (foreground !== null && foreground !== this.foreground) {
      parameters.push(foreground);
      this.foreground = foreground;
    }
    if (background !== this.background) {
      parameters.push(background);
      this.background = background;
    }
    if (blink !== this.blink) {
      parameters.push(blink ? '5' : '25');
      this.blink = blink;
    }
    if (parameters.length > 0) this.out.push(`${CSI}${parameters.join(';')}m`);
  }

  /** Puts the terminal's cursor where the guest's is (or hides it) and sends the update. */
  private finish(visible: boolean, row: number, column: number): void {
    if (visible) {
      this.moveTo(row, column);
      if (this.cursorShown !== true) {
        this.out.push(SHOW_CURSOR);
        this.cursorShown = true;
      }
    } else if (this.cursorShown !== false) {
      this.out.push(HIDE_CURSOR);
      this.cursorShown = false;
    }
    if (this.out.length === 0) return;
    const text = this.out.join('');
    this.out = [];
    this.write(text);
  }
}

/** The preview's size in pixels: the frame scaled down, aspect kept, to fit columns × 2·rows. */
export function previewSize(width: number, height: number, columns: number, rows: number): { width: number; height: number } {
  if (width <= 0 || height <= 0 || columns <= 0 || rows <= 0) return { width: 0, height: 0 };
  const scale = Math.min(1, columns / width, (2 * rows) / height);
  return {
    width: Math.max(1, Math.min(columns, Math.round(width * scale))),
    height: Math.max(1, Math.min(2 * rows, Math.round(height * scale))),
  };
}

/** Box-filters the frame to width × height pixels, each as 0xRRGGBB. */
function scaleDown(image: RgbaImage, width: number, height: number): Int32Array {
  const pixels = new Int32Array(width * height);
  const { rgba } = image;
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * image.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * image.width) / width));
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let sourceY = y0; sourceY < y1; sourceY++) {
        let offset = (sourceY * image.width + x0) * 4;
        for (let sourceX = x0; sourceX < x1; sourceX++, offset += 4) {
          red += rgba[offset] ?? 0;
          green += rgba[offset + 1] ?? 0;
          blue += rgba[offset + 2] ?? 0;
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      pixels[y * width + x] = (Math.round(red / count) << 16) | (Math.round(green / count) << 8) | Math.round(blue / count);
    }
  }
  return pixels;
}

function rgbText(rgb: number): string {
  return `${(rgb >>> 16) & 0xff};${(rgb >>> 8) & 0xff};${rgb & 0xff}`;
}
