// ELF32 parsing and the one-sentence refusals of the user-mode runner.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EM_386, EM_ARM, EM_PPC, ElfError, loadExtent, parseElf32, programHeaderAddress, PT_INTERP, whyNotRunnable } from '../../src/user/elf.js';
import { makeElf32 } from './helpers.js';

const I386 = { machines: [EM_386], endian: 'little' as const, name: 'i386' };

test('ELF0001 a static i386 executable parses and is runnable', () => {
  const bytes = makeElf32({
    entry: 0x08049000,
    segments: [
      { vaddr: 0x08048000, data: new Uint8Array(0x100), flags: 4 },
      { vaddr: 0x08049000, data: new Uint8Array([0xf4]), flags: 5 },
      { vaddr: 0x0804a010, data: new Uint8Array(8), memorySize: 0x3000, flags: 6 },
    ],
  });
  const elf = parseElf32(bytes, './prog');
  assert.equal(elf.machine, EM_386);
  assert.equal(elf.endian, 'little');
  assert.equal(elf.entry, 0x08049000);
  assert.equal(elf.programHeaders.length, 3);
  assert.equal(elf.programHeaders[2].memorySize, 0x3000);
  assert.equal(whyNotRunnable(elf, './prog', I386), null);
  assert.deepEqual(loadExtent(elf, 4096), { start: 0x08048000, end: 0x0804e000 });
});

test('ELF0002 AT_PHDR comes from the PT_LOAD that holds the program headers', () => {
  const bytes = makeElf32({ segments: [{ vaddr: 0x08048000, data: new Uint8Array(0x200), offset: 0 }] });
  const elf = parseElf32(bytes, 'p');
  assert.equal(programHeaderAddress(elf), 0x08048000 + 52);
});

test('ELF0003 a file that is not an ELF is refused with a sentence naming it', () => {
  assert.throws(() => parseElf32(new TextEncoder().encode('hello world\n'), './notes.txt'), (error: unknown) => error instanceof ElfError && error.message === './notes.txt is not an ELF executable.');
  assert.throws(() => parseElf32(new TextEncoder().encode('#!/bin/sh\necho hi\n'), './script'), /\.\/script is not an ELF executable \(it is a #! script/);
  assert.throws(() => parseElf32(new Uint8Array(0), './empty'), /\.\/empty is not an ELF executable\./);
});

test('ELF0004 an ELF for another machine names the machine and its e_machine', () => {
  const elf = parseElf32(makeElf32({ machine: EM_ARM, segments: [{ vaddr: 0x10000, data: new Uint8Array(4) }] }), './prog');
  assert.equal(whyNotRunnable(elf, './prog', I386), './prog is an ELF for ARM (e_machine 40), not i386.');
});

test('ELF0005 a 64-bit ELF is refused before its header is read as ELF32', () => {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  bytes[18] = 62;
  assert.throws(() => parseElf32(bytes, '/bin/ls'), (error: unknown) => error instanceof ElfError && error.message === '/bin/ls is a 64-bit ELF for x86-64 (e_machine 62), not a 32-bit one.');
});

test('ELF0006 a dynamically linked program names its interpreter and says to link statically', () => {
  const interp = new TextEncoder().encode('/lib/ld-linux.so.2\0');
  const elf = parseElf32(makeElf32({ segments: [{ vaddr: 0x08048000, data: new Uint8Array(16) }, { type: PT_INTERP, vaddr: 0x08048100, data: interp }] }), './dyn');
  assert.equal(elf.interpreter, '/lib/ld-linux.so.2');
  assert.match(whyNotRunnable(elf, './dyn', I386) ?? '', /^\.\/dyn is dynamically linked \(it asks for the interpreter \/lib\/ld-linux\.so\.2\).*-static/);
});

test('ELF0007 big-endian files parse in their own byte order (PowerPC)', () => {
  const elf = parseElf32(makeElf32({ machine: EM_PPC, endian: 'big', entry: 0x10000100, segments: [{ vaddr: 0x10000000, data: new Uint8Array(0x200), memorySize: 0x1000 }] }), './ppc');
  assert.equal(elf.endian, 'big');
  assert.equal(elf.machine, EM_PPC);
  assert.equal(elf.entry, 0x10000100);
  assert.equal(elf.programHeaders[0].memorySize, 0x1000);
  assert.equal(whyNotRunnable(elf, './ppc', { machines: [EM_PPC], endian: 'big', name: 'PowerPC' }), null);
  assert.equal(whyNotRunnable(elf, './ppc', I386), './ppc is an ELF for PowerPC (e_machine 20), not i386.');
});

test('ELF0008 truncated files are refused, not read past their end', () => {
  const bytes = makeElf32({ segments: [{ vaddr: 0x08048000, data: new Uint8Array(0x100) }] });
  assert.throws(() => parseElf32(bytes.subarray(0, 40), './cut'), /\.\/cut is a truncated ELF file/);
  assert.throws(() => parseElf32(bytes.subarray(0, bytes.length - 10), './cut'), /\.\/cut is truncated: segment 0 ends at file offset/);
});

test('ELF0009 a position-independent executable without interpreter and an object file are refused', () => {
  const pie = parseElf32(makeElf32({ type: 3, segments: [{ vaddr: 0, data: new Uint8Array(16) }] }), './pie');
  assert.match(whyNotRunnable(pie, './pie', I386) ?? '', /position-independent.*-no-pie/);
  const object = parseElf32(makeElf32({ type: 1, segments: [] }), './x.o');
  assert.match(whyNotRunnable(object, './x.o', I386) ?? '', /relocatable object/);
});
