// How a machine runs its CPU in guest time: slices of instructions that end at the next timer
// deadline, the clock advanced by the instructions' time, an idle CPU (HLT, WFI) skipped to the
// next timer, and the clock brought up to the instruction doing a device access (catchUp), so a
// device that reads the clock sees the time of the access. Every machine uses it; nothing here
// knows an architecture.

import type { MachineClock } from './clock.js';

/** What the slicer needs of a CPU. */
export interface SlicedCpu {
  readonly instructions: number;
  /** Waiting for an interrupt (HLT, WFI). */
  readonly halted: boolean;
  /** Runs up to `limit` instructions; returns how many ran. */
  run(limit: number): number;
  /** Makes run() return after the current instruction. */
  stop(): void;
}

export interface SliceHooks {
  /** Whether a halted CPU would be woken now (an interrupt it takes is pending). */
  wakeable(): boolean;
  /** Called before each CPU slice (a machine carries out a reset the guest asked for). */
  beforeSlice(): void;
  /** Whether the machine has stopped (it runs no more). */
  stopped(): boolean;
}

export interface SliceResult {
  elapsedNs: number;
  instructions: number;
  idle: boolean;
}

/** The most instructions one CPU run may take before timers are looked at again. */
const SLICE_INSTRUCTIONS = 20_000;

export class Slicer {
  private sliceStartNs = 0;
  private sliceStartInstructions = 0;
  private running = false;
  private ended = false;

  constructor(
    private readonly clock: MachineClock,
    private readonly cpu: SlicedCpu,
    readonly nsPerInstruction: number,
    private readonly hooks: SliceHooks,
  ) {}

  /** Runs the guest for at most `budgetNs` of guest time. */
  run(budgetNs: number): SliceResult {
    const clock = this.clock;
    const cpu = this.cpu;
    const hooks = this.hooks;
    const start = clock.now;
    const end = start + budgetNs;
    const startInstructions = cpu.instructions;
    let idle = false;
    this.ended = false;
    while (clock.now < end && !hooks.stopped() && !this.ended) {
      hooks.beforeSlice();
      if (cpu.halted && !hooks.wakeable()) {
        // Idle: nothing happens until the next timer.
        idle = true;
        clock.advanceTo(Math.min(clock.nextDeadline, end));
        continue;
      }
      idle = false;
      const until = Math.min(end, clock.nextDeadline);
      const limit = Math.max(1, Math.min(SLICE_INSTRUCTIONS, Math.ceil((until - clock.now) / this.nsPerInstruction)));
      this.sliceStartNs = clock.now;
      this.sliceStartInstructions = cpu.instructions;
      this.running = true;
      const ran = cpu.run(limit);
      this.running = false;
      clock.advanceTo(this.sliceStartNs + ran * this.nsPerInstruction);
      if (cpu.halted && !hooks.wakeable()) idle = true;
    }
    return { elapsedNs: clock.now - start, instructions: cpu.instructions - startInstructions, idle };
  }

  /** Ends the slice run() is in as soon as the current instruction is done. */
  endSlice(): void {
    this.ended = true;
    this.cpu.stop();
  }

  /** Brings guest time up to the instruction now executing (call it before a device access). */
  catchUp(): void {
    if (!this.running) return;
    const now = this.sliceStartNs + (this.cpu.instructions - this.sliceStartInstructions) * this.nsPerInstruction;
    if (now > this.clock.now) this.clock.advanceTo(now);
  }
}
