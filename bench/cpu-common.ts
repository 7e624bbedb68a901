// What the CPU benchmarks (cpu-x86.ts, cpu-arm.ts) share: running a guest program in this process
// through a user-mode runner with its standard output captured, running it under qemu-user as a
// whole process, the medians of several runs, and the markdown table. A benchmark says which
// programs, how ours runs (the runner and how it counts instructions) and how QEMU runs.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { availableParallelism, cpus } from 'node:os';

/** A QEMU run that takes longer than this is stopped and reported (ours runs synchronously, unbounded). */
export const QEMU_TIMEOUT_MILLISECONDS = 120_000;

export interface Program {
  /** The row's name. */
  name: string;
  /** What the table shows as the command: the source (bench/programs/…/<source>.c) or the binary's name. */
  source: string;
  what: string;
  /** The work size. */
  args: string[];
  /** The start-up row: the same program doing next to nothing, left out of the totals. */
  startup?: boolean;
}

export interface OneRun {
  milliseconds: number;
  stdout: string;
  /** What went wrong (a failed start, a non-zero exit), or null. */
  problem: string | null;
}

export interface OurRun extends OneRun {
  instructions: number;
}

export interface Row {
  program: string;
  source: string;
  startup: boolean;
  what: string;
  args: string[];
  /** Guest instructions of one run, as the CPU counts them. */
  instructions: number;
  ours: { medianSeconds: number; minSeconds: number; maxSeconds: number; mips: number };
  /** null when qemu-user is missing or failed. */
  qemu: { medianSeconds: number; minSeconds: number; maxSeconds: number } | null;
  /** Why QEMU failed on this program (null when it ran, or is missing: a notice says so then). */
  qemuProblem: string | null;
  /** ours' median time over QEMU's. */
  timesQemu: number | null;
  /** 'same', 'MISMATCH', or 'not checked' without QEMU. */
  output: 'same' | 'MISMATCH' | 'not checked';
  oursOutput: string;
  qemuOutput: string | null;
  error: null;
}

export interface FailedRow {
  program: string;
  source: string;
  startup: boolean;
  what: string;
  args: string[];
  error: string;
}

// ---- tools ----

export function missingTool(tool: { command: string; debianPackage: string }): string | null {
  const result = spawnSync(tool.command, ['--version'], { encoding: 'utf8' });
  if (result.error === undefined && result.status === 0) return null;
  return `${tool.command} is not installed or did not run (Debian package ${tool.debianPackage})`;
}

/** Builds bench/programs/x86/<name>.c into `directory`; returns its path, or throws with the compiler's message. */
// ---- running ----

export function capturingStandardOutput<T>(body: () => T): { value: T; stdout: string } {
  const original = fs.writeSync;
  const chunks: Uint8Array[] = [];
  const forward = original as (...args: unknown[]) => number;
  const capture = (fd: unknown, ...rest: unknown[]): number => {
    const [data, offsetOrPosition, length] = rest;
    if (fd !== 1) return forward.call(fs, fd, ...rest);
    if (typeof data === 'string') {
      chunks.push(Buffer.from(data));
      return Buffer.byteLength(data);
    }
    if (!ArrayBuffer.isView(data)) return forward.call(fs, fd, ...rest);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const offset = typeof offsetOrPosition === 'number' ? offsetOrPosition : 0;
    const count = typeof length === 'number' ? length : bytes.length - offset;
    chunks.push(bytes.slice(offset, offset + count));
    return count;
  };
  fs.writeSync = capture as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    const value = body();
    return { value, stdout: Buffer.concat(chunks).toString('utf8') };
  } finally {
    fs.writeSync = original;
    syncBuiltinESMExports();
  }
}

/** One run of a whole qemu-user process (`command` with its options, then the program), timed from spawn to exit. */
export function runQemu(command: readonly string[], binary: string, args: string[], cwd: string): OneRun {
  const start = performance.now();
  const result = spawnSync(command[0], [...command.slice(1), binary, ...args], { cwd, encoding: 'utf8', timeout: QEMU_TIMEOUT_MILLISECONDS, maxBuffer: 1 << 28 });
  const milliseconds = performance.now() - start;
  let problem: string | null = null;
  if (result.error !== undefined) problem = `${command[0]} could not run: ${result.error.message}`;
  else if (result.status !== 0) problem = `${command[0]} exited with ${result.status ?? result.signal ?? 'nothing'}: ${firstLine(result.stderr)}`;
  return { milliseconds, stdout: result.stdout ?? '', problem };
}

