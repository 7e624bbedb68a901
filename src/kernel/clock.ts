// The two clocks a kernel can run on. Virtual time advances only when threads charge work or the
// CPU is idle until the next timeout, so a run is reproducible (tests, guest time). Host time is
// wall-clock time, shared by all host CPUs of a system through a common epoch.

import type { Nanoseconds } from './types.js';

export interface Clock {
  readonly virtual: boolean;
  now(): Nanoseconds;
  /** Virtual clocks: charge work or jump forward when idle. Host clocks ignore it. */
  advance(by: Nanoseconds): void;
}

export class VirtualClock implements Clock {
  readonly virtual = true;
  private time: Nanoseconds = 0;
  now(): Nanoseconds {
    return this.time;
  }
  advance(by: Nanoseconds): void {
    if (by > 0) this.time += by;
  }
}

/** Wall-clock milliseconds since 1970, from the high-resolution timer, equal across workers. */
export function wallMilliseconds(): number {
  return performance.timeOrigin + performance.now();
}

export class HostClock implements Clock {
  readonly virtual = false;
  /** `epoch` is the wall time (ms) that counts as 0; pass the same one to every host CPU. */
  constructor(readonly epoch = wallMilliseconds()) {}
  now(): Nanoseconds {
    return (wallMilliseconds() - this.epoch) * 1e6;
  }
  advance(): void {}
}
