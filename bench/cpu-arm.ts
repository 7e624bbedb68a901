// ARM interpreter benchmark: guest instructions per second of ArmCpu in the user-mode runner on
// CPU-bound static armhf programs, beside the same binaries under qemu-arm. The C programs are the
// x86 benchmark's portable sources (bench/programs/x86/*.c) and a NEON one (bench/programs/arm/
// neon-float.c), built at bench time with arm-linux-gnueabihf-gcc -static -O2 (Debian's default:
// Thumb-2, VFPv3-D16 hard float; the NEON program with -mfpu=neon-vfpv4 -ftree-vectorize
// -funsafe-math-optimizations); then Debian's busybox-static:armhf (md5sum of 4 MiB, gzip of 256 KiB)
// when it is unpacked where L4VM_BUSYBOX_ARM (default /tmp/bb-armhf/bin/busybox) points. Ours runs
// in this process through runArmProgram (as `l4vm user --arch arm` does), timed from loading the
// ELF to the exit, its instructions counted by the CPU (`ArmCpu.instructions`, summed over every
// process); QEMU's runs are whole `qemu-arm -cpu cortex-a15` processes. Each program prints a
// checksum (gzip's output is compared by its SHA-256); the table says whether ours printed what
// QEMU printed. It never fails on speed, on a wrong checksum or on a missing tool: what went wrong
// is printed in the table and the process exits 0.
//
//   npm run bench:cpu-arm [-- --runs N] [-- --json]      (builds first, so it measures the current src/)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArmCpu } from '../src/cpu/arm/cpu.js';
import { runArmProgram, UserArmCpu } from '../src/user/arm-runner.js';
import { parseBenchArguments } from './arguments.js';
import { capturingStandardOutput, firstLine, hostEnvironment, measureProgram, missingTool, printTable, runQemu, type FailedRow, type OneRun, type OurRun, type Program, type Row } from './cpu-common.js';

const PORTABLE_SOURCES = fileURLToPath(new URL('../../bench/programs/x86/', import.meta.url));
const ARM_SOURCES = fileURLToPath(new URL('../../bench/programs/arm/', import.meta.url));
const COMPILER = { command: 'arm-linux-gnueabihf-gcc', debianPackage: 'gcc-arm-linux-gnueabihf' };
const QEMU = { command: 'qemu-arm', debianPackage: 'qemu-user' };
const QEMU_COMMAND = ['qemu-arm', '-cpu', 'cortex-a15'];
const COMPILE_FLAGS = ['-static', '-O2'];
const NEON_FLAGS = ['-mfpu=neon-vfpv4', '-ftree-vectorize', '-funsafe-math-optimizations'];
const BUSYBOX = process.env.L4VM_BUSYBOX_ARM ?? '/tmp/bb-armhf/bin/busybox';
/** The busybox rows' input: text made here, the same every run (4 MiB for md5sum, its first 256 KiB for gzip). */
const DATA_FILE = 'data.txt';
const DATA_BYTES = 4 << 20;
const SMALL_FILE = 'small.txt';
const SMALL_BYTES = 256 << 10;

interface ArmProgram extends Program {
  /** Where the source is: the portable C programs, the ARM ones, or none (busybox, not built). */
  kind: 'portable' | 'arm' | 'busybox';
  /** Compare the output by its digest (binary output). */
  digest?: boolean;
}

/**
 * The work sizes were chosen so that one run of ours took about 0.5-3 s when this was written
 * (25-40 million instructions per second on integer code, 7-9 on VFP and NEON code); as ArmCpu gets faster they may be
 * raised, which changes the checksums but nothing else.
 */
const PROGRAMS: ArmProgram[] = [
  { name: 'start-up', source: 'int-loops', kind: 'portable', what: 'loading, glibc start-up and one printf', args: ['1'], startup: true },
  { name: 'int-loops', source: 'int-loops', kind: 'portable', what: 'Collatz chains, multiply-xorshift hash, divisions', args: ['40000'] },
  { name: 'sieve', source: 'sieve', kind: 'portable', what: 'sieve of Eratosthenes over bytes', args: ['400000', '6'] },
  { name: 'crc32', source: 'crc32', kind: 'portable', what: 'table-driven CRC-32', args: ['524288', '6'] },
  { name: 'matmul-int', source: 'matmul-int', kind: 'portable', what: 'matrix multiply, int32', args: ['100', '3'] },
  { name: 'matmul-double', source: 'matmul-double', kind: 'portable', what: 'matrix multiply, double (VFP)', args: ['80', '4'] },
  { name: 'series', source: 'series', kind: 'portable', what: 'series sums and Newton roots, double (VFP)', args: ['200000'] },
  { name: 'neon-float', source: 'neon-float', kind: 'arm', what: 'saxpy, dot product, clamp, filter: float NEON', args: ['4096', '400'] },
  { name: 'bb md5sum', source: 'busybox', kind: 'busybox', what: `busybox md5sum of ${DATA_BYTES >> 20} MiB`, args: ['md5sum', DATA_FILE] },
  { name: 'bb gzip', source: 'busybox', kind: 'busybox', what: `busybox gzip -c of ${SMALL_BYTES >> 10} KiB (output's SHA-256 compared)`, args: ['gzip', '-c', SMALL_FILE], digest: true },
];

// ---- building ----

