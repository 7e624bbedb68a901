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
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { X86Cpu } from '../src/cpu/x86/cpu.js';
import { runX86Program } from '../src/user/runner.js';
import { parseBenchArguments } from './arguments.js';
import { capturingStandardOutput, firstLine, hostEnvironment, measureProgram, missingTool, printTable, runQemu, type FailedRow, type OurRun, type Program, type Row } from './cpu-common.js';

const SOURCES = fileURLToPath(new URL('../../bench/programs/x86/', import.meta.url));
const COMPILER = { command: 'i686-linux-gnu-gcc', debianPackage: 'gcc-i686-linux-gnu' };
const QEMU = { command: 'qemu-i386', debianPackage: 'qemu-user' };
const COMPILE_FLAGS = ['-static', '-O2', '-march=i686'];
const QEMU_COMMAND = ['qemu-i386', '-cpu', 'pentium3'];


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

// ---- building ----

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
        rows.push(measureProgram(program, binary, runs, { ours: runOurs, qemu: qemuMissing === null ? (file, args, cwd) => runQemu(QEMU_COMMAND, file, args, cwd) : null }, scratch));
      } catch (error) {
        rows.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const environment = { ...hostEnvironment(started), compileFlags: COMPILE_FLAGS.join(' ') };
  if (json) {
    console.log(JSON.stringify({ environment, runs, notices, rows }, null, 2));
    return;
  }
  const header =
    `l4vm x86 interpreter benchmark: Node ${environment.node}, ${environment.platform}, ${environment.hostCpu}, ` +
    `${environment.seconds} s\nprograms built with ${COMPILER.command} ${environment.compileFlags}; QEMU runs as qemu-i386 -cpu pentium3`;
  printTable(rows, header, runs, notices, [
    "note: ours runs in this process (loading the ELF included, Node's start-up not); qemu s is a whole",
    '      qemu-i386 process, its start-up included (the start-up row). X86Cpu counts a REP string',
    '      instruction once per batch of up to 1024 iterations.',
  ]);
}

main();