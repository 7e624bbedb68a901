// The Node terminal front end of a running system: the focused VM's text screen drawn with ANSI
// escapes (a graphics screen as a half-block preview), or its serial pane; a status line that
// always says which VM has focus, its name, architecture and state, and the hotkeys; the keyboard
// in raw mode going to the input server. The terminal is restored on every way out (restore()).

import { AnsiScreen, ENTER_FULL_SCREEN, RESTORE_TERMINAL } from './ansi-screen.js';
import { Recorder } from './recorder.js';
import { isPrefixKey, keyToTerminalBytes, TerminalKeyDecoder } from './terminal-keys.js';
import { existsSync } from 'node:fs';
import { writePngFile } from './png.js';
import type { RgbaImage } from '../machines/machine.js';
import { Pane, VM_STATE_NAMES, type PaneValue } from '../protocols/console.js';

export const HOTKEY_HELP = 'Ctrl-] 1-9 n p: switch, s: serial, r: reset, w: screenshot, q: quit';

const SCREEN_ROWS = 25;
/** An SGR escape sequence (ESC [ … m): it takes no columns. */
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const SGR_SEQUENCE = /\x1b\[[0-9;]*m/g;
/** Serial output replayed when the serial pane opens. */
const SERIAL_REPLAY = 16 * 1024;

export class TerminalConsole extends Recorder {
  private screen: AnsiScreen;
  private readonly keyDecoder = new TerminalKeyDecoder();
  private drawPending = false;
  private lastDraw = 0;
  private lastStatus = '';
  private shownPane: { vm: number; pane: number } = { vm: -1, pane: -1 };
  private restored = false;
  /** Screenshots asked for with the hotkey (Ctrl-] w), to be saved when they arrive. */
  private screenshotsWanted = 0;
  private afterPrefix = false;
  private notice = '';
  private readonly onData = (data: Buffer): void => {
    for (const key of this.keyDecoder.feed(data)) {
      // The input server interprets the hotkeys; the terminal only notes the one it must finish.
      if (this.afterPrefix && key.code === 'KeyW') this.screenshotsWanted++;
      this.afterPrefix = !this.afterPrefix && isPrefixKey(key);
      this.input({ kind: 'key', key, bytes: keyToTerminalBytes(key) });
    }
  };
  private readonly onResize = (): void => this.redrawAll();

  constructor(private readonly output: NodeJS.WriteStream = process.stdout) {
    super();
    this.screen = new AnsiScreen((text) => this.output.write(text), { top: 1 });
    this.onChange = (what, vm) => {
      if (what === 'serial' && vm === this.focused && this.paneShown() === Pane.serial && this.shownPane.vm === vm && this.shownPane.pane === Pane.serial) {
        // Already showing this pane: stream the new bytes (done in serial()).
        this.drawStatus();
        return;
      }
      this.scheduleDraw();
    };
  }

  /** Takes over the terminal: alternate screen, raw keyboard. */
  open(input: NodeJS.ReadStream = process.stdin): void {
    this.output.write(ENTER_FULL_SCREEN);
    if (input.isTTY) input.setRawMode(true);
    input.on('data', this.onData);
    input.resume();
    this.output.on('resize', this.onResize);
    process.on('exit', () => this.restore(input));
  }

  /** Gives the terminal back as it was; safe to call more than once. */
  restore(input: NodeJS.ReadStream = process.stdin): void {
    if (this.restored) return;
    this.restored = true;
    input.off('data', this.onData);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
    this.output.off('resize', this.onResize);
    this.output.write(`\x1b[r${RESTORE_TERMINAL}`);
  }

  override snapshot(vm: number, image: RgbaImage): void {
    super.snapshot(vm, image);
    if (this.screenshotsWanted === 0) return;
    this.screenshotsWanted--;
    // l4vm-<vm>-<n>.png in the current directory, n the first number not taken.
    let number = 1;
    const base = `l4vm-${this.vms[vm]?.name ?? vm}`;
    while (existsSync(`${base}-${number}.png`)) number++;
    const name = `${base}-${number}.png`;
    try {
      writePngFile(name, image);
      this.notice = `saved ${name}`;
    } catch (error) {
      this.notice = `screenshot not saved: ${(error as Error).message}`;
    }
    this.lastStatus = '';
    this.drawStatus();
  }

  override serial(vm: number, port: number, bytes: Uint8Array): void {
    super.serial(vm, port, bytes);
    if (vm === this.focused && this.paneShown() === Pane.serial && this.shownPane.vm === vm && this.shownPane.pane === Pane.serial) {
      this.output.write(Buffer.from(bytes));
    }
  }

  override focus(vm: number, pane: PaneValue): void {
    this.notice = '';
    super.focus(vm, pane);
  }

  /** The pane drawn for the focused VM: a VM whose console is its serial port shows that as its screen. */
  private paneShown(): PaneValue {
    return this.vms[this.focused]?.console === 'serial' ? Pane.serial : this.pane;
  }

  private scheduleDraw(): void {
    if (this.drawPending || this.restored) return;
    this.drawPending = true;
    const wait = Math.max(0, 33 - (performance.now() - this.lastDraw));
    setTimeout(() => {
      this.drawPending = false;
      this.lastDraw = performance.now();
      this.draw();
    }, wait);
  }

  private redrawAll(): void {
    this.shownPane = { vm: -1, pane: -1 };
    this.lastStatus = '';
    this.scheduleDraw();
  }

  private draw(): void {
    if (this.restored) return;
    const vm = this.focused;
    const entry = this.vms[vm];
    if (entry === undefined) return;
    const pane = this.paneShown();
    if (this.shownPane.vm !== vm || this.shownPane.pane !== pane) {
      // A different VM or pane: start from a clear screen.
      // The serial pane scrolls below the status line (DECSTBM); the screen pane needs no region.
      this.output.write(`\x1b[0m\x1b[r\x1b[2J`);
      this.screen = new AnsiScreen((text) => this.output.write(text), { top: 1 });
      this.shownPane = { vm, pane };
      this.lastStatus = '';
      if (pane === Pane.serial) {
        this.output.write(`\x1b[2;${this.output.rows ?? 25}r\x1b[2;1H\x1b[?25h${entry.serial.slice(-SERIAL_REPLAY)}`);
      }
    }
    if (pane === Pane.screen) {
      const view = entry.view;
      if (view?.kind === 'text') this.screen.drawText(view.screen);
      else if (view?.kind === 'graphics') this.screen.drawGraphicsPreview(view.image, 80, SCREEN_ROWS);
    }
    this.drawStatus();
  }

  /** The top line: every VM with its number, name, architecture and state; the focused one highlighted. */
  private drawStatus(): void {
    const parts = this.vms.map((vm, index) => {
      const label = ` ${index + 1} ${vm.name} ${vm.architecture} ${VM_STATE_NAMES[vm.state] ?? '?'} `;
      return index === this.focused ? `\x1b[30;47m${label}\x1b[0;7m` : label;
    });
    const pane = this.vms[this.focused]?.console === 'serial' ? 'serial console' : this.pane === Pane.serial ? 'serial' : 'screen';
    // Cut to the terminal's width (escape sequences take no columns), so the line never wraps.
    const width = this.output.columns ?? 80;
    let line = '\x1b[0;7m';
    let columns = 0;
    const tail = this.notice === '' ? `| ${pane} | ${HOTKEY_HELP} ` : `| ${pane} | ${this.notice} `;
    for (const piece of [...parts.flatMap((part, index) => (index === 0 ? [part] : ['|', part])), tail]) {
      const visible = piece.replace(SGR_SEQUENCE, '');
      if (columns + visible.length > width) {
        line += visible.slice(0, Math.max(0, width - columns));
        columns = width;
        break;
      }
      line += piece;
      columns += visible.length;
    }
    line += '\x1b[K\x1b[0m';
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.output.write(`\x1b7\x1b[1;1H${line}\x1b8`);
  }
}
