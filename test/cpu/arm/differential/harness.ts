// The ARM differential harness (docs/testing-arm.md): build a static ARM or Thumb program with the GNU
// cross tools, trace it under `qemu-arm -cpu cortex-a15 -singlestep -d cpu,nochain,in_asm` (QEMU
// prints r0-r15 and the CPSR *before* each instruction), run it on our ArmCpu from QEMU's first
// state, and compare the two traces record by record up to the first SVC. Privileged programs run
// the same way as firmware on `qemu-system-arm -M virt` up to a semihosting exit (runQemuSystem).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PhysicalMemory } from '../../../../src/hw/memory.js';
import { ArmCpu } from '../../../../src/cpu/arm/cpu.js';
import { disassembleWord } from '../../../../src/cpu/arm/disasm.js';
import { disassembleHalfwords } from '../../../../src/cpu/arm/disasm-thumb.js';
import { Mode } from '../../../../src/cpu/arm/state.js';
import { copySegments, parseElf32, PT_LOAD } from '../../../../src/user/elf.js';

/** The repository root (this file runs from dist/test/cpu/arm/differential/). */
export const REPOSITORY = fileURLToPath(new URL('../../../../../', import.meta.url));
export const PROGRAMS_DIRECTORY = join(REPOSITORY, 'test/cpu/arm/programs');

const TOOLS = [
  { command: 'qemu-arm', debianPackage: 'qemu-user' },
  { command: 'qemu-system-arm', debianPackage: 'qemu-system-arm' },
  { command: 'arm-linux-gnueabihf-as', debianPackage: 'binutils-arm-linux-gnueabihf' },
  { command: 'arm-linux-gnueabihf-ld', debianPackage: 'binutils-arm-linux-gnueabihf' },
];

/** Throws, naming every missing tool and its package, unless all run. */
export function requireTools(): void {
  const missing = TOOLS.filter((tool) => {
    const result = spawnSync(tool.command, ['--version'], { encoding: 'utf8' });
    return result.error !== undefined || result.status !== 0;
  });
  if (missing.length > 0) {
    throw new Error(
      `the ARM differential tests need ${missing.map((tool) => `${tool.command} (Debian package ${tool.debianPackage})`).join(', ')}; ` +
        'install them with `apt-get install -y qemu-user qemu-system-arm gcc-arm-linux-gnueabihf`',
    );
  }
}

