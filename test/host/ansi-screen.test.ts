// Drawing a guest's screen on an ANSI terminal: what is written is checked byte for byte where
// it is short, and otherwise replayed on a small terminal model (cursor moves, SGR, characters)
// whose cells must then show the guest's screen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AnsiScreen,
  HIDE_CURSOR,
  previewSize,
  RESTORE_TERMINAL,
  restoreTerminal,
  SHOW_CURSOR,
  vgaBackgroundSgr,
  vgaForegroundSgr,
  type TextScreen,
} from '../../src/host/ansi-screen.js';

function textScreen(columns: number, rows: number, text = '', attribute = 0x07): TextScreen {
  const characters = new Uint8Array(columns * rows).fill(0x20);
  for (let index = 0; index < text.length && index < characters.length; index++) characters[index] = text.charCodeAt(index);
  return { columns, rows, characters, attributes: new Uint8Array(columns * rows).fill(attribute), cursor: { row: 0, column: 0, visible: false } };
}

function recorder() {
  const writes: string[] = [];
  const screen = new AnsiScreen((text) => writes.push(text));
  return { screen, writes, take: () => writes.splice(0).join('') };
}

interface ModelCell {
  glyph: string;
  foreground: string;
  background: string;
  blink: boolean;
}

/** Enough of a terminal to replay what AnsiScreen writes: CUP, SGR, DECTCEM, ED 2 and characters. */
class TerminalModel {
  cells: ModelCell[][] = [];
  row = 0;
  column = 0;
  cursorShown = true;
  private foreground = '39';
  private background = '49';
  private blink = false;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    this.erase();
  }

  private erase(): void {
    this.cells = Array.from({ length: this.rows }, () => Array.from({ length: this.columns }, () => ({ glyph: ' ', foreground: '39', background: '49', blink: false })));
  }

  feed(text: string): void {
    for (let index = 0; index < text.length; ) {
      // eslint-disable-next-line no-control-regex
      const sequence = /^\x1b\[([?0-9;]*)([A-Za-z])/.exec(text.slice(index));
      if (sequence) {
        this.control(sequence[1] ?? '', sequence[2] ?? '');
        index += sequence[0].length;
        continue;
      }
      const glyph = String.fromCodePoint(text.codePointAt(index) ?? 0);
      assert.ok(glyph >= ' ', `a control character ${JSON.stringify(glyph)} was written`);
      assert.ok(this.row < this.rows && this.column < this.columns, `a character written outside the terminal at ${this.row},${this.column}`);
      const line = this.cells[this.row];
      if (line) line[this.column] = { glyph, foreground: this.foreground, background: this.background, blink: this.blink };
      this.column++;
      index += glyph.length;
    }
  }

  private control(parameters: string, final: string): void {
    if (final === 'H') {
      const [row, column] = parameters.split(';').map(Number);
      this.row = (row ?? 1) - 1;
      this.column = (column ?? 1) - 1;
    } else if (final === 'h' || final === 'l') {
      if (parameters === '?25') this.cursorShown = final === 'h';
    } else if (final === 'J') {
      assert.equal(parameters, '2');
      this.erase();
    } else if (final === 'm') {
      const list = parameters.split(';');
      for (let index = 0; index < list.length; index++) {
        const value = Number(list[index]);
        if (value === 0) {
          this.foreground = '39';
          this.background = '49';
          this.blink = false;
        } else if (value === 5 || value === 25) {
          this.blink = value === 5;
        } else if (value === 38 || value === 48) {
          const colour = `${value};2;${list.slice(index + 2, index + 5).join(';')}`;
          if (value === 38) this.foreground = colour;
          else this.background = colour;
          index += 4;
        } else if ((value >= 30 && value <= 37) || (value >= 90 && value <= 97) || value === 39) {
          this.foreground = String(value);
        } else if ((value >= 40 && value <= 47) || (value >= 100 && value <= 107) || value === 49) {
          this.background = String(value);
        } else {
          assert.fail(`unexpected SGR parameter ${value}`);
        }
      }
    } else {
      assert.fail(`unexpected sequence CSI ${parameters} ${final}`);
    }
  }

  /** The glyphs of one row. */
  line(row: number): string {
    return (this.cells[row] ?? []).map((cell) => cell.glyph).join('');
  }
}

test('ANS0001 VGA colours map to ANSI: VGA blue=1 and red=4 are ANSI blue=4 and red=1; 8–15 are the bright 90–97 and 100–107', () => {
  assert.deepEqual(
    Array.from({ length: 16 }, (_, colour) => vgaForegroundSgr(colour)),
    [30, 34, 32, 36, 31, 35, 33, 37, 90, 94, 92, 96, 91, 95, 93, 97],
  );
  assert.deepEqual(
    Array.from({ length: 16 }, (_, colour) => vgaBackgroundSgr(colour)),
    [40, 44, 42, 46, 41, 45, 43, 47, 100, 104, 102, 106, 101, 105, 103, 107],
  );
  // Yellow (14) on blue (1), as a BIOS setup screen draws it.
  const { screen, take } = recorder();
  screen.drawText(textScreen(2, 1, 'OK', 0x1e));
  assert.equal(take(), `${HIDE_CURSOR}\x1b[1;1H\x1b[0m\x1b[93;44mOK`);
});