/** Builds the program's C source into `directory`; returns its path, or throws with the compiler's message. */
function build(program: ArmProgram, directory: string): string {
  if (program.kind === 'busybox') {
    if (!fs.existsSync(BUSYBOX)) throw new Error(`no busybox at ${BUSYBOX}: unpack Debian's busybox-static:armhf there (see .ci/run) or set L4VM_BUSYBOX_ARM`);
    return BUSYBOX;
  }
  const output = path.join(directory, program.source);
  if (fs.existsSync(output)) return output;
  const source = path.join(program.kind === 'arm' ? ARM_SOURCES : PORTABLE_SOURCES, `${program.source}.c`);
  const flags = program.kind === 'arm' ? [...COMPILE_FLAGS, ...NEON_FLAGS] : COMPILE_FLAGS;
  const result = spawnSync(COMPILER.command, [...flags, '-o', output, source], { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${COMPILER.command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${COMPILER.command} failed on ${program.source}.c: ${firstLine(result.stderr)}`);
  return output;
}

/** Lines of pseudo-random words (a fixed linear congruential sequence): compressible, like text. */
function writeData(directory: string): void {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
  const parts: string[] = [];
  let size = 0;
  let seed = 1;
  while (size < DATA_BYTES) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const line = `${words[seed % words.length]} ${seed >>> 12} ${words[(seed >>> 8) % words.length]}\n`;
    parts.push(line);
    size += line.length;
  }
  const text = parts.join('');
  fs.writeFileSync(path.join(directory, DATA_FILE), text.slice(0, DATA_BYTES));
  fs.writeFileSync(path.join(directory, SMALL_FILE), text.slice(0, SMALL_BYTES));
}

// ---- running ----

function digestOf(text: string): string {
  return `${text.length} characters, SHA-256 ${createHash('sha256').update(text).digest('hex')}\n`;
}

function runOurs(program: ArmProgram, binary: string, args: string[], cwd: string, env: string[]): OurRun {
  const created: ArmCpu[] = [];
  const log: string[] = [];
  let milliseconds = 0;
  const { value: status, stdout } = capturingStandardOutput(() => {
    const start = performance.now();
    const exit = runArmProgram({ program: binary, args, env, cwd, strace: false, log: (line) => log.push(line) }, (memory, space, cpuLog) => {
      const cpu = new UserArmCpu(memory, space, cpuLog);
      created.push(cpu);
      return cpu;
    });
    milliseconds = performance.now() - start;
    return exit;
  });
  const instructions = created.reduce((sum, cpu) => sum + cpu.instructions, 0);
  const problem = status === 0 ? null : `exit status ${status}${log.length > 0 ? `: ${firstLine(log.join('\n'))}` : ''}`;
  return { milliseconds, stdout: program.digest === true ? digestOf(stdout) : stdout, instructions, problem };
}

function runQemuArm(program: ArmProgram, binary: string, args: string[], cwd: string): OneRun {
  const run = runQemu(QEMU_COMMAND, binary, args, cwd);
  return program.digest === true ? { ...run, stdout: digestOf(run.stdout) } : run;
}

function main(): void {
  const { json, runs } = parseBenchArguments(process.argv.slice(2), 5);
  const notices: string[] = [];
  const compilerMissing = missingTool(COMPILER);
  const qemuMissing = missingTool(QEMU);
  if (compilerMissing !== null) notices.push(`${compilerMissing}: the C programs cannot be built, so only busybox is measured.`);
  if (qemuMissing !== null) notices.push(`${qemuMissing}: QEMU's column is skipped and the outputs are not compared.`);
  for (const notice of notices) process.stderr.write(`${notice}\n`);

  const scratch = fs.mkdtempSync(path.join(tmpdir(), 'l4vm-bench-cpu-arm-'));
  const rows: (Row | FailedRow)[] = [];
  const started = performance.now();
  try {
    writeData(scratch);
    for (const program of PROGRAMS) {
      const base = { program: program.name, source: program.source, startup: program.startup === true, what: program.what, args: program.args };
      if (compilerMissing !== null && program.kind !== 'busybox') {
        rows.push({ ...base, error: `not built: ${COMPILER.command} is missing` });
        continue;
      }
      if (!json) process.stderr.write(`building and running ${program.source} ${program.args.join(' ')} ...\n`);
      try {
        const binary = build(program, scratch);
        const runners = {
          ours: (file: string, args: string[], cwd: string, env: string[]) => runOurs(program, file, args, cwd, env),
          qemu: qemuMissing === null ? (file: string, args: string[], cwd: string) => runQemuArm(program, file, args, cwd) : null,
        };
        rows.push(measureProgram(program, binary, runs, runners, scratch));
      } catch (error) {
        rows.push({ ...base, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const environment = { ...hostEnvironment(started), compileFlags: COMPILE_FLAGS.join(' '), neonFlags: NEON_FLAGS.join(' ') };
  if (json) {
    console.log(JSON.stringify({ environment, runs, notices, rows }, null, 2));
    return;
  }
  const header =
    `l4vm ARM interpreter benchmark: Node ${environment.node}, ${environment.platform}, ${environment.hostCpu}, ${environment.seconds} s\n` +
    `programs built with ${COMPILER.command} ${environment.compileFlags} (neon-float also ${environment.neonFlags}); busybox ${BUSYBOX}; QEMU runs as ${QEMU_COMMAND.join(' ')}`;
  printTable(rows, header, runs, notices, [
    "note: ours runs in this process (loading the ELF included, Node's start-up not); qemu s is a whole",
    '      qemu-arm process, its start-up included (the start-up row). Instructions are ArmCpu.instructions',
    '      of every process of the run (an exception entry counts as one).',
  ]);
}

main();