function run(command: string, args: string[], directory: string): void {
  const result = spawnSync(command, args, { cwd: directory, encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined) throw new Error(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}:\n${result.stderr}${result.stdout}`);
}

export function scratchDirectory(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'l4vm-arm-differential-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Assembles (ARMv7VE: ARMv7-A with the division instructions, as Cortex-A15) and links -N -static. */
export function buildAssembly(source: string, directory: string): string {
  const name = basename(source).replace(/\.s$/, '');
  const object = join(directory, `${name}.o`);
  const executable = join(directory, name);
  run('arm-linux-gnueabihf-as', ['-march=armv7ve', '-mfloat-abi=soft', '-I', PROGRAMS_DIRECTORY, '-o', object, source], directory);
  run('arm-linux-gnueabihf-ld', ['-static', '-nostdlib', '-N', '--no-warn-rwx-segments', '-o', executable, object], directory);
  return executable;
}

export function buildAssemblyText(name: string, text: string, directory: string): string {
  const source = join(directory, `${name}.s`);
  writeFileSync(source, text);
  return buildAssembly(source, directory);
}

/** One record: r0-r15 then CPSR. */
export const PSR_FIELD = 16;
const FIELDS = 17;

/** The FPU part of a record (`-d fpu`): the 64 words of D0-D31 (S0-S63), then FPSCR. */
export const FPU_WORDS = 65;

export class Trace {
  readonly records: Int32Array[] = [];
  /** QEMU's disassembly per record (ours: empty). */
  readonly texts: string[] = [];
  /** D0-D31 and FPSCR per record, when the run traced the FPU. */
  readonly fpu: (Int32Array | undefined)[] = [];

  push(record: Int32Array, text = ''): void {
    this.records.push(record);
    this.texts.push(text);
  }

  get count(): number {
    return this.records.length;
  }

  pc(index: number): number {
    return this.records[index][15] >>> 0;
  }
}

export interface QemuRun {
  trace: Trace;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs the program under QEMU and parses the state before every instruction (with D0-D31 and FPSCR when `fpu`). */
export function runQemu(executable: string, directory: string, fpu = false): QemuRun {
  const log = join(directory, `${basename(executable)}.log`);
  const result = spawnSync('qemu-arm', ['-cpu', 'cortex-a15', '-singlestep', '-d', fpu ? 'cpu,fpu,nochain,in_asm' : 'cpu,nochain,in_asm', '-D', log, executable], {
    cwd: directory,
    encoding: 'utf8',
    timeout: 20_000,
  });
  const trace = parseQemuLog(readFileSync(log, 'utf8'));
  rmSync(log, { force: true });
  return { trace, status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** Parses a `-d cpu,nochain,in_asm` log: one record per state dump, with the instruction's disassembly. */
export function parseQemuLog(text: string): Trace {
  const trace = new Trace();
  const disassembly = new Map<number, string>();
  let record: Int32Array | null = null;
  for (const line of text.split('\n')) {
    // An A32 word, or one or two Thumb halfwords, then the text.
    const asm = /^0x([0-9a-f]{8}):\s+(?:[0-9a-f]{8}|[0-9a-f]{4} [0-9a-f]{4}|[0-9a-f]{4})\s+(.*)$/.exec(line);
    if (asm !== null) {
      disassembly.set(parseInt(asm[1], 16), asm[2].trim());
      continue;
    }
    const register = /^s(\d\d)=([0-9a-f]{8}) s\d\d=([0-9a-f]{8}) d/.exec(line);
    if (register !== null && trace.count > 0) {
      // -d fpu: two singles per line after the PSR line of the record just pushed.
      const index = trace.count - 1;
      const fpu = trace.fpu[index] ?? (trace.fpu[index] = new Int32Array(FPU_WORDS));
      const s = parseInt(register[1], 10);
      fpu[s] = parseInt(register[2], 16) | 0;
      fpu[s + 1] = parseInt(register[3], 16) | 0;
      continue;
    }
    const fpscr = /^FPSCR: ([0-9a-f]{8})/.exec(line);
    if (fpscr !== null && trace.count > 0) {
      const fpu = trace.fpu[trace.count - 1];
      if (fpu !== undefined) fpu[FPU_WORDS - 1] = parseInt(fpscr[1], 16) | 0;
      continue;
    }
    if (line.startsWith('R00=')) record = new Int32Array(FIELDS);
    if (record !== null) {
      for (const match of line.matchAll(/R(\d\d)=([0-9a-f]{8})/g)) record[parseInt(match[1], 10)] = parseInt(match[2], 16) | 0;
      const psr = /^PSR=([0-9a-f]{8})/.exec(line);
      if (psr !== null) {
        record[PSR_FIELD] = parseInt(psr[1], 16) | 0;
        trace.push(record, disassembly.get(record[15] >>> 0) ?? '');
        record = null;
      }
    }
  }
  return trace;
}

/** The trace up to and including the first SVC (or the first instruction whose text starts with `prefix`). */
export function cutAtFirstSvc(trace: Trace, prefix = 'svc'): Trace {
  const cut = new Trace();
  for (let i = 0; i < trace.count; i++) {
    cut.push(trace.records[i], trace.texts[i]);
    cut.fpu[i] = trace.fpu[i];
    if (trace.texts[i].startsWith(prefix)) break;
  }
  return cut;
}

export interface OurRun {
  trace: Trace;
  /** How our run stopped: 'svc', an exception name, 'limit'. */
  stop: string;
  memory: PhysicalMemory;
  log: string[];
}

/**
 * Loads the ELF into RAM (the image at its addresses, a stack below 0x40801000 as qemu-arm's),
 * takes r0-r14 and CPSR from QEMU's first record and steps our CPU, recording before each
 * instruction, until an SVC or an exception or `limit` records.
 */
export function runOurs(executable: string, first: Int32Array, limit: number, firstFpu?: Int32Array): OurRun {
  const bytes = new Uint8Array(readFileSync(executable));
  const elf = parseElf32(bytes, executable);
  const memory = new PhysicalMemory('little');
  let low = 0xffffffff;
  let high = 0;
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD) continue;
    low = Math.min(low, header.vaddr & ~0xfff);
    high = Math.max(high, (header.vaddr + header.memorySize + 0xfff) & ~0xfff);
  }
  memory.addRam('image', low, new Uint8Array(high - low + 0x10000));
  memory.addRam('stack', 0x40000000, new Uint8Array(0x801000));
  copySegments(elf, bytes, (address, from) => memory.writeBytes(address, from));
  const log: string[] = [];
  const cpu = new ArmCpu(memory, { log: (line) => log.push(line) });
  const state = cpu.state;
  // As Linux (and qemu-arm) for a user process: CP10/CP11 full access, FPEXC.EN.
  cpu.cp15.cpacr = 0x00f00000;
  cpu.vfp.fpexc = 1 << 30;
  if (firstFpu !== undefined) {
    cpu.vfp.words.set(firstFpu.subarray(0, 64));
    cpu.vfp.fpscr = firstFpu[64];
  }
  state.setCpsr((first[PSR_FIELD] & ~0x1f) | Mode.USR);
  for (let k = 0; k < 15; k++) state.r[k] = first[k];
  // A Thumb entry point has bit 0 set (and QEMU's first PSR has T).
  state.r[15] = elf.entry & ~1;
  let stop = 'limit';
  cpu.svcHook = () => {
    stop = 'svc';
    cpu.stop();
    return true;
  };
  cpu.exceptionHook = (exception) => {
    stop = `exception ${exception}`;
    cpu.stop();
    return true;
  };
  const trace = new Trace();
  while (trace.count < limit) {
    const record = new Int32Array(FIELDS);
    record.set(state.r);
    record[PSR_FIELD] = state.getCpsr();
    trace.push(record);
    if (firstFpu !== undefined) {
      const fpu = new Int32Array(FPU_WORDS);
      fpu.set(cpu.vfp.words.subarray(0, 64));
      fpu[64] = cpu.vfp.fpscr;
      trace.fpu[trace.count - 1] = fpu;
    }
    cpu.run(1);
    if (stop !== 'limit') break;
  }
  return { trace, stop, memory, log };
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** Compares two traces; null when equal, else a report of the first difference. */
export function compareTraces(qemu: Trace, ours: Trace, memory: PhysicalMemory, psrMask = 0xffffffff): string | null {
  const count = Math.min(qemu.count, ours.count);
  for (let i = 0; i < count; i++) {
    const a = qemu.records[i];
    const b = ours.records[i];
    const differences: string[] = [];
    for (let k = 0; k < 16; k++) if (a[k] !== b[k]) differences.push(`r${k}: QEMU ${hex(a[k])}, ours ${hex(b[k])}`);
    if (((a[PSR_FIELD] ^ b[PSR_FIELD]) & psrMask) !== 0) differences.push(`CPSR: QEMU ${hex(a[PSR_FIELD])}, ours ${hex(b[PSR_FIELD])}`);
    const fpuA = qemu.fpu[i];
    const fpuB = ours.fpu[i];
    if (fpuA !== undefined && fpuB !== undefined) {
      for (let k = 0; k < 64; k++) if (fpuA[k] !== fpuB[k]) differences.push(`s${k}: QEMU ${hex(fpuA[k])}, ours ${hex(fpuB[k])}`);
      if (fpuA[64] !== fpuB[64]) differences.push(`FPSCR: QEMU ${hex(fpuA[64])}, ours ${hex(fpuB[64])}`);
    }
    if (differences.length > 0) {
      const previous = i > 0 ? qemu.pc(i - 1) : -1;
      let ourText = '';
      if (previous >= 0) {
        const word = memory.read32(previous);
        const thumb = (qemu.records[i - 1][PSR_FIELD] & 0x20) !== 0;
        ourText = thumb ? disassembleHalfwords(word & 0xffff, word >>> 16, previous) : disassembleWord(word, previous);
      }
      return (
        `record ${i} (before the instruction at 0x${hex(a[15])}) differs after ` +
        (previous >= 0 ? `0x${hex(previous)}: QEMU \`${qemu.texts[i - 1]}\`, ours \`${ourText}\`` : 'the start') +
        `\n  ${differences.join('\n  ')}`
      );
    }
  }
  if (qemu.count !== ours.count) {
    return `QEMU traced ${qemu.count} instructions up to its first SVC, ours ${ours.count} (last pc QEMU 0x${hex(qemu.pc(qemu.count - 1))}, ours 0x${hex(ours.pc(ours.count - 1))})`;
  }
  return null;
}

