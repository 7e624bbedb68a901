// The timing loop and message labels shared by the IPC benchmark (bench/ipc.ts) and the programs it
// runs on worker host CPUs. Timing uses the host's performance.now() whatever the kernel's clock:
// a virtual-clock kernel does not advance its clock for IPC, so only host time measures it.

import type { Sys } from '../../src/kernel/syscalls.js';
import type { KernelError, Tag } from '../../src/kernel/types.js';

/** Labels of the benchmark's messages. */
export const BenchLabel = {
  /** client → server: words [counter]; reply: words [counter + 1] */
  request: 1,
  reply: 2,
  /** worker client → coordinator: asks for the options; reply: words encodeOptions() */
  hello: 3,
  /** worker client → coordinator: one string item, the JSON of a Measurement */
  result: 4,
  /** worker client → coordinator: one string item, the error text */
  failed: 5,
} as const;

export interface MeasureOptions {
  /** Timed runs; the report gives their median, minimum and maximum. */
  runs: number;
  /** Untimed warm-up (and calibration) before the runs, in milliseconds. */
  warmupMilliseconds: number;
  /** Aimed-at length of one timed run, in milliseconds. */
  runMilliseconds: number;
  /** Upper bound on the operations of one run. */
  maxIterations: number;
}

export interface Measurement {
  /** Operations per run. */
  iterations: number;
  /** Microseconds per operation, one entry per run, in run order. */
  microsecondsPerOperation: number[];
}

/**
 * Performs `iterations` operations and returns the milliseconds they took (or, for a latency that
 * the batch measures itself, the summed latency of the operations).
 */
export type Batch = (iterations: number) => Promise<number>;

/**
 * Warms up while calibrating how many operations fill `runMilliseconds`, then times `runs` runs of
 * that many operations each.
 */
export async function measure(batch: Batch, options: MeasureOptions): Promise<Measurement> {
  let iterations = 32;
  let spent = 0;
  // The fastest warm-up batch long enough to time well sets the run length: a slower one was
  // probably hit by a collection or by code not yet optimised.
  let millisecondsPerOperation = Number.POSITIVE_INFINITY;
  let last = 0;
  while (spent < options.warmupMilliseconds) {
    const took = await batch(iterations);
    spent += took;
    last = took / iterations;
    if (took >= 5) millisecondsPerOperation = Math.min(millisecondsPerOperation, last);
    if (took < options.warmupMilliseconds / 4 && iterations < options.maxIterations) iterations *= 2;
  }
  if (!Number.isFinite(millisecondsPerOperation)) millisecondsPerOperation = last;
  const perRun =
    millisecondsPerOperation > 0 ? Math.round(options.runMilliseconds / millisecondsPerOperation) : options.maxIterations;
  const timedIterations = Math.max(16, Math.min(options.maxIterations, perRun));
  const microsecondsPerOperation: number[] = [];
  for (let run = 0; run < options.runs; run++) {
    const took = await batch(timedIterations);
    microsecondsPerOperation.push((took * 1000) / timedIterations);
  }
  return { iterations: timedIterations, microsecondsPerOperation };
}

export function encodeOptions(options: MeasureOptions, into: Uint32Array): Tag {
  into[0] = options.runs;
  into[1] = options.warmupMilliseconds;
  into[2] = options.runMilliseconds;
  into[3] = options.maxIterations;
  return { label: BenchLabel.hello, words: 4, items: 0 };
}

export function decodeOptions(words: Uint32Array): MeasureOptions {
  return { runs: words[0], warmupMilliseconds: words[1], runMilliseconds: words[2], maxIterations: words[3] };
}

/** A failed kernel call inside a timed loop: the measurement is void. */
export class BenchError extends Error {
  constructor(what: string, error: KernelError) {
    super(`${what} returned the kernel error "${error}"; the measurement is void`);
    this.name = 'BenchError';
  }
}

const REQUEST: Tag = { label: BenchLabel.request, words: 1, items: 0 };

/** A batch of call+reply round trips to the server behind `slot` (see server.ts). */
export function callBatch(sys: Sys, slot: number): Batch {
  return async (iterations) => {
    const mr = sys.mr;
    const start = performance.now();
    for (let i = 0; i < iterations; i++) {
      mr[0] = i;
      const result = await sys.call(slot, REQUEST);
      if (!result.ok) throw new BenchError('call', result.error);
    }
    const took = performance.now() - start;
    if (mr[0] !== iterations) throw new Error(`the last reply carried ${mr[0]}, not ${iterations}: the server answered wrongly`);
    return took;
  };
}