test('ANS0002 blink: bit 7 blinks (SGR 5/25) unless blinkIsBright, when it makes the background bright', () => {
  const screen = textScreen(3, 1, 'abc', 0x07);
  screen.attributes[1] = 0x87;
  const blinking = recorder();
  blinking.screen.drawText(screen);
  assert.equal(blinking.take(), `${HIDE_CURSOR}\x1b[1;1H\x1b[0m\x1b[37;40ma\x1b[5mb\x1b[25mc`);
  const bright = recorder();
  bright.screen.drawText(screen, true);
  assert.equal(bright.take(), `${HIDE_CURSOR}\x1b[1;1H\x1b[0m\x1b[37;40ma\x1b[100mb\x1b[40mc`);
  // The same screen with the other blink mode is a different picture: every cell is sent again.
  bright.screen.drawText(screen, false);
  assert.ok(bright.take().includes('\x1b[5mb'));
});

test('ANS0003 later draws send only the changed cells, with one cursor move each and only the SGR that changed', () => {
  const { screen, take } = recorder();
  const guest = textScreen(10, 3, 'hello', 0x07);
  screen.drawText(guest);
  take();
  screen.drawText(guest);
  assert.equal(take(), '', 'nothing changed, nothing written');
  guest.characters[1 * 10 + 4] = 'Z'.charCodeAt(0);
  screen.drawText(guest);
  assert.equal(take(), '\x1b[2;5HZ', 'the cursor is hidden already');
  // Two neighbours: one move; an attribute change: only the foreground parameter.
  guest.characters[2 * 10 + 0] = 'x'.charCodeAt(0);
  guest.characters[2 * 10 + 1] = 'y'.charCodeAt(0);
  guest.attributes[2 * 10 + 1] = 0x04;
  screen.drawText(guest);
  assert.equal(take(), '\x1b[3;1Hx\x1b[31my');
  guest.attributes[0] = 0x47; // white on red: only the background differs from the last cell sent
  screen.drawText(guest);
  assert.equal(take(), '\x1b[1;1H\x1b[37;41mh');
});

test('ANS0004 CP437: box drawing, the control-code pictures, and blank cells', () => {
  const { screen, take } = recorder();
  const guest = textScreen(6, 1);
  guest.characters.set([0xc9, 0xcd, 0xbb, 0x01, 0x00, 0xb0]);
  screen.drawText(guest);
  const model = new TerminalModel(6, 1);
  model.feed(take());
  assert.equal(model.line(0), '╔═╗☺ ░');
});

test('ANS0005 the cursor goes where the guest has it, offset by top and left, and is hidden when the guest hides it', () => {
  const writes: string[] = [];
  const screen = new AnsiScreen((text) => writes.push(text), { top: 2, left: 5 });
  const guest = textScreen(80, 25, 'C:\\>');
  guest.cursor = { row: 0, column: 4, visible: true };
  screen.drawText(guest);
  const first = writes.join('');
  assert.ok(first.startsWith(`${HIDE_CURSOR}\x1b[3;6H`), 'the screen starts at row 3, column 6 of the terminal');
  assert.ok(first.endsWith(`\x1b[3;10H${SHOW_CURSOR}`), JSON.stringify(first.slice(-20)));
  writes.length = 0;
  guest.cursor = { row: 1, column: 0, visible: true };
  screen.drawText(guest);
  assert.deepEqual(writes, ['\x1b[4;6H'], 'a cursor move alone is one CUP');
  writes.length = 0;
  guest.cursor = { row: 25, column: 0, visible: true };
  screen.drawText(guest);
  assert.deepEqual(writes, [HIDE_CURSOR], 'a cursor below the screen is hidden');
  writes.length = 0;
  guest.cursor = { row: 1, column: 0, visible: true };
  guest.characters[79] = 0x41;
  screen.drawText(guest);
  assert.deepEqual(writes, [`\x1b[3;85HA\x1b[4;6H${SHOW_CURSOR}`]);
});