export interface DifferentialResult {
  instructions: number;
  mismatch: string | null;
}

/** Builds nothing: runs an executable under QEMU and ours and compares. */
export function differential(executable: string, directory: string, fpu = false): DifferentialResult {
  const qemu = runQemu(executable, directory, fpu);
  if (qemu.trace.count === 0) throw new Error(`QEMU logged no state for ${executable}: ${qemu.stderr}`);
  const trace = cutAtFirstSvc(qemu.trace);
  if (!trace.texts[trace.count - 1].startsWith('svc')) {
    throw new Error(`${executable} under QEMU reached no SVC; its last instruction was \`${trace.texts[trace.count - 1]}\` (status ${qemu.status}, signal ${qemu.signal})`);
  }
  if (fpu && trace.fpu[0] === undefined) throw new Error(`QEMU logged no FPU state for ${executable}`);
  const ours = runOurs(executable, trace.records[0], trace.count + 16, fpu ? trace.fpu[0] : undefined);
  let mismatch = compareTraces(trace, ours.trace, ours.memory);
  if (mismatch === null && ours.stop !== 'svc') mismatch = `our run stopped with ${ours.stop}, QEMU's at an SVC`;
  if (mismatch !== null && ours.log.length > 0) mismatch += `\nour CPU's log:\n  ${ours.log.slice(-5).join('\n  ')}`;
  return { instructions: trace.count, mismatch };
}

