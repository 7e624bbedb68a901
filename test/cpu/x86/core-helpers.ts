// Shared setup for the x86 core unit tests: a bare PhysicalMemory, I/O ports and an X86Cpu.

import { IoPorts } from '../../../src/hw/ioports.js';
import { PhysicalMemory } from '../../../src/hw/memory.js';
import { X86Cpu } from '../../../src/cpu/x86/cpu.js';

export interface CoreMachine {
  memory: PhysicalMemory;
  ram: Uint8Array;
  io: IoPorts;
  cpu: X86Cpu;
  logs: string[];
  exceptions: { vector: number; errorCode: number; eip: number }[];
}

/** 4 MiB of RAM at 0 and a 64 KiB ROM at the top of the address space (the reset vector). */
export function makeMachine(rom?: Uint8Array): CoreMachine {
  const memory = new PhysicalMemory('little');
  const ram = new Uint8Array(0x400000);
  memory.addRam('ram', 0, ram);
  memory.addRom('bios', 0xffff0000, rom ?? new Uint8Array(0x10000));
  const io = new IoPorts();
  const logs: string[] = [];
  const cpu = new X86Cpu(memory, io, { log: (line) => logs.push(line) });
  const exceptions: { vector: number; errorCode: number; eip: number }[] = [];
  cpu.exceptionHook = (vector, errorCode) => {
    exceptions.push({ vector, errorCode, eip: cpu.state.eip >>> 0 });
    cpu.stop();
    return true;
  };
  return { memory, ram, io, cpu, logs, exceptions };
}

/** A flat 32-bit machine (CPL 0 unless told) with `code` at 0x1000 and ESP 0x8000. */
export function flatMachine(code: number[], cpl: 0 | 3 = 0): CoreMachine {
  const machine = makeMachine();
  machine.ram.set(code, 0x1000);
  machine.cpu.enterFlatProtectedMode(cpl);
  machine.cpu.state.eip = 0x1000;
  machine.cpu.state.reg[4] = 0x8000;
  return machine;
}

/** Runs `count` instructions with step(). */
export function steps(machine: CoreMachine, count: number): void {
  for (let i = 0; i < count; i++) machine.cpu.step();
}

export function u32(value: number): number {
  return value >>> 0;
}
