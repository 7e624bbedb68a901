// Guest time. It derives from executed instructions: the CPU loop advances the clock by the time
// its instructions took (instructions × nanoseconds per instruction), so a run is reproducible.
// Timers fire when guest time reaches their deadline. For interactive use the machine can pace
// guest time to host time (see `pacing`): it then never runs ahead of the host clock.

export type TimerCallback = (now: number) => void;

export class Timer {
  /** Absolute guest time (ns) it fires at; Infinity when stopped. */
  deadline = Number.POSITIVE_INFINITY;
  constructor(
    private readonly clock: MachineClock,
    readonly name: string,
    readonly callback: TimerCallback,
  ) {}

  /** Fires at absolute guest time `at` (ns). */
  setAt(at: number): void {
    this.deadline = at;
    this.clock.rescheduled();
  }

  /** Fires `after` ns from now. */
  setAfter(after: number): void {
    this.setAt(this.clock.now + after);
  }

  stop(): void {
    this.deadline = Number.POSITIVE_INFINITY;
    // Without this the clock's cached next deadline stays behind, and advanceTo would "fire" a
    // stopped timer at time Infinity.
    this.clock.rescheduled();
  }

  get active(): boolean {
    return Number.isFinite(this.deadline);
  }
}

export class MachineClock {
  /** Guest time in nanoseconds. */
  now = 0;
  private readonly timers: Timer[] = [];
  /** Earliest timer deadline, cached (Infinity when none). */
  nextDeadline = Number.POSITIVE_INFINITY;

  createTimer(name: string, callback: TimerCallback): Timer {
    const timer = new Timer(this, name, callback);
    this.timers.push(timer);
    return timer;
  }

  /** Called by timers when their deadline changes. */
  rescheduled(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const timer of this.timers) if (timer.deadline < next) next = timer.deadline;
    this.nextDeadline = next;
  }

  /** Advances guest time and fires every timer that became due, in deadline order. */
  advance(by: number): void {
    this.advanceTo(this.now + by);
  }

  advanceTo(time: number): void {
    while (this.nextDeadline <= time) {
      let due: Timer | null = null;
      for (const timer of this.timers) if (due === null || timer.deadline < due.deadline) due = timer;
      if (due === null) break;
      this.now = Math.max(this.now, due.deadline);
      due.deadline = Number.POSITIVE_INFINITY;
      this.rescheduled();
      due.callback(this.now);
    }
    if (time > this.now) this.now = time;
  }

  /** Guest time until the next timer (for bounding an execution slice); Infinity when none. */
  untilNextDeadline(): number {
    return this.nextDeadline - this.now;
  }
}

/**
 * Paces guest time to host time: `allowance(hostNow)` says how much guest time may run now without
 * getting ahead of the host clock (after a pause, it does not try to catch up more than `maxLag`).
 */
export class Pacing {
  private hostStart = -1;
  private guestStart = 0;
  constructor(
    private readonly clock: MachineClock,
    private readonly maxLagNs = 50_000_000,
  ) {}

  allowance(hostNowMs: number): number {
    if (this.hostStart < 0) {
      this.hostStart = hostNowMs;
      this.guestStart = this.clock.now;
    }
    const hostElapsed = (hostNowMs - this.hostStart) * 1e6;
    const guestElapsed = this.clock.now - this.guestStart;
    if (hostElapsed - guestElapsed > this.maxLagNs) {
      // Too far behind (a pause, a slow host): rebase instead of racing to catch up.
      this.hostStart = hostNowMs - guestElapsed / 1e6 - this.maxLagNs / 1e6;
    }
    return Math.max(0, (hostNowMs - this.hostStart) * 1e6 - guestElapsed);
  }
}
