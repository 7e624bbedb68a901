// IPC benchmark: call+reply round trips and notification latency, on one host CPU (virtual and host
// clock) and across host CPUs (main thread ↔ worker, worker ↔ worker). Prints a table of the median,
// minimum and maximum of several runs; `--json` prints the same as JSON. It never fails on speed:
// a benchmark that cannot finish is reported as such and the process still exits 0.
//
//   npm run build && npm run bench [-- --json] [-- --runs N]

import { availableParallelism } from 'node:os';
import { NodeWorkerLauncher } from '../src/host/node-launcher.js';
import type { CapabilityGrant, ProgramModule } from '../src/kernel/hostcpu.js';
import type { CreatableKind } from '../src/kernel/kernel.js';
import type { Sys } from '../src/kernel/syscalls.js';
import { System } from '../src/kernel/system.js';
import type { ThreadBody } from '../src/kernel/thread.js';
import { Rights, type ObjectKind, type RightsMask } from '../src/kernel/types.js';
import {
  BenchError,
  BenchLabel,
  callBatch,
  encodeOptions,
  measure,
  type Batch,
  type MeasureOptions,
  type Measurement,
} from './programs/measure.js';
import { replyServer } from './programs/server.js';
import { parseBenchArguments } from './arguments.js';

/** Native L4 one-way IPC on current hardware, the anchor the table compares with. */
const NATIVE_ONE_WAY_MICROSECONDS = 0.1;
/** A benchmark that has not finished after this long is reported as stalled. */
const DEADLINE_MILLISECONDS = 30_000;

const programModule = (file: string, name: string): ProgramModule => ({
  module: new URL(`./programs/${file}`, import.meta.url).href,
  export: name,
});

interface Benchmark {
  name: string;
  setup: string;
  /** One-way IPCs per operation: 2 for a round trip, 1 for a signal. */
  oneWayIpcs: number;
  run(options: MeasureOptions): Promise<Measurement>;
}

interface Row {
  benchmark: string;
  setup: string;
  iterationsPerRun: number;
  runs: number;
  microsecondsPerOperation: { median: number; min: number; max: number };
  operationsPerSecond: number;
  /** How many times slower than native L4 doing the same number of one-way IPCs. */
  timesNativeL4: number;
  error: null;
}

interface FailedRow {
  benchmark: string;
  setup: string;
  error: string;
}

