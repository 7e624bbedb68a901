// Shared helpers of the single-host-CPU kernel tests: a kernel on the virtual clock with its log
// captured, capability lookups that throw instead of returning null, and a run that surfaces an
// assertion which failed inside a thread (a thread that throws only faults, it does not fail the test).

import assert from 'node:assert/strict';
import type { Capability } from '../../src/kernel/capability.js';
import { Kernel, type KernelOptions } from '../../src/kernel/kernel.js';
import type { Task } from '../../src/kernel/task.js';
import type { Thread } from '../../src/kernel/thread.js';
import type { IpcResult, KernelError, Nanoseconds, Result, RightsMask, Tag } from '../../src/kernel/types.js';

export interface TestKernel {
  kernel: Kernel;
  /** Every line the kernel logged (faults nobody handled, diagnostics). */
  log: string[];
}

/** A kernel on the virtual clock whose log goes into an array instead of stderr. */
export function newKernel(options: KernelOptions = {}): TestKernel {
  const log: string[] = [];
  const kernel = new Kernel({ log: (line) => log.push(line), ...options });
  return { kernel, log };
}

/**
 * Runs the kernel (until nothing can happen any more, or `until`), then rethrows the first error a
 * thread threw, so that an assertion failing inside a thread fails the test. Threads expected to
 * fault are listed in `expectedFaults` (or picked by a predicate, for threads spawned during the run).
 */
export async function runKernel(
  kernel: Kernel,
  options: { until?: Nanoseconds; expectedFaults?: Thread[] | ((thread: Thread) => boolean) } = {},
): Promise<void> {
  await kernel.run(options.until === undefined ? {} : { until: options.until });
  const expected = options.expectedFaults ?? [];
  const isExpected = typeof expected === 'function' ? expected : (thread: Thread): boolean => expected.includes(thread);
  for (const thread of kernel.threads.values()) {
    if (thread.fault !== null && !isExpected(thread)) throw thread.fault;
  }
}

/** Asserts that every thread ran to its end (so the assertions at the end of each body ran). */
export function assertAllFinished(...threads: Thread[]): void {
  for (const thread of threads) assert.equal(thread.state, 'dead', `thread ${thread.task.name}/${thread.name} is ${thread.state}, not finished`);
}

/** The capability in a slot; throws when the slot is empty. */
export function capabilityAt(task: Task, slot: number): Capability {
  const cap = task.capabilities.get(slot);
  if (cap === null) throw new Error(`task ${task.name} has no capability in slot ${slot}`);
  return cap;
}

/**
 * Derives a capability from `from`'s slot into task `to` (as a map item would: it is a child of the
 * source in the derivation tree, so revoking the source removes it). Returns the new slot.
 */
export function deriveInto(
  kernel: Kernel,
  from: Task,
  slot: number,
  to: Task,
  rights: RightsMask,
  badge?: number,
  window?: { offset: number; size: number },
): number {
  const source = capabilityAt(from, slot);
  const offset = source.offset + (window?.offset ?? 0);
  const size = window?.size ?? source.size;
  const cap = kernel.derive(source, rights, badge ?? source.badge, offset, size);
  const placed = to.capabilities.insert(cap);
  if (placed < 0) throw new Error(`task ${to.name} has no free capability slot`);
  return placed;
}

/** Asserts an IPC succeeded and narrows its type. */
export function assertIpcOk(result: IpcResult, what = 'IPC'): asserts result is Extract<IpcResult, { ok: true }> {
  if (!result.ok) assert.fail(`${what} failed with '${result.error}'`);
}

/** Asserts an IPC failed with `error`. */
export function assertIpcError(result: IpcResult | Result<unknown>, error: KernelError, what = 'IPC'): void {
  assert.deepEqual(result.ok ? { ok: true } : result, { ok: false, error }, `${what} should fail with '${error}'`);
}

/** The value of a successful kernel call; fails the test otherwise. */
export function unwrap<T>(result: Result<T>, what = 'kernel call'): T {
  if (!result.ok) assert.fail(`${what} failed with '${result.error}'`);
  return result.value;
}

/** The tag of a message, for deepEqual. */
export function tagOf(label: number, words: number, items = 0): Tag {
  return { label, words, items };
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const fromText = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
