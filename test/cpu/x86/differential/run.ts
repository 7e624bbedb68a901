// One differential run: build a program, trace it under QEMU, run it on our CPU, compare. Used by
// differential.test.ts for the hand-written programs and the random ones.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compareTraces } from './compare.js';
import { CPU_MODULE, loadOurDisassembler, runOurs, type X86CpuConstructor, type StopReason } from './our-cpu.js';
import { runQemu, type QemuRun } from './qemu-trace.js';
import { REPOSITORY, buildAssembly, buildC, requireTools } from './toolchain.js';
import { StateTrace, hex } from './trace.js';

export interface ProgramSpec {
  /** File name in test/cpu/x86/programs/ (.asm for nasm, .c for gcc), or a generated program's name. */
  source: string;
  /** How the program ends: the exit system call, or a fault (e.g. #DE, which QEMU turns into SIGFPE). */
  ending: 'exit' | FaultEnding;
  /** Whether to log (and compare, where our CPU exposes them) the x87 registers. */
  fpu: boolean;
}

export interface FaultEnding {
  /** The exception vector our CPU must raise at the faulting instruction. */
  vector: number;
  /** The error code it must push, for the vectors that have one (SDM 3A, 6.13). */
  errorCode?: number;
  /** The signal Linux (QEMU's user mode) turns it into. */
  signal: NodeJS.Signals;
  /**
   * For INT3, INTO and INT n: the CPU may instead hand the instruction to its software-interrupt
   * hook with this vector (src/user/runner.ts then sends the signal Linux would).
   */
  softwareInterrupt?: number;
}

/** A divide error (#DE): SIGFPE. */
export const DIVIDE_ERROR: FaultEnding = { vector: 0, signal: 'SIGFPE' };

function describeEnding(ending: ProgramSpec['ending']): string {
  if (ending === 'exit') return 'the exit system call (int 0x80)';
  const hook = ending.softwareInterrupt === undefined ? '' : ` or software interrupt 0x${ending.softwareInterrupt.toString(16)}`;
  return `exception vector ${ending.vector}${ending.errorCode === undefined ? '' : ` with error code 0x${ending.errorCode.toString(16)}`}${hook} (${ending.signal} under QEMU)`;
}

let toolsChecked = false;

/** Checks (once per process, until it succeeds) that the tools run; throws naming those that do not. */
export function checkTools(): void {
  if (!toolsChecked) {
    requireTools();
    toolsChecked = true;
  }
}

/** Builds a program of test/cpu/x86/programs/ into `directory`. */
export function buildProgram(spec: ProgramSpec, directory: string): string {
  checkTools();
  const source = join(REPOSITORY, 'test/cpu/x86/programs', spec.source);
  return spec.source.endsWith('.c') ? buildC(source, directory) : buildAssembly(source, directory);
}

export interface QemuSide {
  run: QemuRun;
  /** The trace up to and including the first system call (or the faulting instruction). */
  trace: StateTrace;
}

/**
 * Runs the program under QEMU and checks QEMU's side: it ended as expected, and the trace parsed
 * into records, each with its disassembly, from the entry point to the exit system call (or the
 * faulting division).
 */
export function traceWithQemu(executable: string, directory: string, spec: ProgramSpec): QemuSide {
  const run = runQemu(executable, directory, `${spec.source}.log`, spec.fpu);
  const name = spec.source;
  if (spec.ending !== 'exit') {
    if (run.signal !== spec.ending.signal) {
      throw new Error(`${name} should die of ${spec.ending.signal} under QEMU, but ended with status ${run.status}, signal ${run.signal}: ${run.stderr}`);
    }
  } else if (run.signal !== null) {
    throw new Error(`${name} died of ${run.signal} under QEMU: ${run.stderr}`);
  }
  const full = run.trace;
  if (full.count === 0) throw new Error(`QEMU logged no instruction state for ${name}: is qemu-i386 7.2 (with -d cpu,nochain) installed?`);
  let end = full.count;
  for (let i = 0; i < full.count; i++) {
    if (full.text(i) === '') throw new Error(`QEMU's log of ${name} has no disassembly for record ${i} at 0x${hex(full.eip(i))}`);
    if (full.text(i).startsWith('int $0x80')) {
      end = i + 1;
      break;
    }
  }
  if (spec.ending === 'exit' && !full.text(end - 1).startsWith('int $0x80')) {
    throw new Error(`${name} under QEMU made no system call; its last instruction was \`${full.text(full.count - 1)}\``);
  }
  return { run, trace: full.slice(end) };
}

