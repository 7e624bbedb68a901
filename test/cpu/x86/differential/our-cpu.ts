// Our side: load the same ELF into a fresh PhysicalMemory, start an X86Cpu in flat 32-bit
// protected mode at CPL 3 with the registers QEMU's first record shows (QEMU's user-mode start is
// not all zeros: ESP points into its stack, EFLAGS has IF set, the selectors are Linux's), step
// it, and record the state before each instruction until the first system call or exception.
//
// The CPU (src/cpu/x86/cpu.ts) is imported dynamically from dist/, so the harness builds and its
// QEMU half runs before the CPU exists. The interface below is the contract the CPU implements.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IoPorts } from '../../../../src/hw/ioports.js';
import { PhysicalMemory } from '../../../../src/hw/memory.js';
import type { X86State } from '../../../../src/cpu/x86/state.js';
import { loadElf } from './elf.js';
import { REPOSITORY } from './toolchain.js';
import { Field, StateTrace } from './trace.js';

export interface X86CpuUnderTest {
  readonly state: X86State;
  getEflags(): number;
  enterFlatProtectedMode(cpl: 0 | 3): void;
  step(): void;
  instructions: number;
  softwareInterruptHook: ((vector: number) => boolean) | null;
  exceptionHook: ((vector: number, errorCode: number) => boolean) | null;
}

/**
 * The x87 state, where the CPU exposes it as `cpu.fpu` in this shape (src/cpu/x86/fpu.ts does):
 * physical registers as doubles, 2-bit tags (3 = empty), TOP inside `statusWord`.
 */
interface X87View {
  registers: Float64Array;
  tags: Uint8Array;
  control: number;
  statusWord: number;
  /** The exact 80-bit registers, where the FPU keeps them (fpu.ts does). */
  signExponent?: Uint16Array;
  mantissa?: BigUint64Array;
}

function x87View(cpu: X86CpuUnderTest): X87View | null {
  const candidate = (cpu as unknown as { fpu?: Partial<X87View> }).fpu;
  if (candidate === undefined || candidate === null) return null;
  if (!(candidate.registers instanceof Float64Array) || !(candidate.tags instanceof Uint8Array)) return null;
  if (typeof candidate.control !== 'number' || typeof candidate.statusWord !== 'number') return null;
  return candidate as X87View;
}

const doubleBits = new DataView(new ArrayBuffer(8));

/** A double as the x87's 80-bit format: [mantissa low 32, mantissa high 32, sign and exponent]. */
export function doubleToExtended(value: number, into: Int32Array, at: number): void {
  doubleBits.setFloat64(0, value);
  const high = doubleBits.getUint32(0);
  const low = doubleBits.getUint32(4);
  const sign = (high >>> 31) << 15;
  const exponent = (high >>> 20) & 0x7ff;
  let mantissaHigh = ((high & 0xfffff) << 11) | (low >>> 21);
  let mantissaLow = low << 11;
  let extendedExponent: number;
  if (exponent === 0x7ff) {
    extendedExponent = 0x7fff;
    mantissaHigh |= 0x80000000;
  } else if (exponent === 0) {
    if (mantissaHigh === 0 && mantissaLow === 0) {
      extendedExponent = 0;
    } else {
      // A double denormal is a normal extended number: shift the mantissa up to its leading one.
      extendedExponent = 1 - 1023 + 16383;
      while ((mantissaHigh & 0x80000000) === 0) {
        mantissaHigh = (mantissaHigh << 1) | (mantissaLow >>> 31);
        mantissaLow <<= 1;
        extendedExponent--;
      }
    }
  } else {
    extendedExponent = exponent - 1023 + 16383;
    mantissaHigh |= 0x80000000;
  }
  into[at] = mantissaLow;
  into[at + 1] = mantissaHigh;
  into[at + 2] = sign | extendedExponent;
}

export type X86CpuConstructor = new (memory: PhysicalMemory, io: IoPorts, options?: { log?: (line: string) => void }) => X86CpuUnderTest;

export type Disassembler = (bytes: Uint8Array, offset: number, is32: boolean) => { text: string; length: number };

export const CPU_MODULE = join(REPOSITORY, 'dist/src/cpu/x86/cpu.js');
export const DISASSEMBLER_MODULE = join(REPOSITORY, 'dist/src/cpu/x86/disasm.js');

/** The X86Cpu class, or null when src/cpu/x86/cpu.ts has not been written (compiled) yet. */
export async function loadOurCpu(): Promise<X86CpuConstructor | null> {
  if (!existsSync(CPU_MODULE)) return null;
  const module = (await import(pathToFileURL(CPU_MODULE).href)) as { X86Cpu?: X86CpuConstructor };
  if (typeof module.X86Cpu !== 'function') throw new Error(`${CPU_MODULE} does not export a class X86Cpu`);
  return module.X86Cpu;
}