/** Assembles a bare-metal program linked at 0 and returns its flat binary's path. */
export function buildBareMetal(source: string, directory: string): string {
  const name = basename(source).replace(/\.s$/, '');
  const object = join(directory, `${name}.o`);
  const elf = join(directory, `${name}.elf`);
  const binary = join(directory, `${name}.bin`);
  run('arm-linux-gnueabihf-as', ['-march=armv7ve', '-o', object, source], directory);
  run('arm-linux-gnueabihf-ld', ['-Ttext=0', '-o', elf, object], directory);
  run('arm-linux-gnueabihf-objcopy', ['-O', 'binary', elf, binary], directory);
  return binary;
}

/** The exit of a bare-metal run: the semihosting call `svc 0x123456`. */
export const SEMIHOSTING_SVC = 0x123456;

/**
 * Runs a flat binary as firmware on `qemu-system-arm -M virt -cpu cortex-a15` (flash at 0, RAM at
 * 0x40000000) with semihosting, tracing every instruction; the program ends with SYS_EXIT.
 */
export function runQemuSystem(binary: string, directory: string): QemuRun {
  const log = join(directory, `${basename(binary)}.log`);
  const result = spawnSync(
    'qemu-system-arm',
    ['-M', 'virt', '-cpu', 'cortex-a15', '-m', '128M', '-nographic', '-semihosting', '-bios', binary, '-singlestep', '-d', 'cpu,nochain,in_asm', '-D', log],
    { cwd: directory, encoding: 'utf8', timeout: 20_000 },
  );
  const trace = parseQemuLog(readFileSync(log, 'utf8'));
  rmSync(log, { force: true });
  return { trace, status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The same trace of our CPU: the binary in a ROM at 0, RAM at 0x40000000, from QEMU's reset state. */
export function runOursSystem(binary: string, first: Int32Array, limit: number): OurRun {
  const bytes = new Uint8Array(readFileSync(binary));
  const memory = new PhysicalMemory('little');
  const flash = new Uint8Array(0x100000);
  flash.set(bytes);
  memory.addRom('flash', 0, flash);
  memory.addRam('ram', 0x40000000, new Uint8Array(0x1000000));
  const log: string[] = [];
  const cpu = new ArmCpu(memory, { log: (line) => log.push(line) });
  const state = cpu.state;
  state.setCpsr(first[PSR_FIELD]);
  for (let k = 0; k < 15; k++) state.r[k] = first[k];
  state.r[15] = first[15];
  let stop = 'limit';
  cpu.svcHook = (immediate) => {
    if (immediate !== SEMIHOSTING_SVC) return false;
    stop = 'svc';
    cpu.stop();
    return true;
  };
  const trace = new Trace();
  while (trace.count < limit) {
    const record = new Int32Array(FIELDS);
    record.set(state.r);
    record[PSR_FIELD] = state.getCpsr();
    trace.push(record);
    cpu.run(1);
    if (stop !== 'limit') break;
  }
  return { trace, stop, memory, log };
}

/** A bare-metal differential run up to the semihosting exit. */
export function differentialSystem(binary: string, directory: string): DifferentialResult {
  const qemu = runQemuSystem(binary, directory);
  if (qemu.trace.count === 0) throw new Error(`qemu-system-arm logged no state for ${binary}: ${qemu.stderr}`);
  const trace = cutAtFirstSvc(qemu.trace, `svc      #0x${SEMIHOSTING_SVC.toString(16)}`);
  if (!trace.texts[trace.count - 1].startsWith('svc')) {
    throw new Error(`${binary} under qemu-system-arm reached no semihosting exit; its last instruction was \`${trace.texts[trace.count - 1]}\``);
  }
  const ours = runOursSystem(binary, trace.records[0], trace.count + 16);
  let mismatch = compareTraces(trace, ours.trace, ours.memory);
  if (mismatch === null && ours.stop !== 'svc') mismatch = `our run stopped with ${ours.stop}, QEMU's at the semihosting exit`;
  if (mismatch !== null && ours.log.length > 0) mismatch += `\nour CPU's log:\n  ${ours.log.slice(-5).join('\n  ')}`;
  return { instructions: trace.count, mismatch };
}
