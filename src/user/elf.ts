// ELF32 executables for the user-mode runner: parse the header and program headers in the file's
// own byte order, say in one sentence why a file cannot run, and copy PT_LOAD segments into a
// guest address space. Nothing here is specific to x86: the caller names the machine it emulates
// (System V ABI, "Object Files", ch. 4 and "Program Loading", ch. 5).

import * as fs from 'node:fs';
import type { Endianness } from '../hw/memory.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './address-space.js';

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const ET_EXEC = 2;
export const ET_DYN = 3;

/** e_machine values of the architectures l4vm has or will have, and of the usual impostors. */
export const EM_SPARC = 2;
export const EM_386 = 3;
export const EM_SPARC32PLUS = 18;
export const EM_PPC = 20;
export const EM_ARM = 40;

const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'SPARC',
  3: 'i386',
  8: 'MIPS',
  18: 'SPARC32PLUS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
};

export function machineName(machine: number): string {
  return MACHINE_NAMES[machine] ?? `machine ${machine}`;
}

export interface ElfProgramHeader {
  readonly type: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly fileSize: number;
  readonly memorySize: number;
  readonly flags: number;
  readonly align: number;
}

export interface Elf32 {
  readonly endian: Endianness;
  /** e_type: ET_EXEC, ET_DYN… */
  readonly type: number;
  readonly machine: number;
  readonly flags: number;
  readonly entry: number;
  readonly programHeaderOffset: number;
  readonly programHeaderSize: number;
  readonly programHeaders: readonly ElfProgramHeader[];
  /** The PT_INTERP path (a dynamically linked program), or null. */
  readonly interpreter: string | null;
}

/** What the runner emulates, to judge a file against. */
export interface ElfTarget {
  /** Accepted e_machine values (SPARC accepts EM_SPARC and EM_SPARC32PLUS, for instance). */
  readonly machines: readonly number[];
  readonly endian: Endianness;
  /** How the target is named in messages ("i386"). */
  readonly name: string;
}

/** A file the runner cannot run, with a sentence that names the file and says what it is. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
}

const ELF_HEADER_SIZE = 52;
const PROGRAM_HEADER_SIZE = 32;

/** Parses an ELF32 file; throws ElfError with a sentence naming `fileName` when it is not one. */
export function parseElf32(bytes: Uint8Array, fileName: string): Elf32 {
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    const script = bytes.length >= 2 && bytes[0] === 0x23 && bytes[1] === 0x21;
    throw new ElfError(`${fileName} is not an ELF executable${script ? ' (it is a #! script; run its interpreter instead)' : ''}.`);
  }
  if (bytes.length < 16) throw new ElfError(`${fileName} is a truncated ELF file (${bytes.length} bytes).`);
  const elfClass = bytes[4];
  const data = bytes[5];
  if (data !== 1 && data !== 2) throw new ElfError(`${fileName} is an ELF file with an unknown byte order (EI_DATA ${data}).`);
  const endian: Endianness = data === 1 ? 'little' : 'big';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = endian === 'little';
  if (elfClass !== 1) {
    const machine = bytes.length >= 20 ? view.getUint16(18, little) : -1;
    const what = elfClass === 2 ? '64-bit ELF' : `ELF of unknown class ${elfClass}`;
    throw new ElfError(`${fileName} is a ${what}${machine >= 0 ? ` for ${machineName(machine)} (e_machine ${machine})` : ''}, not a 32-bit one.`);
  }
  if (bytes.length < ELF_HEADER_SIZE) throw new ElfError(`${fileName} is a truncated ELF file (${bytes.length} bytes, the header alone is ${ELF_HEADER_SIZE}).`);

  const type = view.getUint16(16, little);
  const machine = view.getUint16(18, little);
  const entry = view.getUint32(24, little);
  const programHeaderOffset = view.getUint32(28, little);
  const flags = view.getUint32(36, little);
  const programHeaderSize = view.getUint16(42, little);
  const programHeaderCount = view.getUint16(44, little);
  if (programHeaderCount > 0 && programHeaderSize < PROGRAM_HEADER_SIZE) {
    throw new ElfError(`${fileName} has program headers of ${programHeaderSize} bytes; ELF32 needs ${PROGRAM_HEADER_SIZE}.`);
  }
  if (programHeaderOffset + programHeaderCount * programHeaderSize > bytes.length) {
    throw new ElfError(`${fileName} is truncated: its program headers end past the end of the file.`);
  }

  const programHeaders: ElfProgramHeader[] = [];
  let interpreter: string | null = null;
  for (let i = 0; i < programHeaderCount; i++) {
    const at = programHeaderOffset + i * programHeaderSize;
    const header: ElfProgramHeader = {
      type: view.getUint32(at, little),
      offset: view.getUint32(at + 4, little),
      vaddr: view.getUint32(at + 8, little),
      fileSize: view.getUint32(at + 16, little),
      memorySize: view.getUint32(at + 20, little),
      flags: view.getUint32(at + 24, little),
      align: view.getUint32(at + 28, little),
    };
    if (header.type === PT_LOAD || header.type === PT_INTERP) {
      if (header.offset + header.fileSize > bytes.length) {
        throw new ElfError(`${fileName} is truncated: segment ${i} ends at file offset ${header.offset + header.fileSize}, the file has ${bytes.length} bytes.`);
      }
    }
    if (header.type === PT_LOAD) {
      if (header.fileSize > header.memorySize) throw new ElfError(`${fileName}: segment ${i} has more file bytes (${header.fileSize}) than memory bytes (${header.memorySize}).`);
      if (header.vaddr + header.memorySize > 0x1_0000_0000) throw new ElfError(`${fileName}: segment ${i} extends past the 4 GiB address space.`);
    }
    if (header.type === PT_INTERP) {
      let end = header.offset;
      while (end < header.offset + header.fileSize && bytes[end] !== 0) end++;
      interpreter = new TextDecoder().decode(bytes.subarray(header.offset, end));
    }
    programHeaders.push(header);
  }
  return { endian, type, machine, flags, entry, programHeaderOffset, programHeaderSize, programHeaders, interpreter };
}