/** Our disassembler, when src/cpu/x86/disasm.ts exists. */
export async function loadOurDisassembler(): Promise<Disassembler | null> {
  if (!existsSync(DISASSEMBLER_MODULE)) return null;
  const module = (await import(pathToFileURL(DISASSEMBLER_MODULE).href)) as { disassemble?: Disassembler };
  return typeof module.disassemble === 'function' ? module.disassemble : null;
}

export type StopReason =
  | { kind: 'syscall'; vector: number; eip: number }
  | { kind: 'exception'; vector: number; errorCode: number; eip: number }
  | { kind: 'error'; message: string; eip: number }
  | { kind: 'limit'; eip: number };

export interface OurRun {
  trace: StateTrace;
  stop: StopReason;
  memory: PhysicalMemory;
  log: string[];
}

/**
 * Runs `elfPath` on our CPU from the state in `start` (QEMU's first record), for at most `limit`
 * instructions.
 */
export function runOurs(Cpu: X86CpuConstructor, elfPath: string, start: StateTrace, limit: number): OurRun {
  const memory = new PhysicalMemory('little');
  const io = new IoPorts();
  const log: string[] = [];
  const stackPointer = start.get(0, Field.REG + 4);
  const program = loadElf(memory, new Uint8Array(readFileSync(elfPath)), elfPath, stackPointer);
  const cpu = new Cpu(memory, io, { log: (line) => log.push(line) });
  cpu.enterFlatProtectedMode(3);
  const state = cpu.state;
  for (let r = 0; r < 8; r++) state.reg[r] = start.get(0, Field.REG + r);
  state.eip = program.entry;
  for (let s = 0; s < 6; s++) state.segments.selector[s] = start.get(0, Field.SELECTOR + s);
  // setEflags is not in the contract; without it, the stored EFLAGS is set directly, which is
  // safe where the CPU keeps arithmetic flags lazily because they are all clear at QEMU's start.
  const setEflags = (cpu as unknown as { setEflags?: unknown }).setEflags;
  if (typeof setEflags === 'function') setEflags.call(cpu, start.get(0, Field.EFLAGS));
  else state.eflags = start.get(0, Field.EFLAGS);
  const fpu = start.hasFpu ? x87View(cpu) : null;

  // Set from the hooks, which run inside step(); an object, so that the loop below sees the change.
  const stopped: { reason: StopReason | null } = { reason: null };
  cpu.softwareInterruptHook = (vector) => {
    stopped.reason = { kind: 'syscall', vector, eip: state.eip >>> 0 };
    return true;
  };
  cpu.exceptionHook = (vector, errorCode) => {
    stopped.reason = { kind: 'exception', vector, errorCode, eip: state.eip >>> 0 };
    return true;
  };

  const trace = new StateTrace(fpu !== null, Math.min(limit, 1 << 16));
  while (true) {
    const at = trace.append('');
    const data = trace.data;
    for (let r = 0; r < 8; r++) data[at + Field.REG + r] = state.reg[r];
    data[at + Field.EIP] = state.eip;
    data[at + Field.EFLAGS] = cpu.getEflags();
    for (let s = 0; s < 6; s++) data[at + Field.SELECTOR + s] = state.segments.selector[s];
    if (fpu !== null) {
      data[at + Field.FCW] = fpu.control;
      data[at + Field.FSW] = fpu.statusWord;
      let abridged = 0;
      for (let r = 0; r < 8; r++) {
        if (fpu.tags[r] !== 3) abridged |= 1 << r;
        if (fpu.signExponent instanceof Uint16Array && fpu.mantissa instanceof BigUint64Array) {
          const mantissa = fpu.mantissa[r];
          data[at + Field.FPR + 3 * r] = Number(mantissa & 0xffffffffn) | 0;
          data[at + Field.FPR + 3 * r + 1] = Number(mantissa >> 32n) | 0;
          data[at + Field.FPR + 3 * r + 2] = fpu.signExponent[r];
        } else {
          doubleToExtended(fpu.registers[r], data, at + Field.FPR + 3 * r);
        }
      }
      data[at + Field.FTW] = abridged;
    }
    const eip = state.eip >>> 0;
    if (trace.count > limit) return { trace, stop: { kind: 'limit', eip }, memory, log };
    try {
      cpu.step();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return { trace, stop: { kind: 'error', message, eip }, memory, log };
    }
    if (stopped.reason !== null) return { trace, stop: stopped.reason, memory, log };
  }
}
