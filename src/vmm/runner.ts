// Runs one machine on the host's event loop: slices of guest time, paced to host time when a
// person is watching or as fast as the host goes for scripts; keys typed as the guest takes them
// (into the keyboard, or into the first serial port of a machine whose console is serial);
// a pattern watched for on the serial output and the text screen. It is the one-VM form of the
// VMM: the multi-VM runtime puts the same loop in a vCPU thread.

import type { Machine } from '../machines/machine.js';
import { keyEventsToStroke, keyToTerminalBytes, type KeyEvent } from '../protocols/input.js';

export type { KeyEvent };

export type RunOutcome =
  | { kind: 'matched'; match: string; hostMs: number }
  | { kind: 'timeout'; hostMs: number }
  | { kind: 'stopped'; hostMs: number }
  /** The machine stopped itself (a triple fault with onTripleFault 'stop'). */
  | { kind: 'machine-stopped'; reason: string; hostMs: number };

export interface RunnerOptions {
  /** Keep guest time in step with host time (interactive), or run flat out (scripts, tests). */
  paced: boolean;
  /** Stop as soon as the serial output or the text screen matches. */
  until?: RegExp;
  /** Host milliseconds before giving up. */
  timeoutMs?: number;
  /** Called after every slice (a front end redraws here). */
  onSlice?: () => void;
}

/** Host time a slice may take before the event loop gets a turn. */
const SLICE_HOST_MS = 10;
/** Guest time of one slice when running flat out. */
const FLAT_OUT_SLICE_NS = 2_000_000;
/** Guest time between two keys given to the guest, at least. */
const KEY_SPACING_NS = 10_000_000;

export class MachineRunner {
  /** What the guest wrote to its serial ports (the tail, for matching). */
  private serialText = '';
  private readonly keyQueue: KeyEvent[][] = [];
  private lastKeyAt = Number.NEGATIVE_INFINITY;
  private stopRequested = false;
  private nsPerHostMs = 1_000_000;

  constructor(
    readonly machine: Machine,
    private readonly options: RunnerOptions,
  ) {}

  /** Serial output goes through here so --until can see it. */
  serialOutput(text: string): void {
    this.serialText = (this.serialText + text).slice(-65536);
  }

  /** Keys to type: each inner list is one stroke (modifiers down, key down, key up, modifiers up). */
  typeKeys(strokes: KeyEvent[][]): void {
    this.keyQueue.push(...strokes);
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** What --until looks at: the serial output and the text screen. */
  matchUntil(): string | null {
    const until = this.options.until;
    if (until === undefined) return null;
    const serial = until.exec(this.serialText);
    if (serial !== null) return serial[0];
    const screen = this.machine.display?.screenText().join('\n') ?? '';
    const onScreen = until.exec(screen);
    return onScreen === null ? null : onScreen[0];
  }

  async run(): Promise<RunOutcome> {
    const machine = this.machine;
    const started = performance.now();
    let pacedGuestStart = machine.guestTimeNs;
    let pacedHostStart = started;
    for (;;) {
      const hostNow = performance.now();
      const hostMs = hostNow - started;
      const matched = this.matchUntil();
      if (matched !== null) return { kind: 'matched', match: matched, hostMs };
      if (this.stopRequested) return { kind: 'stopped', hostMs };
      if (machine.stopped !== null) return { kind: 'machine-stopped', reason: machine.stopped, hostMs };
      if (this.options.timeoutMs !== undefined && hostMs >= this.options.timeoutMs) return { kind: 'timeout', hostMs };

      const sliceEnd = hostNow + SLICE_HOST_MS;
      let idle = false;
      while (performance.now() < sliceEnd && !this.stopRequested) {
        this.giveKey();
        let budget = this.options.paced ? Math.min(FLAT_OUT_SLICE_NS, this.pacedAllowance(pacedGuestStart, pacedHostStart)) : FLAT_OUT_SLICE_NS;
        if (this.options.paced && budget <= 0) break;
        if (this.keyQueue.length > 0) budget = Math.min(budget, KEY_SPACING_NS);
        const before = performance.now();
        const result = machine.run(budget);
        const took = performance.now() - before;
        if (took > 0 && result.elapsedNs > 0) this.nsPerHostMs = result.elapsedNs / took;
        idle = result.idle;
        if (this.matchUntil() !== null) break;
      }
      if (this.options.paced) {
        // After a long pause (a slow host, a debugger) start pacing afresh instead of racing.
        const lagMs = performance.now() - pacedHostStart - (machine.guestTimeNs - pacedGuestStart) / 1e6;
        if (lagMs > 250) {
          pacedHostStart = performance.now();
          pacedGuestStart = machine.guestTimeNs;
        }
      }
      this.options.onSlice?.();
      // Let the event loop run (keys, timers, output); sleep a little when paced and ahead.
      await new Promise<void>((resolve) => setTimeout(resolve, this.options.paced && idle ? 4 : 0));
    }
  }

  private pacedAllowance(guestStart: number, hostStart: number): number {
    return (performance.now() - hostStart) * 1e6 - (this.machine.guestTimeNs - guestStart);
  }

  private giveKey(): void {
    if (this.keyQueue.length === 0) return;
    const machine = this.machine;
    if (machine.guestTimeNs - this.lastKeyAt < KEY_SPACING_NS || !machine.readyForKey()) return;
    const stroke = this.keyQueue.shift();
    if (stroke === undefined) return;
    if (machine.console === 'serial') {
      // No keyboard: the stroke goes into the serial port as a terminal's bytes (Enter → CR).
      const key = keyEventsToStroke(stroke);
      if (key !== null) machine.serialPorts[0]?.receive(keyToTerminalBytes(key));
    } else for (const event of stroke) machine.keyEvent(event.code, event.down);
    this.lastKeyAt = machine.guestTimeNs;
  }

  /** Guest nanoseconds per host millisecond lately (for reports). */
  get speed(): number {
    return this.nsPerHostMs;
  }
}