/**
 * Why `elf` cannot run as a static executable of `target`, as one sentence naming the file, or null
 * when it can.
 */
export function whyNotRunnable(elf: Elf32, fileName: string, target: ElfTarget): string | null {
  if (!target.machines.includes(elf.machine)) {
    return `${fileName} is an ELF for ${machineName(elf.machine)} (e_machine ${elf.machine}), not ${target.name}.`;
  }
  if (elf.endian !== target.endian) return `${fileName} is a ${elf.endian}-endian ELF; ${target.name} programs are ${target.endian}-endian.`;
  if (elf.interpreter !== null) {
    return `${fileName} is dynamically linked (it asks for the interpreter ${elf.interpreter}); l4vm user runs static executables only: link with -static.`;
  }
  if (elf.type !== ET_EXEC) {
    return elf.type === ET_DYN
      ? `${fileName} is a position-independent ELF (ET_DYN) without an interpreter; l4vm user runs ET_EXEC static executables: link with -static -no-pie.`
      : `${fileName} is an ELF of type ${elf.type} (a relocatable object or core file), not an executable.`;
  }
  if (!elf.programHeaders.some((header) => header.type === PT_LOAD)) return `${fileName} has no loadable segment.`;
  return null;
}

/** The pages the PT_LOAD segments occupy, from the lowest page to the end of the highest one. */
export function loadExtent(elf: Elf32, pageSize: number): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD || header.memorySize === 0) continue;
    start = Math.min(start, header.vaddr - (header.vaddr % pageSize));
    end = Math.max(end, Math.ceil((header.vaddr + header.memorySize) / pageSize) * pageSize);
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

/** Where the program headers are in guest memory (AT_PHDR): PT_PHDR, else the PT_LOAD that holds them. */
export function programHeaderAddress(elf: Elf32): number {
  for (const header of elf.programHeaders) if (header.type === PT_PHDR) return header.vaddr;
  for (const header of elf.programHeaders) {
    if (header.type === PT_LOAD && elf.programHeaderOffset >= header.offset && elf.programHeaderOffset < header.offset + header.fileSize) {
      return header.vaddr + (elf.programHeaderOffset - header.offset);
    }
  }
  return 0;
}

/**
 * Copies every PT_LOAD segment's file bytes to its address with `write`; the rest of each segment
 * (the bss) is left as the caller mapped it, which must be zeros.
 */
export function copySegments(elf: Elf32, bytes: Uint8Array, write: (address: number, from: Uint8Array) => void): void {
  for (const header of elf.programHeaders) {
    if (header.type !== PT_LOAD || header.fileSize === 0) continue;
    write(header.vaddr, bytes.subarray(header.offset, header.offset + header.fileSize));
  }
}

/** Reads and checks the program at host path `program` for `target`; throws ElfError with one sentence when it cannot run. */
export function readExecutable(program: string, target: ElfTarget): { bytes: Uint8Array; elf: Elf32 } {
  let bytes: Uint8Array;
  try {
    if (fs.statSync(program).isDirectory()) throw new ElfError(`${program} is a directory, not a program.`);
    bytes = fs.readFileSync(program);
  } catch (error) {
    if (error instanceof ElfError) throw error;
    const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
    throw new ElfError(code === 'ENOENT' ? `${program} does not exist.` : code === 'EACCES' ? `${program} cannot be read (permission denied).` : `${program} cannot be read: ${String(error)}`);
  }
  const elf = parseElf32(bytes, program);
  const problem = whyNotRunnable(elf, program, target);
  if (problem !== null) throw new ElfError(problem);
  return { bytes, elf };
}

/** The mmap protection of a segment's ELF flags (PF_R, PF_W, PF_X). */
export function segmentProtection(flags: number): number {
  return ((flags & PF_R) !== 0 ? PROT_READ : 0) | ((flags & PF_W) !== 0 ? PROT_WRITE : 0) | ((flags & PF_X) !== 0 ? PROT_EXEC : 0);
}
