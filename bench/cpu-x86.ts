// x86 interpreter benchmark: guest instructions per second of X86Cpu on CPU-bound programs of our
// own (bench/programs/x86/*.c), beside the same binaries under qemu-i386. The programs are built at
// bench time with the i686 cross compiler into a temporary directory. Ours runs in this process
// through the user-mode runner (runX86Program, as `l4vm user --arch x86` does), timed with
// performance.now() from loading the ELF to the exit, its instructions counted by the CPU; QEMU's
// runs are whole processes (`qemu-i386 -cpu pentium3`, as hyperfine times a command). Each program
// prints a checksum; the table says whether ours printed what QEMU printed. The medians of several
// runs are reported. It never fails on speed, on a wrong checksum or on a missing tool: what went
// wrong is printed in the table and the process exits 0.
//
//   npm run bench:cpu-x86 [-- --runs N] [-- --json]      (builds first, so it measures the current src/)

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { X86Cpu } from '../src/cpu/x86/cpu.js';
import { runX86Program } from '../src/user/runner.js';
import { parseBenchArguments } from './arguments.js';

const SOURCES = fileURLToPath(new URL('../../bench/programs/x86/', import.meta.url));
const COMPILER = { command: 'i686-linux-gnu-gcc', debianPackage: 'gcc-i686-linux-gnu' };
const QEMU = { command: 'qemu-i386', debianPackage: 'qemu-user' };
const COMPILE_FLAGS = ['-static', '-O2', '-march=i686'];
/** A QEMU run that takes longer than this is stopped and reported (ours runs synchronously, unbounded). */
const QEMU_TIMEOUT_MILLISECONDS = 120_000;

interface Program {
  /** The row's name. */
  name: string;
  /** The source, bench/programs/x86/<source>.c. */
  source: string;
  what: string;
  /** The work size. */
  args: string[];
  /** The start-up row: the same program doing next to nothing, left out of the totals. */
  startup?: boolean;
}

/**
 * The work sizes were chosen so that one run of ours took 0.5-2 s when this was written (18-30
 * million instructions per second on integer code, 1.5-3.5 on x87 code); as X86Cpu gets faster they
 * may be raised, which changes the checksums but nothing else. A run of QEMU takes a few tens of
 * milliseconds, most of it QEMU's start-up, which the start-up row measures.
 */
const PROGRAMS: Program[] = [
  { name: 'start-up', source: 'int-loops', what: 'loading, libc start-up and one printf', args: ['1'], startup: true },
  { name: 'int-loops', source: 'int-loops', what: 'Collatz chains, multiply-xorshift hash, divisions', args: ['40000'] },
  { name: 'sieve', source: 'sieve', what: 'sieve of Eratosthenes over bytes', args: ['400000', '6'] },
  { name: 'crc32', source: 'crc32', what: 'table-driven CRC-32', args: ['524288', '6'] },
  { name: 'matmul-int', source: 'matmul-int', what: 'matrix multiply, int32', args: ['100', '3'] },
  { name: 'matmul-double', source: 'matmul-double', what: 'matrix multiply, double (x87)', args: ['48', '4'] },
  { name: 'series', source: 'series', what: 'series sums and Newton roots, double (x87)', args: ['40000'] },
];

interface OneRun {
  milliseconds: number;
  stdout: string;
  /** What went wrong (a failed start, a non-zero exit), or null. */
  problem: string | null;
}

interface OurRun extends OneRun {
  instructions: number;
}