test('ANS0006 many random changes replayed on a terminal model always show the guest screen', () => {
  let seed = 12345;
  const random = (limit: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % limit;
  };
  const { screen, take } = recorder();
  const model = new TerminalModel(20, 6);
  const guest = textScreen(20, 6);
  for (let round = 0; round < 50; round++) {
    const changes = random(30);
    for (let change = 0; change < changes; change++) {
      const index = random(guest.characters.length);
      guest.characters[index] = 0x21 + random(0x5e);
      guest.attributes[index] = random(0x80);
    }
    guest.cursor = { row: random(6), column: random(20), visible: random(2) === 0 };
    screen.drawText(guest, true);
    model.feed(take());
    for (let row = 0; row < 6; row++) {
      for (let column = 0; column < 20; column++) {
        const index = row * 20 + column;
        const cell = model.cells[row]?.[column];
        const attribute = guest.attributes[index] ?? 0;
        const glyph = String.fromCharCode(guest.characters[index] ?? 0);
        assert.deepEqual(
          cell,
          {
            glyph,
            // A blank shows no foreground, so it is not sent for one.
            foreground: glyph === ' ' ? cell?.foreground : String(vgaForegroundSgr(attribute & 15)),
            background: String(vgaBackgroundSgr(attribute >> 4)),
            blink: false,
          },
          `round ${round}, cell ${row},${column}`,
        );
      }
    }
    assert.equal(model.cursorShown, guest.cursor.visible);
    if (guest.cursor.visible) assert.deepEqual([model.row, model.column], [guest.cursor.row, guest.cursor.column]);
  }
});

test('ANS0007 a smaller screen blanks what the larger one left; clear() makes the next draw paint everything', () => {
  const { screen, take } = recorder();
  const model = new TerminalModel(8, 3);
  screen.drawText(textScreen(8, 3, 'abcdefghijklmnopqrstuvwx'));
  model.feed(take());
  screen.drawText(textScreen(4, 2, '12345678'));
  model.feed(take());
  assert.deepEqual([model.line(0), model.line(1), model.line(2)], ['1234    ', '5678    ', '        ']);
  screen.clear();
  const guest = textScreen(4, 2, '12345678');
  screen.drawText(guest);
  const repaint = take();
  assert.ok(repaint.startsWith('\x1b[0m\x1b[2J'), 'clear erases the terminal');
  assert.match(repaint, /1234.*5678/);
});

test('ANS0008 the graphics preview: half blocks with the upper pixel as foreground and the lower as background, scaled to fit', () => {
  assert.deepEqual(previewSize(640, 400, 80, 25), { width: 80, height: 50 });
  assert.deepEqual(previewSize(720, 400, 80, 25), { width: 80, height: 44 });
  assert.deepEqual(previewSize(320, 200, 80, 50), { width: 80, height: 50 }, 'the height limits');
  assert.deepEqual(previewSize(16, 8, 80, 25), { width: 16, height: 8 }, 'never enlarged');

  // 4×4: the top half red, the bottom half blue; in 2 columns × 1 row each cell is red over blue.
  const rgba = new Uint8Array(4 * 4 * 4);
  for (let pixel = 0; pixel < 16; pixel++) rgba.set(pixel < 8 ? [255, 0, 0, 255] : [0, 0, 255, 255], pixel * 4);
  const { screen, take } = recorder();
  screen.drawGraphicsPreview({ width: 4, height: 4, rgba }, 2, 1);
  assert.equal(take(), `${HIDE_CURSOR}\x1b[1;1H\x1b[0m\x1b[38;2;255;0;0;48;2;0;0;255m▀▀`);
  screen.drawGraphicsPreview({ width: 4, height: 4, rgba }, 2, 1);
  assert.equal(take(), '', 'an unchanged frame writes nothing');

  // A 2×2 checkerboard in one pixel is its average grey; with no lower pixel the lower half is black.
  const checker = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  const small = recorder();
  small.screen.drawGraphicsPreview({ width: 2, height: 2, rgba: checker }, 1, 1);
  assert.match(small.take(), /38;2;128;128;128;48;2;0;0;0m▀$/);

  // 640×400 in 80×25: 25 lines of 80 cells.
  const frame = new Uint8Array(640 * 400 * 4);
  for (let pixel = 0; pixel < 640 * 400; pixel++) frame.set([pixel % 640 < 320 ? 200 : 0, 100, (pixel >> 7) & 0xff, 255], pixel * 4);
  const big = recorder();
  const model = new TerminalModel(80, 25);
  big.screen.drawGraphicsPreview({ width: 640, height: 400, rgba: frame }, 80, 25);
  model.feed(big.take());
  for (let row = 0; row < 25; row++) assert.match(model.line(row), /^[▀ ]{80}$/, `row ${row}`);
  assert.equal(model.cells[0]?.[0]?.background.slice(0, 10), '48;2;200;1');
  assert.equal(model.cells[0]?.[79]?.background.slice(0, 8), '48;2;0;1');
});

test('ANS0009 a text screen after a preview repaints every cell; the restore sequence shows the cursor and leaves the alternate screen', () => {
  const { screen, take } = recorder();
  screen.drawGraphicsPreview({ width: 2, height: 2, rgba: new Uint8Array(16) }, 2, 1);
  take();
  const model = new TerminalModel(2, 1);
  screen.drawText(textScreen(2, 1, 'ok'));
  model.feed(take());
  assert.equal(model.line(0), 'ok');
  assert.equal(model.cells[0]?.[0]?.background, '40');
  assert.equal(RESTORE_TERMINAL, '\x1b[?25h\x1b[0m\x1b[?1049l');
  assert.equal(restoreTerminal(), RESTORE_TERMINAL);
});