// ---- small helpers ----

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${DEADLINE_MILLISECONDS / 1000} s`)), DEADLINE_MILLISECONDS);
  });
  return Promise.race([promise, expired]).finally(() => {
    if (timer !== null) clearTimeout(timer);
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `measure` inside a kernel thread and hands the outcome to `done`. */
async function measureInto(done: Deferred<Measurement>, batch: Batch, options: MeasureOptions): Promise<void> {
  try {
    done.resolve(await measure(batch, options));
  } catch (error) {
    done.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

// ---- setting up a system through the root task's control requests ----

async function createObject(system: System, cpu: number, kind: CreatableKind): Promise<number> {
  const answer = await system.control(cpu, { op: 'create-object', kind, size: 0 });
  if (typeof answer !== 'object' || answer === null || !('id' in answer) || typeof answer.id !== 'number') {
    throw new Error(`host CPU ${cpu} answered a create-object request with ${JSON.stringify(answer)}`);
  }
  return answer.id;
}

function capability(name: string, kind: ObjectKind, cpu: number, id: number, rights: RightsMask, original = false): CapabilityGrant {
  return { name, kind, cpu, id, rights, badge: 0, size: 0, original };
}

async function startTask(
  system: System,
  cpu: number,
  name: string,
  program: ProgramModule | string,
  priority: number,
  capabilities: CapabilityGrant[],
  faultHandler: string | null = null,
): Promise<void> {
  await system.control(cpu, { op: 'start-task', name, maxPriority: 255, priority, program, capabilities, faultHandler });
}

/** Starts a system, lets `body` set it up and measure, and always shuts it down. */
async function inSystem<T>(
  cpus: number,
  clock: 'virtual' | 'host',
  body: (system: System, programs: Map<string, ThreadBody>, running: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const programs = new Map<string, ThreadBody>();
  const system = await System.start({ cpus, clock, programs, launcher: cpus > 1 ? new NodeWorkerLauncher() : undefined });
  let running: Promise<void> | null = null;
  const run = (): Promise<void> => {
    running ??= system.cpu0.kernel.run();
    return running;
  };
  try {
    return await body(system, programs, run);
  } finally {
    await system.shutdown();
    if (running !== null) await running;
  }
}

// ---- the benchmarks ----

/** Call+reply between two threads of one host CPU. */
function oneCpuCallReply(clock: 'virtual' | 'host'): Benchmark {
  return {
    name: 'call+reply round trip',
    setup: `1 host CPU, ${clock} clock`,
    oneWayIpcs: 2,
    run: (options) =>
      inSystem(1, clock, async (system, programs, run) => {
        const done = deferred<Measurement>();
        programs.set('server', replyServer);
        programs.set('client', (sys: Sys) => measureInto(done, callBatch(sys, sys.capability('server')), options));
        const endpoint = await createObject(system, 0, 'endpoint');
        await startTask(system, 0, 'server', 'server', 100, [capability('requests', 'endpoint', 0, endpoint, Rights.all, true)]);
        await startTask(system, 0, 'client', 'client', 100, [capability('server', 'endpoint', 0, endpoint, Rights.write)]);
        // A virtual-clock kernel's run() returns once nothing can happen any more; the measurement
        // is finished by then, or never will be.
        const idle = run().then(() => {
          throw new Error('the kernel ran out of work before the measurement finished');
        });
        return withDeadline(Promise.race([done.promise, idle]), 'the one-CPU call+reply benchmark');
      }),
  };
}

/** Signal → a higher-priority thread waiting on the notification runs, on one host CPU. */
function oneCpuNotification(clock: 'virtual' | 'host'): Benchmark {
  return {
    name: 'signal → waiting thread runs',
    setup: `1 host CPU, ${clock} clock, waiter at higher priority`,
    oneWayIpcs: 1,
    run: (options) =>
      inSystem(1, clock, async (system, programs, run) => {
        const done = deferred<Measurement>();
        let signalledAt = 0;
        let latency = 0;
        let wakeups = 0;
        programs.set('waiter', async (sys: Sys) => {
          const events = sys.capability('events');
          for (;;) {
            const bits = await sys.wait(events);
            if (!bits.ok) return;
            latency += performance.now() - signalledAt;
            wakeups++;
          }
        });
        programs.set('signaller', (sys: Sys) => {
          const events = sys.capability('events');
          const batch: Batch = async (iterations) => {
            latency = 0;
            wakeups = 0;
            for (let i = 0; i < iterations; i++) {
              signalledAt = performance.now();
              const error = await sys.signal(events);
              if (error !== null) throw new BenchError('signal', error);
            }
            // The signal must have switched to the waiter before it returned, every time.
            if (wakeups !== iterations) throw new Error(`the waiter ran ${wakeups} times for ${iterations} signals`);
            return latency;
          };
          return measureInto(done, batch, options);
        });
        const notification = await createObject(system, 0, 'notification');
        // The waiter is started first and at the higher priority, so it waits before the first signal.
        await startTask(system, 0, 'waiter', 'waiter', 200, [capability('events', 'notification', 0, notification, Rights.all, true)]);
        await startTask(system, 0, 'signaller', 'signaller', 100, [capability('events', 'notification', 0, notification, Rights.write)]);
        const idle = run().then(() => {
          throw new Error('the kernel ran out of work before the measurement finished');
        });
        return withDeadline(Promise.race([done.promise, idle]), 'the one-CPU notification benchmark');
      }),
  };
}

/** Call+reply from a client on CPU 0 (the main thread) to a server on CPU 1 (a worker). */
function mainToWorkerCallReply(): Benchmark {
  return {
    name: 'call+reply round trip',
    setup: '2 host CPUs, CPU 0 (main thread) → CPU 1 (worker)',
    oneWayIpcs: 2,
    run: (options) =>
      inSystem(2, 'host', async (system, programs, run) => {
        void run();
        const done = deferred<Measurement>();
        programs.set('client', (sys: Sys) => measureInto(done, callBatch(sys, sys.capability('server')), options));
        const endpoint = await createObject(system, 1, 'endpoint');
        await startTask(system, 1, 'server', programModule('server.js', 'replyServer'), 100, [
          capability('requests', 'endpoint', 1, endpoint, Rights.all, true),
        ]);
        await startTask(system, 0, 'client', 'client', 100, [capability('server', 'endpoint', 1, endpoint, Rights.write)]);
        return withDeadline(done.promise, 'the main-thread → worker call+reply benchmark');
      }),
  };
}

/**
 * Call+reply from a client on CPU 1 to a server on CPU 2, both workers; CPU 0 only hands out the
 * options and collects the measurement (a coordinator thread the client calls before and after).
 */
function workerToWorkerCallReply(): Benchmark {
  return {
    name: 'call+reply round trip',
    setup: '3 host CPUs, CPU 1 (worker) → CPU 2 (worker)',
    oneWayIpcs: 2,
    run: (options) =>
      inSystem(3, 'host', async (system, programs, run) => {
        void run();
        const done = deferred<Measurement>();
        programs.set('coordinator', async (sys: Sys) => {
          const endpoint = sys.capability('coordinator');
          let request = await sys.receive(endpoint);
          while (request.ok) {
            if (request.tag.label === BenchLabel.hello) {
              request = await sys.replyWait(endpoint, encodeOptions(options, sys.mr));
              continue;
            }
            // A result, a failure the client caught, or the kernel's fault message if it threw.
            const item = sys.received[0];
            const text = item !== undefined && item.kind === 'string' ? new TextDecoder().decode(item.bytes) : '';
            if (request.tag.label === BenchLabel.result) done.resolve(JSON.parse(text) as Measurement);
            else done.reject(new Error(`the worker client failed: ${text.split('\n')[0] || `label ${request.tag.label}`}`));
            request = await sys.replyWait(endpoint, sys.message(request.tag.label));
          }
        });
        const coordinator = await createObject(system, 0, 'endpoint');
        const endpoint = await createObject(system, 2, 'endpoint');
        await startTask(system, 0, 'coordinator', 'coordinator', 100, [capability('coordinator', 'endpoint', 0, coordinator, Rights.all, true)]);
        await startTask(system, 2, 'server', programModule('server.js', 'replyServer'), 100, [
          capability('requests', 'endpoint', 2, endpoint, Rights.all, true),
        ]);
        await startTask(
          system,
          1,
          'client',
          programModule('client.js', 'callClient'),
          100,
          [capability('coordinator', 'endpoint', 0, coordinator, Rights.write), capability('server', 'endpoint', 2, endpoint, Rights.write)],
          'coordinator',
        );
        return withDeadline(done.promise, 'the worker → worker call+reply benchmark');
      }),
  };
}

/**
 * Signal → a thread waiting on another host CPU runs: CPU 0 signals "ping" (homed on CPU 1), whose
 * waiter signals "pong" (homed on CPU 0) back. Half the round trip is the one-way latency; it needs
 * no clock shared between the two CPUs.
 */
function crossCpuNotification(): Benchmark {
  return {
    name: 'signal → waiting thread runs',
    setup: '2 host CPUs, CPU 0 ↔ CPU 1, half a ping-pong',
    oneWayIpcs: 1,
    run: (options) =>
      inSystem(2, 'host', async (system, programs, run) => {
        void run();
        const done = deferred<Measurement>();
        programs.set('pinger', (sys: Sys) => {
          const ping = sys.capability('ping');
          const pong = sys.capability('pong');
          const batch: Batch = async (iterations) => {
            const start = performance.now();
            for (let i = 0; i < iterations; i++) {
              const error = await sys.signal(ping);
              if (error !== null) throw new BenchError('signal', error);
              const bits = await sys.wait(pong);
              if (!bits.ok) throw new BenchError('wait', bits.error);
            }
            return (performance.now() - start) / 2;
          };
          return measureInto(done, batch, options);
        });
        const ping = await createObject(system, 1, 'notification');
        const pong = await createObject(system, 0, 'notification');
        await startTask(system, 1, 'echo', programModule('notification.js', 'notificationEcho'), 100, [
          capability('ping', 'notification', 1, ping, Rights.all, true),
          capability('pong', 'notification', 0, pong, Rights.write),
        ]);
        await startTask(system, 0, 'pinger', 'pinger', 100, [
          capability('pong', 'notification', 0, pong, Rights.all, true),
          capability('ping', 'notification', 1, ping, Rights.write),
        ]);
        return withDeadline(done.promise, 'the cross-CPU notification benchmark');
      }),
  };
}

// ---- reporting ----

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function toRow(benchmark: Benchmark, measurement: Measurement): Row {
  const values = measurement.microsecondsPerOperation;
  const middle = median(values);
  return {
    benchmark: benchmark.name,
    setup: benchmark.setup,
    iterationsPerRun: measurement.iterations,
    runs: values.length,
    microsecondsPerOperation: { median: middle, min: Math.min(...values), max: Math.max(...values) },
    operationsPerSecond: 1e6 / middle,
    timesNativeL4: middle / (benchmark.oneWayIpcs * NATIVE_ONE_WAY_MICROSECONDS),
    error: null,
  };
}

function microseconds(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function printTable(rows: (Row | FailedRow)[], header: string, options: MeasureOptions): void {
  const table: string[][] = [['benchmark', 'setup', 'µs/op', 'min', 'max', 'ops/s', '× native L4']];
  for (const row of rows) {
    if (row.error !== null) {
      table.push([row.benchmark, row.setup, `failed: ${row.error}`]);
      continue;
    }
    const us = row.microsecondsPerOperation;
    table.push([
      row.benchmark,
      row.setup,
      microseconds(us.median),
      microseconds(us.min),
      microseconds(us.max),
      Math.round(row.operationsPerSecond).toLocaleString('en-US'),
      `${row.timesNativeL4.toFixed(0)}×`,
    ]);
  }
  const widths = table[0].map((_, column) => Math.max(...table.filter((line) => line.length > 3).map((line) => (line[column] ?? '').length)));
  const format = (line: string[]): string =>
    line
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  console.log(header);
  console.log(`µs/op is the median of ${options.runs} runs (min and max beside it); ops/s is from the median.`);
  console.log('');
  console.log(format(table[0]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of table.slice(1)) console.log(line.length > 3 ? format(line) : `${line[0].padEnd(widths[0])}  ${line[1].padEnd(widths[1])}  ${line[2]}`);
  console.log('');
  console.log('note: anchor: native L4 one-way IPC ~0.1 µs (~300 cycles); "× native L4" divides µs/op by 0.1 µs per');
  console.log('      one-way IPC in the operation (a call+reply round trip is two, a signal one).');
}


async function main(): Promise<void> {
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 7);
  const oneCpu: MeasureOptions = { runs, warmupMilliseconds: 150, runMilliseconds: 100, maxIterations: 1_000_000 };
  const crossCpu: MeasureOptions = { runs, warmupMilliseconds: 200, runMilliseconds: 150, maxIterations: 100_000 };
  const benchmarks: [Benchmark, MeasureOptions][] = [
    [oneCpuCallReply('virtual'), oneCpu],
    [oneCpuCallReply('host'), oneCpu],
    [mainToWorkerCallReply(), crossCpu],
    [workerToWorkerCallReply(), crossCpu],
    [oneCpuNotification('virtual'), oneCpu],
    [oneCpuNotification('host'), oneCpu],
    [crossCpuNotification(), crossCpu],
  ];
  const rows: (Row | FailedRow)[] = [];
  const started = performance.now();
  for (const [benchmark, options] of benchmarks) {
    if (!json) process.stderr.write(`running ${benchmark.name}, ${benchmark.setup} ...\n`);
    try {
      rows.push(toRow(benchmark, await benchmark.run(options)));
    } catch (error) {
      rows.push({ benchmark: benchmark.name, setup: benchmark.setup, error: errorText(error) });
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const environment = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    hostCores: availableParallelism(),
    seconds: Number(seconds.toFixed(1)),
  };
  if (json) {
    console.log(JSON.stringify({ environment, nativeL4OneWayMicroseconds: NATIVE_ONE_WAY_MICROSECONDS, rows }, null, 2));
  } else {
    const header = `l4vm IPC benchmark: Node ${environment.node}, ${environment.platform}, ${environment.hostCores} host cores, ${environment.seconds} s`;
    printTable(rows, header, oneCpu);
  }
}

await main();
// Everything was shut down; if some host handle still lingers, it must not keep the benchmark alive.
setTimeout(() => process.exit(0), 2000).unref();
