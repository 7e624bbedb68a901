// A minimal loader for the test programs: static, -nostdlib ELF32 i386 executables. It copies the
// PT_LOAD segments into RAM (one region spanning them all, page-aligned, zero-filled beyond the
// file bytes as for .bss) and adds a stack region around a given stack pointer. It does not build
// Linux's initial stack (argc, argv, environment, auxiliary vector): the test programs never read
// above their initial ESP. src/user/ has the real loader; this one keeps the harness independent.

import type { PhysicalMemory } from '../../../../src/hw/memory.js';

const PAGE = 0x1000;
const PT_LOAD = 1;
const EM_386 = 3;
const ET_EXEC = 2;

export interface LoadedProgram {
  entry: number;
  /** Start and end (exclusive) of the RAM holding the program's segments. */
  imageStart: number;
  imageEnd: number;
}

export interface ElfSegment {
  virtualAddress: number;
  fileOffset: number;
  fileSize: number;
  memorySize: number;
}

export function parseElf(file: Uint8Array, name: string): { entry: number; segments: ElfSegment[] } {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 52 || view.getUint32(0, false) !== 0x7f454c46) throw new Error(`${name} is not an ELF file`);
  if (file[4] !== 1 || file[5] !== 1) throw new Error(`${name} is not a 32-bit little-endian ELF file`);
  if (view.getUint16(16, true) !== ET_EXEC || view.getUint16(18, true) !== EM_386) {
    throw new Error(`${name} is not a static i386 executable (link it with -static, without -pie)`);
  }
  const entry = view.getUint32(24, true);
  const headerOffset = view.getUint32(28, true);
  const headerSize = view.getUint16(42, true);
  const headerCount = view.getUint16(44, true);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < headerCount; i++) {
    const at = headerOffset + i * headerSize;
    if (view.getUint32(at, true) !== PT_LOAD) continue;
    segments.push({
      fileOffset: view.getUint32(at + 4, true),
      virtualAddress: view.getUint32(at + 8, true),
      fileSize: view.getUint32(at + 16, true),
      memorySize: view.getUint32(at + 20, true),
    });
  }
  if (segments.length === 0) throw new Error(`${name} has no PT_LOAD segment`);
  return { entry, segments };
}

/**
 * Loads `file` into `memory` and maps `stackBytes` of RAM below the page holding `stackPointer`
 * (plus that page and the next).
 */
export function loadElf(memory: PhysicalMemory, file: Uint8Array, name: string, stackPointer: number, stackBytes = 0x40000): LoadedProgram {
  const { entry, segments } = parseElf(file, name);
  let start = Infinity;
  let end = 0;
  for (const segment of segments) {
    start = Math.min(start, segment.virtualAddress);
    end = Math.max(end, segment.virtualAddress + segment.memorySize);
  }
  start = Math.floor(start / PAGE) * PAGE;
  end = Math.ceil(end / PAGE) * PAGE;
  const image = new Uint8Array(end - start);
  for (const segment of segments) {
    image.set(file.subarray(segment.fileOffset, segment.fileOffset + segment.fileSize), segment.virtualAddress - start);
  }
  memory.addRam(`${name} image`, start, image);
  const stackTop = (Math.floor((stackPointer >>> 0) / PAGE) + 2) * PAGE;
  memory.addRam(`${name} stack`, stackTop - stackBytes, new Uint8Array(stackBytes));
  return { entry, imageStart: start, imageEnd: end };
}