// ---- measuring ----

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(runs: OneRun[]): { medianSeconds: number; minSeconds: number; maxSeconds: number } {
  const seconds = runs.map((run) => run.milliseconds / 1000);
  return { medianSeconds: median(seconds), minSeconds: Math.min(...seconds), maxSeconds: Math.max(...seconds) };
}

export function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** One untimed warm-up run of each, then `runs` timed runs of ours and of QEMU. */
/** How one benchmark runs a program: ours in this process, QEMU as a process (null: not available). */
export interface Runners {
  ours(binary: string, args: string[], cwd: string, env: string[]): OurRun;
  qemu: ((binary: string, args: string[], cwd: string) => OneRun) | null;
}

export function measureProgram(program: Program, binary: string, runs: number, runners: Runners, cwd: string): Row | FailedRow {
  const env = Object.entries(process.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
  const runOurs = runners.ours;
  const runQemu = runners.qemu;
  const qemuAvailable = runQemu !== null;
  const base = { program: program.name, source: program.source, startup: program.startup === true, what: program.what, args: program.args };
  const ours: OurRun[] = [];
  for (let i = 0; i <= runs; i++) {
    const run = runOurs(binary, program.args, cwd, env);
    if (run.problem !== null) return { ...base, error: `ours: ${run.problem}` };
    if (i > 0) ours.push(run);
  }
  const qemu: OneRun[] = [];
  let qemuProblem: string | null = null;
  for (let i = 0; qemuAvailable && i <= runs; i++) {
    const run = runQemu === null ? null : runQemu(binary, program.args, cwd);
    if (run === null) break;
    if (run.problem !== null) {
      qemuProblem = run.problem;
      qemu.length = 0;
      break;
    }
    if (i > 0) qemu.push(run);
  }
  const oursSummary = summary(ours);
  const instructions = median(ours.map((run) => run.instructions));
  const qemuSummary = qemu.length > 0 ? summary(qemu) : null;
  const oursOutput = ours[0].stdout;
  const qemuOutput = qemu.length > 0 ? qemu[0].stdout : null;
  // Every run of both must print the same: a checksum that changes from run to run is as wrong.
  const outputs = new Set([...ours, ...qemu].map((run) => run.stdout));
  return {
    ...base,
    instructions,
    ours: { ...oursSummary, mips: instructions / oursSummary.medianSeconds / 1e6 },
    qemu: qemuSummary,
    qemuProblem,
    timesQemu: qemuSummary === null ? null : oursSummary.medianSeconds / qemuSummary.medianSeconds,
    output: qemuOutput === null ? (outputs.size === 1 ? 'not checked' : 'MISMATCH') : outputs.size === 1 ? 'same' : 'MISMATCH',
    oursOutput,
    qemuOutput,
    error: null,
  };
}

// ---- reporting ----

/** The host the figures were taken on and how long the benchmark took since `started` (performance.now()), for the header and --json. */
export function hostEnvironment(started: number): { node: string; platform: string; hostCpu: string; hostCores: number; seconds: number } {
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    hostCpu: cpus()[0]?.model.trim() ?? 'unknown',
    hostCores: availableParallelism(),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
}

export function seconds(value: number): string {
  return value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toFixed(3);
}

function command(row: { source: string; args: string[] }): string {
  return [row.source, ...row.args].join(' ');
}

function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

/** Prints the table, the totals, the mismatches and `notes` (what the reader must know about the two sides). */
export function printTable(rows: (Row | FailedRow)[], header: string, runs: number, notices: string[], notes: readonly string[]): void {
  const table: string[][] = [['program', 'run', 'guest instr.', 'ours s', 'min–max', 'ours MIPS', 'qemu s', 'min–max', 'ours/qemu', 'output']];
  for (const row of rows) {
    if (row.error !== null) {
      table.push([row.program, command(row), `failed: ${row.error}`]);
      continue;
    }
    const qemu = row.qemu;
    table.push([
      row.program,
      command(row),
      row.instructions >= 1e6 ? `${(row.instructions / 1e6).toFixed(1)} M` : `${(row.instructions / 1e3).toFixed(0)} k`,
      seconds(row.ours.medianSeconds),
      `${seconds(row.ours.minSeconds)}–${seconds(row.ours.maxSeconds)}`,
      row.ours.mips.toFixed(1),
      qemu === null ? '—' : seconds(qemu.medianSeconds),
      qemu === null ? '—' : `${seconds(qemu.minSeconds)}–${seconds(qemu.maxSeconds)}`,
      row.timesQemu === null ? '—' : `${row.timesQemu.toFixed(1)}×`,
      row.output === 'MISMATCH' ? '*** MISMATCH ***' : row.output,
    ]);
  }
  // A failed row's message spans the columns after the first two, so it does not widen them.
  const widths = table[0].map((_, column) => Math.max(...table.filter((line) => line.length > 3 || column < 2).map((line) => (line[column] ?? '').length)));
  const format = (line: string[]): string =>
    line
      .map((cell, column) => (column < 2 || column === line.length - 1 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  console.log(header);
  for (const notice of notices) console.log(notice);
  console.log(`Times are the median of ${runs} run${runs === 1 ? '' : 's'} after one warm-up run (min–max beside them); MIPS is guest instructions / median time.`);
  console.log('');
  console.log(format(table[0]));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const line of table.slice(1)) console.log(line.length > 3 ? format(line) : `${line[0].padEnd(widths[0])}  ${line[1].padEnd(widths[1])}  ${line[2]}`);
  const measured = rows.filter((row): row is Row => row.error === null);
  const programs = measured.filter((row) => !row.startup);
  if (programs.length > 0) {
    const instructions = programs.reduce((sum, row) => sum + row.instructions, 0);
    const time = programs.reduce((sum, row) => sum + row.ours.medianSeconds, 0);
    const ratios = programs.flatMap((row) => (row.timesQemu === null ? [] : [row.timesQemu]));
    console.log('');
    console.log(
      `all programs: ${(instructions / 1e6).toFixed(1)} M instructions in ${seconds(time)} s, ${(instructions / time / 1e6).toFixed(1)} MIPS` +
        (ratios.length > 0 ? `; ours/qemu geometric mean ${geometricMean(ratios).toFixed(1)}×` : ''),
    );
    // QEMU's time is mostly its start-up; taking the start-up row's time off both sides, summed
    // over the programs, says more about the two CPUs than the per-row ratio does.
    const startup = measured.find((row) => row.startup);
    const startupQemu = startup?.qemu;
    const compared = programs.filter((row) => row.qemu !== null);
    if (startup !== undefined && startupQemu !== undefined && startupQemu !== null && compared.length === programs.length) {
      const ours = time - programs.length * startup.ours.medianSeconds;
      const qemu = compared.reduce((sum, row) => sum + (row.qemu?.medianSeconds ?? 0), 0) - programs.length * startupQemu.medianSeconds;
      if (qemu > 0) {
        console.log(
          `less start-up (the start-up row's time off each run): ours ${seconds(ours)} s, qemu ${seconds(qemu)} s, ours/qemu ${(ours / qemu).toFixed(0)}× (rough: qemu's part is small)`,
        );
      }
    }
  }
  for (const row of measured) {
    if (row.output === 'MISMATCH') {
      console.log('');
      console.log(`*** ${row.program}: the outputs differ ***`);
      const indent = (text: string): string => text.trimEnd().replaceAll('\n', '\n        ');
      console.log(`  ours: ${indent(row.oursOutput)}`);
      console.log(`  qemu: ${row.qemuOutput === null ? '(not run)' : indent(row.qemuOutput)}`);
    }
    if (row.qemuProblem !== null) console.log(`${row.program}: QEMU's column is empty: ${row.qemuProblem}`);
  }
  console.log('');
  for (const note of notes) console.log(note);
}
