// A front end without a screen: it keeps every VM's latest view, state and serial output, and
// feeds the input server from a queue. Scripts, tests, the TypeScript API and `--display none`
// use it; the terminal front end builds on it.

import type { ConsoleFrontEnd, ConsoleVm } from '../servers/console/main.js';
import type { HostInput, InputSource } from '../servers/input/main.js';
import { Pane, VM_STATE_NAMES, VmState, type PaneValue, type ViewContents, type VmStateValue } from '../protocols/console.js';
import type { RgbaImage, TextScreen } from '../machines/machine.js';
import { CP437_TO_UNICODE } from '../hw/cp437.js';

/** Serial output kept per VM (the tail, for matching). */
const SERIAL_KEEP = 1 << 20;

export interface RecordedVm extends ConsoleVm {
  state: VmStateValue;
  stateDetail: string;
  view: ViewContents | null;
  /** Everything the VM's serial ports sent to the terminal pane (latin-1), the last MiB. */
  serial: string;
  /** The last screenshot the VM answered, and how many it has answered. */
  snapshot: RgbaImage | null;
  snapshots: number;
  /** Guest instructions executed, as last published. */
  instructions: number;
}

type Waiter = { test: () => boolean; resolve: () => void; reject: (error: Error) => void };

export class Recorder implements ConsoleFrontEnd, InputSource {
  vms: RecordedVm[] = [];
  focused = 0;
  pane: PaneValue = Pane.screen;
  private readonly queue: HostInput[] = [];
  private pendingNext: ((input: HostInput) => void) | null = null;
  private waiters: Waiter[] = [];
  private readonly decoder = new TextDecoder('latin1');
  /** Called when a person asks to quit (the prefix key, then q). */
  onQuit: () => void = () => undefined;
  /** Called after anything changed (a terminal redraws here). */
  onChange: (what: 'view' | 'state' | 'serial' | 'focus' | 'snapshot', vm: number) => void = () => undefined;

  // ---- ConsoleFrontEnd ----

  start(vms: readonly ConsoleVm[]): void {
    this.vms = vms.map((vm) => ({ ...vm, state: VmState.starting, stateDetail: '', view: null, serial: '', snapshot: null, snapshots: 0, instructions: 0 }));
    this.changed('state', 0);
  }

  view(vm: number, contents: ViewContents): void {
    const entry = this.vms[vm];
    if (entry === undefined) return;
    entry.view = contents;
    this.changed('view', vm);
  }

  state(vm: number, state: VmStateValue, detail: string): void {
    const entry = this.vms[vm];
    if (entry === undefined) return;
    entry.state = state;
    entry.stateDetail = detail;
    this.changed('state', vm);
  }

  serial(vm: number, _port: number, bytes: Uint8Array): void {
    const entry = this.vms[vm];
    if (entry === undefined) return;
    entry.serial = (entry.serial + this.decoder.decode(bytes)).slice(-SERIAL_KEEP);
    this.changed('serial', vm);
  }

  snapshot(vm: number, image: RgbaImage): void {
    const entry = this.vms[vm];
    if (entry === undefined) return;
    entry.snapshot = image;
    entry.snapshots++;
    this.changed('snapshot', vm);
  }

  progress(vm: number, instructions: number): void {
    const entry = this.vms[vm];
    if (entry !== undefined) entry.instructions = instructions;
  }

  focus(vm: number, pane: PaneValue): void {
    this.focused = vm;
    this.pane = pane;
    this.changed('focus', vm);
  }

  // ---- InputSource ----

  next(): Promise<HostInput> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.pendingNext = resolve));
  }

  quit(): void {
    this.onQuit();
  }

  /** Gives the input server something, as the real keyboard would. */
  input(input: HostInput): void {
    const waiting = this.pendingNext;
    if (waiting !== null) {
      this.pendingNext = null;
      waiting(input);
    } else this.queue.push(input);
  }

  // ---- looking at what was recorded ----

  /** The VM's text screen as plain lines (Unicode), or [] in a graphics mode or before the first frame. */
  screenText(vm: number): string[] {
    const view = this.vms[vm]?.view;
    if (view === null || view === undefined || view.kind !== 'text') return [];
    return textLines(view.screen);
  }

  textScreen(vm: number): TextScreen | null {
    const view = this.vms[vm]?.view;
    return view !== null && view !== undefined && view.kind === 'text' ? view.screen : null;
  }

  image(vm: number): RgbaImage | null {
    const view = this.vms[vm]?.view;
    return view !== null && view !== undefined && view.kind === 'graphics' ? view.image : null;
  }

  stateName(vm: number): string {
    return VM_STATE_NAMES[this.vms[vm]?.state ?? -1] ?? 'unknown';
  }

  /** Resolves when `test` holds (checked after every change), or rejects after `timeoutMs`. */
  waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((entry) => entry !== waiter);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Ends every wait (the system stopped): they reject, and their timers go. */
  close(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(new Error('the system stopped'));
  }

  private changed(what: 'view' | 'state' | 'serial' | 'focus' | 'snapshot', vm: number): void {
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((waiter) => waiter.test());
      if (ready.length > 0) {
        this.waiters = this.waiters.filter((waiter) => !ready.includes(waiter));
        for (const waiter of ready) waiter.resolve();
      }
    }
    this.onChange(what, vm);
  }
}

/** A text screen's rows as plain Unicode lines, trailing blanks trimmed. */
export function textLines(screen: TextScreen): string[] {
  const lines: string[] = [];
  for (let row = 0; row < screen.rows; row++) {
    let line = '';
    for (let column = 0; column < screen.columns; column++) line += CP437_TO_UNICODE[screen.characters[row * screen.columns + column]] ?? ' ';
    lines.push(line.replace(/[\s\u00a0]+$/, ''));
  }
  return lines;
}