interface Row {
  program: string;
  source: string;
  startup: boolean;
  what: string;
  args: string[];
  /** Guest instructions of one run, as X86Cpu counts them. */
  instructions: number;
  ours: { medianSeconds: number; minSeconds: number; maxSeconds: number; mips: number };
  /** null when qemu-i386 is missing or failed. */
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

interface FailedRow {
  program: string;
  source: string;
  startup: boolean;
  what: string;
  args: string[];
  error: string;
}

// ---- tools and building ----

/** Null when `command --version` runs, else a sentence naming the tool and its package. */
function missingTool(tool: { command: string; debianPackage: string }): string | null {
  const result = spawnSync(tool.command, ['--version'], { encoding: 'utf8' });
  if (result.error === undefined && result.status === 0) return null;
  return `${tool.command} is not installed or did not run (Debian package ${tool.debianPackage})`;
}

/** Builds bench/programs/x86/<name>.c into `directory`; returns its path, or throws with the compiler's message. */
function build(name: string, directory: string): string {
  const output = path.join(directory, name);
  const source = path.join(SOURCES, `${name}.c`);
  if (fs.existsSync(output)) return output;
  const result = spawnSync(COMPILER.command, [...COMPILE_FLAGS, '-o', output, source], { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${COMPILER.command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${COMPILER.command} failed on ${name}.c: ${firstLine(result.stderr)}`);
  return output;
}

// ---- running ----

/**
 * The runner gives the guest the host's standard output (LinuxFiles writes fd 1 with
 * fs.writeSync), so the guest's output is caught by swapping fs.writeSync for the length of one
 * run; syncBuiltinESMExports carries the swap to the runner's `import * as fs` bindings.
 */
function capturingStandardOutput<T>(body: () => T): { value: T; stdout: string } {
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

function runOurs(binary: string, args: string[], cwd: string, env: string[]): OurRun {
  const created: { cpu: X86Cpu | null } = { cpu: null };
  const log: string[] = [];
  let milliseconds = 0;
  const { value: status, stdout } = capturingStandardOutput(() => {
    const start = performance.now();
    const exit = runX86Program({ program: binary, args, env, cwd, strace: false, log: (line) => log.push(line) }, (memory, io, cpuLog) => {
      const cpu = new X86Cpu(memory, io, { log: cpuLog });
      created.cpu = cpu;
      return cpu;
    });
    milliseconds = performance.now() - start;
    return exit;
  });
  const instructions = created.cpu?.instructions ?? 0;
  const problem = status === 0 ? null : `exit status ${status}${log.length > 0 ? `: ${firstLine(log.join('\n'))}` : ''}`;
  return { milliseconds, stdout, instructions, problem };
}

function runQemu(binary: string, args: string[], cwd: string): OneRun {
  const start = performance.now();
  const result = spawnSync(QEMU.command, ['-cpu', 'pentium3', binary, ...args], { cwd, encoding: 'utf8', timeout: QEMU_TIMEOUT_MILLISECONDS });
  const milliseconds = performance.now() - start;
  let problem: string | null = null;
  if (result.error !== undefined) problem = `qemu-i386 could not run: ${result.error.message}`;
  else if (result.status !== 0) problem = `qemu-i386 exited with ${result.status ?? result.signal ?? 'nothing'}: ${firstLine(result.stderr)}`;
  return { milliseconds, stdout: result.stdout ?? '', problem };
}

// ---- measuring ----

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(runs: OneRun[]): { medianSeconds: number; minSeconds: number; maxSeconds: number } {
  const seconds = runs.map((run) => run.milliseconds / 1000);
  return { medianSeconds: median(seconds), minSeconds: Math.min(...seconds), maxSeconds: Math.max(...seconds) };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** One untimed warm-up run of each, then `runs` timed runs of ours and of QEMU. */
function measureProgram(program: Program, binary: string, runs: number, qemuAvailable: boolean, cwd: string): Row | FailedRow {
  const env = Object.entries(process.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
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
    const run = runQemu(binary, program.args, cwd);
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

function seconds(value: number): string {
  return value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toFixed(3);
}

function command(row: { source: string; args: string[] }): string {
  return [row.source, ...row.args].join(' ');
}

function geometricMean(values: number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

function printTable(rows: (Row | FailedRow)[], header: string, runs: number, notices: string[]): void {
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
  console.log('note: ours runs in this process (loading the ELF included, Node\'s start-up not); qemu s is a whole');
  console.log('      qemu-i386 process, its start-up included (the start-up row). X86Cpu counts a REP string');
  console.log('      instruction once per batch of up to 1024 iterations.');
}


function main(): void {
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 5);
  const notices: string[] = [];
  const compilerMissing = missingTool(COMPILER);
  const qemuMissing = missingTool(QEMU);
  if (compilerMissing !== null) notices.push(`${compilerMissing}: the programs cannot be built, so nothing is measured.`);
  if (qemuMissing !== null) notices.push(`${qemuMissing}: QEMU's column is skipped and the outputs are not compared.`);
  for (const notice of notices) process.stderr.write(`${notice}\n`);

  const scratch = fs.mkdtempSync(path.join(tmpdir(), 'l4vm-bench-cpu-x86-'));
  const rows: (Row | FailedRow)[] = [];
  const started = performance.now();
  try {
    for (const program of PROGRAMS) {
      const base = { program: program.name, source: program.source, startup: program.startup === true, what: program.what, args: program.args };
      if (compilerMissing !== null) {
        rows.push({ ...base, error: `not built: ${COMPILER.command} is missing` });
        continue;
      }
      if (!json) process.stderr.write(`building and running ${program.source} ${program.args.join(' ')} ...\n`);
      try {
        const binary = build(program.source, scratch);
        rows.push(measureProgram(program, binary, runs, qemuMissing === null, scratch));
      } catch (error) {
        rows.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const environment = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    hostCpu: cpus()[0]?.model.trim() ?? 'unknown',
    hostCores: availableParallelism(),
    compileFlags: COMPILE_FLAGS.join(' '),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  if (json) {
    console.log(JSON.stringify({ environment, runs, notices, rows }, null, 2));
    return;
  }
  const header =
    `l4vm x86 interpreter benchmark: Node ${environment.node}, ${environment.platform}, ${environment.hostCpu}, ` +
    `${environment.seconds} s\nprograms built with ${COMPILER.command} ${environment.compileFlags}; QEMU runs as qemu-i386 -cpu pentium3`;
  printTable(rows, header, runs, notices);
}

main();