/** Whether our CPU has been written: null if so, else the reason to skip. */
export function ourCpuMissing(): string | null {
  if (existsSync(CPU_MODULE)) return null;
  const source = join(REPOSITORY, 'src/cpu/x86/cpu.ts');
  if (existsSync(source)) {
    throw new Error(`src/cpu/x86/cpu.ts exists but ${CPU_MODULE} does not: compile first (npx tsc -p .)`);
  }
  return 'src/cpu/x86/cpu.ts (class X86Cpu) does not exist yet; the QEMU side of this program was traced and checked';
}

function describeStop(stop: StopReason): string {
  switch (stop.kind) {
    case 'syscall':
      return `software interrupt 0x${stop.vector.toString(16)} at 0x${hex(stop.eip)}`;
    case 'exception':
      return `exception vector ${stop.vector} (error code ${stop.errorCode}) at 0x${hex(stop.eip)}`;
    case 'error':
      return `our CPU threw at 0x${hex(stop.eip)}: ${stop.message}`;
    case 'limit':
      return `the instruction limit at 0x${hex(stop.eip)}`;
  }
}

/**
 * Runs the program on our CPU from QEMU's first state and compares the traces. Returns null when
 * they agree and both ended the same way, else a report.
 */
export async function compareWithOurs(Cpu: X86CpuConstructor, executable: string, qemu: QemuSide, spec: ProgramSpec): Promise<string | null> {
  const ours = runOurs(Cpu, executable, qemu.trace, qemu.run.trace.count + 16);
  const disassemble = await loadOurDisassembler();
  const qemuTrace = qemu.trace.collapseRepeats();
  const ourTrace = ours.trace.collapseRepeats();
  const mismatch = compareTraces(qemuTrace, ourTrace, {
    fpu: spec.fpu,
    disassembleOurs:
      disassemble === null
        ? undefined
        : (eip) => {
            const bytes = new Uint8Array(16);
            ours.memory.readBytes(eip, bytes);
            try {
              return disassemble(bytes, 0, true).text;
            } catch (error) {
              return `(disassembler threw: ${error instanceof Error ? error.message : String(error)})`;
            }
          },
  });
  const lines: string[] = [];
  if (mismatch !== null) lines.push(mismatch.message);
  const lastEip = qemuTrace.eip(qemuTrace.count - 1);
  const stop = ours.stop;
  const ending = spec.ending;
  const stoppedRight =
    (ending === 'exit'
      ? stop.kind === 'syscall' && stop.vector === 0x80
      : (stop.kind === 'exception' && stop.vector === ending.vector && (ending.errorCode === undefined || stop.errorCode === ending.errorCode)) ||
        (stop.kind === 'syscall' && ending.softwareInterrupt !== undefined && stop.vector === ending.softwareInterrupt)) &&
    ourTrace.eip(ourTrace.count - 1) === lastEip;
  if (!stoppedRight) {
    lines.push(
      `QEMU's run ended with ${describeEnding(ending)} at 0x${hex(lastEip)}; ` +
        `ours stopped at ${describeStop(stop)} after ${ourTrace.count} instructions`,
    );
  }
  if (lines.length === 0) return null;
  if (ours.log.length > 0) lines.push(`our CPU's last log lines:\n  ${ours.log.slice(-5).join('\n  ')}`);
  return `${spec.source}: ${qemuTrace.count} instructions traced by QEMU\n${lines.join('\n')}`;
}
